/**
 * Finalizing a matching group: when the visits of a group (visits tied by dependencies; a lone
 * visit is a group of one) can be scheduled consistently from the experts' offers, book every
 * chosen expert's calendar — the Expert aggregate is the consistency boundary against double
 * booking — and only then finalize the visits.
 *
 * Whatever the interleaving with other finalizations, no group is left half-finalized:
 * - a booking refused because the expert was booked elsewhere meanwhile (`calendar-conflict`)
 *   releases every booking this attempt made, and the schedule is recomputed without that
 *   expert's conflicting slot (a bounded number of attempts);
 * - the visits are checked again just before finalizing, and a visit that cannot be finalized
 *   (an offer withdrawn at that very moment) releases the attempt's bookings too;
 * - if that happens after some of the group's visits were finalized, the next attempt keeps those
 *   fixed ("pinned") and fills the rest around them; if it cannot, the visits this run finalized
 *   are rescheduled (open again, bookings released), so the whole group is open again.
 *
 * Visits of the group scheduled earlier (a group where one visit was rescheduled) are pinned
 * too: their time and experts are fixed, and the open visits must fit around them.
 *
 * Steps are named after the attempt's content (visit, expert, start), so running the flow again
 * for the same trigger (at-least-once delivery) repeats nothing that still holds.
 */
import { bookingOf, bookingsOverlapping, isBookedAt } from '../domain/expert/booking-lookup';
import { experts } from '../commands/expert';
import { tickets } from '../commands/ticket';
import { visits } from '../commands/visit';
import { ExpertState } from '../domain/expert/expert';
import { withinWeeklyAvailability } from '../domain/expert/availability';
import { groupsOf } from '../domain/matching/groups';
import { Booking, matchGroup, Proposal, ScheduledVisit, UnfitVerdict } from '../domain/matching/schedule';
import { isValidRange, ms, rangeOf, TimeRange } from '../domain/shared/time';
import { VisitDependency, VisitSpec } from '../domain/shared/visit-plan';
import { Ticket, UnfitProposal } from '../domain/ticket/ticket';
import { fitsSomeWindow } from '../domain/visit/plan-rules';
import { expertsOffering, openOffers, unfitProposals } from '../domain/visit/offers';
import { BOOKED, Visit, VisitEvent } from '../domain/visit/visit';
import { ensure, FlowContext, isRefusal, sendCommand } from './context';
import { nextDaysWindows } from '../domain/visit/windows';

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Refusals of `bookTime` that mean "not this expert at this time": recompute without it. */
const BOOKING_REFUSALS = ['calendar-conflict', 'expert-inactive', 'expert-not-found', 'range-in-past'];

/** The proposedAt given to a pinned visit's experts: they always keep their place. */
const PINNED_AT = '1970-01-01T00:00:00.000Z';

export interface GroupRef {
  ticketId: string;
  /** Any visit of the group. */
  visitId: string;
}

export interface LoadedGroup {
  ticket: Ticket;
  /** The group's first visit id (groupsOf), stable for a plan. */
  groupId: string;
  /** The group's unfinished visits, in plan order. */
  visitIds: string[];
  dependencies: VisitDependency[];
  /** Open for matching. */
  open: Visit[];
  /** Already scheduled (finalized or under way): fixed in time. */
  pinned: Pinned[];
  /** Scheduled visits without a time or experts (never expected): the group is left alone. */
  broken: string[];
  /** Visits of the ticket's plan not planned (no Visit yet). */
  unplanned: string[];
}

/** A scheduled visit: its time and experts are known. */
export type Pinned = Visit & { start: string; end: string };

function isPinned(visit: Visit): visit is Pinned {
  return visit.start !== null && visit.end !== null && visit.experts.length > 0;
}

export type FinalizeOutcome =
  | {
      status: 'finalized';
      groupId: string;
      visitIds: string[];
      /** The schedule of the visits this run finalized (dependency order). */
      schedule: ScheduledVisit[];
      /** Experts who offered for a visit this run finalized and were not chosen. */
      losers: { visitId: string; expertId: string }[];
      attempts: number;
    }
  | {
      status: 'not-full';
      groupId: string;
      visitIds: string[];
      openVisitIds: string[];
      reason: string;
      /** Every offer that cannot be used, with why (matchGroup's list, plus offers ruled out before it). */
      unfit: UnfitVerdict[];
      /** Matching gave up at its work budget: a schedule may exist, but the group waits for its deadline like one that is not full. */
      undecided: boolean;
      /** Visits this run had finalized and then had to reopen. */
      reopened: string[];
      attempts: number;
    }
  | { status: 'nothing-to-do'; reason: string; groupId: string | null; visitIds: string[] };

export interface FinalizeOptions {
  maxAttempts?: number;
  /** Matching's work budget (`matchGroup`'s default unless given). */
  searchBudget?: number;
}

// ---- the group ------------------------------------------------------------------------------

/**
 * The group of `ref.visitId` among the ticket's unfinished visits, with every visit's current
 * state. Null when the ticket or the visit is unknown, or the visit is finished.
 */
export async function loadGroup(ctx: FlowContext, ref: GroupRef): Promise<LoadedGroup | null> {
  const ticket = await ctx.load(tickets, ref.ticketId);
  if (ticket.status === 'none') return null;
  const pendingSpecs = ticket.visits.filter((v) => v.outcome === null).map((v) => v.spec);
  const pendingIds = new Set(pendingSpecs.map((s) => s.visitId));
  if (!pendingIds.has(ref.visitId)) return null;
  const deps = ticket.dependencies.filter((d) => pendingIds.has(d.before) && pendingIds.has(d.after));
  const first = groupsOf(pendingSpecs, deps).find((g) => g.visits.some((v) => v.visitId === ref.visitId));
  if (!first) return null;

  const states = new Map<string, Visit | null>();
  for (const spec of first.visits) {
    const state = await ctx.load(visits, spec.visitId);
    states.set(spec.visitId, state.status === 'none' ? null : state);
  }
  // A visit that ended (its outcome not recorded on the ticket yet) leaves the group.
  const finished = (id: string) => {
    const s = states.get(id);
    return s !== null && s !== undefined && !isLive(s);
  };
  if (finished(ref.visitId)) return null;
  const liveSpecs = first.visits.filter((s) => !finished(s.visitId));
  const liveIds = new Set(liveSpecs.map((s) => s.visitId));
  const liveDeps = first.dependencies.filter((d) => liveIds.has(d.before) && liveIds.has(d.after));
  const group = groupsOf(liveSpecs, liveDeps).find((g) => g.visits.some((v) => v.visitId === ref.visitId));
  if (!group) return null;

  const open: Visit[] = [];
  const pinned: Pinned[] = [];
  const unplanned: string[] = [];
  const broken: string[] = [];
  for (const spec of group.visits) {
    const state = states.get(spec.visitId) ?? null;
    if (state === null) unplanned.push(spec.visitId);
    else if (state.status === 'open') open.push(state);
    else if (isPinned(state)) pinned.push(state);
    else broken.push(state.visitId);
  }
  return { ticket, groupId: group.groupId, visitIds: group.visits.map((v) => v.visitId), dependencies: group.dependencies, open, pinned, broken, unplanned };
}

function isLive(visit: Visit): boolean {
  return visit.status === 'open' || BOOKED.includes(visit.status);
}

function openSpec(visit: Visit): VisitSpec {
  return { visitId: visit.visitId, skills: visit.skills, expertsNeeded: visit.expertsNeeded, durationMinutes: visit.durationMinutes, windows: visit.windows };
}

/** A scheduled visit as matching sees it: exactly its time, exactly its experts. */
function pinnedSpec(visit: Pinned): VisitSpec {
  const { start, end } = visit;
  return {
    visitId: visit.visitId,
    skills: visit.skills,
    expertsNeeded: visit.experts.length,
    durationMinutes: Math.max(1, Math.round((ms(end) - ms(start)) / 60_000)),
    windows: [{ start, end }],
  };
}

// ---- matching input -------------------------------------------------------------------------

interface Input {
  visits: VisitSpec[];
  proposals: Proposal[];
  bookings: Booking[];
  /** Offers ruled out before matching (started already, expert inactive). */
  unfit: UnfitVerdict[];
}

async function matchInput(ctx: FlowContext, group: LoadedGroup, excluded: readonly Booking[]): Promise<Input> {
  const now = ctx.now.getTime();
  // Proposals held but outside the current windows never reach matching: helpdesk still sees them.
  const unfit: UnfitVerdict[] = group.open.flatMap((visit) =>
    unfitProposals(visit).flatMap(({ expertId, starts }) =>
      starts.map((start) => ({
        proposal: { visitId: visit.visitId, expertId, start, proposedAt: visit.proposals[expertId]?.find((s) => s.start === start)?.proposedAt ?? start },
        reason: 'outside-windows' as const,
        detail: `${start} is outside the customer's windows`,
      })),
    ),
  );
  const offers = group.open.flatMap((visit) => openOffers(visit).map((o) => ({ visit, offer: o })));
  const involved = [...new Set([...offers.map((o) => o.offer.expertId), ...group.pinned.flatMap((v) => v.experts)])].sort();
  const calendars = new Map<string, ExpertState>();
  for (const expertId of involved) calendars.set(expertId, await ctx.load(experts, expertId));

  const proposals: Proposal[] = [];
  for (const { visit, offer } of offers) {
    const proposal: Proposal = { visitId: visit.visitId, expertId: offer.expertId, start: offer.start, proposedAt: offer.at };
    const calendar = calendars.get(offer.expertId);
    if (ms(offer.start) < now) {
      unfit.push({ proposal, reason: 'invalid-time', detail: `${offer.start} has already passed` });
    } else if (!calendar || calendar.status !== 'active') {
      unfit.push({ proposal, reason: 'expert-booked', detail: `expert ${offer.expertId} is not active` });
    } else if (!withinWeeklyAvailability(calendar.availability, rangeOf(offer.start, visit.durationMinutes))) {
      // Their hours changed since they offered it (the Expert would refuse the booking anyway).
      unfit.push({ proposal, reason: 'expert-booked', detail: `${offer.start} is outside expert ${offer.expertId}'s weekly hours now` });
    } else {
      proposals.push(proposal);
    }
  }
  for (const visit of group.pinned) {
    for (const expertId of visit.experts) proposals.push({ visitId: visit.visitId, expertId, start: visit.start, proposedAt: PINNED_AT });
  }

  const visits = [...group.pinned.map(pinnedSpec), ...group.open.map(openSpec)].sort(planOrder(group.visitIds));
  // Matching looks only at bookings that overlap its windows' span: the others, most of a
  // calendar that keeps every booking, were copied and parsed on every attempt.
  const windows = visits.flatMap((v) => v.windows).filter(isValidRange);
  const from = Math.min(...windows.map((w) => ms(w.start)));
  const to = Math.max(...windows.map((w) => ms(w.end)));
  const bookings: Booking[] = [...excluded];
  for (const [expertId, calendar] of calendars) {
    if (calendar.status === 'unknown') continue;
    for (const b of bookingsOverlapping(calendar.bookings, from, to)) bookings.push({ expertId, range: b.range, visitId: b.visitId });
    for (const t of calendar.timeOff) bookings.push({ expertId, range: t.range });
  }
  return { visits, proposals, bookings, unfit };
}

function planOrder(order: string[]): (a: VisitSpec, b: VisitSpec) => number {
  return (a, b) => order.indexOf(a.visitId) - order.indexOf(b.visitId);
}

// ---- booking --------------------------------------------------------------------------------

interface Made {
  visitId: string;
  expertId: string;
  range: TimeRange;
}

function holdsBooking(visitId: string, range: TimeRange): (state: ExpertState) => boolean {
  return (state) => state.status !== 'unknown' && isBookedAt(state.bookings, visitId, range);
}

function holdsNoBooking(visitId: string): (state: ExpertState) => boolean {
  return (state) => state.status === 'unknown' || bookingOf(state.bookings, visitId) === undefined;
}

type BookAll = { ok: true; made: Made[] } | { ok: false; made: Made[]; conflict: Booking; code: string };

async function bookAll(ctx: FlowContext, plan: ScheduledVisit[]): Promise<BookAll> {
  const made: Made[] = [];
  for (const visit of plan) {
    const range = { start: visit.start, end: visit.end };
    for (const expertId of visit.experts) {
      try {
        const step = `finalize:book:${visit.visitId}:${expertId}:${visit.start}`;
        const booked = await ensure(ctx, experts, 'bookTime', { expertId, visitId: visit.visitId, range }, step, holdsBooking(visit.visitId, range));
        if (booked.mine) made.push({ visitId: visit.visitId, expertId, range });
      } catch (error) {
        if (isRefusal(error, ...BOOKING_REFUSALS)) return { ok: false, made, conflict: { expertId, range }, code: error.code };
        await releaseAll(ctx, made);
        throw error;
      }
    }
  }
  return { ok: true, made };
}

/** Undoes bookings this run made (only those: a booking someone else made is not ours to release). */
export async function releaseAll(ctx: FlowContext, made: readonly Made[]): Promise<void> {
  for (const m of made) {
    const step = `finalize:release:${m.visitId}:${m.expertId}:${m.range.start}`;
    await ensure(ctx, experts, 'releaseBooking', { expertId: m.expertId, visitId: m.visitId }, step, holdsNoBooking(m.visitId));
  }
}

// ---- finalizing -----------------------------------------------------------------------------

/** Just before finalizing: the visits are still open and every chosen expert still offers the start. */
async function stillFinalizable(ctx: FlowContext, ticketId: string, plan: ScheduledVisit[]): Promise<boolean> {
  const ticket = await ctx.load(tickets, ticketId);
  if (ticket.status !== 'open') return false;
  for (const s of plan) {
    const visit = await ctx.load(visits, s.visitId);
    if (visit.status !== 'open' || !fitsSomeWindow(visit.windows, s.start, visit.durationMinutes)) return false;
    const offering = expertsOffering(visit, s.start);
    if (!s.experts.every((e) => offering.includes(e))) return false;
  }
  return true;
}

function sameCrew(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((e, i) => e === [...b].sort()[i]);
}

/** The visit is scheduled exactly as planned (by this run, or by a concurrent one that chose the same). */
async function finalizedAsPlanned(ctx: FlowContext, s: ScheduledVisit): Promise<boolean> {
  const visit = await ctx.load(visits, s.visitId);
  return visit.status !== 'none' && BOOKED.includes(visit.status) && visit.start !== null && ms(visit.start) === ms(s.start) && sameCrew(visit.experts, s.experts);
}

/** Finalizes a group if it is full. See the module comment for the guarantees. */
export async function finalizeGroup(ctx: FlowContext, ref: GroupRef, options: FinalizeOptions = {}): Promise<FinalizeOutcome> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const excluded: Booking[] = [];
  const finalized: ScheduledVisit[] = [];
  const losers: { visitId: string; expertId: string }[] = [];
  const keptBookings: Made[] = [];
  let last: { reason: string; unfit: UnfitVerdict[]; undecided?: boolean } = { reason: 'no attempt made', unfit: [] };
  let group: LoadedGroup | null = null;
  let attempts = 0;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    attempts = attempt;
    group = await loadGroup(ctx, ref);
    if (!group) return { status: 'nothing-to-do', reason: 'the visit is not an unfinished visit of the ticket', groupId: null, visitIds: [] };
    const base = { groupId: group.groupId, visitIds: group.visitIds };
    if (group.ticket.status !== 'open') return { status: 'nothing-to-do', reason: `the ticket is ${group.ticket.status}`, ...base };
    if (group.unplanned.length > 0) return { status: 'nothing-to-do', reason: `visits ${group.unplanned.join(', ')} are not planned yet`, ...base };
    if (group.open.length === 0) {
      if (finalized.length > 0) return { status: 'finalized', ...base, schedule: finalized, losers, attempts: attempt - 1 };
      return { status: 'nothing-to-do', reason: 'every visit of the group is scheduled', ...base };
    }
    if (group.broken.length > 0) {
      return { status: 'nothing-to-do', reason: 'a scheduled visit of the group has no time or experts', ...base };
    }

    const input = await matchInput(ctx, group, excluded);
    const budget = options.searchBudget === undefined ? {} : { searchBudget: options.searchBudget };
    const result = matchGroup({ visits: input.visits, dependencies: group.dependencies, proposals: input.proposals, bookings: input.bookings }, budget);
    const openIds = new Set(group.open.map((v) => v.visitId));
    if (!result.full) {
      last = { reason: result.reason, unfit: [...input.unfit, ...result.unfit].filter((u) => openIds.has(u.proposal.visitId)), undecided: result.undecided === true };
      break;
    }
    const plan = result.schedule.filter((s) => openIds.has(s.visitId));

    const booked = await bookAll(ctx, plan);
    if (!booked.ok) {
      await releaseAll(ctx, booked.made);
      excluded.push(booked.conflict);
      last = { reason: `expert ${booked.conflict.expertId} could not be booked (${booked.code})`, unfit: [] };
      continue;
    }
    if (!(await stillFinalizable(ctx, ref.ticketId, plan))) {
      await releaseAll(ctx, booked.made);
      last = { reason: 'the visits changed while they were being finalized', unfit: [] };
      continue;
    }

    let complete = true;
    for (const s of plan) {
      try {
        const r = await sendCommand(ctx, visits, 'finalizeVisit', { visitId: s.visitId, start: s.start, experts: s.experts }, `finalize:visit:${s.visitId}:${s.start}:${s.experts.join('+')}`);
        finalized.push(s);
        keptBookings.push(...booked.made.filter((m) => m.visitId === s.visitId));
        const event = r.events.find((e) => e.type === 'VisitFinalized');
        const notChosen = event ? (event.data as Extract<VisitEvent, { type: 'VisitFinalized' }>['data']).notChosen : [];
        losers.push(...notChosen.map((expertId) => ({ visitId: s.visitId, expertId })));
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if (await finalizedAsPlanned(ctx, s)) continue; // a concurrent run finalized it the same way
        complete = false;
        await releaseAll(
          ctx,
          booked.made.filter((m) => !finalized.some((f) => f.visitId === m.visitId)),
        );
        last = { reason: `visit ${s.visitId} could not be finalized (${error.code})`, unfit: [] };
        break;
      }
    }
    if (complete) return { status: 'finalized', groupId: group.groupId, visitIds: group.visitIds, schedule: finalized, losers, attempts: attempt };
  }

  const reopened = await reopen(ctx, finalized, keptBookings);
  const current = group ?? (await loadGroup(ctx, ref));
  return {
    status: 'not-full',
    groupId: current?.groupId ?? ref.visitId,
    visitIds: current?.visitIds ?? [ref.visitId],
    openVisitIds: current ? [...current.open.map((v) => v.visitId), ...reopened] : reopened,
    reason: last.reason,
    unfit: last.unfit,
    undecided: last.undecided === true,
    reopened,
    attempts,
  };
}

/**
 * The group could not be completed around visits this run already finalized: send those back to
 * matching (their windows, or the same hours on the next days when those have passed) and
 * release their bookings, so the group is not left half-finalized.
 */
async function reopen(ctx: FlowContext, finalized: readonly ScheduledVisit[], kept: readonly Made[]): Promise<string[]> {
  const reopened: string[] = [];
  for (const s of finalized) {
    if (!(await finalizedAsPlanned(ctx, s))) continue;
    const visit = await ctx.load(visits, s.visitId);
    if (visit.status !== 'finalized') continue;
    const ahead = visit.windows.filter((w) => ms(w.end) > ctx.now.getTime());
    const windows = ahead.length > 0 ? ahead : nextDaysWindows(visit.windows, ctx.now, visit.start);
    await sendCommand(ctx, visits, 'rescheduleVisit', { visitId: s.visitId, windows, reason: 'the rest of its group could not be finalized' }, `finalize:reopen:${s.visitId}:${s.start}`);
    reopened.push(s.visitId);
  }
  await releaseAll(
    ctx,
    kept.filter((m) => reopened.includes(m.visitId)),
  );
  return reopened;
}

/** matchGroup's unfit list in the shape the Ticket's escalation records: starts per visit and expert. */
export function toTicketUnfit(unfit: readonly UnfitVerdict[]): UnfitProposal[] {
  const byKey = new Map<string, UnfitProposal>();
  for (const { proposal } of unfit) {
    const key = `${proposal.visitId}\u0000${proposal.expertId}`;
    const entry = byKey.get(key) ?? { visitId: proposal.visitId, expertId: proposal.expertId, starts: [] };
    if (!entry.starts.includes(proposal.start)) entry.starts.push(proposal.start);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .map((e) => ({ ...e, starts: [...e.starts].sort((a, b) => ms(a) - ms(b)) }))
    .sort((a, b) => (a.visitId < b.visitId ? -1 : a.visitId > b.visitId ? 1 : a.expertId < b.expertId ? -1 : a.expertId > b.expertId ? 1 : 0));
}
