import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { FLAG_REASONS, FlagReason } from '../../domain/ticket/ticket';
import { unfitProposals } from '../../domain/visit/visit';
import { requestContext } from '../../flows/context';
import { replaceExpert } from '../../flows/replace-expert';
import { CATALOG_MODELS, CatalogModelDoc } from '../../projections/catalog/projection';
import { TICKETS, TicketDoc, ticketView } from '../../projections/tickets/projection';
import { stateOf, VISITS, VisitDoc } from '../../projections/visits/projection';
import { route, RouteSpec, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { STAFF } from './roles';
import { TicketParams, ticketDoc, WindowSchema } from './tickets';
import { assertVisitRevision, calendarOf, expertDoc, VisitParams, visitDoc, visitView } from './visits';

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

async function existingVisit(services: ApiServices, visitId: string): Promise<VisitDoc> {
  const doc = await visitDoc(services, visitId);
  if (!doc) throw new HttpProblem(404, 'Not found', `No visit ${visitId}.`);
  return doc;
}

export const helpdeskRoutes = [
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
      const queue = page.map((doc) => ({
        ticket: ticketView(doc),
        visits: visitDocs.filter((v) => v.ticketId === doc.ticketId).map((v) => ({ ...visitView(v), unfitProposals: unfitProposals(stateOf(v)) })),
        unfitProposals: doc.escalation?.unfitProposals ?? [],
      }));
      return { status: 200, body: { queue, total: await tickets.count(inQueue), nextCursor } };
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
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      const result = await send(services.commands, visits, { type: 'updateWindows', data: { visitId: params.visitId, windows: body.windows }, metadata: request.command() }, request.expected);
      return written(result, { visitId: params.visitId, windows: result.state.status === 'none' ? [] : result.state.windows });
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
      return written(result, { visitId: params.visitId, expertId: body.expertId, status: result.state.status });
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
      return { status: 200, body: { visitId: params.visitId, ...outcome }, position: await services.events.headPosition() };
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
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      await existingVisit(services, params.visitId);
      const result = await send(
        services.commands,
        visits,
        { type: 'rescheduleVisit', data: { visitId: params.visitId, windows: body.windows, reason: body.reason }, metadata: request.command() },
        request.expected,
      );
      return written(result, { visitId: params.visitId, status: result.state.status });
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
      return written(result, { ticketId: params.ticketId, status: result.state.status });
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
    async handler(request, services: ApiServices) {
      const { params, body } = request;
      if (!(await ticketDoc(services, params.ticketId))) throw new HttpProblem(404, 'Not found', `No ticket ${params.ticketId}.`);
      // Only a model the catalog has (a retired one too: customers keep appliances no longer sold).
      const model = await (await services.readModels.collection<CatalogModelDoc>(CATALOG_MODELS)).findOne({ _id: body.applianceModelId });
      if (!model) throw new HttpProblem(422, 'Unknown appliance model', `The catalog has no model ${body.applianceModelId}.`, { code: 'unknown-appliance-model' });
      const result = await send(services.commands, tickets, { type: 'mapApplianceModel', data: { ticketId: params.ticketId, applianceModelId: body.applianceModelId }, metadata: request.command() }, request.expected);
      return written(result, { ticketId: params.ticketId, applianceModelId: body.applianceModelId });
    },
  }),
] as unknown as RouteSpec<never, never, never, ApiServices>[];
