import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { deterministicUuid, REQUEST_CAUSATION } from '../../commands/handler';
import { tickets } from '../../commands/ticket';
import { CommandMetadata } from '../../domain/decider';
import { Collection } from '../../document-store/port';
import { modelForTicket } from '../../flows/catalog-model';
import { openTicket } from '../../flows/open-ticket';
import { requestContext } from '../../flows/context';
import { AUDIT_TRAIL, AuditEntry } from '../../projections/audit-trail/projection';
import { TICKETS, TicketDoc, ticketView } from '../../projections/tickets/projection';
import { AuthUser, etag, route, RouteRequest, RouteSpec, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { STAFF } from './roles';

const Id = z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Instant = z.string().datetime({ offset: true });
export const WindowSchema = z.object({ start: Instant, end: Instant });
export const TicketParams = z.object({ ticketId: Id });
const Skill = z.string().trim().min(1).max(100);

export function isStaff(user: AuthUser): boolean {
  return (STAFF as readonly string[]).includes(user.role);
}

/**
 * Command metadata for a step an expert takes as their expert profile: the actor is the person
 * logged in (user id, role) with the expert profile they act as, which the Visit and Ticket check.
 */
export function metadataFor(request: RouteRequest<unknown, unknown, unknown>): CommandMetadata {
  if (request.user.role === 'expert' && !request.user.expertId) throw new HttpProblem(403, 'Forbidden', 'This login is not linked to an expert profile.');
  return request.command();
}

export async function ticketDoc(services: ApiServices, ticketId: string): Promise<TicketDoc | null> {
  return (await services.readModels.collection<TicketDoc>(TICKETS)).findOne({ _id: ticketId });
}

/**
 * The ticket, if the caller may act on it: staff, its customer, or an expert on one of its visits.
 * Refusals follow the README's policy: 404 when it does not exist or is another customer's (a
 * customer gets the answer of a missing id), 403 for an expert who is not on it.
 */
export async function visibleTicket(services: ApiServices, user: AuthUser, ticketId: string): Promise<TicketDoc> {
  const doc = await ticketDoc(services, ticketId);
  if (!doc || (user.role === 'customer' && (user.customerId === undefined || doc.customerId !== user.customerId))) throw new HttpProblem(404, 'Not found', `No ticket ${ticketId}.`);
  if (user.role === 'expert' && !(user.expertId !== undefined && doc.visits.some((v) => v.experts.includes(user.expertId!)))) {
    throw new HttpProblem(403, 'Forbidden', `You are not on ticket ${ticketId}.`);
  }
  return doc;
}

/**
 * What caused an event of a history, from its causation id: another event (`inHistory` when it is
 * an entry of the same history, so the chain can be followed there), the request that sent it, or
 * (events recorded without one, e.g. by the demo seed) the command.
 */
export type Cause =
  | { kind: 'event'; eventId: string; type: string; stream: string; position: number; inHistory: boolean }
  | { kind: 'request'; requestId: string }
  | { kind: 'command'; commandId: string };

/** Resolves the causation ids of `entries`: those naming events outside them are looked up in the audit trail (one query). */
async function causesOf(trail: Collection<AuditEntry>, entries: readonly AuditEntry[]): Promise<(causationId: string | null) => Cause | null> {
  const inHistory = new Map(entries.map((e) => [e._id, e]));
  const elsewhere = [...new Set(entries.map((e) => e.causationId))].filter((c): c is string => c !== null && !inHistory.has(c) && !c.startsWith(REQUEST_CAUSATION));
  const outside = new Map((elsewhere.length > 0 ? await trail.find({ _id: { $in: elsewhere } }) : []).map((e) => [e._id, e]));
  return (causationId) => {
    if (causationId === null) return null;
    const event = inHistory.get(causationId) ?? outside.get(causationId);
    if (event) return { kind: 'event', eventId: event._id, type: event.type, stream: event.stream, position: event.position, inHistory: inHistory.has(causationId) };
    if (causationId.startsWith(REQUEST_CAUSATION)) return { kind: 'request', requestId: causationId.slice(REQUEST_CAUSATION.length) };
    return { kind: 'command', commandId: causationId };
  };
}

const VisitBody = z.object({
  skills: z.array(Skill).min(1).max(10),
  expertsNeeded: z.number().int().min(1).max(10).default(1),
  durationMinutes: z.number().int().min(15).max(24 * 60),
  windows: z.array(WindowSchema).min(1).max(20),
});

const OpenBody = z
  .object({
    customerId: Id.optional(),
    applianceModelId: Id.optional(),
    applianceModelText: z.string().trim().min(1).max(200).optional(),
    problem: z.string().trim().min(1).max(4000),
    priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
    visits: z.array(VisitBody).min(1).max(10),
    /** Indexes into `visits`. */
    dependencies: z
      .array(z.object({ before: z.number().int().min(0), after: z.number().int().min(0), minGapMinutes: z.number().int().min(0), maxGapMinutes: z.number().int().min(0).nullable().default(null) }))
      .max(20)
      .default([]),
    overridePayment: z.boolean().optional(),
  })
  .refine((b) => (b.applianceModelId === undefined) !== (b.applianceModelText === undefined), { message: 'give exactly one of applianceModelId and applianceModelText', path: ['applianceModelId'] })
  .refine((b) => b.dependencies.every((d) => d.before < b.visits.length && d.after < b.visits.length), { message: 'dependencies refer to visits by index', path: ['dependencies'] });

const ListQuery = z.object({
  status: z.enum(['on-hold', 'open', 'completed', 'cancelled']).optional(),
  flagged: z.enum(['true', 'false']).optional(),
  customerId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  skip: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const ticketRoutes = [
  route({
    method: 'post',
    path: '/tickets',
    // And the matching saga: the answer comes once the visits are planned and the best experts
    // told. That is also the back-pressure that keeps matching from falling ever further behind
    // when tickets arrive faster than it can plan them (it fell minutes behind, unseen, before).
    readsNext: ['tickets', 'visits', 'matching'],
    summary:
      'Open a ticket (customer for themself; helpdesk for a customer who called, with customerId). applianceModelId must be a listed catalog model (a retired one with a recorded successor is recorded as the successor, named in the answer); an unknown or retired one is refused (422 unknown-appliance-model / appliance-model-retired): describe it in applianceModelText instead',
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    body: OpenBody,
    idempotent: true,
    success: 201,
    async handler(request, services: ApiServices) {
      const { body, user } = request;
      let customerId: string;
      if (user.role === 'customer') {
        if (!user.customerId) throw new HttpProblem(403, 'Forbidden', 'This login is not linked to a customer.');
        if (body.customerId !== undefined && body.customerId !== user.customerId) throw new HttpProblem(403, 'Forbidden', 'A customer opens tickets only for themself.');
        if (body.overridePayment) throw new HttpProblem(403, 'Forbidden', 'Only helpdesk overrides the payment check.');
        customerId = user.customerId;
      } else {
        if (!body.customerId) throw new HttpProblem(400, 'Invalid request', 'Name the customer (customerId) the ticket is for.');
        customerId = body.customerId;
      }
      const metadata = request.command();
      const ctx = requestContext(services, { requestId: metadata.commandId, actor: metadata.actor, now: metadata.now, correlationId: request.correlationId });
      const customer = await ctx.load(customers, customerId);
      if (customer.status !== 'registered') throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
      const model = body.applianceModelId !== undefined ? await modelForTicket(services.readModels, body.applianceModelId) : null;
      const ticketId = deterministicUuid(`ticket\u0000${metadata.commandId}`);
      const visitIds = body.visits.map((_, i) => `${ticketId}.${i + 1}`);
      const outcome = await openTicket(
        { commands: services.commands, payments: services.payments, logger: services.logger },
        {
          data: {
            ticketId,
            customerId,
            ...(model ? { applianceModelId: model.modelId } : {}),
            ...(body.applianceModelText ? { applianceModelText: body.applianceModelText } : {}),
            problem: body.problem,
            priority: body.priority,
            location: customer.contact.address.location,
            visits: body.visits.map((v, i) => ({ visitId: visitIds[i]!, ...v })),
            dependencies: body.dependencies.map((d) => ({ before: visitIds[d.before]!, after: visitIds[d.after]!, minGapMinutes: d.minGapMinutes, maxGapMinutes: d.maxGapMinutes })),
            ...(body.overridePayment ? { overridePayment: true } : {}),
          },
          metadata,
        },
      );
      const state = outcome.result.state;
      return {
        status: 201,
        body: {
          ticketId,
          status: state.status === 'none' ? 'on-hold' : state.status,
          paymentStatus: outcome.paymentStatus,
          visitIds,
          ...(model ? { applianceModelId: model.modelId } : {}),
          ...(model?.retiredModelId ? { replacedRetiredModelId: model.retiredModelId } : {}),
        },
        headers: { Location: `/tickets/${ticketId}`, ETag: etag(outcome.result.revision) },
        position: outcome.result.position,
      };
    },
  }),
  route({
    method: 'get',
    path: '/tickets',
    summary: "List tickets: a customer's own; staff all (filters status, flagged, customerId)",
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    query: ListQuery,
    success: 200,
    async handler({ query, user }, services: ApiServices) {
      const filter: Record<string, unknown> = {};
      if (user.role === 'customer') filter.customerId = user.customerId ?? '\u0000none';
      else if (query.customerId) filter.customerId = query.customerId;
      if (query.status) filter.status = query.status;
      if (query.flagged) filter.flagged = query.flagged === 'true';
      const col = await services.readModels.collection<TicketDoc>(TICKETS);
      const docs = await col.find(filter, { sort: { openedAt: -1 }, skip: query.skip, limit: query.limit });
      return { status: 200, body: { tickets: docs.map(ticketView), total: await col.count(filter) } };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId',
    summary: 'A ticket (its customer, staff, or an expert on it); ETag is the ticket revision',
    tag: 'Tickets',
    roles: ['customer', 'expert', ...STAFF],
    params: TicketParams,
    success: 200,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleTicket(services, user, params.ticketId);
      return { status: 200, body: ticketView(doc), headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId/history',
    summary: 'The audit trail of the ticket and its visits, in order: who acted (user, role) and what caused each event (`cause`: an event of the trail, an event elsewhere, or a request)',
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    success: 200,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleTicket(services, user, params.ticketId);
      const streams = [`ticket-${doc.ticketId}`, ...doc.visits.map((v) => `visit-${v.visitId}`)];
      const trail = await services.readModels.collection<AuditEntry>(AUDIT_TRAIL);
      const entries = await trail.find({ stream: { $in: streams } }, { sort: { position: 1 }, limit: 2000 });
      const causes = await causesOf(trail, entries);
      return { status: 200, body: { ticketId: doc.ticketId, history: entries.map(({ _id, ...e }) => ({ eventId: _id, ...e, cause: causes(e.causationId) })) } };
    },
  }),
  route({
    method: 'post',
    path: '/tickets/:ticketId/cancel',
    readsNext: ['tickets', 'visits'],
    summary: 'Cancel a ticket (its customer or staff); If-Match supported',
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    body: z.object({ reason: z.string().trim().min(1).max(1000) }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      await visibleTicket(services, user, params.ticketId);
      const result = await send(
        services.commands,
        tickets,
        { type: 'cancelTicket', data: { ticketId: params.ticketId, reason: body.reason }, metadata: request.command() },
        request.expected,
      );
      return written(result, { ticketId: params.ticketId, status: 'cancelled' });
    },
  }),
  route({
    method: 'post',
    path: '/tickets/:ticketId/complete',
    readsNext: ['tickets', 'visits'],
    summary: 'Complete a ticket (an expert who did a completed visit of it, or helpdesk/admin)',
    tag: 'Tickets',
    roles: ['expert', 'helpdesk', 'admin'],
    params: TicketParams,
    body: z.object({ resolution: z.string().trim().min(1).max(4000) }),
    idempotent: true,
    success: 200,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      await visibleTicket(services, user, params.ticketId);
      const result = await send(
        services.commands,
        tickets,
        { type: 'completeTicket', data: { ticketId: params.ticketId, resolution: body.resolution }, metadata: metadataFor(request) },
        request.expected,
      );
      return written(result, { ticketId: params.ticketId, status: 'completed' });
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId/notifications',
    summary: "The messages sent about a ticket (a customer sees the ones sent to them)",
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    success: 200,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleTicket(services, user, params.ticketId);
      let messages = await services.outbox.listByTicket(doc.ticketId, { limit: 500 });
      if (user.role === 'customer') messages = messages.filter((m) => m.recipient?.kind === 'customer' || (m.recipient === null && !m.template.startsWith('helpdesk-') && !m.template.startsWith('expert-')));
      return {
        status: 200,
        body: {
          messages: messages.map((m) => ({
            id: m._id,
            channel: m.channel,
            to: m.to,
            template: m.template,
            subject: m.subject,
            body: m.body,
            status: m.status,
            createdAt: m.createdAt,
            sentAt: m.sentAt,
            visitId: m.visitId,
          })),
        },
      };
    },
  }),
] as unknown as RouteSpec<never, never, never, ApiServices>[];
