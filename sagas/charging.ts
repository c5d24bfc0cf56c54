/**
 * Charging and dunning: with the billing run (billing-run.ts), the payments saga's workflows.
 *
 * - `chargingWorkflow`: an issued invoice (attempt 1) or a retried charge (attempt n) is charged
 *   through the payment gateway, with the customer's saved card, once per (invoice, attempt)
 *   whatever happens: the gateway's idempotency key is the invoice and the attempt. The outcome
 *   is recorded on the invoice (`recordChargeAttempt`); a charge still processing is recorded
 *   when the gateway's webhook tells. When the gateway does not answer, nothing is known: the
 *   same attempt is asked again later (the same key: never a second charge), and only after
 *   `UNANSWERED_TRIES` unanswered tries is the attempt recorded as failed with no gateway code.
 *   The charge is of what the invoice still owes (its total less the credits issued while open);
 *   an invoice its credits cover entirely is settled without a charge (`settleWithCredit`), on
 *   issue or as soon as the credit note covering the rest is issued.
 * - `refundWorkflow`: a refund an admin asked for is made through the gateway against the
 *   invoice's payment, keyed by the refund (asked again, it refunds once), and its outcome
 *   recorded (`recordRefundOutcome`): refunded, or failed when the gateway refuses. A gateway that
 *   does not answer is asked again later with the same key, for as long as it takes: only a
 *   refusal fails a refund, since an unanswered request may have moved the money.
 * - `dunningWorkflow`: a failed attempt schedules the next one after the configured number of
 *   days (DUNNING_RETRY_DAYS, e.g. 1, 3 and 7); the customer is told each time by the
 *   notifications saga ('payment-failed', with the link to update their card). After the last
 *   one the invoice stays unpaid: the customer's paid-until date does not move, so new tickets
 *   are held for the payment check, and helpdesk sees the invoice in dunning.
 */
import { customers } from '../commands/customer';
import { invoices } from '../commands/invoice';
import { billingDayOf, graceDaysFor } from '../domain/billing/billing-run';
import { amountDue, ChargeOutcome as InvoiceChargeOutcome, InvoiceEvent, InvoiceState, invoiceId as invoiceIdOf, RefundOutcome as InvoiceRefundOutcome } from '../domain/billing/invoice';
import { CustomerState } from '../domain/customer/customer';
import { Outbox } from '../notifications/outbox';
import { ChargeOutcome, PaymentGateway, refundKey } from '../payments/gateway';
import { billingRunWorkflow, enrollCustomers } from './billing-run';
import { ProcessManager } from './process-manager';
import { charge, DeadlineInput, EventInput, ignore, refund, schedule, send, Workflow, workflowSaga, WorkflowOutput } from './workflow';

/** Unanswered tries of one attempt before it counts as failed (the gateway was down throughout). */
export const UNANSWERED_TRIES = 5;
/** Minutes before asking an unanswered attempt again: the n-th wait is n times this. */
export const UNANSWERED_WAIT_MIN = 10;

export type ChargingInput =
  | EventInput<InvoiceEvent, 'InvoiceIssued'>
  | EventInput<InvoiceEvent, 'InvoiceChargeRetried'>
  | EventInput<InvoiceEvent, 'CreditNoteIssued'>
  | DeadlineInput<'charge-unanswered'>;

export interface ChargingState {
  invoice: InvoiceState;
  customer: CustomerState;
}

/** The attempt an input asks to charge, and how many unanswered tries it had. */
function attemptOf(input: Exclude<ChargingInput, { type: 'CreditNoteIssued' }>): { customerId: string; period: string; attempt: number; tries: number } {
  switch (input.type) {
    case 'InvoiceIssued':
      return { customerId: input.data.customerId, period: input.data.period, attempt: 1, tries: 0 };
    case 'InvoiceChargeRetried':
      return { customerId: input.data.customerId, period: input.data.period, attempt: input.data.attempt, tries: 0 };
    case 'charge-unanswered': {
      const data = input.data as { customerId: string; period: string; attempt: number; tries: number };
      return { customerId: data.customerId, period: data.period, attempt: data.attempt, tries: data.tries };
    }
  }
}

/** The gateway's answer as the invoice records it; null while the charge is still processing. */
export function recordedOutcome(outcome: ChargeOutcome, graceDays = 0): InvoiceChargeOutcome | null {
  switch (outcome.status) {
    case 'succeeded':
      // Paid until the customer's next billing day (the paid-until date is the next month's first plus these days).
      return { kind: 'chargeSucceeded', gatewayReference: outcome.chargeId, amountCents: outcome.amountCents, ...(graceDays > 0 ? { graceDays } : {}) };
    case 'declined':
      return { kind: 'chargeFailed', reason: outcome.reason, gatewayCode: outcome.code };
    case 'pending':
      return null;
  }
}

/** Whole days of grace that make a payment cover the customer until their next billing day. */
function graceOf(customer: CustomerState): number {
  return customer.status === 'registered' && customer.billingSince ? graceDaysFor(billingDayOf(customer.billingSince)) : 0;
}

/** Paid by its credits: refused when something is owed again or it was settled meanwhile, which is fine. */
function settle(customerId: string, period: string, customer: CustomerState): WorkflowOutput {
  const graceDays = graceOf(customer);
  return send(invoices, 'settleWithCredit', { customerId, period, ...(graceDays > 0 ? { graceDays } : {}) }, 'settle', { onRefusal: 'go-on' });
}

function record(customerId: string, period: string, attempt: number, outcome: InvoiceChargeOutcome): WorkflowOutput {
  // A webhook may have recorded this attempt first: the invoice refuses a second outcome, which is fine.
  return send(invoices, 'recordChargeAttempt', { customerId, period, outcome }, `outcome:${attempt}`, { onRefusal: 'go-on' });
}

export const chargingWorkflow: Workflow<ChargingInput, ChargingState> = {
  name: 'charging',
  events: ['InvoiceIssued', 'InvoiceChargeRetried', 'CreditNoteIssued'],
  deadlines: ['charge-unanswered'],
  async read(input, ctx) {
    const { customerId, period } = input.data as { customerId: string; period: string };
    const [invoice, customer] = await Promise.all([ctx.load(invoices, invoiceIdOf(customerId, period)), ctx.load(customers, customerId)]);
    return { invoice, customer };
  },
  decide(input, { invoice, customer }, now) {
    if (input.type === 'CreditNoteIssued') {
      const { customerId, period, invoiceId } = input.data;
      if (invoice.status === 'open' && amountDue(invoice) === 0) return [settle(customerId, period, customer)];
      return [ignore(`invoice ${invoiceId} is not open or still owes something: nothing to settle`)];
    }
    const { customerId, period, attempt, tries } = attemptOf(input);
    if (invoice.status !== 'open' || invoice.charge !== 'pending' || invoice.attempts !== attempt) {
      return [ignore(`attempt ${attempt} of invoice ${invoiceIdOf(customerId, period)} no longer awaits an outcome`)];
    }
    if (amountDue(invoice) === 0) return [settle(customerId, period, customer)];
    if (customer.status !== 'registered' || !customer.paymentMethod) {
      return [record(customerId, period, attempt, { kind: 'chargeFailed', reason: 'No card on file: the customer must add a payment method.', gatewayCode: 'no_payment_method' })];
    }
    const request = {
      invoiceId: invoice.invoiceId,
      attempt,
      customerId,
      amountCents: amountDue(invoice),
      currency: invoice.currency,
      gatewayToken: customer.paymentMethod.gatewayToken,
      description: `Sysops Squad support plans, ${period}`,
    };
    return [
      charge(
        request,
        (outcome) => {
          const recorded = recordedOutcome(outcome, graceOf(customer));
          return recorded ? [record(customerId, period, attempt, recorded)] : [ignore(`charge ${outcome.chargeId} is processing: the gateway's webhook will tell`)];
        },
        () =>
          tries + 1 < UNANSWERED_TRIES
            ? [schedule('charge-unanswered', `${invoice.invoiceId}:${attempt}:${tries + 1}`, new Date(now.getTime() + (tries + 1) * UNANSWERED_WAIT_MIN * 60_000), { customerId, period, attempt, tries: tries + 1 })]
            : [record(customerId, period, attempt, { kind: 'chargeFailed', reason: `The payment gateway did not answer ${UNANSWERED_TRIES} times.`, gatewayCode: null })],
      ),
    ];
  },
};

export type RefundInput = EventInput<InvoiceEvent, 'InvoiceRefundRequested'> | DeadlineInput<'refund-unanswered'>;

/** Waits before asking an unanswered refund again grow by UNANSWERED_WAIT_MIN up to this. */
export const REFUND_MAX_WAIT_MIN = 360;

function refundOf(input: RefundInput): { customerId: string; period: string; refundId: string; tries: number } {
  if (input.type === 'InvoiceRefundRequested') return { customerId: input.data.customerId, period: input.data.period, refundId: input.data.refundId, tries: 0 };
  const data = input.data as { customerId: string; period: string; refundId: string; tries: number };
  return { customerId: data.customerId, period: data.period, refundId: data.refundId, tries: data.tries };
}

function recordRefund(customerId: string, period: string, refundId: string, outcome: InvoiceRefundOutcome): WorkflowOutput {
  return send(invoices, 'recordRefundOutcome', { customerId, period, refundId, outcome }, `refund-outcome:${refundId}`, { onRefusal: 'go-on' });
}

export const refundWorkflow: Workflow<RefundInput, InvoiceState> = {
  name: 'refunds',
  events: ['InvoiceRefundRequested'],
  deadlines: ['refund-unanswered'],
  read(input, ctx) {
    const { customerId, period } = refundOf(input);
    return ctx.load(invoices, invoiceIdOf(customerId, period));
  },
  decide(input, invoice, now) {
    const { customerId, period, refundId, tries } = refundOf(input);
    const id = invoiceIdOf(customerId, period);
    const asked = invoice.status === 'unknown' ? undefined : invoice.refunds.find((r) => r.refundId === refundId);
    if (!asked || asked.status !== 'requested') return [ignore(`refund ${refundId} of invoice ${id} no longer awaits an outcome`)];
    if (invoice.status === 'unknown' || !invoice.gatewayReference) return [ignore(`invoice ${id} has no payment to refund`, { notable: true })];
    const waitMin = Math.min((tries + 1) * UNANSWERED_WAIT_MIN, REFUND_MAX_WAIT_MIN);
    return [
      refund(
        { chargeId: invoice.gatewayReference, amountCents: asked.amountCents, reason: asked.reason, idempotencyKey: refundKey(id, refundId) },
        (outcome) => [recordRefund(customerId, period, refundId, { kind: 'refunded', gatewayReference: outcome.refundId, amountCents: outcome.amountCents })],
        (error) => [recordRefund(customerId, period, refundId, { kind: 'failed', reason: error.message })],
        () => [
          ...(tries + 1 >= UNANSWERED_TRIES ? [ignore(`the payment gateway did not answer refund ${refundId} of invoice ${id} ${tries + 1} times`, { notable: true })] : []),
          schedule('refund-unanswered', `${id}:${refundId}:${tries + 1}`, new Date(now.getTime() + waitMin * 60_000), { customerId, period, refundId, tries: tries + 1 }),
        ],
      ),
    ];
  },
};

export type DunningInput = EventInput<InvoiceEvent, 'InvoiceChargeFailed'> | DeadlineInput<'dunning-retry'>;

/** The dunning schedule: days after each failed attempt before the next one (DUNNING_RETRY_DAYS). */
export interface DunningPolicy {
  retryDays: readonly number[];
}

export function dunningWorkflow(policy: DunningPolicy): Workflow<DunningInput, null> {
  const maxAttempts = policy.retryDays.length + 1;
  return {
    name: 'dunning',
    events: ['InvoiceChargeFailed'],
    deadlines: ['dunning-retry'],
    read: async () => null,
    decide(input) {
      if (input.type === 'dunning-retry') {
        const { customerId, period, attempt } = input.data as { customerId: string; period: string; attempt: number };
        // Paid or written off since: the invoice refuses, and that is the end of it.
        return [send(invoices, 'retryCharge', { customerId, period, maxAttempts }, `retry:${attempt}`, { onRefusal: 'go-on' })];
      }
      const { invoiceId, customerId, period, attempt, failedAt } = input.data;
      const days = policy.retryDays[attempt - 1];
      // A business outcome, not an operator's problem: helpdesk sees past-due customers in dunning.
      if (days === undefined) return [ignore(`invoice ${invoiceId} failed its last attempt (${attempt} of ${maxAttempts}): past due`)];
      return [schedule('dunning-retry', `${invoiceId}:${attempt + 1}`, new Date(Date.parse(failedAt) + days * 86_400_000), { customerId, period, attempt: attempt + 1 })];
    },
  };
}

export const PAYMENTS_SAGA = 'payments';

export interface PaymentsSagaOptions extends DunningPolicy {
  gateway: PaymentGateway;
  outbox: Outbox;
}

/** The payments saga: billing, charging, refunds and dunning, in order per customer (customers side by side). */
export function paymentsSaga(options: PaymentsSagaOptions): ProcessManager {
  const workflows = [billingRunWorkflow, chargingWorkflow, refundWorkflow, dunningWorkflow(options)] as unknown as Workflow<never, unknown>[];
  const saga = workflowSaga(PAYMENTS_SAGA, workflows, { outbox: options.outbox, gateway: options.gateway });
  // Added to running systems: customers who bought plans before it are not billed for all their
  // past months at once on its first start; they are billed from their next billing day.
  return { ...saga, startsAtHead: true, adoptHistory: enrollCustomers, partitionOf: (event) => (event.data as { customerId?: string }).customerId ?? null };
}
