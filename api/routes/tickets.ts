import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { REQUEST_CAUSATION } from '../../commands/handler';
import { tickets } from '../../commands/ticket';
import { Actor, CommandMetadata } from '../../domain/decider';
import { OpenFlag, VisitOutcome } from '../../domain/ticket/ticket';
import { Collection } from '../../document-store/port';
import { StreamCategory, streamName } from '../../event-store/streams';
import { openTicketForCustomer } from '../../flows/open-ticket';
import { Channel, TemplateName } from '../../notifications/outbox';
import { NotificationStatus } from '../../notifications/outbox-store';
import { AUDIT_TRAIL, AuditEntry, HISTORY_CATEGORIES } from '../../projections/audit-trail/projection';
import { TICKETS, TicketDoc } from '../../projections/tickets/projection';
import { AuthUser, etag, route, RouteRequest, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { domainEnum, FlagReasonEnum, PaymentStatusEnum, PriorityEnum, RoleEnum, TicketStatusEnum, VisitOutcomeEnum, VisitStatusEnum } from './domain-enums';
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

// ---- answers --------------------------------------------------------------------------------

/** Who did something: the person logged in (or `system`, a saga) and the role they acted in. */
export const ActorView = z.strictObject({
  userId: z.string(),
  role: RoleEnum,
  expertId: z.string().optional().describe('For role expert: the expert profile the login acted as'),
});

export const ReplacementCandidateView = z.strictObject({
  expertId: z.string(),
  name: z.string(),
  skills: z.array(z.string()),
  distanceKm: z.number().describe("From the expert's home to the customer, in km"),
  freeUntil: z.string().nullable().describe("When the expert's next booking or time off begins after the visit; null when nothing follows"),
});

export const TicketVisitSummaryView = z.strictObject({
  visitId: z.string(),
  status: z.union([VisitStatusEnum, z.literal('planning')]).describe("The visit's status; planning until the visit is planned (GET /visits/{visitId} then has it)"),
  skills: z.array(z.string()),
  start: z.string().nullable().describe('Set once finalized; null while open or after a reschedule'),
  end: z.string().nullable().describe('Set once finalized (moves with extensions); null while open or after a reschedule'),
  experts: z.array(z.string()).describe('Expert ids of the experts on the visit (empty until finalized)'),
  followUpOf: z.string().nullable().describe('The visit this one follows up (one closed incomplete); null for the visits the ticket was opened with'),
  outcome: VisitOutcomeEnum.nullable().describe('null while the visit is pending (open, scheduled or in progress)'),
});

/** A ticket as its customer, staff and the experts on it see it. */
export const TicketView = z.strictObject({
  ticketId: z.string(),
  customerId: z.string(),
  status: TicketStatusEnum,
  priority: PriorityEnum,
  appliance: z
    .strictObject({
      modelId: z.string().nullable().describe('The catalog model (GET /catalog/models/{modelId}); null while only free text names it'),
      text: z.string().nullable().describe("The customer's own words for the appliance, when they did not pick a catalog model"),
    })
    .describe('The appliance: a catalog model, free text, or free text helpdesk has since mapped to a model (both set)'),
  problem: z.string(),
  paymentStatus: PaymentStatusEnum,
  paymentOverridden: z.boolean().describe('Helpdesk opened it although payment was not confirmed'),
  flags: z
    .array(
      z.strictObject({
        reason: FlagReasonEnum,
        visitId: z.string().nullable().describe('The visit the flag is about, or null for the whole ticket'),
        note: z.string(),
        candidates: z.array(ReplacementCandidateView).describe('On a replacement-needed flag: the experts free to replace, best first (else empty)'),
        flaggedAt: z.string(),
      }),
    )
    .describe('The open flags: what waits for helpdesk'),
  flagged: z.boolean().describe('Has open flags'),
  escalated: z.boolean().describe('Visits found no match in time'),
  inQueue: z.boolean().describe("Flagged or escalated: in helpdesk's queue"),
  escalation: z
    .strictObject({
      visitIds: z.array(z.string()),
      unfitProposals: z.array(z.strictObject({ visitId: z.string(), expertId: z.string(), starts: z.array(z.string()) })).describe('Proposals that did not fit the plan'),
      escalatedAt: z.string(),
    })
    .nullable()
    .describe('Visits that found no match in time, until helpdesk resolves it; null when not escalated'),
  visits: z.array(TicketVisitSummaryView),
  openedBy: ActorView,
  openedAt: z.string(),
  completedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  resolution: z.string().nullable().describe('How it was fixed, given when completed'),
  survey: z.strictObject({ rating: z.number().int().describe('1 (not at all satisfied) to 5 (very)'), comments: z.string(), recordedAt: z.string() }).nullable().describe("The customer's answer to the satisfaction survey; null until answered"),
  revision: z.number().int().describe('The ticket revision: the ETag, for If-Match'),
  updatedAt: z.string(),
});
export type TicketView = z.infer<typeof TicketView>;

/**
 * A ticket document as the API shows it: without the folded state and the queue's internals.
 * Typed by the schema: the compiler refuses a field the schema needs that the document lacks.
 * (The projection's `ticketView` returns the document's index signature, which no type checks.)
 */
export function toTicketView(doc: TicketDoc): TicketView {
  const { _id, state: _s, enRoute: _e, queueKey: _q, flagReasons: _r, flags, visits, ...view } = doc;
  return {
    ...view,
    // The document's flags are the state's open flags (its type leaves out their replacement candidates),
    flags: flags as OpenFlag[],
    // and a visit summary's outcome is the state's visit outcome (its type says string).
    visits: visits.map((v) => ({ ...v, outcome: v.outcome as VisitOutcome | null })),
  };
}

const TicketOpened = z.strictObject({
  ticketId: z.string(),
  status: TicketStatusEnum,
  paymentStatus: PaymentStatusEnum,
  visitIds: z.array(z.string()).describe('The visits, in the order given (the Visit resources appear once planned)'),
  applianceModelId: z.string().optional().describe('The catalog model recorded (with a model id given)'),
  replacedRetiredModelId: z.string().optional().describe('The retired model the ticket named, recorded as its successor applianceModelId'),
});
const TicketList = z.strictObject({ tickets: z.array(TicketView).describe('Newest first'), total: z.number().int().describe('How many tickets match, over all pages') });

export const CauseView = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('event'),
      eventId: z.string(),
      type: z.string(),
      stream: z.string(),
      position: z.number().int(),
      inHistory: z.boolean().describe('The causing event is an entry of this same history (follow the chain there)'),
    }),
    z.strictObject({ kind: z.literal('request'), requestId: z.string().describe('The request (its command id) that sent the command') }),
    z.strictObject({ kind: z.literal('command'), commandId: z.string().describe('Events recorded without a cause (e.g. by the demo seed): the command') }),
  ])
  .nullable()
  .describe('What caused the event: another event, the request that sent it, or the command; null when unknown');

/** An event of the audit trail (secrets redacted). */
export const HistoryEntryView = z.strictObject({
  eventId: z.string(),
  stream: z.string().describe('e.g. ticket-<ticketId> or visit-<visitId>'),
  category: z.string().describe('The aggregate kind: ticket, visit …'),
  entityId: z.string(),
  revision: z.number().int().describe("The event's revision in its stream"),
  position: z.number().int().describe("The event's global position"),
  type: z.string().describe('The event type, e.g. TicketOpened, VisitFinalized'),
  at: z.string(),
  actor: ActorView,
  correlationId: z.string(),
  causationId: z.string().nullable(),
  data: z.unknown().describe("The event's data, as recorded (secrets redacted)"),
  cause: CauseView,
});
const TicketHistory = z.strictObject({ ticketId: z.string(), history: z.array(HistoryEntryView).describe('In the order the events were recorded') });

const TicketClosed = (status: 'cancelled' | 'completed') => z.strictObject({ ticketId: z.string(), status: z.literal(status) });
const TicketCancelled = TicketClosed('cancelled');
const TicketCompleted = TicketClosed('completed');

export const NotificationView = z.strictObject({
  id: z.string(),
  channel: domainEnum<Channel>()(['sms', 'email']),
  to: z.string().describe('Phone number (E.164) for SMS, e-mail address for e-mail'),
  template: domainEnum<TemplateName>()([
    'visit-scheduled',
    'expert-assigned',
    'proposal-not-chosen',
    'new-visit-available',
    'expert-on-the-way',
    'visit-rescheduled',
    'expert-replaced',
    'visit-cancelled',
    'ticket-cancelled',
    'ticket-completed-survey',
    'payment-failed',
    'refund-issued',
    'card-expiring',
    'payment-unknown-ticket-held',
    'helpdesk-flag',
    'helpdesk-escalation',
    'helpdesk-flag-reminder',
    'helpdesk-message-parked',
  ]),
  subject: z.string().nullable().describe('E-mail subject; null for SMS'),
  body: z.string(),
  status: domainEnum<NotificationStatus>()(['pending', 'sent', 'parked']).describe('pending: not delivered yet (retried); sent; parked: gave up, helpdesk was told'),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  visitId: z.string().nullable().describe('The visit the message is about, if any'),
  lastError: z.string().nullable().optional().describe('Staff only: why the last delivery failed (for a parked message, why it was parked)'),
});
const TicketNotifications = z.strictObject({ messages: z.array(NotificationView) });

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

/**
 * The customer a new ticket is for: a customer opens tickets for themself only (and without the
 * payment override, which is helpdesk's); staff name the customer who called.
 */
function customerOf(user: AuthUser, body: { customerId?: string | undefined; overridePayment?: boolean | undefined }): string {
  if (user.role !== 'customer') {
    if (!body.customerId) throw new HttpProblem(400, 'Invalid request', 'Name the customer (customerId) the ticket is for.');
    return body.customerId;
  }
  if (!user.customerId) throw new HttpProblem(403, 'Forbidden', 'This login is not linked to a customer.');
  if (body.customerId !== undefined && body.customerId !== user.customerId) throw new HttpProblem(403, 'Forbidden', 'A customer opens tickets only for themself.');
  if (body.overridePayment) throw new HttpProblem(403, 'Forbidden', 'Only helpdesk overrides the payment check.');
  return user.customerId;
}

const ListQuery = z.object({
  status: z.enum(['on-hold', 'open', 'completed', 'cancelled']).optional(),
  flagged: z.enum(['true', 'false']).optional(),
  customerId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  skip: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const ticketRoutes: RouteTable<ApiServices> = [
  route({
    method: 'post',
    path: '/tickets',
    operationId: 'openTicket',
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
    response: TicketOpened,
    async handler(request, services: ApiServices) {
      const { body, user } = request;
      const opened = await openTicketForCustomer(services, { ...body, customerId: customerOf(user, body) }, request.command());
      const { ticketId, model } = opened;
      return {
        status: 201,
        body: {
          ticketId,
          status: opened.status,
          paymentStatus: opened.paymentStatus,
          visitIds: opened.visitIds,
          ...(model ? { applianceModelId: model.modelId } : {}),
          ...(model?.retiredModelId ? { replacedRetiredModelId: model.retiredModelId } : {}),
        } satisfies z.infer<typeof TicketOpened>,
        headers: { Location: `/tickets/${ticketId}`, ETag: etag(opened.revision) },
        position: opened.position,
      };
    },
  }),
  route({
    method: 'get',
    path: '/tickets',
    operationId: 'listTickets',
    summary: "List tickets: a customer's own; staff all (filters status, flagged, customerId)",
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    query: ListQuery,
    success: 200,
    response: TicketList,
    async handler({ query, user }, services: ApiServices) {
      const filter: Record<string, unknown> = {};
      if (user.role === 'customer') filter.customerId = user.customerId ?? '\u0000none';
      else if (query.customerId) filter.customerId = query.customerId;
      if (query.status) filter.status = query.status;
      if (query.flagged) filter.flagged = query.flagged === 'true';
      const col = await services.readModels.collection<TicketDoc>(TICKETS);
      const docs = await col.findReadOnly(filter, { sort: { openedAt: -1 }, skip: query.skip, limit: query.limit });
      return { status: 200, body: { tickets: docs.map(toTicketView), total: await col.count(filter) } satisfies z.infer<typeof TicketList> };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId',
    operationId: 'getTicket',
    summary: 'A ticket (its customer, staff, or an expert on it); ETag is the ticket revision',
    tag: 'Tickets',
    roles: ['customer', 'expert', ...STAFF],
    params: TicketParams,
    success: 200,
    response: TicketView,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleTicket(services, user, params.ticketId);
      return { status: 200, body: toTicketView(doc), headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId/history',
    operationId: 'getTicketHistory',
    summary: 'The audit trail of the ticket and its visits, in order: who acted (user, role) and what caused each event (`cause`: an event of the trail, an event elsewhere, or a request)',
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    success: 200,
    response: TicketHistory,
    async handler({ params, user }, services: ApiServices) {
      const doc = await visibleTicket(services, user, params.ticketId);
      const streams = [streamName(StreamCategory.ticket, doc.ticketId), ...doc.visits.map((v) => streamName(StreamCategory.visit, v.visitId))];
      const trail = await services.readModels.collection<AuditEntry>(AUDIT_TRAIL);
      // The category is implied by the streams; naming it lets the history's partial index serve the query.
      const entries = await trail.find({ stream: { $in: streams }, category: { $in: [...HISTORY_CATEGORIES] } }, { sort: { position: 1 }, limit: 2000 });
      const causes = await causesOf(trail, entries);
      return {
        status: 200,
        body: {
          ticketId: doc.ticketId,
          // The store types an actor's role as a string; the events record the domain's roles.
          history: entries.map(({ _id, ...e }) => ({ eventId: _id, ...e, actor: e.actor as Actor, cause: causes(e.causationId) })),
        } satisfies z.infer<typeof TicketHistory>,
      };
    },
  }),
  route({
    method: 'post',
    path: '/tickets/:ticketId/cancel',
    operationId: 'cancelTicket',
    readsNext: ['tickets', 'visits'],
    summary: 'Cancel a ticket (its customer or staff); If-Match supported',
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    body: z.object({ reason: z.string().trim().min(1).max(1000) }),
    idempotent: true,
    success: 200,
    response: TicketCancelled,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      await visibleTicket(services, user, params.ticketId);
      const result = await send(
        services.commands,
        tickets,
        { type: 'cancelTicket', data: { ticketId: params.ticketId, reason: body.reason }, metadata: request.command() },
        request.expected,
      );
      return written(result, { ticketId: params.ticketId, status: 'cancelled' } satisfies z.infer<typeof TicketCancelled>);
    },
  }),
  route({
    method: 'post',
    path: '/tickets/:ticketId/complete',
    operationId: 'completeTicket',
    readsNext: ['tickets', 'visits'],
    summary: 'Complete a ticket (an expert who did a completed visit of it, or helpdesk/admin)',
    tag: 'Tickets',
    roles: ['expert', 'helpdesk', 'admin'],
    params: TicketParams,
    body: z.object({ resolution: z.string().trim().min(1).max(4000) }),
    idempotent: true,
    success: 200,
    response: TicketCompleted,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      await visibleTicket(services, user, params.ticketId);
      const result = await send(
        services.commands,
        tickets,
        { type: 'completeTicket', data: { ticketId: params.ticketId, resolution: body.resolution }, metadata: metadataFor(request) },
        request.expected,
      );
      return written(result, { ticketId: params.ticketId, status: 'completed' } satisfies z.infer<typeof TicketCompleted>);
    },
  }),
  route({
    method: 'get',
    path: '/tickets/:ticketId/notifications',
    operationId: 'listTicketNotifications',
    summary: "The messages sent about a ticket (a customer sees the ones sent to them)",
    tag: 'Tickets',
    roles: ['customer', ...STAFF],
    params: TicketParams,
    success: 200,
    response: TicketNotifications,
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
            // Delivery errors are for the staff who correct the address, not for the customer.
            ...(user.role === 'customer' ? {} : { lastError: m.lastError }),
          })),
        } satisfies z.infer<typeof TicketNotifications>,
      };
    },
  }),
];
