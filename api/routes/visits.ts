import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { visits } from '../../commands/visit';
import { BusyTimes, openStartTimes } from '../../domain/expert/availability';
import { ExpertCalendar } from '../../domain/expert/calendar';
import { boundsAround } from '../../domain/shared/geo';
import { ms, TimeRange } from '../../domain/shared/time';
import { servesLocation } from '../../domain/expert/expert';
import { hasSkills } from '../../domain/visit/plan-rules';
import { IncompleteReason, VisitCommand, VisitStatus } from '../../domain/visit/visit';
import { requestContext } from '../../flows/context';
import { requestExtension } from '../../flows/extend-visit';
import { PreconditionFailed } from '../../commands/handler';
import { Collection, Filter } from '../../document-store/port';
import { streamName } from '../../event-store/streams';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { ExpertDoc } from '../../projections/experts/projection';
import { OPEN_VISIT_SHAPES, OpenVisitShapeDoc, skillSetsWithin, timingOf, VISITS, VisitDoc } from '../../projections/visits/projection';
import { busyTimesOf } from '../../read-models/expert-directory';
import { AuthUser, etag, route, RouteRequest, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { AddressView, GeoPointView } from './auth';
import { STAFF } from './roles';
import { domainEnum, PriorityEnum, VisitStatusEnum } from './domain-enums';
import { metadataFor } from './tickets';

const Id = z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Instant = z.string().datetime({ offset: true });
export const VisitParams = z.object({ visitId: Id });

// ---- answers --------------------------------------------------------------------------------

const TimeRangeView = z.strictObject({ start: z.string(), end: z.string() });
const ProposalView = z.strictObject({ expertId: z.string(), starts: z.array(z.string()).describe('The starts this expert proposed') });
const AssignmentView = z.strictObject({ expertId: z.string(), start: z.string().describe('The start helpdesk assigned the expert to') });

/** A visit: one trip of one or more experts to the customer, as its ticket planned it. */
export const VisitView = z.strictObject({
  visitId: z.string(),
  ticketId: z.string(),
  customerId: z.string().nullable().describe("The ticket's customer; null if not known yet"),
  problem: z.string().nullable().describe("The ticket's problem, as the customer described it; null if not known yet"),
  groupId: z.string().describe("The matching group (the ticket id): a ticket's open visits are matched together"),
  status: VisitStatusEnum,
  priority: PriorityEnum,
  skills: z.array(z.string()).describe('Every expert on the visit has all of these'),
  expertsNeeded: z.number().int().describe('Distinct experts needed at the same time'),
  durationMinutes: z.number().int(),
  windows: z.array(TimeRangeView).describe("The customer's acceptable windows: the whole visit fits inside one of them"),
  location: GeoPointView.describe("The customer's location: every visit of the ticket happens there"),
  start: z.string().nullable().describe('Set when finalized; null while open (and after a reschedule)'),
  end: z.string().nullable().describe('Set when finalized (moves with extensions); null while open'),
  experts: z.array(z.string()).describe('Expert ids of the experts on the visit (empty until finalized)'),
  etas: z.record(z.string(), z.string()).describe('expertId → the ETA that expert reported when en route'),
  eta: z.string().nullable().describe('The latest ETA reported (any expert); null when none'),
  extendedMinutes: z.number().int().describe('Minutes the visit was extended by, in all'),
  rescheduleCount: z.number().int(),
  incompleteReason: domainEnum<IncompleteReason>()(['needs-parts', 'needs-more-time']).nullable().describe('Why it was closed incomplete; null otherwise'),
  plannedAt: z.string(),
  updatedAt: z.string(),
  revision: z.number().int().describe('The visit revision: the ETag, for If-Match'),
  proposals: z.array(ProposalView).describe('While open: who proposed which starts'),
  assignments: z.array(AssignmentView).describe('While open: experts helpdesk assigned directly'),
});
export type VisitView = z.infer<typeof VisitView>;

/** Whom an expert on the visit goes to see, and where. */
const VisitContact = z
  .strictObject({ name: z.string(), phone: z.string(), address: AddressView })
  .describe("The customer's name, phone and address as they are now (the customer's profile): for the experts on the visit and staff");

/** One visit as GET /visits/{visitId} shows it to the caller. */
const VisitDetail = VisitView.extend({
  proposals: VisitView.shape.proposals.optional().describe('While open: who proposed which starts (an expert not on the visit sees only their own; a customer, none: the field is absent)'),
  assignments: VisitView.shape.assignments.optional().describe('While open: experts helpdesk assigned directly (absent for a customer)'),
  contact: VisitContact.optional().describe("Whom to see and where (an expert on the visit, staff); absent for others, and when the customer's profile is not known"),
});
type VisitDetail = z.infer<typeof VisitDetail>;

const ScheduledVisit = VisitView.extend({ contact: VisitContact.nullable().describe("Whom to see and where; null when the customer's profile is not known") });

const FeedVisit = VisitView.extend({
  openStarts: z.array(z.string()).describe("Starts you can propose: every half hour ahead at which the whole visit fits one of the customer's windows and your weekly hours, clear of your time off and bookings"),
});
const VisitFeed = z.strictObject({ visits: z.array(FeedVisit).describe('Earliest planned first') });
const MySchedule = z.strictObject({
  scheduled: z.array(ScheduledVisit).describe('Visits you are on that start before `until` (and from `from` on, when given), by start, with whom to see and where (closed ones only with includeClosed=true)'),
  until: z.string().describe('The end of the span listed: `to`, or 14 days from now'),
  nextStart: z.string().nullable().describe('The start of your first visit from `until` on (null: none), so a later one can be asked for'),
  proposed: z.array(VisitView).describe('Open visits you proposed for or were assigned to'),
});
const MyProposals = z.strictObject({ visitId: z.string(), starts: z.array(z.string()).describe('The starts you now propose (empty: none)') });
const StepTaken = z.strictObject({ visitId: z.string(), status: VisitStatusEnum.describe("The visit's status after the step") });
const ExtensionOutcome = z.discriminatedUnion('status', [
  z.strictObject({ visitId: z.string(), status: z.literal('extended'), end: z.string().describe("The visit's new end") }),
  z.strictObject({
    visitId: z.string(),
    status: z.literal('closed-incomplete'),
    blockedBy: z
      .array(z.strictObject({ expertId: z.string(), limit: z.string().nullable().describe("Until when that expert's booking could stretch (their next booking or time off), if known") }))
      .describe('The experts who are not free for the extra time'),
    followUpVisitId: z.string().describe('The follow-up visit planned for the rest of the work'),
  }),
]);

/**
 * The visit as the API shows it: the state's proposal and assignment maps as lists (the
 * document's `proposalList` is the proposals, so it is not repeated).
 */
export function visitView(doc: VisitDoc): VisitView {
  const { _id, proposals: _p, proposalList, offeringExperts: _o, shape: _s, assignments, ...view } = doc;
  return { ...view, proposals: proposalList, assignments: Object.entries(assignments).map(([expertId, a]) => ({ expertId, start: a.start })) };
}

/** The contacts of the customers of `visits` (one query), by customer id. */
async function contactsOf(services: ApiServices, visits: readonly VisitDoc[]): Promise<Map<string, z.infer<typeof VisitContact>>> {
  const ids = [...new Set(visits.map((v) => v.customerId).filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map();
  const docs = await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).findReadOnly({ _id: { $in: ids } });
  return new Map(docs.map((c) => [c._id, { name: c.name, phone: c.phone, address: { line1: c.address.line1, city: c.address.city, postalCode: c.address.postalCode, country: c.address.country, location: { lat: c.address.location.lat, lon: c.address.location.lon } } }]));
}

export async function visitDoc(services: ApiServices, visitId: string): Promise<VisitDoc | null> {
  return (await services.readModels.collection<VisitDoc>(VISITS)).findOne({ _id: visitId });
}

/**
 * If-Match for an action that runs a flow over several aggregates (no single append to
 * condition): the visit must still be at the revision the caller read, else 412.
 */
export async function assertVisitRevision(services: ApiServices, visitId: string, ifMatch: number | undefined): Promise<void> {
  if (ifMatch === undefined) return;
  const stream = streamName(visits.category, visitId);
  const history = await services.events.readStream(stream);
  const revision = history.length === 0 ? -1 : history[history.length - 1]!.revision;
  if (revision !== ifMatch) throw new PreconditionFailed(stream, ifMatch, revision === -1 ? 'no_stream' : revision);
}

/** Is the open visit in the expert's feed: their skills cover it and it is inside their service area. */
export function inFeed(visit: VisitDoc, expert: ExpertDoc): boolean {
  return visit.status === 'open' && qualifiesFor(visit, expert);
}

/** Whether the expert's feed shows the visit while it is open: active, skilled, in the area. */
function qualifiesFor(visit: VisitDoc, expert: ExpertDoc): boolean {
  return expert.active && hasSkills(visit.skills, expert.skills) && servesLocation({ homeLocation: expert.home, serviceArea: expert.serviceArea }, { location: visit.location });
}

/**
 * The feed query's condition on where a visit is: inside the box around the expert's service
 * radius. The store tests it on the visits the index proposes before it copies any, so visits
 * too far away cost no copy (they were most of what the feed copied as the backlog grew).
 */
export function withinReach(expert: ExpertDoc): Filter {
  const bounds = expert.serviceArea.kind === 'radius' ? boundsAround(expert.home, expert.serviceArea.radiusKm) : undefined;
  if (!bounds) return {};
  return { 'location.lat': { $gte: bounds.lat.min, $lte: bounds.lat.max }, 'location.lon': { $gte: bounds.lon.min, $lte: bounds.lon.max } };
}

/** The expert's calendar as the Visit checks a start against it (from the experts read model). */
export function calendarOf(expert: ExpertDoc): ExpertCalendar {
  return { availability: expert.availability, timeOff: expert.timeOff, bookings: expert.bookings };
}

/**
 * The starts an expert could propose for open visits, as of `now`: every half hour ahead inside
 * one of the visit's windows and the expert's weekly hours, clear of their time off and bookings
 * (what the feed shows, and a visit with none is not in it). Worked out once per distinct
 * windows and duration: the feed asks for each shape of the open visits, then for each visit it
 * shows. Lives for one request: `now` and the calendar are fixed.
 */
export class OpenStarts {
  private readonly busy: BusyTimes;
  /** By duration and windows. */
  private readonly byWindows = new Map<string, string[]>();
  /** By duration and windows: whether there is any (`fits`), for those not listed. */
  private readonly anyOpen = new Map<string, boolean>();

  constructor(
    private readonly expert: ExpertDoc,
    private readonly now: Date,
  ) {
    this.busy = busyTimesOf(expert);
  }

  of(visit: Pick<VisitDoc, 'windows' | 'durationMinutes'>): string[] {
    const key = timingOf(visit);
    let starts = this.byWindows.get(key);
    if (starts === undefined) {
      const times = this.windowsAhead(visit).flatMap(([start, end]) => openStartTimes(this.expert.availability, this.busy, start, end, visit.durationMinutes));
      starts = [...new Set(times)].sort((a, b) => a - b).map((at) => new Date(at).toISOString());
      this.byWindows.set(key, starts);
    }
    return starts;
  }

  /**
   * Whether `of(visit)` lists any start, found without listing them: the feed asks it of every
   * shape it reads, and lists the starts only of the visits it shows.
   */
  fits(visit: Pick<VisitDoc, 'windows' | 'durationMinutes'>): boolean {
    const key = timingOf(visit);
    const listed = this.byWindows.get(key);
    if (listed !== undefined) return listed.length > 0;
    let fits = this.anyOpen.get(key);
    if (fits === undefined) {
      fits = this.windowsAhead(visit).some(([start, end]) => openStartTimes(this.expert.availability, this.busy, start, end, visit.durationMinutes, 30, 1).length > 0);
      this.anyOpen.set(key, fits);
    }
    return fits;
  }

  /** The part of each customer window still ahead of `now`, in ms. */
  private windowsAhead(visit: Pick<VisitDoc, 'windows'>): [number, number][] {
    const now = this.now.getTime();
    const ahead: [number, number][] = [];
    for (const w of visit.windows) {
      const [start, end] = [Math.max(ms(w.start), now), ms(w.end)];
      if (start < end) ahead.push([start, end]);
    }
    return ahead;
  }
}

function expertIdOf(user: AuthUser): string {
  if (!user.expertId) throw new HttpProblem(403, 'Forbidden', 'This login is not linked to an expert profile.');
  return user.expertId;
}

/**
 * The visit, if the caller may see it: staff, its customer, an expert on it, proposing for it, or
 * whose feed holds it. Refusals follow the README's policy: 404 when it does not exist or is
 * another customer's (a customer gets the answer of a missing id), 403 for any other expert.
 */
export async function visibleVisit(services: ApiServices, user: AuthUser, visitId: string): Promise<VisitDoc> {
  const doc = await visitDoc(services, visitId);
  if (!doc || (user.role === 'customer' && (user.customerId === undefined || doc.customerId !== user.customerId))) throw new HttpProblem(404, 'Not found', `No visit ${visitId}.`);
  if (user.role === 'expert') {
    const me = expertIdOf(user);
    let related = doc.experts.includes(me) || doc.proposals[me] !== undefined || doc.assignments[me] !== undefined;
    if (!related) {
      const expert = await services.experts.get(me);
      related = expert !== null && inFeed(doc, expert);
    }
    if (!related) throw new HttpProblem(403, 'Forbidden', `You are not on visit ${visitId}, and it is not in your feed.`);
  }
  return doc;
}

/** The visit, if the calling expert is on it (404 if there is none, 403 if they are not on it). */
async function myVisit(services: ApiServices, user: AuthUser, visitId: string): Promise<VisitDoc> {
  const doc = await visibleVisit(services, user, visitId);
  if (!doc.experts.includes(expertIdOf(user))) throw new HttpProblem(403, 'Forbidden', `You are not on visit ${visitId}.`);
  return doc;
}

type StepType = 'markEnRoute' | 'markArrived' | 'markStarted' | 'reportCantArrive' | 'reportCantEnter' | 'completeVisit' | 'closeIncomplete';

async function step(request: RouteRequest<{ visitId: string }, unknown, unknown>, services: ApiServices, type: StepType, data: Record<string, unknown>) {
  const { params, user } = request;
  await myVisit(services, user, params.visitId);
  const command = { type, data: { visitId: params.visitId, expertId: expertIdOf(user), ...data }, metadata: metadataFor(request) } as VisitCommand;
  const result = await send(services.commands, visits, command, request.expected);
  if (result.state.status === 'none') throw new Error(`visit ${params.visitId}: no visit after a successful step`);
  return written(result, { visitId: params.visitId, status: result.state.status } satisfies z.infer<typeof StepTaken>);
}

/** A step of the visit's execution: its operation is named after the command (markEnRoute …). */
function stepRoute<B>(path: string, summary: string, type: StepType, body: z.ZodType<B>, toData: (b: B, services: ApiServices) => Record<string, unknown>) {
  return route({
    method: 'post',
    path: `/visits/:visitId/${path}`,
    operationId: type,
    // The matching saga tells the ticket about each step (the last visit completed lets the
    // expert complete the ticket next): the answer waits until it has handled the step.
    readsNext: ['visits', 'tickets', 'matching'],
    summary,
    tag: 'Visits',
    roles: ['expert'],
    params: VisitParams,
    body,
    idempotent: true,
    success: 200,
    response: StepTaken,
    handler: (request, services: ApiServices) => step(request, services, type, toData(request.body, services)),
  });
}

const Empty = z.object({}).strict();

/** Statuses of visits that are over: the schedule leaves them out unless asked. */
const CLOSED: readonly VisitStatus[] = ['completed', 'closed-incomplete', 'cancelled'];

/**
 * How far ahead the schedule reaches unless asked: the fortnight an expert plans with and keeps
 * on their device. Every visit booked ahead made each call cost more (a soak books months).
 */
const SCHEDULE_AHEAD_MS = 14 * 24 * 3_600_000;

/** Visits read per query of the feed, at most. */
const FEED_CHUNK = 200;

/**
 * The visits `filter` selects, earliest planned first, read a chunk at a time through the
 * (status, plannedAt) index: the feed stops at its page, and reading every open visit at once
 * made each feed cost grow with the backlog (a 10-minute soak fell from 241 to 54 req/s).
 * A chunk that ends inside a group of visits planned at the same time takes the whole group.
 * `page`: how many the caller is likely to keep (chunks are no bigger).
 */
export async function* earliestFirst(collection: Collection<VisitDoc>, filter: Filter, page = FEED_CHUNK): AsyncGenerator<Readonly<VisitDoc>> {
  const size = Math.min(page, FEED_CHUNK);
  let after: string | undefined;
  for (;;) {
    const chunk = await collection.findReadOnly(after === undefined ? filter : { ...filter, plannedAt: { $gt: after } }, { sort: { plannedAt: 1 }, limit: size });
    if (chunk.length < size) {
      yield* chunk;
      return;
    }
    const last = chunk[chunk.length - 1]!.plannedAt;
    yield* chunk.filter((visit) => visit.plannedAt !== last);
    yield* await collection.findReadOnly({ ...filter, plannedAt: last });
    after = last;
  }
}

export const visitRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/visits/feed',
    operationId: 'getVisitFeed',
    summary: "Open visits the expert can take: their skills cover the visit's, it is in their service area, and one of its windows has a start inside their weekly hours, clear of their time off and bookings",
    tag: 'Visits',
    roles: ['expert'],
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    success: 200,
    response: VisitFeed,
    async handler({ user, query }, services: ApiServices) {
      const expert = await services.experts.get(expertIdOf(user));
      if (!expert) throw new HttpProblem(404, 'Not found', 'Your expert profile is not there yet.');
      // The expert's skills and calendar are tested once per shape of the open visits (skills,
      // duration, windows): the shapes read are those of the sets of skills the expert has, by
      // key. The query reads the open visits of the shapes that fit through (status, shape,
      // plannedAt), one walk per shape merged in planned order; when every shape fits (all of
      // the collection, not only those read), the (status, plannedAt) walk. The store leaves out what lies outside the box
      // around the service area; the distance is tested after. A visit of a shape opened since
      // `shapes` was read shows from the next request on.
      const starts = new OpenStarts(expert, services.clock());
      const shapeDocs = await services.readModels.collection<OpenVisitShapeDoc>(OPEN_VISIT_SHAPES);
      const skillSets = skillSetsWithin(expert.skills);
      const shapes = await shapeDocs.findReadOnly(skillSets ? { skillSet: { $in: skillSets } } : {});
      const fitting = shapes.filter((shape) => hasSkills(shape.skills, expert.skills) && starts.fits(shape)).map((shape) => shape._id);
      const feed: z.infer<typeof FeedVisit>[] = [];
      if (fitting.length === 0) return { status: 200, body: { visits: feed } satisfies z.infer<typeof VisitFeed> };
      const everyShape = fitting.length === shapes.length && (skillSets === null || (await shapeDocs.count({})) === fitting.length);
      const candidates = { ...(everyShape ? { status: 'open' } : { status: 'open', shape: { $in: fitting } }), ...withinReach(expert) };
      const visitDocs = await services.readModels.collection<VisitDoc>(VISITS);
      for await (const visit of earliestFirst(visitDocs, candidates, query.limit)) {
        if (feed.length >= query.limit) break;
        if (!inFeed(visit, expert)) continue;
        const openStarts = starts.of(visit);
        if (openStarts.length > 0) feed.push({ ...visitView(visit), openStarts });
      }
      return { status: 200, body: { visits: feed } satisfies z.infer<typeof VisitFeed> };
    },
  }),
  route({
    method: 'get',
    path: '/visits/mine',
    operationId: 'getMySchedule',
    summary: "The expert's schedule: visits they are on, and open visits they proposed for",
    tag: 'Visits',
    roles: ['expert'],
    query: z
      .object({
        includeClosed: z.enum(['true', 'false']).default('false'),
        from: Instant.optional().describe('Only visits starting at or after this (default: none, so visits of earlier days not done yet show)'),
        to: Instant.optional().describe('Only visits starting before this (default: 14 days from now)'),
      })
      .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { message: 'must be after from', path: ['to'] }),
    success: 200,
    response: MySchedule,
    async handler({ user, query }, services: ApiServices) {
      const me = expertIdOf(user);
      const col = await services.readModels.collection<VisitDoc>(VISITS);
      const until = new Date(query.to !== undefined ? Date.parse(query.to) : services.clock().getTime() + SCHEDULE_AHEAD_MS).toISOString();
      // Without the closed ones, through (experts, status, start): an expert's history grows
      // with every visit they do, and reading it all made each call cost more.
      const statuses = query.includeClosed === 'true' ? {} : { status: { $in: VisitStatusEnum.options.filter((status) => !CLOSED.includes(status)) } };
      const from = query.from !== undefined ? { $gte: new Date(Date.parse(query.from)).toISOString() } : {};
      const scheduled = await col.findReadOnly({ experts: me, ...statuses, start: { ...from, $lt: until } }, { sort: { start: 1 }, limit: 1000 });
      const [next] = await col.findReadOnly({ experts: me, ...statuses, start: { $gte: until } }, { sort: { start: 1 }, limit: 1 });
      // Through the by_status_offering index: testing every open visit grew with the backlog.
      const proposed = await col.findReadOnly({ status: 'open', offeringExperts: me }, { limit: 5000 });
      const contacts = await contactsOf(services, scheduled);
      const withContact = scheduled.map((v) => ({ ...visitView(v), contact: (v.customerId !== null && contacts.get(v.customerId)) || null }));
      const body = { scheduled: withContact, until, nextStart: next?.start ?? null, proposed: proposed.map(visitView) };
      return { status: 200, body: body satisfies z.infer<typeof MySchedule> };
    },
  }),
  route({
    method: 'get',
    path: '/visits/:visitId',
    operationId: 'getVisit',
    summary: 'A visit (an expert on it or whose feed holds it, its customer, staff)',
    tag: 'Visits',
    roles: ['customer', 'expert', ...STAFF],
    params: VisitParams,
    success: 200,
    response: VisitDetail,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleVisit(services, user, params.visitId);
      let view: VisitDetail = visitView(doc);
      if (user.role === 'customer') {
        // The customer sees the schedule, not who competed for it.
        const { proposals: _p, assignments: _a, ...rest } = view;
        view = rest;
      } else if (user.role === 'expert' && !doc.experts.includes(user.expertId!)) {
        view = { ...view, proposals: doc.proposalList.filter((p) => p.expertId === user.expertId), assignments: [] };
      } else {
        // An expert on the visit, or staff: whom to see and where.
        const contact = doc.customerId !== null ? (await contactsOf(services, [doc])).get(doc.customerId) : undefined;
        if (contact) view = { ...view, contact };
      }
      return { status: 200, body: view, headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'post',
    path: '/visits/:visitId/proposals',
    operationId: 'proposeSlots',
    readsNext: ['visits', 'tickets'],
    summary:
      "Propose every start that suits you (replaces your earlier list; keeps time priority of starts that stay). A start outside your weekly hours or in your time off is refused (422 outside-availability, with the hours open that day, or expert-time-off)",
    tag: 'Visits',
    roles: ['expert'],
    params: VisitParams,
    body: z.object({ starts: z.array(Instant).min(1).max(50) }),
    idempotent: true,
    success: 200,
    response: MyProposals,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      const expertId = expertIdOf(user);
      const expert = await services.experts.get(expertId);
      if (!expert) throw new HttpProblem(404, 'Not found', 'Your expert profile is not there yet.');
      // A visit taken since it was in the feed is refused by the Visit itself (422 visit-not-open),
      // as it is for an expert who had proposed: the same race gets the same answer.
      const doc = await visitDoc(services, params.visitId);
      if (!doc || !qualifiesFor(doc, expert)) await visibleVisit(services, user, params.visitId);
      const result = await send(services.commands, visits, {
        type: 'proposeSlot',
        data: { visitId: params.visitId, expertId, expertSkills: expert.skills, expertCalendar: calendarOf(expert), starts: body.starts },
        metadata: metadataFor(request),
      });
      const slots = result.state.status === 'none' ? [] : (result.state.proposals[expertId] ?? []);
      return { status: 200, body: { visitId: params.visitId, starts: slots.map((s) => s.start) } satisfies z.infer<typeof MyProposals>, position: result.position };
    },
  }),
  route({
    method: 'delete',
    path: '/visits/:visitId/proposals',
    operationId: 'withdrawProposals',
    readsNext: ['visits', 'tickets'],
    summary: 'Withdraw your proposals (all, or the starts given as ?start=…)',
    tag: 'Visits',
    roles: ['expert'],
    params: VisitParams,
    query: z.object({ start: z.union([Instant, z.array(Instant).max(50)]).optional() }),
    idempotent: true,
    success: 200,
    response: MyProposals,
    async handler(request, services: ApiServices) {
      const { params, user, query } = request;
      await visibleVisit(services, user, params.visitId);
      const starts = query.start === undefined ? undefined : Array.isArray(query.start) ? query.start : [query.start];
      const result = await send(services.commands, visits, {
        type: 'withdrawProposal',
        data: { visitId: params.visitId, expertId: expertIdOf(user), ...(starts ? { starts } : {}) },
        metadata: metadataFor(request),
      });
      const slots = result.state.status === 'none' ? [] : (result.state.proposals[expertIdOf(user)] ?? []);
      return { status: 200, body: { visitId: params.visitId, starts: slots.map((s) => s.start) } satisfies z.infer<typeof MyProposals>, position: result.position };
    },
  }),
  stepRoute(
    'en-route',
    'You are on your way (with your ETA); at most EN_ROUTE_LEAD_MIN minutes (default 120) before the visit starts, else 422 en-route-too-early',
    'markEnRoute',
    z.object({ eta: Instant }),
    (b, services) => ({ eta: b.eta, maxLeadMinutes: services.enRouteLeadMinutes }),
  ),
  stepRoute('arrived', 'You arrived at the customer', 'markArrived', Empty, () => ({})),
  stepRoute('started', 'You started the work', 'markStarted', Empty, () => ({})),
  stepRoute('cant-arrive', 'You cannot make it (helpdesk replaces or reschedules)', 'reportCantArrive', z.object({ reason: z.string().trim().min(1).max(1000) }), (b) => ({ reason: b.reason })),
  stepRoute('cant-enter', 'Nobody lets you in', 'reportCantEnter', z.object({ note: z.string().trim().max(1000).default('') }), (b) => ({ note: b.note })),
  stepRoute('complete', 'The work of this visit is done', 'completeVisit', z.object({ notes: z.string().trim().max(4000).default('') }), (b) => ({ notes: b.notes })),
  stepRoute(
    'close-incomplete',
    'Close the visit unfinished (needs parts / more time): a follow-up visit is planned',
    'closeIncomplete',
    z.object({ reason: z.enum(['needs-parts', 'needs-more-time']), note: z.string().trim().max(1000).default('') }),
    (b) => ({ reason: b.reason, note: b.note }),
  ),
  route({
    method: 'post',
    path: '/visits/:visitId/extension',
    operationId: 'requestExtension',
    readsNext: ['visits', 'tickets'],
    summary: 'Ask for more time: extended if every expert is free, else closed incomplete with a follow-up visit; If-Match supported',
    tag: 'Visits',
    roles: ['expert'],
    params: VisitParams,
    body: z.object({ minutes: z.number().int().min(5).max(8 * 60) }),
    idempotent: true,
    success: 200,
    response: ExtensionOutcome,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      await myVisit(services, user, params.visitId);
      await assertVisitRevision(services, params.visitId, request.ifMatch);
      const metadata = metadataFor(request);
      const ctx = requestContext(services, { commandId: metadata.commandId, actor: metadata.actor, now: metadata.now, correlationId: request.correlationId });
      const outcome = await requestExtension(ctx, { visitId: params.visitId, expertId: expertIdOf(user), minutes: body.minutes });
      return { status: 200, body: { visitId: params.visitId, ...outcome } satisfies z.infer<typeof ExtensionOutcome>, position: await services.events.headPosition() };
    },
  }),
];
