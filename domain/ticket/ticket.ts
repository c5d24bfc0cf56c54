/**
 * Ticket: a customer's problem with an appliance and the plan of visits that fixes it.
 *
 * Lifecycle: on-hold (opened, payment not confirmed: waits for helpdesk) → open (released to
 * matching; visits are planned, matched, executed) → completed | cancelled.
 *
 * The Ticket does not watch visits itself: the saga reports each visit's outcome
 * (`recordVisitOutcome`), which is what the Ticket needs to decide when it may complete.
 * Completion rule: no visit is still pending (open, scheduled or in progress), and the last
 * visit to finish without being cancelled finished completed — so every visit closed incomplete
 * was followed by a completed one, and at least one visit was completed.
 *
 * One file of about 550 lines on purpose: the Ticket's events, commands, state and decider change
 * together, and the queries at the end are the ones the decider itself uses (pendingVisits,
 * completionBlocker). What stands alone already lives beside it: visit plans in
 * ../visit/plan-rules.ts, matching in the Visit.
 */
import { Actor, actingExpert, Command, Decider, DomainError, DomainEvent, Role, STAFF } from '../decider';
import { GeoPoint, isGeoPoint } from '../shared/geo';
import { isInstant } from '../shared/time';
import { VisitDependency, VisitSpec } from '../shared/visit-plan';
import { allowRoles, assertPlan, assertVisitSpec, canonicalSpec, Priority, PRIORITIES } from '../visit/plan-rules';

export type { Priority } from '../visit/plan-rules';

export type PaymentStatus = 'paid' | 'unpaid' | 'unknown';
export type FlagReason = 'payment-status-unknown' | 'customer-unpaid' | 'no-match-in-time' | 'no-access' | 'replacement-needed' | 'other';
export type FlagResolution = 'released' | 'cancelled' | 'handled';
export type VisitOutcome = 'completed' | 'closed-incomplete' | 'cancelled';

export const FLAG_REASONS: readonly FlagReason[] = ['payment-status-unknown', 'customer-unpaid', 'no-match-in-time', 'no-access', 'replacement-needed', 'other'];
/** Flags about payment: resolving one with `released` confirms payment and releases a held ticket. */
export const PAYMENT_FLAGS: readonly FlagReason[] = ['payment-status-unknown', 'customer-unpaid'];

/** A proposal that did not fit, as the escalation reports it to helpdesk. */
export interface UnfitProposal {
  visitId: string;
  expertId: string;
  starts: string[];
}

/**
 * An expert free to replace one who cannot arrive, as the saga found them when it flagged the
 * visit (`replacement-needed`), best ranked first: what helpdesk needs to pick one.
 */
export interface ReplacementCandidate {
  expertId: string;
  name: string;
  skills: string[];
  /** From the expert's home to the customer, in km. */
  distanceKm: number;
  /** When the expert's next booking or time off begins after the visit; null when nothing follows. */
  freeUntil: string | null;
}

export interface FlagRef {
  reason: FlagReason;
  /** The visit the flag is about (no-access, replacement-needed …), or null for the whole ticket. */
  visitId: string | null;
}

// ---- events -------------------------------------------------------------------------------

export interface TicketOpenedData {
  ticketId: string;
  customerId: string;
  applianceModelId: string | null;
  applianceModelText: string | null;
  problem: string;
  priority: Priority;
  location: GeoPoint;
  visits: VisitSpec[];
  dependencies: VisitDependency[];
  paymentStatus: PaymentStatus;
  /** Helpdesk opened it although payment was not confirmed. */
  paymentOverridden: boolean;
  openedBy: Actor;
  openedAt: string;
}

/** The ticket's visits may now be planned and matched: the saga plans one Visit per spec. */
export interface TicketReleasedToMatchingData {
  ticketId: string;
  customerId: string;
  priority: Priority;
  location: GeoPoint;
  /** The visits still to plan (all of them, unless some were cancelled while the ticket was held). */
  visits: VisitSpec[];
  dependencies: VisitDependency[];
  releasedAt: string;
}

export type TicketEvent =
  | DomainEvent<'TicketOpened', TicketOpenedData>
  | DomainEvent<'TicketReleasedToMatching', TicketReleasedToMatchingData>
  | DomainEvent<
      'TicketFlaggedForHelpdesk',
      {
        ticketId: string;
        reason: FlagReason;
        visitId: string | null;
        note: string;
        /** `replacement-needed`: the experts free to replace (absent on other flags and on older events). */
        candidates?: ReplacementCandidate[];
        flaggedBy: Actor;
        flaggedAt: string;
      }
    >
  | DomainEvent<'TicketFlagResolved', { ticketId: string; reason: FlagReason; visitId: string | null; resolution: FlagResolution; note: string; resolvedBy: Actor; resolvedAt: string }>
  | DomainEvent<'TicketEscalated', { ticketId: string; visitIds: string[]; unfitProposals: UnfitProposal[]; escalatedAt: string }>
  | DomainEvent<'TicketApplianceModelMapped', { ticketId: string; applianceModelId: string; applianceModelText: string; mappedBy: Actor; mappedAt: string }>
  | DomainEvent<'TicketVisitOutcomeRecorded', { ticketId: string; visitId: string; outcome: VisitOutcome; experts: string[]; recordedAt: string }>
  | DomainEvent<
      'TicketFollowUpVisitAdded',
      {
        ticketId: string;
        customerId: string;
        visit: VisitSpec;
        followUpOf: string | null;
        priority: Priority;
        location: GeoPoint;
        /** True when the ticket is released: the saga plans the visit now (else it comes with the release). */
        openForMatching: boolean;
        addedBy: Actor;
        addedAt: string;
      }
    >
  | DomainEvent<'TicketCancelled', { ticketId: string; reason: string; visitsToRelease: string[]; closedFlags: FlagRef[]; cancelledBy: Actor; cancelledAt: string }>
  | DomainEvent<'TicketCompleted', { ticketId: string; resolution: string; completedBy: Actor; completedAt: string }>
  | DomainEvent<'TicketSurveyRecorded', { ticketId: string; rating: number; comments: string; recordedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

export interface OpenTicketData {
  ticketId: string;
  customerId: string;
  /** Exactly one of applianceModelId (a catalog model) and applianceModelText (free text). */
  applianceModelId?: string;
  applianceModelText?: string;
  problem: string;
  priority: Priority;
  /** The customer's location (from their address): every visit happens there. */
  location: GeoPoint;
  visits: VisitSpec[];
  dependencies: VisitDependency[];
  /** From the paid-customers cache, looked up by the caller. */
  paymentStatus: PaymentStatus;
  /** Helpdesk/admin/manager only: open and release although payment is not confirmed. */
  overridePayment?: boolean;
}

export type TicketCommand =
  | Command<'openTicket', OpenTicketData>
  | Command<'flagTicket', { ticketId: string; reason: FlagReason; note: string; visitId?: string; candidates?: ReplacementCandidate[] }>
  | Command<'resolveFlag', { ticketId: string; reason: FlagReason; visitId?: string; resolution: FlagResolution; note: string }>
  | Command<'escalateTicket', { ticketId: string; visitIds: string[]; unfitProposals: UnfitProposal[] }>
  | Command<'mapApplianceModel', { ticketId: string; applianceModelId: string }>
  | Command<'recordVisitOutcome', { ticketId: string; visitId: string; outcome: VisitOutcome; experts: string[] }>
  | Command<'addFollowUpVisit', { ticketId: string; visit: VisitSpec; followUpOf?: string }>
  | Command<'cancelTicket', { ticketId: string; reason: string }>
  | Command<'completeTicket', { ticketId: string; resolution: string }>
  | Command<'recordSurvey', { ticketId: string; rating: number; comments: string }>;

// ---- state --------------------------------------------------------------------------------

export type TicketStatus = 'on-hold' | 'open' | 'completed' | 'cancelled';

export interface TicketVisit {
  spec: VisitSpec;
  followUpOf: string | null;
  /** null while the visit is pending (open for matching, scheduled or in progress). */
  outcome: VisitOutcome | null;
  /** The experts who did it (completed or closed incomplete). */
  experts: string[];
}

export interface OpenFlag extends FlagRef {
  note: string;
  /** The experts free to replace, on a `replacement-needed` flag (else empty). */
  candidates: ReplacementCandidate[];
  flaggedAt: string;
}

export interface Ticket {
  status: TicketStatus;
  ticketId: string;
  customerId: string;
  applianceModelId: string | null;
  applianceModelText: string | null;
  problem: string;
  priority: Priority;
  location: GeoPoint;
  visits: TicketVisit[];
  dependencies: VisitDependency[];
  paymentStatus: PaymentStatus;
  paymentOverridden: boolean;
  openedBy: Actor;
  openedAt: string;
  flags: OpenFlag[];
  /** Visits escalated for no match in time, until helpdesk resolves that flag. */
  escalatedVisits: string[];
  /** Visit ids in the order their outcomes were recorded. */
  outcomeOrder: string[];
  resolution: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  survey: { rating: number; comments: string; recordedAt: string } | null;
}

export type TicketState = { status: 'none' } | Ticket;

// ---- decider ------------------------------------------------------------------------------

const OPENERS: readonly Role[] = ['customer', ...STAFF, 'system'];
const OVERRIDERS: readonly Role[] = STAFF;
const FLAGGERS: readonly Role[] = ['expert', ...STAFF, 'system'];
const HELPDESK: readonly Role[] = STAFF;
const ESCALATORS: readonly Role[] = ['system', ...STAFF];
const MAPPERS: readonly Role[] = ['helpdesk', 'admin'];
const REPORTERS: readonly Role[] = ['system', 'helpdesk', 'admin'];
const PLANNERS: readonly Role[] = ['customer', ...STAFF, 'system'];
const CANCELLERS: readonly Role[] = ['customer', ...STAFF, 'system'];
const COMPLETERS: readonly Role[] = ['expert', 'helpdesk', 'admin'];
const SURVEYORS: readonly Role[] = ['customer', 'helpdesk', 'system'];

export const ticketDecider: Decider<TicketState, TicketCommand, TicketEvent> = {
  initialState: () => ({ status: 'none' }),

  evolve(state, event) {
    if (event.type === 'TicketOpened') {
      const d = event.data;
      return {
        status: 'on-hold',
        ticketId: d.ticketId,
        customerId: d.customerId,
        applianceModelId: d.applianceModelId,
        applianceModelText: d.applianceModelText,
        problem: d.problem,
        priority: d.priority,
        location: d.location,
        visits: d.visits.map((spec) => ({ spec, followUpOf: null, outcome: null, experts: [] })),
        dependencies: d.dependencies,
        paymentStatus: d.paymentStatus,
        paymentOverridden: d.paymentOverridden,
        openedBy: d.openedBy,
        openedAt: d.openedAt,
        flags: [],
        escalatedVisits: [],
        outcomeOrder: [],
        resolution: null,
        completedAt: null,
        cancelledAt: null,
        survey: null,
      };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'TicketReleasedToMatching':
        return { ...state, status: 'open' };
      case 'TicketFlaggedForHelpdesk': {
        const { reason, visitId, note, flaggedAt } = event.data;
        return { ...state, flags: [...state.flags, { reason, visitId, note, candidates: event.data.candidates ?? [], flaggedAt }] };
      }
      case 'TicketFlagResolved': {
        const ref = event.data;
        return {
          ...state,
          flags: state.flags.filter((f) => !sameFlag(f, ref)),
          escalatedVisits: ref.reason === 'no-match-in-time' ? [] : state.escalatedVisits,
        };
      }
      case 'TicketEscalated':
        return { ...state, escalatedVisits: [...state.escalatedVisits, ...event.data.visitIds.filter((v) => !state.escalatedVisits.includes(v))] };
      case 'TicketApplianceModelMapped':
        return { ...state, applianceModelId: event.data.applianceModelId };
      case 'TicketVisitOutcomeRecorded': {
        const { visitId, outcome, experts } = event.data;
        return {
          ...state,
          visits: state.visits.map((v) => (v.spec.visitId === visitId ? { ...v, outcome, experts } : v)),
          outcomeOrder: [...state.outcomeOrder, visitId],
        };
      }
      case 'TicketFollowUpVisitAdded':
        return { ...state, visits: [...state.visits, { spec: event.data.visit, followUpOf: event.data.followUpOf, outcome: null, experts: [] }] };
      case 'TicketCancelled':
        return { ...state, status: 'cancelled', flags: [], cancelledAt: event.data.cancelledAt };
      case 'TicketCompleted':
        return { ...state, status: 'completed', resolution: event.data.resolution, completedAt: event.data.completedAt };
      case 'TicketSurveyRecorded':
        return { ...state, survey: { rating: event.data.rating, comments: event.data.comments, recordedAt: event.data.recordedAt } };
    }
  },

  decide(command, state) {
    const { now, actor } = command.metadata;
    const at = now.toISOString();
    if (command.type === 'openTicket') {
      if (state.status !== 'none') throw new DomainError('ticket-already-exists', `ticket ${command.data.ticketId} already exists`);
      return openTicket(command.data, actor, now);
    }
    const ticket = existing(state, command.data.ticketId);
    const { ticketId } = ticket;
    switch (command.type) {
      case 'flagTicket': {
        allowRoles(actor, FLAGGERS, 'flag a ticket for helpdesk');
        notClosed(ticket);
        const { reason, note } = command.data;
        assertReason(reason);
        const visitId = command.data.visitId ?? null;
        if (visitId !== null) visitOf(ticket, visitId);
        if (reason === 'other' && !note.trim()) throw new DomainError('note-required', 'say what helpdesk should look at');
        const { candidates } = command.data;
        if (candidates !== undefined) assertCandidates(reason, visitId, candidates);
        if (ticket.flags.some((f) => sameFlag(f, { reason, visitId }))) return [];
        return [{ type: 'TicketFlaggedForHelpdesk', data: { ticketId, reason, visitId, note, ...(candidates !== undefined ? { candidates } : {}), flaggedBy: actor, flaggedAt: at } }];
      }
      case 'resolveFlag': {
        allowRoles(actor, HELPDESK, 'resolve a helpdesk flag');
        const { reason, resolution, note } = command.data;
        const ref: FlagRef = { reason, visitId: command.data.visitId ?? null };
        if (!ticket.flags.some((f) => sameFlag(f, ref))) {
          throw new DomainError('flag-not-found', `ticket ${ticketId} has no open ${reason} flag${ref.visitId ? ` for visit ${ref.visitId}` : ''}`);
        }
        if (!['released', 'cancelled', 'handled'].includes(resolution)) throw new DomainError('invalid-resolution', `unknown resolution ${resolution}`);
        const payment = PAYMENT_FLAGS.includes(reason);
        if (resolution === 'released' && !payment) {
          throw new DomainError('resolution-not-allowed', `only a payment flag is resolved by releasing the ticket, not ${reason}`);
        }
        if (resolution === 'handled' && payment && ticket.status === 'on-hold') {
          throw new DomainError('resolution-not-allowed', 'a held ticket waits on its payment flag: release it or cancel it');
        }
        if (resolution === 'cancelled' && ticket.status === 'completed') throw new DomainError('ticket-completed', `ticket ${ticketId} is completed`);
        const resolved: TicketEvent = { type: 'TicketFlagResolved', data: { ticketId, reason, visitId: ref.visitId, resolution, note, resolvedBy: actor, resolvedAt: at } };
        if (resolution === 'cancelled') return [resolved, cancelled(ticket, note || `helpdesk cancelled on ${reason}`, actor, at, ref)];
        const paymentFlagsLeft = ticket.flags.filter((f) => PAYMENT_FLAGS.includes(f.reason) && !sameFlag(f, ref));
        if (resolution === 'released' && ticket.status === 'on-hold' && paymentFlagsLeft.length === 0) return [resolved, released(ticket, at)];
        return [resolved];
      }
      case 'escalateTicket': {
        allowRoles(actor, ESCALATORS, 'escalate a ticket');
        notClosed(ticket);
        if (ticket.status === 'on-hold') throw new DomainError('ticket-not-released', `ticket ${ticketId} is not released to matching`);
        const { visitIds, unfitProposals } = command.data;
        if (visitIds.length === 0) throw new DomainError('no-visits-to-escalate', 'name the visits that found no match');
        for (const visitId of visitIds) {
          if (visitOf(ticket, visitId).outcome !== null) throw new DomainError('visit-not-pending', `visit ${visitId} is already finished`);
        }
        for (const proposal of unfitProposals) visitOf(ticket, proposal.visitId);
        const fresh = [...new Set(visitIds)].filter((v) => !ticket.escalatedVisits.includes(v));
        if (fresh.length === 0) return [];
        const events: TicketEvent[] = [{ type: 'TicketEscalated', data: { ticketId, visitIds: fresh, unfitProposals, escalatedAt: at } }];
        const ref: FlagRef = { reason: 'no-match-in-time', visitId: null };
        if (!ticket.flags.some((f) => sameFlag(f, ref))) {
          const note = `no match in time for ${fresh.join(', ')}`;
          events.push({ type: 'TicketFlaggedForHelpdesk', data: { ticketId, ...ref, note, flaggedBy: actor, flaggedAt: at } });
        }
        return events;
      }
      case 'mapApplianceModel': {
        allowRoles(actor, MAPPERS, 'map an appliance to a catalog model');
        const { applianceModelId } = command.data;
        if (ticket.applianceModelText === null) throw new DomainError('appliance-not-free-text', `ticket ${ticketId} already names a catalog model`);
        if (!applianceModelId.trim()) throw new DomainError('invalid-appliance', 'name the catalog model');
        if (ticket.applianceModelId === applianceModelId) return [];
        return [{ type: 'TicketApplianceModelMapped', data: { ticketId, applianceModelId, applianceModelText: ticket.applianceModelText, mappedBy: actor, mappedAt: at } }];
      }
      case 'recordVisitOutcome': {
        allowRoles(actor, REPORTERS, 'record a visit outcome');
        if (ticket.status === 'on-hold') throw new DomainError('ticket-not-released', `ticket ${ticketId} is not released to matching`);
        const { visitId, outcome, experts } = command.data;
        if (!['completed', 'closed-incomplete', 'cancelled'].includes(outcome)) throw new DomainError('invalid-outcome', `unknown visit outcome ${outcome}`);
        const visit = visitOf(ticket, visitId);
        if (visit.outcome === outcome) return [];
        if (visit.outcome !== null) throw new DomainError('visit-outcome-conflict', `visit ${visitId} already ended ${visit.outcome}`);
        if (outcome !== 'cancelled' && experts.length === 0) throw new DomainError('experts-required', `say which experts did visit ${visitId}`);
        return [{ type: 'TicketVisitOutcomeRecorded', data: { ticketId, visitId, outcome, experts: [...new Set(experts)], recordedAt: at } }];
      }
      case 'addFollowUpVisit': {
        allowRoles(actor, PLANNERS, 'add a visit');
        notClosed(ticket);
        assertVisitSpec(command.data.visit, now);
        const visit = canonicalSpec(command.data.visit);
        if (ticket.visits.some((v) => v.spec.visitId === visit.visitId)) throw new DomainError('duplicate-visit-id', `ticket ${ticketId} already has visit ${visit.visitId}`);
        const followUpOf = command.data.followUpOf ?? null;
        if (followUpOf !== null) visitOf(ticket, followUpOf);
        const { customerId, priority, location } = ticket;
        return [
          {
            type: 'TicketFollowUpVisitAdded',
            data: { ticketId, customerId, visit, followUpOf, priority, location, openForMatching: ticket.status === 'open', addedBy: actor, addedAt: at },
          },
        ];
      }
      case 'cancelTicket': {
        allowRoles(actor, CANCELLERS, 'cancel a ticket');
        notClosed(ticket);
        if (!command.data.reason.trim()) throw new DomainError('reason-required', 'say why the ticket is cancelled');
        return [cancelled(ticket, command.data.reason, actor, at, null)];
      }
      case 'completeTicket': {
        allowRoles(actor, COMPLETERS, 'complete a ticket');
        notClosed(ticket);
        if (ticket.status === 'on-hold') throw new DomainError('ticket-not-released', `ticket ${ticketId} is not released to matching`);
        const blocker = completionBlocker(ticket);
        if (blocker) throw new DomainError(blocker.code, blocker.message);
        const expertId = actingExpert(actor);
        if (expertId !== null && !ticket.visits.some((v) => v.outcome === 'completed' && v.experts.includes(expertId))) {
          throw new DomainError('expert-not-on-ticket', `expert ${expertId} did no completed visit of ticket ${ticketId}`);
        }
        if (!command.data.resolution.trim()) throw new DomainError('resolution-required', 'write a resolution note');
        return [{ type: 'TicketCompleted', data: { ticketId, resolution: command.data.resolution, completedBy: actor, completedAt: at } }];
      }
      case 'recordSurvey': {
        allowRoles(actor, SURVEYORS, 'record the survey');
        if (ticket.status !== 'completed') throw new DomainError('ticket-not-completed', `ticket ${ticketId} is not completed`);
        if (ticket.survey) throw new DomainError('survey-already-recorded', `ticket ${ticketId} already has its survey`);
        const { rating, comments } = command.data;
        if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new DomainError('invalid-rating', 'the rating is a whole number from 1 to 5');
        return [{ type: 'TicketSurveyRecorded', data: { ticketId, rating, comments, recordedAt: at } }];
      }
    }
  },
};

function openTicket(data: OpenTicketData, actor: Actor, now: Date): TicketEvent[] {
  allowRoles(actor, OPENERS, 'open a ticket');
  const overridePayment = data.overridePayment === true;
  if (overridePayment) allowRoles(actor, OVERRIDERS, 'override the payment check');
  if (!data.ticketId.trim() || !data.customerId.trim()) throw new DomainError('invalid-ticket', 'a ticket needs an id and a customer');
  const modelId = data.applianceModelId?.trim() ? data.applianceModelId : null;
  const modelText = data.applianceModelText?.trim() ? data.applianceModelText : null;
  if ((modelId === null) === (modelText === null)) {
    throw new DomainError('invalid-appliance', 'name the appliance by exactly one of a catalog model or free text');
  }
  if (!data.problem.trim()) throw new DomainError('invalid-problem', 'describe the problem');
  if (!PRIORITIES.includes(data.priority)) throw new DomainError('invalid-priority', `unknown priority ${data.priority}`);
  if (!isGeoPoint(data.location)) throw new DomainError('invalid-location', 'the visits need the customer location');
  if (!['paid', 'unpaid', 'unknown'].includes(data.paymentStatus)) throw new DomainError('invalid-payment-status', `unknown payment status ${data.paymentStatus}`);
  assertPlan(data.visits, data.dependencies, now);
  if (data.paymentStatus === 'unpaid' && !overridePayment) throw new DomainError('customer-not-paid', 'the subscription is not paid: pay first, or ask helpdesk');

  const at = now.toISOString();
  const opened: TicketOpenedData = {
    ticketId: data.ticketId,
    customerId: data.customerId,
    applianceModelId: modelId,
    applianceModelText: modelText,
    problem: data.problem,
    priority: data.priority,
    location: data.location,
    visits: data.visits.map(canonicalSpec),
    dependencies: data.dependencies.map((d) => ({ ...d })),
    paymentStatus: data.paymentStatus,
    paymentOverridden: overridePayment && data.paymentStatus !== 'paid',
    openedBy: actor,
    openedAt: at,
  };
  const events: TicketEvent[] = [{ type: 'TicketOpened', data: opened }];
  if (data.paymentStatus === 'unknown' && !overridePayment) {
    events.push({
      type: 'TicketFlaggedForHelpdesk',
      data: { ticketId: data.ticketId, reason: 'payment-status-unknown', visitId: null, note: 'payment status unknown when the ticket was opened', flaggedBy: actor, flaggedAt: at },
    });
  } else {
    const { ticketId, customerId, priority, location, visits, dependencies } = opened;
    events.push({ type: 'TicketReleasedToMatching', data: { ticketId, customerId, priority, location, visits, dependencies, releasedAt: at } });
  }
  return events;
}

function released(ticket: Ticket, at: string): TicketEvent {
  const pending = new Set(pendingVisits(ticket));
  const { ticketId, customerId, priority, location } = ticket;
  return {
    type: 'TicketReleasedToMatching',
    data: {
      ticketId,
      customerId,
      priority,
      location,
      visits: ticket.visits.filter((v) => pending.has(v.spec.visitId)).map((v) => v.spec),
      dependencies: ticket.dependencies.filter((d) => pending.has(d.before) && pending.has(d.after)),
      releasedAt: at,
    },
  };
}

/** Cancelling closes every open flag (`resolving`, if cancelled by resolving one, is already closed). */
function cancelled(ticket: Ticket, reason: string, actor: Actor, at: string, resolving: FlagRef | null): TicketEvent {
  const closedFlags = ticket.flags.filter((f) => !resolving || !sameFlag(f, resolving)).map(({ reason: r, visitId }) => ({ reason: r, visitId }));
  return {
    type: 'TicketCancelled',
    data: { ticketId: ticket.ticketId, reason, visitsToRelease: pendingVisits(ticket), closedFlags, cancelledBy: actor, cancelledAt: at },
  };
}

function existing(state: TicketState, ticketId: string): Ticket {
  if (state.status === 'none') throw new DomainError('ticket-not-found', `no ticket ${ticketId}`);
  return state;
}

function notClosed(ticket: Ticket): void {
  if (ticket.status === 'cancelled') throw new DomainError('ticket-cancelled', `ticket ${ticket.ticketId} is cancelled`);
  if (ticket.status === 'completed') throw new DomainError('ticket-completed', `ticket ${ticket.ticketId} is completed`);
}

function visitOf(ticket: Ticket, visitId: string): TicketVisit {
  const visit = ticket.visits.find((v) => v.spec.visitId === visitId);
  if (!visit) throw new DomainError('visit-not-found', `ticket ${ticket.ticketId} has no visit ${visitId}`);
  return visit;
}

function assertReason(reason: FlagReason): void {
  if (!FLAG_REASONS.includes(reason)) throw new DomainError('invalid-flag-reason', `unknown flag reason ${reason}`);
}

/** Replacement candidates belong to a visit's replacement-needed flag, each a distinct expert. */
function assertCandidates(reason: FlagReason, visitId: string | null, candidates: readonly ReplacementCandidate[]): void {
  if (reason !== 'replacement-needed' || visitId === null) throw new DomainError('candidates-not-allowed', 'only a visit flagged replacement-needed lists replacement candidates');
  const ids = new Set<string>();
  for (const c of candidates) {
    const valid = c.expertId.trim() !== '' && Number.isFinite(c.distanceKm) && c.distanceKm >= 0 && (c.freeUntil === null || isInstant(c.freeUntil));
    if (!valid || ids.has(c.expertId)) throw new DomainError('invalid-candidate', `replacement candidate ${c.expertId} is not valid`);
    ids.add(c.expertId);
  }
}

function sameFlag(a: FlagRef, b: FlagRef): boolean {
  return a.reason === b.reason && a.visitId === b.visitId;
}

// ---- helpers for sagas, read models and tests ---------------------------------------------

/** Visits with no outcome yet: open for matching, scheduled or in progress. */
export function pendingVisits(state: TicketState): string[] {
  if (state.status === 'none') return [];
  return state.visits.filter((v) => v.outcome === null).map((v) => v.spec.visitId);
}

/** Why the ticket may not complete yet, or null when its visits allow completion. */
export function completionBlocker(state: TicketState): { code: string; message: string } | null {
  if (state.status === 'none') return { code: 'ticket-not-found', message: 'no ticket' };
  const pending = pendingVisits(state);
  if (pending.length > 0) return { code: 'visits-still-open', message: `visits ${pending.join(', ')} are not finished` };
  const last = [...state.outcomeOrder].reverse().map((id) => state.visits.find((v) => v.spec.visitId === id)!).find((v) => v.outcome !== 'cancelled');
  if (!last || last.outcome !== 'completed') {
    return { code: 'no-completed-visit', message: 'the work is not done: the last visit did not complete (plan a follow-up visit)' };
  }
  return null;
}

/** Released to matching and still running: the saga may plan, match and finalize its visits. */
export function isOpenForMatching(state: TicketState): boolean {
  return state.status === 'open';
}
