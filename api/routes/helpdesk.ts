import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { FLAG_REASONS, FlagReason } from '../../domain/ticket/ticket';
import { Priority, PRIORITIES } from '../../domain/visit/plan-rules';
import { unfitProposals } from '../../domain/visit/offers';
import { Visit, VisitState } from '../../domain/visit/visit';
import { requestContext } from '../../flows/context';
import { requestExtension } from '../../flows/extend-visit';
import { eligibleExperts } from '../../read-models/expert-directory';
import { replaceExpert } from '../../flows/replace-expert';
import { calendarConflict } from '../../domain/expert/calendar';
import { addMinutes, ms } from '../../domain/shared/time';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { CATALOG_MODELS, CatalogModelDoc } from '../../projections/appliance-catalog/projection';
import { TICKETS, TicketDoc } from '../../projections/tickets/projection';
import { stateOf, VISITS, VisitDoc } from '../../projections/visits/projection';
import { route, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { customersOfArea } from './dispatch';
import { CoordinatesSchema, TimeRangeSchema } from './experts';
import { STAFF } from './roles';
import { TicketParams, ticketDoc, TicketView, toTicketView, WindowSchema } from './tickets';
import { assertVisitRevision, calendarOf, VisitParams, visitDoc, VisitView, visitView } from './visits';

const Id = z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Instant = z.string().datetime({ offset: true });
const Windows = z.array(WindowSchema).min(1).max(20);

/** The queue's cursor: its last entry's queue key, opaque to clients (base64url). */
function encodeQueueCursor(queueKey: string): string {
  return Buffer.from(queueKey, 'utf8').toString('base64url');
}

const QueueCursor = z
  .string()
  .max(400)
  .transform((cursor, ctx) => {
    const key = Buffer.from(cursor, 'base64url').toString('utf8');
    if (/^[0-3]\|[^|]+\|[^|]+$/.test(key)) return key;
    ctx.addIssue({ code: 'custom', message: "the nextCursor of an earlier answer of the queue" });
    return z.NEVER;
  });

const Area = z.string().trim().min(1).max(100);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- answers ------------------------------------------------------------------------------

const AnInstant = z.iso.datetime({ offset: true });
const PrioritySchema = z.enum(PRIORITIES as [Priority, ...Priority[]]);
const FlagReasonSchema = z.enum(FLAG_REASONS as [FlagReason, ...FlagReason[]]);
export const VisitStatusSchema = z.enum(['open', 'finalized', 'en-route', 'arrived', 'started', 'completed', 'cant-arrive', 'cant-enter', 'closed-incomplete', 'cancelled']);
export const TicketStatusSchema = z.enum(['on-hold', 'open', 'completed', 'cancelled']);
const ProposedStartsSchema = z.strictObject({ expertId: z.string(), starts: z.array(AnInstant) });
const UnfitProposalSchema = z.strictObject({ visitId: z.string(), expertId: z.string(), starts: z.array(AnInstant).describe("The proposed starts that fit none of the visit's windows") });
const ActorSchema = z.strictObject({
  userId: z.string(),
  role: z.enum(['customer', 'expert', 'helpdesk', 'admin', 'manager', 'system']).describe('system: a saga acted'),
  expertId: z.string().optional().describe('For role expert: the expert profile the login acts as'),
});

export const HelpdeskQueueSchema = z.strictObject({
  queue: z.array(
    z.strictObject({
      ticket: TicketView,
      visits: z.array(VisitView.extend({ unfitProposals: z.array(ProposedStartsSchema).describe("Open visit: proposed starts that fit none of its windows, per expert") })),
      unfitProposals: z.array(UnfitProposalSchema).describe("The escalation's proposals that did not fit"),
    }),
  ),
  total: z.number().int().describe('The whole queue, or the flag reason\'s, all pages together'),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
});
type HelpdeskQueue = z.infer<typeof HelpdeskQueueSchema>;

export const VisitWindowsSchema = z.strictObject({ visitId: z.string(), windows: z.array(TimeRangeSchema) });
export const AssignedExpertSchema = z.strictObject({ visitId: z.string(), expertId: z.string(), status: VisitStatusSchema.describe('open until matching finalizes the visit') });
export const ReplacedExpertSchema = z.strictObject({
  visitId: z.string(),
  status: z.literal('replaced'),
  inExpertId: z.string().describe('The expert now on the visit'),
  tried: z.array(z.string()).describe('The experts tried, in order; the last one took the visit'),
});
export const VisitStatusAnswerSchema = z.strictObject({ visitId: z.string(), status: VisitStatusSchema });
export const TicketStatusAnswerSchema = z.strictObject({ ticketId: z.string(), status: TicketStatusSchema });
export const MappedApplianceModelSchema = z.strictObject({ ticketId: z.string(), applianceModelId: z.string() });

export const AreasSchema = z.strictObject({
  areas: z.array(z.strictObject({ area: z.string().describe('A postal code'), city: z.string(), customers: z.number().int() })).describe('By postal code'),
});

export const ExpertCandidatesSchema = z.strictObject({
  visitId: z.string(),
  range: TimeRangeSchema.describe('The time the candidates are free for: the asked start and the visit\'s duration, or the booked time'),
  candidates: z
    .array(
      z.strictObject({
        expertId: z.string(),
        name: z.string(),
        skills: z.array(z.string()),
        distanceKm: z.number().describe("From the expert's home to the customer"),
        rating: z.number().nullable(),
        score: z.number().describe('The ranking score, 0 to 1 (skills, distance, availability, load, rating)'),
        proposed: z.boolean().describe('The expert proposed this very start'),
        freeUntil: AnInstant.nullable().describe("When the expert's next booking or time off begins after the range; null when nothing follows"),
      }),
    )
    .describe('Active experts with the skills, serving the place, working then and free (no time off, no other booking), best ranked first'),
});

export const ExtendedVisitSchema = z.discriminatedUnion('status', [
  z.strictObject({ visitId: z.string(), status: z.literal('extended'), end: z.string().describe("The visit's new end") }),
  z.strictObject({
    visitId: z.string(),
    status: z.literal('closed-incomplete'),
    blockedBy: z.array(z.strictObject({ expertId: z.string(), limit: z.string().nullable() })).describe('The experts not free for the extra time'),
    followUpVisitId: z.string().describe('The follow-up visit planned for the rest of the work'),
  }),
]);

export const TicketSearchSchema = z.strictObject({
  results: z.array(z.strictObject({ ticket: TicketView, customer: z.strictObject({ customerId: z.string(), name: z.string(), email: z.string() }).nullable() })).describe('Newest first'),
  total: z.number().int().describe('How many tickets match, over all pages'),
});

/** The visit a command acted on (a command on an unknown visit fails before this). */
function visitState(result: { state: VisitState }): Visit {
  if (result.state.status === 'none') throw new Error('a visit command succeeded on a visit never planned');
  return result.state;
}

async function existingVisit(services: ApiServices, visitId: string): Promise<VisitDoc> {
  const doc = await visitDoc(services, visitId);
  if (!doc) throw new HttpProblem(404, 'Not found', `No visit ${visitId}.`);
  return doc;
}

export const helpdeskRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/helpdesk/queue',
    summary:
      'Flagged and escalated tickets, most urgent priority first, then the oldest, with their visits and the proposals that did not fit; filtered by flag reason, priority, customer area and age; paged: pass the answer\'s nextCursor as cursor (total counts the whole queue, or the filtered part of it)',
    tag: 'Helpdesk',
    roles: STAFF,
    query: z.object({
      reason: z.enum(FLAG_REASONS as [FlagReason, ...FlagReason[]]).optional(),
      priority: PrioritySchema.optional(),
      area: Area.optional().describe("The customer's area: a postal code or city (GET /helpdesk/areas)"),
      minAgeHours: z.coerce.number().int().min(1).max(24 * 365).optional().describe('Only tickets opened at least this many hours ago'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: QueueCursor.optional(),
    }),
    success: 200,
    operationId: 'listHelpdeskQueue',
    response: HelpdeskQueueSchema,
    async handler({ query }, services: ApiServices) {
      const tickets = await services.readModels.collection<TicketDoc>(TICKETS);
      // Both through an index in the queue's order (by_queue, by_flag_reason): a page reads its own documents, and one more.
      const inQueue: Record<string, unknown> = query.reason ? { flagReasons: query.reason } : { inQueue: true };
      if (query.priority) inQueue.priority = query.priority;
      if (query.area) inQueue.customerId = { $in: (await customersOfArea(services, query.area)).map((c) => c.customerId) };
      if (query.minAgeHours) inQueue.openedAt = { $lte: new Date(services.clock().getTime() - query.minAgeHours * 3_600_000).toISOString() };
      const after = query.cursor === undefined ? {} : { queueKey: { $gt: query.cursor } };
      const found = await tickets.findReadOnly({ ...inQueue, ...after }, { sort: { queueKey: 1 }, limit: query.limit + 1 });
      const page = found.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = found.length > query.limit && last?.queueKey ? encodeQueueCursor(last.queueKey) : null;
      const visitDocs = page.length === 0 ? [] : await (await services.readModels.collection<VisitDoc>(VISITS)).findReadOnly({ ticketId: { $in: page.map((d) => d.ticketId) } });
      const queue: HelpdeskQueue['queue'] = page.map((doc) => ({
        ticket: toTicketView(doc),
        visits: visitDocs.filter((v) => v.ticketId === doc.ticketId).map((v) => ({ ...visitView(v), unfitProposals: unfitProposals(stateOf(v)) })),
        unfitProposals: doc.escalation?.unfitProposals ?? [],
      }));
      const body: HelpdeskQueue = { queue, total: await tickets.count(inQueue), nextCursor };
      return { status: 200, body };
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/visits/:visitId/windows',
    readsNext: ['tickets', 'visits'],
    summary: "Set an open visit's windows (agreed with the customer)",
    tag: 'Helpdesk',
    roles: STAFF,
    params: VisitParams,
    body: z.object({ windows: Windows }),
    idempotent: true,
    success: 200,
    operationId: 'setVisitWindows',
    response: VisitWindowsSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      const result = await send(services.commands, visits, { type: 'updateWindows', data: { visitId: params.visitId, windows: body.windows }, metadata: request.command() }, request.expected);
      const windows: z.infer<typeof VisitWindowsSchema> = { visitId: params.visitId, windows: visitState(result).windows };
      return written(result, windows);
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/visits/:visitId/assign',
    readsNext: ['tickets', 'visits'],
    summary:
      "Assign an expert to an open visit at a start directly (matching finalizes it). Refused (422) when the expert is deactivated, or the start is outside their weekly hours, in their time off or over another of their bookings",
    tag: 'Helpdesk',
    roles: STAFF,
    params: VisitParams,
    body: z.object({ expertId: Id, start: Instant }),
    idempotent: true,
    success: 200,
    operationId: 'assignExpert',
    response: AssignedExpertSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      const expert = await services.experts.get(body.expertId);
      if (!expert) throw new HttpProblem(404, 'Not found', `No expert ${body.expertId}.`);
      if (!expert.active) throw new HttpProblem(422, 'Expert inactive', `Expert ${body.expertId} is deactivated.`, { code: 'expert-inactive' });
      const result = await send(
        services.commands,
        visits,
        {
          type: 'assignExpert',
          data: { visitId: params.visitId, expertId: body.expertId, expertSkills: expert.skills, expertCalendar: calendarOf(expert), start: body.start },
          metadata: request.command(),
        },
        request.expected,
      );
      const assigned: z.infer<typeof AssignedExpertSchema> = { visitId: params.visitId, expertId: body.expertId, status: visitState(result).status };
      return written(result, assigned);
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/visits/:visitId/replace',
    readsNext: ['tickets', 'visits'],
    summary: 'Replace an expert on a scheduled visit (by the given expert, or the best free one); If-Match supported',
    tag: 'Helpdesk',
    roles: STAFF,
    params: VisitParams,
    body: z.object({ outExpertId: Id, inExpertId: Id.optional() }),
    idempotent: true,
    success: 200,
    operationId: 'replaceExpert',
    response: ReplacedExpertSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      await assertVisitRevision(services, params.visitId, request.ifMatch);
      const metadata = request.command();
      const ctx = requestContext(services, { commandId: metadata.commandId, actor: metadata.actor, now: metadata.now, correlationId: request.correlationId });
      const outcome = await replaceExpert(ctx, services.experts, { visitId: params.visitId, outExpertId: body.outExpertId, ...(body.inExpertId ? { candidates: [body.inExpertId] } : {}) });
      if (outcome.status === 'nobody-free') {
        throw new HttpProblem(409, 'Nobody free', body.inExpertId ? `Expert ${body.inExpertId} cannot cover the visit.` : 'No qualified expert is free for the visit.', { tried: outcome.tried });
      }
      const replaced: z.infer<typeof ReplacedExpertSchema> = { visitId: params.visitId, ...outcome };
      return { status: 200, body: replaced, position: await services.events.headPosition() };
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/visits/:visitId/reschedule',
    readsNext: ['tickets', 'visits'],
    summary: 'Reschedule a scheduled visit to new windows (open for matching again)',
    tag: 'Helpdesk',
    roles: STAFF,
    params: VisitParams,
    body: z.object({ windows: Windows, reason: z.string().trim().min(1).max(1000).default('rescheduled by helpdesk') }),
    idempotent: true,
    success: 200,
    operationId: 'rescheduleVisit',
    response: VisitStatusAnswerSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      const result = await send(
        services.commands,
        visits,
        { type: 'rescheduleVisit', data: { visitId: params.visitId, windows: body.windows, reason: body.reason }, metadata: request.command() },
        request.expected,
      );
      const rescheduled: z.infer<typeof VisitStatusAnswerSchema> = { visitId: params.visitId, status: visitState(result).status };
      return written(result, rescheduled);
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/tickets/:ticketId/flags/:reason/resolve',
    readsNext: ['tickets', 'visits'],
    summary: 'Resolve an open flag: released (payment flags), handled, or cancelled (cancels the ticket)',
    tag: 'Helpdesk',
    roles: STAFF,
    params: TicketParams.extend({ reason: z.enum(FLAG_REASONS as [FlagReason, ...FlagReason[]]) }),
    body: z.object({ resolution: z.enum(['released', 'handled', 'cancelled']), note: z.string().trim().max(2000).default(''), visitId: Id.optional() }),
    idempotent: true,
    success: 200,
    operationId: 'resolveTicketFlag',
    response: TicketStatusAnswerSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      if (!(await ticketDoc(services, params.ticketId))) throw new HttpProblem(404, 'Not found', `No ticket ${params.ticketId}.`);
      const result = await send(
        services.commands,
        tickets,
        {
          type: 'resolveFlag',
          data: { ticketId: params.ticketId, reason: params.reason, resolution: body.resolution, note: body.note, ...(body.visitId ? { visitId: body.visitId } : {}) },
          metadata: request.command(),
        },
        request.expected,
      );
      if (result.state.status === 'none') throw new Error('a ticket command succeeded on a ticket never opened');
      const resolved: z.infer<typeof TicketStatusAnswerSchema> = { ticketId: params.ticketId, status: result.state.status };
      return written(result, resolved);
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/tickets/:ticketId/model',
    readsNext: ['tickets', 'visits'],
    summary: "Map a free-text appliance to a catalog model",
    tag: 'Helpdesk',
    roles: ['helpdesk', 'admin'],
    params: TicketParams,
    body: z.object({ applianceModelId: Id }),
    idempotent: true,
    success: 200,
    operationId: 'mapApplianceModel',
    response: MappedApplianceModelSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      if (!(await ticketDoc(services, params.ticketId))) throw new HttpProblem(404, 'Not found', `No ticket ${params.ticketId}.`);
      // Only a model the catalog has (a retired one too: customers keep appliances no longer sold).
      const model = await (await services.readModels.collection<CatalogModelDoc>(CATALOG_MODELS)).findOne({ _id: body.applianceModelId });
      if (!model) throw new HttpProblem(422, 'Unknown appliance model', `The catalog has no model ${body.applianceModelId}.`, { code: 'unknown-appliance-model' });
      const result = await send(services.commands, tickets, { type: 'mapApplianceModel', data: { ticketId: params.ticketId, applianceModelId: body.applianceModelId }, metadata: request.command() }, request.expected);
      const mapped: z.infer<typeof MappedApplianceModelSchema> = { ticketId: params.ticketId, applianceModelId: body.applianceModelId };
      return written(result, mapped);
    },
  }),
  route({
    method: 'get',
    path: '/helpdesk/areas',
    summary: "The areas customers live in (postal code and city, with how many customers): the queue's and the dispatch board's area filter",
    tag: 'Helpdesk',
    roles: STAFF,
    success: 200,
    operationId: 'listAreas',
    response: AreasSchema,
    async handler(_request, services: ApiServices) {
      const groups = await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).aggregate<{ _id: { area: string; city: string }; customers: number }>([
        { $group: { _id: { area: '$address.postalCode', city: '$address.city' }, customers: { $sum: 1 } } },
      ]);
      const areas = groups.map((g) => ({ area: g._id.area, city: g._id.city, customers: g.customers })).sort((a, b) => a.area.localeCompare(b.area) || a.city.localeCompare(b.city));
      return { status: 200, body: { areas } satisfies z.infer<typeof AreasSchema> };
    },
  }),
  route({
    method: 'get',
    path: '/helpdesk/tickets/search',
    summary: "Find tickets by ticket id, customer (name, e-mail or id), appliance (catalog brand or model, or the customer's own words) or the problem's text, newest first",
    tag: 'Helpdesk',
    roles: STAFF,
    query: z.object({
      q: z.string().trim().min(2, 'at least 2 characters').max(200),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      skip: z.coerce.number().int().min(0).max(10_000).default(0),
    }),
    success: 200,
    operationId: 'searchTickets',
    response: TicketSearchSchema,
    async handler({ query }, services: ApiServices) {
      const contains = { $regex: escapeRegex(query.q), $options: 'i' };
      const customers = await services.readModels.collection<CustomerDoc>(CUSTOMERS);
      const customerIds = (await customers.find({ $or: [{ nameLower: contains }, { email: contains }, { _id: query.q }] }, { limit: 500, projection: { customerId: 1 } })).map((c) => c.customerId);
      const models = await services.readModels.collection<CatalogModelDoc>(CATALOG_MODELS);
      // "Whirlpool WTW5000" names a model by brand and model together.
      const modelIds = (await models.find({}, { projection: { modelId: 1, brand: 1, model: 1 } }))
        .filter((m) => `${m.brand} ${m.model} ${m.modelId}`.toLowerCase().includes(query.q.toLowerCase()))
        .map((m) => m.modelId);
      const filter = {
        $or: [
          { _id: query.q },
          { customerId: { $in: customerIds } },
          { 'appliance.modelId': { $in: modelIds } },
          { 'appliance.text': contains },
          { problem: contains },
        ],
      };
      const tickets = await services.readModels.collection<TicketDoc>(TICKETS);
      const found = await tickets.find(filter, { sort: { openedAt: -1 }, skip: query.skip, limit: query.limit });
      const owners = new Map((await customers.find({ _id: { $in: [...new Set(found.map((t) => t.customerId))] } })).map((c) => [c.customerId, { customerId: c.customerId, name: c.name, email: c.email }]));
      const body: z.infer<typeof TicketSearchSchema> = { results: found.map((doc) => ({ ticket: toTicketView(doc), customer: owners.get(doc.customerId) ?? null })), total: await tickets.count(filter) };
      return { status: 200, body };
    },
  }),
  route({
    method: 'get',
    path: '/helpdesk/visits/:visitId/candidates',
    summary:
      "The experts free and qualified for a visit at a start (an open visit: the start to assign, inside one of its windows), or for its booked time (a scheduled visit, without start: who could replace)",
    tag: 'Helpdesk',
    roles: STAFF,
    params: VisitParams,
    query: z.object({ start: Instant.optional() }),
    success: 200,
    operationId: 'listExpertCandidates',
    response: ExpertCandidatesSchema,
    async handler({ params, query }, services: ApiServices) {
      const visit = await existingVisit(services, params.visitId);
      const range = query.start
        ? { start: new Date(query.start).toISOString(), end: addMinutes(new Date(query.start).toISOString(), visit.durationMinutes) }
        : visit.start && visit.end
          ? { start: visit.start, end: visit.end }
          : null;
      if (!range) throw new HttpProblem(400, 'Invalid request', 'The visit is not scheduled: give the start to find experts for.', { errors: [{ field: 'start', message: 'required for an open visit' }] });
      if (query.start && !visit.windows.some((w) => ms(w.start) <= ms(range.start) && ms(range.end) <= ms(w.end))) {
        throw new HttpProblem(422, 'Outside the windows', `A ${visit.durationMinutes}-minute visit starting then does not fit the customer's windows.`, { code: 'outside-windows' });
      }
      const spec = { visitId: visit.visitId, skills: visit.skills, expertsNeeded: visit.expertsNeeded, durationMinutes: visit.durationMinutes, windows: [range] };
      const ranked = await eligibleExperts(services.experts, spec, visit.location, services.clock());
      const candidates: z.infer<typeof ExpertCandidatesSchema>['candidates'] = [];
      for (const { expert, rank } of ranked) {
        if (visit.experts.includes(expert.expertId)) continue;
        if (calendarConflict(calendarOf(expert), range, { exceptVisitId: visit.visitId }) !== null) continue;
        const after = [...expert.bookings.map((b) => b.range.start), ...expert.timeOff.map((t) => t.range.start)].filter((s) => ms(s) >= ms(range.end)).sort();
        candidates.push({
          expertId: expert.expertId,
          name: expert.name,
          skills: expert.skills,
          distanceKm: Math.round(rank.distanceKm * 10) / 10,
          rating: expert.rating,
          score: Math.round(rank.score * 1000) / 1000,
          proposed: visit.proposalList.some((p) => p.expertId === expert.expertId && p.starts.some((s) => ms(s) === ms(range.start))),
          freeUntil: after[0] ?? null,
        });
      }
      return { status: 200, body: { visitId: visit.visitId, range, candidates } satisfies z.infer<typeof ExpertCandidatesSchema> };
    },
  }),
  route({
    method: 'post',
    path: '/helpdesk/visits/:visitId/extend',
    readsNext: ['tickets', 'visits'],
    summary:
      'Extend a started visit for its experts (they called in): extended if every expert on it is free for the longer time, else closed incomplete with a follow-up visit; If-Match supported',
    tag: 'Helpdesk',
    roles: ['helpdesk', 'admin'],
    params: VisitParams,
    body: z.object({ minutes: z.number().int().min(5).max(8 * 60) }),
    idempotent: true,
    success: 200,
    operationId: 'extendVisitForExperts',
    response: ExtendedVisitSchema,
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      const visit = await existingVisit(services, params.visitId);
      await assertVisitRevision(services, params.visitId, request.ifMatch);
      // The Visit checks the expert is on it and the visit started; helpdesk acts for the first.
      const expertId = visit.experts[0];
      if (!expertId) throw new HttpProblem(422, 'Visit not started', `Visit ${params.visitId} has no expert on it.`, { code: 'visit-not-started' });
      const metadata = request.command();
      const ctx = requestContext(services, { commandId: metadata.commandId, actor: metadata.actor, now: metadata.now, correlationId: request.correlationId });
      const outcome = await requestExtension(ctx, { visitId: params.visitId, expertId, minutes: body.minutes });
      return { status: 200, body: { visitId: params.visitId, ...outcome } satisfies z.infer<typeof ExtendedVisitSchema>, position: await services.events.headPosition() };
    },
  }),
];
