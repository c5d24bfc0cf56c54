/**
 * The refusal policy (README, HTTP API): 404 when there is nothing there for the caller — no such
 * resource, or another customer's (a customer gets exactly the answer of a missing id, so whether
 * another customer's ids exist never leaks); 403 when the caller may know it exists but may not act
 * on it — their role may not call the route, or an expert is not on the visit or ticket.
 *
 * Checked over every route of the route table that names a ticket, visit or customer: a route
 * added later without a body here fails the test until it is covered.
 */
import { allRoutes } from '../routes';
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, onboardExpert, propose, scheduledVisit, walk, windowOn } from './scenario';

/** A valid body for each route the test calls with one (validation would answer 400 first). */
const BODIES: Record<string, unknown> = {
  'put /customers/:customerId/contact': {
    name: 'Olga Other',
    email: 'olga@example.com',
    phone: '+1 555 0199',
    address: { line1: '2 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } },
  },
  'put /customers/:customerId/notification-preference': { notifyBy: 'sms' },
  'post /customers/:customerId/plans': { product: 'oven', tier: 'basic' },
  'put /customers/:customerId/payment-method': { gatewayToken: 'tok_visa_1', last4: '4242', brand: 'visa', expiry: '2029-12' },
  'post /customers/:customerId/payment-method/setup': {},
  'post /customers/:customerId/payment-method/from-setup': { setupId: 'seti_1' },
  'post /tickets/:ticketId/cancel': { reason: 'not mine' },
  'post /tickets/:ticketId/complete': { resolution: 'fixed' },
  'post /visits/:visitId/proposals': { starts: [at(10, '09:00')] },
  'post /visits/:visitId/en-route': { eta: at(10, '09:00') },
  'post /visits/:visitId/arrived': {},
  'post /visits/:visitId/started': {},
  'post /visits/:visitId/cant-arrive': { reason: 'flat tyre' },
  'post /visits/:visitId/cant-enter': { note: '' },
  'post /visits/:visitId/complete': { notes: 'done' },
  'post /visits/:visitId/close-incomplete': { reason: 'needs-parts' },
  'post /visits/:visitId/extension': { minutes: 30 },
  // The expert's own values again (the later tests need exp-test as the harness made them).
  'put /experts/:expertId/service-area': { homeLocation: { lat: 42.1015, lon: -72.5898 }, serviceArea: { kind: 'radius', radiusKm: 30 } },
  'put /experts/:expertId/availability': { availability: { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) } },
  'post /experts/:expertId/time-off': { range: { start: '2026-04-01T00:00:00.000Z', end: '2026-04-02T00:00:00.000Z' }, reason: 'holiday' },
};

const NAMED = /:(ticketId|visitId|customerId)\b/;
/** Routes on an expert's own profile and calendar. */
const EXPERT_NAMED = /:expertId\b/;

function routesFor(role: 'customer' | 'expert', named = NAMED) {
  return allRoutes.filter((r) => r.roles !== 'public' && r.roles.includes(role) && named.test(r.path)).map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }));
}

describe('refusals: 403 or 404, one policy over the routes', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  /** A customer who owns nothing of Casey's. */
  let olga: string;
  /** An expert on no visit of Casey's, whose feed never shows them (fridges only). */
  let fran: string;
  let mine: { ticketId: string; visitId: string };

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    mine = await scheduledVisit(sys, { customer, expert }, windowOn(10, '09:00', '12:00'), at(10, '09:00'));
    const reg = await sys.call('POST', '/auth/register', { body: { contact: BODIES['put /customers/:customerId/contact'], notifyBy: 'email', password: 'another long password' } });
    expect(reg.status).toBe(201);
    olga = (await sys.call('POST', '/auth/login', { body: { email: 'olga@example.com', password: 'another long password' } })).body.accessToken;
    ({ token: fran } = await onboardExpert(sys, await sys.token('admin'), { name: 'Fran Fridge', email: 'fran@test.local', phone: '+1 555 0105', password: 'fran has a long password', skills: ['fridge'] }));
  });
  afterAll(() => sys.stop());

  function fill(path: string, ids: { ticketId: string; visitId: string; customerId: string; expertId?: string }): string {
    return path
      .replace(':expertId', ids.expertId ?? 'exp-test')
      .replace(':timeOffId', 'time-off-1')
      .replace(':ticketId', ids.ticketId)
      .replace(':visitId', ids.visitId)
      .replace(':customerId', ids.customerId)
      .replace(':period', '2026-03')
      .replace(':month', '2026-03')
      .replace(':planId', 'plan-1');
  }

  async function call(token: string, route: { method: string; path: string; key: string }, ids: { ticketId: string; visitId: string; customerId: string; expertId?: string }) {
    const hasBody = route.method !== 'get' && route.method !== 'delete';
    if (hasBody) expect([route.key, BODIES[route.key] !== undefined]).toEqual([route.key, true]);
    return sys.call(route.method.toUpperCase(), fill(route.path, ids), { token, ...(hasBody ? { body: BODIES[route.key] } : {}) });
  }

  const missing = { ticketId: 'zz-missing-ticket', visitId: 'zz-missing-visit', customerId: 'zz-missing-customer' };

  it.each(routesFor('customer'))("a customer gets for another customer's $key exactly the answer of a missing id (404)", async (route) => {
    const head = await sys.services.events.headPosition();
    const theirs = await call(olga, route, { ...mine, customerId: 'cust-test' });
    const absent = await call(olga, route, missing);
    expectProblem(theirs, 404);
    expectProblem(absent, 404);
    expect(theirs.body.title).toBe(absent.body.title);
    expect(await sys.services.events.headPosition()).toBe(head);
  });

  it.each(routesFor('expert'))('an expert not on the visit or ticket is refused $key with 403; a missing one is 404', async (route) => {
    const head = await sys.services.events.headPosition();
    expectProblem(await call(fran, route, { ...mine, customerId: 'cust-test' }), 403);
    expectProblem(await call(fran, route, missing), 404);
    expect(await sys.services.events.headPosition()).toBe(head);
  });

  // The expert's own profile and calendar: another expert's (a real one, with a time off to
  // remove) is refused with 403 and nothing is written, as is a missing one (an expert may know
  // who the other experts are, so refusing without looking leaks nothing); their own is not refused.
  it.each(routesFor('expert', EXPERT_NAMED))("an expert is refused another expert's $key with 403, and nothing is written", async (route) => {
    const admin = await sys.token('admin');
    const added = await sys.call('POST', '/experts/exp-test/time-off', { token: admin, body: { ...(BODIES['post /experts/:expertId/time-off'] as object), range: { start: '2026-05-01T00:00:00.000Z', end: '2026-05-02T00:00:00.000Z' } } });
    expect([200, 201]).toContain(added.status);
    const timeOffId: string = added.body.timeOffId;
    const path = (expertId: string) => route.path.replace(':expertId', expertId).replace(':timeOffId', timeOffId);
    const hasBody = route.method !== 'get' && route.method !== 'delete';
    const send = (token: string, expertId: string) => sys.call(route.method.toUpperCase(), path(expertId), { token, ...(hasBody ? { body: BODIES[route.key] } : {}) });
    const head = await sys.services.events.headPosition();
    expectProblem(await send(fran, 'exp-test'), 403);
    expectProblem(await send(fran, 'zz-missing-expert'), 403);
    expect(await sys.services.events.headPosition()).toBe(head);
    const own = await send(expert, 'exp-test');
    expect([route.key, own.status]).toEqual([route.key, expect.any(Number)]);
    expect([route.key, own.status < 300]).toEqual([route.key, true]);
  });

  it('covers the routes it should (the customer and expert steps of the ticket and visit)', () => {
    expect(routesFor('expert', EXPERT_NAMED).map((r) => r.key)).toEqual(
      expect.arrayContaining(['get /experts/:expertId', 'put /experts/:expertId/availability', 'delete /experts/:expertId/time-off/:timeOffId']),
    );
    expect(routesFor('customer').map((r) => r.key)).toEqual(expect.arrayContaining(['get /tickets/:ticketId', 'get /customers/:customerId/invoices/:period', 'post /tickets/:ticketId/cancel']));
    expect(routesFor('expert').map((r) => r.key)).toEqual(expect.arrayContaining(['post /tickets/:ticketId/complete', 'post /visits/:visitId/complete', 'post /visits/:visitId/proposals']));
  });

  it('an expert on the ticket who did no completed visit of it may not complete it: 403, as for one not on it', async () => {
    const { token: rita } = await onboardExpert(sys, await sys.token('admin'), { name: 'Rita Washer', email: 'rita@test.local', phone: '+1 555 0106', password: 'rita has a long password' });
    const { ticketId, visitId } = await scheduledVisit(sys, { customer, expert }, windowOn(11, '09:00', '12:00'), at(11, '09:00'));
    await walk(sys, expert, visitId, [
      ['en-route', { eta: at(11, '08:50') }],
      ['arrived', {}],
      ['started', {}],
      ['close-incomplete', { reason: 'needs-parts' }],
    ]);
    const followUp = `${visitId}-followup`;
    await propose(sys, rita, followUp, [at(12, '09:00')]);
    await walk(sys, rita, followUp, [
      ['en-route', { eta: at(12, '08:50') }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'pump fitted' }],
    ]);
    expectProblem(await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'fixed' } }), 403, 'expert-not-on-ticket');
    expectProblem(await sys.call('POST', `/tickets/${ticketId}/complete`, { token: fran, body: { resolution: 'fixed' } }), 403);
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token: rita, body: { resolution: 'pump replaced' } })).status).toBe(200);
  });
});
