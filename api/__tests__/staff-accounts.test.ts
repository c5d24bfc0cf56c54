/**
 * The first admin from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD: made through the same
 * commands as POST /users, once — later starts (or a second replica) change nothing.
 */
import { ensureBootstrapAdmin } from '../auth/staff-accounts';
import { PASSWORD, startTestSystem, TestSystem } from './harness';

const ADMIN = { email: 'First.Admin@Example.com', password: 'first admin passphrase' };

describe('the first admin (BOOTSTRAP_ADMIN_*)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  const login = (email: string, password: string) => sys.call('POST', '/auth/login', { body: { email, password } });

  it('is created on the first start and can log in as admin and create staff', async () => {
    const outcome = await ensureBootstrapAdmin(sys.services, ADMIN, sys.clock.now);
    expect(outcome).toEqual({ outcome: 'created', userId: expect.stringMatching(/^admin-[0-9a-f]{24}$/) });
    await sys.settle();
    const session = await login('first.admin@example.com', ADMIN.password);
    expect([session.status, session.body.user]).toEqual([200, expect.objectContaining({ role: 'admin', email: 'first.admin@example.com' })]);
    const staff = await sys.call('POST', '/users', { token: session.body.accessToken, body: { email: 'desk@example.com', role: 'helpdesk', password: PASSWORD } });
    expect(staff.status).toBe(201);
  });

  it('later starts, and two replicas at once, write nothing and keep the password changed since', async () => {
    const session = await login(ADMIN.email, ADMIN.password);
    const changed = await sys.call('PUT', '/users/me/password', { token: session.body.accessToken, body: { currentPassword: ADMIN.password, newPassword: 'changed admin passphrase' } });
    expect(changed.status).toBe(204);
    const head = await sys.services.events.headPosition();
    const again = await Promise.all([ensureBootstrapAdmin(sys.services, ADMIN, sys.clock.now), ensureBootstrapAdmin(sys.services, { ...ADMIN, password: 'yet another passphrase' }, sys.clock.now)]);
    expect(again.map((a) => a.outcome)).toEqual(['exists', 'exists']);
    expect(await sys.services.events.headPosition()).toBe(head);
    await sys.settle();
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(401);
    expect((await login(ADMIN.email, 'changed admin passphrase')).status).toBe(200);
  });

  it('does nothing when the e-mail belongs to another account', async () => {
    const admin = await sys.token('admin');
    expect((await sys.call('POST', '/users', { token: admin, body: { email: 'taken@example.com', role: 'manager', password: PASSWORD } })).status).toBe(201);
    const head = await sys.services.events.headPosition();
    expect(await ensureBootstrapAdmin(sys.services, { email: 'taken@example.com', password: ADMIN.password }, sys.clock.now)).toEqual({ outcome: 'taken' });
    expect(await sys.services.events.headPosition()).toBe(head);
  });
});
