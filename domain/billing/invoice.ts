/**
 * Invoice: one per customer and month (`period`, 'YYYY-MM'), with one line per active support plan,
 * charged through the payment gateway by the billing saga.
 *
 * The stream id is `${customerId}:${period}`, so "nothing is billed twice for the same month" holds
 * by construction: a second issue for the same customer and period lands on the same stream, where
 * the decider turns an identical repeat into no events and a different one into
 * `invoice-already-issued`.
 *
 * Charging is a sequence of numbered attempts. Issuing starts attempt 1; every attempt ends in
 * exactly one outcome (`recordChargeAttempt`): success pays the invoice, failure records the
 * attempt number. After a failure, `retryCharge` starts the next attempt, up to a maximum. An
 * invoice is paid at most once, and neither a paid invoice nor a written-off one changes again.
 * The charge state always agrees with the invoice's: an open invoice's charge is `pending` or
 * `failed`, a paid one's `succeeded`, a written-off one's `failed`, or `cancelled` when an attempt
 * was still under way (its outcome is no longer recorded).
 *
 * Paying an invoice does not move the customer's paid-until date here: the billing saga reacts to
 * `InvoicePaid` by sending `advancePaidUntil` to the Customer aggregate with the event's
 * `paidUntil` and `invoiceId` (Customer ignores an invoice it already counted).
 *
 * Money given back, by an admin with a reason:
 * - a credit note on an open invoice lowers what is still owed (the amount due is the total less
 *   its credits, and that is what the next attempt charges); credits covering it all settle the
 *   invoice without a charge (`settleWithCredit`: paid 0 cents, reference 'credit'). A credit note
 *   on a paid invoice becomes the customer's credit, which their next invoices deduct as credit
 *   lines (billing-run.ts). Not while an attempt awaits its outcome (its amount is fixed), never
 *   on a written-off invoice;
 * - a refund of a paid invoice is requested here, made by the payments saga through the gateway
 *   and recorded (`recordRefundOutcome`): refunded, or failed (its amount is free again).
 * What is given back (credits and refunds not failed) never exceeds the total, and refunds never
 * exceed what was paid.
 */
import { Actor, Command, Decider, DomainError, DomainEvent, Role } from '../decider';
import { PlanTier, SupportPlan } from '../customer/customer';
import { isInstant } from '../shared/time';

/** How many charge attempts (the first one included) an invoice gets unless the command says otherwise. */
export const MAX_CHARGE_ATTEMPTS = 4;

export type Currency = 'USD';

/**
 * A line bills a plan (positive amount) or deducts customer credit: `kind: 'credit'`, product
 * 'credit', the credit note's id as `planId`, a negative amount and no tier.
 */
export interface InvoiceLine {
  planId: string;
  product: string;
  tier?: PlanTier;
  amountCents: number;
  /** Absent on plan lines issued before credit lines existed: a plan line. */
  kind?: 'plan' | 'credit';
}

/** The product of a credit line. */
export const CREDIT_PRODUCT = 'credit';
/** The gateway reference of an invoice settled by credits alone (nothing charged). */
export const CREDIT_REFERENCE = 'credit';

export type RefundOutcome = { kind: 'refunded'; gatewayReference: string; amountCents: number } | { kind: 'failed'; reason: string };

export type RefundStatus = 'requested' | 'refunded' | 'failed';

export interface InvoiceCredit {
  creditNoteId: string;
  amountCents: number;
  reason: string;
  /** Issued on a paid invoice: credit for the customer's next invoices rather than less to pay. */
  toCustomer: boolean;
}

export interface InvoiceRefund {
  refundId: string;
  amountCents: number;
  reason: string;
  status: RefundStatus;
  gatewayReference: string | null;
}

export type ChargeOutcome =
  | {
      kind: 'chargeSucceeded';
      /** The gateway's reference for the captured payment. */
      gatewayReference: string;
      /** What the gateway captured: it must equal the invoice total. */
      amountCents: number;
      /** Whole days of grace added to the paid-until date (default 0). */
      graceDays?: number;
    }
  | {
      kind: 'chargeFailed';
      reason: string;
      /** The gateway's decline code; null when the gateway never answered (timeout, outage). */
      gatewayCode: string | null;
    };

/**
 * Where the invoice's charging stands: `pending`, an attempt awaits its outcome; `failed`, the last
 * attempt failed; `succeeded`, the attempt that paid the invoice; `cancelled`, the invoice was
 * written off while an attempt was under way.
 */
export type ChargeState = 'pending' | 'failed' | 'succeeded' | 'cancelled';

// ---- events -------------------------------------------------------------------------------

interface InvoiceRef {
  invoiceId: string;
  customerId: string;
  period: string;
}

export type InvoiceEvent =
  | DomainEvent<'InvoiceIssued', InvoiceRef & { lines: InvoiceLine[]; totalCents: number; currency: Currency; dueAt: string; issuedAt: string }>
  | DomainEvent<'InvoicePaid', InvoiceRef & { amountCents: number; gatewayReference: string; attempt: number; paidAt: string; paidUntil: string }>
  | DomainEvent<'InvoiceChargeFailed', InvoiceRef & { attempt: number; reason: string; gatewayCode: string | null; failedAt: string }>
  | DomainEvent<'InvoiceChargeRetried', InvoiceRef & { attempt: number; requestedBy: string; requestedAt: string }>
  | DomainEvent<'InvoiceWrittenOff', InvoiceRef & { amountCents: number; reason: string; writtenOffBy: string; writtenOffAt: string }>
  | DomainEvent<'InvoiceRefundRequested', InvoiceRef & { refundId: string; amountCents: number; reason: string; requestedBy: string; requestedAt: string }>
  | DomainEvent<'InvoiceRefunded', InvoiceRef & { refundId: string; amountCents: number; gatewayReference: string; refundedAt: string }>
  | DomainEvent<'InvoiceRefundFailed', InvoiceRef & { refundId: string; reason: string; failedAt: string }>
  | DomainEvent<'CreditNoteIssued', InvoiceRef & { creditNoteId: string; amountCents: number; reason: string; issuedBy: string; issuedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

interface InvoiceAddress {
  customerId: string;
  period: string;
}

export type InvoiceCommand =
  | Command<'issueInvoice', InvoiceAddress & { lines: InvoiceLine[]; currency: Currency; dueAt: string }>
  | Command<'recordChargeAttempt', InvoiceAddress & { outcome: ChargeOutcome }>
  | Command<'retryCharge', InvoiceAddress & { maxAttempts?: number }>
  | Command<'writeOffInvoice', InvoiceAddress & { reason: string }>
  | Command<'refundInvoice', InvoiceAddress & { refundId: string; amountCents: number; reason: string }>
  | Command<'recordRefundOutcome', InvoiceAddress & { refundId: string; outcome: RefundOutcome }>
  | Command<'issueCreditNote', InvoiceAddress & { creditNoteId: string; amountCents: number; reason: string }>
  | Command<'settleWithCredit', InvoiceAddress & { graceDays?: number }>;

// ---- state --------------------------------------------------------------------------------

export type InvoiceState =
  | { status: 'unknown' }
  | {
      status: 'open' | 'paid' | 'written-off';
      invoiceId: string;
      customerId: string;
      period: string;
      lines: InvoiceLine[];
      totalCents: number;
      currency: Currency;
      dueAt: string;
      charge: ChargeState;
      /** Attempts started so far (1 once issued). */
      attempts: number;
      failedAttempts: number;
      gatewayReference: string | null;
      /** Set only when the invoice is paid. */
      paidUntil: string | null;
      /** What the payment captured (0 until paid, and when credits settled it). */
      paidCents: number;
      credits: InvoiceCredit[];
      refunds: InvoiceRefund[];
    };

export type IssuedInvoice = Exclude<InvoiceState, { status: 'unknown' }>;
type Issued = IssuedInvoice;

// ---- helpers ------------------------------------------------------------------------------

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_MS = 86_400_000;

/** The invoice (and stream) id for a customer's month. */
export function invoiceId(customerId: string, period: string): string {
  return `${customerId}:${period}`;
}

export function isPeriod(period: string): boolean {
  return typeof period === 'string' && PERIOD.test(period);
}

/** The billing period ('YYYY-MM', UTC) an instant falls in. */
export function periodOf(date: Date | string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) throw new DomainError('invalid-date', `not an instant: ${String(date)}`);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The period after `period`: '2026-12' → '2027-01'. */
export function nextPeriod(period: string): string {
  const [year, month] = parsePeriod(period);
  return month === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`;
}

/** The first instant of a period (UTC), as an ISO string. */
export function periodStart(period: string): string {
  const [year, month] = parsePeriod(period);
  return new Date(Date.UTC(year, month - 1, 1)).toISOString();
}

/** What paying a period's invoice buys: the first instant of the next month, plus whole days of grace. */
export function paidUntilFor(period: string, graceDays = 0): string {
  return new Date(Date.parse(periodStart(nextPeriod(period))) + graceDays * DAY_MS).toISOString();
}

/** The invoice lines for a customer's plans: one per active plan, in plan id order. */
export function linesForActivePlans(plans: ReadonlyArray<SupportPlan & { active: boolean }>): InvoiceLine[] {
  return plans
    .filter((plan) => plan.active)
    .map((plan) => ({ planId: plan.planId, product: plan.product, tier: plan.tier, amountCents: plan.monthlyPriceCents }))
    .sort(byPlanId);
}

export function invoiceTotal(lines: ReadonlyArray<InvoiceLine>): number {
  return lines.reduce((sum, line) => sum + line.amountCents, 0);
}

export function isCreditLine(line: InvoiceLine): boolean {
  return line.kind === 'credit';
}

/** What an open invoice still owes: its total less the credits issued on it while open; nothing once paid or written off. */
export function amountDue(invoice: Issued): number {
  if (invoice.status !== 'open') return 0;
  return invoice.totalCents - sumCents(invoice.credits.filter((c) => !c.toCustomer));
}

/** Credits and refunds not failed: what was given back against the invoice so far. */
export function givenBackCents(invoice: Issued): number {
  return sumCents(invoice.credits) + sumCents(activeRefunds(invoice));
}

/** Refunds done or under way (a failed one gave nothing back). */
export function activeRefunds(invoice: Issued): InvoiceRefund[] {
  return invoice.refunds.filter((r) => r.status !== 'failed');
}

export function refundedCents(invoice: Issued): number {
  return sumCents(invoice.refunds.filter((r) => r.status === 'refunded'));
}

function sumCents(items: ReadonlyArray<{ amountCents: number }>): number {
  return items.reduce((sum, item) => sum + item.amountCents, 0);
}

function parsePeriod(period: string): [number, number] {
  const match = PERIOD.exec(period);
  if (!match) throw new DomainError('invalid-period', `a period is 'YYYY-MM', not '${period}'`);
  return [Number(match[1]), Number(match[2])];
}

function byPlanId(a: InvoiceLine, b: InvoiceLine): number {
  return a.planId < b.planId ? -1 : a.planId > b.planId ? 1 : 0;
}

function sameLines(a: ReadonlyArray<InvoiceLine>, b: ReadonlyArray<InvoiceLine>): boolean {
  return (
    a.length === b.length &&
    a.every(
      (line, i) =>
        line.planId === b[i].planId && line.product === b[i].product && line.tier === b[i].tier && line.amountCents === b[i].amountCents && isCreditLine(line) === isCreditLine(b[i]),
    )
  );
}

const TIERS: ReadonlyArray<PlanTier> = ['basic', 'standard', 'premium'];

// ---- decider ------------------------------------------------------------------------------

/** Who may do what: the billing saga runs as `system`. */
const ISSUERS: ReadonlyArray<Role> = ['system', 'admin'];
const CHARGE_RECORDERS: ReadonlyArray<Role> = ['system', 'admin'];
const RETRIERS: ReadonlyArray<Role> = ['system', 'helpdesk', 'admin'];
const WRITERS_OFF: ReadonlyArray<Role> = ['helpdesk', 'manager'];
const MONEY_GIVERS: ReadonlyArray<Role> = ['admin'];
const REFUND_RECORDERS: ReadonlyArray<Role> = ['system', 'admin'];
const SETTLERS: ReadonlyArray<Role> = ['system', 'admin'];

export const invoiceDecider: Decider<InvoiceState, InvoiceCommand, InvoiceEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'InvoiceIssued') {
      const { invoiceId: id, customerId, period, lines, totalCents, currency, dueAt } = event.data;
      return {
        status: 'open',
        invoiceId: id,
        customerId,
        period,
        lines,
        totalCents,
        currency,
        dueAt,
        charge: 'pending',
        attempts: 1,
        failedAttempts: 0,
        gatewayReference: null,
        paidUntil: null,
        paidCents: 0,
        credits: [],
        refunds: [],
      };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'InvoicePaid':
        return { ...state, status: 'paid', charge: 'succeeded', gatewayReference: event.data.gatewayReference, paidUntil: event.data.paidUntil, paidCents: event.data.amountCents };
      case 'InvoiceChargeFailed':
        return { ...state, charge: 'failed', failedAttempts: state.failedAttempts + 1 };
      case 'InvoiceChargeRetried':
        return { ...state, charge: 'pending', attempts: state.attempts + 1 };
      case 'InvoiceWrittenOff':
        return { ...state, status: 'written-off', charge: writtenOffCharge(state.charge) };
      case 'CreditNoteIssued': {
        const { creditNoteId, amountCents, reason } = event.data;
        return { ...state, credits: [...state.credits, { creditNoteId, amountCents, reason, toCustomer: state.status === 'paid' }] };
      }
      case 'InvoiceRefundRequested': {
        const { refundId, amountCents, reason } = event.data;
        return { ...state, refunds: [...state.refunds, { refundId, amountCents, reason, status: 'requested', gatewayReference: null }] };
      }
      case 'InvoiceRefunded':
        return { ...state, refunds: state.refunds.map((r) => (r.refundId === event.data.refundId ? { ...r, status: 'refunded', gatewayReference: event.data.gatewayReference } : r)) };
      case 'InvoiceRefundFailed':
        return { ...state, refunds: state.refunds.map((r) => (r.refundId === event.data.refundId ? { ...r, status: 'failed' } : r)) };
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    const { actor } = command.metadata;
    const id = invoiceId(command.data.customerId, command.data.period);
    switch (command.type) {
      case 'issueInvoice': {
        allow(actor, ISSUERS, 'issue invoices');
        const { customerId, period, currency, dueAt } = command.data;
        if (!customerId.trim()) throw new DomainError('invalid-customer', 'an invoice needs a customer');
        if (!isPeriod(period)) throw new DomainError('invalid-period', `a period is 'YYYY-MM', not '${period}'`);
        if (currency !== 'USD') throw new DomainError('unsupported-currency', `invoices are in USD, not ${String(currency)}`);
        if (!isInstant(dueAt)) throw new DomainError('invalid-date', 'dueAt must be an ISO date');
        const lines = [...command.data.lines].sort(byPlanId);
        assertLines(lines);
        if (state.status !== 'unknown') {
          if (sameLines(state.lines, lines) && state.currency === currency && state.dueAt === dueAt) return [];
          throw new DomainError('invoice-already-issued', `invoice ${id} is already issued with other lines`);
        }
        return [{ type: 'InvoiceIssued', data: { invoiceId: id, customerId, period, lines, totalCents: invoiceTotal(lines), currency, dueAt, issuedAt: now } }];
      }
      case 'recordChargeAttempt': {
        allow(actor, CHARGE_RECORDERS, 'record charge outcomes');
        const invoice = issued(state, id);
        const { outcome } = command.data;
        if (invoice.status === 'paid') {
          // The same payment reported again (a redelivered gateway callback) is harmless.
          if (outcome.kind === 'chargeSucceeded' && outcome.gatewayReference === invoice.gatewayReference) return [];
          throw new DomainError('invoice-already-paid', `invoice ${id} is already paid`);
        }
        if (invoice.status === 'written-off') throw new DomainError('invoice-written-off', `invoice ${id} was written off`);
        if (invoice.charge !== 'pending') throw new DomainError('no-charge-pending', `no charge attempt of invoice ${id} awaits an outcome`);
        const ref = { invoiceId: id, customerId: invoice.customerId, period: invoice.period };
        if (outcome.kind === 'chargeSucceeded') {
          if (!outcome.gatewayReference.trim()) throw new DomainError('invalid-gateway-reference', 'a successful charge needs the gateway reference');
          if (outcome.amountCents !== amountDue(invoice)) {
            throw new DomainError('amount-mismatch', `charged ${outcome.amountCents} cents, but invoice ${id} owes ${amountDue(invoice)}`);
          }
          const graceDays = outcome.graceDays ?? 0;
          if (!Number.isInteger(graceDays) || graceDays < 0) throw new DomainError('invalid-grace', 'grace is a whole, non-negative number of days');
          return [
            {
              type: 'InvoicePaid',
              data: {
                ...ref,
                amountCents: outcome.amountCents,
                gatewayReference: outcome.gatewayReference,
                attempt: invoice.attempts,
                paidAt: now,
                paidUntil: paidUntilFor(invoice.period, graceDays),
              },
            },
          ];
        }
        if (!outcome.reason.trim()) throw new DomainError('reason-required', 'a failed charge needs a reason');
        return [{ type: 'InvoiceChargeFailed', data: { ...ref, attempt: invoice.attempts, reason: outcome.reason, gatewayCode: outcome.gatewayCode, failedAt: now } }];
      }
      case 'retryCharge': {
        allow(actor, RETRIERS, 'retry charges');
        const maxAttempts = command.data.maxAttempts ?? MAX_CHARGE_ATTEMPTS;
        if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new DomainError('invalid-max-attempts', 'maxAttempts is a positive whole number');
        const invoice = issued(state, id);
        if (invoice.status === 'paid') throw new DomainError('invoice-already-paid', `invoice ${id} is already paid`);
        if (invoice.status === 'written-off') throw new DomainError('invoice-written-off', `invoice ${id} was written off`);
        if (invoice.charge !== 'failed') throw new DomainError('no-failed-charge', `attempt ${invoice.attempts} of invoice ${id} has not failed`);
        if (invoice.attempts >= maxAttempts) {
          throw new DomainError('max-attempts-reached', `invoice ${id} was charged ${invoice.attempts} times, the maximum is ${maxAttempts}`);
        }
        return [
          {
            type: 'InvoiceChargeRetried',
            data: { invoiceId: id, customerId: invoice.customerId, period: invoice.period, attempt: invoice.attempts + 1, requestedBy: actor.userId, requestedAt: now },
          },
        ];
      }
      case 'writeOffInvoice': {
        allow(actor, WRITERS_OFF, 'write invoices off');
        const invoice = issued(state, id);
        if (invoice.status === 'paid') throw new DomainError('invoice-already-paid', `invoice ${id} is paid and cannot be written off`);
        if (invoice.status === 'written-off') throw new DomainError('invoice-already-written-off', `invoice ${id} was already written off`);
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'writing an invoice off needs a reason');
        return [
          {
            type: 'InvoiceWrittenOff',
            data: {
              invoiceId: id,
              customerId: invoice.customerId,
              period: invoice.period,
              amountCents: amountDue(invoice),
              reason: command.data.reason,
              writtenOffBy: actor.userId,
              writtenOffAt: now,
            },
          },
        ];
      }
      case 'refundInvoice': {
        allow(actor, MONEY_GIVERS, 'refund invoices');
        const invoice = issued(state, id);
        const { refundId, amountCents, reason } = command.data;
        const earlier = invoice.refunds.find((r) => r.refundId === refundId);
        if (earlier) {
          if (earlier.amountCents === amountCents && earlier.reason === reason) return [];
          throw new DomainError('refund-id-taken', `refund ${refundId} of invoice ${id} was requested with another amount or reason`);
        }
        assertNewId(refundId, 'refund');
        assertGiven(amountCents, reason, 'a refund');
        if (invoice.status !== 'paid') throw new DomainError('invoice-not-paid', `invoice ${id} is ${invoice.status}: only a paid invoice is refunded`);
        const refundable = invoice.paidCents - sumCents(activeRefunds(invoice));
        if (amountCents > refundable) throw new DomainError('refund-exceeds-payment', `invoice ${id} has ${refundable} cents of its payment left to refund`, { refundableCents: refundable });
        assertWithinTotal(invoice, amountCents, id);
        return [{ type: 'InvoiceRefundRequested', data: { ...refOf(invoice), refundId, amountCents, reason, requestedBy: actor.userId, requestedAt: now } }];
      }
      case 'recordRefundOutcome': {
        allow(actor, REFUND_RECORDERS, 'record refund outcomes');
        const invoice = issued(state, id);
        const { refundId, outcome } = command.data;
        const refund = invoice.refunds.find((r) => r.refundId === refundId);
        if (!refund) throw new DomainError('refund-not-found', `invoice ${id} has no refund ${refundId}`);
        if (refund.status !== 'requested') {
          // The same outcome reported again (a redelivery) is harmless; another one is not.
          const same = outcome.kind === 'refunded' ? refund.status === 'refunded' && refund.gatewayReference === outcome.gatewayReference : refund.status === 'failed';
          if (same) return [];
          throw new DomainError('refund-already-settled', `refund ${refundId} of invoice ${id} already ${refund.status}`);
        }
        if (outcome.kind === 'refunded') {
          if (!outcome.gatewayReference.trim()) throw new DomainError('invalid-gateway-reference', 'a refund done needs the gateway reference');
          if (outcome.amountCents !== refund.amountCents) throw new DomainError('amount-mismatch', `refunded ${outcome.amountCents} cents, but refund ${refundId} is of ${refund.amountCents}`);
          return [{ type: 'InvoiceRefunded', data: { ...refOf(invoice), refundId, amountCents: refund.amountCents, gatewayReference: outcome.gatewayReference, refundedAt: now } }];
        }
        if (!outcome.reason.trim()) throw new DomainError('reason-required', 'a failed refund needs a reason');
        return [{ type: 'InvoiceRefundFailed', data: { ...refOf(invoice), refundId, reason: outcome.reason, failedAt: now } }];
      }
      case 'issueCreditNote': {
        allow(actor, MONEY_GIVERS, 'issue credit notes');
        const invoice = issued(state, id);
        const { creditNoteId, amountCents, reason } = command.data;
        const earlier = invoice.credits.find((c) => c.creditNoteId === creditNoteId);
        if (earlier) {
          if (earlier.amountCents === amountCents && earlier.reason === reason) return [];
          throw new DomainError('credit-note-id-taken', `credit note ${creditNoteId} of invoice ${id} was issued with another amount or reason`);
        }
        assertNewId(creditNoteId, 'credit note');
        assertGiven(amountCents, reason, 'a credit note');
        if (invoice.status === 'written-off') throw new DomainError('invoice-written-off', `invoice ${id} was written off`);
        if (invoice.status === 'open' && invoice.charge === 'pending') {
          throw new DomainError('charge-pending', `a charge of invoice ${id} awaits its outcome: issue the credit note once it has one`);
        }
        assertWithinTotal(invoice, amountCents, id);
        return [{ type: 'CreditNoteIssued', data: { ...refOf(invoice), creditNoteId, amountCents, reason, issuedBy: actor.userId, issuedAt: now } }];
      }
      case 'settleWithCredit': {
        allow(actor, SETTLERS, 'settle invoices with credit');
        const invoice = issued(state, id);
        if (invoice.status === 'paid') {
          if (invoice.gatewayReference === CREDIT_REFERENCE) return [];
          throw new DomainError('invoice-already-paid', `invoice ${id} is already paid`);
        }
        if (invoice.status === 'written-off') throw new DomainError('invoice-written-off', `invoice ${id} was written off`);
        const due = amountDue(invoice);
        if (due > 0) throw new DomainError('amount-still-due', `invoice ${id} still owes ${due} cents`, { amountDueCents: due });
        const graceDays = command.data.graceDays ?? 0;
        if (!Number.isInteger(graceDays) || graceDays < 0) throw new DomainError('invalid-grace', 'grace is a whole, non-negative number of days');
        return [
          {
            type: 'InvoicePaid',
            data: { ...refOf(invoice), amountCents: 0, gatewayReference: CREDIT_REFERENCE, attempt: invoice.attempts, paidAt: now, paidUntil: paidUntilFor(invoice.period, graceDays) },
          },
        ];
      }
    }
  },
};

function refOf(invoice: Issued): InvoiceRef {
  return { invoiceId: invoice.invoiceId, customerId: invoice.customerId, period: invoice.period };
}

const MONEY_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

function assertNewId(id: string, what: string): void {
  if (!MONEY_ID.test(id)) throw new DomainError('invalid-id', `a ${what} id is 1 to 100 letters, digits and _ . : -`);
}

function assertGiven(amountCents: number, reason: string, what: string): void {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) throw new DomainError('invalid-amount', `${what} is a positive whole number of cents`);
  if (!reason.trim()) throw new DomainError('reason-required', `${what} needs a reason`);
}

/** Credits and refunds together never give back more than the invoice's total. */
function assertWithinTotal(invoice: Issued, amountCents: number, id: string): void {
  const left = invoice.totalCents - givenBackCents(invoice);
  if (amountCents > left) throw new DomainError('exceeds-invoice-total', `invoice ${id} has ${left} cents left to give back of its ${invoice.totalCents}`, { leftCents: left });
}

/** A write-off ends charging: an attempt still under way is cancelled, a failed one stays failed. */
export function writtenOffCharge(charge: ChargeState): ChargeState {
  return charge === 'pending' ? 'cancelled' : charge;
}

function allow(actor: Actor, roles: ReadonlyArray<Role>, what: string): void {
  if (!roles.includes(actor.role)) throw new DomainError('forbidden', `a ${actor.role} may not ${what}`);
}

function issued(state: InvoiceState, id: string): Issued {
  if (state.status === 'unknown') throw new DomainError('invoice-not-found', `no invoice ${id}`);
  return state;
}

function assertLines(lines: ReadonlyArray<InvoiceLine>): void {
  if (!lines.some((line) => !isCreditLine(line))) throw new DomainError('no-lines', 'an invoice bills at least one plan');
  const seen = new Set<string>();
  for (const line of lines) {
    if (isCreditLine(line)) assertCreditLine(line);
    else assertPlanLine(line);
    if (seen.has(line.planId)) throw new DomainError('duplicate-line', `plan ${line.planId} is billed twice`);
    seen.add(line.planId);
  }
  if (invoiceTotal(lines) < 0) throw new DomainError('negative-total', 'credit lines never take an invoice below zero');
}

function assertPlanLine(line: InvoiceLine): void {
  if (!line.planId.trim() || !line.product.trim() || line.tier === undefined || !TIERS.includes(line.tier)) {
    throw new DomainError('invalid-line', 'every line names its plan, product and tier');
  }
  if (!Number.isSafeInteger(line.amountCents) || line.amountCents <= 0) {
    throw new DomainError('invalid-amount', `plan ${line.planId}: amounts are positive whole numbers of cents`);
  }
}

function assertCreditLine(line: InvoiceLine): void {
  if (!line.planId.trim() || line.product !== CREDIT_PRODUCT || line.tier !== undefined) {
    throw new DomainError('invalid-line', `a credit line names its credit note, product '${CREDIT_PRODUCT}' and no tier`);
  }
  if (!Number.isSafeInteger(line.amountCents) || line.amountCents >= 0) {
    throw new DomainError('invalid-amount', `credit ${line.planId}: a credit line deducts a whole number of cents`);
  }
}
