import { Document } from '../../document-store/port';
import { Priority, TicketEvent } from '../../domain/ticket/ticket';
import { VisitEvent } from '../../domain/visit/visit';
import { Projection } from '../projection';

/**
 * The `reports` read model: the manager's analytics, as counters per UTC day and per expert.
 *
 * Every figure is counted on the day the fact happened (the time in the event's data, never the
 * clock): a ticket opened on Monday and matched on Tuesday counts as opened on Monday and as
 * matched, with its time to match, on Tuesday. Durations are whole minutes (rounded) and are
 * stored as a sum and a count, so any range of days adds up to an exact average.
 */
export interface ReportDayDoc extends Document, ReportCounters {
  /** 'YYYY-MM-DD' (UTC), also the `_id`. */
  day: string;
}

/** The counters of a day; absent until first incremented. */
export interface ReportCounters {
  opened?: number;
  openedByPriority?: Partial<Record<Priority, number>>;
  /** Tickets whose first visit was finalized (matched) that day, and opened → matched minutes. */
  matched?: number;
  matchMinutesSum?: number;
  matchMinutesCount?: number;
  /** Tickets escalated (no match in time) for the first time that day. */
  escalated?: number;
  /** Tickets completed that day, and opened → completed minutes. */
  completed?: number;
  resolutionMinutesSum?: number;
  resolutionMinutesCount?: number;
  cancelled?: number;
  visitsCompleted?: number;
  /** Visits closed incomplete (needs parts / more time): the first-time-fix signal. */
  visitsIncomplete?: number;
  /** Visits added to a ticket after it was opened (follow-ups of incomplete visits, mostly). */
  followUps?: number;
  surveys?: number;
  ratingSum?: number;
  /** Surveys per rating: `r1` … `r5`. */
  ratingCounts?: Partial<Record<RatingKey, number>>;
}

/** Per expert: visits done and the surveys of the tickets they worked on (did a visit of). */
export interface ReportExpertDoc extends Document {
  expertId: string;
  visitsCompleted?: number;
  visitsIncomplete?: number;
  surveys?: number;
  ratingSum?: number;
  ratingCounts?: Partial<Record<RatingKey, number>>;
}

/**
 * Internal: what the handler must remember about a ticket so each event can be applied alone
 * (when it was opened, whether it was matched or escalated already, who worked on it). The
 * decisions record the id of the event that made them, so re-applying that event (a MongoDB
 * batch re-applied after a crash) decides the same way.
 */
export interface ReportTicketDoc extends Document {
  ticketId: string;
  openedAt: string | null;
  priority: Priority | null;
  firstMatchedAt: string | null;
  matchedBy: string | null;
  escalatedAt: string | null;
  escalatedBy: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  /** Experts who completed or closed incomplete one of its visits, sorted. */
  experts: string[];
  survey: { eventId: string; rating: number; recordedAt: string; experts: string[] } | null;
}

export type RatingKey = 'r1' | 'r2' | 'r3' | 'r4' | 'r5';
export const RATINGS = [1, 2, 3, 4, 5] as const;

export const REPORT_DAYS = 'report_days';
export const REPORT_EXPERTS = 'report_experts';
export const REPORT_TICKETS = 'report_tickets';

const TICKET_EVENTS: readonly TicketEvent['type'][] = ['TicketOpened', 'TicketEscalated', 'TicketFollowUpVisitAdded', 'TicketCompleted', 'TicketCancelled', 'TicketSurveyRecorded'];
const VISIT_EVENTS: readonly VisitEvent['type'][] = ['VisitFinalized', 'VisitCompleted', 'VisitClosedIncomplete'];

/** The UTC day of an ISO instant. */
export function dayOf(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso.slice(0, 10) : new Date(ms).toISOString().slice(0, 10);
}

/** Whole minutes from `from` to `to` (never negative), or null when either is unknown. */
export function minutesBetween(from: string | null, to: string): number | null {
  if (!from) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? null : Math.max(0, Math.round(ms / 60_000));
}

function ratingKey(rating: number): RatingKey | null {
  return Number.isInteger(rating) && rating >= 1 && rating <= 5 ? (`r${rating}` as RatingKey) : null;
}

function blankTicket(ticketId: string): ReportTicketDoc {
  return {
    _id: ticketId,
    ticketId,
    openedAt: null,
    priority: null,
    firstMatchedAt: null,
    matchedBy: null,
    escalatedAt: null,
    escalatedBy: null,
    completedAt: null,
    cancelledAt: null,
    experts: [],
    survey: null,
  };
}

/** The helper document as stored, without what the engine adds (`_position`). */
function ticketOf(stored: ReportTicketDoc | null, ticketId: string): ReportTicketDoc {
  if (!stored) return blankTicket(ticketId);
  const { _position: _p, ...rest } = stored;
  return { ...blankTicket(ticketId), ...rest } as ReportTicketDoc;
}

function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

export const reportsProjection: Projection = {
  name: 'reports',
  version: 1,
  eventTypes: [...TICKET_EVENTS, ...VISIT_EVENTS],
  collections: {
    [REPORT_DAYS]: [],
    [REPORT_EXPERTS]: [{ keys: { visitsCompleted: -1 }, name: 'by_visits' }],
    [REPORT_TICKETS]: [],
  },
  async handle(event, { collection }) {
    const days = collection<ReportDayDoc>(REPORT_DAYS);
    const expertsCol = collection<ReportExpertDoc>(REPORT_EXPERTS);
    const ticketsCol = collection<ReportTicketDoc>(REPORT_TICKETS);
    const e = event as unknown as TicketEvent | VisitEvent;
    const ticketId = e.data.ticketId;
    // Counters first, the helper document last: if a non-atomic store stops in between, the
    // helper still says "not yet", so applying the event again counts it (the counters' own
    // `_position` guard skips what already landed).
    const bump = (day: string, inc: Record<string, number>) => days.updateOne({ _id: day }, { $setOnInsert: { day }, $inc: inc }, { upsert: true });
    const bumpExperts = async (experts: readonly string[], inc: Record<string, number>) => {
      for (const expertId of sortedUnique(experts)) await expertsCol.updateOne({ _id: expertId }, { $setOnInsert: { expertId }, $inc: inc }, { upsert: true });
    };
    const load = async () => ticketOf(await ticketsCol.findOne({ _id: ticketId }), ticketId);
    const save = (doc: ReportTicketDoc) => ticketsCol.replaceOne({ _id: ticketId }, doc, { upsert: true });

    switch (e.type) {
      case 'TicketOpened': {
        const { openedAt, priority } = e.data;
        await bump(dayOf(openedAt), { opened: 1, [`openedByPriority.${priority}`]: 1 });
        await save({ ...(await load()), openedAt, priority });
        return;
      }
      case 'VisitFinalized': {
        const ticket = await load();
        if (ticket.firstMatchedAt !== null && ticket.matchedBy !== event.id) return;
        const minutes = minutesBetween(ticket.openedAt, e.data.finalizedAt);
        await bump(dayOf(e.data.finalizedAt), { matched: 1, ...(minutes === null ? {} : { matchMinutesSum: minutes, matchMinutesCount: 1 }) });
        await save({ ...ticket, firstMatchedAt: e.data.finalizedAt, matchedBy: event.id });
        return;
      }
      case 'TicketEscalated': {
        const ticket = await load();
        if (ticket.escalatedAt !== null && ticket.escalatedBy !== event.id) return;
        await bump(dayOf(e.data.escalatedAt), { escalated: 1 });
        await save({ ...ticket, escalatedAt: e.data.escalatedAt, escalatedBy: event.id });
        return;
      }
      case 'TicketFollowUpVisitAdded':
        await bump(dayOf(e.data.addedAt), { followUps: 1 });
        return;
      case 'TicketCompleted': {
        const ticket = await load();
        const minutes = minutesBetween(ticket.openedAt, e.data.completedAt);
        await bump(dayOf(e.data.completedAt), { completed: 1, ...(minutes === null ? {} : { resolutionMinutesSum: minutes, resolutionMinutesCount: 1 }) });
        await save({ ...ticket, completedAt: e.data.completedAt });
        return;
      }
      case 'TicketCancelled': {
        await bump(dayOf(e.data.cancelledAt), { cancelled: 1 });
        await save({ ...(await load()), cancelledAt: e.data.cancelledAt });
        return;
      }
      case 'VisitCompleted':
      case 'VisitClosedIncomplete': {
        const field = e.type === 'VisitCompleted' ? 'visitsCompleted' : 'visitsIncomplete';
        const at = e.type === 'VisitCompleted' ? e.data.completedAt : e.data.closedAt;
        await bump(dayOf(at), { [field]: 1 });
        await bumpExperts(e.data.experts, { [field]: 1 });
        const ticket = await load();
        await save({ ...ticket, experts: sortedUnique([...ticket.experts, ...e.data.experts]) });
        return;
      }
      case 'TicketSurveyRecorded': {
        const ticket = await load();
        // One survey per ticket (the Ticket guards it); a second one would not be counted twice.
        if (ticket.survey !== null && ticket.survey.eventId !== event.id) return;
        const experts = ticket.survey?.experts ?? ticket.experts;
        const { rating, recordedAt } = e.data;
        const key = ratingKey(rating);
        const inc = { surveys: 1, ratingSum: rating, ...(key ? { [`ratingCounts.${key}`]: 1 } : {}) };
        await bump(dayOf(recordedAt), inc);
        await bumpExperts(experts, inc);
        await save({ ...ticket, survey: { eventId: event.id, rating, recordedAt, experts } });
        return;
      }
      default:
        return;
    }
  },
};

/** A counter that may not have been incremented yet. */
export function count(value: number | undefined): number {
  return typeof value === 'number' ? value : 0;
}
