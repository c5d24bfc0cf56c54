/**
 * An expert needs more time. The visit is extended only if every expert on it is free for the
 * longer time: all calendars are checked first (nothing is changed unless all fit), then each
 * booking is extended — the Expert aggregate still has the last word, and if one refuses
 * because something was booked in between, the extensions already made are moved back. When
 * the time is not there, the visit is closed incomplete ('needs-more-time'); the matching saga
 * then plans the follow-up visit (`followUpVisitId`) at the same hours on the next days.
 */
import { bookingOf, isBookedAt } from '../domain/expert/booking-lookup';
import { experts } from '../commands/expert';
import { visits } from '../commands/visit';
import { DomainError } from '../domain/decider';
import { extensionLimit, ExpertState, isFreeFor } from '../domain/expert/expert';
import { addMinutes, ms, TimeRange } from '../domain/shared/time';
import { ensure, FlowContext, isRefusal, sendCommand } from './context';
import { followUpVisitId } from '../domain/visit/follow-up';

export interface ExtensionRequest {
  visitId: string;
  /** The expert asking (on the visit). */
  expertId: string;
  minutes: number;
}

export interface Blocker {
  expertId: string;
  /** Until when that expert's booking could stretch (the next booking or time off), if known. */
  limit: string | null;
}

export type ExtensionOutcome =
  | { status: 'extended'; end: string }
  | { status: 'closed-incomplete'; blockedBy: Blocker[]; followUpVisitId: string };

function hasRange(visitId: string, range: TimeRange): (s: ExpertState) => boolean {
  return (s) => s.status !== 'unknown' && isBookedAt(s.bookings, visitId, range);
}

export async function requestExtension(ctx: FlowContext, request: ExtensionRequest): Promise<ExtensionOutcome> {
  const { visitId, expertId, minutes } = request;
  if (!Number.isInteger(minutes) || minutes <= 0) throw new DomainError('invalid-minutes', 'extend by a positive whole number of minutes');
  const visit = await ctx.load(visits, visitId);
  if (visit.status === 'none') throw new DomainError('visit-not-found', `no visit ${visitId}`);
  if (visit.status !== 'started' || visit.start === null || visit.end === null) throw new DomainError('visit-not-started', `visit ${visitId} is ${visit.status}: only a started visit is extended`);
  if (!visit.experts.includes(expertId)) throw new DomainError('expert-not-on-visit', `expert ${expertId} is not on visit ${visitId}`);

  const original: TimeRange = { start: visit.start, end: visit.end };
  const longer: TimeRange = { start: visit.start, end: addMinutes(visit.end, minutes) };
  const key = `${visitId}:${visit.end}:${minutes}`;

  // 1. Every calendar first: nothing changes unless all experts can stay.
  const blockedBy: Blocker[] = [];
  for (const e of visit.experts) {
    const calendar = await ctx.load(experts, e);
    if (!isFreeFor(calendar, longer, visitId)) blockedBy.push({ expertId: e, limit: extensionLimit(calendar, visitId) });
  }

  // 2. Extend each booking; undo them if one is refused after all.
  if (blockedBy.length === 0) {
    const extended: string[] = [];
    for (const e of visit.experts) {
      try {
        const calendar = await ctx.load(experts, e);
        const booked = calendar.status !== 'unknown' && bookingOf(calendar.bookings, visitId) !== undefined;
        const r = booked
          ? await ensure(ctx, experts, 'extendBooking', { expertId: e, visitId, newEnd: longer.end }, `extend:${key}:${e}`, hasRange(visitId, longer))
          : await ensure(ctx, experts, 'bookTime', { expertId: e, visitId, range: longer }, `extend:${key}:${e}:book`, hasRange(visitId, longer));
        if (r.mine) extended.push(e);
      } catch (error) {
        if (!isRefusal(error, 'calendar-conflict', 'expert-inactive')) throw error;
        const calendar = await ctx.load(experts, e);
        blockedBy.push({ expertId: e, limit: extensionLimit(calendar, visitId) });
        await undoExtensions(ctx, visitId, extended, original, key);
        break;
      }
    }
  }
  if (blockedBy.length === 0) {
    const r = await sendCommand(ctx, visits, 'extendVisit', { visitId, expertId, minutes }, `extend:${key}:visit`);
    const end = r.state.status === 'none' || r.state.end === null ? longer.end : r.state.end;
    return { status: 'extended', end };
  }

  // 3. No time: close incomplete; the saga plans the follow-up.
  const who = blockedBy.map((b) => (b.limit ? `${b.expertId} (free until ${b.limit})` : b.expertId)).join(', ');
  await sendCommand(
    ctx,
    visits,
    'closeIncomplete',
    { visitId, expertId, reason: 'needs-more-time', note: `needs ${minutes} more minutes; not possible for ${who}` },
    `extend:${key}:close`,
  );
  return { status: 'closed-incomplete', blockedBy, followUpVisitId: followUpVisitId(visitId) };
}

/** Moves extended bookings back to the visit's time (a booking ending in the past stays: the visit closes and releases it). */
async function undoExtensions(ctx: FlowContext, visitId: string, extended: readonly string[], original: TimeRange, key: string): Promise<void> {
  for (const e of extended) {
    try {
      await ensure(ctx, experts, 'bookTime', { expertId: e, visitId, range: original }, `extend:${key}:${e}:undo`, hasRange(visitId, original));
    } catch (error) {
      if (!isRefusal(error, 'range-in-past', 'expert-inactive')) throw error;
    }
  }
}
