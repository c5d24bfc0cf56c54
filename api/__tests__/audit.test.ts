/**
 * The audit of a ticket over HTTP (`GET /tickets/{id}/history`): who acted — the person logged
 * in, in which role — and why each event happened.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, markPaid, openTicket, propose, scheduledVisit, ticketBody, walk, windowOn } from './scenario';

type Cause = { kind: 'event'; eventId: string; type: string; inHistory: boolean } | { kind: 'request'; requestId: string } | { kind: 'command'; commandId: string };
type Entry = { eventId: string; type: string; stream: string; correlationId: string; causationId: string | null; cause: Cause | null; actor: { userId: string; role: string; expertId?: string } };

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

  it('makes the causation chain navigable: a request names itself, a saga-made event the event that triggered it, a deadline the event that set it', async () => {
    const key = 'open-chain-1';
    const opened = await sys.call('POST', '/tickets', {
      token: customer,
      headers: { 'Idempotency-Key': key },
      body: ticketBody({ priority: 'urgent', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(5, '09:00', '12:00')] }] }),
    });
    expect(opened.status).toBe(201);
    await sys.settle();
    const { ticketId } = opened.body as { ticketId: string };
    const visitId = (opened.body as { visitIds: string[] }).visitIds[0]!;
    // An offer outside the windows of nobody: no match within the urgent timeout, escalated.
    await propose(sys, expert, visitId, [at(5, '09:00')]);
    const second = await openTicket(sys, customer, ticketBody({ priority: 'urgent', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(5, '09:00', '10:00')] }] }));
    await propose(sys, expert, second.visitIds[0]!, [at(5, '09:00')]);
    sys.clock.advanceMinutes(31);
    await sys.sagas.fireDueDeadlines();
    await sys.settle();

    const trail = await history(ticketId);
    const one = (type: string) => {
      const found = trail.filter((e) => e.type === type);
      expect([type, found.length]).toEqual([type, 1]);
      return found[0]!;
    };
    const byId = new Map(trail.map((e) => [e.eventId, e]));
    /** Follows the chain back from an event: the types met, up to the request that began it. */
    const chain = (entry: Entry): string[] => {
      const path = [entry.type];
      for (let cause = entry.cause; cause?.kind === 'event'; cause = byId.get(cause.eventId)!.cause) {
        expect(cause.inHistory).toBe(true);
        path.push(byId.get(cause.eventId)!.type);
      }
      return path;
    };

    // The request: both events of the opening name it, by the request's identity (its Idempotency-Key).
    const request = { kind: 'request', requestId: `${sys.accounts.customer.userId}:${key}` };
    expect(one('TicketOpened').cause).toEqual(request);
    expect(one('TicketReleasedToMatching').cause).toEqual(request);
    expect(one('TicketOpened').causationId).toBe(`request:${sys.accounts.customer.userId}:${key}`);
    // The matching saga planned the visit because the ticket was released…
    expect(one('VisitPlanned').cause).toEqual(expect.objectContaining({ kind: 'event', eventId: one('TicketReleasedToMatching').eventId, type: 'TicketReleasedToMatching', inHistory: true }));
    expect(chain(one('VisitPlanned'))).toEqual(['VisitPlanned', 'TicketReleasedToMatching']);
    // …finalized it because the expert proposed (their own request)…
    expect(chain(one('VisitFinalized'))).toEqual(['VisitFinalized', 'VisitSlotsProposed']);
    expect(one('VisitSlotsProposed').cause).toEqual(expect.objectContaining({ kind: 'request' }));
    // …and the second ticket, not full in time, was escalated by the deadline its release set.
    const escalated = (await history(second.ticketId)).find((e) => e.type === 'TicketEscalated');
    expect(escalated?.cause).toEqual(expect.objectContaining({ kind: 'event', type: 'TicketReleasedToMatching', inHistory: true }));
    expect(escalated?.actor).toEqual({ userId: 'saga:matching', role: 'system' });
    // One request's events share the correlation id, the saga's follow it.
    expect(new Set([one('TicketOpened'), one('TicketReleasedToMatching'), one('VisitPlanned')].map((e) => e.correlationId)).size).toBe(1);
  });
});
