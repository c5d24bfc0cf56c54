/**
 * The audit of a ticket over HTTP (`GET /tickets/{id}/history`): who acted — the person logged
 * in, in which role — and why each event happened.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, markPaid, scheduledVisit, walk, windowOn } from './scenario';

type Entry = { eventId: string; type: string; stream: string; actor: { userId: string; role: string; expertId?: string } };

describe('the audit of a ticket', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let helpdesk: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    helpdesk = await sys.token('helpdesk');
  });
  afterAll(() => sys.stop());

  async function history(ticketId: string): Promise<Entry[]> {
    const r = await sys.call('GET', `/tickets/${ticketId}/history`, { token: helpdesk });
    expect(r.status).toBe(200);
    return r.body.history;
  }

  it("shows the person who acted and their role: an expert's steps name their login, with the expert profile they acted as", async () => {
    const { ticketId, visitId } = await scheduledVisit(sys, { customer, expert }, windowOn(3, '09:00', '12:00'), at(3, '09:00'));
    await walk(sys, expert, visitId, [
      ['en-route', { eta: at(3, '08:50') }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'new hose' }],
    ]);
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'hose replaced' } })).status).toBe(200);
    await sys.settle();

    const trail = await history(ticketId);
    const actorOf = (type: string) => trail.find((e) => e.type === type)?.actor;
    const person = { userId: sys.accounts.expert.userId, role: 'expert', expertId: 'exp-test' };
    for (const type of ['VisitSlotsProposed', 'VisitEnRoute', 'VisitArrived', 'VisitStarted', 'VisitCompleted', 'TicketCompleted']) {
      expect([type, actorOf(type)]).toEqual([type, person]);
    }
    expect(actorOf('TicketOpened')).toEqual({ userId: sys.accounts.customer.userId, role: 'customer' });
    expect(actorOf('VisitFinalized')).toEqual({ userId: 'saga:matching', role: 'system' });
  });
});
