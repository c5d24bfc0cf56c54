import { Document } from '../../document-store/port';
import { TimeRange } from '../../domain/shared/time';
import { TicketEvent } from '../../domain/ticket/ticket';
import { Visit, visitDecider, VisitEvent, VisitState } from '../../domain/visit/visit';
import { Projection } from '../projection';

/**
 * The `visits` read model: one document per visit — the Visit's own state (folded with the
 * Visit decider's pure `evolve`, so domain helpers such as `unfitProposals` work on it) plus what
 * readers need besides: the ticket's customer and problem, a flat list of proposals, the latest
 * ETA and the stream revision. Serves the expert's feed and schedule, the visit page and
 * helpdesk's queue.
 *
 * Version 2 added `problem` (an expert deciding from the feed whether to take a visit reads what
 * is wrong): the read model is rebuilt from the events on start. Version 3 added
 * `offeringExperts`, so an expert's schedule finds the open visits they offered for through an
 * index instead of testing every open visit (a cost that grew with the backlog). Version 4 added
 * `shape` and the `open_visit_shapes` collection, so the feed tests an expert's skills and
 * calendar once per distinct shape of the open visits and reads only the open visits it fits.
 */
export type VisitDoc = Document &
  Visit & {
    customerId: string | null;
    /** The ticket's problem as the customer described it; null if its TicketOpened was not seen. */
    problem: string | null;
    /** Flat view of `proposals`: who proposed which starts. */
    proposalList: { expertId: string; starts: string[] }[];
    /** Experts who proposed starts or were assigned a start (open visits; empty once finalized), sorted. */
    offeringExperts: string[];
    /** The latest ETA reported (any expert), null when none. */
    eta: string | null;
    /** The skills, duration and windows as one string (shapeOf): an expert can take visits alike in these alike, but for the distance. */
    shape: string;
    plannedAt: string;
    updatedAt: string;
    revision: number;
  };

/** ticketId → customerId and problem, so a visit knows whose it is and why (VisitPlanned carries neither). */
export interface VisitTicketDoc extends Document {
  customerId: string;
  problem: string;
}

/**
 * The distinct shapes of the open visits (skills, duration, windows), each with how many open
 * visits have it. Customers of one catalog ask for the same skills and pick the same windows
 * again and again, so a backlog of thousands of open visits has a few dozen or hundred of
 * these: the feed tests an expert's skills and calendar against them instead of each visit.
 */
export interface OpenVisitShapeDoc extends Document {
  /** The shape (shapeOf). */
  _id: string;
  skills: string[];
  /** The skills as one key (skillSetOf): the feed reads the shapes of the sets of skills an expert has. */
  skillSet: string;
  durationMinutes: number;
  windows: TimeRange[];
  /** Open visits of this shape (the document goes when none is left). */
  open: number;
}

export const VISITS = 'visits';
export const VISIT_TICKETS = 'visit_tickets';
export const OPEN_VISIT_SHAPES = 'open_visit_shapes';

/** A visit's duration and windows as one string: visits alike in these fit a calendar alike. */
export function timingOf(visit: { durationMinutes: number; windows: readonly TimeRange[] }): string {
  return `${visit.durationMinutes} ${visit.windows.map((w) => `${w.start}/${w.end}`).join(' ')}`;
}

/**
 * A set of skills as one key: its distinct skills, sorted, as JSON. Skills are free text, so
 * joining them with a separator let two sets share a key (["a,b"] and ["a", "b"]).
 */
export function skillSetOf(skills: readonly string[]): string {
  return JSON.stringify([...new Set(skills)].sort());
}

/** The most skills whose every subset the feed asks for by key (2^10 keys); beyond, it reads every shape. */
export const MAX_SKILLS_BY_SUBSET = 10;

/**
 * The `skillSet` keys of every set of skills an expert with `skills` has (the empty set
 * included: a visit may need none), or null when there are more than MAX_SKILLS_BY_SUBSET.
 */
export function skillSetsWithin(skills: readonly string[]): string[] | null {
  const own = [...new Set(skills)].sort();
  if (own.length > MAX_SKILLS_BY_SUBSET) return null;
  const keys: string[] = [];
  for (let mask = 0; mask < 1 << own.length; mask++) keys.push(skillSetOf(own.filter((_, i) => (mask >> i) & 1)));
  return keys;
}

/** A visit's skills, duration and windows as one string: the key of `open_visit_shapes`. */
export function shapeOf(visit: { skills: readonly string[]; durationMinutes: number; windows: readonly TimeRange[] }): string {
  return `${skillSetOf(visit.skills)} ${timingOf(visit)}`;
}

const VISIT_EVENTS: readonly VisitEvent['type'][] = [
  'VisitPlanned',
  'VisitSlotsProposed',
  'VisitProposalWithdrawn',
  'VisitExpertAssigned',
  'VisitFinalized',
  'VisitWindowsUpdated',
  'VisitEnRoute',
  'VisitArrived',
  'VisitStarted',
  'VisitCantArrive',
  'VisitCantEnter',
  'VisitExpertReplaced',
  'VisitRescheduled',
  'VisitExtended',
  'VisitClosedIncomplete',
  'VisitCompleted',
  'VisitCancelled',
];

/** The time a visit event happened (every visit event carries one `…At` field). */
export function visitEventTime(e: VisitEvent): string {
  const d = e.data as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(d)) if (key.endsWith('At') && typeof value === 'string') return value;
  return '';
}

export const visitsProjection: Projection = {
  name: 'visits',
  version: 5,
  eventTypes: [...VISIT_EVENTS, 'TicketOpened'],
  collections: {
    [VISITS]: [
      { keys: { status: 1 }, name: 'by_status' },
      // The experts' feed: open visits, earliest first. This and the other indexes of open visits
      // are partial: the closed and finalized visits, most of them and growing with every ticket,
      // cost memory and writes there and no query of them reads them.
      { keys: { status: 1, plannedAt: 1 }, name: 'open_by_planned', partialFilterExpression: { status: 'open' } },
      { keys: { ticketId: 1 }, name: 'by_ticket' },
      // The expert's schedule: the visits they are on (that are not over), by start.
      { keys: { experts: 1, status: 1, start: 1 }, name: 'by_expert_status_start' },
      { keys: { customerId: 1 }, name: 'by_customer' },
      // The expert's schedule: open visits they proposed for or were assigned to.
      { keys: { status: 1, offeringExperts: 1 }, name: 'open_by_offering', partialFilterExpression: { status: 'open' } },
      // The feed: the open visits of the shapes an expert fits, earliest first.
      { keys: { status: 1, shape: 1, plannedAt: 1 }, name: 'open_by_shape_planned', partialFilterExpression: { status: 'open' } },
    ],
    [VISIT_TICKETS]: [],
    [OPEN_VISIT_SHAPES]: [{ keys: { skillSet: 1 }, name: 'by_skill_set' }],
  },
  // Replaced by the partial open_by_* indexes above.
  retiredIndexes: { [VISITS]: ['by_status_planned', 'by_status_offering', 'by_status_shape_planned'] },
  async handle(event, { collection }) {
    if (event.type === 'TicketOpened') {
      const d = (event as unknown as Extract<TicketEvent, { type: 'TicketOpened' }>).data;
      await collection<VisitTicketDoc>(VISIT_TICKETS).replaceOne({ _id: d.ticketId }, { _id: d.ticketId, customerId: d.customerId, problem: d.problem }, { upsert: true });
      return;
    }
    const e = event as unknown as VisitEvent;
    const visits = collection<VisitDoc>(VISITS);
    const id = e.data.visitId;
    const current = await visits.findOne({ _id: id });
    if (!current && e.type !== 'VisitPlanned') return;
    if (current && current.revision >= event.revision) return; // already applied
    const before: VisitState = current ? stateOf(current) : { status: 'none' };
    const after = visitDecider.evolve(before, e);
    if (after.status === 'none') return;
    const known = current && current.customerId !== null && current.problem !== null;
    const ticket = known ? null : await collection<VisitTicketDoc>(VISIT_TICKETS).findOne({ _id: e.data.ticketId });
    const customerId = current?.customerId ?? ticket?.customerId ?? null;
    const problem = current?.problem ?? ticket?.problem ?? null;
    const at = visitEventTime(e);
    const etas = Object.entries(after.etas).sort((a, b) => (a[1] < b[1] ? 1 : -1));
    const doc: VisitDoc = {
      ...after,
      _id: id,
      customerId,
      problem,
      proposalList: Object.entries(after.proposals).map(([expertId, slots]) => ({ expertId, starts: slots.map((s) => s.start) })),
      offeringExperts: [...new Set([...Object.keys(after.proposals), ...Object.keys(after.assignments)])].sort(),
      eta: etas[0]?.[1] ?? null,
      shape: shapeOf(after),
      plannedAt: current?.plannedAt ?? at,
      updatedAt: at,
      revision: event.revision,
    };
    // Counted before the visit is written: a store without transactions that fails between the
    // two gets the event again, and the revision check above would skip a count made after.
    const openBefore = current?.status === 'open' ? current.shape : null;
    const openAfter = doc.status === 'open' ? doc.shape : null;
    if (openBefore !== openAfter) {
      const shapes = collection<OpenVisitShapeDoc>(OPEN_VISIT_SHAPES);
      if (openBefore !== null) {
        await shapes.updateOne({ _id: openBefore }, { $inc: { open: -1 } });
        await shapes.deleteOne({ _id: openBefore, open: { $lte: 0 } });
      }
      if (openAfter !== null) {
        await shapes.updateOne({ _id: openAfter }, { $inc: { open: 1 }, $setOnInsert: { skills: [...doc.skills].sort(), skillSet: skillSetOf(doc.skills), durationMinutes: doc.durationMinutes, windows: doc.windows } }, { upsert: true });
      }
    }
    await visits.replaceOne({ _id: id }, doc, { upsert: true });
  },
};

/** The Visit state inside a visit document. */
export function stateOf(doc: VisitDoc): Visit {
  const { _id, customerId: _c, problem: _pr, proposalList: _p, offeringExperts: _o, eta: _e, shape: _s, plannedAt: _pa, updatedAt: _u, revision: _r, ...state } = doc;
  return state as unknown as Visit;
}
