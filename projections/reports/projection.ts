import { Document } from '../../document-store/port';
import { Priority, TicketEvent, TicketStatus } from '../../domain/ticket/ticket';
import { VisitEvent, VisitStatus } from '../../domain/visit/visit';
import { Projection } from '../projection';
import { MinuteCounts, minuteKey } from './minute-counts';

/**
 * The `reports` read model: the manager's analytics, as counters per UTC day and per expert.
 *
 * Every figure is counted on the day the fact happened (the time in the event's data, never the
 * clock): a ticket opened on Monday and matched on Tuesday counts as opened on Monday and as
 * matched, with its time to match, on Tuesday. Durations are whole minutes (rounded) and are
 * stored as a sum and a count, so any range of days adds up to an exact average, and as how many
 * of the day's values were each number of minutes, so a range has exact percentiles and
 * histograms too.
 *
 * v2: time-to-match and resolution lists, arrivals (on time or late) and overruns per day and per
 * expert and day, and the open work (tickets and visits by status) as it stands.
 * v3: the durations counted per number of minutes instead of listed: a day's document grew by a
 * value with every match, and was rewritten whole at each (9,000 values on a soak's day).
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
  /** How many of the day's matches took each number of minutes (`minuteKey`). */
  matchMinuteCounts?: MinuteCounts;
  /** v2's list of the day's times to match: what the API reads while v3 is rebuilt after an upgrade. */
  matchMinutes?: number[];
  /** Tickets escalated (no match in time) for the first time that day. */
  escalated?: number;
  /** Tickets completed that day, and opened → completed minutes. */
  completed?: number;
  resolutionMinutesSum?: number;
  resolutionMinutesCount?: number;
  resolutionMinuteCounts?: MinuteCounts;
  /** v2's list, as `matchMinutes`. */
  resolutionMinutes?: number[];
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
  /** Experts arriving at a visit, and those of them at most ON_TIME_GRACE_MINUTES after its start. */
  arrivals?: number;
  onTimeArrivals?: number;
  /** Visits finished (completed or closed incomplete) after the end first booked, and by how much. */
  overruns?: number;
  overrunMinutesSum?: number;
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

/** One expert's figures of one UTC day (`_id`: `<day>|<expertId>`). */
export interface ReportExpertDayDoc extends Document {
  day: string;
  expertId: string;
  visitsCompleted?: number;
  visitsIncomplete?: number;
  arrivals?: number;
  onTimeArrivals?: number;
  overruns?: number;
  overrunMinutesSum?: number;
  surveys?: number;
  ratingSum?: number;
  ratingCounts?: Partial<Record<RatingKey, number>>;
}

/** The open work as it stands (one document, `_id` OPEN_WORK_ID): tickets and visits by status. */
export interface ReportOpenWorkDoc extends Document {
  tickets?: Partial<Record<TicketStatus, number>>;
  visits?: Partial<Record<VisitStatus, number>>;
}

/** Internal: a visit's status and booked time, for open work, arrivals and overruns. */
export interface ReportVisitDoc extends Document {
  visitId: string;
  status: VisitStatus | null;
  start: string | null;
  /** The end first booked when it was finalized (extensions do not move it): overruns count from it. */
  bookedEnd: string | null;
  /** Experts on the way, as the Visit keeps them (a replacement goes back to finalized once none is). */
  enRoute: string[];
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
  status: TicketStatus | null;
  /** Experts who completed or closed incomplete one of its visits, sorted. */
  experts: string[];
  survey: { eventId: string; rating: number; recordedAt: string; experts: string[] } | null;
}

export type RatingKey = 'r1' | 'r2' | 'r3' | 'r4' | 'r5';
export const RATINGS = [1, 2, 3, 4, 5] as const;

export const REPORT_DAYS = 'report_days';
export const REPORT_EXPERTS = 'report_experts';
export const REPORT_TICKETS = 'report_tickets';
export const REPORT_EXPERT_DAYS = 'report_expert_days';
export const REPORT_VISITS = 'report_visits';
export const REPORT_OPEN_WORK = 'report_open_work';
export const OPEN_WORK_ID = 'now';

/** An arrival counts as on time up to this many minutes after the visit's booked start. */
export const ON_TIME_GRACE_MINUTES = 15;

const TICKET_EVENTS: readonly TicketEvent['type'][] = [
  'TicketOpened',
  'TicketEscalated',
  'TicketFollowUpVisitAdded',
  'TicketCompleted',
  'TicketCancelled',
  'TicketSurveyRecorded',
];

/** The status a visit event leaves the visit in (as the tickets read model follows it). */
const VISIT_STATUS: Partial<Record<VisitEvent['type'], VisitStatus>> = {
  VisitPlanned: 'open',
  VisitFinalized: 'finalized',
  VisitEnRoute: 'en-route',
  VisitArrived: 'arrived',
  VisitStarted: 'started',
  VisitCantArrive: 'cant-arrive',
  VisitCantEnter: 'cant-enter',
  VisitRescheduled: 'open',
  VisitClosedIncomplete: 'closed-incomplete',
  VisitCompleted: 'completed',
  VisitCancelled: 'cancelled',
};
const VISIT_EVENTS: readonly VisitEvent['type'][] = [...(Object.keys(VISIT_STATUS) as VisitEvent['type'][]), 'VisitExpertReplaced'];

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
    status: null,
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

function blankVisit(visitId: string): ReportVisitDoc {
  return { _id: visitId, visitId, status: null, start: null, bookedEnd: null, enRoute: [] };
}

function visitOf(stored: ReportVisitDoc | null, visitId: string): ReportVisitDoc {
  if (!stored) return blankVisit(visitId);
  const { _position: _p, ...rest } = stored;
  return { ...blankVisit(visitId), ...rest } as ReportVisitDoc;
}

/** The open-work increments of a move from one status to another (nothing when it stays). */
function move(kind: 'tickets' | 'visits', from: string | null, to: string | null): Record<string, number> {
  if (from === to) return {};
  return { ...(from ? { [`${kind}.${from}`]: -1 } : {}), ...(to ? { [`${kind}.${to}`]: 1 } : {}) };
}

/** The visit's status after `e`, as the Visit decides it (a replacement ends a can't-arrive). */
function nextVisit(visit: ReportVisitDoc, e: VisitEvent): ReportVisitDoc {
  const next = { ...visit, status: VISIT_STATUS[e.type] ?? visit.status };
  switch (e.type) {
    case 'VisitFinalized':
      return { ...next, start: e.data.start, bookedEnd: e.data.end, enRoute: [] };
    case 'VisitEnRoute':
      return { ...next, enRoute: sortedUnique([...visit.enRoute, e.data.expertId]) };
    case 'VisitRescheduled':
      return { ...next, start: null, bookedEnd: null, enRoute: [] };
    case 'VisitExpertReplaced': {
      const enRoute = visit.enRoute.filter((x) => x !== e.data.outExpertId);
      const back = visit.status === 'cant-arrive' || (visit.status === 'en-route' && enRoute.length === 0);
      return { ...next, status: back ? 'finalized' : visit.status, enRoute };
    }
    default:
      return next;
  }
}

function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

interface Writers {
  bump(day: string, inc: Record<string, number>): Promise<unknown>;
  bumpExperts(experts: readonly string[], inc: Record<string, number>): Promise<void>;
  bumpExpertDays(day: string, experts: readonly string[], inc: Record<string, number>): Promise<void>;
  load(): Promise<ReportTicketDoc>;
  save(doc: ReportTicketDoc): Promise<unknown>;
  eventId: string;
}

/** The figures a visit event adds: the ticket's first match, arrivals, visits finished and overruns. */
async function visitFigures(e: VisitEvent, visit: ReportVisitDoc, w: Writers): Promise<void> {
  switch (e.type) {
    case 'VisitFinalized': {
      const ticket = await w.load();
      if (ticket.firstMatchedAt !== null && ticket.matchedBy !== w.eventId) return;
      const minutes = minutesBetween(ticket.openedAt, e.data.finalizedAt);
      await w.bump(dayOf(e.data.finalizedAt), {
        matched: 1,
        ...(minutes === null ? {} : { matchMinutesSum: minutes, matchMinutesCount: 1, [`matchMinuteCounts.${minuteKey(minutes)}`]: 1 }),
      });
      await w.save({ ...ticket, firstMatchedAt: e.data.finalizedAt, matchedBy: w.eventId });
      return;
    }
    case 'VisitArrived': {
      // An arrival at a visit with no booked start (not expected) counts as late.
      const onTime = visit.start !== null && Date.parse(e.data.arrivedAt) <= Date.parse(visit.start) + ON_TIME_GRACE_MINUTES * 60_000;
      const inc = { arrivals: 1, onTimeArrivals: onTime ? 1 : 0 };
      await w.bump(dayOf(e.data.arrivedAt), inc);
      await w.bumpExpertDays(dayOf(e.data.arrivedAt), [e.data.expertId], inc);
      return;
    }
    case 'VisitCompleted':
    case 'VisitClosedIncomplete': {
      const field = e.type === 'VisitCompleted' ? 'visitsCompleted' : 'visitsIncomplete';
      const at = e.type === 'VisitCompleted' ? e.data.completedAt : e.data.closedAt;
      const over = visit.bookedEnd !== null && Date.parse(at) > Date.parse(visit.bookedEnd) ? minutesBetween(visit.bookedEnd, at) : null;
      const inc = { [field]: 1, ...(over === null ? {} : { overruns: 1, overrunMinutesSum: over }) };
      await w.bump(dayOf(at), inc);
      await w.bumpExperts(e.data.experts, { [field]: 1 });
      await w.bumpExpertDays(dayOf(at), e.data.experts, inc);
      const ticket = await w.load();
      await w.save({ ...ticket, experts: sortedUnique([...ticket.experts, ...e.data.experts]) });
      return;
    }
    default:
      return;
  }
}

export const reportsProjection: Projection = {
  name: 'reports',
  version: 3,
  eventTypes: [...TICKET_EVENTS, ...VISIT_EVENTS],
  collections: {
    [REPORT_DAYS]: [],
    [REPORT_EXPERTS]: [{ keys: { visitsCompleted: -1 }, name: 'by_visits' }],
    [REPORT_TICKETS]: [],
    [REPORT_EXPERT_DAYS]: [{ keys: { day: 1 }, name: 'by_day' }],
    [REPORT_VISITS]: [],
    [REPORT_OPEN_WORK]: [],
  },
  async handle(event, { collection }) {
    const days = collection<ReportDayDoc>(REPORT_DAYS);
    const expertsCol = collection<ReportExpertDoc>(REPORT_EXPERTS);
    const ticketsCol = collection<ReportTicketDoc>(REPORT_TICKETS);
    const expertDays = collection<ReportExpertDayDoc>(REPORT_EXPERT_DAYS);
    const visitsCol = collection<ReportVisitDoc>(REPORT_VISITS);
    const openWork = collection<ReportOpenWorkDoc>(REPORT_OPEN_WORK);
    const e = event as unknown as TicketEvent | VisitEvent;
    const ticketId = e.data.ticketId;
    // Counters first, the helper documents last: if a non-atomic store stops in between, the
    // helper still says "not yet", so applying the event again counts it (the counters' own
    // `_position` guard skips what already landed). That guard also means an event writes each
    // counter document at most once: its increments are gathered into one update.
    const bump = (day: string, inc: Record<string, number>) => days.updateOne({ _id: day }, { $setOnInsert: { day }, $inc: inc }, { upsert: true });
    const bumpExperts = async (experts: readonly string[], inc: Record<string, number>) => {
      for (const expertId of sortedUnique(experts)) await expertsCol.updateOne({ _id: expertId }, { $setOnInsert: { expertId }, $inc: inc }, { upsert: true });
    };
    const bumpExpertDays = async (day: string, experts: readonly string[], inc: Record<string, number>) => {
      for (const expertId of sortedUnique(experts)) await expertDays.updateOne({ _id: `${day}|${expertId}` }, { $setOnInsert: { day, expertId }, $inc: inc }, { upsert: true });
    };
    const bumpOpenWork = async (inc: Record<string, number>) => {
      if (Object.keys(inc).length > 0) await openWork.updateOne({ _id: OPEN_WORK_ID }, { $inc: inc }, { upsert: true });
    };
    const load = async () => ticketOf(await ticketsCol.findOne({ _id: ticketId }), ticketId);
    const save = (doc: ReportTicketDoc) => ticketsCol.replaceOne({ _id: ticketId }, doc, { upsert: true });
    /** Moves the ticket to `status` in the open work, and saves it with `changes`. */
    const moveTicket = async (ticket: ReportTicketDoc, status: TicketStatus, changes: Partial<ReportTicketDoc> = {}) => {
      await bumpOpenWork(move('tickets', ticket.status, status));
      await save({ ...ticket, ...changes, status });
    };

    if (e.type.startsWith('Visit')) {
      const v = e as VisitEvent;
      const visit = visitOf(await visitsCol.findOne({ _id: v.data.visitId }), v.data.visitId);
      const next = nextVisit(visit, v);
      await visitFigures(v, visit, { bump, bumpExperts, bumpExpertDays, load, save, eventId: event.id });
      // The saga plans a ticket's visits once it is released to matching: from then on it is open.
      // (Read from here rather than from TicketReleasedToMatching: one event type fewer to wait
      // for, which keeps this read model as close behind the tickets as it was.)
      const released = v.type === 'VisitPlanned' ? await load() : null;
      const opens = released?.status === 'on-hold';
      await bumpOpenWork({ ...move('visits', visit.status, next.status), ...(opens ? move('tickets', 'on-hold', 'open') : {}) });
      if (opens) await save({ ...released!, status: 'open' });
      await visitsCol.replaceOne({ _id: visit._id }, next, { upsert: true });
      return;
    }
    const t = e as TicketEvent;
    switch (t.type) {
      case 'TicketOpened': {
        const { openedAt, priority } = t.data;
        await bump(dayOf(openedAt), { opened: 1, [`openedByPriority.${priority}`]: 1 });
        const ticket = await load();
        // Opened on hold (payment, model to map…) until released to matching (its visits planned).
        await moveTicket(ticket, ticket.status ?? 'on-hold', { openedAt, priority });
        return;
      }
      case 'TicketEscalated': {
        const ticket = await load();
        if (ticket.escalatedAt !== null && ticket.escalatedBy !== event.id) return;
        await bump(dayOf(t.data.escalatedAt), { escalated: 1 });
        await save({ ...ticket, escalatedAt: t.data.escalatedAt, escalatedBy: event.id });
        return;
      }
      case 'TicketFollowUpVisitAdded':
        await bump(dayOf(t.data.addedAt), { followUps: 1 });
        return;
      case 'TicketCompleted': {
        const ticket = await load();
        if (ticket.completedAt !== null) return;
        const minutes = minutesBetween(ticket.openedAt, t.data.completedAt);
        await bump(dayOf(t.data.completedAt), {
          completed: 1,
          ...(minutes === null ? {} : { resolutionMinutesSum: minutes, resolutionMinutesCount: 1, [`resolutionMinuteCounts.${minuteKey(minutes)}`]: 1 }),
        });
        await moveTicket(ticket, 'completed', { completedAt: t.data.completedAt });
        return;
      }
      case 'TicketCancelled': {
        const ticket = await load();
        if (ticket.cancelledAt !== null) return;
        await bump(dayOf(t.data.cancelledAt), { cancelled: 1 });
        await moveTicket(ticket, 'cancelled', { cancelledAt: t.data.cancelledAt });
        return;
      }
      case 'TicketSurveyRecorded': {
        const ticket = await load();
        // One survey per ticket (the Ticket guards it); a second one would not be counted twice.
        if (ticket.survey !== null && ticket.survey.eventId !== event.id) return;
        const experts = ticket.survey?.experts ?? ticket.experts;
        const { rating, recordedAt } = t.data;
        const key = ratingKey(rating);
        const inc = { surveys: 1, ratingSum: rating, ...(key ? { [`ratingCounts.${key}`]: 1 } : {}) };
        await bump(dayOf(recordedAt), inc);
        await bumpExperts(experts, inc);
        await bumpExpertDays(dayOf(recordedAt), experts, inc);
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
