import { REPORT_DAYS, ReportDayDoc } from '../../projections/reports/projection';
import { reportSnapshots } from '../routes/reports';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem, markPaid, onboardExpert, openTicket, propose, ticketBody, walk } from './scenario';

/** Events are stamped with the wall clock: a moment strictly between two writes. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

const DONE = [
  ['en-route', { eta: '2026-03-03T09:05:00.000Z' }],
  ['arrived', {}],
  ['started', {}],
  ['complete', { notes: 'replaced the hose' }],
] as const;

describe('manager reports over HTTP', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let manager: string;
  let fay: { expertId: string; token: string };

  /** The expert proposes `start` (the visit is finalized with them) and does the visit. */
  async function doVisit(token: string, visitId: string, start: string): Promise<void> {
    await propose(sys, token, visitId, [start]);
    await walk(sys, token, visitId, [['en-route', { eta: start }], ...DONE.slice(1)]);
  }

  async function completeTicket(token: string, ticketId: string, rating?: number): Promise<void> {
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token, body: { resolution: 'fixed' } })).status).toBe(200);
    await sys.settle();
    if (rating === undefined) return;
    const notes = await sys.call('GET', `/tickets/${ticketId}/notifications`, { token: customer });
    const invitation = notes.body.messages.find((m: { template: string }) => m.template === 'ticket-completed-survey');
    const surveyToken = /\/feedback\/([A-Za-z0-9_-]+)/.exec(invitation.body)![1]!;
    expect((await sys.call('POST', `/survey/${surveyToken}`, { body: { rating, comments: '' } })).status).toBe(201);
    await sys.settle();
  }

  beforeAll(async () => {
    sys = await startTestSystem(); // the clock starts at 2026-03-02T08:00Z
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    manager = await sys.token('manager');
    fay = await onboardExpert(sys, await sys.token('admin'), { name: 'Fay Fixer', email: 'fay@test.local', phone: '+15550100009', password: 'fay long password', radiusKm: 30, everyDay: true, feePerVisitCents: 7000 });

    // 1. Matched 45 minutes after opening; the visit is closed incomplete, the follow-up is done,
    //    and the ticket completed 60 minutes after the match, rated 4.
    const first = await openTicket(sys, customer, ticketBody());
    sys.clock.advanceMinutes(45);
    await propose(sys, expert, first.visitIds[0]!, ['2026-03-03T09:00:00.000Z']);
    sys.clock.advanceMinutes(60);
    await walk(sys, expert, first.visitIds[0]!, [...DONE.slice(0, 3), ['close-incomplete', { reason: 'needs-parts', note: 'pump on order' }]]);
    const followUp = await sys.call('GET', `/visits/${first.visitIds[0]}-followup`, { token: expert });
    expect(followUp.body).toMatchObject({ status: 'open', windows: [{ start: '2026-03-04T09:00:00.000Z' }, expect.anything(), expect.anything()] });
    await doVisit(expert, followUp.body.visitId, '2026-03-04T09:00:00.000Z');
    await completeTicket(expert, first.ticketId, 4);

    // 2. and 3. Matched and done at once: by Fay (rated 5), and by the test expert (no survey).
    const second = await openTicket(sys, customer, ticketBody());
    await doVisit(fay.token, second.visitIds[0]!, '2026-03-03T09:00:00.000Z');
    await completeTicket(fay.token, second.ticketId, 5);
    const third = await openTicket(sys, customer, ticketBody());
    await doVisit(expert, third.visitIds[0]!, '2026-03-03T11:00:00.000Z');
    await completeTicket(expert, third.ticketId);

    // 4. Urgent, nobody proposes: escalated after the match timeout.
    const escalated = await openTicket(sys, customer, ticketBody({ priority: 'urgent' }));
    sys.clock.advanceMinutes(31);
    await sys.sagas.fireDueDeadlines();
    await sys.settle();
    expect((await sys.call('GET', `/tickets/${escalated.ticketId}`, { token: manager })).body).toMatchObject({ escalated: true });

    // 5. Cancelled by the customer.
    const gone = await openTicket(sys, customer, ticketBody());
    expect((await sys.call('POST', `/tickets/${gone.ticketId}/cancel`, { token: customer, body: { reason: 'fixed it myself' } })).status).toBe(200);
    await sys.settle();
  });
  afterAll(() => sys.stop());

  it('summarizes the day: counts, times to match and resolve, rates, ratings and tickets by status now', async () => {
    const r = await sys.call('GET', '/reports/summary?from=2026-03-02&to=2026-03-02', { token: manager });
    expect(r.status).toBe(200);
    const expected = {
      opened: 5,
      openedByPriority: { low: 0, normal: 4, high: 0, urgent: 1 },
      matched: 3,
      escalated: 1,
      completed: 3,
      cancelled: 1,
      visitsCompleted: 3,
      visitsIncomplete: 1,
      followUps: 1,
      surveys: 2,
      averageTimeToMatchMinutes: 15, // (45 + 0 + 0) / 3
      averageResolutionMinutes: 35, // (105 + 0 + 0) / 3
      escalationRate: 0.2,
      firstTimeFixRate: 0.75,
      averageRating: 4.5,
      ratingDistribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 1 },
    };
    expect(r.body).toMatchObject({ from: '2026-03-02', to: '2026-03-02', totals: expected, days: [{ day: '2026-03-02', ...expected }] });
    expect(r.body.current).toEqual({ ticketsByStatus: { 'on-hold': 0, open: 1, completed: 3, cancelled: 1 }, escalated: 1, flagged: 1 });
    expect(r.body.snapshot).toBeNull();
  });

  it("reads a v2 day's lists of times while the v3 counts are rebuilt after an upgrade", async () => {
    const days = await sys.services.readModels.collection<ReportDayDoc>(REPORT_DAYS);
    await days.insertOne({ _id: '2026-03-09', day: '2026-03-09', matched: 3, matchMinutes: [5, 90, 5], completed: 1, resolutionMinutes: [600] });
    await days.insertOne({ _id: '2026-03-10', day: '2026-03-10', matched: 1, matchMinuteCounts: { m7: 1 } });
    try {
      const r = await sys.call('GET', '/reports/summary?from=2026-03-09&to=2026-03-10', { token: manager });
      expect(r.status).toBe(200);
      expect(r.body.totals).toMatchObject({ timeToMatchMinutes: { count: 4, p50: 5, p90: 90, max: 90 }, resolutionMinutes: { count: 1, p50: 600, p90: 600, max: 600 } });
      expect(r.body.days[0]).toMatchObject({ day: '2026-03-09', timeToMatchMinutes: { count: 3, p50: 5, p90: 90, max: 90 } });
      expect(r.body.distributions.timeToMatch.filter((b: { tickets: number }) => b.tickets > 0)).toEqual([expect.objectContaining({ fromMinutes: 0, tickets: 3 }), expect.objectContaining({ fromMinutes: 60, tickets: 1 })]);
    } finally {
      await days.deleteMany({ _id: { $in: ['2026-03-09', '2026-03-10'] } });
    }
  });

  it('gives times to match and resolve as percentiles and histograms, arrivals, overruns and the open work', async () => {
    const r = await sys.call('GET', '/reports/summary?from=2026-03-02&to=2026-03-02', { token: manager });
    expect(r.body.totals).toMatchObject({
      timeToMatchMinutes: { count: 3, p50: 0, p90: 45, max: 45 },
      resolutionMinutes: { count: 3, p50: 0, p90: 105, max: 105 },
      // Every expert arrived before the booked start and finished before the booked end.
      arrivals: 4,
      onTimeArrivals: 4,
      onTimeRate: 1,
      overruns: 0,
      overrunRate: 0,
      averageOverrunMinutes: null,
    });
    const bucket = (fromMinutes: number, tickets: number) => expect.objectContaining({ fromMinutes, tickets });
    expect(r.body.distributions.timeToMatch).toHaveLength(11);
    expect(r.body.distributions.timeToMatch.filter((b: { tickets: number }) => b.tickets > 0)).toEqual([bucket(0, 2), bucket(30, 1)]);
    expect(r.body.distributions.resolution.filter((b: { tickets: number }) => b.tickets > 0)).toEqual([bucket(0, 2), bucket(60, 1)]);
    expect(r.body.distributions.timeToMatch.at(-1)).toEqual({ fromMinutes: 10080, toMinutes: null, tickets: 0 });
    expect(r.body.openWork).toEqual({
      tickets: { 'on-hold': 0, open: 1, completed: 3, cancelled: 1 },
      visits: { open: 1, finalized: 0, 'en-route': 0, arrived: 0, started: 0, 'cant-arrive': 0, 'cant-enter': 0, 'closed-incomplete': 1, completed: 3, cancelled: 1 },
    });
  });

  it("gives each expert's performance over the range, and per service area and skill", async () => {
    const r = await sys.call('GET', '/reports/expert-performance?from=2026-03-02&to=2026-03-02', { token: manager });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from: '2026-03-02', to: '2026-03-02', snapshot: null, onTimeGraceMinutes: 15 });
    expect(r.body.experts).toEqual([
      expect.objectContaining({ expertId: 'exp-test', name: 'Eli Expert', visitsCompleted: 2, visitsIncomplete: 1, firstTimeFixRate: 0.6667, arrivals: 3, onTimeArrivals: 3, surveys: 1, averageRating: 4 }),
      expect.objectContaining({ expertId: fay.expertId, name: 'Fay Fixer', areas: ['Within 30 km of home'], skills: ['washer'], visitsCompleted: 1, arrivals: 1, onTimeRate: 1, overruns: 0, averageRating: 5 }),
    ]);
    expect(r.body.bySkill).toEqual([
      expect.objectContaining({ skill: 'washer', experts: 2, visitsCompleted: 3, visitsIncomplete: 1, arrivals: 4, surveys: 2, averageRating: 4.5 }),
      expect.objectContaining({ skill: 'plumbing', experts: 1, visitsCompleted: 2, visitsIncomplete: 1, arrivals: 3, surveys: 1, averageRating: 4 }),
    ]);
    // Both serve 30 km around their home.
    expect(r.body.byArea).toEqual([expect.objectContaining({ area: 'Within 30 km of home', experts: 2, visitsCompleted: 3, averageRating: 4.5 })]);
    const none = await sys.call('GET', '/reports/expert-performance?from=2026-03-05&to=2026-03-06', { token: manager });
    expect(none.body).toMatchObject({ experts: [], byArea: [], bySkill: [] });
  });

  it('defaults to the last 30 days up to today, one row per day, empty days as zeros', async () => {
    const r = await sys.call('GET', '/reports/summary', { token: await sys.token('helpdesk') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from: '2026-02-01', to: '2026-03-02', totals: { opened: 5, completed: 3, cancelled: 1 } });
    expect(r.body.days).toHaveLength(30);
    expect(r.body.days[0]).toMatchObject({ day: '2026-02-01', opened: 0, averageTimeToMatchMinutes: null, escalationRate: null, averageRating: null });
    expect(r.body.days[29]).toMatchObject({ day: '2026-03-02', opened: 5 });
    const later = await sys.call('GET', '/reports/summary?from=2026-03-03&to=2026-03-10', { token: manager });
    expect(later.body.totals).toMatchObject({ opened: 0, completed: 0, surveys: 0 });
    expect(later.body.days).toHaveLength(8);
  });

  it('ranks experts by rating or by visits, with their names', async () => {
    const byRating = await sys.call('GET', '/reports/experts', { token: manager });
    expect(byRating.status).toBe(200);
    expect(byRating.body).toEqual({
      sort: 'rating',
      total: 2,
      experts: [
        {
          rank: 1,
          expertId: fay.expertId,
          name: 'Fay Fixer',
          active: true,
          visitsCompleted: 1,
          visitsIncomplete: 0,
          firstTimeFixRate: 1,
          surveys: 1,
          averageRating: 5,
          ratingDistribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 1 },
        },
        {
          rank: 2,
          expertId: 'exp-test',
          name: 'Eli Expert',
          active: true,
          visitsCompleted: 2,
          visitsIncomplete: 1,
          firstTimeFixRate: 0.6667,
          surveys: 1,
          averageRating: 4,
          ratingDistribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 },
        },
      ],
    });
    const byVisits = await sys.call('GET', '/reports/experts?sort=visits', { token: manager });
    expect(byVisits.body.experts.map((e: { expertId: string; rank: number }) => [e.rank, e.expertId])).toEqual([
      [1, 'exp-test'],
      [2, fay.expertId],
    ]);
    const top = await sys.call('GET', '/reports/experts?sort=visits&limit=1', { token: manager });
    expect(top.body).toMatchObject({ total: 2, experts: [{ expertId: 'exp-test' }] });
    expect(top.body.experts).toHaveLength(1);
  });

  it('is for staff only, and refuses bad ranges with field errors', async () => {
    for (const token of [customer, expert]) {
      expectProblem(await sys.call('GET', '/reports/summary', { token }), 403);
      expectProblem(await sys.call('GET', '/reports/experts', { token }), 403);
    }
    expect((await sys.call('GET', '/reports/summary')).status).toBe(401);
    const bad = async (query: string, field: string) => {
      const r = await sys.call('GET', `/reports/summary?${query}`, { token: manager });
      expectProblem(r, 400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await bad('from=2026-03-05&to=2026-03-01', 'from');
    await bad('from=2026-03-05', 'from'); // after today, the default `to`
    await bad('from=2025-01-01&to=2026-03-02', 'to');
    await bad('from=2026-02-30', 'from');
    await bad('to=yesterday', 'to');
    expectProblem(await sys.call('GET', '/reports/experts?sort=fastest', { token: manager }), 400);
    expectProblem(await sys.call('GET', '/reports/experts?limit=0', { token: manager }), 400);
    // A full leap year is allowed.
    expect((await sys.call('GET', '/reports/summary?from=2024-01-01&to=2024-12-31', { token: manager })).status).toBe(200);
  });

  it('answers as of a past moment exactly what the reports showed then, from a cached snapshot', async () => {
    const range = 'from=2026-03-02&to=2026-03-03';
    const summaryThen = await sys.call('GET', `/reports/summary?${range}`, { token: manager });
    const expertsThen = await sys.call('GET', `/reports/expert-performance?${range}`, { token: manager });
    await pause();
    const moment = new Date().toISOString();
    await pause();

    // Afterwards: a ticket whose expert arrives 20 minutes late and overruns the booked hour by 30.
    const late = await openTicket(sys, customer, ticketBody());
    await propose(sys, expert, late.visitIds[0]!, ['2026-03-03T09:00:00.000Z']);
    const before = sys.clock.now;
    sys.clock.set('2026-03-03T09:10:00.000Z');
    await walk(sys, expert, late.visitIds[0]!, [['en-route', { eta: '2026-03-03T09:20:00.000Z' }]]);
    sys.clock.set('2026-03-03T09:20:00.000Z');
    await walk(sys, expert, late.visitIds[0]!, DONE.slice(1, 3));
    sys.clock.set('2026-03-03T10:30:00.000Z');
    await walk(sys, expert, late.visitIds[0]!, DONE.slice(3));
    sys.clock.now = before;

    const now = await sys.call('GET', `/reports/summary?${range}`, { token: manager });
    expect(now.body.totals).toMatchObject({ opened: 6, arrivals: 5, onTimeArrivals: 4, overruns: 1, averageOverrunMinutes: 30 });
    expect(now.body.days[1]).toMatchObject({ day: '2026-03-03', arrivals: 1, onTimeArrivals: 0, onTimeRate: 0, overruns: 1, overrunRate: 1 });

    const asOf = `asOf=${encodeURIComponent(moment)}`;
    const summary = await sys.call('GET', `/reports/summary?${range}&${asOf}`, { token: manager });
    expect(summary.status).toBe(200);
    const { asOf: _a, snapshot, current, ...figures } = summary.body;
    const { asOf: _b, snapshot: _s, current: _c, ...figuresThen } = summaryThen.body;
    expect(figures).toEqual(figuresThen);
    expect(snapshot).toEqual({ at: moment, position: expect.any(Number) });
    expect(summary.body.asOf).toBe(moment);
    expect(current).toBeNull();
    const experts = await sys.call('GET', `/reports/expert-performance?${range}&${asOf}`, { token: manager });
    expect(experts.status).toBe(200);
    expect({ ...experts.body, asOf: undefined, snapshot: undefined }).toEqual({ ...expertsThen.body, asOf: undefined, snapshot: undefined });

    // The same moment again is the same snapshot; before anything happened, everything is zero.
    expect((await sys.call('GET', `/reports/summary?${range}&${asOf}`, { token: manager })).body.snapshot).toEqual(snapshot);
    expect(reportSnapshots(sys.services).kept()).toEqual([snapshot.position]);
    const empty = await sys.call('GET', `/reports/summary?${range}&asOf=2020-01-01T00:00:00Z`, { token: manager });
    expect(empty.body).toMatchObject({ snapshot: { position: 0 }, totals: { opened: 0 }, openWork: { tickets: { open: 0, completed: 0 } } });
    expect(reportSnapshots(sys.services).kept()).toEqual([snapshot.position, 0]);

    // Not a moment yet to come, nor a malformed one.
    const future = await sys.call('GET', `/reports/summary?asOf=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { token: manager });
    expectProblem(future, 400);
    expect(future.body.errors).toEqual([{ field: 'asOf', message: 'must be a past moment' }]);
    expectProblem(await sys.call('GET', '/reports/expert-performance?asOf=yesterday', { token: manager }), 400);
    expectProblem(await sys.call('GET', `/reports/expert-performance?${asOf}`, { token: customer }), 403);
  });
});
