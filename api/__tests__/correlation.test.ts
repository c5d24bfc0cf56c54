/** One correlation id per request: the answer's header, the request log and the events it wrote. */
import { startTestSystem, TestSystem } from './harness';
import { markPaid, ticketBody } from './scenario';

describe('correlation ids over HTTP', () => {
  let sys: TestSystem;
  let customer: string;
  let helpdesk: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    helpdesk = await sys.token('helpdesk');
  });
  afterAll(() => sys.stop());

  const historyOf = async (ticketId: string) => {
    await sys.settle();
    const history = await sys.call('GET', `/tickets/${ticketId}/history`, { token: helpdesk });
    expect(history.status).toBe(200);
    return history.body.history as { type: string; correlationId: string }[];
  };

  it('without one from the caller, the id the answer names is the one its events carry', async () => {
    const opened = await sys.call('POST', '/tickets', { token: customer, body: ticketBody() });
    expect(opened.status).toBe(201);
    const id = opened.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const events = await historyOf(opened.body.ticketId);
    expect(events.find((e) => e.type === 'TicketOpened')?.correlationId).toBe(id);
  });

  it("the caller's own id is kept; an unusable one is replaced", async () => {
    const given = await sys.call('POST', '/tickets', { token: customer, body: ticketBody(), headers: { 'x-correlation-id': 'call-centre:4711' } });
    expect(given.headers.get('x-correlation-id')).toBe('call-centre:4711');
    expect((await historyOf(given.body.ticketId)).find((e) => e.type === 'TicketOpened')?.correlationId).toBe('call-centre:4711');
    const odd = await sys.call('GET', '/tickets', { token: customer, headers: { 'x-correlation-id': 'no spaces allowed' } });
    expect(odd.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
