/**
 * What the helpdesk console reads and does over HTTP beyond the queue itself: the queue filtered
 * by priority, area and age; the areas; ticket search; the experts free and qualified for a
 * visit at a start; extending a started visit for its expert; and the dispatch board of a day.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, onboardExpert, openTicket, propose, scheduledVisit, ticketBody, walk, windowOn } from './scenario';

describe('the helpdesk console over HTTP', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let helpdesk: string;
  let rita: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    helpdesk = await sys.token('helpdesk');
    const admin = await sys.token('admin');
    ({ expertId: rita } = await onboardExpert(sys, admin, {
      name: 'Rita Replacement',
      email: 'rita@test.local',
      phone: '+1 555 0103',
      password: 'rita has a long password',
      location: { lat: 42.11, lon: -72.58 },
      skills: ['washer'],
    }));
  });
  afterAll(() => sys.stop());

  const get = async (path: string) => {
    const r = await sys.call('GET', path, { token: helpdesk });
    expect([r.status, r.body?.detail]).toEqual([200, undefined]);
    return r.body;
  };

  it('filters the queue by priority, area and age, and lists the areas', async () => {
    // Not paid yet: each ticket is held and flagged for helpdesk.
    const urgent = await openTicket(sys, customer, ticketBody({ priority: 'urgent', problem: 'Water all over the kitchen floor' }));
    sys.clock.advanceMinutes(3 * 60);
    const low = await openTicket(sys, customer, ticketBody({ priority: 'low', applianceModelText: 'Zanussi ZWF 8240' }));
    const ids = (body: { queue: { ticket: { ticketId: string } }[] }) => body.queue.map((q) => q.ticket.ticketId);

    expect(ids(await get('/helpdesk/queue'))).toEqual([urgent.ticketId, low.ticketId]);
    expect(ids(await get('/helpdesk/queue?priority=low'))).toEqual([low.ticketId]);
    expect((await get('/helpdesk/queue?priority=low')).total).toBe(1);
    expect(ids(await get('/helpdesk/queue?minAgeHours=2'))).toEqual([urgent.ticketId]);
    expect(ids(await get('/helpdesk/queue?area=01103'))).toEqual([urgent.ticketId, low.ticketId]);
    expect(ids(await get('/helpdesk/queue?area=springfield&priority=urgent'))).toEqual([urgent.ticketId]);
    expect(ids(await get('/helpdesk/queue?area=90210'))).toEqual([]);
    expect(await get('/helpdesk/areas')).toEqual({ areas: [{ area: '01103', city: 'Springfield', customers: 1 }] });
    expectProblem(await sys.call('GET', '/helpdesk/queue?priority=soon', { token: helpdesk }), 400);

    // Search by id, customer, the appliance's words and the problem's.
    const found = async (q: string) => (await get(`/helpdesk/tickets/search?q=${encodeURIComponent(q)}`)).results.map((r: { ticket: { ticketId: string } }) => r.ticket.ticketId);
    expect(await found(urgent.ticketId)).toEqual([urgent.ticketId]);
    expect(await found('casey')).toEqual([low.ticketId, urgent.ticketId]);
    expect(await found('zanussi')).toEqual([low.ticketId]);
    expect(await found('KITCHEN')).toEqual([urgent.ticketId]);
    expect(await found('nothing like it')).toEqual([]);
    const first = (await get(`/helpdesk/tickets/search?q=zanussi`)).results[0];
    expect(first.customer).toEqual({ customerId: 'cust-test', name: 'Casey Customer', email: 'customer@test.local' });
    const tooShort = await sys.call('GET', '/helpdesk/tickets/search?q=a', { token: helpdesk });
    expectProblem(tooShort, 400);
    expect(JSON.stringify(tooShort.body)).toContain('at least 2 characters');
    for (const t of [urgent, low]) await sys.call('POST', `/tickets/${t.ticketId}/cancel`, { token: helpdesk, body: { reason: 'test done' } });
  });

  it('offers the experts free and qualified at a start, and who could replace on a scheduled visit', async () => {
    await markPaid(sys, 'cust-test');
    // Eli is booked Wed 4 09:00–10:00; an open visit on Wed 4 then has only Rita free at 09:00, both at 11:00.
    const booked = await scheduledVisit(sys, { customer, expert }, windowOn(4, '09:00', '12:00'), at(4, '09:00'));
    const { visitIds } = await openTicket(sys, customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(4, '09:00', '13:00')] }] }));
    const open = visitIds[0]!;
    await propose(sys, expert, open, [at(4, '11:00')]);
    // Eli's 11:00 proposal is the only one: matching has finalized it already.
    const asked = await sys.call('GET', `/visits/${open}`, { token: helpdesk });
    expect(asked.body.status).toBe('finalized');

    const { visitIds: [other] } = await openTicket(sys, customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(4, '09:00', '13:00')] }] }));
    const names = async (start: string) => (await get(`/helpdesk/visits/${other}/candidates?start=${encodeURIComponent(start)}`)).candidates.map((c: { expertId: string }) => c.expertId);
    expect(await names(at(4, '09:00'))).toEqual([rita]);
    expect(await names(at(4, '12:00'))).toEqual(expect.arrayContaining(['exp-test', rita]));
    const answer = await get(`/helpdesk/visits/${other}/candidates?start=${encodeURIComponent(at(4, '09:00'))}`);
    expect(answer.range).toEqual({ start: at(4, '09:00'), end: at(4, '10:00') });
    expect(answer.candidates[0]).toMatchObject({ expertId: rita, name: 'Rita Replacement', proposed: false, freeUntil: null });
    expectProblem(await sys.call('GET', `/helpdesk/visits/${other}/candidates?start=${encodeURIComponent(at(4, '12:30'))}`, { token: helpdesk }), 422, 'outside-windows');
    expectProblem(await sys.call('GET', `/helpdesk/visits/${other}/candidates`, { token: helpdesk }), 400);
    // A scheduled visit without a start: who could take over its booked time (not Eli, who is on it).
    expect((await get(`/helpdesk/visits/${booked.visitId}/candidates`)).candidates.map((c: { expertId: string }) => c.expertId)).toEqual([rita]);
    expectProblem(await sys.call('GET', '/helpdesk/visits/no-such-visit/candidates', { token: helpdesk }), 404);
    expectProblem(await sys.call('GET', `/helpdesk/visits/${other}/candidates`, { token: customer }), 403);
  });

  it('extends a started visit for its expert, and refuses one not started', async () => {
    const { visitId } = await scheduledVisit(sys, { customer, expert }, windowOn(9, '09:00', '12:00'), at(9, '09:00'));
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/extend`, { token: helpdesk, body: { minutes: 30 } }), 422, 'visit-not-started');
    await walk(sys, expert, visitId, [['en-route', { eta: at(9, '08:55') }], ['arrived', {}], ['started', {}]]);
    const extended = await sys.call('POST', `/helpdesk/visits/${visitId}/extend`, { token: helpdesk, body: { minutes: 30 } });
    expect([extended.status, extended.body]).toEqual([200, { visitId, status: 'extended', end: at(9, '10:30') }]);
    expectProblem(await sys.call('POST', `/helpdesk/visits/${visitId}/extend`, { token: helpdesk, body: { minutes: 2 } }), 400);
  });

  it('draws the dispatch board of a day: experts with their hours and bookings, and the visits waiting', async () => {
    const { visitId: booked } = await scheduledVisit(sys, { customer, expert }, windowOn(10, '09:00', '12:00'), at(10, '10:00'));
    const { visitIds } = await openTicket(sys, customer, ticketBody({ priority: 'high', visits: [{ skills: ['plumbing'], expertsNeeded: 1, durationMinutes: 90, windows: [windowOn(10, '13:00', '17:00')] }] }));
    const board = await get(`/dispatch/board?from=${at(10, '00:00')}&to=${at(11, '00:00')}`);
    expect(board.from).toBe(at(10, '00:00'));
    expect(board.experts.map((e: { name: string }) => e.name)).toEqual(['Eli Expert', 'Rita Replacement']);
    const eli = board.experts[0];
    expect(eli.workingHours).toEqual([{ start: at(10, '08:00'), end: at(10, '18:00') }]);
    expect(eli.bookings).toEqual([expect.objectContaining({ visitId: booked, status: 'finalized', range: { start: at(10, '10:00'), end: at(10, '11:00') }, skills: ['washer'] })]);
    expect(board.openVisits).toEqual([expect.objectContaining({ visitId: visitIds[0], status: 'open', priority: 'high', skills: ['plumbing'], windows: [windowOn(10, '13:00', '17:00')], proposals: 0 })]);
    expect(board.skills).toEqual(['plumbing', 'washer']);

    // By skill: Rita has no plumbing; the washer visit waits for no one.
    const plumbing = await get(`/dispatch/board?from=${at(10, '00:00')}&to=${at(11, '00:00')}&skill=Plumbing`);
    expect(plumbing.experts.map((e: { expertId: string }) => e.expertId)).toEqual(['exp-test']);
    // By area: both serve Springfield; nobody serves an area no customer lives in.
    expect((await get(`/dispatch/board?from=${at(10, '00:00')}&to=${at(11, '00:00')}&area=01103`)).experts).toHaveLength(2);
    const nowhere = await get(`/dispatch/board?from=${at(10, '00:00')}&to=${at(11, '00:00')}&area=99999`);
    expect([nowhere.experts, nowhere.openVisits]).toEqual([[], []]);
    // Another day: no bookings, no waiting visits.
    const sunday = await get(`/dispatch/board?from=${at(8, '00:00')}&to=${at(9, '00:00')}`);
    expect(sunday.experts[0]).toMatchObject({ workingHours: [], bookings: [] });
    expectProblem(await sys.call('GET', `/dispatch/board?from=${at(10, '00:00')}&to=${at(13, '00:00')}`, { token: helpdesk }), 400);
    expectProblem(await sys.call('GET', `/dispatch/board?from=${at(10, '00:00')}&to=${at(11, '00:00')}`, { token: expert }), 403);
  });
});
