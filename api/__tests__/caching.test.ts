/**
 * Answers are not stored by browsers: a ticket's ETag is its stream revision (for If-Match), which
 * does not change when its visits do, so a cached copy revalidated with it would stay stale.
 */
import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket } from './scenario';

describe('caching of answers', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
  });
  afterAll(() => sys.stop());

  it('a ticket is answered no-store (with its revision as ETag); the public catalog may be cached a minute', async () => {
    const customer = await sys.token('customer');
    const { ticketId } = await openTicket(sys, customer);
    const ticket = await sys.call('GET', `/tickets/${ticketId}`, { token: customer });
    expect(ticket.headers.get('cache-control')).toBe('no-store');
    expect(ticket.headers.get('etag')).toMatch(/^"\d+"$/);
    const again = await sys.call('GET', `/tickets/${ticketId}`, { token: customer, headers: { 'if-none-match': ticket.headers.get('etag')! } });
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect((await sys.call('GET', '/catalog/models')).headers.get('cache-control')).toBe('public, max-age=60');
  });
});
