import { invoices } from '../../commands/invoice';
import { InvoiceState } from '../../domain/billing/invoice';
import { CustomerState } from '../../domain/customer/customer';
import { GatewayUnavailable } from '../../payments/gateway';
import { specifyWorkflow } from '../../testing/workflow-specification';
import { ChargingInput, chargingWorkflow, ChargingState, dunningWorkflow, UNANSWERED_TRIES } from '../charging';
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

const openInvoice = (attempts = 1): InvoiceState => ({
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
