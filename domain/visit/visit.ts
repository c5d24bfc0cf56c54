/**
 * Visit: one trip of one or more experts to the customer, planned from a ticket's visit spec.
 *
 *   open (matching: proposals, assignments, window updates)
 *     → finalized → en-route → arrived → started → completed
 *   alternatives: finalized|en-route → cant-arrive (→ finalized by a replacement, or rescheduled);
 *   arrived → cant-enter (→ started when the customer lets them in, or rescheduled);
 *   arrived|started → closed-incomplete; finalized|cant-arrive|cant-enter → rescheduled (= open
 *   again, new windows, no experts, no proposals); anything but completed → cancelled.
 *
 * Proposals: each expert holds one list of starts, each time-stamped when first proposed (time
 * priority). Proposing again replaces the list but keeps the original time of a start that stays
 * in it. Window updates keep every proposal: the ones outside the new windows are not offered to
 * matching (`openProposals`, offers.ts) and cannot be finalized, but they are still visible
 * (`unfitProposals`) for helpdesk, and count again if the windows widen to include them.
 *
 * The expert's calendar: with `expertCalendar` (what the caller knows of the expert's week, time
 * off and bookings — the API always sends it), a start the expert cannot take is refused with
 * the reason: outside their weekly hours (`outside-availability`, with the hours open that day)
 * or in their time off (`expert-time-off`); a direct assignment also over another booking
 * (`expert-booked`). A proposal over one of their own bookings is allowed: that booking may go,
 * and matching leaves the proposal out while it stands. The Expert's calendar stays the
 * authority: booking it checks again.
 */
import { Actor, actingExpert, Command, Decider, DomainError, DomainEvent, Role, STAFF } from '../decider';
import { calendarConflict, calendarRefusal, ExpertCalendar } from '../expert/calendar';
import { GeoPoint, isGeoPoint } from '../shared/geo';
import { addMinutes, isInstant, ms, rangeOf, TimeRange } from '../shared/time';
import { VisitSpec } from '../shared/visit-plan';
import {
  allowRoles,
  assertInstant,
  assertVisitSpec,
  assertWindows,
  canonicalInstant,
  canonicalWindows,
  fitsSomeWindow,
  hasSkills,
  Priority,
  PRIORITIES,
} from './plan-rules';

export type VisitStatus =
  | 'open'
  | 'finalized'
  | 'en-route'
  | 'arrived'
  | 'started'
  | 'completed'
  | 'cant-arrive'
  | 'cant-enter'
  | 'closed-incomplete'
  | 'cancelled';

export type IncompleteReason = 'needs-parts' | 'needs-more-time';

export interface ProposedSlot {
  start: string;
  /** When this start was first proposed (and not withdrawn since): time priority. */
  proposedAt: string;
}

export interface Assignment {
  start: string;
  assignedAt: string;
  assignedBy: Actor;
}

// ---- events -------------------------------------------------------------------------------

type Ids = { visitId: string; ticketId: string };

export type VisitEvent =
  | DomainEvent<'VisitPlanned', Ids & { groupId: string; skills: string[]; expertsNeeded: number; durationMinutes: number; windows: TimeRange[]; location: GeoPoint; priority: Priority; plannedAt: string }>
  | DomainEvent<'VisitSlotsProposed', Ids & { expertId: string; slots: ProposedSlot[]; proposedAt: string }>
  | DomainEvent<'VisitProposalWithdrawn', Ids & { expertId: string; starts: string[]; withdrawnAt: string }>
  | DomainEvent<'VisitExpertAssigned', Ids & { expertId: string; start: string; assignedBy: Actor; assignedAt: string }>
  | DomainEvent<'VisitFinalized', Ids & { groupId: string; start: string; end: string; experts: string[]; notChosen: string[]; finalizedAt: string }>
  | DomainEvent<'VisitWindowsUpdated', Ids & { windows: TimeRange[]; updatedAt: string }>
  | DomainEvent<'VisitEnRoute', Ids & { expertId: string; eta: string; reportedAt: string }>
  | DomainEvent<'VisitArrived', Ids & { expertId: string; arrivedAt: string }>
  | DomainEvent<'VisitStarted', Ids & { expertId: string; startedAt: string }>
  | DomainEvent<'VisitCantArrive', Ids & { expertId: string; reason: string; reportedAt: string }>
  | DomainEvent<'VisitCantEnter', Ids & { expertId: string; note: string; reportedAt: string }>
  | DomainEvent<'VisitExpertReplaced', Ids & { outExpertId: string; inExpertId: string; start: string; end: string; replacedBy: Actor; replacedAt: string }>
  | DomainEvent<'VisitRescheduled', Ids & { groupId: string; windows: TimeRange[]; reason: string; releasedExperts: string[]; previousStart: string; rescheduledAt: string }>
  | DomainEvent<'VisitExtended', Ids & { expertId: string; minutes: number; end: string; extendedAt: string }>
  | DomainEvent<'VisitClosedIncomplete', Ids & { expertId: string; reason: IncompleteReason; note: string; experts: string[]; closedAt: string }>
  | DomainEvent<'VisitCompleted', Ids & { expertId: string; notes: string; experts: string[]; start: string; end: string; completedAt: string }>
  | DomainEvent<'VisitCancelled', Ids & { reason: string; releasedExperts: string[]; cancelledAt: string }>;

// ---- commands -----------------------------------------------------------------------------

/** Who does an execution step: the expert themself, or helpdesk/admin/system on their behalf. */
type Step = { visitId: string; expertId: string };

export type VisitCommand =
  | Command<'planVisit', VisitSpec & { ticketId: string; location: GeoPoint; priority: Priority }>
  | Command<'proposeSlot', { visitId: string; expertId: string; expertSkills: string[]; expertCalendar?: ExpertCalendar; starts: string[] }>
  | Command<'withdrawProposal', { visitId: string; expertId: string; starts?: string[] }>
  | Command<'assignExpert', { visitId: string; expertId: string; expertSkills: string[]; expertCalendar?: ExpertCalendar; start: string }>
  | Command<'finalizeVisit', { visitId: string; start: string; experts: string[] }>
  | Command<'updateWindows', { visitId: string; windows: TimeRange[] }>
  /**
   * `maxLeadMinutes`: how long before the visit's start the expert may set off (configured;
   * the API always sends it). Omitted, any time before the start is accepted.
   */
  | Command<'markEnRoute', Step & { eta: string; maxLeadMinutes?: number }>
  | Command<'markArrived', Step>
  | Command<'markStarted', Step>
  | Command<'reportCantArrive', Step & { reason: string }>
  | Command<'reportCantEnter', Step & { note: string }>
  | Command<'replaceExpert', { visitId: string; outExpertId: string; inExpertId: string; inExpertSkills: string[] }>
  | Command<'rescheduleVisit', { visitId: string; windows: TimeRange[]; reason: string }>
  | Command<'extendVisit', Step & { minutes: number }>
  | Command<'closeIncomplete', Step & { reason: IncompleteReason; note: string }>
  | Command<'completeVisit', Step & { notes: string }>
  | Command<'cancelVisit', { visitId: string; reason: string }>;

// ---- state --------------------------------------------------------------------------------

export interface Visit extends VisitSpec {
  status: VisitStatus;
  ticketId: string;
  /** The matching group: the ticket id (the saga matches a ticket's open visits together). */
  groupId: string;
  location: GeoPoint;
  priority: Priority;
  /** Open for matching only: expertId → the starts that expert proposed. */
  proposals: Record<string, ProposedSlot[]>;
  /** Open for matching only: expertId → a start helpdesk assigned them directly. */
  assignments: Record<string, Assignment>;
  /** Set by finalization (end moves with extensions), cleared by rescheduling. */
  start: string | null;
  end: string | null;
  experts: string[];
  /** expertId → ETA, for experts who reported en route. */
  etas: Record<string, string>;
  extendedMinutes: number;
  rescheduleCount: number;
  incompleteReason: IncompleteReason | null;
}

export type VisitState = { status: 'none' } | Visit;

const SCHEDULERS: readonly Role[] = ['system', 'helpdesk', 'admin'];
const DELEGATES: readonly Role[] = [...STAFF, 'system'];
const ASSIGNERS: readonly Role[] = STAFF;
const FINALIZERS: readonly Role[] = ['system', ...STAFF];
const WINDOW_EDITORS: readonly Role[] = ['customer', ...STAFF, 'system'];
const STEP_DELEGATES: readonly Role[] = ['helpdesk', 'admin', 'system'];
const REPLACERS: readonly Role[] = STAFF;
const RESCHEDULERS: readonly Role[] = ['customer', ...STAFF, 'system'];
const CANCELLERS: readonly Role[] = ['system', ...STAFF];

/** Statuses in which the chosen experts are committed to the visit's time. */
export const BOOKED: readonly VisitStatus[] = ['finalized', 'en-route', 'arrived', 'started', 'cant-arrive', 'cant-enter'];
const REPLACEABLE: readonly VisitStatus[] = ['finalized', 'en-route', 'cant-arrive'];
const RESCHEDULABLE: readonly VisitStatus[] = ['finalized', 'cant-arrive', 'cant-enter'];
const INCOMPLETE_REASONS: readonly IncompleteReason[] = ['needs-parts', 'needs-more-time'];

// ---- decider ------------------------------------------------------------------------------

export const visitDecider: Decider<VisitState, VisitCommand, VisitEvent> = {
  initialState: () => ({ status: 'none' }),

  evolve(state, event) {
    if (event.type === 'VisitPlanned') {
      const d = event.data;
      return {
        status: 'open',
        visitId: d.visitId,
        ticketId: d.ticketId,
        groupId: d.groupId,
        skills: d.skills,
        expertsNeeded: d.expertsNeeded,
        durationMinutes: d.durationMinutes,
        windows: d.windows,
        location: d.location,
        priority: d.priority,
        proposals: {},
        assignments: {},
        start: null,
        end: null,
        experts: [],
        etas: {},
        extendedMinutes: 0,
        rescheduleCount: 0,
        incompleteReason: null,
      };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'VisitSlotsProposed':
        return { ...state, proposals: { ...state.proposals, [event.data.expertId]: event.data.slots } };
      case 'VisitProposalWithdrawn': {
        const { expertId, starts } = event.data;
        const { [expertId]: current = [], ...others } = state.proposals;
        const remaining = current.filter((s) => !starts.includes(s.start));
        return { ...state, proposals: remaining.length > 0 ? { ...others, [expertId]: remaining } : others };
      }
      case 'VisitExpertAssigned': {
        const { expertId, start, assignedAt, assignedBy } = event.data;
        return { ...state, assignments: { ...state.assignments, [expertId]: { start, assignedAt, assignedBy } } };
      }
      case 'VisitFinalized':
        return { ...state, status: 'finalized', start: event.data.start, end: event.data.end, experts: event.data.experts, proposals: {}, assignments: {} };
      case 'VisitWindowsUpdated':
        return { ...state, windows: event.data.windows };
      case 'VisitEnRoute':
        return { ...state, status: 'en-route', etas: { ...state.etas, [event.data.expertId]: event.data.eta } };
      case 'VisitArrived':
        return { ...state, status: 'arrived' };
      case 'VisitStarted':
        return { ...state, status: 'started' };
      case 'VisitCantArrive':
        return { ...state, status: 'cant-arrive' };
      case 'VisitCantEnter':
        return { ...state, status: 'cant-enter' };
      case 'VisitExpertReplaced': {
        const { outExpertId, inExpertId } = event.data;
        const etas = Object.fromEntries(Object.entries(state.etas).filter(([expertId]) => expertId !== outExpertId));
        const stillComing = Object.keys(etas).length > 0;
        const status: VisitStatus = state.status === 'cant-arrive' || (state.status === 'en-route' && !stillComing) ? 'finalized' : state.status;
        return { ...state, status, etas, experts: state.experts.map((e) => (e === outExpertId ? inExpertId : e)) };
      }
      case 'VisitRescheduled':
        return {
          ...state,
          status: 'open',
          windows: event.data.windows,
          proposals: {},
          assignments: {},
          start: null,
          end: null,
          experts: [],
          etas: {},
          extendedMinutes: 0,
          rescheduleCount: state.rescheduleCount + 1,
        };
      case 'VisitExtended':
        return { ...state, end: event.data.end, extendedMinutes: state.extendedMinutes + event.data.minutes };
      case 'VisitClosedIncomplete':
        return { ...state, status: 'closed-incomplete', incompleteReason: event.data.reason };
      case 'VisitCompleted':
        return { ...state, status: 'completed' };
      case 'VisitCancelled':
        return { ...state, status: 'cancelled' };
    }
  },

  decide(command, state) {
    const { now, actor } = command.metadata;
    const at = now.toISOString();
    if (command.type === 'planVisit') return planVisit(command.data, state, actor, at);
    const visit = existing(state, command.data.visitId);
    const ids: Ids = { visitId: visit.visitId, ticketId: visit.ticketId };
    switch (command.type) {
      case 'proposeSlot': {
        const { expertId, expertSkills } = command.data;
        actFor(actor, expertId, DELEGATES, 'propose slots');
        isOpen(visit);
        if (!hasSkills(visit.skills, expertSkills)) throw lacksSkills(expertId, visit);
        if (command.data.starts.length === 0) throw new DomainError('no-slots', 'propose at least one start time');
        for (const s of command.data.starts) assertInstant(s, 'invalid-slot', 'a proposed start');
        const starts = [...new Set(command.data.starts.map(canonicalInstant))].sort();
        for (const start of starts) {
          if (!fitsSomeWindow(visit.windows, start, visit.durationMinutes)) throw outsideWindows(start, visit);
          if (ms(start) < now.getTime()) throw new DomainError('slot-in-past', `${start} has already passed`);
          assertExpertCanTake(command.data.expertCalendar, expertId, rangeOf(start, visit.durationMinutes), { bookings: false });
        }
        const previous = visit.proposals[expertId] ?? [];
        const slots = starts.map((start) => previous.find((p) => p.start === start) ?? { start, proposedAt: at });
        if (slots.length === previous.length && slots.every((s, i) => s.start === previous[i]!.start && s.proposedAt === previous[i]!.proposedAt)) return [];
        return [{ type: 'VisitSlotsProposed', data: { ...ids, expertId, slots, proposedAt: at } }];
      }
      case 'withdrawProposal': {
        const { expertId } = command.data;
        actFor(actor, expertId, DELEGATES, 'withdraw proposals');
        isOpen(visit);
        const current = (visit.proposals[expertId] ?? []).map((s) => s.start);
        const asked = command.data.starts;
        const starts = asked === undefined ? current : [...new Set(asked.filter(isInstant).map(canonicalInstant))].filter((s) => current.includes(s));
        if (starts.length === 0) throw new DomainError('proposal-not-found', `expert ${expertId} has no such proposal for visit ${visit.visitId}`);
        return [{ type: 'VisitProposalWithdrawn', data: { ...ids, expertId, starts, withdrawnAt: at } }];
      }
      case 'assignExpert': {
        allowRoles(actor, ASSIGNERS, 'assign an expert directly');
        isOpen(visit);
        const { expertId, expertSkills } = command.data;
        if (!hasSkills(visit.skills, expertSkills)) throw lacksSkills(expertId, visit);
        assertInstant(command.data.start, 'invalid-slot', 'the assigned start');
        const start = canonicalInstant(command.data.start);
        if (!fitsSomeWindow(visit.windows, start, visit.durationMinutes)) throw outsideWindows(start, visit);
        if (visit.assignments[expertId]?.start === start) return [];
        assertExpertCanTake(command.data.expertCalendar, expertId, rangeOf(start, visit.durationMinutes), { exceptVisitId: visit.visitId });
        return [{ type: 'VisitExpertAssigned', data: { ...ids, expertId, start, assignedBy: actor, assignedAt: at } }];
      }
      case 'finalizeVisit': {
        allowRoles(actor, FINALIZERS, 'finalize a visit');
        isOpen(visit);
        assertInstant(command.data.start, 'invalid-slot', 'the start');
        const start = canonicalInstant(command.data.start);
        const { experts } = command.data;
        if (!fitsSomeWindow(visit.windows, start, visit.durationMinutes)) throw outsideWindows(start, visit);
        if (new Set(experts).size !== experts.length) throw new DomainError('duplicate-expert', 'an expert is named twice');
        if (experts.length !== visit.expertsNeeded) {
          throw new DomainError('wrong-number-of-experts', `visit ${visit.visitId} needs ${visit.expertsNeeded} experts, not ${experts.length}`);
        }
        for (const expertId of experts) {
          if (!offersStart(visit, expertId, start)) throw new DomainError('expert-not-proposed', `expert ${expertId} neither proposed nor was assigned ${start}`);
        }
        const notChosen = [...new Set([...Object.keys(visit.proposals), ...Object.keys(visit.assignments)])].filter((e) => !experts.includes(e)).sort();
        const end = addMinutes(start, visit.durationMinutes);
        return [{ type: 'VisitFinalized', data: { ...ids, groupId: visit.groupId, start, end, experts: [...experts], notChosen, finalizedAt: at } }];
      }
      case 'updateWindows': {
        allowRoles(actor, WINDOW_EDITORS, "update a visit's windows");
        isOpen(visit);
        assertWindows(command.data.windows, visit.durationMinutes, now);
        const windows = canonicalWindows(command.data.windows);
        if (sameWindows(windows, visit.windows)) return [];
        return [{ type: 'VisitWindowsUpdated', data: { ...ids, windows, updatedAt: at } }];
      }
      case 'markEnRoute': {
        const { expertId } = step(actor, command.data, visit, ['finalized', 'en-route'], 'visit-not-finalized', 'go en route');
        assertInstant(command.data.eta, 'invalid-eta', 'the ETA');
        if (ms(command.data.eta) < now.getTime()) throw new DomainError('invalid-eta', 'the ETA has already passed');
        assertNotTooEarly(visit, now, command.data.maxLeadMinutes);
        return [{ type: 'VisitEnRoute', data: { ...ids, expertId, eta: canonicalInstant(command.data.eta), reportedAt: at } }];
      }
      case 'markArrived': {
        const { expertId } = step(actor, command.data, visit, ['en-route', 'arrived'], 'visit-not-en-route', 'arrive');
        if (visit.status === 'arrived') return [];
        return [{ type: 'VisitArrived', data: { ...ids, expertId, arrivedAt: at } }];
      }
      case 'markStarted': {
        const { expertId } = step(actor, command.data, visit, ['arrived', 'cant-enter', 'started'], 'visit-not-arrived', 'start');
        if (visit.status === 'started') return [];
        return [{ type: 'VisitStarted', data: { ...ids, expertId, startedAt: at } }];
      }
      case 'reportCantArrive': {
        const { expertId } = step(actor, command.data, visit, ['finalized', 'en-route'], 'visit-not-en-route', 'report not arriving');
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'say why the expert cannot arrive');
        return [{ type: 'VisitCantArrive', data: { ...ids, expertId, reason: command.data.reason, reportedAt: at } }];
      }
      case 'reportCantEnter': {
        const { expertId } = step(actor, command.data, visit, ['arrived'], 'visit-not-arrived', 'report no access');
        return [{ type: 'VisitCantEnter', data: { ...ids, expertId, note: command.data.note, reportedAt: at } }];
      }
      case 'replaceExpert': {
        allowRoles(actor, REPLACERS, 'replace an expert');
        if (!REPLACEABLE.includes(visit.status)) throw new DomainError('visit-not-replaceable', `visit ${visit.visitId} is ${visit.status}: experts are replaced only before arrival`);
        const { outExpertId, inExpertId, inExpertSkills } = command.data;
        if (!visit.experts.includes(outExpertId)) throw notOnVisit(outExpertId, visit);
        if (visit.experts.includes(inExpertId)) throw new DomainError('expert-already-on-visit', `expert ${inExpertId} is already on visit ${visit.visitId}`);
        if (!hasSkills(visit.skills, inExpertSkills)) throw lacksSkills(inExpertId, visit);
        return [{ type: 'VisitExpertReplaced', data: { ...ids, outExpertId, inExpertId, start: visit.start!, end: visit.end!, replacedBy: actor, replacedAt: at } }];
      }
      case 'rescheduleVisit': {
        allowRoles(actor, RESCHEDULERS, 'reschedule a visit');
        if (!RESCHEDULABLE.includes(visit.status)) {
          throw new DomainError('visit-not-reschedulable', `visit ${visit.visitId} is ${visit.status}: only a scheduled visit that did not start is rescheduled`);
        }
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'say why the visit is rescheduled');
        assertWindows(command.data.windows, visit.durationMinutes, now);
        const windows = canonicalWindows(command.data.windows);
        return [
          {
            type: 'VisitRescheduled',
            data: { ...ids, groupId: visit.groupId, windows, reason: command.data.reason, releasedExperts: visit.experts, previousStart: visit.start!, rescheduledAt: at },
          },
        ];
      }
      case 'extendVisit': {
        const { expertId } = step(actor, command.data, visit, ['started'], 'visit-not-started', 'extend the visit');
        const { minutes } = command.data;
        if (!Number.isInteger(minutes) || minutes <= 0) throw new DomainError('invalid-minutes', 'extend by a positive whole number of minutes');
        return [{ type: 'VisitExtended', data: { ...ids, expertId, minutes, end: addMinutes(visit.end!, minutes), extendedAt: at } }];
      }
      case 'closeIncomplete': {
        const { expertId } = step(actor, command.data, visit, ['arrived', 'started'], 'visit-not-started', 'close the visit');
        const { reason, note } = command.data;
        if (!INCOMPLETE_REASONS.includes(reason)) throw new DomainError('invalid-reason', `unknown reason ${reason}`);
        return [{ type: 'VisitClosedIncomplete', data: { ...ids, expertId, reason, note, experts: visit.experts, closedAt: at } }];
      }
      case 'completeVisit': {
        const { expertId } = step(actor, command.data, visit, ['started'], 'visit-not-started', 'complete the visit');
        return [{ type: 'VisitCompleted', data: { ...ids, expertId, notes: command.data.notes, experts: visit.experts, start: visit.start!, end: visit.end!, completedAt: at } }];
      }
      case 'cancelVisit': {
        allowRoles(actor, CANCELLERS, 'cancel a visit');
        if (visit.status === 'cancelled') return [];
        if (visit.status === 'completed') throw new DomainError('visit-completed', `visit ${visit.visitId} is completed`);
        if (visit.status === 'closed-incomplete') throw new DomainError('visit-closed', `visit ${visit.visitId} is already closed`);
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'say why the visit is cancelled');
        return [{ type: 'VisitCancelled', data: { ...ids, reason: command.data.reason, releasedExperts: visit.experts, cancelledAt: at } }];
      }
    }
  },
};

function planVisit(data: Extract<VisitCommand, { type: 'planVisit' }>['data'], state: VisitState, actor: Actor, at: string): VisitEvent[] {
  allowRoles(actor, SCHEDULERS, 'plan a visit');
  if (state.status !== 'none') {
    if (state.ticketId === data.ticketId) return [];
    throw new DomainError('visit-already-planned', `visit ${data.visitId} belongs to ticket ${state.ticketId}`);
  }
  if (!data.ticketId.trim()) throw new DomainError('invalid-ticket', 'a visit belongs to a ticket');
  const { visitId, ticketId, skills, expertsNeeded, durationMinutes, windows, location, priority } = data;
  assertVisitSpec({ visitId, skills, expertsNeeded, durationMinutes, windows });
  if (!isGeoPoint(location)) throw new DomainError('invalid-location', 'a visit needs the customer location');
  if (!PRIORITIES.includes(priority)) throw new DomainError('invalid-priority', `unknown priority ${priority}`);
  return [
    {
      type: 'VisitPlanned',
      data: { visitId, ticketId, groupId: ticketId, skills: [...skills], expertsNeeded, durationMinutes, windows: canonicalWindows(windows), location, priority, plannedAt: at },
    },
  ];
}

function existing(state: VisitState, visitId: string): Visit {
  if (state.status === 'none') throw new DomainError('visit-not-found', `no visit ${visitId}`);
  return state;
}

function isOpen(visit: Visit): void {
  if (visit.status !== 'open') throw new DomainError('visit-not-open', `visit ${visit.visitId} is ${visit.status}, not open for matching`);
}

/** An expert acts for themself; the `delegates` roles may act for any expert. */
function actFor(actor: Actor, expertId: string, delegates: readonly Role[], what: string): void {
  if (actor.role === 'expert') {
    if (actingExpert(actor) !== expertId) throw new DomainError('forbidden', `an expert may ${what} only for themself`);
    return;
  }
  allowRoles(actor, delegates, `${what} for an expert`);
}

/** An execution step: the right actor, the right status, an expert who is on the visit. */
function step(actor: Actor, data: Step, visit: Visit, from: readonly VisitStatus[], code: string, what: string): Step {
  actFor(actor, data.expertId, STEP_DELEGATES, what);
  if (!from.includes(visit.status)) throw new DomainError(code, `visit ${visit.visitId} is ${visit.status}: cannot ${what}`);
  if (!visit.experts.includes(data.expertId)) throw notOnVisit(data.expertId, visit);
  return data;
}

/** Setting off is refused more than `maxLeadMinutes` before the visit starts (the customer is told "on the way"). */
function assertNotTooEarly(visit: Visit, now: Date, maxLeadMinutes: number | undefined): void {
  if (maxLeadMinutes === undefined || visit.start === null) return;
  const earliest = addMinutes(visit.start, -maxLeadMinutes);
  if (now.getTime() < ms(earliest)) {
    throw new DomainError(
      'en-route-too-early',
      `visit ${visit.visitId} starts at ${visit.start}: go en route at most ${maxLeadMinutes} minutes before it, from ${earliest}`,
      { start: visit.start, earliestEnRoute: earliest, maxLeadMinutes },
    );
  }
}

/** Refuses a time the expert's calendar (when the caller gave it) does not allow, saying why. */
function assertExpertCanTake(calendar: ExpertCalendar | undefined, expertId: string, range: TimeRange, options: { bookings?: boolean; exceptVisitId?: string }): void {
  if (!calendar) return;
  const conflict = calendarConflict(calendar, range, options);
  if (conflict) throw calendarRefusal(expertId, range, conflict);
}

function offersStart(visit: Visit, expertId: string, start: string): boolean {
  return (visit.proposals[expertId] ?? []).some((s) => s.start === start) || visit.assignments[expertId]?.start === start;
}

function sameWindows(a: TimeRange[], b: TimeRange[]): boolean {
  return a.length === b.length && a.every((w, i) => w.start === b[i]!.start && w.end === b[i]!.end);
}

function lacksSkills(expertId: string, visit: Visit): DomainError {
  return new DomainError('expert-lacks-skills', `expert ${expertId} lacks some of ${visit.skills.join(', ')}`);
}

function outsideWindows(start: string, visit: Visit): DomainError {
  return new DomainError('slot-outside-windows', `a ${visit.durationMinutes}-minute visit starting ${start} fits none of the customer's windows`);
}

function notOnVisit(expertId: string, visit: Visit): DomainError {
  return new DomainError('expert-not-on-visit', `expert ${expertId} is not on visit ${visit.visitId}`);
}

// ---- helpers for the matching saga, read models and tests (the offers: offers.ts) ---------

export function isOpenForMatching(state: VisitState): boolean {
  return state.status === 'open';
}

/** The time the visit's experts are committed to (null unless scheduled and not finished). */
export function bookedRange(state: VisitState): TimeRange | null {
  if (state.status === 'none' || !BOOKED.includes(state.status) || state.start === null || state.end === null) return null;
  return { start: state.start, end: state.end };
}
