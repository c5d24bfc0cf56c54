import { PasswordHashing } from '../auth/passwords';
import { PASSWORD, startTestSystem, TestSystem } from './harness';

describe('auth over HTTP', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  it('every role logs in and sees itself; tokens carry the role and link', async () => {
    for (const role of ['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const) {
      const me = await sys.call('GET', '/auth/me', { token: await sys.token(role) });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ role, email: `${role}@test.local` });
    }
    expect((await sys.call('GET', '/auth/me', { token: await sys.token('customer') })).body.customerId).toBe('cust-test');
  });

  it('wrong password and missing or forged tokens are 401 problems', async () => {
    const wrong = await sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: 'nope-nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await sys.call('GET', '/auth/me')).status).toBe(401);
    expect((await sys.call('GET', '/auth/me', { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged' })).status).toBe(401);
  });

  it('a well-signed token for an account that does not exist is an invalid token (401 Unauthorized), not a disabled account', async () => {
    const { accessToken } = sys.services.tokens.issueAccess({ userId: 'user-that-never-was', role: 'admin' });
    const r = await sys.call('GET', '/auth/me', { token: accessToken });
    expect(r.status).toBe(401);
    expect(r.body.title).toBe('Unauthorized');
    expect(r.body.detail).not.toMatch(/disabled/i);
  });

  it('a refresh token works once and yields a new pair', async () => {
    const login = await sys.call('POST', '/auth/login', { body: { email: 'manager@test.local', password: PASSWORD } });
    const first = await sys.call('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.accessToken).toEqual(expect.any(String));
    expect((await sys.call('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } })).status).toBe(401);
  });

  it('self sign-up creates a customer login; a retried request (same Idempotency-Key) writes nothing new', async () => {
    const body = {
      contact: { name: 'Dana Reyes', email: 'Dana@Example.com', phone: '+1 555 0100', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } } },
      notifyBy: 'sms',
      password: 'a long enough password',
    };
    const head = await sys.services.events.headPosition();
    const first = await sys.call('POST', '/auth/register', { body, headers: { 'Idempotency-Key': 'signup-dana-1' } });
    expect(first.status).toBe(201);
    const afterFirst = await sys.services.events.headPosition();
    expect(afterFirst).toBe(head + 2);
    const again = await sys.call('POST', '/auth/register', { body, headers: { 'Idempotency-Key': 'signup-dana-1' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await sys.services.events.headPosition()).toBe(afterFirst);
    const login = await sys.call('POST', '/auth/login', { body: { email: 'dana@example.com', password: 'a long enough password' } });
    expect(login.status).toBe(200);
    expect((await sys.call('POST', '/auth/register', { body, headers: { 'Idempotency-Key': 'signup-dana-2' } })).status).toBe(409);
  });

  it('invalid bodies are 400 with the field errors, and write nothing', async () => {
    const head = await sys.services.events.headPosition();
    const r = await sys.call('POST', '/auth/register', { body: { contact: { email: 'x' }, password: 'short' } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
    expect(await sys.services.events.headPosition()).toBe(head);
  });
});

describe('login rate limit', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ loginLimitPerMinute: 3 });
  });
  afterAll(() => sys.stop());

  it('counts failed logins, not successful ones; after the limit even the right password waits (429 problem)', async () => {
    const login = (password: string) => sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password } });
    for (let i = 0; i < 5; i++) expect((await login(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login('wrong password guess')).status).toBe(401);
    const limited = await login(PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Other routes are not limited.
    expect((await sys.call('GET', '/health')).status).toBe(200);
  });
});

describe('password hashing busy (PASSWORD_HASH_CONCURRENCY)', () => {
  let sys: TestSystem;
  // One hash at a time and none waiting: a second one at the same moment is turned away.
  const hashing = new PasswordHashing(1, 0);
  beforeAll(async () => {
    sys = await startTestSystem({ passwordHashing: hashing, loginLimitPerMinute: 1 });
  });
  afterAll(() => sys.stop());

  it('a login while every hash slot is taken and the queue is full is a 503 problem with Retry-After, and counts as no failure', async () => {
    const admin = await sys.token('admin');
    const held = hashing.hash('someone else changing their password');
    const metrics = await sys.call('GET', '/metrics', { token: admin });
    expect(metrics.body).toMatch(/^sysops_password_hashes\{state="running"\} 1$/m);
    expect(metrics.body).toMatch(/^sysops_password_hashes\{state="waiting"\} 0$/m);
    const busy = await sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: PASSWORD } });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(busy.body).toMatchObject({ title: 'Too many logins at once', status: 503 });
    await held;
    // At one failure a minute, a 503 counted as one would make this a 429.
    expect((await sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: PASSWORD } })).status).toBe(200);
  });

});

describe('sign-up while password hashing is busy', () => {
  let sys: TestSystem;
  const hashing = new PasswordHashing(1, 0);
  beforeAll(async () => {
    sys = await startTestSystem({ passwordHashing: hashing });
  });
  afterAll(() => sys.stop());

  it('a sign-up turned away while hashing is busy writes nothing, and the same request later succeeds', async () => {
    const body = {
      contact: { name: 'Ola Berg', email: 'ola@example.com', phone: '+1 555 0101', address: { line1: '2 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } } },
      notifyBy: 'email',
      password: 'a long enough password',
    };
    const head = await sys.services.events.headPosition();
    const held = hashing.hash('someone else changing their password');
    const busy = await sys.call('POST', '/auth/register', { body, headers: { 'Idempotency-Key': 'signup-ola-1' } });
    expect(busy.status).toBe(503);
    await held;
    expect(await sys.services.events.headPosition()).toBe(head);
    const later = await sys.call('POST', '/auth/register', { body, headers: { 'Idempotency-Key': 'signup-ola-1' } });
    expect(later.status).toBe(201);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'ola@example.com', password: 'a long enough password' } })).status).toBe(200);
  });
});

describe('login rate limit, many people logging in at once from one address', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ loginLimitPerMinute: 3 });
  });
  afterAll(() => sys.stop());

  it('logins under way are not failures: twelve at once with the right password all pass', async () => {
    const logins = await Promise.all(Array.from({ length: 12 }, () => sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: PASSWORD } })));
    expect(logins.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
    // Failures still count once answered.
    for (let i = 0; i < 3; i++) expect((await sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: 'wrong password guess' } })).status).toBe(401);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'admin@test.local', password: PASSWORD } })).status).toBe(429);
  });
});

describe('login rate limit without a trusted proxy (TRUST_PROXY unset)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ loginLimitPerMinute: 3 });
  });
  afterAll(() => sys.stop());

  it('counts per connection address: a rotating X-Forwarded-For is not trusted unless TRUST_PROXY names the proxy', async () => {
    // Different e-mails each time, so that only the limit per address can stop them.
    const guess = (i: number) => sys.call('POST', '/auth/login', { body: { email: `nobody-${i}@spoof.test`, password: 'wrong password guess' }, headers: { 'x-forwarded-for': `203.0.113.${i}` } });
    for (let i = 1; i <= 3; i++) expect((await guess(i)).status).toBe(401);
    expect((await guess(4)).status).toBe(429);
  });
});

describe('login limits per account, behind a trusted proxy (TRUST_PROXY)', () => {
  let sys: TestSystem;
  let client = 0;
  /** Each call from another client address, as the trusted proxy on loopback reports it. */
  const login = (email: string, password: string) => sys.call('POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': `198.51.100.${++client}` } });
  beforeAll(async () => {
    sys = await startTestSystem({ loginLimitPerMinute: 3, trustProxy: ['loopback'] });
  });
  afterAll(() => sys.stop());

  it('failed logins for one account from many addresses lock that account for the minute, even for the right password; other accounts still log in', async () => {
    for (let i = 0; i < 5; i++) expect((await login('manager@test.local', PASSWORD)).status).toBe(200); // successes do not count
    for (let i = 0; i < 3; i++) expect((await login('Manager@Test.local ', 'wrong password guess')).status).toBe(401);
    const locked = await login('manager@test.local', PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await login('helpdesk@test.local', PASSWORD)).status).toBe(200);
  });

  it('an unknown e-mail is limited exactly like a known one: a 429 does not tell whether the account exists', async () => {
    const answers = async (email: string) => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await login(email, 'wrong password guess')).status);
      const last = await login(email, 'wrong password guess');
      return { statuses, status: last.status, problem: { title: last.body.title, detail: last.body.detail, type: last.body.type }, limit: last.headers.get('ratelimit-policy') };
    };
    const known = await answers('expert@test.local');
    const unknown = await answers('no-such-account@test.local');
    expect(known.statuses).toEqual([401, 401, 401, 429]);
    expect(unknown).toEqual(known);
  });

  it('a limited address is refused whatever the account (the right password too), while the account stays usable from elsewhere', async () => {
    const from = (address: string, email: string, password: string) => sys.call('POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 3; i++) expect((await from('192.0.2.77', `guess-${i}@test.local`, 'wrong password guess')).status).toBe(401);
    expect((await from('192.0.2.77', 'admin@test.local', PASSWORD)).status).toBe(429);
    expect((await from('192.0.2.78', 'admin@test.local', PASSWORD)).status).toBe(200);
  });
});
