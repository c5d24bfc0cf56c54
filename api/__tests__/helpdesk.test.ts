/**
 * Helpdesk and expert scenarios over real HTTP, driven the way the helpdesk client and the
 * expert's app do: the queue of flagged and escalated tickets, window changes, replacements,
 * reschedules, extensions, incomplete visits and their follow-ups, flags, model mapping, and
 * tickets entered for customers who call. Each scenario uses its own days of March 2026 so the
 * one shared expert's calendar does not couple them.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, onboardExpert, openTicket, propose, scheduledVisit, ticketBody, walk, windowOn } from './scenario';

type QueueItem = {
  ticket: {
    ticketId: string;
    escalated: boolean;
    flagged: boolean;
    flags: { reason: string; visitId: string | null; note: string; candidates?: { expertId: string; name: string; distanceKm: number; freeUntil: string | null }[] }[];
  };
  visits: { visitId: string; status: string; unfitProposals: { expertId: string; starts: string[] }[] }[];
  unfitProposals: { visitId: string; expertId: string; starts: string[] }[];
};

describe('helpdesk and expert scenarios over HTTP', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let helpdesk: string;
  let admin: string;
  /** A second washer expert, onboarded by admin. */
  let rita: string;
  let ritaToken: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    helpdesk = await sys.token('helpdesk');
    admin = await sys.token('admin');
    ({ expertId: rita, token: ritaToken } = await onboardExpert(sys, admin, {
      name: 'Rita Replacement',
      email: 'rita@test.local',
      phone: '+1 555 0103',
      password: 'rita has a long password',
      location: { lat: 42.11, lon: -72.58 },
      skills: ['washer', 'plumbing'],
    }));
  });
  afterAll(() => sys.stop());

  const tokens = () => ({ customer, expert });

  async function queue(query = ''): Promise<QueueItem[]> {
    const r = await sys.call('GET', `/helpdesk/queue${query}`, { token: helpdesk });
    expect(r.status).toBe(200);
    return r.body.queue;
  }
  async function inQueue(ticketId: string, query = ''): Promise<QueueItem | undefined> {
    return (await queue(query)).find((q) => q.ticket.ticketId === ticketId);
  }
  async function visit(visitId: string, token = helpdesk) {
    const r = await sys.call('GET', `/visits/${visitId}`, { token });
    expect(r.status).toBe(200);
    return r;
  }
  async function ticket(ticketId: string, token = helpdesk) {
    const r = await sys.call('GET', `/tickets/${ticketId}`, { token });
    expect(r.status).toBe(200);
    return r;
  }
  async function bookingsOf(expertId: string): Promise<{ visitId: string; range: { start: string; end: string } }[]> {
    const r = await sys.call('GET', `/experts/${expertId}`, { token: helpdesk });
    expect(r.status).toBe(200);
    return r.body.bookings;
  }
  async function timeOff(expertId: string, range: { start: string; end: string }) {
    const r = await sys.call('POST', `/experts/${expertId}/time-off`, { token: helpdesk, body: { range, reason: 'dentist' } });
    expect(r.status).toBe(201);
    await sys.settle();
  }
  function staleTag(tag: string | null): string {
    expect(tag).toMatch(/^"\d+"$/);
    return `"${Number(tag!.slice(1, -1)) - 1}"`;
  }

  it('the queue shows an escalated ticket with the proposals that did not fit; new windows agreed with the customer let it finalize', async () => {
    // The expert is already booked 09:00–10:00 on Tue 3 (an earlier ticket).
    await scheduledVisit(sys, tokens(), windowOn(3, '09:00', '12:00'), at(3, '09:00'));
    // An urgent ticket that only fits 09:00–10:30: the expert offers 09:00 and 09:30, both taken in their calendar.
    const opened = await openTicket(sys, customer, ticketBody({ priority: 'urgent', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(3, '09:00', '10:30')] }] }));
    const { ticketId } = opened;
    const visitId = opened.visitIds[0]!;
    await propose(sys, expert, visitId, [at(3, '09:00'), at(3, '09:30')]);
    expect((await visit(visitId)).body.status).toBe('open');
    expect(await inQueue(ticketId)).toBeUndefined();

    // Nobody fits within the urgent timeout: escalated to helpdesk.
    sys.clock.advanceMinutes(31);
    await sys.sagas.fireDueDeadlines();
    await sys.settle();
    const item = await inQueue(ticketId);
    expect(item).toBeDefined();
    expect(item!.ticket).toMatchObject({ escalated: true, flagged: true });
    expect(item!.ticket.flags.map((f) => f.reason)).toEqual(['no-match-in-time']);
    expect(item!.unfitProposals).toEqual([{ visitId, expertId: 'exp-test', starts: [at(3, '09:00'), at(3, '09:30')] }]);
    expect(item!.visits).toEqual([expect.objectContaining({ visitId, status: 'open', unfitProposals: [] })]);
    expect(await inQueue(ticketId, '?reason=no-match-in-time')).toBeDefined();
    expect(await inQueue(ticketId, '?reason=payment-status-unknown')).toBeUndefined();

    // The customer agrees to 10:00–12:00. A stale If-Match is refused and writes nothing.
    const read = await visit(visitId);
    const tag = read.headers.get('etag');
    const newWindows = [windowOn(3, '10:00', '12:00')];
    const head = await sys.services.events.headPosition();
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: helpdesk, body: { windows: newWindows }, headers: { 'If-Match': staleTag(tag) } }), 412);
    expect(await sys.services.events.headPosition()).toBe(head);
    const updated = await sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: helpdesk, body: { windows: newWindows }, headers: { 'If-Match': tag! } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ visitId, windows: newWindows });
    expect(updated.headers.get('etag')).toMatch(/^"\d+"$/);
    await sys.settle();
    const after = await visit(visitId);
    expect(after.body).toMatchObject({ status: 'open', windows: newWindows });
    expect(after.headers.get('etag')).toBe(updated.headers.get('etag'));
    // The old offers are outside the new windows now: the queue shows them on the visit.
    const requeued = await inQueue(ticketId);
    expect(requeued!.visits[0]!.unfitProposals).toEqual([{ expertId: 'exp-test', starts: [at(3, '09:00'), at(3, '09:30')] }]);

    // The expert offers the agreed time: matching finalizes; helpdesk closes the escalation.
    await propose(sys, expert, visitId, [at(3, '10:00')]);
    expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', start: at(3, '10:00'), experts: ['exp-test'] });
    const resolved = await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-match-in-time/resolve`, { token: helpdesk, body: { resolution: 'handled', note: 'customer agreed to 10:00' } });
    expect(resolved.status).toBe(200);
    expect(await inQueue(ticketId)).toBeUndefined();
    expect((await ticket(ticketId)).body).toMatchObject({ escalated: false, flagged: false, escalation: null });
    // The same flag again is gone (404); a scheduled visit's windows no longer change (422).
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-match-in-time/resolve`, { token: helpdesk, body: { resolution: 'handled' } }), 404, 'flag-not-found');
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: helpdesk, body: { windows: [windowOn(3, '13:00', '15:00')] } }), 422, 'visit-not-open');
  });

  it('bad windows are refused with a problem and write nothing', async () => {
    const { visitIds } = await openTicket(sys, customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(27, '09:00', '12:00')] }] }));
    const visitId = visitIds[0]!;
    const head = await sys.services.events.headPosition();
    const post = (windows: unknown) => sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: helpdesk, body: { windows } });
    expectProblem(await post([]), 400);
    const notInstant = await post([{ start: 'tomorrow morning', end: at(27, '12:00') }]);
    expectProblem(notInstant, 400);
    expect(notInstant.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'windows.0.start' })]));
    expectProblem(await post([{ start: at(27, '12:00'), end: at(27, '09:00') }]), 422, 'invalid-windows');
    expectProblem(await post([windowOn(27, '09:00', '09:30')]), 422, 'invalid-windows');
    expectProblem(await post([{ start: '2026-02-27T09:00:00.000Z', end: '2026-02-27T12:00:00.000Z' }]), 422, 'window-in-past');
    expectProblem(await sys.call('POST', '/helpdesk/visits/no-such-visit/windows', { token: helpdesk, body: { windows: [windowOn(27, '09:00', '12:00')] } }), 404);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: customer, body: { windows: [windowOn(27, '09:00', '12:00')] } }), 403);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/windows`, { token: helpdesk, body: { windows: [windowOn(27, '09:00', '12:00')] }, headers: { 'If-Match': 'yesterday' } }), 400);
    expect(await sys.services.events.headPosition()).toBe(head);
    expect((await visit(visitId)).body.windows).toEqual([windowOn(27, '09:00', '12:00')]);
  });

  it('helpdesk replaces an assigned expert with a free, qualified one; when nobody is free the answer says so and nothing changes; then helpdesk reschedules', async () => {
    const { ticketId, visitId } = await scheduledVisit(sys, tokens(), windowOn(4, '09:00', '12:00'), at(4, '09:00'));
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).toContain(visitId);

    expectProblem(await sys.call('POST', '/helpdesk/visits/no-such-visit/replace', { token: helpdesk, body: { outExpertId: 'exp-test' } }), 404);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: rita } }), 422, 'expert-not-on-visit');
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: expert, body: { outExpertId: 'exp-test' } }), 403);

    // The best free one: Rita (If-Match holds the visit to the revision helpdesk looked at).
    const seen = (await visit(visitId)).headers.get('etag');
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test' }, headers: { 'If-Match': staleTag(seen) } }), 412);
    const replaced = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test' }, headers: { 'If-Match': seen! } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ visitId, status: 'replaced', inExpertId: rita });
    await sys.settle();
    expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', start: at(4, '09:00'), experts: [rita] });
    expect((await ticket(ticketId)).body.visits[0]).toMatchObject({ visitId, status: 'finalized', experts: [rita] });
    expect((await bookingsOf(rita)).filter((b) => b.visitId === visitId)).toEqual([{ visitId, range: { start: at(4, '09:00'), end: at(4, '10:00') } }]);
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).not.toContain(visitId);
    // Rita now sees it in her schedule; the first expert no longer does.
    expect((await sys.call('GET', '/visits/mine', { token: ritaToken })).body.scheduled.map((v: { visitId: string }) => v.visitId)).toContain(visitId);
    expect((await sys.call('GET', '/visits/mine', { token: expert })).body.scheduled.map((v: { visitId: string }) => v.visitId)).not.toContain(visitId);

    // Nobody else is free then (the first expert took time off): a problem naming who was tried; nothing changes.
    await timeOff('exp-test', { start: at(4, '08:30'), end: at(4, '10:30') });
    const head = await sys.services.events.headPosition();
    const nobody = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: rita } });
    expectProblem(nobody, 409);
    expect(nobody.body.tried).toEqual([]);
    const named = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: rita, inExpertId: 'exp-test' } });
    expectProblem(named, 409);
    expect(named.body.tried).toEqual(['exp-test']);
    await sys.settle();
    expect(await sys.services.events.headPosition()).toBe(head);
    expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', experts: [rita] });

    // So helpdesk reschedules with the customer: an open visit cannot be, a stale ETag is refused.
    const read = await visit(visitId);
    const tag = read.headers.get('etag');
    const windows = [windowOn(5, '13:00', '17:00')];
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/reschedule`, { token: helpdesk, body: { windows, reason: 'customer asked' }, headers: { 'If-Match': staleTag(tag) } }), 412);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/reschedule`, { token: helpdesk, body: { windows: [windowOn(1, '13:00', '17:00')], reason: 'customer asked' } }), 422, 'window-in-past');
    const rescheduled = await sys.call('POST', `/helpdesk/visits/${visitId}/reschedule`, { token: helpdesk, body: { windows, reason: 'customer asked' }, headers: { 'If-Match': tag! } });
    expect(rescheduled.status).toBe(200);
    expect(rescheduled.body).toEqual({ visitId, status: 'open' });
    await sys.settle();
    expect((await visit(visitId)).body).toMatchObject({ status: 'open', windows, experts: [], start: null, end: null, rescheduleCount: 1 });
    expect((await ticket(ticketId)).body.visits[0]).toMatchObject({ visitId, status: 'open', experts: [], start: null });
    expect((await bookingsOf(rita)).map((b) => b.visitId)).not.toContain(visitId);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/reschedule`, { token: helpdesk, body: { windows } }), 422, 'visit-not-reschedulable');
    expectProblem(await sys.call('POST', '/helpdesk/visits/no-such-visit/reschedule', { token: helpdesk, body: { windows } }), 404);

    // Back in the feed: the expert proposes inside the new windows and it is finalized again.
    expect((await sys.call('GET', '/visits/feed', { token: expert })).body.visits.map((v: { visitId: string }) => v.visitId)).toContain(visitId);
    await propose(sys, expert, visitId, [at(5, '14:00')]);
    expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', start: at(5, '14:00'), experts: ['exp-test'] });
  });

  it("an expert who cannot arrive is replaced by helpdesk when someone is free; when nobody is, the visit is rescheduled and helpdesk told", async () => {
    const first = await scheduledVisit(sys, tokens(), windowOn(6, '09:00', '12:00'), at(6, '09:00'));
    await timeOff(rita, { start: at(6, '11:00'), end: at(6, '11:30') });
    const cant = await sys.call('POST', `/visits/${first.visitId}/cant-arrive`, { token: expert, body: { reason: 'my van broke down' } });
    expect(cant.body).toEqual({ visitId: first.visitId, status: 'cant-arrive' });
    await sys.settle();
    const flagged = await inQueue(first.ticketId, '?reason=replacement-needed');
    // Who is free to replace, as data: id, name, skills, distance to the customer, free until (Rita's time off).
    expect(flagged!.ticket.flags).toEqual([
      expect.objectContaining({
        reason: 'replacement-needed',
        visitId: first.visitId,
        note: expect.stringContaining('Rita Replacement'),
        candidates: [{ expertId: rita, name: 'Rita Replacement', skills: ['plumbing', 'washer'], distanceKm: expect.any(Number), freeUntil: at(6, '11:00') }],
      }),
    ]);
    expect(flagged!.ticket.flags[0]!.candidates![0]!.distanceKm).toBeGreaterThan(0);
    expect(flagged!.ticket.flags[0]!.candidates![0]!.distanceKm).toBeLessThan(5);
    const replaced = await sys.call('POST', `/helpdesk/visits/${first.visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test', inExpertId: rita } });
    expect(replaced.body).toMatchObject({ status: 'replaced', inExpertId: rita, tried: [rita] });
    await sys.settle();
    expect((await visit(first.visitId)).body).toMatchObject({ status: 'finalized', experts: [rita] });
    expect((await ticket(first.ticketId)).body.visits[0]).toMatchObject({ status: 'finalized', experts: [rita] });
    // A visit-scoped flag is resolved naming its visit.
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${first.ticketId}/flags/replacement-needed/resolve`, { token: helpdesk, body: { resolution: 'handled' } }), 404, 'flag-not-found');
    const resolved = await sys.call('POST', `/helpdesk/tickets/${first.ticketId}/flags/replacement-needed/resolve`, { token: helpdesk, body: { resolution: 'handled', visitId: first.visitId, note: 'Rita goes' } });
    expect(resolved.status).toBe(200);
    expect(await inQueue(first.ticketId)).toBeUndefined();

    // Nobody free: Rita is off that afternoon.
    const second = await scheduledVisit(sys, tokens(), windowOn(6, '13:00', '16:00'), at(6, '13:00'));
    await timeOff(rita, { start: at(6, '12:00'), end: at(6, '18:00') });
    expect((await sys.call('POST', `/visits/${second.visitId}/cant-arrive`, { token: expert, body: { reason: 'flat tyre' } })).status).toBe(200);
    await sys.settle();
    const moved = (await visit(second.visitId)).body;
    expect(moved).toMatchObject({ status: 'open', experts: [], start: null, rescheduleCount: 1 });
    expect(moved.windows[0]).toEqual(windowOn(7, '13:00', '16:00'));
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).not.toContain(second.visitId);
    const told = await inQueue(second.ticketId);
    expect(told!.ticket.flags).toEqual([expect.objectContaining({ reason: 'replacement-needed', visitId: second.visitId, note: expect.stringContaining('rescheduled'), candidates: [] })]);
    expect(told!.visits[0]).toMatchObject({ visitId: second.visitId, status: 'open' });
  });

  it('an expert already en route is replaced: the visit is back to finalized everywhere, and the replacement does it', async () => {
    const { ticketId, visitId } = await scheduledVisit(sys, tokens(), windowOn(20, '09:00', '12:00'), at(20, '09:00'));
    await walk(sys, expert, visitId, [['en-route', { eta: at(20, '09:10') }]]);
    expect((await ticket(ticketId)).body.visits[0]).toMatchObject({ status: 'en-route' });
    const replaced = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test', inExpertId: rita } });
    expect(replaced.body).toMatchObject({ status: 'replaced', inExpertId: rita });
    await sys.settle();
    expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', experts: [rita], eta: null });
    expect((await ticket(ticketId)).body.visits[0]).toMatchObject({ status: 'finalized', experts: [rita] });
    expectProblem(await sys.call('POST', `/visits/${visitId}/arrived`, { token: expert, body: {} }), 403);
    await walk(sys, ritaToken, visitId, [
      ['en-route', { eta: at(20, '09:20') }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'done' }],
    ]);
    expect((await ticket(ticketId)).body.visits[0]).toMatchObject({ status: 'completed', outcome: 'completed', experts: [rita] });
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token: ritaToken, body: { resolution: 'hose replaced' } })).status).toBe(200);

    // Two experts on the way, one swapped out: the visit stays en route (the other is still coming).
    const sam = await sys.call('POST', '/experts', {
      token: admin,
      body: {
        name: 'Sam Standby',
        email: 'sam@test.local',
        phone: '+1 555 0104',
        homeLocation: { lat: 42.1, lon: -72.59 },
        serviceArea: { kind: 'radius', radiusKm: 25 },
        skills: ['washer'],
        availability: { timeZone: 'UTC', days: [[], [{ from: '08:00', to: '18:00' }], [], [], [{ from: '08:00', to: '18:00' }], [], []] },
        feePerVisitCents: 7000,
        password: 'sam has a long password',
      },
    });
    expect(sam.status).toBe(201);
    await sys.settle();
    const two = await openTicket(sys, customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 2, durationMinutes: 60, windows: [windowOn(26, '09:00', '12:00')] }] }));
    const twoVisit = two.visitIds[0]!;
    await propose(sys, expert, twoVisit, [at(26, '09:00')]);
    await propose(sys, ritaToken, twoVisit, [at(26, '09:00')]);
    await walk(sys, expert, twoVisit, [['en-route', { eta: at(26, '09:05') }]]);
    await walk(sys, ritaToken, twoVisit, [['en-route', { eta: at(26, '09:10') }]]);
    const swapped = await sys.call('POST', `/helpdesk/visits/${twoVisit}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test', inExpertId: sam.body.expertId } });
    expect(swapped.body).toMatchObject({ status: 'replaced', inExpertId: sam.body.expertId });
    await sys.settle();
    expect((await visit(twoVisit)).body).toMatchObject({ status: 'en-route', eta: at(26, '09:10') });
    expect((await ticket(two.ticketId)).body.visits[0]).toMatchObject({ status: 'en-route', experts: expect.arrayContaining([rita, sam.body.expertId]) });
    expect((await ticket(two.ticketId)).body).not.toHaveProperty('enRoute');
  });

  it('an expert asks for more time: extended while the calendar allows; when it does not, the visit closes incomplete and a follow-up visit appears', async () => {
    const first = await scheduledVisit(sys, tokens(), windowOn(9, '09:00', '12:00'), at(9, '09:00'));
    const next = await scheduledVisit(sys, tokens(), windowOn(9, '10:00', '12:00'), at(9, '10:30'));
    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 30 } }), 422, 'visit-not-started');
    await walk(sys, expert, first.visitId, [
      ['en-route', { eta: at(9, '08:55') }],
      ['arrived', {}],
      ['started', {}],
    ]);

    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 2 } }), 400);
    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: customer, body: { minutes: 30 } }), 403);
    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: ritaToken, body: { minutes: 30 } }), 403);
    expectProblem(await sys.call('POST', '/visits/no-such-visit/extension', { token: expert, body: { minutes: 30 } }), 404);

    // Up to the next booking (10:30) fits.
    const seen = (await visit(first.visitId, expert)).headers.get('etag');
    const head = await sys.services.events.headPosition();
    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 30 }, headers: { 'If-Match': staleTag(seen) } }), 412);
    expect(await sys.services.events.headPosition()).toBe(head);
    const extended = await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 30 }, headers: { 'If-Match': seen! } });
    expect(extended.status).toBe(200);
    expect(extended.body).toEqual({ visitId: first.visitId, status: 'extended', end: at(9, '10:30') });
    await sys.settle();
    expect((await visit(first.visitId, expert)).body).toMatchObject({ status: 'started', end: at(9, '10:30'), extendedMinutes: 30 });
    expect((await ticket(first.ticketId)).body.visits[0]).toMatchObject({ end: at(9, '10:30') });
    expect((await bookingsOf('exp-test')).find((b) => b.visitId === first.visitId)!.range).toEqual({ start: at(9, '09:00'), end: at(9, '10:30') });

    // Beyond it does not: closed incomplete, follow-up planned for the next days.
    const blocked = await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 30 } });
    expect(blocked.status).toBe(200);
    const followUpId = `${first.visitId}-followup`;
    expect(blocked.body).toEqual({ visitId: first.visitId, status: 'closed-incomplete', blockedBy: [{ expertId: 'exp-test', limit: at(9, '10:30') }], followUpVisitId: followUpId });
    await sys.settle();
    expect((await visit(first.visitId, expert)).body).toMatchObject({ status: 'closed-incomplete', incompleteReason: 'needs-more-time', end: at(9, '10:30') });
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).toEqual(expect.not.arrayContaining([first.visitId]));
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).toContain(next.visitId);
    const t = (await ticket(first.ticketId, customer)).body;
    expect(t.status).toBe('open');
    expect(t.visits).toEqual([
      expect.objectContaining({ visitId: first.visitId, status: 'closed-incomplete', outcome: 'closed-incomplete', experts: ['exp-test'] }),
      expect.objectContaining({ visitId: followUpId, status: 'open', followUpOf: first.visitId, outcome: null }),
    ]);
    const followUp = (await visit(followUpId)).body;
    expect(followUp).toMatchObject({ ticketId: first.ticketId, status: 'open', skills: ['washer'], durationMinutes: 60, customerId: 'cust-test' });
    expect(followUp.windows[0]).toEqual(windowOn(10, '09:00', '12:00'));
    expect((await sys.call('GET', '/visits/feed', { token: expert })).body.visits.map((v: { visitId: string }) => v.visitId)).toContain(followUpId);
    // A closed visit is not extended again.
    expectProblem(await sys.call('POST', `/visits/${first.visitId}/extension`, { token: expert, body: { minutes: 30 } }), 422, 'visit-not-started');
  });

  it('a two-expert visit is extended only when both calendars allow; otherwise neither booking moves and the follow-up needs both again', async () => {
    const twoWasher = (window: ReturnType<typeof windowOn>) => ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 2, durationMinutes: 60, windows: [window] }] });
    const crewOf = async (window: ReturnType<typeof windowOn>, start: string) => {
      const { ticketId, visitIds } = await openTicket(sys, customer, twoWasher(window));
      const visitId = visitIds[0]!;
      await propose(sys, expert, visitId, [start]);
      await propose(sys, ritaToken, visitId, [start]);
      expect((await visit(visitId)).body).toMatchObject({ status: 'finalized', start, experts: expect.arrayContaining(['exp-test', rita]) });
      await walk(sys, expert, visitId, [
        ['en-route', { eta: start }],
        ['arrived', {}],
        ['started', {}],
      ]);
      return { ticketId, visitId };
    };
    const rangeOf = async (expertId: string, visitId: string) => (await bookingsOf(expertId)).find((b) => b.visitId === visitId)?.range;

    // Both free afterwards: both bookings grow.
    const roomy = await crewOf(windowOn(24, '09:00', '12:00'), at(24, '09:00'));
    const ok = await sys.call('POST', `/visits/${roomy.visitId}/extension`, { token: ritaToken, body: { minutes: 45 } });
    expect(ok.body).toEqual({ visitId: roomy.visitId, status: 'extended', end: at(24, '10:45') });
    await sys.settle();
    expect(await rangeOf('exp-test', roomy.visitId)).toEqual({ start: at(24, '09:00'), end: at(24, '10:45') });
    expect(await rangeOf(rita, roomy.visitId)).toEqual({ start: at(24, '09:00'), end: at(24, '10:45') });

    // Rita has another job right after: nobody's booking moves, the visit closes incomplete.
    const tight = await crewOf(windowOn(25, '09:00', '12:00'), at(25, '09:00'));
    await scheduledVisit(sys, { customer, expert: ritaToken }, windowOn(25, '10:00', '12:00'), at(25, '10:15'));
    const blocked = await sys.call('POST', `/visits/${tight.visitId}/extension`, { token: expert, body: { minutes: 30 } });
    expect(blocked.body).toEqual({ visitId: tight.visitId, status: 'closed-incomplete', blockedBy: [{ expertId: rita, limit: at(25, '10:15') }], followUpVisitId: `${tight.visitId}-followup` });
    await sys.settle();
    expect(await rangeOf('exp-test', tight.visitId)).toBeUndefined();
    expect(await rangeOf(rita, tight.visitId)).toBeUndefined();
    expect((await visit(`${tight.visitId}-followup`)).body).toMatchObject({ status: 'open', expertsNeeded: 2, durationMinutes: 60 });
    expect((await ticket(tight.ticketId)).body.visits.map((v: { visitId: string; status: string }) => [v.visitId, v.status])).toEqual([
      [tight.visitId, 'closed-incomplete'],
      [`${tight.visitId}-followup`, 'open'],
    ]);
  });

  it('an expert closes a visit incomplete (needs parts): a follow-up visit is planned, and the ticket completes only after it', async () => {
    const { ticketId, visitId } = await scheduledVisit(sys, tokens(), windowOn(11, '09:00', '12:00'), at(11, '09:00'));
    expectProblem(await sys.call('POST', `/visits/${visitId}/close-incomplete`, { token: expert, body: { reason: 'needs-parts' } }), 422, 'visit-not-started');
    await walk(sys, expert, visitId, [
      ['en-route', { eta: at(11, '08:50') }],
      ['arrived', {}],
    ]);
    // Steps honour If-Match.
    const tag = (await visit(visitId, expert)).headers.get('etag');
    expectProblem(await sys.call('POST', `/visits/${visitId}/started`, { token: expert, body: {}, headers: { 'If-Match': staleTag(tag) } }), 412);
    const started = await sys.call('POST', `/visits/${visitId}/started`, { token: expert, body: {}, headers: { 'If-Match': tag! } });
    expect(started.status).toBe(200);
    expectProblem(await sys.call('POST', `/visits/${visitId}/close-incomplete`, { token: expert, body: { reason: 'bored' } }), 400);
    expectProblem(await sys.call('POST', `/visits/${visitId}/close-incomplete`, { token: ritaToken, body: { reason: 'needs-parts' } }), 403);

    const closed = await sys.call('POST', `/visits/${visitId}/close-incomplete`, { token: expert, body: { reason: 'needs-parts', note: 'drain pump on order' } });
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ visitId, status: 'closed-incomplete' });
    await sys.settle();
    const followUpId = `${visitId}-followup`;
    expect((await visit(visitId)).body).toMatchObject({ status: 'closed-incomplete', incompleteReason: 'needs-parts' });
    const t = (await ticket(ticketId)).body;
    expect(t.visits.map((v: { visitId: string; status: string; followUpOf: string | null }) => [v.visitId, v.status, v.followUpOf])).toEqual([
      [visitId, 'closed-incomplete', null],
      [followUpId, 'open', visitId],
    ]);
    const followUp = (await visit(followUpId)).body;
    expect(followUp.windows).toEqual([windowOn(12, '09:00', '12:00'), windowOn(13, '09:00', '12:00'), windowOn(14, '09:00', '12:00')]);

    // Not done yet: the follow-up is pending.
    expectProblem(await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'fixed' } }), 422, 'visits-still-open');

    // The customer would rather have Friday afternoon: helpdesk sets the follow-up's windows.
    const agreed = await sys.call('POST', `/helpdesk/visits/${followUpId}/windows`, { token: helpdesk, body: { windows: [windowOn(13, '14:00', '17:00')] } });
    expect(agreed.status).toBe(200);
    await sys.settle();
    expectProblem(await sys.call('POST', `/visits/${followUpId}/proposals`, { token: expert, body: { starts: [at(12, '09:00')] } }), 422, 'slot-outside-windows');
    await propose(sys, expert, followUpId, [at(13, '14:00')]);
    expect((await visit(followUpId)).body).toMatchObject({ status: 'finalized', start: at(13, '14:00'), experts: ['exp-test'] });
    await walk(sys, expert, followUpId, [
      ['en-route', { eta: at(13, '13:50') }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'pump fitted' }],
    ]);
    const done = await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'drain pump replaced' } });
    expect(done.status).toBe(200);
    await sys.settle();
    expect((await ticket(ticketId, customer)).body).toMatchObject({ status: 'completed', resolution: 'drain pump replaced' });
  });

  it('nobody lets the expert in: after the wait the visit is rescheduled and the ticket flagged no-access; helpdesk resolves the flag', async () => {
    const { ticketId, visitId } = await scheduledVisit(sys, tokens(), windowOn(12, '13:00', '16:00'), at(12, '13:00'));
    await walk(sys, expert, visitId, [
      ['en-route', { eta: at(12, '12:55') }],
      ['arrived', {}],
      ['cant-enter', { note: 'nobody answers the door' }],
    ]);
    expect(await inQueue(ticketId)).toBeUndefined();
    sys.clock.advanceMinutes(21);
    await sys.sagas.fireDueDeadlines();
    await sys.settle();
    const item = await inQueue(ticketId, '?reason=no-access');
    expect(item!.ticket.flags).toEqual([expect.objectContaining({ reason: 'no-access', visitId })]);
    expect(item!.visits[0]).toMatchObject({ visitId, status: 'open' });
    expect((await visit(visitId)).body.windows[0]).toEqual(windowOn(13, '13:00', '16:00'));

    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-access/resolve`, { token: helpdesk, body: { resolution: 'released', visitId } }), 422, 'resolution-not-allowed');
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/not-a-reason/resolve`, { token: helpdesk, body: { resolution: 'handled', visitId } }), 400);
    expectProblem(await sys.call('POST', '/helpdesk/tickets/no-such-ticket/flags/no-access/resolve', { token: helpdesk, body: { resolution: 'handled', visitId } }), 404);
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-access/resolve`, { token: customer, body: { resolution: 'handled', visitId } }), 403);
    const tag = (await ticket(ticketId)).headers.get('etag');
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-access/resolve`, { token: helpdesk, body: { resolution: 'handled', visitId }, headers: { 'If-Match': staleTag(tag) } }), 412);
    const resolved = await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-access/resolve`, { token: helpdesk, body: { resolution: 'handled', visitId, note: 'customer will be home' }, headers: { 'If-Match': tag! } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({ ticketId, status: 'open' });
    expect(await inQueue(ticketId)).toBeUndefined();
    expect((await ticket(ticketId)).body).toMatchObject({ flagged: false, flags: [] });
  });

  it('helpdesk enters tickets for customers who call: a paid one opens; an unknown payment is held and flagged until helpdesk confirms it', async () => {
    // A caller who is already a paid customer.
    const forCaller = await openTicket(sys, helpdesk, ticketBody({ customerId: 'cust-test', problem: 'Dryer does not heat (called in)', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(16, '09:00', '12:00')] }] }));
    expect(forCaller).toMatchObject({ status: 'open', paymentStatus: 'paid' });
    const seen = (await ticket(forCaller.ticketId, customer)).body;
    expect(seen).toMatchObject({ customerId: 'cust-test', status: 'open', openedBy: { role: 'helpdesk' }, problem: 'Dryer does not heat (called in)' });
    expect((await sys.call('GET', '/tickets', { token: customer })).body.tickets.map((t: { ticketId: string }) => t.ticketId)).toContain(forCaller.ticketId);
    expect((await visit(forCaller.visitIds[0]!)).body.status).toBe('open');

    // A new customer billing has never reported: payment status unknown.
    const reg = await sys.call('POST', '/auth/register', {
      body: {
        contact: { name: 'Nora New', email: 'nora@example.com', phone: '+1 555 0177', address: { line1: '9 Oak', city: 'Springfield', postalCode: '01104', country: 'US', location: { lat: 42.1, lon: -72.6 } } },
        notifyBy: 'sms',
        password: 'nora has a long password',
      },
    });
    expect(reg.status).toBe(201);
    const noraId = reg.body.customerId as string;
    const held = await openTicket(sys, helpdesk, ticketBody({ customerId: noraId, visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(17, '09:00', '12:00')] }] }));
    expect(held).toMatchObject({ status: 'on-hold', paymentStatus: 'unknown' });
    const item = await inQueue(held.ticketId, '?reason=payment-status-unknown');
    expect(item!.ticket).toMatchObject({ flagged: true, escalated: false, status: 'on-hold' });
    expect(item!.ticket.flags.map((f) => f.reason)).toEqual(['payment-status-unknown']);
    expect(item!.visits).toEqual([]);
    expectProblem(await sys.call('GET', `/visits/${held.visitIds[0]}`, { token: helpdesk }), 404);

    // A held ticket is released or cancelled, not just "handled".
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${held.ticketId}/flags/payment-status-unknown/resolve`, { token: helpdesk, body: { resolution: 'handled' } }), 422, 'resolution-not-allowed');
    const released = await sys.call('POST', `/helpdesk/tickets/${held.ticketId}/flags/payment-status-unknown/resolve`, { token: helpdesk, body: { resolution: 'released', note: 'paid by phone' } });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ ticketId: held.ticketId, status: 'open' });
    await sys.settle();
    expect(await inQueue(held.ticketId)).toBeUndefined();
    expect((await ticket(held.ticketId)).body).toMatchObject({ status: 'open', flagged: false });
    expect((await visit(held.visitIds[0]!)).body).toMatchObject({ status: 'open', customerId: noraId });
    expect((await sys.call('GET', '/visits/feed', { token: expert })).body.visits.map((v: { visitId: string }) => v.visitId)).toContain(held.visitIds[0]);

    // Helpdesk may also override the check up front: opened at once, marked as overridden.
    const overridden = await openTicket(sys, helpdesk, ticketBody({ customerId: noraId, overridePayment: true, visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(18, '09:00', '12:00')] }] }));
    expect(overridden).toMatchObject({ status: 'open', paymentStatus: 'unknown' });
    expect((await ticket(overridden.ticketId)).body).toMatchObject({ paymentOverridden: true, flagged: false });
    expect(await inQueue(overridden.ticketId)).toBeUndefined();
  });

  it('a customer who has not paid is told to pay first; helpdesk may override, or cancel a held ticket, and the customer hears', async () => {
    const reg = await sys.call('POST', '/auth/register', {
      body: {
        contact: { name: 'Uma Unpaid', email: 'uma@example.com', phone: '+1 555 0188', address: { line1: '3 Pine', city: 'Springfield', postalCode: '01105', country: 'US', location: { lat: 42.1, lon: -72.59 } } },
        notifyBy: 'email',
        password: 'uma has a long password',
      },
    });
    expect(reg.status).toBe(201);
    const umaId = reg.body.customerId as string;
    const uma = (await sys.call('POST', '/auth/login', { body: { email: 'uma@example.com', password: 'uma has a long password' } })).body.accessToken as string;
    const body = (extra: Record<string, unknown> = {}) => ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(23, '09:00', '12:00')] }], ...extra });

    // Unknown payment: held, and the customer is told; helpdesk cancels it on the flag.
    const held = await openTicket(sys, uma, body());
    expect(held).toMatchObject({ status: 'on-hold', paymentStatus: 'unknown' });
    const cancelled = await sys.call('POST', `/helpdesk/tickets/${held.ticketId}/flags/payment-status-unknown/resolve`, { token: helpdesk, body: { resolution: 'cancelled', note: 'no subscription on file' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ ticketId: held.ticketId, status: 'cancelled' });
    await sys.settle();
    expect(await inQueue(held.ticketId)).toBeUndefined();
    expect((await ticket(held.ticketId, uma)).body).toMatchObject({ status: 'cancelled', flagged: false });
    const told = (await sys.call('GET', `/tickets/${held.ticketId}/notifications`, { token: uma })).body.messages.map((m: { template: string }) => m.template);
    expect(told).toEqual(expect.arrayContaining(['payment-unknown-ticket-held', 'ticket-cancelled']));

    // Known unpaid (paid-until passed): the customer is told to pay first, and nothing is written.
    await markPaid(sys, umaId, '2026-02-28T00:00:00.000Z');
    const head = await sys.services.events.headPosition();
    expectProblem(await sys.call('POST', '/tickets', { token: uma, body: body() }), 422, 'customer-not-paid');
    expectProblem(await sys.call('POST', '/tickets', { token: helpdesk, body: body({ customerId: umaId }) }), 422, 'customer-not-paid');
    expectProblem(await sys.call('POST', '/tickets', { token: uma, body: body({ overridePayment: true }) }), 403);
    expect(await sys.services.events.headPosition()).toBe(head);
    const overridden = await openTicket(sys, helpdesk, body({ customerId: umaId, overridePayment: true }));
    expect(overridden).toMatchObject({ status: 'open', paymentStatus: 'unpaid' });
    expect((await ticket(overridden.ticketId, uma)).body).toMatchObject({ status: 'open', paymentOverridden: true, flagged: false });
  });

  it('helpdesk maps a free-text appliance to a catalog model', async () => {
    const added = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Acme', model: 'Washer 3000', category: 'washer', requiredSkills: ['washer'], aliases: ['AW3000'] } });
    expect(added.status).toBe(201);
    const modelId = added.body.modelId as string;
    await sys.settle();
    const { ticketId } = await openTicket(sys, customer, ticketBody({ applianceModelText: 'acme washr 3000', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(19, '09:00', '12:00')] }] }));
    expect((await ticket(ticketId)).body.appliance).toEqual({ modelId: null, text: 'acme washr 3000' });

    // The helpdesk client looks the text up in the catalog, then maps.
    const match = await sys.call('GET', `/catalog/models/match?text=${encodeURIComponent('acme washr 3000')}`, { token: helpdesk });
    expect(match.status).toBe(200);
    expect(match.body.matches[0].modelId).toBe(modelId);

    expectProblem(await sys.call('POST', '/helpdesk/tickets/no-such-ticket/model', { token: helpdesk, body: { applianceModelId: modelId } }), 404);
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/model`, { token: customer, body: { applianceModelId: modelId } }), 403);
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/model`, { token: helpdesk, body: { applianceModelId: 'not a model id!' } }), 400);
    const tag = (await ticket(ticketId)).headers.get('etag');
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/model`, { token: helpdesk, body: { applianceModelId: modelId }, headers: { 'If-Match': staleTag(tag) } }), 412);
    // A model the catalog does not have is refused, and nothing is written.
    const head = await sys.services.events.headPosition();
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${ticketId}/model`, { token: helpdesk, body: { applianceModelId: 'acme-washer-9999' } }), 422, 'unknown-appliance-model');
    expect(await sys.services.events.headPosition()).toBe(head);

    const mapped = await sys.call('POST', `/helpdesk/tickets/${ticketId}/model`, { token: helpdesk, body: { applianceModelId: modelId }, headers: { 'If-Match': tag! } });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toEqual({ ticketId, applianceModelId: modelId });
    expect((await ticket(ticketId, customer)).body.appliance).toEqual({ modelId, text: 'acme washr 3000' });
    const history = await sys.call('GET', `/tickets/${ticketId}/history`, { token: helpdesk });
    expect(history.body.history.map((e: { type: string }) => e.type)).toContain('TicketApplianceModelMapped');

    // A ticket opened with a catalog model has no free text to map.
    const byId = await openTicket(sys, customer, { ...ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(19, '13:00', '16:00')] }] }), applianceModelText: undefined, applianceModelId: modelId });
    expectProblem(await sys.call('POST', `/helpdesk/tickets/${byId.ticketId}/model`, { token: helpdesk, body: { applianceModelId: modelId } }), 422, 'appliance-not-free-text');
  });
});
