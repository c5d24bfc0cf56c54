/**
 * The financial report over HTTP: plans bought and cancelled move MRR and the subscriptions, invoices
 * issued and charged through the billing routes give revenue, cash, failed charges, dunning recovery,
 * write-offs and receivables aged — and the same figures as of a past moment. Managers and admins
 * read it; anyone else is refused; bad ranges are 400 with the field's words.
 */
import { financeSnapshots } from '../routes/finance';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem } from './scenario';

jest.setTimeout(60_000);

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('financial report over HTTP', () => {
  let sys: TestSystem;
  let admin: string;
  let manager: string;
  let customer: string;
  let customerId: string;
  /** Plan ids bought, by product. */
  const plans: Record<string, string> = {};

  async function buy(product: string, tier: string, at: string): Promise<void> {
    sys.clock.set(at);
    const r = await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product, tier } });
    expect(r.status).toBe(201);
    plans[product] = r.body.planId;
  }

  async function issue(period: string, at: string, dueAt: string): Promise<void> {
    sys.clock.set(at);
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period, dueAt } })).status).toBe(201);
  }

  async function outcome(period: string, at: string, body: Record<string, unknown>): Promise<void> {
    sys.clock.set(at);
    expect((await sys.call('POST', `/customers/${customerId}/invoices/${period}/charge-outcome`, { token: admin, body: { outcome: body } })).status).toBe(200);
  }

  const report = async (query: string, token = manager) => {
    const r = await sys.call('GET', `/reports/finance?${query}`, { token });
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    sys = await startTestSystem({ start: '2026-01-10T09:00:00.000Z' });
    admin = await sys.token('admin');
    manager = await sys.token('manager');
    customer = await sys.token('customer');
    customerId = sys.accounts.customer.customerId!;
  });
  afterAll(() => sys.stop());

  it('reports a quarter of billing: revenue, cash, failed charges and their recovery, MRR and its movement, subscriptions, receivables aged', async () => {
    // January: a washer plan (new MRR); the January invoice is paid at once.
    await buy('washer', 'standard', '2026-01-10T09:00:00.000Z');
    await issue('2026-01', '2026-01-10T10:00:00.000Z', '2026-01-15T00:00:00.000Z');
    await outcome('2026-01', '2026-01-10T10:01:00.000Z', { kind: 'chargeSucceeded', gatewayReference: 'ch_jan', amountCents: 1999 });
    // February: an oven plan too (expansion); the February invoice fails, is retried and paid in March.
    await buy('oven', 'basic', '2026-02-01T09:00:00.000Z');
    await issue('2026-02', '2026-02-10T10:00:00.000Z', '2026-02-15T00:00:00.000Z');
    await outcome('2026-02', '2026-02-10T10:01:00.000Z', { kind: 'chargeFailed', reason: 'insufficient funds', gatewayCode: 'insufficient_funds' });
    sys.clock.set('2026-03-01T08:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-02/retry`, { token: admin })).status).toBe(200);
    await outcome('2026-02', '2026-03-01T08:01:00.000Z', { kind: 'chargeSucceeded', gatewayReference: 'ch_feb', amountCents: 2998 });
    // March: the washer plan ends (contraction); the March invoice fails and stays unpaid, the April one too.
    sys.clock.set('2026-03-05T09:00:00.000Z');
    expect((await sys.call('DELETE', `/customers/${customerId}/plans/${plans.washer}`, { token: customer })).status).toBeLessThan(300);
    await issue('2026-03', '2026-03-10T10:00:00.000Z', '2026-03-15T00:00:00.000Z');
    await outcome('2026-03', '2026-03-10T10:01:00.000Z', { kind: 'chargeFailed', reason: 'card declined', gatewayCode: 'card_declined' });
    await issue('2026-04', '2026-04-10T10:00:00.000Z', '2026-04-15T00:00:00.000Z');
    sys.clock.set('2026-05-20T12:00:00.000Z');
    await sys.settle();

    const body = await report('from=2026-01&to=2026-04');
    expect(body).toMatchObject({ from: '2026-01', to: '2026-04', asOf: '2026-05-20T12:00:00.000Z', snapshot: null });
    expect(body.months.map((m: any) => [m.month, m.revenueCents, m.cashCents, m.failedCharges, m.mrr.startCents, m.mrr.endCents])).toEqual([
      ['2026-01', 1999, 1999, 0, 0, 1999],
      ['2026-02', 2998, 0, 1, 1999, 2998],
      ['2026-03', 999, 2998, 1, 2998, 999],
      ['2026-04', 999, 0, 0, 999, 999],
    ]);
    expect(body.months[0].mrr).toMatchObject({ newCents: 1999 });
    expect(body.months[1].mrr).toMatchObject({ expansionCents: 999 });
    expect(body.months[2].mrr).toMatchObject({ contractionCents: 1999 });
    expect(body.months[1].dunning).toEqual({ failed: 1, recovered: 1, writtenOff: 0, inDunning: 0, recoveryRate: 1 });
    expect(body.months[3].subscriptions).toEqual({ basic: 1, standard: 0, premium: 0, total: 1 });
    expect(body.totals).toMatchObject({ invoices: 4, revenueCents: 1999 + 2998 + 999 + 999, cashCents: 1999 + 2998, payments: 2, failedCharges: 2, chargeRetries: 1 });
    expect(body.totals.dunning).toEqual({ failed: 2, recovered: 1, writtenOff: 0, inDunning: 1, recoveryRate: 0.5 });
    expect(body.mrr).toEqual({ startCents: 0, endCents: 999, newCents: 1999, expansionCents: 999, contractionCents: 1999, churnCents: 0 });
    expect(body.subscriptions).toEqual([{ tier: 'basic', product: 'oven', active: 1, mrrCents: 999 }]);
    // On 20 May: March's invoice is 66 days past due, April's 35.
    expect(body.aging).toEqual({
      at: '2026-05-20T12:00:00.000Z',
      outstandingCents: 1998,
      overdueCents: 1998,
      invoices: 2,
      buckets: [
        { bucket: 'current', invoices: 0, amountCents: 0 },
        { bucket: '1-30', invoices: 0, amountCents: 0 },
        { bucket: '31-60', invoices: 1, amountCents: 999 },
        { bucket: '61-90', invoices: 1, amountCents: 999 },
        { bucket: '90+', invoices: 0, amountCents: 0 },
      ],
    });

    // The figures agree with the billing history to the cent.
    const history = await sys.call('GET', `/customers/${customerId}/invoices`, { token: customer });
    expect(history.status).toBe(200);
    const invoices: { totalCents: number }[] = history.body.invoices;
    expect(invoices.reduce((s, i) => s + i.totalCents, 0)).toBe(body.totals.revenueCents);
    expect(history.body.summary).toMatchObject({ paidCents: body.totals.cashCents, openCents: body.aging.outstandingCents });

    // Without a range: the year up to this month; an admin reads it too.
    const year = await report('', admin);
    expect([year.from, year.to, year.months.length]).toEqual(['2025-06', '2026-05', 12]);
    expect(year.totals.revenueCents).toBe(body.totals.revenueCents);
  });

  it('refuses other roles, and bad ranges with the field at fault', async () => {
    for (const role of ['customer', 'expert', 'helpdesk'] as const) expectProblem(await sys.call('GET', '/reports/finance', { token: await sys.token(role) }), 403);
    expect((await sys.call('GET', '/reports/finance')).status).toBe(401);
    const reversed = await sys.call('GET', '/reports/finance?from=2026-05&to=2026-01', { token: manager });
    expectProblem(reversed, 400);
    expect(reversed.body.errors).toEqual([{ field: 'from', message: "'from' must not be after 'to'" }]);
    expectProblem(await sys.call('GET', '/reports/finance?from=2020-01&to=2026-01', { token: manager }), 400);
    expectProblem(await sys.call('GET', '/reports/finance?from=2026-13', { token: manager }), 400);
    expectProblem(await sys.call('GET', '/reports/finance?to=2026-03-01', { token: manager }), 400);
    expectProblem(await sys.call('GET', '/reports/finance?asOf=yesterday', { token: manager }), 400);
    const future = await sys.call('GET', `/reports/finance?asOf=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { token: manager });
    expectProblem(future, 400);
    expect(future.body.errors).toEqual([{ field: 'asOf', message: 'must be a past moment' }]);
  });

  it('answers as of a past moment what the report showed then, from a cached snapshot', async () => {
    const range = 'from=2026-01&to=2026-06';
    const then = await report(range);
    await pause();
    const moment = new Date().toISOString();
    await pause();

    // Afterwards: the March invoice is written off, the April one paid, a premium plan bought.
    sys.clock.set('2026-06-02T09:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-03/write-off`, { token: manager, body: { reason: 'customer moved away' } })).status).toBe(200);
    await outcome('2026-04', '2026-06-02T09:05:00.000Z', { kind: 'chargeSucceeded', gatewayReference: 'ch_apr', amountCents: 999 });
    await buy('fridge', 'premium', '2026-06-03T09:00:00.000Z');
    await sys.settle();
    const now = await report(range);
    expect(now.months[5]).toMatchObject({ month: '2026-06', writeOffsCents: 999, cashCents: 999, mrr: { newCents: 0, expansionCents: 3999, endCents: 999 + 3999 } });
    expect(now.totals.dunning).toEqual({ failed: 2, recovered: 1, writtenOff: 1, inDunning: 0, recoveryRate: 0.5 });
    expect(now.aging).toMatchObject({ outstandingCents: 0, invoices: 0 });

    const asOf = `asOf=${encodeURIComponent(moment)}`;
    const past = await sys.call('GET', `/reports/finance?${range}&${asOf}`, { token: manager });
    expect(past.status).toBe(200);
    expect(past.body.snapshot).toEqual({ at: moment, position: expect.any(Number) });
    expect(past.body.asOf).toBe(moment);
    const { asOf: _a, snapshot: _s, aging: agingPast, ...figures } = past.body;
    const { asOf: _b, snapshot: _t, aging: _g, ...figuresThen } = then;
    expect(figures).toEqual(figuresThen);
    // The receivables as they stood then, aged at that moment.
    expect(agingPast).toMatchObject({ at: moment, outstandingCents: 1998, invoices: 2 });

    // The same moment again is the same snapshot; before anything happened, everything is zero.
    expect((await sys.call('GET', `/reports/finance?${range}&${asOf}`, { token: manager })).body.snapshot).toEqual(past.body.snapshot);
    expect(financeSnapshots(sys.services).kept()).toEqual([past.body.snapshot.position]);
    const empty = await report(`${range}&asOf=2020-01-01T00:00:00Z`);
    expect(empty).toMatchObject({ snapshot: { position: 0 }, totals: { revenueCents: 0, cashCents: 0 }, mrr: { endCents: 0 }, aging: { outstandingCents: 0 } });
    expect(financeSnapshots(sys.services).kept()).toEqual([past.body.snapshot.position, 0]);
    expectProblem(await sys.call('GET', `/reports/finance?${asOf}`, { token: customer }), 403);
  });
});
