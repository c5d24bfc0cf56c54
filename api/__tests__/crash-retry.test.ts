/**
 * A command that creates something, killed half-way and retried with the same Idempotency-Key,
 * finishes the first attempt's work and answers what the first would have: the ids of what it
 * creates follow from the command id, never from chance. A kill is simulated by a step that
 * never returns (nothing after it runs, not even error handling); the client gives up on it.
 *
 * Kill points: between the commands of a multi-command creation (the e-mail reserved, the
 * customer or expert registered, the login not yet), and after every command but before the
 * answer was remembered for the key.
 */
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { RecordedEvent } from '../../event-store/port';
import { PASSWORD, startTestSystem, TestSystem } from './harness';
import { markPaid, ticketBody } from './scenario';

const WEEK = { timeZone: 'UTC', days: [[], [{ from: '08:00', to: '17:00' }], [{ from: '08:00', to: '17:00' }], [], [], [], []] };
const address = { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } };

type Role = 'admin' | 'customer' | 'helpdesk' | 'anonymous';

interface Creation {
  name: string;
  role: Role;
  path: string;
  body(n: number): Record<string, unknown>;
  /** The e-mail the creation gives a login, if it does. */
  email?(n: number): string;
  /** Text its events carry that tells creation n from the others. */
  mark(n: number): string;
  /** Event types it records, each exactly once per creation. */
  creates: string[];
  /** Where the answer names what was created. */
  ids: string[];
}

const creations: Creation[] = [
  {
    name: 'customer sign-up',
    role: 'anonymous',
    path: '/auth/register',
    body: (n) => ({ contact: { name: 'Dana Reyes', email: `dana-${n}@example.com`, phone: '+1 555 0100', address }, notifyBy: 'email', password: PASSWORD }),
    email: (n) => `dana-${n}@example.com`,
    mark: (n) => `dana-${n}@example.com`,
    creates: ['CustomerRegistered', 'UserRegistered'],
    ids: ['userId', 'customerId'],
  },
  {
    name: 'staff account',
    role: 'admin',
    path: '/users',
    body: (n) => ({ email: `desk-${n}@example.com`, role: 'helpdesk', password: PASSWORD }),
    email: (n) => `desk-${n}@example.com`,
    mark: (n) => `desk-${n}@example.com`,
    creates: ['UserRegistered'],
    ids: ['userId'],
  },
  {
    name: 'expert',
    role: 'admin',
    path: '/experts',
    body: (n) => ({
      name: 'Olga Oven',
      email: `olga-${n}@example.com`,
      phone: '+1 555 0123',
      homeLocation: { lat: 42.1, lon: -72.6 },
      serviceArea: { kind: 'radius', radiusKm: 25 },
      skills: ['gas oven'],
      availability: WEEK,
      feePerVisitCents: 9000,
      password: PASSWORD,
    }),
    email: (n) => `olga-${n}@example.com`,
    mark: (n) => `olga-${n}@example.com`,
    creates: ['ExpertOnboarded', 'UserRegistered'],
    ids: ['expertId', 'userId'],
  },
  {
    name: 'knowledge-base article',
    role: 'helpdesk',
    path: '/kb/articles',
    mark: (n) => `Door seal leaks ${n}`,
    body: (n) => ({ title: `Door seal leaks ${n}`, problem: 'Water on the floor under the door', fix: 'Replace the door seal', tags: ['washer'], category: 'washer' }),
    creates: ['ArticleWritten'],
    ids: ['articleId'],
  },
  {
    name: 'ticket',
    role: 'customer',
    path: '/tickets',
    mark: (n) => `The washer leaks water on the floor (${n})`,
    body: (n) => ticketBody({ problem: `The washer leaks water on the floor (${n})` }),
    creates: ['TicketOpened'],
    ids: ['ticketId'],
  },
];

describe('a creation killed half-way, retried with the same Idempotency-Key', () => {
  let sys: TestSystem;
  let attempt = 0;
  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
  });
  afterAll(() => sys.stop());

  const token = async (role: Role) => (role === 'anonymous' ? undefined : sys.token(role));

  /** Sends the request; a kill leaves it unanswered, so the client gives up after a moment. */
  async function post(creation: Creation, key: string, n: number, patience?: number): Promise<{ status: number; body: any } | 'no answer'> {
    const auth = await token(creation.role);
    try {
      const response = await fetch(`${sys.url}${creation.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
        body: JSON.stringify(creation.body(n)),
        ...(patience ? { signal: AbortSignal.timeout(patience) } : {}),
      });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return 'no answer';
      throw error;
    }
  }

  /** Events of the given types recorded since `after` that belong to creation n. */
  async function recorded(after: number, creation: Creation, n: number): Promise<RecordedEvent[]> {
    const events = await sys.services.events.readAll({ fromPosition: after });
    return events.filter((e) => creation.creates.includes(e.type) && JSON.stringify(e.data).includes(creation.mark(n)));
  }

  async function expectFinished(creation: Creation, key: string, n: number, after: number): Promise<void> {
    const retried = await post(creation, key, n);
    if (retried === 'no answer') throw new Error('the retry got no answer');
    expect([retried.status, retried.body.title]).toEqual([201, undefined]);
    // Exactly one of each event: the retry finished the first attempt's work, it made no second one.
    await sys.settle();
    expect((await recorded(after, creation, n)).map((e) => e.type).sort()).toEqual([...creation.creates].sort());
    // Its answer names what the events created, and a further retry answers the same.
    const again = await post(creation, key, n);
    expect(again).toEqual({ status: 201, body: retried.body });
    for (const id of creation.ids) expect(JSON.stringify((await recorded(after, creation, n)).map((e) => e.data))).toContain(retried.body[id]);
    if (creation.email) {
      const login = await sys.call('POST', '/auth/login', { body: { email: creation.email(n), password: PASSWORD } });
      expect(login.status).toBe(200);
      expect(login.body.user.userId).toBe(retried.body.userId);
    }
  }

  describe.each(creations.filter((c) => c.email))('$name, killed before its login is registered', (creation) => {
    it('answers 201 on the retry, and the login works', async () => {
      const n = ++attempt;
      const key = `kill-before-login-${n}`;
      const after = await sys.services.events.headPosition();
      const handle = sys.services.commands.handle.bind(sys.services.commands);
      const spy = jest.spyOn(sys.services.commands, 'handle').mockImplementation((decider, stream, command, options) =>
        stream.startsWith('user-') ? new Promise(() => {}) : handle(decider, stream, command, options),
      );
      try {
        expect(await post(creation, key, n, 500)).toBe('no answer');
      } finally {
        spy.mockRestore();
      }
      await expectFinished(creation, key, n, after);
    });
  });

  describe.each(creations)('$name, killed after its commands, before the answer was remembered', (creation) => {
    it('answers 201 on the retry with the same ids, and writes nothing twice', async () => {
      const n = ++attempt;
      const key = `kill-before-answer-${n}`;
      const after = await sys.services.events.headPosition();
      const spy = jest.spyOn(sys.services.engine, 'waitFor').mockImplementationOnce(() => new Promise(() => {}));
      try {
        expect(await post(creation, key, n, 500)).toBe('no answer');
      } finally {
        spy.mockRestore();
      }
      await sys.settle();
      expect((await recorded(after, creation, n)).map((e) => e.type).sort()).toEqual([...creation.creates].sort());
      await expectFinished(creation, key, n, after);
    });
  });

  describe('an e-mail reserved by a sign-up that never registered its login', () => {
    const signUp = creations[0]!;

    async function orphan(): Promise<{ n: number }> {
      const n = ++attempt;
      const handle = sys.services.commands.handle.bind(sys.services.commands);
      const spy = jest.spyOn(sys.services.commands, 'handle').mockImplementation((decider, stream, command, options) =>
        stream.startsWith('user-') ? new Promise(() => {}) : handle(decider, stream, command, options),
      );
      try {
        expect(await post(signUp, `abandoned-${n}`, n, 500)).toBe('no answer');
      } finally {
        spy.mockRestore();
      }
      return { n };
    }

    it('holds against other sign-ups for a while (the first may still be under way), then goes to the next one', async () => {
      const { n } = await orphan();
      const other = await post(signUp, `another-key-${n}`, n);
      expect(other).toMatchObject({ status: 409 });
      sys.clock.advanceMinutes(11);
      const later = await post(signUp, `yet-another-key-${n}`, n);
      expect(later).toMatchObject({ status: 201 });
      await sys.settle();
      expect((await sys.call('POST', '/auth/login', { body: { email: signUp.email!(n), password: PASSWORD } })).body.user.userId).toBe((later as { body: { userId: string } }).body.userId);
      // The first attempt's retry, later still, finds the e-mail registered by the other.
      expect(await post(signUp, `abandoned-${n}`, n)).toMatchObject({ status: 409 });
    });

    it('an e-mail whose account was registered is never taken over, however old', async () => {
      const n = ++attempt;
      expect(await post(signUp, `first-${n}`, n)).toMatchObject({ status: 201 });
      sys.clock.advanceMinutes(24 * 60);
      expect(await post(signUp, `second-${n}`, n)).toMatchObject({ status: 409 });
    });

    it('a reservation from before reservations were dated, of an account never registered, is taken over', async () => {
      const n = ++attempt;
      const email = signUp.email!(n);
      await sys.services.documents.collection('email_reservations').insertOne({ _id: email, userId: 'random-id-of-a-lost-sign-up' });
      await send(sys.services.commands, customers, {
        type: 'registerCustomer',
        data: { customerId: 'orphan-customer', contact: { name: 'Lost', email, phone: '+1 555 0100', address }, notifyBy: 'email' },
        metadata: { commandId: 'orphan-customer', now: sys.clock.now, actor: { userId: 'random-id-of-a-lost-sign-up', role: 'customer' } },
      });
      expect(await post(signUp, `retry-${n}`, n)).toMatchObject({ status: 201 });
    });
  });
});
