import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { invoices } from '../../commands/invoice';
import { articlesProjection } from '../../projections/articles/projection';
import { applianceCatalogProjection } from '../../projections/appliance-catalog/projection';
import { customersProjection } from '../../projections/customers/projection';
import { invoicesProjection } from '../../projections/invoices/projection';
import { compareTargets, rebuild } from '../../projections/rebuild';
import { ProjectionRegistry } from '../../projections/registry';
import { PASSWORD, startTestSystem, TestSystem } from './harness';

const WEEK = { timeZone: 'UTC', days: [[], [{ from: '08:00', to: '17:00' }], [{ from: '08:00', to: '17:00' }], [], [], [], []] };

describe('accounts, catalog and knowledge base over HTTP', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  it('admin onboards an expert who can then log in and read (only) their own profile', async () => {
    const admin = await sys.token('admin');
    const body = {
      name: 'Olga Oven',
      email: 'Olga@Example.com',
      phone: '+1 555 0123',
      homeLocation: { lat: 42.1, lon: -72.6 },
      serviceArea: { kind: 'radius', radiusKm: 25 },
      skills: ['Gas Oven', 'electrical'],
      availability: WEEK,
      feePerVisitCents: 9000,
      password: 'olga password 123',
    };
    const created = await sys.call('POST', '/experts', { token: admin, body });
    expect(created.status).toBe(201);
    const { expertId } = created.body;

    const login = await sys.call('POST', '/auth/login', { body: { email: 'olga@example.com', password: 'olga password 123' } });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ role: 'expert', expertId });
    const olga = login.body.accessToken;

    const own = await sys.call('GET', `/experts/${expertId}`, { token: olga });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ name: 'Olga Oven', skills: ['electrical', 'gas oven'], active: true });
    expect((await sys.call('GET', '/experts/exp-test', { token: olga })).status).toBe(403);

    // The e-mail is taken now.
    expect((await sys.call('POST', '/experts', { token: admin, body })).status).toBe(409);

    // Self-service calendar: time off in, time off out.
    const off = await sys.call('POST', `/experts/${expertId}/time-off`, {
      token: olga,
      body: { range: { start: '2026-03-10T00:00:00Z', end: '2026-03-11T00:00:00Z' }, reason: 'dentist' },
    });
    expect(off.status).toBe(201);
    expect((await sys.call('GET', `/experts/${expertId}`, { token: olga })).body.timeOff).toHaveLength(1);
    expect((await sys.call('DELETE', `/experts/${expertId}/time-off/${off.body.timeOffId}`, { token: olga })).status).toBe(204);
    expect((await sys.call('GET', `/experts/${expertId}`, { token: olga })).body.timeOff).toHaveLength(0);

    // Skills are admin's; staff list experts.
    expect((await sys.call('PUT', `/experts/${expertId}/skills`, { token: olga, body: { skills: ['x'] } })).status).toBe(403);
    expect((await sys.call('PUT', `/experts/${expertId}/skills`, { token: admin, body: { skills: ['gas oven', 'dishwasher'] } })).status).toBe(200);
    const list = await sys.call('GET', '/experts?skill=dishwasher', { token: await sys.token('helpdesk') });
    expect(list.status).toBe(200);
    expect(list.body.experts.map((e: { expertId: string }) => e.expertId)).toEqual([expertId]);

    expect((await sys.call('POST', `/experts/${expertId}/deactivate`, { token: admin, body: { reason: 'leave' } })).body.status).toBe('inactive');
    expect((await sys.call('POST', `/experts/${expertId}/reactivate`, { token: admin })).body.status).toBe('active');
  });

  it('a customer buys a plan, sets a payment method, and sees only their own profile and invoices', async () => {
    const customer = await sys.token('customer');
    const id = sys.accounts.customer.customerId!;
    // The tiers on offer, public, at the prices a purchase records.
    const tiers = await sys.call('GET', '/catalog/support-plans');
    expect(tiers.status).toBe(200);
    expect(tiers.body.tiers.map((t: { tier: string }) => t.tier)).toEqual(['basic', 'standard', 'premium']);
    const standard = tiers.body.tiers.find((t: { tier: string }) => t.tier === 'standard');
    const plan = await sys.call('POST', `/customers/${id}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } });
    expect(plan.status).toBe(201);
    expect(plan.body).toMatchObject({ product: 'washer', tier: 'standard', monthlyPriceCents: standard.monthlyPriceCents });
    expect(standard).toEqual({ tier: 'standard', monthlyPriceCents: 1999, currency: 'USD' });

    const card = { gatewayToken: 'tok_visa_abc', last4: '4242', brand: 'visa', expiry: '2029-08' };
    const pay = await sys.call('PUT', `/customers/${id}/payment-method`, { token: customer, body: card });
    expect(pay.status).toBe(200);
    expect(pay.body).toEqual({ customerId: id, paymentMethod: { brand: 'visa', last4: '4242', expiry: '2029-08', expiresBeforeBilling: null } });
    // A card that ran out before this month is refused with the rule's code; a brand not known is invalid.
    const expired = await sys.call('PUT', `/customers/${id}/payment-method`, { token: customer, body: { ...card, expiry: '2026-02' } });
    expect([expired.status, expired.body.code]).toEqual([422, 'card-expired']);
    const unknownBrand = await sys.call('PUT', `/customers/${id}/payment-method`, { token: customer, body: { ...card, brand: 'diners' } });
    expect([unknownBrand.status, unknownBrand.body.errors]).toEqual([400, [expect.objectContaining({ field: 'brand' })]]);

    const me = await sys.call('GET', '/customers/me', { token: customer });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ customerId: id, paymentMethod: { brand: 'visa', last4: '4242', expiry: '2029-08' } });
    expect(JSON.stringify(me.body)).not.toContain('tok_visa_abc');
    expect(me.body.activePlans).toEqual([expect.objectContaining({ planId: plan.body.planId, product: 'washer', active: true })]);

    // Another customer's id: as if there were none (README: refusals).
    expect((await sys.call('GET', '/customers/cust-other', { token: customer })).status).toBe(404);
    expect((await sys.call('POST', '/customers/cust-other/plans', { token: customer, body: { product: 'oven', tier: 'basic' } })).status).toBe(404);
    expect((await sys.call('GET', '/customers/cust-other/invoices', { token: customer })).status).toBe(404);
    // Experts have no business with customer profiles.
    expect((await sys.call('GET', `/customers/${id}`, { token: await sys.token('expert') })).status).toBe(403);

    const invoices = await sys.call('GET', `/customers/${id}/invoices`, { token: customer });
    expect(invoices.status).toBe(200);
    expect(invoices.body.invoices).toEqual([]);

    // Staff find the customer by name; cancelling the plan.
    const found = await sys.call('GET', '/customers?q=casey', { token: await sys.token('helpdesk') });
    expect(found.body.customers.map((c: { customerId: string }) => c.customerId)).toContain(id);
    expect((await sys.call('GET', '/customers', { token: customer })).status).toBe(403);
    expect((await sys.call('DELETE', `/customers/${id}/plans/${plan.body.planId}`, { token: customer })).status).toBe(204);
    expect((await sys.call('GET', '/customers/me', { token: customer })).body.activePlans).toEqual([]);
  });

  it('billing history: issued, failed, retried and paid invoices show up for their customer only', async () => {
    const customerId = sys.accounts.customer.customerId!;
    const meta = (id: string, role: 'system' | 'helpdesk' = 'system') => ({ commandId: `billing-${id}`, now: sys.clock.now, actor: { userId: 'billing', role } });
    const line = { planId: 'plan-1', product: 'washer', tier: 'basic' as const, amountCents: 999 };
    await send(sys.services.commands, invoices, { type: 'issueInvoice', data: { customerId, period: '2026-03', lines: [line], currency: 'USD', dueAt: '2026-03-05T00:00:00.000Z' }, metadata: meta('issue') });
    await send(sys.services.commands, invoices, {
      type: 'recordChargeAttempt',
      data: { customerId, period: '2026-03', outcome: { kind: 'chargeFailed', reason: 'insufficient funds', gatewayCode: 'card_declined' } },
      metadata: meta('fail'),
    });
    await send(sys.services.commands, invoices, { type: 'retryCharge', data: { customerId, period: '2026-03' }, metadata: meta('retry', 'helpdesk') });
    await send(sys.services.commands, invoices, {
      type: 'recordChargeAttempt',
      data: { customerId, period: '2026-03', outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 999 } },
      metadata: meta('paid'),
    });
    await send(sys.services.commands, customers, { type: 'advancePaidUntil', data: { customerId, paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: `${customerId}:2026-03` }, metadata: meta('advance') });
    await sys.settle();

    const history = await sys.call('GET', `/customers/${customerId}/invoices`, { token: await sys.token('customer') });
    expect(history.status).toBe(200);
    expect(history.body.invoices).toEqual([
      expect.objectContaining({ invoiceId: `${customerId}:2026-03`, period: '2026-03', status: 'paid', attempts: 2, totalCents: 999, paidUntil: '2026-04-01T00:00:00.000Z', failures: [expect.objectContaining({ attempt: 1, gatewayCode: 'card_declined' })] }),
    ]);
    expect(history.body.summary).toMatchObject({ invoices: 1, paidCents: 999, openCents: 0 });
    expect((await sys.call('GET', `/customers/${customerId}/invoices`, { token: await sys.token('manager') })).status).toBe(200);
    expect((await sys.call('GET', '/customers/me', { token: await sys.token('customer') })).body.paidUntil).toBe('2026-04-01T00:00:00.000Z');
  });

  it('PUT contact honours If-Match: the current ETag wins, a stale one is 412', async () => {
    const customer = await sys.token('customer');
    const id = sys.accounts.customer.customerId!;
    const read = await sys.call('GET', `/customers/${id}`, { token: customer });
    const tag = read.headers.get('etag')!;
    expect(tag).toMatch(/^"\d+"$/);
    const contact = { name: 'Casey C. Customer', email: 'customer@test.local', phone: '+15550100001', address: read.body.address };
    const ok = await sys.call('PUT', `/customers/${id}/contact`, { token: customer, body: contact, headers: { 'If-Match': tag } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(tag);
    const head = await sys.services.events.headPosition();
    const stale = await sys.call('PUT', `/customers/${id}/contact`, { token: customer, body: { ...contact, name: 'Someone Else' }, headers: { 'If-Match': tag } });
    expect(stale.status).toBe(412);
    expect(await sys.services.events.headPosition()).toBe(head);
    expect((await sys.call('GET', `/customers/${id}`, { token: customer })).body.name).toBe('Casey C. Customer');
  });

  it('catalog: admin adds a model, free text finds it, retired models leave the public list', async () => {
    const admin = await sys.token('admin');
    const added = await sys.call('POST', '/catalog/models', {
      token: admin,
      body: { brand: 'Whirlpool', model: 'WTW5000DW', category: 'Washer', requiredSkills: ['washer'], aliases: ['Cabrio 5000'] },
    });
    expect(added.status).toBe(201);
    expect(added.body.modelId).toBe('whirlpool-wtw5000dw');
    expect((await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Whirlpool', model: 'WTW 5000 DW', category: 'washer', requiredSkills: ['washer'] } })).status).toBe(422);
    expect((await sys.call('POST', '/catalog/models', { token: await sys.token('helpdesk'), body: { brand: 'B', model: 'M', category: 'c', requiredSkills: ['s'] } })).status).toBe(403);

    const match = await sys.call('GET', `/catalog/models/match?text=${encodeURIComponent('my whirlpool wtw 5000-dw is leaking')}`);
    expect(match.status).toBe(200);
    expect(match.body.matches[0]).toMatchObject({ modelId: 'whirlpool-wtw5000dw', score: 1, matchedOn: 'model' });

    const list = await sys.call('GET', '/catalog/models');
    expect(list.body.models.map((m: { modelId: string }) => m.modelId)).toContain('whirlpool-wtw5000dw');
    expect(list.headers.get('cache-control')).toMatch(/max-age/);

    expect((await sys.call('PATCH', '/catalog/models/whirlpool-wtw5000dw', { token: admin, body: { aliases: ['Cabrio'] } })).body.aliases).toEqual(['Cabrio']);
    expect((await sys.call('POST', '/catalog/models/whirlpool-wtw5000dw/retire', { token: admin })).body.retired).toBe(true);
    expect((await sys.call('GET', '/catalog/models')).body.models.map((m: { modelId: string }) => m.modelId)).not.toContain('whirlpool-wtw5000dw');
    expect((await sys.call('GET', '/catalog/models?includeRetired=true')).status).toBe(403);
    const staff = await sys.call('GET', '/catalog/models?includeRetired=true', { token: admin });
    expect(staff.body.models.find((m: { modelId: string }) => m.modelId === 'whirlpool-wtw5000dw')).toMatchObject({ retired: true });
    expect((await sys.call('GET', '/catalog/models/match?text=wtw5000dw')).body.matches).toEqual([]);
    expect((await sys.call('POST', '/catalog/models/whirlpool-wtw5000dw/reinstate', { token: admin })).body.retired).toBe(false);
  });

  it('knowledge base: a written article is found first; each user rates once', async () => {
    const expert = await sys.token('expert');
    const other = await sys.call('POST', '/kb/articles', {
      token: expert,
      body: { title: 'Dryer does not heat', problem: 'No heat after a cycle', fix: 'Replace the thermal fuse', tags: ['dryer'], category: 'dryer' },
    });
    expect(other.status).toBe(201);
    const written = await sys.call('POST', '/kb/articles', {
      token: expert,
      body: { title: 'Washer drum leaks water', problem: 'Water pools under the washer drum', fix: 'Replace the tub seal', tags: ['Washer', 'leak'], applianceModelId: 'whirlpool-wtw5000dw', category: 'washer' },
    });
    expect(written.status).toBe(201);
    const { articleId } = written.body;

    const customer = await sys.token('customer');
    const found = await sys.call('GET', '/kb/search?q=washer%20leaks', { token: customer });
    expect(found.status).toBe(200);
    expect(found.body.hits[0].article.articleId).toBe(articleId);
    expect(found.body.hits.map((h: { article: { articleId: string } }) => h.article.articleId)).not.toContain(other.body.articleId);
    const filtered = await sys.call('GET', '/kb/search?q=replace&category=dryer', { token: customer });
    expect(filtered.body.hits.map((h: { article: { articleId: string } }) => h.article.articleId)).toEqual([other.body.articleId]);

    expect((await sys.call('POST', `/kb/articles/${articleId}/rating`, { token: customer, body: { helpful: true } })).status).toBe(200);
    expect((await sys.call('POST', `/kb/articles/${articleId}/rating`, { token: customer, body: { helpful: true } })).status).toBe(200);
    expect((await sys.call('POST', `/kb/articles/${articleId}/rating`, { token: await sys.token('manager'), body: { helpful: false } })).status).toBe(200);
    expect((await sys.call('GET', `/kb/articles/${articleId}`, { token: customer })).body).toMatchObject({ helpful: 1, notHelpful: 1 });
    // The author cannot rate their own article; customers cannot write.
    expect((await sys.call('POST', `/kb/articles/${articleId}/rating`, { token: expert, body: { helpful: true } })).status).toBe(422);
    expect((await sys.call('POST', '/kb/articles', { token: customer, body: { title: 't', problem: 'p', fix: 'f', category: 'c' } })).status).toBe(403);

    // Revised by helpdesk, then retired: it leaves search.
    const revised = await sys.call('PUT', `/kb/articles/${articleId}`, {
      token: await sys.token('helpdesk'),
      body: { title: 'Washer drum leaks water', problem: 'Water pools under the washer drum', fix: 'Replace the tub seal and clamp', tags: ['washer', 'leak'] },
    });
    expect(revised.body.revision).toBe(2);
    expect((await sys.call('POST', `/kb/articles/${articleId}/retire`, { token: expert, body: { reason: 'superseded' } })).status).toBe(200);
    expect((await sys.call('GET', '/kb/search?q=washer%20leaks', { token: customer })).body.hits.map((h: { article: { articleId: string } }) => h.article.articleId)).not.toContain(articleId);
  });

  it('admin creates and disables staff accounts; a disabled user cannot log in', async () => {
    const admin = await sys.token('admin');
    const created = await sys.call('POST', '/users', { token: admin, body: { email: 'hana@test.local', role: 'helpdesk', password: 'hana password 123' } });
    expect(created.status).toBe(201);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'hana@test.local', password: 'hana password 123' } })).status).toBe(200);
    expect((await sys.call('POST', '/users', { token: admin, body: { email: 'hana@test.local', role: 'manager', password: 'another password' } })).status).toBe(409);

    const users = await sys.call('GET', '/users?role=helpdesk', { token: admin });
    expect(users.body.users.map((u: { email: string }) => u.email)).toContain('hana@test.local');
    expect(JSON.stringify(users.body)).not.toContain('passwordHash');
    expect((await sys.call('GET', '/users', { token: await sys.token('manager') })).status).toBe(403);

    const hana = (await sys.call('POST', '/auth/login', { body: { email: 'hana@test.local', password: 'hana password 123' } })).body.accessToken;
    expect((await sys.call('GET', '/helpdesk/queue', { token: hana })).status).toBe(200);

    expect((await sys.call('POST', `/users/${created.body.userId}/disable`, { token: admin, body: { reason: 'left the company' } })).status).toBe(200);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'hana@test.local', password: 'hana password 123' } })).status).toBe(403);
    // Her unexpired access token stops working at once.
    const refused = await sys.call('GET', '/helpdesk/queue', { token: hana });
    expect(refused.status).toBe(401);
    expect(refused.body.title).toBe('Account disabled');
    expect((await sys.call('POST', `/users/${created.body.userId}/enable`, { token: admin })).status).toBe(200);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'hana@test.local', password: 'hana password 123' } })).status).toBe(200);

    const role = await sys.call('PUT', `/users/${created.body.userId}/role`, { token: admin, body: { role: 'manager' } });
    expect(role.status).toBe(200);
    // The token issued while she was helpdesk now acts as manager.
    expect((await sys.call('GET', '/auth/me', { token: hana })).body.role).toBe('manager');
    const asManager = await sys.call('PUT', '/customers/zz-none/contact', { token: hana, body: {} });
    expect(asManager.status).toBe(403); // helpdesk may change a caller's contact, a manager may not
    expect(asManager.body.detail).toMatch(/needs one of the roles/);
    expect((await sys.call('PUT', `/users/${created.body.userId}/role`, { token: admin, body: { role: 'expert' } })).status).toBe(400);
  });

  it('users change their own password with the current one', async () => {
    const login = await sys.call('POST', '/auth/login', { body: { email: 'manager@test.local', password: PASSWORD } });
    const token = login.body.accessToken;
    expect((await sys.call('PUT', '/users/me/password', { token, body: { currentPassword: 'wrong wrong', newPassword: 'a brand new password' } })).status).toBe(403);
    expect((await sys.call('PUT', '/users/me/password', { token, body: { currentPassword: PASSWORD, newPassword: 'a brand new password' } })).status).toBe(204);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'manager@test.local', password: PASSWORD } })).status).toBe(401);
    expect((await sys.call('POST', '/auth/login', { body: { email: 'manager@test.local', password: 'a brand new password' } })).status).toBe(200);
  });

  it('invalid bodies, queries and params are 400 and write nothing', async () => {
    const admin = await sys.token('admin');
    const customer = await sys.token('customer');
    const id = sys.accounts.customer.customerId!;
    const head = await sys.services.events.headPosition();
    const bad: Array<[string, string, string, unknown]> = [
      ['POST', '/experts', admin, { name: 'X', email: 'not-an-email', password: 'short' }],
      ['POST', '/experts', admin, { name: 'X', email: 'x@y.zz', phone: '+15550100', homeLocation: { lat: 1, lon: 1 }, serviceArea: { kind: 'radius', radiusKm: 5 }, skills: ['a'], availability: { ...WEEK, timeZone: 'Mars/Base' }, feePerVisitCents: 10, password: 'long enough pass' }],
      ['POST', `/customers/${id}/plans`, customer, { product: 'washer', tier: 'gold' }],
      ['PUT', `/customers/${id}/payment-method`, customer, { gatewayToken: 'tok', last4: '42', brand: 'visa', expiry: '2029-08' }],
      ['PUT', `/customers/${id}/contact`, customer, { name: '' }],
      ['PUT', `/customers/${id}/notification-preference`, customer, { notifyBy: 'pigeon' }],
      ['POST', '/catalog/models', admin, { brand: '--', model: 'M', category: 'c', requiredSkills: [] }],
      ['PATCH', '/catalog/models/whirlpool-wtw5000dw', admin, {}],
      ['POST', '/kb/articles', admin, { title: 'T', problem: 'P', fix: 'F' }],
      ['POST', '/users', admin, { email: 'z@test.local', role: 'customer', password: 'long enough pass' }],
      ['POST', '/users/user-helpdesk/disable', admin, {}],
      ['POST', '/kb/articles/x/rating', customer, { helpful: 'yes' }],
    ];
    for (const [method, path, token, body] of bad) {
      const r = await sys.call(method, path, { token, body });
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
    }
    expect((await sys.call('GET', '/kb/search', { token: customer })).status).toBe(400);
    expect((await sys.call('GET', '/catalog/models/match')).status).toBe(400);
    expect((await sys.call('GET', '/customers/bad%20id', { token: customer })).status).toBe(400);
    expect(await sys.services.events.headPosition()).toBe(head);
  });
  it('the customers, invoices, catalog and articles read models rebuild to exactly what was built live', async () => {
    await sys.settle();
    const registry = new ProjectionRegistry(sys.services.documents);
    for (const projection of [customersProjection, invoicesProjection, applianceCatalogProjection, articlesProjection]) {
      const active = await registry.active(projection.name);
      const live = { name: projection.name, version: projection.version, suffix: active?.suffix ?? `v${projection.version}` };
      const rebuilt = (await rebuild(sys.services.events, sys.services.documents, projection, 'verify')).target;
      expect({ projection: projection.name, differences: await compareTargets(sys.services.documents, projection, live, rebuilt) }).toEqual({ projection: projection.name, differences: [] });
    }
  });
});
