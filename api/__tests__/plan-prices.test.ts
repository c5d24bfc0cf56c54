import { startTestSystem, TestSystem } from './harness';

describe('plan prices over HTTP', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  const premium = async (token?: string) =>
    ((await sys.call('GET', '/catalog/support-plans', token ? { token } : {})).body.tiers as { tier: string }[]).find((t) => t.tier === 'premium');

  it('an admin changes a price: the next purchase pays it, an earlier plan keeps its own', async () => {
    const admin = await sys.token('admin');
    const customer = await sys.token('customer');
    const customerId = sys.accounts.customer.customerId!;
    expect(await premium()).toEqual({ tier: 'premium', monthlyPriceCents: 3999, currency: 'USD' });
    const before = await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'premium' } });
    expect(before.body.monthlyPriceCents).toBe(3999);

    const set = await sys.call('PUT', '/catalog/support-plans/premium', { token: admin, body: { monthlyPriceCents: 4499 }, headers: { 'Idempotency-Key': 'price-change-1' } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ tier: 'premium', monthlyPriceCents: 4499, previousCents: 3999, effectiveFrom: sys.clock.now.toISOString(), currency: 'USD' });
    // Read your write: the list answers the new price at once, and staff see who set it.
    expect(await premium()).toEqual({ tier: 'premium', monthlyPriceCents: 4499, currency: 'USD' });
    expect(await premium(admin)).toEqual({ tier: 'premium', monthlyPriceCents: 4499, currency: 'USD', updatedAt: sys.clock.now.toISOString(), updatedBy: sys.accounts.admin.userId, updatedByEmail: sys.accounts.admin.email, nextPrice: null });

    sys.clock.advanceMinutes(5);
    const after = await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'dryer', tier: 'premium' } });
    expect(after.body.monthlyPriceCents).toBe(4499);
    const plans = (await sys.call('GET', '/customers/me', { token: customer })).body.plans as { planId: string; monthlyPriceCents: number }[];
    expect(plans.find((p) => p.planId === before.body.planId)?.monthlyPriceCents).toBe(3999);
    expect(plans.find((p) => p.planId === after.body.planId)?.monthlyPriceCents).toBe(4499);

    // The same key again: the first answer, nothing new; the same price again: nothing recorded.
    const retried = await sys.call('PUT', '/catalog/support-plans/premium', { token: admin, body: { monthlyPriceCents: 4499 }, headers: { 'Idempotency-Key': 'price-change-1' } });
    expect(retried.body).toEqual(set.body);
    const same = await sys.call('PUT', '/catalog/support-plans/premium', { token: admin, body: { monthlyPriceCents: 4499 } });
    expect(same.body).toMatchObject({ monthlyPriceCents: 4499, previousCents: 4499 });
    expect(await sys.services.events.readStream('pricelist-support-plans')).toHaveLength(1);
  });

  it('a price set for later applies to purchases from then on', async () => {
    const admin = await sys.token('admin');
    const customerId = sys.accounts.customer.customerId!;
    const from = new Date(sys.clock.now.getTime() + 24 * 3600_000).toISOString();
    const set = await sys.call('PUT', '/catalog/support-plans/basic', { token: admin, body: { monthlyPriceCents: 1249, effectiveFrom: from } });
    expect(set.body).toEqual({ tier: 'basic', monthlyPriceCents: 1249, previousCents: 999, effectiveFrom: from, currency: 'USD' });
    const basic = (await sys.call('GET', '/catalog/support-plans', { token: admin })).body.tiers[0];
    expect(basic).toMatchObject({ tier: 'basic', monthlyPriceCents: 999, nextPrice: { monthlyPriceCents: 1249, effectiveFrom: from } });
    const buy = (product: string) => sys.call('POST', `/customers/${customerId}/plans`, { token: admin, body: { product, tier: 'basic' } });
    expect((await buy('oven')).body.monthlyPriceCents).toBe(999);
    sys.clock.set(from);
    expect((await buy('range-hood')).body.monthlyPriceCents).toBe(1249);
  });

  it('only an admin sets prices', async () => {
    for (const role of ['helpdesk', 'manager', 'customer', 'expert'] as const) {
      const refused = await sys.call('PUT', '/catalog/support-plans/standard', { token: await sys.token(role), body: { monthlyPriceCents: 2499 } });
      expect(refused.status).toBe(403);
    }
    expect((await sys.call('PUT', '/catalog/support-plans/standard', { body: { monthlyPriceCents: 2499 } })).status).toBe(401);
    expect((await sys.call('GET', '/catalog/support-plans')).body.tiers[1].monthlyPriceCents).toBe(1999);
  });

  it('bad input is a 400 naming the field; a price in the past is refused by the rule', async () => {
    const admin = await sys.token('admin');
    const put = (tier: string, body: unknown) => sys.call('PUT', `/catalog/support-plans/${tier}`, { token: admin, body });
    for (const monthlyPriceCents of [0, -5, 19.99, '1999', null]) {
      const bad = await put('standard', { monthlyPriceCents });
      expect([bad.status, bad.headers.get('content-type')]).toEqual([400, expect.stringContaining('application/problem+json')]);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'monthlyPriceCents' })]);
    }
    expect((await put('standard', { monthlyPriceCents: 19.99 })).body.errors[0].message).toBe('give the price as a whole number of cents');
    expect((await put('gold', { monthlyPriceCents: 2499 })).body.errors).toEqual([expect.objectContaining({ field: 'tier' })]);
    const past = await put('standard', { monthlyPriceCents: 2499, effectiveFrom: '2020-01-01T00:00:00Z' });
    expect([past.status, past.body.code]).toEqual([422, 'effective-from-in-past']);
  });
});
