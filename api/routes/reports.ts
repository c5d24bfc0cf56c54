import { z } from 'zod';
import { PRIORITIES } from '../../domain/visit/plan-rules';
import { Priority, TicketStatus } from '../../domain/ticket/ticket';
import { EXPERTS, ExpertDoc } from '../../projections/experts/projection';
import { count, RATINGS, REPORT_DAYS, REPORT_EXPERTS, ReportCounters, ReportDayDoc, ReportExpertDoc } from '../../projections/reports/projection';
import { TICKETS, TicketDoc } from '../../projections/tickets/projection';
import { route, RouteTable } from '../http/route';
import { ApiServices } from '../services';
import { STAFF } from './roles';

/** Longest range `/reports/summary` answers, in days (a year, leap day included). */
export const MAX_REPORT_DAYS = 366;
/** Days `/reports/summary` covers when `from` is not given: the last 30 days up to `to`. */
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;
const TICKET_STATUSES: readonly TicketStatus[] = ['on-hold', 'open', 'completed', 'cancelled'];

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

const RangeQuery = z.object({ from: Day.optional(), to: Day.optional() }).superRefine(checkRange);
const Range = z.object({ from: Day, to: Day }).superRefine(checkRange);

type Counters = ReportCounters;

// ---- answers ------------------------------------------------------------------------------

const Count = z.number().int().min(0);
const countsByPriority = Object.fromEntries(PRIORITIES.map((p) => [p, Count])) as Record<Priority, typeof Count>;
const countsByStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, Count])) as Record<TicketStatus, typeof Count>;

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
});
type ReportFigures = z.infer<typeof ReportFiguresSchema>;

export const TicketReportSchema = z.strictObject({
  from: z.iso.date().describe('First UTC day reported'),
  to: z.iso.date().describe('Last UTC day reported (included)'),
  asOf: z.iso.datetime({ offset: true }).describe('When the report was made'),
  totals: ReportFiguresSchema.describe('The whole range'),
  days: z.array(ReportFiguresSchema.extend({ day: z.iso.date() })).describe('One entry per UTC day from `from` to `to`, days without activity as zeros'),
  current: z
    .strictObject({
      ticketsByStatus: z.strictObject(countsByStatus),
      escalated: Count.describe('Tickets escalated now'),
      flagged: Count.describe('Tickets with an open flag now'),
    })
    .describe('The tickets now, whatever the range'),
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

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const average = (sum: number, n: number, digits = 1) => (n > 0 ? round(sum / n, digits) : null);
const rate = (part: number, whole: number) => (whole > 0 ? round(part / whole, 4) : null);

function distribution(counts: Counters['ratingCounts']): ReportFigures['ratingDistribution'] {
  return Object.fromEntries(RATINGS.map((r) => [String(r), count(counts?.[`r${r}`])])) as ReportFigures['ratingDistribution'];
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
];

function sum(docs: readonly Counters[]): Counters {
  const total: Record<string, unknown> = {};
  for (const field of SUMMED) total[field] = docs.reduce((s, d) => s + count(d[field] as number | undefined), 0);
  total.openedByPriority = Object.fromEntries(PRIORITIES.map((p) => [p, docs.reduce((s, d) => s + count(d.openedByPriority?.[p]), 0)]));
  total.ratingCounts = Object.fromEntries(RATINGS.map((r) => [`r${r}`, docs.reduce((s, d) => s + count(d.ratingCounts?.[`r${r}`]), 0)]));
  return total as Counters;
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
    async handler({ query }, services: ApiServices) {
      const now = services.clock();
      const to = query.to ?? now.toISOString().slice(0, 10);
      const from = query.from ?? addDays(to, -(DEFAULT_REPORT_DAYS - 1));
      Range.parse({ from, to });

      const stored = await (await services.readModels.collection<ReportDayDoc>(REPORT_DAYS)).find({ _id: { $gte: from, $lte: to } }, { sort: { _id: 1 } });
      const byDay = new Map(stored.map((d) => [d._id, d]));
      const days = Array.from({ length: daysIn(from, to) }, (_, i) => {
        const day = addDays(from, i);
        return { day, ...figures(byDay.get(day) ?? {}) };
      });

      const grouped = await (await services.readModels.collection<TicketDoc>(TICKETS)).aggregate<{ _id: TicketStatus; tickets: number; escalated: number; flagged: number }>([
        {
          $group: {
            _id: '$status',
            tickets: { $sum: 1 },
            escalated: { $sum: { $cond: [{ $eq: ['$escalated', true] }, 1, 0] } },
            flagged: { $sum: { $cond: [{ $eq: ['$flagged', true] }, 1, 0] } },
          },
        },
      ]);
      const byStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, grouped.find((g) => g._id === s)?.tickets ?? 0])) as Record<TicketStatus, number>;

      const body: TicketReport = {
        from,
        to,
        asOf: now.toISOString(),
        totals: figures(sum(stored)),
        days,
        current: {
          ticketsByStatus: byStatus,
          escalated: grouped.reduce((s, g) => s + g.escalated, 0),
          flagged: grouped.reduce((s, g) => s + g.flagged, 0),
        },
      };
      return { status: 200, body };
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
      const profiles = ids.length === 0 ? [] : await (await services.readModels.collection<ExpertDoc>(EXPERTS)).find({ _id: { $in: ids } });
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
];
