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
 */
import { Actor, Command, Decider, DomainError, DomainEvent, Role } from '../decider';
import { PlanTier, SupportPlan } from '../customer/customer';
import { isInstant } from '../shared/time';

/** How many charge attempts (the first one included) an invoice gets unless the command says otherwise. */
export const MAX_CHARGE_ATTEMPTS = 4;

export type Currency = 'USD';

export interface InvoiceLine {
  planId: string;
  product: string;
  tier: PlanTier;
  amountCents: number;
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
  | DomainEvent<'InvoiceWrittenOff', InvoiceRef & { amountCents: number; reason: string; writtenOffBy: string; writtenOffAt: string }>;

// ---- commands -----------------------------------------------------------------------------

interface InvoiceAddress {
  customerId: string;
  period: string;
}

export type InvoiceCommand =
  | Command<'issueInvoice', InvoiceAddress & { lines: InvoiceLine[]; currency: Currency; dueAt: string }>
  | Command<'recordChargeAttempt', InvoiceAddress & { outcome: ChargeOutcome }>
  | Command<'retryCharge', InvoiceAddress & { maxAttempts?: number }>
  | Command<'writeOffInvoice', InvoiceAddress & { reason: string }>;

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
    };

type Issued = Exclude<InvoiceState, { status: 'unknown' }>;

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
    a.every((line, i) => line.planId === b[i].planId && line.product === b[i].product && line.tier === b[i].tier && line.amountCents === b[i].amountCents)
  );
}

const TIERS: ReadonlyArray<PlanTier> = ['basic', 'standard', 'premium'];

// ---- decider ------------------------------------------------------------------------------

/** Who may do what: the billing saga runs as `system`. */
const ISSUERS: ReadonlyArray<Role> = ['system', 'admin'];
const CHARGE_RECORDERS: ReadonlyArray<Role> = ['system', 'admin'];
const RETRIERS: ReadonlyArray<Role> = ['system', 'helpdesk', 'admin'];
const WRITERS_OFF: ReadonlyArray<Role> = ['helpdesk', 'manager'];

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
      };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'InvoicePaid':
        return { ...state, status: 'paid', charge: 'succeeded', gatewayReference: event.data.gatewayReference, paidUntil: event.data.paidUntil };
      case 'InvoiceChargeFailed':
        return { ...state, charge: 'failed', failedAttempts: state.failedAttempts + 1 };
      case 'InvoiceChargeRetried':
        return { ...state, charge: 'pending', attempts: state.attempts + 1 };
      case 'InvoiceWrittenOff':
        return { ...state, status: 'written-off', charge: writtenOffCharge(state.charge) };
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
          if (outcome.amountCents !== invoice.totalCents) {
            throw new DomainError('amount-mismatch', `charged ${outcome.amountCents} cents, but invoice ${id} totals ${invoice.totalCents}`);
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
              amountCents: invoice.totalCents,
              reason: command.data.reason,
              writtenOffBy: actor.userId,
              writtenOffAt: now,
            },
          },
        ];
      }
    }
  },
};

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
  if (lines.length === 0) throw new DomainError('no-lines', 'an invoice bills at least one plan');
  const seen = new Set<string>();
  for (const line of lines) {
    if (!line.planId.trim() || !line.product.trim() || !TIERS.includes(line.tier)) {
      throw new DomainError('invalid-line', 'every line names its plan, product and tier');
    }
    if (seen.has(line.planId)) throw new DomainError('duplicate-line', `plan ${line.planId} is billed twice`);
    seen.add(line.planId);
    if (!Number.isSafeInteger(line.amountCents) || line.amountCents <= 0) {
      throw new DomainError('invalid-amount', `plan ${line.planId}: amounts are positive whole numbers of cents`);
    }
  }
}
