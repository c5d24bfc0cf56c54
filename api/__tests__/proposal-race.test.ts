import { startTestSystem, TestSystem } from './harness';
import { expectProblem, markPaid, openTicket, ticketBody, WINDOW } from './scenario';

describe('proposing for a visit that is no longer open', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
  });
  afterAll(() => sys.stop());

  async function cancelledVisit(skills: string[]): Promise<string> {
    const opened = await openTicket(sys, customer, ticketBody({ visits: [{ skills, expertsNeeded: 1, durationMinutes: 60, windows: [WINDOW] }] }));
    expect((await sys.call('POST', `/tickets/${opened.ticketId}/cancel`, { token: customer, body: { reason: 'fixed it myself' } })).status).toBe(200);
    await sys.settle();
    return opened.visitIds[0]!;
  }

  it('an expert whose feed showed it is told it is no longer open (422), as one who had proposed is', async () => {
    const visitId = await cancelledVisit(['washer']);
    const r = await sys.call('POST', `/visits/${visitId}/proposals`, { token: expert, body: { starts: [WINDOW.start] } });
    expectProblem(r, 422, 'visit-not-open');
  });

  it('an expert whose feed never showed it may not propose for it (403, README: refusals)', async () => {
    const visitId = await cancelledVisit(['fridge']);
    const r = await sys.call('POST', `/visits/${visitId}/proposals`, { token: expert, body: { starts: [WINDOW.start] } });
    expectProblem(r, 403);
  });
});
