import { Document } from '../../document-store/port';
import { FlagReason, Priority, Ticket, ticketDecider, TicketEvent, TicketState, UnfitProposal } from '../../domain/ticket/ticket';
import { VisitEvent, VisitStatus } from '../../domain/visit/visit';
import { Projection } from '../projection';

export interface TicketVisitSummary {
  visitId: string;
  status: VisitStatus | 'planning';
  skills: string[];
  start: string | null;
  end: string | null;
  experts: string[];
  followUpOf: string | null;
  outcome: string | null;
}

/** The `tickets` read model: one document per ticket, what the customer and helpdesk see. */
export interface TicketDoc extends Document {
  ticketId: string;
  customerId: string;
  status: Ticket['status'];
  priority: Priority;
  appliance: { modelId: string | null; text: string | null };
  problem: string;
  paymentStatus: Ticket['paymentStatus'];
  paymentOverridden: boolean;
  flags: { reason: FlagReason; visitId: string | null; note: string; flaggedAt: string }[];
  flagged: boolean;
  escalated: boolean;
  /** Flagged or escalated: in helpdesk's queue. */
  inQueue: boolean;
  /**
   * The queue's order, most urgent first, then oldest: `<urgency>|<openedAt>|<ticketId>` (see
   * `queueKey`); null out of the queue. Unique, so it is also the queue's paging cursor.
   */
  queueKey: string | null;
  /** The reasons of the open flags, each once (the queue's filter). */
  flagReasons: FlagReason[];
  escalation: { visitIds: string[]; unfitProposals: UnfitProposal[]; escalatedAt: string } | null;
  visits: TicketVisitSummary[];
  openedBy: Ticket['openedBy'];
  openedAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
  resolution: string | null;
  survey: Ticket['survey'];
  /** Ticket stream revision: the ETag. */
  revision: number;
  /**
   * Per visit, the experts who reported en route (as the Visit's `etas`), so a replacement mirrors
   * the Visit: an en-route visit whose only traveller is swapped out is finalized again. Internal
   * (a list, not a map: visit ids contain dots, which MongoDB field names should not).
   */
  enRoute: { visitId: string; experts: string[] }[];
  updatedAt: string;
  /** The Ticket state, folded with the decider's evolve. */
  state: Ticket;
}

export const TICKETS = 'tickets';

/** Urgency rank of a priority: 0 is the most urgent. */
const URGENCY: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/**
 * Where a ticket stands in helpdesk's queue: most urgent priority first, then the oldest ticket,
 * then by id. Compared as strings, which the fixed-width parts make the queue's order (ISO
 * instants of one format compare as time does).
 */
export function queueKey(priority: Priority, openedAt: string, ticketId: string): string {
  return `${URGENCY[priority]}|${openedAt}|${ticketId}`;
}

const TICKET_EVENTS: readonly TicketEvent['type'][] = [
  'TicketOpened',
  'TicketReleasedToMatching',
  'TicketFlaggedForHelpdesk',
  'TicketFlagResolved',
  'TicketEscalated',
  'TicketApplianceModelMapped',
  'TicketVisitOutcomeRecorded',
  'TicketFollowUpVisitAdded',
  'TicketCancelled',
  'TicketCompleted',
  'TicketSurveyRecorded',
];

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

export const ticketsProjection: Projection = {
  name: 'tickets',
  // v2: follows VisitExtended (a visit summary's end moves with extensions) and who is en route
  // (a replacement of the only expert en route puts the visit back to finalized); rebuilt on upgrade.
  // v3: every flag lists its replacement candidates (empty but on replacement-needed flags), and
  // the helpdesk queue's fields (inQueue, queueKey, flagReasons).
  version: 3,
  eventTypes: [...TICKET_EVENTS, ...(Object.keys(VISIT_STATUS) as VisitEvent['type'][]), 'VisitExpertReplaced', 'VisitExtended'],
  collections: {
    [TICKETS]: [
      { keys: { customerId: 1, openedAt: -1 }, name: 'by_customer' },
      { keys: { status: 1, openedAt: -1 }, name: 'by_status' },
      { keys: { flagged: 1 }, name: 'by_flagged' },
      { keys: { escalated: 1 }, name: 'by_escalated' },
      // The helpdesk queue, in its order (paged by the key), and by flag reason.
      // Partial: the queue is the few tickets in it, not every ticket ever opened.
      { keys: { inQueue: 1, queueKey: 1 }, name: 'queue_by_key', partialFilterExpression: { inQueue: true } },
      { keys: { flagReasons: 1, queueKey: 1 }, name: 'by_flag_reason' },
      { keys: { 'visits.visitId': 1 }, name: 'by_visit' },
      // Staff's list of every ticket, newest first.
      { keys: { openedAt: -1 }, name: 'by_opened' },
    ],
  },
  // Replaced by the partial queue_by_key above.
  retiredIndexes: { [TICKETS]: ['by_queue'] },
  async handle(event, { collection }) {
    const tickets = collection<TicketDoc>(TICKETS);
    if (event.type.startsWith('Ticket')) {
      const e = event as unknown as TicketEvent;
      const current = await tickets.findOne({ _id: e.data.ticketId });
      if (current && current.revision >= event.revision) return;
      const before: TicketState = current ? current.state : { status: 'none' };
      const state = ticketDecider.evolve(before, e);
      if (state.status === 'none') return;
      let escalation = current?.escalation ?? null;
      if (e.type === 'TicketEscalated') {
        const { visitIds, unfitProposals, escalatedAt } = e.data;
        escalation = {
          visitIds: [...new Set([...(escalation?.visitIds ?? []), ...visitIds])],
          unfitProposals: [...(escalation?.unfitProposals ?? []), ...unfitProposals],
          escalatedAt,
        };
      }
      if (state.escalatedVisits.length === 0) escalation = null;
      const summaries = new Map((current?.visits ?? []).map((v) => [v.visitId, v]));
      const visits: TicketVisitSummary[] = state.visits.map((v) => {
        const known = summaries.get(v.spec.visitId);
        return {
          visitId: v.spec.visitId,
          status: known?.status ?? 'planning',
          skills: v.spec.skills,
          start: known?.start ?? null,
          end: known?.end ?? null,
          experts: v.experts.length > 0 ? v.experts : (known?.experts ?? []),
          followUpOf: v.followUpOf,
          outcome: v.outcome,
        };
      });
      await tickets.replaceOne({ _id: state.ticketId }, toDoc(state, visits, escalation, event.revision, current?.enRoute ?? [], e.data as { [k: string]: unknown }), { upsert: true });
      return;
    }
    const e = event as unknown as VisitEvent;
    const current = await tickets.findOne({ _id: e.data.ticketId });
    if (!current) return;
    const visitId = e.data.visitId;
    let travelling = (current.enRoute ?? []).find((r) => r.visitId === visitId)?.experts ?? [];
    if (e.type === 'VisitEnRoute' && !travelling.includes(e.data.expertId)) travelling = [...travelling, e.data.expertId];
    if (e.type === 'VisitExpertReplaced') travelling = travelling.filter((x) => x !== e.data.outExpertId);
    if (e.type === 'VisitRescheduled') travelling = [];
    const others = (current.enRoute ?? []).filter((r) => r.visitId !== visitId);
    const enRoute = travelling.length > 0 ? [...others, { visitId, experts: travelling }] : others;
    const visits = current.visits.map((v) => {
      if (v.visitId !== e.data.visitId) return v;
      const next = { ...v };
      const status = VISIT_STATUS[e.type];
      if (status) next.status = status;
      if (e.type === 'VisitFinalized') Object.assign(next, { start: e.data.start, end: e.data.end, experts: e.data.experts });
      if (e.type === 'VisitRescheduled') Object.assign(next, { start: null, end: null, experts: [] });
      if (e.type === 'VisitExtended') next.end = e.data.end;
      if (e.type === 'VisitExpertReplaced') {
        next.experts = next.experts.map((x) => (x === e.data.outExpertId ? e.data.inExpertId : x));
        // As the Visit decides: back to finalized unless another expert on it is still on the way.
        if (next.status === 'cant-arrive' || (next.status === 'en-route' && travelling.length === 0)) next.status = 'finalized';
      }
      return next;
    });
    await tickets.replaceOne({ _id: current._id }, { ...current, visits, enRoute });
  },
};

function toDoc(state: Ticket, visits: TicketVisitSummary[], escalation: TicketDoc['escalation'], revision: number, enRoute: TicketDoc['enRoute'], data: Record<string, unknown>): TicketDoc {
  const at = Object.entries(data).find(([k, v]) => k.endsWith('At') && typeof v === 'string')?.[1] as string | undefined;
  const flagged = state.flags.length > 0;
  const escalated = state.escalatedVisits.length > 0;
  return {
    _id: state.ticketId,
    ticketId: state.ticketId,
    customerId: state.customerId,
    status: state.status,
    priority: state.priority,
    appliance: { modelId: state.applianceModelId, text: state.applianceModelText },
    problem: state.problem,
    paymentStatus: state.paymentStatus,
    paymentOverridden: state.paymentOverridden,
    flags: state.flags,
    flagged,
    escalated,
    inQueue: flagged || escalated,
    queueKey: flagged || escalated ? queueKey(state.priority, state.openedAt, state.ticketId) : null,
    flagReasons: [...new Set(state.flags.map((f) => f.reason))],
    escalation,
    visits,
    openedBy: state.openedBy,
    openedAt: state.openedAt,
    completedAt: state.completedAt,
    cancelledAt: state.cancelledAt,
    resolution: state.resolution,
    survey: state.survey,
    revision,
    updatedAt: at ?? state.openedAt,
    enRoute,
    state,
  };
}

/** The public view of a ticket document (without the folded state and the queue's internals). */
export function ticketView(doc: TicketDoc): Omit<TicketDoc, 'state' | '_id' | 'enRoute' | 'queueKey' | 'flagReasons'> {
  const { _id, state: _s, enRoute: _e, queueKey: _q, flagReasons: _r, ...view } = doc;
  return view;
}
