/**
 * Refunds and credit notes over HTTP, with the payments saga running on the sandbox gateway: a
 * customer with a good card buys a plan, the billing run bills and charges it; the admin refunds
 * part of the invoice (the saga makes it through the gateway) and issues credit notes; bad input
 * is a 400 naming the field, a rule refused a 409 or 422, other roles 403.
 */
import { startTestSystem, TestSystem } from './harness';
import { expectProblem } from './scenario';

describe('refunds and credit notes over HTTP', () => {
  let sys: TestSystem;
  let admin: string;
  let customer: string;
  let customerId: string;
  let period: string;
  beforeAll(async () => {
    sys = await startTestSystem({ payments: true });
    admin = await sys.token('admin');
    customer = await sys.token('customer');
    customerId = sys.accounts.customer.customerId!;
    const card = await sys.call('POST', '/payments/sandbox/cards', { token: customer, body: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 } });
    expect((await sys.call('PUT', `/customers/${customerId}/payment-method`, { token: customer, body: card.body })).status).toBe(200);
    expect((await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } })).status).toBe(201);
    await sys.settle();
    const history = await sys.call('GET', `/customers/${customerId}/invoices`, { token: admin });
    expect(history.body.invoices).toEqual([expect.objectContaining({ status: 'paid', totalCents: 1999, amountDueCents: 0, refundedCents: 0, credits: [], refunds: [] })]);
    period = history.body.invoices[0].period;
  });
  afterAll(() => sys.stop());

  const refunds = () => `/customers/${customerId}/invoices/${period}/refunds`;
  const creditNotes = () => `/customers/${customerId}/invoices/${period}/credit-notes`;
  const invoice = async () => (await sys.call('GET', `/customers/${customerId}/invoices/${period}`, { token: customer })).body;

  it('an admin refunds part of a paid invoice: asked at once, refunded by the gateway, the customer sees it and is told', async () => {
    const asked = await sys.call('POST', refunds(), { token: admin, body: { amountCents: 500, reason: 'visit cancelled' }, headers: { 'idempotency-key': 'refund-visit-1' } });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ status: 'paid', paidCents: 1999, refundId: expect.stringMatching(/^refund-/), refunds: [{ amountCents: 500, reason: 'visit cancelled', status: 'requested', gatewayReference: null }] });
    // The same request again (its Idempotency-Key): the first answer, no second refund.
    const again = await sys.call('POST', refunds(), { token: admin, body: { amountCents: 500, reason: 'visit cancelled' }, headers: { 'idempotency-key': 'refund-visit-1' } });
    expect(again.body.refundId).toBe(asked.body.refundId);
    await sys.settle();
    expect(await invoice()).toMatchObject({
      refundedCents: 500,
      refunds: [{ refundId: asked.body.refundId, amountCents: 500, reason: 'visit cancelled', status: 'refunded', gatewayReference: expect.stringMatching(/^re_sandbox_/), failureReason: null }],
    });
    const told = await sys.services.documents.collection('notifications').find({ template: 'refund-issued' });
    expect(told).toEqual([expect.objectContaining({ template: 'refund-issued' })]);
  });

  it('never refunds more than was paid (422), and a refund id reused for another amount is a conflict (409)', async () => {
    expectProblem(await sys.call('POST', refunds(), { token: admin, body: { amountCents: 1500, reason: 'too much' } }), 422, 'refund-exceeds-payment');
    expect((await sys.call('POST', refunds(), { token: admin, body: { amountCents: 100, reason: 'goodwill', refundId: 'rf-named-1' } })).status).toBe(201);
    expectProblem(await sys.call('POST', refunds(), { token: admin, body: { amountCents: 200, reason: 'goodwill', refundId: 'rf-named-1' } }), 409, 'refund-id-taken');
  });

  it('a credit note on the paid invoice becomes customer credit; together with refunds it never exceeds the total', async () => {
    const credited = await sys.call('POST', creditNotes(), { token: admin, body: { amountCents: 1000, reason: 'technician late' } });
    expect(credited.status).toBe(201);
    expect(credited.body).toMatchObject({ creditNoteId: expect.stringMatching(/^credit-/), credits: [{ amountCents: 1000, reason: 'technician late', toCustomer: true }], amountDueCents: 0 });
    // 1999 less 600 refunded less 1000 credited leaves 399.
    expectProblem(await sys.call('POST', creditNotes(), { token: admin, body: { amountCents: 400, reason: 'more' } }), 422, 'exceeds-invoice-total');
    await sys.settle();
    expect(await invoice()).toMatchObject({ credits: [{ creditNoteId: credited.body.creditNoteId, amountCents: 1000, reason: 'technician late', by: expect.any(String), at: expect.any(String) }], amountDueCents: 0 });
  });

  it('bad amounts and reasons are 400s naming the field; a month not billed is 404', async () => {
    for (const body of [{ amountCents: 0, reason: 'x' }, { amountCents: 12.5, reason: 'x' }, { amountCents: -100, reason: 'x' }, { amountCents: 100, reason: ' ' }, { amountCents: '100', reason: 'x' }, { reason: 'x' }]) {
      const refused = await sys.call('POST', refunds(), { token: admin, body });
      expectProblem(refused, 400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([expect.stringMatching(/^(amountCents|reason)$/)]);
    }
    const fractional = await sys.call('POST', creditNotes(), { token: admin, body: { amountCents: 0.5, reason: 'x' } });
    expect(fractional.body.errors).toEqual([expect.objectContaining({ message: 'a whole number of cents' })]);
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2020-01/refunds`, { token: admin, body: { amountCents: 100, reason: 'x' } }), 404, 'invoice-not-found');
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2020-13/credit-notes`, { token: admin, body: { amountCents: 100, reason: 'x' } }), 400);
  });

  it('is for admins: helpdesk, managers and the customer are refused', async () => {
    for (const role of ['helpdesk', 'manager', 'customer'] as const) {
      const token = await sys.token(role);
      expectProblem(await sys.call('POST', refunds(), { token, body: { amountCents: 100, reason: 'x' } }), 403);
      expectProblem(await sys.call('POST', creditNotes(), { token, body: { amountCents: 100, reason: 'x' } }), 403);
    }
  });
});
