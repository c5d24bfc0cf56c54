/**
 * "On my way" is bounded: an expert goes en route at most EN_ROUTE_LEAD_MIN minutes (default 120)
 * before the visit starts; earlier, the step is refused with the reason and nothing is recorded.
 */
import { loadConfig } from '../../config/config';
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, scheduledVisit, windowOn } from './scenario';

describe('going en route', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem(); // the clock starts at 2026-03-02T08:00Z
    await markPaid(sys, 'cust-test');
  });
  afterAll(() => sys.stop());

  it('defaults to at most 120 minutes before the start, and is configurable', () => {
    expect(loadConfig({}).EN_ROUTE_LEAD_MIN).toBe(120);
    expect(loadConfig({ EN_ROUTE_LEAD_MIN: '45' }).EN_ROUTE_LEAD_MIN).toBe(45);
    expect(() => loadConfig({ EN_ROUTE_LEAD_MIN: '0' })).toThrow(/EN_ROUTE_LEAD_MIN/);
    expect(() => loadConfig({ EN_ROUTE_LEAD_MIN: 'soon' })).toThrow(/EN_ROUTE_LEAD_MIN/);
  });

  it('days before the visit the expert is refused with the earliest time; within the bound they are on their way', async () => {
    const customer = await sys.token('customer');
    const expert = await sys.token('expert');
    const { visitId } = await scheduledVisit(sys, { customer, expert }, windowOn(4, '13:00', '16:00'), at(4, '14:00'));
    const head = await sys.services.events.headPosition();

    const early = await sys.call('POST', `/visits/${visitId}/en-route`, { token: expert, body: { eta: at(4, '13:55') } });
    expectProblem(early, 422, 'en-route-too-early');
    expect(early.body).toMatchObject({ detail: expect.stringContaining('at most 120 minutes'), start: at(4, '14:00'), earliestEnRoute: at(4, '12:00'), maxLeadMinutes: 120 });
    sys.clock.set(at(4, '11:59'));
    expectProblem(await sys.call('POST', `/visits/${visitId}/en-route`, { token: expert, body: { eta: at(4, '13:55') } }), 422, 'en-route-too-early');
    await sys.settle();
    expect(await sys.services.events.headPosition()).toBe(head);
    expect((await sys.call('GET', `/visits/${visitId}`, { token: customer })).body.status).toBe('finalized');

    sys.clock.set(at(4, '12:00'));
    const onTheWay = await sys.call('POST', `/visits/${visitId}/en-route`, { token: expert, body: { eta: at(4, '13:55') } });
    expect([onTheWay.status, onTheWay.body]).toEqual([200, { visitId, status: 'en-route' }]);
  });
});
