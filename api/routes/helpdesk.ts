import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { FLAG_REASONS, FlagReason } from '../../domain/ticket/ticket';
import { Priority, PRIORITIES } from '../../domain/visit/plan-rules';
import { unfitProposals } from '../../domain/visit/offers';
import { Visit, VisitState } from '../../domain/visit/visit';
import { requestContext } from '../../flows/context';
import { replaceExpert } from '../../flows/replace-expert';
import { CATALOG_MODELS, CatalogModelDoc } from '../../projections/appliance-catalog/projection';
import { TICKETS, TicketDoc } from '../../projections/tickets/projection';
import { stateOf, VISITS, VisitDoc } from '../../projections/visits/projection';
import { route, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { CoordinatesSchema, TimeRangeSchema } from './experts';
import { STAFF } from './roles';
import { TicketParams, ticketDoc, TicketView, toTicketView, WindowSchema } from './tickets';
import { assertVisitRevision, calendarOf, expertDoc, VisitParams, visitDoc, VisitView, visitView } from './visits';

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
      'Flagged and escalated tickets, most urgent priority first, then the oldest, with their visits and the proposals that did not fit; paged: pass the answer\'s nextCursor as cursor (total counts the whole queue, or the reason\'s)',
    tag: 'Helpdesk',
    roles: STAFF,
    query: z.object({
      reason: z.enum(FLAG_REASONS as [FlagReason, ...FlagReason[]]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: QueueCursor.optional(),
    }),
    success: 200,
    operationId: 'listHelpdeskQueue',
    response: HelpdeskQueueSchema,
    async handler({ query }, services: ApiServices) {
      const tickets = await services.readModels.collection<TicketDoc>(TICKETS);
      // Both through an index in the queue's order (by_queue, by_flag_reason): a page reads its own documents, and one more.
      const inQueue = query.reason ? { flagReasons: query.reason } : { inQueue: true };
      const after = query.cursor === undefined ? {} : { queueKey: { $gt: query.cursor } };
      const found = await tickets.find({ ...inQueue, ...after }, { sort: { queueKey: 1 }, limit: query.limit + 1 });
      const page = found.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = found.length > query.limit && last?.queueKey ? encodeQueueCursor(last.queueKey) : null;
      const visitDocs = page.length === 0 ? [] : await (await services.readModels.collection<VisitDoc>(VISITS)).find({ ticketId: { $in: page.map((d) => d.ticketId) } });
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
      const expert = await expertDoc(services, body.expertId);
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
      const ctx = requestContext(services, { requestId: metadata.commandId, actor: metadata.actor, now: metadata.now, correlationId: request.correlationId });
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
];
