import { z } from 'zod';
import { Collection, Document } from '../../document-store/port';
import { ServiceArea } from '../../domain/expert/expert';
import { PRIORITIES } from '../../domain/visit/plan-rules';
import { Priority, TicketStatus } from '../../domain/ticket/ticket';
import { VisitStatus } from '../../domain/visit/visit';
import { EXPERTS, ExpertProfileDoc } from '../../projections/experts/projection';
import {
  count,
  ON_TIME_GRACE_MINUTES,
  OPEN_WORK_ID,
  RATINGS,
  REPORT_DAYS,
  REPORT_EXPERT_DAYS,
  REPORT_EXPERTS,
  REPORT_OPEN_WORK,
  ReportCounters,
  ReportDayDoc,
  ReportExpertDayDoc,
  ReportExpertDoc,
  ReportOpenWorkDoc,
  reportsProjection,
} from '../../projections/reports/projection';
import { addedCounts, countsOfList, histogramOf, MinuteCounts, percentilesOf } from '../../projections/reports/minute-counts';
import { TICKETS, TicketDoc } from '../../projections/tickets/projection';
import { AsOfSnapshots, Snapshot, SnapshotBusy, SnapshotPending } from '../../read-models/as-of';
import { HttpProblem, toProblem } from '../http/problem';
import { route, RouteResult, RouteTable } from '../http/route';
import { ApiServices } from '../services';
import { STAFF } from './roles';

/** Longest range `/reports/summary` answers, in days (a year, leap day included). */
export const MAX_REPORT_DAYS = 366;
/** Days `/reports/summary` covers when `from` is not given: the last 30 days up to `to`. */
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;
const TICKET_STATUSES: readonly TicketStatus[] = ['on-hold', 'open', 'completed', 'cancelled'];
const VISIT_STATUSES: readonly VisitStatus[] = ['open', 'finalized', 'en-route', 'arrived', 'started', 'cant-arrive', 'cant-enter', 'closed-incomplete', 'completed', 'cancelled'];

/** Upper bounds (minutes, excluded) of the histogram buckets of times to match and to resolve; the last bucket is open. */
export const DURATION_BUCKETS = [15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 10080] as const;

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a day such as '2026-03-02'")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00.000Z`)) && new Date(`${d}T00:00:00.000Z`).toISOString().slice(0, 10) === d, 'not a calendar day');

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
function daysIn(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS) + 1;
}

/** from ≤ to, and at most MAX_REPORT_DAYS days: reported as field errors (400). */
function checkRange(range: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (range.from === undefined || range.to === undefined) return;
  if (range.from > range.to) ctx.addIssue({ code: 'custom', path: ['from'], message: "'from' must not be after 'to'" });
  else if (daysIn(range.from, range.to) > MAX_REPORT_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_REPORT_DAYS} days from 'from'` });
}

const AsOf = z.iso
  .datetime({ offset: true })
  .describe('Answer as the read model was at this past moment (an audit): rebuilt from the events recorded up to then, then cached; 503 with Retry-After while it is being built');
const RangeQuery = z.object({ from: Day.optional(), to: Day.optional(), asOf: AsOf.optional() }).superRefine(checkRange);
const Range = z.object({ from: Day, to: Day }).superRefine(checkRange);
// The events' recorded times come from the wall clock, whatever clock the API runs on.
const PastMoment = z.object({ asOf: z.string().refine((v) => Date.parse(v) <= Date.now(), 'must be a past moment') });

type Counters = ReportCounters;

/** Where a report reads: the live read model, or a snapshot of it as of a past moment. */
interface ReportSource {
  collection<T extends Document>(logical: string): Promise<Collection<T>>;
  snapshot: { at: string; position: number } | null;
}

const snapshots = new WeakMap<ApiServices, AsOfSnapshots>();

/** The API's as-of snapshots of the reports read model (one set per running API). */
export function reportSnapshots(services: ApiServices): AsOfSnapshots {
  let found = snapshots.get(services);
  if (!found) {
    found = new AsOfSnapshots(services.events, services.documents, reportsProjection, { logger: services.logger });
    snapshots.set(services, found);
  }
  return found;
}

/**
 * Runs a report on the live read model, or (with `asOf`) on the snapshot as of that moment; a
 * snapshot not ready yet, or another being built, is a 503 with Retry-After.
 */
async function reportFrom(services: ApiServices, asOf: string | undefined, report: (source: ReportSource) => Promise<RouteResult>): Promise<RouteResult> {
  if (asOf === undefined) return report({ collection: (logical) => services.readModels.collection(logical), snapshot: null });
  PastMoment.parse({ asOf });
  try {
    return await reportSnapshots(services).read(new Date(asOf), (snapshot: Snapshot) =>
      report({ collection: async (logical) => snapshot.collection(logical), snapshot: { at: snapshot.at, position: snapshot.position } }),
    );
  } catch (error) {
    if (!(error instanceof SnapshotBusy) && !(error instanceof SnapshotPending)) throw error;
    const detail = error instanceof SnapshotBusy ? 'Another past moment is being rebuilt; try again shortly.' : 'The reports as of that moment are being rebuilt; try again shortly.';
    return {
      status: 503,
      body: toProblem(new HttpProblem(503, 'Snapshot not ready', detail)),
      contentType: 'application/problem+json',
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
}

const SnapshotSchema = z
  .strictObject({
    at: z.iso.datetime({ offset: true }).describe('The moment asked for'),
    position: z.number().int().min(0).describe('The last event included'),
  })
  .nullable()
  .describe('null: the live read model; otherwise the past moment the report shows');

// ---- answers ------------------------------------------------------------------------------

const Count = z.number().int().min(0);
const countsByPriority = Object.fromEntries(PRIORITIES.map((p) => [p, Count])) as Record<Priority, typeof Count>;
const countsByStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, Count])) as Record<TicketStatus, typeof Count>;
const countsByVisitStatus = Object.fromEntries(VISIT_STATUSES.map((s) => [s, Count])) as Record<VisitStatus, typeof Count>;

const Minutes = z.number().min(0).nullable();
export const PercentilesSchema = z.strictObject({
  count: Count,
  p50: Minutes.describe('Median, in minutes (nearest rank); null without values'),
  p90: Minutes.describe('90th percentile, in minutes (nearest rank)'),
  max: Minutes,
});

/** Arrivals and overruns, of the whole system or of an expert. */
const PunctualityShape = {
  arrivals: Count.describe('Experts arriving at visits'),
  onTimeArrivals: Count.describe(`Arrivals at most ${ON_TIME_GRACE_MINUTES} minutes after the booked start`),
  onTimeRate: z.number().nullable().describe('On-time arrivals / arrivals (0 to 1)'),
  overruns: Count.describe('Visits finished (completed or closed incomplete) after the end first booked'),
  overrunRate: z.number().nullable().describe('Overruns / visits finished (0 to 1)'),
  averageOverrunMinutes: z.number().nullable().describe('How long past the booked end an overrun ended, on average (one decimal)'),
};

export const HistogramSchema = z
  .array(
    z.strictObject({
      fromMinutes: Count.describe('Included'),
      toMinutes: Count.nullable().describe('Excluded; null for the last, open bucket'),
      tickets: Count,
    }),
  )
  .describe(`Buckets bounded at ${DURATION_BUCKETS.join(', ')} minutes`);

export const RatingDistributionSchema = z
  .strictObject({ '1': Count, '2': Count, '3': Count, '4': Count, '5': Count })
  .describe('How many surveys gave each rating, 1 (worst) to 5 (best)');

/**
 * A day's figures, or a range's: each counts what happened that day (a ticket opened on Monday and
 * matched on Tuesday is opened on Monday, matched on Tuesday). Averages and rates are null when there
 * is nothing to divide by.
 */
export const ReportFiguresSchema = z.strictObject({
  opened: Count.describe('Tickets opened'),
  openedByPriority: z.strictObject(countsByPriority).describe('Tickets opened, by priority'),
  matched: Count.describe('Tickets whose first visit was matched (finalized)'),
  escalated: Count.describe('Tickets escalated (no match in time) for the first time'),
  completed: Count.describe('Tickets completed'),
  cancelled: Count.describe('Tickets cancelled'),
  visitsCompleted: Count,
  visitsIncomplete: Count.describe('Visits closed incomplete'),
  followUps: Count.describe('Visits added to tickets after they were opened (follow-ups of incomplete visits, mostly)'),
  surveys: Count.describe('Surveys answered'),
  averageTimeToMatchMinutes: z.number().nullable().describe("From opening a ticket to its first visit's match, in minutes (one decimal)"),
  averageResolutionMinutes: z.number().nullable().describe('From opening a ticket to its completion, in minutes (one decimal)'),
  escalationRate: z.number().nullable().describe('Tickets escalated / tickets opened (0 to 1)'),
  firstTimeFixRate: z.number().nullable().describe('Visits completed / visits finished, completed or closed incomplete (0 to 1)'),
  averageRating: z.number().nullable().describe('Average survey rating, 1 to 5 (two decimals)'),
  ratingDistribution: RatingDistributionSchema,
  timeToMatchMinutes: PercentilesSchema.describe('Times to match of the tickets matched'),
  resolutionMinutes: PercentilesSchema.describe('Times to resolve of the tickets completed'),
  ...PunctualityShape,
});
type ReportFigures = z.infer<typeof ReportFiguresSchema>;

export const TicketReportSchema = z.strictObject({
  from: z.iso.date().describe('First UTC day reported'),
  to: z.iso.date().describe('Last UTC day reported (included)'),
  asOf: z.iso.datetime({ offset: true }).describe('When the report was made, or the past moment it shows'),
  snapshot: SnapshotSchema,
  totals: ReportFiguresSchema.describe('The whole range'),
  days: z.array(ReportFiguresSchema.extend({ day: z.iso.date() })).describe('One entry per UTC day from `from` to `to`, days without activity as zeros'),
  distributions: z
    .strictObject({ timeToMatch: HistogramSchema, resolution: HistogramSchema })
    .describe('Times to match and to resolve over the range, as histograms'),
  openWork: z
    .strictObject({
      tickets: z.strictObject(countsByStatus),
      visits: z.strictObject(countsByVisitStatus),
    })
    .describe('Tickets and visits by status, whatever the range: now, or at the as-of moment'),
  current: z
    .strictObject({
      ticketsByStatus: z.strictObject(countsByStatus),
      escalated: Count.describe('Tickets escalated now'),
      flagged: Count.describe('Tickets with an open flag now'),
    })
    .nullable()
    .describe('The tickets now, whatever the range (null in an as-of report: see openWork)'),
});
type TicketReport = z.infer<typeof TicketReportSchema>;

export const ExpertLeaderboardEntrySchema = z.strictObject({
  rank: z.number().int().min(1),
  expertId: z.string(),
  name: z.string().nullable().describe('null when the expert profile is not (yet) in the experts read model'),
  active: z.boolean().nullable().describe('null when the expert profile is not (yet) in the experts read model'),
  visitsCompleted: Count,
  visitsIncomplete: Count.describe('Visits closed incomplete'),
  firstTimeFixRate: z.number().nullable().describe('Visits completed / visits finished (0 to 1); null before the first'),
  surveys: Count.describe('Surveys of the tickets the expert worked on'),
  averageRating: z.number().nullable().describe('1 to 5 (two decimals); null without surveys'),
  ratingDistribution: RatingDistributionSchema,
});
export const ExpertLeaderboardSchema = z.strictObject({
  sort: z.enum(['rating', 'visits']),
  experts: z.array(ExpertLeaderboardEntrySchema).describe('Best first'),
  total: Count.describe('Experts with any report figures'),
});
type ExpertLeaderboard = z.infer<typeof ExpertLeaderboardSchema>;

const PerformanceShape = {
  visitsCompleted: Count,
  visitsIncomplete: Count.describe('Visits closed incomplete'),
  firstTimeFixRate: z.number().nullable().describe('Visits completed / visits finished (0 to 1)'),
  ...PunctualityShape,
  surveys: Count.describe('Surveys of the tickets worked on, on the day they were answered'),
  averageRating: z.number().nullable().describe('1 to 5 (two decimals); null without surveys'),
  ratingDistribution: RatingDistributionSchema,
};
export const ExpertPerformanceSchema = z.strictObject({
  from: z.iso.date(),
  to: z.iso.date(),
  asOf: z.iso.datetime({ offset: true }).describe('When the report was made, or the past moment it shows'),
  snapshot: SnapshotSchema,
  onTimeGraceMinutes: Count.describe('An arrival counts as on time up to this many minutes after the booked start'),
  experts: z
    .array(
      z.strictObject({
        expertId: z.string(),
        name: z.string().nullable().describe('null when the expert profile is not in the experts read model'),
        active: z.boolean().nullable(),
        areas: z.array(z.string()).describe('Their service area as it is now: named areas, or a radius around their home'),
        skills: z.array(z.string()).describe('Their skills as they are now'),
        ...PerformanceShape,
      }),
    )
    .describe('Experts with figures in the range, most visits completed first'),
  byArea: z.array(z.strictObject({ area: z.string(), experts: Count, ...PerformanceShape })).describe("The experts' figures summed per service area (an expert serving several named areas counts in each)"),
  bySkill: z.array(z.strictObject({ skill: z.string(), experts: Count, ...PerformanceShape })).describe("The experts' figures summed per skill (an expert counts in each of their skills)"),
});
type ExpertPerformance = z.infer<typeof ExpertPerformanceSchema>;

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const average = (sum: number, n: number, digits = 1) => (n > 0 ? round(sum / n, digits) : null);
const rate = (part: number, whole: number) => (whole > 0 ? round(part / whole, 4) : null);

function distribution(counts: Counters['ratingCounts']): ReportFigures['ratingDistribution'] {
  return Object.fromEntries(RATINGS.map((r) => [String(r), count(counts?.[`r${r}`])])) as ReportFigures['ratingDistribution'];
}

/** Durations as counts: v3's counts, with v2's list of the same values added (read while v3 is rebuilt after an upgrade). */
function durations(counts: MinuteCounts | undefined, v2List: readonly number[] | undefined): MinuteCounts {
  return addedCounts([counts, countsOfList(v2List)]);
}

/** The report's buckets of durations. */
function histogram(counts: MinuteCounts | undefined): z.infer<typeof HistogramSchema> {
  return histogramOf(counts, [0, ...DURATION_BUCKETS]);
}

interface PunctualityCounters {
  visitsCompleted?: number;
  visitsIncomplete?: number;
  arrivals?: number;
  onTimeArrivals?: number;
  overruns?: number;
  overrunMinutesSum?: number;
}

function punctuality(c: PunctualityCounters) {
  const finished = count(c.visitsCompleted) + count(c.visitsIncomplete);
  return {
    arrivals: count(c.arrivals),
    onTimeArrivals: count(c.onTimeArrivals),
    onTimeRate: rate(count(c.onTimeArrivals), count(c.arrivals)),
    overruns: count(c.overruns),
    overrunRate: rate(count(c.overruns), finished),
    averageOverrunMinutes: average(count(c.overrunMinutesSum), count(c.overruns)),
  };
}

/** Counters of one day (or a sum of days) with the figures managers read. */
function figures(c: Counters): ReportFigures {
  const visitsCompleted = count(c.visitsCompleted);
  const visitsIncomplete = count(c.visitsIncomplete);
  return {
    opened: count(c.opened),
    openedByPriority: Object.fromEntries(PRIORITIES.map((p) => [p, count(c.openedByPriority?.[p])])) as Record<Priority, number>,
    matched: count(c.matched),
    escalated: count(c.escalated),
    completed: count(c.completed),
    cancelled: count(c.cancelled),
    visitsCompleted,
    visitsIncomplete,
    followUps: count(c.followUps),
    surveys: count(c.surveys),
    averageTimeToMatchMinutes: average(count(c.matchMinutesSum), count(c.matchMinutesCount)),
    averageResolutionMinutes: average(count(c.resolutionMinutesSum), count(c.resolutionMinutesCount)),
    /** Tickets escalated / tickets opened. */
    escalationRate: rate(count(c.escalated), count(c.opened)),
    /** Visits completed / visits finished (completed + closed incomplete). */
    firstTimeFixRate: rate(visitsCompleted, visitsCompleted + visitsIncomplete),
    averageRating: average(count(c.ratingSum), count(c.surveys), 2),
    ratingDistribution: distribution(c.ratingCounts),
    timeToMatchMinutes: percentilesOf(durations(c.matchMinuteCounts, c.matchMinutes)),
    resolutionMinutes: percentilesOf(durations(c.resolutionMinuteCounts, c.resolutionMinutes)),
    ...punctuality(c),
  };
}

const SUMMED: readonly (keyof Counters)[] = [
  'opened',
  'matched',
  'matchMinutesSum',
  'matchMinutesCount',
  'escalated',
  'completed',
  'resolutionMinutesSum',
  'resolutionMinutesCount',
  'cancelled',
  'visitsCompleted',
  'visitsIncomplete',
  'followUps',
  'surveys',
  'ratingSum',
  'arrivals',
  'onTimeArrivals',
  'overruns',
  'overrunMinutesSum',
];

function sum(docs: readonly Counters[]): Counters {
  const total: Record<string, unknown> = {};
  for (const field of SUMMED) total[field] = docs.reduce((s, d) => s + count(d[field] as number | undefined), 0);
  total.matchMinuteCounts = addedCounts(docs.map((d) => durations(d.matchMinuteCounts, d.matchMinutes)));
  total.resolutionMinuteCounts = addedCounts(docs.map((d) => durations(d.resolutionMinuteCounts, d.resolutionMinutes)));
  total.openedByPriority = Object.fromEntries(PRIORITIES.map((p) => [p, docs.reduce((s, d) => s + count(d.openedByPriority?.[p]), 0)]));
  total.ratingCounts = Object.fromEntries(RATINGS.map((r) => [`r${r}`, docs.reduce((s, d) => s + count(d.ratingCounts?.[`r${r}`]), 0)]));
  return total as Counters;
}

/** The tickets read model now: by status, escalated and flagged. */
async function ticketsNow(services: ApiServices): Promise<NonNullable<TicketReport['current']>> {
  // Counts through the status, escalated and flagged indexes: grouping every ticket on each
  // call cost more with every ticket ever opened (a soak's manager read scanned them all).
  const tickets = await services.readModels.collection<TicketDoc>(TICKETS);
  const [byStatus, escalated, flagged] = await Promise.all([
    Promise.all(TICKET_STATUSES.map((status) => tickets.count({ status }))),
    tickets.count({ escalated: true }),
    tickets.count({ flagged: true }),
  ]);
  return {
    ticketsByStatus: Object.fromEntries(TICKET_STATUSES.map((s, i) => [s, byStatus[i]!])) as Record<TicketStatus, number>,
    escalated,
    flagged,
  };
}

interface ExpertDayCounters extends PunctualityCounters {
  surveys?: number;
  ratingSum?: number;
  ratingCounts?: ReportExpertDayDoc['ratingCounts'];
}
const EXPERT_DAY_SUMMED = ['visitsCompleted', 'visitsIncomplete', 'arrivals', 'onTimeArrivals', 'overruns', 'overrunMinutesSum', 'surveys', 'ratingSum'] as const;

function sumExpertDays(docs: readonly ExpertDayCounters[]): ExpertDayCounters {
  const total: ExpertDayCounters = { ratingCounts: {} };
  for (const field of EXPERT_DAY_SUMMED) total[field] = docs.reduce((s, d) => s + count(d[field]), 0);
  for (const r of RATINGS) total.ratingCounts![`r${r}`] = docs.reduce((s, d) => s + count(d.ratingCounts?.[`r${r}`]), 0);
  return total;
}

function performance(c: ExpertDayCounters) {
  const visitsCompleted = count(c.visitsCompleted);
  const visitsIncomplete = count(c.visitsIncomplete);
  return {
    visitsCompleted,
    visitsIncomplete,
    firstTimeFixRate: rate(visitsCompleted, visitsCompleted + visitsIncomplete),
    ...punctuality(c),
    surveys: count(c.surveys),
    averageRating: average(count(c.ratingSum), count(c.surveys), 2),
    ratingDistribution: distribution(c.ratingCounts),
  };
}

/** How a service area reads in a report. */
function areasOf(area: ServiceArea | undefined): string[] {
  if (!area) return [];
  return area.kind === 'areas' ? [...area.areas] : [`Within ${area.radiusKm} km of home`];
}

/** Sums the experts' counters per group (an expert may be in several), biggest group first. */
function grouped(experts: readonly { keys: readonly string[]; counters: ExpertDayCounters }[]) {
  const groups = new Map<string, ExpertDayCounters[]>();
  for (const e of experts) for (const key of e.keys) groups.set(key, [...(groups.get(key) ?? []), e.counters]);
  return [...groups.entries()]
    .map(([key, members]) => ({ key, experts: members.length, ...performance(sumExpertDays(members)) }))
    .sort((a, b) => b.visitsCompleted - a.visitsCompleted || b.experts - a.experts || a.key.localeCompare(b.key));
}

function expertFigures(doc: ReportExpertDoc) {
  const visitsCompleted = count(doc.visitsCompleted);
  const visitsIncomplete = count(doc.visitsIncomplete);
  return {
    visitsCompleted,
    visitsIncomplete,
    firstTimeFixRate: rate(visitsCompleted, visitsCompleted + visitsIncomplete),
    surveys: count(doc.surveys),
    averageRating: average(count(doc.ratingSum), count(doc.surveys), 2),
    ratingDistribution: distribution(doc.ratingCounts),
  };
}

/** The days a report covers: the query's, else the DEFAULT_REPORT_DAYS up to today (or up to its as-of moment). */
function reportRange(query: { from?: string | undefined; to?: string | undefined; asOf?: string | undefined }, now: Date): { from: string; to: string } {
  const to = query.to ?? (query.asOf ?? now.toISOString()).slice(0, 10);
  const from = query.from ?? addDays(to, -(DEFAULT_REPORT_DAYS - 1));
  Range.parse({ from, to });
  return { from, to };
}

export const reportRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/reports/summary',
    summary: 'Ticketing report per UTC day and in total (opened, matched, escalated, completed, cancelled, times to match and resolve, first-time fix, survey ratings), with the tickets by status now (staff)',
    tag: 'Reports',
    roles: STAFF,
    query: RangeQuery,
    success: 200,
    operationId: 'getTicketReport',
    response: TicketReportSchema,
    responses: { 200: 'The report', 503: 'As of a past moment: the snapshot is being built (Retry-After)' },
    async handler({ query }, services: ApiServices) {
      const now = services.clock();
      const { from, to } = reportRange(query, now);
      return reportFrom(services, query.asOf, async (source) => {
        const stored = await (await source.collection<ReportDayDoc>(REPORT_DAYS)).find({ _id: { $gte: from, $lte: to } }, { sort: { _id: 1 } });
        const byDay = new Map(stored.map((d) => [d._id, d]));
        const days = Array.from({ length: daysIn(from, to) }, (_, i) => {
          const day = addDays(from, i);
          return { day, ...figures(byDay.get(day) ?? {}) };
        });
        const total = sum(stored);
        const work = await (await source.collection<ReportOpenWorkDoc>(REPORT_OPEN_WORK)).findOne({ _id: OPEN_WORK_ID });
        const body: TicketReport = {
          from,
          to,
          asOf: source.snapshot?.at ?? now.toISOString(),
          snapshot: source.snapshot,
          totals: figures(total),
          days,
          distributions: { timeToMatch: histogram(total.matchMinuteCounts), resolution: histogram(total.resolutionMinuteCounts) },
          openWork: {
            tickets: Object.fromEntries(TICKET_STATUSES.map((st) => [st, count(work?.tickets?.[st])])) as Record<TicketStatus, number>,
            visits: Object.fromEntries(VISIT_STATUSES.map((st) => [st, count(work?.visits?.[st])])) as Record<VisitStatus, number>,
          },
          current: source.snapshot ? null : await ticketsNow(services),
        };
        return { status: 200, body };
      });
    },
  }),
  route({
    method: 'get',
    path: '/reports/experts',
    summary: 'Expert leaderboard: visits completed and closed incomplete, first-time-fix rate and survey ratings of the tickets each expert worked on (staff)',
    tag: 'Reports',
    roles: STAFF,
    query: z.object({
      sort: z.enum(['rating', 'visits']).default('rating'),
      limit: z.coerce.number().int().min(1).max(200).default(20),
    }),
    success: 200,
    operationId: 'getExpertLeaderboard',
    response: ExpertLeaderboardSchema,
    async handler({ query }, services: ApiServices) {
      const reports = await services.readModels.collection<ReportExpertDoc>(REPORT_EXPERTS);
      // Rating: best average first, experts without surveys last; visits: most completed first.
      const rank = {
        $addFields: {
          _visits: { $ifNull: ['$visitsCompleted', 0] },
          _surveys: { $ifNull: ['$surveys', 0] },
          _rating: { $cond: [{ $gt: [{ $ifNull: ['$surveys', 0] }, 0] }, { $divide: ['$ratingSum', '$surveys'] }, -1] },
        },
      };
      const sort = query.sort === 'rating' ? { _rating: -1, _surveys: -1, _visits: -1, _id: 1 } : { _visits: -1, _rating: -1, _surveys: -1, _id: 1 };
      const docs = await reports.aggregate<ReportExpertDoc>([rank, { $sort: sort }, { $limit: query.limit }]);
      const ids = docs.map((d) => d._id);
      const profiles = ids.length === 0 ? [] : await (await services.readModels.collection<ExpertProfileDoc>(EXPERTS)).find({ _id: { $in: ids } });
      const names = new Map(profiles.map((p) => [p._id, p]));
      const body: ExpertLeaderboard = {
        sort: query.sort,
        experts: docs.map((d, i) => ({
          rank: i + 1,
          expertId: d._id,
          name: names.get(d._id)?.name ?? null,
          active: names.get(d._id)?.active ?? null,
          ...expertFigures(d),
        })),
        total: await reports.count({}),
      };
      return { status: 200, body };
    },
  }),
  route({
    method: 'get',
    path: '/reports/expert-performance',
    summary: "Experts' performance over a range of UTC days — visits, first-time fix, arrivals on time, overruns, survey ratings — per expert, per service area and per skill; optionally as of a past moment (staff)",
    tag: 'Reports',
    roles: STAFF,
    query: RangeQuery,
    success: 200,
    operationId: 'getExpertPerformance',
    response: ExpertPerformanceSchema,
    responses: { 200: 'The figures', 503: 'As of a past moment: the snapshot is being built (Retry-After)' },
    async handler({ query }, services: ApiServices) {
      const now = services.clock();
      const { from, to } = reportRange(query, now);
      return reportFrom(services, query.asOf, async (source) => {
        const days = await (await source.collection<ReportExpertDayDoc>(REPORT_EXPERT_DAYS)).find({ day: { $gte: from, $lte: to } });
        const byExpert = new Map<string, ReportExpertDayDoc[]>();
        for (const d of days) byExpert.set(d.expertId, [...(byExpert.get(d.expertId) ?? []), d]);
        const ids = [...byExpert.keys()];
        // Names, areas and skills as they are now: an audit is about the figures.
        const profiles = ids.length === 0 ? [] : await (await services.readModels.collection<ExpertProfileDoc>(EXPERTS)).find({ _id: { $in: ids } });
        const profileOf = new Map(profiles.map((p) => [p._id, p]));
        const experts = ids.map((expertId) => {
          const profile = profileOf.get(expertId);
          const counters = sumExpertDays(byExpert.get(expertId)!);
          return { expertId, profile, counters };
        });
        const body: ExpertPerformance = {
          from,
          to,
          asOf: source.snapshot?.at ?? now.toISOString(),
          snapshot: source.snapshot,
          onTimeGraceMinutes: ON_TIME_GRACE_MINUTES,
          experts: experts
            .map(({ expertId, profile, counters }) => ({
              expertId,
              name: profile?.name ?? null,
              active: profile?.active ?? null,
              areas: areasOf(profile?.serviceArea),
              skills: [...(profile?.skills ?? [])].sort(),
              ...performance(counters),
            }))
            .sort((a, b) => b.visitsCompleted - a.visitsCompleted || a.expertId.localeCompare(b.expertId)),
          byArea: grouped(experts.map((e) => ({ keys: areasOf(e.profile?.serviceArea), counters: e.counters }))).map(({ key, ...rest }) => ({ area: key, ...rest })),
          bySkill: grouped(experts.map((e) => ({ keys: e.profile?.skills ?? [], counters: e.counters }))).map(({ key, ...rest }) => ({ skill: key, ...rest })),
        };
        return { status: 200, body };
      });
    },
  }),
];
