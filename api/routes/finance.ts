/**
 * The managers' financial report over HTTP: the finance read model's monthly series (revenue,
 * cash, refunds, write-offs, failed charges and dunning, MRR and its movement, subscriptions),
 * the subscriptions per plan at the end of the range and the receivables aged — live, or as of a
 * past moment from a snapshot rebuilt from the events recorded until then (read-models/as-of.ts),
 * as the other reports do.
 */
import { z } from 'zod';
import { Collection, Document } from '../../document-store/port';
import { financeProjection, monthOf } from '../../projections/finance/projection';
import { addMonths, AGING_BUCKETS, FinanceFigures, monthsFrom, PLAN_TIERS, readFinanceFigures } from '../../projections/finance/report';
import { SnapshotBusy, SnapshotPending, snapshotsOf } from '../../read-models/as-of';
import { HttpProblem, toProblem } from '../http/problem';
import { route, RouteResult, RouteTable } from '../http/route';
import { ApiServices } from '../services';

/** Longest range the report answers, in months. */
export const MAX_FINANCE_MONTHS = 36;
/** Months the report covers when `from` is not given: a year up to `to`. */
export const DEFAULT_FINANCE_MONTHS = 12;

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month such as '2026-03'");

function checkRange(range: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (range.from === undefined || range.to === undefined) return;
  if (range.from > range.to) ctx.addIssue({ code: 'custom', path: ['from'], message: "'from' must not be after 'to'" });
  else if (monthsFrom(range.from, range.to).length > MAX_FINANCE_MONTHS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_FINANCE_MONTHS} months from 'from'` });
}

const AsOf = z.iso
  .datetime({ offset: true })
  .describe('Answer as the finance read model was at this past moment (an audit): rebuilt from the events recorded up to then, then cached; 503 with Retry-After while it is being built');
const FinanceQuery = z
  .object({
    from: Month.optional().describe(`First month reported (UTC); default ${DEFAULT_FINANCE_MONTHS - 1} months before 'to'`),
    to: Month.optional().describe("Last month reported (UTC, included); default the month of 'asOf', or this month"),
    asOf: AsOf.optional(),
  })
  .superRefine(checkRange);
const Range = z.object({ from: Month, to: Month }).superRefine(checkRange);
// The events' recorded times come from the wall clock, whatever clock the API runs on.
const PastMoment = z.object({ asOf: z.string().refine((v) => Date.parse(v) <= Date.now(), 'must be a past moment') });

// ---- answers ------------------------------------------------------------------------------

const Count = z.number().int().min(0);
const Cents = z.number().int().describe('US cents');
const Tier = z.enum(PLAN_TIERS as [string, ...string[]]);
const byTier = Object.fromEntries(PLAN_TIERS.map((t) => [t, Count])) as Record<(typeof PLAN_TIERS)[number], typeof Count>;

const DunningSchema = z
  .strictObject({
    failed: Count.describe('Invoices whose first charge failure fell in the month(s): the dunning cohort'),
    recovered: Count.describe('Of them, paid since'),
    writtenOff: Count.describe('Of them, written off since'),
    inDunning: Count.describe('Of them, still unpaid'),
    recoveryRate: z.number().nullable().describe('recovered / failed (0 to 1); null without failures'),
  })
  .describe('Dunning by cohort: each invoice counts once, in the month its first charge failed');

const FlowShape = {
  invoices: Count.describe('Invoices of the period'),
  billedCents: Cents.describe("What the period's invoices bill for plans"),
  creditNotesCents: Cents.describe('Credit notes issued in the month'),
  revenueCents: Cents.describe('Revenue recognised: billed for the period minus the credit notes issued in it'),
  creditAppliedCents: Cents.describe('Customer credit the invoices of the period deducted (credit lines)'),
  payments: Count,
  cashCents: Cents.describe('Cash collected: payments by the month paid'),
  refunds: Count,
  refundsCents: Cents.describe('Refunds paid out, by the month refunded'),
  refundsFailed: Count.describe('Refunds the gateway refused'),
  netCashCents: Cents.describe('Cash collected minus refunds paid out'),
  failedCharges: Count.describe('Charge attempts that failed, by the month they failed'),
  failedChargeCents: Cents.describe('What those attempts tried to collect'),
  chargeRetries: Count.describe('Charge attempts retried'),
  dunning: DunningSchema,
  writeOffs: Count,
  writeOffsCents: Cents.describe('Written off, by the month written off'),
};

const MonthSchema = z.strictObject({
  month: z.string().describe("'YYYY-MM' (UTC)"),
  ...FlowShape,
  mrr: z
    .strictObject({
      startCents: Cents.describe('MRR at the start of the month'),
      newCents: Cents.describe('From customers with no plan at the start who have plans at the end'),
      expansionCents: Cents.describe('From customers whose MRR grew from more than zero'),
      contractionCents: Cents.describe('From customers whose MRR shrank but not to zero'),
      churnCents: Cents.describe('From customers whose MRR went to zero'),
      endCents: Cents.describe('MRR at the end of the month = start + new + expansion − contraction − churn'),
    })
    .describe("Monthly recurring revenue: the monthly prices of the plans active then; its movement compares each customer's MRR at the start and at the end of the month"),
  subscriptions: z.strictObject({ ...byTier, total: Count }).describe("Plans active at the month's end, by tier"),
});

export const FinanceReportSchema = z.strictObject({
  from: z.string().describe('First month reported'),
  to: z.string().describe('Last month reported (included)'),
  asOf: z.iso.datetime({ offset: true }).describe('When the report was made, or the past moment it shows'),
  snapshot: z
    .strictObject({ at: z.iso.datetime({ offset: true }), position: z.number().int().min(0).describe('The last event included') })
    .nullable()
    .describe('null: the live read model; otherwise the past moment the report shows'),
  months: z.array(MonthSchema).describe("One entry per month from 'from' to 'to', months without activity as zeros"),
  totals: z.strictObject(FlowShape).describe('The whole range'),
  mrr: z
    .strictObject({ startCents: Cents, endCents: Cents, newCents: Cents, expansionCents: Cents, contractionCents: Cents, churnCents: Cents })
    .describe('MRR at the start and at the end of the range, and its movement over the range (the months summed)'),
  subscriptions: z
    .array(z.strictObject({ tier: Tier, product: z.string(), active: Count, mrrCents: Cents }))
    .describe("Plans active at the end of the range, per tier and product (those with none left out), by tier then product"),
  aging: z
    .strictObject({
      at: z.iso.datetime({ offset: true }).describe('The moment the receivables are aged at: the as-of moment, or now'),
      outstandingCents: Cents.describe('What the open invoices still owe (totals less credit notes)'),
      overdueCents: Cents.describe('Of it, past due'),
      invoices: Count.describe('Open invoices that still owe something'),
      buckets: z
        .array(z.strictObject({ bucket: z.enum(AGING_BUCKETS.map((b) => b.bucket) as [string, ...string[]]), invoices: Count, amountCents: Cents }))
        .describe('By whole UTC days past the due date: current (not past due), 1-30, 31-60, 61-90, 90+'),
    })
    .describe('Receivables, whatever the range: now, or at the as-of moment'),
});
type FinanceReport = z.infer<typeof FinanceReportSchema>;

/** The months a report covers: the query's, else the DEFAULT_FINANCE_MONTHS up to this month (or up to its as-of moment's). */
function financeRange(query: { from?: string | undefined; to?: string | undefined; asOf?: string | undefined }, now: Date): { from: string; to: string } {
  const to = query.to ?? monthOf(query.asOf ?? now.toISOString());
  const from = query.from ?? addMonths(to, -(DEFAULT_FINANCE_MONTHS - 1));
  Range.parse({ from, to });
  return { from, to };
}

type Source = { collection<T extends Document>(logical: string): Promise<Collection<T>>; snapshot: { at: string; position: number } | null };

/** The as-of snapshots of the finance read model, one set per running API. */
export function financeSnapshots(services: ApiServices) {
  return snapshotsOf(services, services.events, services.documents, financeProjection, { logger: services.logger });
}

/** Runs the report on the live read model, or (with `asOf`) on its snapshot; one not ready yet is a 503 with Retry-After. */
async function financeFrom(services: ApiServices, asOf: string | undefined, report: (source: Source) => Promise<RouteResult>): Promise<RouteResult> {
  if (asOf === undefined) return report({ collection: (logical) => services.readModels.collection(logical), snapshot: null });
  PastMoment.parse({ asOf });
  try {
    return await financeSnapshots(services).read(new Date(asOf), (snapshot) =>
      report({ collection: async (logical) => snapshot.collection(logical), snapshot: { at: snapshot.at, position: snapshot.position } }),
    );
  } catch (error) {
    if (!(error instanceof SnapshotBusy) && !(error instanceof SnapshotPending)) throw error;
    const detail = error instanceof SnapshotBusy ? 'Another past moment is being rebuilt; try again shortly.' : 'The finance figures as of that moment are being rebuilt; try again shortly.';
    return {
      status: 503,
      body: toProblem(new HttpProblem(503, 'Snapshot not ready', detail)),
      contentType: 'application/problem+json',
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
}

function answer(figures: FinanceFigures, range: { from: string; to: string }, source: Source, now: Date): FinanceReport {
  return { ...range, asOf: source.snapshot?.at ?? now.toISOString(), snapshot: source.snapshot, ...figures };
}

export const financeRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/reports/finance',
    summary: 'Financial report per UTC month — revenue recognised, cash collected, refunds, write-offs, failed charges and dunning recovery, MRR and its movement, subscriptions per plan — with the receivables aged; optionally as of a past moment (manager, admin)',
    tag: 'Reports',
    roles: ['manager', 'admin'],
    query: FinanceQuery,
    success: 200,
    operationId: 'getFinanceReport',
    response: FinanceReportSchema,
    responses: { 200: 'The report', 503: 'As of a past moment: the snapshot is being built (Retry-After)' },
    async handler({ query }, services: ApiServices) {
      const now = services.clock();
      const range = financeRange(query, now);
      return financeFrom(services, query.asOf, async (source) => {
        const at = source.snapshot ? new Date(source.snapshot.at) : now;
        const figures = await readFinanceFigures((logical) => source.collection(logical), range, at);
        return { status: 200, body: answer(figures, range, source, now) };
      });
    },
  }),
];
