/**
 * Billing over HTTP: the back office issues a customer's monthly invoice from their active plans,
 * records what the payment gateway reported (a charge taken by phone, a gateway callback relayed by
 * an operator), retries a failed charge and writes off what will not be paid. An admin refunds a
 * paid invoice (the payments saga makes the refund through the gateway) and issues credit notes.
 * Reading the billing history is `GET /customers/:customerId/invoices`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { invoices } from '../../commands/invoice';
import { amountDue, InvoiceCommand, invoiceId, InvoiceState } from '../../domain/billing/invoice';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { route, RouteRequest, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { STAFF } from './roles';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month as 'YYYY-MM'");
const InvoiceParams = z.object({ customerId: Id, period: Period });
const Instant = z.string().datetime({ offset: true });

const ChargeOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('chargeSucceeded'),
    gatewayReference: z.string().trim().min(1).max(200),
    amountCents: z.number().int().positive().max(100_000_000),
    graceDays: z.number().int().min(0).max(60).optional(),
  }),
  z.object({
    kind: z.literal('chargeFailed'),
    reason: z.string().trim().min(1).max(500),
    gatewayCode: z.string().trim().min(1).max(100).nullable().default(null),
  }),
]);

async function invoiceCommand(request: RouteRequest<unknown, unknown, unknown>, services: ApiServices, c: Omit<InvoiceCommand, 'metadata'>, status = 200) {
  const result = await send(services.commands, invoices, { ...c, metadata: request.command() } as InvoiceCommand, request.expected);
  return written(result, invoiceView(result.state), status);
}

// ---- answers ------------------------------------------------------------------------------

const AnInstant = z.iso.datetime({ offset: true });
const Currency = z.string().describe("ISO 4217 code; invoices are in 'USD'");

export const InvoiceLineSchema = z.strictObject({
  planId: z.string().describe("The plan billed; on a credit line, the credit note deducted"),
  product: z.string().describe("The product the support plan covers; 'credit' on a credit line"),
  tier: z.enum(['basic', 'standard', 'premium']).optional().describe('The plan tier; absent on a credit line'),
  amountCents: z.number().int().describe("The plan's monthly price; negative on a credit line"),
  kind: z.enum(['plan', 'credit']).optional().describe("'credit': deducts customer credit (a credit note on an earlier paid invoice); absent or 'plan': bills a plan"),
});
export const InvoiceCreditSchema = z.strictObject({
  creditNoteId: z.string(),
  amountCents: z.number().int(),
  reason: z.string(),
  by: z.string().describe('User id of the admin who issued it'),
  at: AnInstant,
});
export const InvoiceRefundSchema = z.strictObject({
  refundId: z.string(),
  amountCents: z.number().int(),
  reason: z.string(),
  status: z.enum(['requested', 'refunded', 'failed']).describe('requested: the payment gateway is being asked; refunded: done; failed: the gateway refused (nothing was refunded)'),
  gatewayReference: z.string().nullable().describe("The gateway's reference of the refund, once done"),
  at: AnInstant.describe('When the refund reached its status'),
  failureReason: z.string().nullable().describe('Why the gateway refused, when it did'),
});
/** What the invoices read model adds about money given back. */
export const InvoiceMoneyBackFields = {
  credits: z.array(InvoiceCreditSchema).describe('Credit notes: on an open invoice they lower what is owed; on a paid one they are credit deducted by the next invoices'),
  refunds: z.array(InvoiceRefundSchema),
  amountDueCents: z.number().int().describe('What is still owed: the total less the credits while open; 0 once paid or written off'),
  paidCents: z.number().int().describe('What the payment captured: the total less the credits issued before it (0 until paid, and when credits settled it)'),
  refundedCents: z.number().int().describe('Refunds the gateway made'),
};
export const InvoiceStatusSchema = z.enum(['open', 'paid', 'written-off']);
export const ChargeStateSchema = z
  .enum(['pending', 'failed', 'succeeded', 'cancelled'])
  .describe('Where charging stands: pending, an attempt awaits its outcome; failed, the last attempt failed; succeeded, the attempt that paid; cancelled, written off while an attempt was under way');

/** A customer's invoice for a month, as the invoices read model (billing history) shows it. */
export const InvoiceSchema = z.strictObject({
  invoiceId: z.string().describe("'<customerId>:<period>'"),
  customerId: z.string(),
  period: z.string().describe("The month billed, 'YYYY-MM'"),
  lines: z.array(InvoiceLineSchema).describe('One per active support plan'),
  totalCents: z.number().int(),
  currency: Currency,
  dueAt: AnInstant,
  issuedAt: AnInstant,
  status: InvoiceStatusSchema,
  charge: ChargeStateSchema,
  attempts: z.number().int().describe('Charge attempts started so far (1 once issued)'),
  failures: z.array(z.strictObject({ attempt: z.number().int(), reason: z.string(), gatewayCode: z.string().nullable().describe("The gateway's decline code; null when it never answered"), failedAt: AnInstant })),
  paidAt: AnInstant.nullable(),
  paidUntil: AnInstant.nullable().describe("Set once paid: the customer's paid-until date this invoice gives"),
  gatewayReference: z.string().nullable().describe("The gateway's reference of the payment; null until paid"),
  writtenOff: z.strictObject({ reason: z.string(), by: z.string().describe('User id of who wrote it off'), at: AnInstant }).nullable(),
  ...InvoiceMoneyBackFields,
});
export type Invoice = z.infer<typeof InvoiceSchema>;

/** The invoice as a billing command left it (the Invoice aggregate's state). */
export const InvoiceStateSchema = z.strictObject({
  invoiceId: z.string().describe("'<customerId>:<period>'"),
  customerId: z.string(),
  period: z.string().describe("The month billed, 'YYYY-MM'"),
  lines: z.array(InvoiceLineSchema),
  totalCents: z.number().int(),
  currency: Currency,
  dueAt: AnInstant,
  status: InvoiceStatusSchema,
  charge: ChargeStateSchema,
  attempts: z.number().int().describe('Charge attempts started so far (1 once issued)'),
  failedAttempts: z.number().int(),
  paidUntil: AnInstant.nullable().describe('Set only once the invoice is paid'),
  amountDueCents: z.number().int().describe('What is still owed: the total less the credits while open; 0 once paid or written off'),
  paidCents: z.number().int().describe('What the payment captured (0 until paid, and when credits settled it)'),
  credits: z.array(z.strictObject({ creditNoteId: z.string(), amountCents: z.number().int(), reason: z.string(), toCustomer: z.boolean().describe('Issued on the paid invoice: credit for the next invoices') })),
  refunds: z.array(
    z.strictObject({
      refundId: z.string(),
      amountCents: z.number().int(),
      reason: z.string(),
      status: z.enum(['requested', 'refunded', 'failed']),
      gatewayReference: z.string().nullable(),
    }),
  ),
});
type InvoiceStateView = z.infer<typeof InvoiceStateSchema>;

function invoiceView(state: InvoiceState): InvoiceStateView {
  // Every invoice command but issuing fails on an invoice never issued.
  if (state.status === 'unknown') throw new Error('an invoice command succeeded on an invoice never issued');
  const { invoiceId: id, customerId, period, lines, totalCents, currency, dueAt, status, charge, attempts, failedAttempts, paidUntil, paidCents, credits, refunds } = state;
  return { invoiceId: id, customerId, period, lines, totalCents, currency, dueAt, status, charge, attempts, failedAttempts, paidUntil, amountDueCents: amountDue(state), paidCents, credits, refunds };
}

/** Cents typed by a person: a positive whole number (the UI turns dollars and cents into it). */
const Cents = z.number().int('a whole number of cents').positive('more than 0 cents').max(100_000_000, 'at most 1,000,000.00');
const Reason = z.string().trim().min(1, 'a reason is required').max(500);

/** A refund's or credit note's id: the caller's, or one derived from the command (the Idempotency-Key, when given). */
function moneyId(prefix: string, given: string | undefined, commandId: string): string {
  return given ?? `${prefix}-${createHash('sha256').update(commandId).digest('hex').slice(0, 20)}`;
}

/** Unless told otherwise, an invoice is due on the 5th of its month. */
function defaultDueAt(period: string): string {
  return `${period}-05T00:00:00.000Z`;
}

export const billingRoutes: RouteTable<ApiServices> = [
  route({
    method: 'post',
    path: '/customers/:customerId/invoices',
    readsNext: ['invoices', 'paid-customers', 'customers'],
    summary: "Issue a customer's invoice for a month: one line per active support plan (admin; issuing the same month again changes nothing)",
    tag: 'Billing',
    roles: ['admin'],
    params: z.object({ customerId: Id }),
    body: z.object({ period: Period, dueAt: Instant.optional() }),
    idempotent: true,
    success: 201,
    operationId: 'issueInvoice',
    response: InvoiceStateSchema,
    async handler(request, services: ApiServices) {
      const { customerId } = request.params;
      const customer = await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).findOne({ _id: customerId });
      if (!customer) throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
      const lines = customer.plans.filter((p) => p.active).map((p) => ({ planId: p.planId, product: p.product, tier: p.tier, amountCents: p.monthlyPriceCents }));
      if (lines.length === 0) throw new HttpProblem(422, 'Nothing to bill', `Customer ${customerId} has no active support plan.`, { code: 'no-active-plans' });
      const { period } = request.body;
      const answer = await invoiceCommand(request, services, { type: 'issueInvoice', data: { customerId, period, lines, currency: 'USD', dueAt: request.body.dueAt ? new Date(request.body.dueAt).toISOString() : defaultDueAt(period) } }, 201);
      return { ...answer, headers: { ...answer.headers, Location: `/customers/${customerId}/invoices/${period}` } };
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId/invoices/:period',
    summary: "One invoice of a customer, with its charge state (the customer or staff)",
    tag: 'Billing',
    roles: ['customer', ...STAFF],
    params: InvoiceParams,
    success: 200,
    operationId: 'getInvoice',
    response: InvoiceSchema,
    async handler({ params, user }, services: ApiServices) {
      // Another customer's invoice is, to a customer, one that does not exist (README: refusals).
      const doc = user.role === 'customer' && user.customerId !== params.customerId ? null : await (await services.readModels.collection<InvoiceDoc>(INVOICES)).findOne({ _id: invoiceId(params.customerId, params.period) });
      if (!doc) throw new HttpProblem(404, 'Not found', `No invoice for ${params.customerId} in ${params.period}.`);
      const { _id, ...rest } = doc;
      const invoice: Invoice = rest;
      return { status: 200, body: invoice };
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/invoices/:period/charge-outcome',
    readsNext: ['invoices', 'paid-customers', 'customers'],
    summary: 'Record the outcome of the pending charge attempt as the payment gateway reported it (admin); a success pays the invoice and extends paid-until',
    tag: 'Billing',
    roles: ['admin'],
    params: InvoiceParams,
    body: z.object({ outcome: ChargeOutcomeSchema }),
    idempotent: true,
    success: 200,
    operationId: 'recordChargeOutcome',
    response: InvoiceStateSchema,
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      const { outcome } = request.body;
      const data = outcome.kind === 'chargeSucceeded'
        ? { kind: outcome.kind, gatewayReference: outcome.gatewayReference, amountCents: outcome.amountCents, ...(outcome.graceDays !== undefined ? { graceDays: outcome.graceDays } : {}) }
        : { kind: outcome.kind, reason: outcome.reason, gatewayCode: outcome.gatewayCode };
      return invoiceCommand(request, services, { type: 'recordChargeAttempt', data: { customerId, period, outcome: data } });
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/invoices/:period/retry',
    readsNext: ['invoices', 'paid-customers', 'customers'],
    summary: 'Start another charge attempt after a failed one (helpdesk, admin), up to the maximum attempts',
    tag: 'Billing',
    roles: ['helpdesk', 'admin'],
    params: InvoiceParams,
    idempotent: true,
    success: 200,
    operationId: 'retryInvoiceCharge',
    response: InvoiceStateSchema,
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      return invoiceCommand(request, services, { type: 'retryCharge', data: { customerId, period } });
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/invoices/:period/write-off',
    readsNext: ['invoices', 'paid-customers', 'customers'],
    summary: 'Write off an unpaid invoice, with the reason (helpdesk, manager)',
    tag: 'Billing',
    roles: ['helpdesk', 'manager'],
    params: InvoiceParams,
    body: z.object({ reason: z.string().trim().min(1).max(500) }),
    idempotent: true,
    success: 200,
    operationId: 'writeOffInvoice',
    response: InvoiceStateSchema,
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      return invoiceCommand(request, services, { type: 'writeOffInvoice', data: { customerId, period, reason: request.body.reason } });
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/invoices/:period/refunds',
    readsNext: ['invoices'],
    summary:
      "Refund part or all of a paid invoice, with the reason (admin). The payments saga refunds through the payment gateway and records it refunded or failed (the invoice's refunds); refunds never exceed what was paid, nor with credit notes the total",
    tag: 'Billing',
    roles: ['admin'],
    params: InvoiceParams,
    body: z.object({
      amountCents: Cents,
      reason: Reason,
      refundId: Id.optional().describe('Names the refund; by default derived from the Idempotency-Key (or new)'),
    }),
    idempotent: true,
    success: 201,
    operationId: 'refundInvoice',
    response: InvoiceStateSchema.extend({ refundId: z.string().describe('The refund asked for') }),
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      const metadata = request.command();
      const refundId = moneyId('refund', request.body.refundId, metadata.commandId);
      const result = await send(services.commands, invoices, {
        type: 'refundInvoice',
        data: { customerId, period, refundId, amountCents: request.body.amountCents, reason: request.body.reason },
        metadata,
      });
      return written(result, { ...invoiceView(result.state), refundId }, 201);
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/invoices/:period/credit-notes',
    readsNext: ['invoices', 'paid-customers', 'customers'],
    summary:
      'Issue a credit note against an invoice, with the reason (admin): on an open invoice it lowers what is owed (covering it all settles it); on a paid one it is credit the next invoices deduct. Not on a written-off invoice, nor while a charge awaits its outcome (409)',
    tag: 'Billing',
    roles: ['admin'],
    params: InvoiceParams,
    body: z.object({
      amountCents: Cents,
      reason: Reason,
      creditNoteId: Id.optional().describe('Names the credit note; by default derived from the Idempotency-Key (or new)'),
    }),
    idempotent: true,
    success: 201,
    operationId: 'issueCreditNote',
    response: InvoiceStateSchema.extend({ creditNoteId: z.string().describe('The credit note issued') }),
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      const metadata = request.command();
      const creditNoteId = moneyId('credit', request.body.creditNoteId, metadata.commandId);
      const result = await send(services.commands, invoices, {
        type: 'issueCreditNote',
        data: { customerId, period, creditNoteId, amountCents: request.body.amountCents, reason: request.body.reason },
        metadata,
      });
      return written(result, { ...invoiceView(result.state), creditNoteId }, 201);
    },
  }),
];
