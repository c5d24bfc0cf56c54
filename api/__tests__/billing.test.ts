/**
 * Billing over HTTP: admin issues a month's invoice from the customer's active plans, records the
 * gateway's answers, helpdesk retries and writes off; a paid invoice extends the customer's
 * paid-until (the matching saga relays InvoicePaid), which opens their tickets at once.
 */
import { startTestSystem, TestSystem } from './harness';
import { expectProblem, ticketBody } from './scenario';

describe('billing over HTTP', () => {
  let sys: TestSystem;
  let admin: string;
  let helpdesk: string;
  let customer: string;
  let customerId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    admin = await sys.token('admin');
    helpdesk = await sys.token('helpdesk');
    customer = await sys.token('customer');
    customerId = sys.accounts.customer.customerId!;
  });
  afterAll(() => sys.stop());

  it('issues from active plans, fails, retries, gets paid; the customer is then paid up', async () => {
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-03' } }), 422);
    const plan = await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } });
    expect(plan.status).toBe(201);

    const issued = await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-03' }, headers: { 'idempotency-key': 'issue-2026-03' } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ invoiceId: `${customerId}:2026-03`, status: 'open', charge: 'pending', totalCents: 1999, lines: [expect.objectContaining({ product: 'washer', tier: 'standard' })] });
    expect(issued.headers.get('location')).toBe(`/customers/${customerId}/invoices/2026-03`);
    // Issued twice (another request): nothing new.
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-03' } })).status).toBe(201);

    // A customer cannot issue, record payments or write off.
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-03/charge-outcome`, { token: customer, body: { outcome: { kind: 'chargeFailed', reason: 'x' } } })).status).toBe(403);

    const failed = await sys.call('POST', `/customers/${customerId}/invoices/2026-03/charge-outcome`, { token: admin, body: { outcome: { kind: 'chargeFailed', reason: 'card declined', gatewayCode: 'card_declined' } } });
    expect(failed.body).toMatchObject({ status: 'open', charge: 'failed', failedAttempts: 1 });
    // No attempt pending: recording another outcome is a domain error.
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-03/charge-outcome`, { token: admin, body: { outcome: { kind: 'chargeFailed', reason: 'again' } } }), 422, 'no-charge-pending');
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-03/retry`, { token: helpdesk })).body).toMatchObject({ charge: 'pending', attempts: 2 });
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-03/charge-outcome`, { token: admin, body: { outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 1 } } }), 422, 'amount-mismatch');
    const paid = await sys.call('POST', `/customers/${customerId}/invoices/2026-03/charge-outcome`, { token: admin, body: { outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 1999 } } });
    expect(paid.body).toMatchObject({ status: 'paid', charge: 'succeeded', paidUntil: '2026-04-01T00:00:00.000Z' });
    await sys.settle();

    const mine = await sys.call('GET', `/customers/${customerId}/invoices/2026-03`, { token: customer });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ status: 'paid', charge: 'succeeded', attempts: 2, failures: [expect.objectContaining({ gatewayCode: 'card_declined' })] });
    expect((await sys.call('GET', `/customers/cust-other/invoices/2026-03`, { token: customer })).status).toBe(404);
    expect((await sys.call('GET', `/customers/${customerId}/invoices/2026-04`, { token: customer })).status).toBe(404);
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-03/write-off`, { token: helpdesk, body: { reason: 'goodwill' } }), 422, 'invoice-already-paid');

    // Paid up: the customer's ticket opens without a hold.
    const ticket = await sys.call('POST', '/tickets', { token: customer, body: ticketBody() });
    expect(ticket.body).toMatchObject({ status: 'open', paymentStatus: 'paid' });
  });

  it('helpdesk or a manager writes off an unpaid invoice with a reason; bad periods are 400', async () => {
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-04', dueAt: '2026-04-10T00:00:00Z' } })).status).toBe(201);
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-04/write-off`, { token: admin, body: { reason: 'x' } })).status).toBe(403);
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-04/write-off`, { token: helpdesk, body: {} }), 400);
    const off = await sys.call('POST', `/customers/${customerId}/invoices/2026-04/write-off`, { token: await sys.token('manager'), body: { reason: 'customer moved away' } });
    expect(off.body).toMatchObject({ status: 'written-off', charge: 'cancelled', dueAt: '2026-04-10T00:00:00.000Z' });
    await sys.settle();
    // The attempt under way when it was written off is cancelled, in the read model too.
    expect((await sys.call('GET', `/customers/${customerId}/invoices/2026-04`, { token: customer })).body).toMatchObject({ status: 'written-off', charge: 'cancelled' });
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-13/retry`, { token: helpdesk }), 400);
    expectProblem(await sys.call('POST', `/customers/${customerId}/invoices/2026-05/retry`, { token: helpdesk }), 404, 'invoice-not-found');
    expectProblem(await sys.call('POST', '/customers/cust-nobody/invoices', { token: admin, body: { period: '2026-04' } }), 404);
  });

  it('admin updates an expert profile; the expert read model and the next messages use it', async () => {
    const expertId = sys.accounts.expert.expertId!;
    const r = await sys.call('PUT', `/experts/${expertId}/profile`, { token: admin, body: { name: 'Sam Ortiz-Reyes', email: 'sam.work@example.com', phone: '+1 555 0142', locale: 'es-US', feePerVisitCents: 6500 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ expertId, name: 'Sam Ortiz-Reyes', contact: { email: 'sam.work@example.com', phone: '+1 555 0142' }, locale: 'es-US', feePerVisitCents: 6500 });
    expect(r.headers.get('etag')).toMatch(/^"\d+"$/);
    const doc = await sys.call('GET', `/experts/${expertId}`, { token: await sys.token('expert') });
    expect(doc.body).toMatchObject({ name: 'Sam Ortiz-Reyes', locale: 'es-US' });
    // The expert cannot change their own fee; a stale ETag is 412.
    expect((await sys.call('PUT', `/experts/${expertId}/profile`, { token: await sys.token('expert'), body: { name: 'x', email: 'a@b.co', phone: '+1 555 0100', locale: 'en-US', feePerVisitCents: 1 } })).status).toBe(403);
    expectProblem(await sys.call('PUT', `/experts/${expertId}/profile`, { token: admin, headers: { 'if-match': '"0"' }, body: { name: 'Sam', email: 'a@b.co', phone: '+1 555 0100', locale: 'en-US', feePerVisitCents: 6500 } }), 412);
    expectProblem(await sys.call('PUT', `/experts/${expertId}/profile`, { token: admin, body: { name: '', email: 'nope', phone: 'x', locale: 'english', feePerVisitCents: -1 } }), 400);
    // The login e-mail did not change.
    expect((await sys.call('POST', '/auth/login', { body: { email: sys.accounts.expert.email, password: 'correct horse battery staple' } })).status).toBe(200);
  });
});
