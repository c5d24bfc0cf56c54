/**
 * Invoices and statements over HTTP: a customer's months of billing (paid, declined and retried,
 * written off) as monthly statements in JSON and PDF and each invoice as PDF, consistent with the
 * invoices read model to the cent; who may read them; and the helpdesk's view of dunning.
 */
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { pdfFlatText, pdfText } from '../../testing/pdf-text';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem } from './scenario';

describe('invoices and statements over HTTP', () => {
  let sys: TestSystem;
  let admin: string;
  let helpdesk: string;
  let customer: string;
  let customerId: string;

  /** The raw answer: bytes, not text. */
  async function download(path: string, token: string) {
    const response = await fetch(`${sys.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async function charge(period: string, outcome: object) {
    const r = await sys.call('POST', `/customers/${customerId}/invoices/${period}/charge-outcome`, { token: admin, body: { outcome } });
    expect(r.status).toBe(200);
  }

  beforeAll(async () => {
    sys = await startTestSystem({ start: '2026-03-02T08:00:00.000Z' });
    admin = await sys.token('admin');
    helpdesk = await sys.token('helpdesk');
    customer = await sys.token('customer');
    customerId = sys.accounts.customer.customerId!;
    expect((await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } })).status).toBe(201);

    // March: issued and paid at once.
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-03' } })).status).toBe(201);
    await charge('2026-03', { kind: 'chargeSucceeded', gatewayReference: 'ch_march', amountCents: 1999 });
    // April: declined twice.
    sys.clock.set('2026-04-01T06:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-04' } })).status).toBe(201);
    await charge('2026-04', { kind: 'chargeFailed', reason: 'Your card was declined.', gatewayCode: 'card_declined' });
    sys.clock.set('2026-04-02T06:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-04/retry`, { token: helpdesk })).status).toBe(200);
    await charge('2026-04', { kind: 'chargeFailed', reason: 'Insufficient funds.', gatewayCode: 'insufficient_funds' });
    await sys.settle();
  });
  afterAll(() => sys.stop());

  it('helpdesk sees the customer in dunning: attempts, last decline, next retry on the schedule; not past due yet', async () => {
    const r = await sys.call('GET', '/billing/dunning', { token: helpdesk });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      total: 1,
      items: [
        {
          invoiceId: `${customerId}:2026-04`,
          period: '2026-04',
          customer: { customerId, name: 'Casey Customer', email: 'customer@test.local', phone: '+15550100001' },
          amountDueCents: 1999,
          currency: 'USD',
          dueAt: '2026-04-05T00:00:00.000Z',
          attempts: 2,
          maxAttempts: 4,
          lastFailure: { attempt: 2, reason: 'Insufficient funds.', gatewayCode: 'insufficient_funds', failedAt: '2026-04-02T06:00:00.000Z' },
          // DUNNING_RETRY_DAYS 1,3,7: three days after the second attempt.
          nextRetryAt: '2026-04-05T06:00:00.000Z',
          pastDue: false,
        },
      ],
    });
    expect((await sys.call('GET', '/billing/dunning?pastDue=true', { token: await sys.token('manager') })).body).toEqual({ items: [], total: 0 });
    expect((await sys.call('GET', '/billing/dunning', { token: customer })).status).toBe(403);
    expect((await sys.call('GET', '/billing/dunning', { token: await sys.token('expert') })).status).toBe(403);
    expectProblem(await sys.call('GET', '/billing/dunning?limit=0', { token: helpdesk }), 400);
  });

  it('after the last attempt the account is past due; paid or written off, it leaves dunning', async () => {
    for (const day of ['2026-04-05T06:00:00.000Z', '2026-04-12T06:00:00.000Z']) {
      sys.clock.set(day);
      expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-04/retry`, { token: helpdesk })).status).toBe(200);
      await charge('2026-04', { kind: 'chargeFailed', reason: 'Your card was declined.', gatewayCode: 'card_declined' });
    }
    await sys.settle();
    const pastDue = await sys.call('GET', '/billing/dunning?pastDue=true', { token: helpdesk });
    expect(pastDue.body).toMatchObject({ total: 1, items: [{ period: '2026-04', attempts: 4, nextRetryAt: null, pastDue: true }] });
    expect((await sys.call('GET', '/billing/dunning?pastDue=false', { token: helpdesk })).body.total).toBe(0);

    sys.clock.set('2026-05-01T06:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period: '2026-05' } })).status).toBe(201);
    sys.clock.set('2026-05-03T10:00:00.000Z');
    expect((await sys.call('POST', `/customers/${customerId}/invoices/2026-04/write-off`, { token: helpdesk, body: { reason: 'card cancelled, customer unreachable' } })).status).toBe(200);
    await sys.settle();
    expect((await sys.call('GET', '/billing/dunning', { token: helpdesk })).body).toEqual({ items: [], total: 0 });
  });

  it('monthly statements chain, in date order, and their totals equal the invoices to the cent', async () => {
    const months = await sys.call('GET', `/customers/${customerId}/statements`, { token: customer });
    expect(months.body).toEqual({ customerId, months: ['2026-05', '2026-04', '2026-03'], balanceCents: 1999 });

    const statements: any[] = [];
    for (const month of ['2026-03', '2026-04', '2026-05']) {
      const r = await sys.call('GET', `/customers/${customerId}/statements/${month}`, { token: customer });
      expect(r.status).toBe(200);
      statements.push(r.body);
    }
    const [march, april, may] = statements;
    expect(march).toMatchObject({ month: '2026-03', openingBalanceCents: 0, closingBalanceCents: 0, tax: null, customer: { name: 'Casey Customer' }, company: { name: 'Penultimate Electronics' } });
    expect(march.entries.map((e: any) => [e.kind, e.amountCents, e.balanceCents, e.reference])).toEqual([
      ['invoice', 1999, 1999, `${customerId}:2026-03`],
      ['payment', -1999, 0, 'ch_march'],
    ]);
    expect(april).toMatchObject({ openingBalanceCents: 0, totals: { invoicedCents: 1999, paidCents: 0 }, closingBalanceCents: 1999, date: '2026-04-30T23:59:59.999Z' });
    expect(may).toMatchObject({ openingBalanceCents: 1999, totals: { invoicedCents: 1999, writtenOffCents: 1999 }, closingBalanceCents: 1999, date: '2026-05-03T10:00:00.000Z' });
    expect(may.entries.map((e: any) => e.kind)).toEqual(['invoice', 'write-off']);

    // The invoices read model's own figures.
    const invoices = (await sys.call('GET', `/customers/${customerId}/invoices`, { token: customer })).body;
    const sum = (key: string) => statements.reduce((s: number, st: any) => s + st.totals[key], 0);
    expect(sum('invoicedCents')).toBe(invoices.invoices.reduce((s: number, i: any) => s + i.totalCents, 0));
    expect(sum('paidCents')).toBe(invoices.summary.paidCents);
    expect(sum('writtenOffCents')).toBe(invoices.summary.writtenOffCents);
    expect(may.closingBalanceCents).toBe(invoices.summary.openCents);
  });

  it('a statement and an invoice as PDF: attachments with a good name, the customer and the figures in them', async () => {
    const statement = await download(`/customers/${customerId}/statements/2026-05/pdf`, customer);
    expect(statement.status).toBe(200);
    expect(statement.headers.get('content-type')).toBe('application/pdf');
    expect(statement.headers.get('content-disposition')).toBe(`attachment; filename="statement-2026-05-${customerId}.pdf"`);
    expect(statement.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfFlatText(statement.bytes);
    for (const shown of ['STATEMENT', 'May 2026', 'Casey Customer', '1 Main St', 'Opening balance', '$19.99', 'Written off, April 2026: card cancelled, customer unreachable', '-$19.99', 'Closing balance']) expect(text).toContain(shown);

    const invoice = await download(`/customers/${customerId}/invoices/2026-03/pdf`, helpdesk);
    expect(invoice.status).toBe(200);
    expect(invoice.headers.get('content-disposition')).toBe(`attachment; filename="invoice-2026-03-${customerId}.pdf"`);
    const invoiceText = pdfText(invoice.bytes);
    for (const shown of ['INVOICE', `${customerId}:2026-03`, 'Casey Customer', 'Washer', 'Standard', 'Total', '$19.99', 'Payment (ref. ch_march)', 'Amount due', '$0.00']) expect(invoiceText).toContain(shown);
    expect(invoiceText).not.toContain('Tax included');
    // The same invoice, the same bytes.
    expect((await download(`/customers/${customerId}/invoices/2026-03/pdf`, customer)).bytes.equals(invoice.bytes)).toBe(true);
  });

  it('staff read any customer’s; another customer’s are missing to a customer; unknown months 404, bad ones 400', async () => {
    for (const role of ['helpdesk', 'admin', 'manager'] as const) {
      expect((await sys.call('GET', `/customers/${customerId}/statements/2026-04`, { token: await sys.token(role) })).status).toBe(200);
    }
    expect((await sys.call('GET', `/customers/${customerId}/statements/2026-04`, { token: await sys.token('expert') })).status).toBe(403);
    expectProblem(await sys.call('GET', '/customers/cust-other/statements/2026-04', { token: customer }), 404);
    expectProblem(await sys.call('GET', '/customers/cust-other/invoices/2026-03/pdf', { token: customer }), 404);
    expectProblem(await sys.call('GET', '/customers/cust-other/statements', { token: customer }), 404);
    expectProblem(await sys.call('GET', '/customers/cust-nobody/statements/2026-04', { token: helpdesk }), 404);
    // Before the first invoice, after the current month, no invoice that month.
    expectProblem(await sys.call('GET', `/customers/${customerId}/statements/2026-02`, { token: customer }), 404);
    expectProblem(await sys.call('GET', `/customers/${customerId}/statements/2026-06/pdf`, { token: customer }), 404);
    expectProblem(await sys.call('GET', `/customers/${customerId}/invoices/2026-06/pdf`, { token: customer }), 404);
    expectProblem(await sys.call('GET', `/customers/${customerId}/statements/2026-13`, { token: customer }), 400);
    expectProblem(await sys.call('GET', `/customers/${customerId}/invoices/26-03/pdf`, { token: customer }), 400);
    expectProblem(await sys.call('GET', `/customers/${customerId}/statements/2026-4/pdf`, { token: customer }), 400);
    expect((await sys.call('GET', `/customers/${customerId}/statements/2026-04/pdf`)).status).toBe(401);
  });
});

describe('statements from invoices with credits and refunds, and invoices issued after their month', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ start: '2026-04-10T08:00:00.000Z' });
  });
  afterAll(() => sys.stop());

  it('reads the credits and refunds the invoices read model holds; a month billed late still has its statement', async () => {
    const customerId = sys.accounts.customer.customerId!;
    const customer = await sys.token('customer');
    // Documents as the read model holds them once credit notes and refunds are recorded.
    const invoices = await sys.services.readModels.collection<InvoiceDoc>(INVOICES);
    const base = { customerId, currency: 'USD', status: 'paid' as const, charge: 'succeeded' as const, attempts: 1, failures: [], paidUntil: null, writtenOff: null };
    await invoices.replaceOne(
      { _id: `${customerId}:2026-02` },
      {
        ...base,
        _id: `${customerId}:2026-02`,
        invoiceId: `${customerId}:2026-02`,
        period: '2026-02',
        lines: [{ planId: 'p1', product: 'washer', tier: 'premium', amountCents: 3999 }],
        totalCents: 3999,
        dueAt: '2026-03-05T00:00:00.000Z',
        // Billed in March for February.
        issuedAt: '2026-03-01T06:00:00.000Z',
        paidAt: '2026-03-01T06:00:01.000Z',
        paidCents: 3999,
        gatewayReference: 'ch_feb',
        ...{
          credits: [{ creditNoteId: 'cn-1', amountCents: 1000, reason: 'late visit', by: 'admin-1', at: '2026-03-10T00:00:00.000Z' }],
          refunds: [{ refundId: 'rf-1', amountCents: 500, reason: 'visit cut short', status: 'refunded', gatewayReference: 're_1', at: '2026-03-11T00:00:00.000Z', failureReason: null }],
          amountDueCents: 0,
          refundedCents: 500,
        },
      } as InvoiceDoc,
      { upsert: true },
    );
    await invoices.replaceOne(
      { _id: `${customerId}:2026-04` },
      {
        ...base,
        _id: `${customerId}:2026-04`,
        invoiceId: `${customerId}:2026-04`,
        period: '2026-04',
        status: 'open',
        charge: 'pending',
        lines: [
          { planId: 'p1', product: 'washer', tier: 'premium', amountCents: 3999 },
          { planId: 'cn-1', product: 'credit', kind: 'credit', amountCents: -1000 },
        ],
        totalCents: 2999,
        dueAt: '2026-04-05T00:00:00.000Z',
        issuedAt: '2026-04-01T06:00:00.000Z',
        paidAt: null,
        paidCents: 0,
        gatewayReference: null,
        ...{ credits: [], refunds: [], amountDueCents: 2999, refundedCents: 0 },
      } as InvoiceDoc,
      { upsert: true },
    );

    expect((await sys.call('GET', `/customers/${customerId}/statements`, { token: customer })).body).toEqual({ customerId, months: ['2026-04', '2026-03'], balanceCents: 2999 });
    const february = await sys.call('GET', `/customers/${customerId}/statements/2026-02`, { token: customer });
    expect(february.body).toMatchObject({ openingBalanceCents: 0, entries: [], closingBalanceCents: 0 });
    const march = (await sys.call('GET', `/customers/${customerId}/statements/2026-03`, { token: customer })).body;
    expect(march.entries.map((e: any) => [e.kind, e.amountCents, e.balanceCents])).toEqual([
      ['invoice', 3999, 3999],
      ['payment', -3999, 0],
      ['credit-note', -1000, -1000],
      // A refund gives money back and that part is no longer owed: the balance ends where it was.
      ['credit-note', -500, -1500],
      ['refund', 500, -1000],
    ]);
    expect(march.totals).toEqual({ invoicedCents: 3999, paidCents: 3999, creditedCents: 1500, refundedCents: 500, writtenOffCents: 0 });
    // April's invoice deducts the credit note's 1000 cents (the billing run carries it): 3999 charged, 2999 to pay, as the invoice says.
    const april = (await sys.call('GET', `/customers/${customerId}/statements/2026-04`, { token: customer })).body;
    expect(april).toMatchObject({ openingBalanceCents: -1000, totals: { invoicedCents: 3999 }, closingBalanceCents: 2999 });
    expect(april.entries[0].description).toBe('Invoice for April 2026 ($10.00 of credit applied)');

    const pdf = await fetch(`${sys.url}/customers/${customerId}/invoices/2026-04/pdf`, { headers: { authorization: `Bearer ${customer}` } });
    const text = pdfFlatText(Buffer.from(await pdf.arrayBuffer()));
    for (const shown of ['Credit applied (credit note cn-1)', '-$10.00', 'Subtotal $39.99', 'Total $29.99', 'Amount due $29.99']) expect(text).toContain(shown);
    const paid = pdfFlatText(Buffer.from(await (await fetch(`${sys.url}/customers/${customerId}/invoices/2026-02/pdf`, { headers: { authorization: `Bearer ${customer}` } })).arrayBuffer()));
    for (const shown of ['Credit note cn-1: late visit', '-$10.00', 'Refund rf-1 (refunded): visit cut short', '$5.00']) expect(paid).toContain(shown);
  });
});
