import { invoices } from '../../commands/invoice';
import { InvoiceState, IssuedInvoice } from '../../domain/billing/invoice';
import { CustomerState } from '../../domain/customer/customer';
import { GatewayUnavailable, PaymentGateway, RefundRefused } from '../../payments/gateway';
import { SandboxGateway } from '../../payments/sandbox';
import { specifyWorkflow } from '../../testing/workflow-specification';
import { ChargingInput, chargingWorkflow, ChargingState, dunningWorkflow, REFUND_MAX_WAIT_MIN, RefundInput, refundWorkflow, UNANSWERED_TRIES } from '../charging';
import { ignore, schedule, send, WorkflowOutput } from '../workflow';
import { CONTACT, PaymentsHarness } from './payments-harness';

const NOW = new Date('2026-12-01T06:00:00.000Z');
const issued = (attempt = 1): ChargingInput =>
  attempt === 1
    ? {
        type: 'InvoiceIssued',
        data: { invoiceId: 'c1:2026-12', customerId: 'c1', period: '2026-12', lines: [], totalCents: 3999, currency: 'USD', dueAt: '2026-12-15T00:00:00.000Z', issuedAt: NOW.toISOString() },
        id: 'e1',
        at: NOW.toISOString(),
      }
    : { type: 'InvoiceChargeRetried', data: { invoiceId: 'c1:2026-12', customerId: 'c1', period: '2026-12', attempt, requestedBy: 'saga:payments', requestedAt: NOW.toISOString() }, id: `e${attempt}`, at: NOW.toISOString() };

const openInvoice = (attempts = 1): IssuedInvoice => ({
  status: 'open',
  invoiceId: 'c1:2026-12',
  customerId: 'c1',
  period: '2026-12',
  lines: [],
  totalCents: 3999,
  currency: 'USD',
  dueAt: '2026-12-15T00:00:00.000Z',
  charge: 'pending',
  attempts,
  failedAttempts: attempts - 1,
  gatewayReference: null,
  paidUntil: null,
  paidCents: 0,
  credits: [],
  refunds: [],
});
const customer = (gatewayToken: string | null): CustomerState => ({
  status: 'registered',
  customerId: 'c1',
  contact: CONTACT,
  notifyBy: 'email',
  plans: {},
  billingSince: null,
  paymentMethod: gatewayToken ? { gatewayToken, last4: '4242', brand: 'visa', expiry: '2029-12' } : null,
  paidUntil: null,
  paidInvoices: [],
} as unknown as CustomerState);

const recordFailed = (attempt: number, reason: string, gatewayCode: string | null) =>
  send(invoices, 'recordChargeAttempt', { customerId: 'c1', period: '2026-12', outcome: { kind: 'chargeFailed', reason, gatewayCode } }, `outcome:${attempt}`, { onRefusal: 'go-on' });

/** The charge output of a decision, to feed it the gateway's answers. */
function chargeOf(outputs: WorkflowOutput[]) {
  const [only] = outputs;
  if (outputs.length !== 1 || only?.action !== 'charge') throw new Error(`expected one charge, got ${JSON.stringify(outputs)}`);
  return only;
}

describe('charging workflow', () => {
  const spec = specifyWorkflow(chargingWorkflow);
  const decide = (input: ChargingInput, state: ChargingState) => chargingWorkflow.decide(input, state, NOW);

  it('charges the invoice total with the saved card, keyed by invoice and attempt', () => {
    const charging = chargeOf(decide(issued(), { invoice: openInvoice(), customer: customer('pm_sandbox_1') }));
    expect(charging.request).toEqual({ invoiceId: 'c1:2026-12', attempt: 1, customerId: 'c1', amountCents: 3999, currency: 'USD', gatewayToken: 'pm_sandbox_1', description: 'Sysops Squad support plans, 2026-12' });
    expect(charging.then({ status: 'succeeded', chargeId: 'ch_1', amountCents: 3999 })).toEqual([
      send(invoices, 'recordChargeAttempt', { customerId: 'c1', period: '2026-12', outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 3999 } }, 'outcome:1', { onRefusal: 'go-on' }),
    ]);
    expect(charging.then({ status: 'declined', chargeId: 'ch_2', code: 'insufficient_funds', reason: 'no money' })).toEqual([recordFailed(1, 'no money', 'insufficient_funds')]);
    expect(charging.then({ status: 'pending', chargeId: 'pi_3' })).toEqual([ignore("charge pi_3 is processing: the gateway's webhook will tell")]);
  });

  it('a gateway that does not answer is asked the same attempt again later, and after the last try the attempt fails with no gateway code', () => {
    const first = chargeOf(decide(issued(), { invoice: openInvoice(), customer: customer('pm_sandbox_1') }));
    expect(first.unavailable(new GatewayUnavailable('down'))).toEqual([
      schedule('charge-unanswered', 'c1:2026-12:1:1', new Date(NOW.getTime() + 10 * 60_000), { customerId: 'c1', period: '2026-12', attempt: 1, tries: 1 }),
    ]);
    const last = chargeOf(
      decide({ type: 'charge-unanswered', data: { customerId: 'c1', period: '2026-12', attempt: 1, tries: UNANSWERED_TRIES - 1 }, id: 'd1', at: NOW.toISOString() }, { invoice: openInvoice(), customer: customer('pm_sandbox_1') }),
    );
    expect(last.request.attempt).toBe(1);
    expect(last.unavailable(new GatewayUnavailable('down'))).toEqual([recordFailed(1, `The payment gateway did not answer ${UNANSWERED_TRIES} times.`, null)]);
  });

  it('no card on file: the attempt fails at once', () =>
    spec.given({ invoice: openInvoice(), customer: customer(null) }).when(issued()).then(recordFailed(1, 'No card on file: the customer must add a payment method.', 'no_payment_method')));

  it('an attempt that no longer awaits an outcome (paid, written off, a later attempt) is left alone', () => {
    spec.given({ invoice: { ...openInvoice(), status: 'paid' } as InvoiceState, customer: customer('pm') }).when(issued()).thenIgnores(/no longer awaits/);
    spec.given({ invoice: openInvoice(2), customer: customer('pm') }).when(issued()).thenIgnores(/attempt 1/);
  });
});

describe('charging what is owed', () => {
  const spec = specifyWorkflow(chargingWorkflow);
  const credit = (amountCents: number) => ({ creditNoteId: 'cn1', amountCents, reason: 'late', toCustomer: false });
  const settle = send(invoices, 'settleWithCredit', { customerId: 'c1', period: '2026-12' }, 'settle', { onRefusal: 'go-on' });
  const creditNoteIssued: ChargingInput = {
    type: 'CreditNoteIssued',
    data: { invoiceId: 'c1:2026-12', customerId: 'c1', period: '2026-12', creditNoteId: 'cn1', amountCents: 3999, reason: 'late', issuedBy: 'a1', issuedAt: NOW.toISOString() },
    id: 'e9',
    at: NOW.toISOString(),
  };

  it('charges the total less the credits issued while open', () => {
    const charging = chargeOf(chargingWorkflow.decide(issued(2), { invoice: { ...openInvoice(2), credits: [credit(999)] }, customer: customer('pm_1') }, NOW));
    expect(charging.request.amountCents).toBe(3000);
  });

  it('an attempt with nothing owed is settled by the credits, without a charge', () =>
    spec.given({ invoice: { ...openInvoice(2), credits: [credit(3999)] }, customer: customer('pm_1') }).when(issued(2)).then(settle));

  it('the credit note that covers what a failed charge left settles the invoice at once', () => {
    spec.given({ invoice: { ...openInvoice(2), charge: 'failed', credits: [credit(3999)] }, customer: customer(null) }).when(creditNoteIssued).then(settle);
    spec.given({ invoice: { ...openInvoice(2), charge: 'failed', credits: [credit(3000)] }, customer: customer(null) }).when(creditNoteIssued).thenIgnores(/still owes/);
    spec.given({ invoice: { ...openInvoice(), status: 'paid', credits: [credit(3999)] } as InvoiceState, customer: customer(null) }).when(creditNoteIssued).thenIgnores(/not open/);
  });
});

describe('refund workflow', () => {
  const spec = specifyWorkflow(refundWorkflow);
  const paidInvoice = (status: 'requested' | 'refunded' | 'failed' = 'requested'): InvoiceState => ({
    ...openInvoice(),
    status: 'paid',
    charge: 'succeeded',
    gatewayReference: 'ch_sandbox_1',
    paidCents: 3999,
    refunds: [{ refundId: 'r1', amountCents: 1000, reason: 'visit cancelled', status, gatewayReference: status === 'refunded' ? 're_1' : null }],
  });
  const requested: RefundInput = {
    type: 'InvoiceRefundRequested',
    data: { invoiceId: 'c1:2026-12', customerId: 'c1', period: '2026-12', refundId: 'r1', amountCents: 1000, reason: 'visit cancelled', requestedBy: 'a1', requestedAt: NOW.toISOString() },
    id: 'e20',
    at: NOW.toISOString(),
  };
  const unanswered = (tries: number): RefundInput => ({ type: 'refund-unanswered', data: { customerId: 'c1', period: '2026-12', refundId: 'r1', tries }, id: `d${tries}`, at: NOW.toISOString() });
  const recordRefund = (outcome: unknown) => send(invoices, 'recordRefundOutcome', { customerId: 'c1', period: '2026-12', refundId: 'r1', outcome } as never, 'refund-outcome:r1', { onRefusal: 'go-on' });
  function refundOf(outputs: WorkflowOutput[]) {
    const [only] = outputs;
    if (outputs.length !== 1 || only?.action !== 'refund') throw new Error(`expected one refund, got ${JSON.stringify(outputs)}`);
    return only;
  }

  it('refunds the amount asked against the invoice payment, keyed by the refund, and records it refunded', () => {
    const refunding = refundOf(refundWorkflow.decide(requested, paidInvoice(), NOW));
    expect(refunding.request).toEqual({ chargeId: 'ch_sandbox_1', amountCents: 1000, reason: 'visit cancelled', idempotencyKey: 'invoice-c1:2026-12-refund-r1' });
    expect(refunding.then({ refundId: 're_1', amountCents: 1000 })).toEqual([recordRefund({ kind: 'refunded', gatewayReference: 're_1', amountCents: 1000 })]);
  });

  it('a refusal by the gateway records the refund failed, with its reason', () => {
    const refunding = refundOf(refundWorkflow.decide(requested, paidInvoice(), NOW));
    expect(refunding.refused(new RefundRefused('exceeds-charge', 'Charge ch_1 has 0 cents left to refund.'))).toEqual([recordRefund({ kind: 'failed', reason: 'Charge ch_1 has 0 cents left to refund.' })]);
  });

  it('a gateway that does not answer is asked again later with the same key, waiting longer each time, never recorded failed', () => {
    const first = refundOf(refundWorkflow.decide(requested, paidInvoice(), NOW));
    expect(first.unavailable(new GatewayUnavailable('down'))).toEqual([
      schedule('refund-unanswered', 'c1:2026-12:r1:1', new Date(NOW.getTime() + 10 * 60_000), { customerId: 'c1', period: '2026-12', refundId: 'r1', tries: 1 }),
    ]);
    const later = refundOf(refundWorkflow.decide(unanswered(100), paidInvoice(), NOW));
    expect(later.request.idempotencyKey).toBe(first.request.idempotencyKey);
    const outputs = later.unavailable(new GatewayUnavailable('down'));
    expect(outputs).toContainEqual(schedule('refund-unanswered', 'c1:2026-12:r1:101', new Date(NOW.getTime() + REFUND_MAX_WAIT_MIN * 60_000), { customerId: 'c1', period: '2026-12', refundId: 'r1', tries: 101 }));
    expect(outputs.some((o) => o.action === 'send')).toBe(false);
  });

  it('a refund already settled is left alone', () => {
    spec.given(paidInvoice('refunded')).when(requested).thenIgnores(/no longer awaits/);
    spec.given(paidInvoice('failed')).when(unanswered(2)).thenIgnores(/no longer awaits/);
  });
});

describe('dunning workflow', () => {
  const spec = specifyWorkflow(dunningWorkflow({ retryDays: [1, 3, 7] }));
  const failed = (attempt: number) => ({
    type: 'InvoiceChargeFailed' as const,
    data: { invoiceId: 'c1:2026-12', customerId: 'c1', period: '2026-12', attempt, reason: 'declined', gatewayCode: 'insufficient_funds', failedAt: '2026-12-01T06:00:00.000Z' },
    id: `f${attempt}`,
    at: '2026-12-01T06:00:00.000Z',
  });

  it('retries after 1, 3 and 7 days', () => {
    spec.given(null).when(failed(1)).then(schedule('dunning-retry', 'c1:2026-12:2', new Date('2026-12-02T06:00:00.000Z'), { customerId: 'c1', period: '2026-12', attempt: 2 }));
    spec.given(null).when(failed(3)).then(schedule('dunning-retry', 'c1:2026-12:4', new Date('2026-12-08T06:00:00.000Z'), { customerId: 'c1', period: '2026-12', attempt: 4 }));
  });

  it('after the last attempt the invoice is past due', () => spec.given(null).when(failed(4)).thenIgnores(/past due/));

  it('a due retry asks the invoice for the next attempt (refused if paid or written off since)', () =>
    spec
      .given(null)
      .when({ type: 'dunning-retry', data: { customerId: 'c1', period: '2026-12', attempt: 2 }, id: 'd2', at: '2026-12-02T06:00:00.000Z' })
      .then(send(invoices, 'retryCharge', { customerId: 'c1', period: '2026-12', maxAttempts: 4 }, 'retry:2', { onRefusal: 'go-on' })));
});

describe('payments saga over the sandbox gateway', () => {
  let h: PaymentsHarness;
  beforeEach(() => {
    h = new PaymentsHarness(NOW);
  });
  afterEach(() => h.close());

  const issue = () => h.exec(invoices, 'issueInvoice', { customerId: 'c1', period: '2026-12', lines: [{ planId: 'p1', product: 'oven', tier: 'basic', amountCents: 3999 }], currency: 'USD', dueAt: '2026-12-15T00:00:00.000Z' });
  const invoice = () => h.invoice('2026-12');

  it('a good card: the invoice is paid by the first attempt', async () => {
    await h.customerWithCard('4242424242424242');
    await h.start();
    await issue();
    await h.settle();
    expect(await invoice()).toMatchObject({ status: 'paid', attempts: 1, gatewayReference: expect.stringMatching(/^ch_sandbox_/) });
  });

  it('a card needing a retry: declined, retried a day later, paid', async () => {
    await h.customerWithCard('4000000000000341');
    await h.start();
    await issue();
    await h.settle();
    expect(await invoice()).toMatchObject({ status: 'open', charge: 'failed', attempts: 1 });
    await h.advanceDays(1);
    expect(await invoice()).toMatchObject({ status: 'paid', attempts: 2 });
  });

  it('insufficient funds: four attempts over 1, 3 and 7 days, then past due (still open)', async () => {
    await h.customerWithCard('4000000000009995');
    await h.start();
    await issue();
    await h.settle();
    for (const days of [1, 3, 7]) await h.advanceDays(days);
    await h.advanceDays(30);
    expect(await invoice()).toMatchObject({ status: 'open', charge: 'failed', attempts: 4, failedAttempts: 4 });
    expect(await h.chargesMade()).toBe(4);
  });

  it('a gateway that never answers: the same attempt is asked again, then recorded failed', async () => {
    await h.customerWithCard('4000000000000119');
    await h.start();
    await issue();
    await h.settle();
    for (let i = 1; i < UNANSWERED_TRIES; i++) await h.advanceDays(1 / 24);
    expect(await invoice()).toMatchObject({ charge: 'failed', attempts: 1 });
    expect(await h.chargesMade()).toBe(0);
  });

  it('handled again after a restart (checkpoint lost), nothing is charged twice', async () => {
    await h.customerWithCard('4242424242424242');
    await h.start();
    await issue();
    await h.settle();
    await h.stop();
    await h.documents.collection('_saga_checkpoints').deleteMany({});
    await h.start();
    await h.settle();
    expect(await h.chargesMade()).toBe(1);
    expect(await invoice()).toMatchObject({ status: 'paid', attempts: 1 });
  });
});

describe('refunds and credit notes through the payments saga', () => {
  const ADMIN = { userId: 'a1', role: 'admin' as const };
  let h: PaymentsHarness;
  afterEach(() => h.close());

  const issue = () => h.exec(invoices, 'issueInvoice', { customerId: 'c1', period: '2026-12', lines: [{ planId: 'p1', product: 'oven', tier: 'basic', amountCents: 3999 }], currency: 'USD', dueAt: '2026-12-15T00:00:00.000Z' });
  const askRefund = (refundId: string, amountCents: number) => h.exec(invoices, 'refundInvoice', { customerId: 'c1', period: '2026-12', refundId, amountCents, reason: 'visit cancelled' }, ADMIN);
  const refundsMade = () => h.documents.collection('_sandbox_gateway').count({ kind: 'refund' });
  const eventsOf = async (type: string) => (await h.events.readAll()).filter((e) => e.type === type).map((e) => e.data);

  it('a refund asked of a paid invoice is made by the gateway once and recorded refunded', async () => {
    h = new PaymentsHarness(NOW);
    await h.customerWithCard('4242424242424242');
    await h.start();
    await issue();
    await h.settle();
    await askRefund('r1', 1500);
    await h.settle();
    expect(await h.invoice('2026-12')).toMatchObject({ status: 'paid', refunds: [{ refundId: 'r1', amountCents: 1500, status: 'refunded', gatewayReference: expect.stringMatching(/^re_sandbox_/) }] });
    // Handled again after a lost checkpoint: nothing is refunded twice.
    await h.stop();
    await h.documents.collection('_saga_checkpoints').deleteMany({});
    await h.start();
    await h.settle();
    expect(await refundsMade()).toBe(1);
    expect(await eventsOf('InvoiceRefunded')).toHaveLength(1);
  });

  it('a refund the gateway refuses is recorded failed, and its amount may be asked again', async () => {
    // The gateway lost the charge (e.g. refunded from its own dashboard): it refuses.
    h = new PaymentsHarness(NOW, (sandbox) => Object.assign(Object.create(sandbox) as SandboxGateway, { refund: async () => Promise.reject(new RefundRefused('exceeds-charge', 'Nothing left to refund.')) }));
    await h.customerWithCard('4242424242424242');
    await h.start();
    await issue();
    await h.settle();
    await askRefund('r1', 3999);
    await h.settle();
    expect(await eventsOf('InvoiceRefundFailed')).toEqual([expect.objectContaining({ refundId: 'r1', reason: 'Nothing left to refund.' })]);
    await expect(askRefund('r2', 3999)).resolves.toBeDefined();
  });

  it('a gateway down when asked: the refund is asked again later and then made', async () => {
    let down = true;
    h = new PaymentsHarness(NOW, (sandbox): PaymentGateway => ({
      name: 'flaky',
      charge: (request) => sandbox.charge(request),
      lookup: (chargeId) => sandbox.lookup(chargeId),
      refund: (request) => (down ? Promise.reject(new GatewayUnavailable('down')) : sandbox.refund(request)),
    }));
    await h.customerWithCard('4242424242424242');
    await h.start();
    await issue();
    await h.settle();
    await askRefund('r1', 1000);
    await h.settle();
    expect(await h.invoice('2026-12')).toMatchObject({ refunds: [expect.objectContaining({ status: 'requested' })] });
    await h.advanceDays(1 / 24);
    expect(await h.invoice('2026-12')).toMatchObject({ refunds: [expect.objectContaining({ status: 'requested' })] });
    down = false;
    await h.advanceDays(1 / 24);
    expect(await h.invoice('2026-12')).toMatchObject({ refunds: [expect.objectContaining({ status: 'refunded' })] });
    expect(await refundsMade()).toBe(1);
  });

  it('a credit note covering what a declined charge left settles the invoice without a charge, paid until as usual', async () => {
    h = new PaymentsHarness(NOW);
    await h.customerWithCard('4000000000009995');
    await h.start();
    await issue();
    await h.settle();
    await h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn1', amountCents: 999, reason: 'late visit' }, ADMIN);
    await h.settle();
    expect(await h.invoice('2026-12')).toMatchObject({ status: 'open' });
    await h.advanceDays(1);
    expect(await eventsOf('InvoiceChargeFailed')).toEqual([expect.objectContaining({ attempt: 1 }), expect.objectContaining({ attempt: 2 })]);
    await h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn2', amountCents: 3000, reason: 'goodwill' }, ADMIN);
    await h.settle();
    expect(await h.invoice('2026-12')).toMatchObject({ status: 'paid', paidCents: 0, gatewayReference: 'credit', paidUntil: '2027-01-01T00:00:00.000Z' });
    expect(await h.chargesMade()).toBe(2);
  });
});

