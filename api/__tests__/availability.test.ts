/**
 * An expert's weekly hours and time off, over HTTP: the feed shows only visits they could take,
 * proposals and helpdesk assignments outside them are refused with the reason (and the hours open
 * that day), matching never books them outside them, and a replacement is someone who works then.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, onboardExpert, openTicket, propose, ticketBody, windowOn } from './scenario';

const weekdays = (slot: { from: string; to: string }) => [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [slot]));
/** 08:00–12:00 UTC, Monday to Friday. */
const MORNINGS = { timeZone: 'UTC', days: weekdays({ from: '08:00', to: '12:00' }) };

describe("an expert's weekly hours and time off", () => {
  let sys: TestSystem;
  let customer: string;
  let helpdesk: string;
  let admin: string;
  let expert: string;
  /** Mona works mornings only. */
  let mona: string;
  let monaToken: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    helpdesk = await sys.token('helpdesk');
    admin = await sys.token('admin');
    expert = await sys.token('expert');
    ({ expertId: mona, token: monaToken } = await onboardExpert(sys, admin, { name: 'Mona Mornings', email: 'mona@test.local', phone: '+1 555 0120', password: 'mona has a long password' }));
    const hours = await sys.call('PUT', `/experts/${mona}/availability`, { token: monaToken, body: { availability: MORNINGS } });
    expect(hours.status).toBe(200);
    await sys.settle();
  });
  afterAll(() => sys.stop());

  const oneHourWasher = (window: ReturnType<typeof windowOn>, expertsNeeded = 1) => ticketBody({ visits: [{ skills: ['washer'], expertsNeeded, durationMinutes: 60, windows: [window] }] });
  const feedOf = async (token: string): Promise<string[]> => {
    const r = await sys.call('GET', '/visits/feed', { token });
    expect(r.status).toBe(200);
    return r.body.visits.map((v: { visitId: string }) => v.visitId);
  };
  const visit = async (visitId: string) => (await sys.call('GET', `/visits/${visitId}`, { token: helpdesk })).body;
  const bookingsOf = async (expertId: string): Promise<{ visitId: string; range: { start: string; end: string } }[]> =>
    (await sys.call('GET', `/experts/${expertId}`, { token: helpdesk })).body.bookings;

  it('a proposal outside the weekly hours is refused with the hours open that day, and writes nothing; inside them it is booked', async () => {
    const { visitIds } = await openTicket(sys, customer, oneHourWasher(windowOn(3, '08:00', '18:00')));
    const visitId = visitIds[0]!;
    expect(await feedOf(monaToken)).toContain(visitId);

    const head = await sys.services.events.headPosition();
    const refused = await sys.call('POST', `/visits/${visitId}/proposals`, { token: monaToken, body: { starts: [at(3, '09:00'), at(3, '15:00')] } });
    expectProblem(refused, 422, 'outside-availability');
    expect(refused.body.detail).toBe(`expert ${mona} works 08:00–12:00 on Tuesday 2026-03-03 (UTC): 15:00–16:00 is outside those hours`);
    expect(refused.body.openHours).toEqual({ date: '2026-03-03', weekday: 'Tuesday', timeZone: 'UTC', slots: [{ from: '08:00', to: '12:00' }] });
    expect(await sys.services.events.headPosition()).toBe(head);
    expect((await visit(visitId)).proposals).toEqual([]);

    await propose(sys, monaToken, visitId, [at(3, '11:00')]);
    expect(await visit(visitId)).toMatchObject({ status: 'finalized', start: at(3, '11:00'), experts: [mona] });
    expect((await bookingsOf(mona)).find((b) => b.visitId === visitId)?.range).toEqual({ start: at(3, '11:00'), end: at(3, '12:00') });
  });

  it("the feed offers as starts only those inside the expert's hours and the customer's window, and each one is accepted", async () => {
    const { visitIds } = await openTicket(sys, customer, oneHourWasher(windowOn(6, '10:00', '16:00')));
    const visitId = visitIds[0]!;
    const offered = async (token: string) => (await sys.call('GET', '/visits/feed', { token })).body.visits.find((v: { visitId: string }) => v.visitId === visitId)?.openStarts;
    // Mona works 08:00–12:00: from the window's 10:00 to the last start that ends by noon.
    expect(await offered(monaToken)).toEqual([at(6, '10:00'), at(6, '10:30'), at(6, '11:00')]);
    // The harness's expert works 08:00–18:00: the whole window.
    expect(await offered(expert)).toEqual(['10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00', '14:30', '15:00'].map((t) => at(6, t)));
    const proposed = await sys.call('POST', `/visits/${visitId}/proposals`, { token: monaToken, body: { starts: await offered(monaToken) } });
    expect(proposed.status).toBeLessThan(300);
  });

  it('the feed shows only visits with a start inside the hours, clear of time off and bookings', async () => {
    const afternoon = (await openTicket(sys, customer, oneHourWasher(windowOn(4, '13:00', '17:00')))).visitIds[0]!;
    const morning = (await openTicket(sys, customer, oneHourWasher(windowOn(5, '08:00', '12:00')))).visitIds[0]!;
    const saturday = (await openTicket(sys, customer, oneHourWasher(windowOn(7, '08:00', '12:00')))).visitIds[0]!;
    const monaSees = await feedOf(monaToken);
    expect(monaSees).toContain(morning);
    expect(monaSees).not.toContain(afternoon);
    expect(monaSees).not.toContain(saturday);
    // Someone who works afternoons sees the afternoon visit.
    expect(await feedOf(expert)).toEqual(expect.arrayContaining([afternoon, morning]));
    // Only experts who could take it are told of it.
    const told = async (visitId: string) =>
      (await sys.services.outbox.listByTicket((await visit(visitId)).ticketId, { limit: 50 })).filter((m) => m.template === 'new-visit-available').map((m) => m.recipient?.id);
    expect(await told(afternoon)).toEqual(['exp-test']);
    expect((await told(morning)).sort()).toEqual(['exp-test', mona].sort());
    expect(await told(saturday)).toEqual([]);

    // Mona takes Thursday morning off: the visit leaves her feed, and proposing into it is refused.
    const off = await sys.call('POST', `/experts/${mona}/time-off`, { token: monaToken, body: { range: { start: at(5, '07:00'), end: at(5, '12:00') }, reason: 'dentist' } });
    expect(off.status).toBe(201);
    await sys.settle();
    expect(await feedOf(monaToken)).not.toContain(morning);
    const refused = await sys.call('POST', `/visits/${morning}/proposals`, { token: monaToken, body: { starts: [at(5, '09:00')] } });
    expectProblem(refused, 422, 'expert-time-off');
    expect(refused.body.detail).toContain('(dentist)');
    expect(refused.body.timeOff).toMatchObject({ range: { start: at(5, '07:00'), end: at(5, '12:00') }, reason: 'dentist' });
  });

  it('matching does not book an expert at a start that has left their hours since they proposed it', async () => {
    const { visitIds } = await openTicket(sys, customer, oneHourWasher(windowOn(10, '08:00', '12:00'), 2));
    const visitId = visitIds[0]!;
    await propose(sys, monaToken, visitId, [at(10, '08:00'), at(10, '10:00')]);
    // Mona now starts at 10:00 on weekdays.
    const later = await sys.call('PUT', `/experts/${mona}/availability`, { token: monaToken, body: { availability: { timeZone: 'UTC', days: weekdays({ from: '10:00', to: '12:00' }) } } });
    expect(later.status).toBe(200);
    await sys.settle();
    // The other expert offers 08:00 first: a crew of two at 08:00 would need Mona outside her hours.
    await propose(sys, expert, visitId, [at(10, '08:00')]);
    expect(await visit(visitId)).toMatchObject({ status: 'open', experts: [] });
    expect((await bookingsOf(mona)).map((b) => b.visitId)).not.toContain(visitId);
    expect((await bookingsOf('exp-test')).map((b) => b.visitId)).not.toContain(visitId);
    // At 10:00 both work: the visit is finalized there.
    await propose(sys, expert, visitId, [at(10, '08:00'), at(10, '10:00')]);
    expect(await visit(visitId)).toMatchObject({ status: 'finalized', start: at(10, '10:00'), experts: expect.arrayContaining([mona, 'exp-test']) });
    await sys.call('PUT', `/experts/${mona}/availability`, { token: monaToken, body: { availability: MORNINGS } });
    await sys.settle();
  });

  it('helpdesk cannot assign an expert into their time off, outside their hours or over another booking: refused with the reason, nothing recorded', async () => {
    const { visitIds } = await openTicket(sys, customer, oneHourWasher(windowOn(11, '08:00', '17:00')));
    const visitId = visitIds[0]!;
    const off = await sys.call('POST', `/experts/${mona}/time-off`, { token: helpdesk, body: { range: { start: at(11, '08:00'), end: at(11, '10:00') }, reason: 'car in the garage' } });
    expect(off.status).toBe(201);
    await sys.settle();
    const head = await sys.services.events.headPosition();
    const assign = (expertId: string, start: string) => sys.call('POST', `/helpdesk/visits/${visitId}/assign`, { token: helpdesk, body: { expertId, start } });

    const intoTimeOff = await assign(mona, at(11, '09:00'));
    expectProblem(intoTimeOff, 422, 'expert-time-off');
    expect(intoTimeOff.body.detail).toBe(`expert ${mona} is off from ${at(11, '08:00')} to ${at(11, '10:00')} (car in the garage)`);
    const afterHours = await assign(mona, at(11, '14:00'));
    expectProblem(afterHours, 422, 'outside-availability');
    expect(afterHours.body.openHours).toMatchObject({ date: '2026-03-11', weekday: 'Wednesday', slots: [{ from: '08:00', to: '12:00' }] });
    expect(await sys.services.events.headPosition()).toBe(head);
    await sys.settle();
    const history = await sys.call('GET', `/tickets/${(await visit(visitId)).ticketId}/history`, { token: helpdesk });
    expect(history.body.history.map((e: { type: string }) => e.type)).not.toContain('VisitExpertAssigned');
    expect((await visit(visitId)).assignments).toEqual([]);

    // Inside her hours and clear of the time off, the assignment is booked.
    const ok = await assign(mona, at(11, '10:00'));
    expect([ok.status, ok.body]).toEqual([200, { visitId, expertId: mona, status: 'open' }]);
    await sys.settle();
    expect(await visit(visitId)).toMatchObject({ status: 'finalized', start: at(11, '10:00'), experts: [mona] });

    // Over a booking she already has: refused too.
    const other = (await openTicket(sys, customer, oneHourWasher(windowOn(11, '08:00', '17:00')))).visitIds[0]!;
    expectProblem(await sys.call('POST', `/helpdesk/visits/${other}/assign`, { token: helpdesk, body: { expertId: mona, start: at(11, '10:30') } }), 422, 'expert-booked');
  });

  it('a replacement is only someone who works at the visit’s time', async () => {
    // The visit is at 15:00: Mona (mornings) is free then but does not work; nobody else is left.
    const { visitIds } = await openTicket(sys, customer, oneHourWasher(windowOn(12, '14:00', '17:00')));
    const visitId = visitIds[0]!;
    await propose(sys, expert, visitId, [at(12, '15:00')]);
    expect(await visit(visitId)).toMatchObject({ status: 'finalized', experts: ['exp-test'] });
    const best = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test' } });
    expectProblem(best, 409);
    expect(best.body.tried).toEqual([]);
    const named = await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: helpdesk, body: { outExpertId: 'exp-test', inExpertId: mona } });
    expectProblem(named, 409);
    expect(named.body.tried).toEqual([mona]);
    expect((await bookingsOf(mona)).map((b) => b.visitId)).not.toContain(visitId);
  });
});
