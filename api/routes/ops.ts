import { z } from 'zod';
import { listDevOutbox } from '../../notifications/dev-outbox';
import { TemplateName } from '../../notifications/outbox';
import { TEMPLATE_NAMES } from '../../notifications/templates';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { STAFF } from './roles';

const MessageParams = z.object({ messageId: z.string().regex(/^[a-f0-9]{8,128}$/, 'a message id from /notifications/parked') });
const Email = z.email();
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +15550100');

// ---- answers ------------------------------------------------------------------------------

const AnInstant = z.iso.datetime({ offset: true });
const ChannelSchema = z.enum(['sms', 'email']);

export const ParkedMessageSchema = z.strictObject({
  id: z.string().describe('The message id, to retry it'),
  channel: ChannelSchema,
  to: z.string().describe('Phone number (E.164) for SMS, e-mail address for e-mail'),
  template: z.enum(TEMPLATE_NAMES as [TemplateName, ...TemplateName[]]),
  attempts: z.number().int().describe('Delivery attempts made'),
  lastError: z.string().nullable().describe('Why the last attempt failed'),
  parkedAt: AnInstant.nullable(),
  parkedCount: z.number().int().describe('How many times the message was parked (a retried message may park again)'),
  ticketId: z.string().nullable(),
  visitId: z.string().nullable(),
});
export type ParkedMessage = z.infer<typeof ParkedMessageSchema>;
export const ParkedMessageListSchema = z.strictObject({ messages: z.array(ParkedMessageSchema).describe('Newest first') });

export const RequeuedMessageSchema = z.strictObject({
  id: z.string(),
  status: z.enum(['pending', 'sent', 'parked']).describe('pending until the dispatcher delivers it (it may have done so already)'),
  to: z.string().describe('Where it goes now'),
  nextAttemptAt: AnInstant.nullable().describe('When the dispatcher tries; null once sent or parked again'),
});

export const opsRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/notifications/parked',
    summary: 'Messages that could not be delivered (parked after retries), newest first',
    tag: 'Ops',
    roles: STAFF,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), skip: z.coerce.number().int().min(0).max(100_000).default(0) }),
    success: 200,
    operationId: 'listParkedNotifications',
    response: ParkedMessageListSchema,
    async handler({ query }, services: ApiServices) {
      const parked = await services.outbox.listParked({ limit: query.limit, skip: query.skip });
      const body: z.infer<typeof ParkedMessageListSchema> = {
        messages: parked.map((m): ParkedMessage => ({
          id: m._id,
          channel: m.channel,
          to: m.to,
          template: m.template,
          attempts: m.attempts,
          lastError: m.lastError,
          parkedAt: m.parkedAt,
          parkedCount: m.parkedCount,
          ticketId: m.ticketId,
          visitId: m.visitId,
        })),
      };
      return { status: 200, body };
    },
  }),
  route({
    method: 'post',
    path: '/notifications/parked/:messageId/retry',
    summary: 'Deliver a parked message again, optionally to a corrected address (rendered afresh, attempts start over)',
    tag: 'Ops',
    roles: STAFF,
    params: MessageParams,
    body: z.object({ to: z.string().trim().min(3).max(200).optional() }),
    success: 202,
    operationId: 'retryParkedNotification',
    response: RequeuedMessageSchema,
    async handler({ params, body }, services: ApiServices) {
      const doc = await services.outbox.get(params.messageId);
      if (!doc) throw new HttpProblem(404, 'Not found', `No message ${params.messageId}.`);
      if (body.to !== undefined) {
        // A corrected address must fit the message's channel; the dispatcher would only park it again.
        const check = (doc.channel === 'email' ? Email : Phone).safeParse(body.to);
        if (!check.success) throw new HttpProblem(400, 'Invalid request', `"to" must be ${doc.channel === 'email' ? 'an e-mail address' : 'an E.164 phone number such as +15550100'} for a ${doc.channel} message.`, { errors: [{ field: 'to', message: check.error.issues[0]?.message ?? 'invalid' }] });
      }
      const outcome = await services.outbox.requeue(params.messageId, services.clock(), body.to !== undefined ? { to: body.to } : {});
      if (!outcome.requeued) {
        if (outcome.reason === 'cannot-render') throw new HttpProblem(422, 'Cannot render', `The message still cannot be rendered: ${outcome.error}`);
        if (outcome.reason === 'not-found') throw new HttpProblem(404, 'Not found', `No message ${params.messageId}.`);
        throw new HttpProblem(409, 'Not parked', 'The message is not parked (already retried or sent).');
      }
      const after = await services.outbox.get(params.messageId);
      const requeued: z.infer<typeof RequeuedMessageSchema> = { id: params.messageId, status: after?.status ?? 'pending', to: after?.to ?? doc.to, nextAttemptAt: after?.nextAttemptAt ?? null };
      return { status: 202, body: requeued };
    },
  }),
];

/**
 * The development outbox: every SMS and e-mail recorded instead of sent (no Twilio/SendGrid
 * credentials). Served outside production only, so not in the route table that every process
 * mounts; admins only, since it holds every message (phone numbers, addresses, survey links).
 */
export const devOutboxRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/notifications/dev-outbox',
    summary: 'Development only (admin): the SMS and e-mails recorded instead of sent (no Twilio/SendGrid credentials), newest first',
    tag: 'Ops',
    roles: ['admin'],
    query: z.object({
      ticketId: z.string().min(1).max(200).optional(),
      to: z.string().min(1).max(200).optional(),
      channel: z.enum(['sms', 'email']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    success: 200,
    operationId: 'listDevOutbox',
    response: z.object({
      messages: z.array(
        z.object({
          _id: z.string(),
          channel: z.enum(['sms', 'email']),
          to: z.string(),
          subject: z.string().nullable(),
          body: z.string(),
          template: z.enum(TEMPLATE_NAMES as unknown as [TemplateName, ...TemplateName[]]).nullable(),
          messageId: z.string().nullable().describe('The notifications message this records'),
          ticketId: z.string().nullable(),
          visitId: z.string().nullable(),
          recipient: z.object({ kind: z.enum(['customer', 'expert', 'helpdesk']), id: z.string() }).nullable(),
          recordedAt: z.string(),
        }),
      ),
    }),
    responses: { 200: '`{ messages }`: channel, to, subject, body, template, ticket and visit, recipient, recordedAt' },
    async handler({ query }, services: ApiServices) {
      const { ticketId, to, channel, limit } = query;
      return { status: 200, body: { messages: await listDevOutbox(services.documents, { limit, ...(ticketId ? { ticketId } : {}), ...(to ? { to } : {}), ...(channel ? { channel } : {}) }) } };
    },
  }),
];
