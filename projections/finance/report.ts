import { Collection, Document } from '../../document-store/port';
import { PlanTier } from '../../domain/customer/customer';
import { FINANCE_INVOICES, FINANCE_MONTHS, FINANCE_PLAN_MONTHS, FinanceCounters, FinanceInvoiceDoc, FinanceMonthDoc, FinancePlanMonthDoc } from './projection';

/**
 * The finance read model's figures for a range of months: the monthly series, the subscriptions
 * per plan at the range's end and the receivables aged at a moment. Pure over the documents, so
 * the API and the tests compute them the same way. Integer cents throughout; only rates are
 * fractions.
 */

export const PLAN_TIERS: readonly PlanTier[] = ['basic', 'standard', 'premium'];

/** Days past due of each aging bucket: `current` is not yet past due (or due that very day). */
export const AGING_BUCKETS = [
  { bucket: 'current', fromDays: null, toDays: 0 },
  { bucket: '1-30', fromDays: 1, toDays: 30 },
  { bucket: '31-60', fromDays: 31, toDays: 60 },
  { bucket: '61-90', fromDays: 61, toDays: 90 },
  { bucket: '90+', fromDays: 91, toDays: null },
] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number]['bucket'];

export interface MonthFigures {
  month: string;
  invoices: number;
  billedCents: number;
  creditNotesCents: number;
  /** Billed for the month's plans minus the credit notes issued in the month. */
  revenueCents: number;
  creditAppliedCents: number;
  payments: number;
  cashCents: number;
  refunds: number;
  refundsCents: number;
  refundsFailed: number;
  /** Cash collected minus refunds paid out. */
  netCashCents: number;
  failedCharges: number;
  failedChargeCents: number;
  chargeRetries: number;
  dunning: DunningFigures;
  writeOffs: number;
  writeOffsCents: number;
  mrr: { startCents: number; newCents: number; expansionCents: number; contractionCents: number; churnCents: number; endCents: number };
  /** Active at the month's end. */
  subscriptions: Record<PlanTier, number> & { total: number };
}

/** What happened in a month, or in a range of months summed. */
export type FlowFigures = Omit<MonthFigures, 'month' | 'mrr' | 'subscriptions'>;

export interface DunningFigures {
  /** Invoices whose first charge failure fell in the months counted. */
  failed: number;
  /** Of them, paid since. */
  recovered: number;
  /** Of them, written off since. */
  writtenOff: number;
  /** Still unpaid: neither recovered nor written off. */
  inDunning: number;
  /** recovered / failed (0 to 1); null without failures. */
  recoveryRate: number | null;
}

export interface PlanSubscriptions {
  tier: PlanTier;
  product: string;
  active: number;
  mrrCents: number;
}

export interface Aging {
  /** The moment the invoices are aged at. */
  at: string;
  outstandingCents: number;
  overdueCents: number;
  invoices: number;
  buckets: { bucket: AgingBucket; invoices: number; amountCents: number }[];
}

export interface FinanceFigures {
  months: MonthFigures[];
  totals: FlowFigures;
  mrr: { startCents: number; endCents: number; newCents: number; expansionCents: number; contractionCents: number; churnCents: number };
  subscriptions: PlanSubscriptions[];
  aging: Aging;
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM' months from `from` to `to`, both included. */
export function monthsFrom(from: string, to: string): string[] {
  const out: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  for (let current = from; current <= to; ) {
    out.push(current);
    month = month === 12 ? 1 : month + 1;
    year = month === 1 ? year + 1 : year;
    current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
  }
  return out;
}

/** The month `count` months after `month` (before, when negative). */
export function addMonths(month: string, count: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + (m - 1) + count;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Whole UTC days from the due day to the day of `at` (0 or less: not past due). */
export function daysPastDue(dueAt: string, at: Date): number {
  const day = (ms: number) => Math.floor(ms / DAY_MS);
  return day(at.getTime()) - day(Date.parse(dueAt));
}

export function agingBucketOf(days: number): AgingBucket {
  return AGING_BUCKETS.find((b) => b.toDays === null || days <= b.toDays)!.bucket;
}

/** The open invoices' outstanding amounts, by how long past due they are at `at`. */
export function aging(openInvoices: readonly Pick<FinanceInvoiceDoc, 'status' | 'outstandingCents' | 'dueAt'>[], at: Date): Aging {
  const owing = openInvoices.filter((i) => i.status === 'open' && i.outstandingCents > 0);
  const buckets = AGING_BUCKETS.map(({ bucket }) => ({ bucket, invoices: 0, amountCents: 0 }));
  for (const invoice of owing) {
    const into = buckets.find((b) => b.bucket === agingBucketOf(daysPastDue(invoice.dueAt, at)))!;
    into.invoices++;
    into.amountCents += invoice.outstandingCents;
  }
  const outstandingCents = buckets.reduce((sum, b) => sum + b.amountCents, 0);
  return { at: at.toISOString(), outstandingCents, overdueCents: outstandingCents - buckets[0]!.amountCents, invoices: owing.length, buckets };
}

const n = (value: number | undefined) => (typeof value === 'number' ? value : 0);
const rate = (part: number, whole: number) => (whole > 0 ? Number((part / whole).toFixed(4)) : null);

function dunning(c: FinanceCounters): DunningFigures {
  const failed = n(c.dunningFailed);
  const recovered = n(c.dunningRecovered);
  const writtenOff = n(c.dunningWrittenOff);
  return { failed, recovered, writtenOff, inDunning: failed - recovered - writtenOff, recoveryRate: rate(recovered, failed) };
}

/** The flow figures of one month's counters, or of several summed. */
function flows(c: FinanceCounters): FlowFigures {
  return {
    invoices: n(c.invoices),
    billedCents: n(c.billedCents),
    creditNotesCents: n(c.creditNotesCents),
    // A refund gives back part of a paid invoice: like a credit note, revenue no longer earned.
    revenueCents: n(c.billedCents) - n(c.creditNotesCents) - n(c.refundsCents),
    creditAppliedCents: n(c.creditAppliedCents),
    payments: n(c.payments),
    cashCents: n(c.cashCents),
    refunds: n(c.refunds),
    refundsCents: n(c.refundsCents),
    refundsFailed: n(c.refundsFailed),
    netCashCents: n(c.cashCents) - n(c.refundsCents),
    failedCharges: n(c.failedCharges),
    failedChargeCents: n(c.failedChargeCents),
    chargeRetries: n(c.chargeRetries),
    dunning: dunning(c),
    writeOffs: n(c.writeOffs),
    writeOffsCents: n(c.writeOffsCents),
  };
}

const SUMMED: readonly (keyof FinanceCounters)[] = [
  'invoices',
  'billedCents',
  'creditAppliedCents',
  'creditNotes',
  'creditNotesCents',
  'payments',
  'cashCents',
  'refundRequests',
  'refundRequestedCents',
  'refunds',
  'refundsCents',
  'refundsFailed',
  'failedCharges',
  'failedChargeCents',
  'chargeRetries',
  'dunningFailed',
  'dunningRecovered',
  'dunningWrittenOff',
  'writeOffs',
  'writeOffsCents',
  'mrrChangeCents',
  'mrrNewCents',
  'mrrExpansionCents',
  'mrrContractionCents',
  'mrrChurnCents',
  'subscriptionsStarted',
  'subscriptionsEnded',
];

function sum(docs: readonly FinanceCounters[]): FinanceCounters {
  return Object.fromEntries(SUMMED.map((field) => [field, docs.reduce((s, d) => s + n(d[field]), 0)]));
}

/**
 * The figures of the months `from`…`to`, from every month document and plan-month document up to
 * `to` (those before `from` give the MRR and the subscriptions the range starts with), and the
 * open invoices aged at `at`.
 */
export function financeFigures(
  input: { months: readonly FinanceMonthDoc[]; planMonths: readonly FinancePlanMonthDoc[]; openInvoices: readonly FinanceInvoiceDoc[] },
  range: { from: string; to: string },
  at: Date,
): FinanceFigures {
  const byMonth = new Map(input.months.filter((d) => d.month <= range.to).map((d) => [d.month, d]));
  const earlier = input.months.filter((d) => d.month < range.from);
  let mrr = earlier.reduce((s, d) => s + n(d.mrrChangeCents), 0);
  const active: Record<PlanTier, number> = { basic: 0, standard: 0, premium: 0 };
  const planMonthsOf = new Map<string, FinancePlanMonthDoc[]>();
  for (const pm of input.planMonths) {
    if (pm.month > range.to) continue;
    if (pm.month < range.from) active[pm.tier] += n(pm.purchased) - n(pm.cancelled);
    else planMonthsOf.set(pm.month, [...(planMonthsOf.get(pm.month) ?? []), pm]);
  }
  const startCents = mrr;
  const months = monthsFrom(range.from, range.to).map((month): MonthFigures => {
    const c: FinanceCounters = byMonth.get(month) ?? {};
    const start = mrr;
    mrr += n(c.mrrChangeCents);
    for (const pm of planMonthsOf.get(month) ?? []) active[pm.tier] += n(pm.purchased) - n(pm.cancelled);
    return {
      month,
      ...flows(c),
      mrr: {
        startCents: start,
        newCents: n(c.mrrNewCents),
        expansionCents: n(c.mrrExpansionCents),
        contractionCents: n(c.mrrContractionCents),
        churnCents: n(c.mrrChurnCents),
        endCents: mrr,
      },
      subscriptions: { ...active, total: PLAN_TIERS.reduce((s, t) => s + active[t], 0) },
    };
  });
  const inRange = monthsFrom(range.from, range.to).flatMap((m) => (byMonth.has(m) ? [byMonth.get(m)!] : []));
  const total = sum(inRange);
  return {
    months,
    totals: flows(total),
    mrr: {
      startCents,
      endCents: mrr,
      newCents: n(total.mrrNewCents),
      expansionCents: n(total.mrrExpansionCents),
      contractionCents: n(total.mrrContractionCents),
      churnCents: n(total.mrrChurnCents),
    },
    subscriptions: subscriptionsAt(input.planMonths, range.to),
    aging: aging(input.openInvoices, at),
  };
}

/** Active subscriptions and their MRR per plan tier and product at the end of `month`; those with none left out. */
export function subscriptionsAt(planMonths: readonly FinancePlanMonthDoc[], month: string): PlanSubscriptions[] {
  const byPlan = new Map<string, PlanSubscriptions>();
  for (const pm of planMonths) {
    if (pm.month > month) continue;
    const key = `${pm.tier}|${pm.product}`;
    const into = byPlan.get(key) ?? { tier: pm.tier, product: pm.product, active: 0, mrrCents: 0 };
    into.active += n(pm.purchased) - n(pm.cancelled);
    into.mrrCents += n(pm.mrrChangeCents);
    byPlan.set(key, into);
  }
  return [...byPlan.values()]
    .filter((p) => p.active > 0)
    .sort((a, b) => PLAN_TIERS.indexOf(a.tier) - PLAN_TIERS.indexOf(b.tier) || a.product.localeCompare(b.product));
}

/** Reads what `financeFigures` needs from the finance read model (live, or a snapshot of it). */
export async function readFinanceFigures(
  collection: <T extends Document>(logical: string) => Promise<Collection<T>>,
  range: { from: string; to: string },
  at: Date,
): Promise<FinanceFigures> {
  const [months, planMonths, openInvoices] = await Promise.all([
    (await collection<FinanceMonthDoc>(FINANCE_MONTHS)).find({ _id: { $lte: range.to } }, { sort: { _id: 1 } }),
    (await collection<FinancePlanMonthDoc>(FINANCE_PLAN_MONTHS)).find({ month: { $lte: range.to } }),
    (await collection<FinanceInvoiceDoc>(FINANCE_INVOICES)).find({ status: 'open' }),
  ]);
  return financeFigures({ months, planMonths, openInvoices }, range, at);
}
