import { Document } from '../../document-store/port';
import { DomainEvent } from '../../domain/decider';
import { InvoiceEvent, InvoiceLine } from '../../domain/billing/invoice';
import { CustomerEvent, PlanTier } from '../../domain/customer/customer';
import { RecordedEvent } from '../../event-store/port';
import { Projection } from '../projection';

/**
 * The `finance` read model: the managers' money figures, as integer cents per UTC month.
 *
 * Every figure counts in the month its fact happened (the time in the event's data, never the
 * clock), except what an invoice bills, which counts in the invoice's own period:
 * - revenue recognised = what the period's invoices bill for plans (their positive lines) minus
 *   the credit notes issued and the refunds paid out that month (a refund gives back part of an
 *   invoice, as the Invoice counts it). A credit note lowers revenue once, in the month it is
 *   issued (a closed month's figures never change); the credit line a later invoice deducts
 *   (negative amount, product 'credit') settles that credit and is not a second reduction;
 * - cash collected = payments by the month they were paid; refunds paid out by the month refunded;
 * - failed charges = failed attempts by the month they failed; dunning counts each invoice once,
 *   in the month of its first failure (its cohort): failed, later recovered (paid) or written off;
 * - write-offs by the month written off, at the amount the invoice wrote off.
 *
 * MRR (monthly recurring revenue) at an instant = the monthly prices of the plans active then.
 * Its movement in a month compares each customer's MRR at the start of the month (s) with the
 * end of it (e):
 * - new = e when s = 0 < e (a customer with no plan buys one);
 * - expansion = e − s when 0 < s < e (a customer with plans buys more);
 * - contraction = s − e when 0 < e < s (a customer cancels some plans, keeps others);
 * - churn = s when s > 0 = e (a customer cancels every plan).
 * So MRR(end of month) = MRR(end of the month before) + new + expansion − contraction − churn,
 * and a plan bought and cancelled within one month moves nothing.
 *
 * Per plan tier and product, `finance_plan_months` counts purchases and cancellations: the active
 * subscriptions at a month's end add them up to that month.
 *
 * Receivables are the open invoices (`finance_invoices`, status open): what each still owes, its
 * total less the credit notes against it, aged by its due date at read time (report.ts).
 */
export interface FinanceMonthDoc extends Document, FinanceCounters {
  /** 'YYYY-MM' (UTC), also the `_id`. */
  month: string;
}

/** The counters of a month; absent until first incremented. */
export interface FinanceCounters {
  /** Invoices of this period, what they bill for plans, and the customer credit their credit lines use. */
  invoices?: number;
  billedCents?: number;
  creditAppliedCents?: number;
  creditNotes?: number;
  creditNotesCents?: number;
  payments?: number;
  cashCents?: number;
  refundRequests?: number;
  refundRequestedCents?: number;
  refunds?: number;
  refundsCents?: number;
  refundsFailed?: number;
  failedCharges?: number;
  /** What the failed attempts tried to collect. */
  failedChargeCents?: number;
  chargeRetries?: number;
  /** Dunning cohort of the month: invoices whose first charge failure was this month, and how they ended. */
  dunningFailed?: number;
  dunningRecovered?: number;
  dunningWrittenOff?: number;
  writeOffs?: number;
  writeOffsCents?: number;
  /** MRR at the month's end minus at its start, and its movement (see above). */
  mrrChangeCents?: number;
  mrrNewCents?: number;
  mrrExpansionCents?: number;
  mrrContractionCents?: number;
  mrrChurnCents?: number;
  subscriptionsStarted?: number;
  subscriptionsEnded?: number;
}

/** One plan tier and product in one month (`_id`: `<month>|<tier>|<product>`). */
export interface FinancePlanMonthDoc extends Document {
  month: string;
  tier: PlanTier;
  product: string;
  purchased?: number;
  cancelled?: number;
  mrrChangeCents?: number;
}

/** An invoice as the figures need it: the source of receivables, and what later events look up. */
export interface FinanceInvoiceDoc extends Document {
  invoiceId: string;
  customerId: string;
  period: string;
  totalCents: number;
  dueAt: string;
  issuedAt: string;
  status: 'open' | 'paid' | 'written-off';
  /** What is still owed: the total less credit notes while open; 0 once paid or written off. */
  outstandingCents: number;
  creditedCents: number;
  refundedCents: number;
  /** The month of its first failed charge: its dunning cohort. */
  firstFailedMonth: string | null;
}

/** Internal: a customer's MRR now, and at the start of the last month it moved in. */
export interface FinanceCustomerDoc extends Document {
  customerId: string;
  mrrCents: number;
  month: string;
  monthStartCents: number;
}

/** Internal: a customer's plan, for its price and product when it is cancelled (`_id`: `<customerId>|<planId>`). */
export interface FinancePlanDoc extends Document {
  customerId: string;
  planId: string;
  product: string;
  tier: PlanTier;
  monthlyPriceCents: number;
  active: boolean;
}

export const FINANCE_MONTHS = 'finance_months';
export const FINANCE_PLAN_MONTHS = 'finance_plan_months';
export const FINANCE_INVOICES = 'finance_invoices';
export const FINANCE_CUSTOMERS = 'finance_customers';
export const FINANCE_PLANS = 'finance_plans';

interface InvoiceRef {
  invoiceId: string;
  customerId: string;
  period: string;
}

/** Refunds and credit notes, as the Invoice records them. */
export type InvoiceAdjustmentEvent =
  | DomainEvent<'InvoiceRefundRequested', InvoiceRef & { refundId: string; amountCents: number; reason: string; requestedBy: string; requestedAt: string }>
  | DomainEvent<'InvoiceRefunded', InvoiceRef & { refundId: string; amountCents: number; gatewayReference: string; refundedAt: string }>
  | DomainEvent<'InvoiceRefundFailed', InvoiceRef & { refundId: string; reason: string; failedAt: string }>
  | DomainEvent<'CreditNoteIssued', InvoiceRef & { creditNoteId: string; amountCents: number; reason: string; issuedBy: string; issuedAt: string }>;

type PlanEvent = Extract<CustomerEvent, { type: 'SupportPlanPurchased' | 'SupportPlanCancelled' }>;
type FinanceEvent = InvoiceEvent | InvoiceAdjustmentEvent | PlanEvent;

const INVOICE_EVENTS: readonly FinanceEvent['type'][] = ['InvoiceIssued', 'InvoicePaid', 'InvoiceChargeFailed', 'InvoiceChargeRetried', 'InvoiceWrittenOff'];
const ADJUSTMENT_EVENTS: readonly FinanceEvent['type'][] = ['InvoiceRefundRequested', 'InvoiceRefunded', 'InvoiceRefundFailed', 'CreditNoteIssued'];
const PLAN_EVENTS: readonly FinanceEvent['type'][] = ['SupportPlanPurchased', 'SupportPlanCancelled'];

/** The UTC month ('YYYY-MM') of an ISO instant. */
export function monthOf(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso.slice(0, 7) : new Date(ms).toISOString().slice(0, 7);
}

export interface MrrMovement {
  mrrNewCents: number;
  mrrExpansionCents: number;
  mrrContractionCents: number;
  mrrChurnCents: number;
}

/** How a customer's MRR moved over a month, from `start` to `end` (see the definitions above). */
export function mrrMovement(start: number, end: number): MrrMovement {
  return {
    mrrNewCents: start === 0 && end > 0 ? end : 0,
    mrrExpansionCents: start > 0 && end > start ? end - start : 0,
    mrrContractionCents: end > 0 && end < start ? start - end : 0,
    mrrChurnCents: start > 0 && end === 0 ? start : 0,
  };
}

/** Plan lines bill (positive amounts); credit lines deduct customer credit (negative amounts). */
function billed(lines: readonly InvoiceLine[]): { billedCents: number; creditAppliedCents: number } {
  return {
    billedCents: lines.reduce((sum, l) => sum + Math.max(0, l.amountCents), 0),
    creditAppliedCents: lines.reduce((sum, l) => sum - Math.min(0, l.amountCents), 0),
  };
}

/** Increments gathered per month, so an event writes each month document once (the `_position` guard allows no second write). */
class MonthBumps {
  private readonly byMonth = new Map<string, Record<string, number>>();

  add(month: string, inc: Record<string, number>): this {
    const into = this.byMonth.get(month) ?? {};
    for (const [field, value] of Object.entries(inc)) if (value !== 0) into[field] = (into[field] ?? 0) + value;
    this.byMonth.set(month, into);
    return this;
  }

  async write(months: { updateOne(filter: object, update: object, options: { upsert: boolean }): Promise<unknown> }): Promise<void> {
    for (const [month, inc] of [...this.byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (Object.keys(inc).length > 0) await months.updateOne({ _id: month }, { $setOnInsert: { month }, $inc: inc }, { upsert: true });
    }
  }
}

/**
 * On a store without transactions, whether the event is being applied again after a crash and
 * had already been applied in full: a helper document was written by a later event (`after`),
 * or the last one it writes was written by this one. Its handling then reads what later events
 * made, not what it saw the first time: a cancellation that came before its plan's purchase,
 * applied again, found the plan and counted a cancellation in a month the first pass never had.
 */
function appliedBefore(event: RecordedEvent, last: Document | null, after: Document | null): boolean {
  const at = (doc: Document | null) => (typeof doc?._position === 'number' ? doc._position : -1);
  return at(last) >= event.position || at(after) > event.position;
}

function stored<T extends Document>(doc: T | null): T | null {
  if (!doc) return null;
  const { _position: _p, ...rest } = doc;
  return rest as T;
}

export const financeProjection: Projection = {
  name: 'finance',
  version: 1,
  eventTypes: [...INVOICE_EVENTS, ...ADJUSTMENT_EVENTS, ...PLAN_EVENTS],
  collections: {
    [FINANCE_MONTHS]: [],
    [FINANCE_PLAN_MONTHS]: [{ keys: { month: 1 }, name: 'by_month' }],
    [FINANCE_INVOICES]: [{ keys: { status: 1, dueAt: 1 }, name: 'by_status_due' }],
    [FINANCE_CUSTOMERS]: [],
    [FINANCE_PLANS]: [],
  },
  // Counters first, helper documents last: if a store without transactions stops in between, the
  // helpers still say "not yet", so applying the event again recomputes the same increments (the
  // counters' own `_position` guard skips what already landed).
  async handle(event, { collection }) {
    const months = collection<FinanceMonthDoc>(FINANCE_MONTHS);
    const e = event as unknown as FinanceEvent;
    const bumps = new MonthBumps();

    if (e.type === 'SupportPlanPurchased' || e.type === 'SupportPlanCancelled') {
      const customers = collection<FinanceCustomerDoc>(FINANCE_CUSTOMERS);
      const plans = collection<FinancePlanDoc>(FINANCE_PLANS);
      const { customerId } = e.data;
      const planKey = `${customerId}|${e.type === 'SupportPlanPurchased' ? e.data.plan.planId : e.data.planId}`;
      const planAsStored = await plans.findOne({ _id: planKey });
      const customerAsStored = await customers.findOne({ _id: customerId });
      if (appliedBefore(event, planAsStored, customerAsStored)) return;
      const plan = stored(planAsStored);
      const at = e.type === 'SupportPlanPurchased' ? e.data.purchasedAt : e.data.cancelledAt;
      if (e.type === 'SupportPlanPurchased' ? plan !== null : plan === null || !plan.active) return;
      const { planId, product, tier, monthlyPriceCents } = e.type === 'SupportPlanPurchased' ? e.data.plan : plan!;
      const customer = stored(customerAsStored);
      // A customer's facts come in stream order; one dated before the month last counted (clocks
      // of two processes apart) counts in that month, so the movements still add up to the MRR.
      const month = customer && customer.month > monthOf(at) ? customer.month : monthOf(at);
      const before = customer?.mrrCents ?? 0;
      const start = customer && customer.month === month ? customer.monthStartCents : before;
      const change = e.type === 'SupportPlanPurchased' ? monthlyPriceCents : -monthlyPriceCents;
      const after = before + change;
      const was = mrrMovement(start, before);
      const now = mrrMovement(start, after);
      bumps.add(month, {
        mrrChangeCents: change,
        mrrNewCents: now.mrrNewCents - was.mrrNewCents,
        mrrExpansionCents: now.mrrExpansionCents - was.mrrExpansionCents,
        mrrContractionCents: now.mrrContractionCents - was.mrrContractionCents,
        mrrChurnCents: now.mrrChurnCents - was.mrrChurnCents,
        ...(change > 0 ? { subscriptionsStarted: 1 } : { subscriptionsEnded: 1 }),
      });
      await bumps.write(months);
      await collection<FinancePlanMonthDoc>(FINANCE_PLAN_MONTHS).updateOne(
        { _id: `${month}|${tier}|${product}` },
        { $setOnInsert: { month, tier, product }, $inc: { ...(change > 0 ? { purchased: 1 } : { cancelled: 1 }), mrrChangeCents: change } },
        { upsert: true },
      );
      await customers.replaceOne({ _id: customerId }, { _id: customerId, customerId, mrrCents: after, month, monthStartCents: start }, { upsert: true });
      await plans.replaceOne({ _id: planKey }, { _id: planKey, customerId, planId, product, tier, monthlyPriceCents, active: change > 0 }, { upsert: true });
      return;
    }

    const invoices = collection<FinanceInvoiceDoc>(FINANCE_INVOICES);
    const id = e.data.invoiceId;
    const invoice = stored(await invoices.findOne({ _id: id }));
    if (e.type === 'InvoiceIssued') {
      if (invoice) return;
      const { customerId, period, lines, totalCents, dueAt, issuedAt } = e.data;
      await bumps.add(period, { invoices: 1, ...billed(lines) }).write(months);
      const doc: FinanceInvoiceDoc = {
        _id: id,
        invoiceId: id,
        customerId,
        period,
        totalCents,
        dueAt,
        issuedAt,
        status: 'open',
        outstandingCents: Math.max(0, totalCents),
        creditedCents: 0,
        refundedCents: 0,
        firstFailedMonth: null,
      };
      await invoices.replaceOne({ _id: id }, doc, { upsert: true });
      return;
    }
    if (!invoice) return;
    let next: FinanceInvoiceDoc = invoice;
    switch (e.type) {
      case 'InvoicePaid': {
        if (invoice.status !== 'open') return;
        bumps.add(monthOf(e.data.paidAt), { payments: 1, cashCents: e.data.amountCents });
        if (invoice.firstFailedMonth) bumps.add(invoice.firstFailedMonth, { dunningRecovered: 1 });
        next = { ...invoice, status: 'paid', outstandingCents: 0 };
        break;
      }
      case 'InvoiceChargeFailed': {
        const month = monthOf(e.data.failedAt);
        bumps.add(month, { failedCharges: 1, failedChargeCents: invoice.outstandingCents, ...(invoice.firstFailedMonth ? {} : { dunningFailed: 1 }) });
        next = { ...invoice, firstFailedMonth: invoice.firstFailedMonth ?? month };
        break;
      }
      case 'InvoiceChargeRetried':
        bumps.add(monthOf(e.data.requestedAt), { chargeRetries: 1 });
        break;
      case 'InvoiceWrittenOff': {
        if (invoice.status !== 'open') return;
        bumps.add(monthOf(e.data.writtenOffAt), { writeOffs: 1, writeOffsCents: e.data.amountCents });
        if (invoice.firstFailedMonth) bumps.add(invoice.firstFailedMonth, { dunningWrittenOff: 1 });
        next = { ...invoice, status: 'written-off', outstandingCents: 0 };
        break;
      }
      case 'CreditNoteIssued': {
        const { amountCents, issuedAt } = e.data;
        bumps.add(monthOf(issuedAt), { creditNotes: 1, creditNotesCents: amountCents });
        next = {
          ...invoice,
          creditedCents: invoice.creditedCents + amountCents,
          outstandingCents: invoice.status === 'open' ? Math.max(0, invoice.outstandingCents - amountCents) : 0,
        };
        break;
      }
      case 'InvoiceRefundRequested':
        bumps.add(monthOf(e.data.requestedAt), { refundRequests: 1, refundRequestedCents: e.data.amountCents });
        break;
      case 'InvoiceRefunded':
        bumps.add(monthOf(e.data.refundedAt), { refunds: 1, refundsCents: e.data.amountCents });
        next = { ...invoice, refundedCents: invoice.refundedCents + e.data.amountCents };
        break;
      case 'InvoiceRefundFailed':
        bumps.add(monthOf(e.data.failedAt), { refundsFailed: 1 });
        break;
    }
    await bumps.write(months);
    if (next !== invoice) await invoices.replaceOne({ _id: id }, next);
  },
};
