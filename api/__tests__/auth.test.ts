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
