/**
 * Billing over HTTP: the back office issues a customer's monthly invoice from their active plans,
 * records what the payment gateway reported (a charge taken by phone, a gateway callback relayed by
 * an operator), retries a failed charge and writes off what will not be paid. Reading the billing
 * history is `GET /customers/:customerId/invoices`.
 */
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { invoices } from '../../commands/invoice';
import { InvoiceCommand, invoiceId, InvoiceState } from '../../domain/billing/invoice';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { route, RouteRequest, RouteSpec, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';

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

function invoiceView(state: InvoiceState) {
  if (state.status === 'unknown') return { status: 'unknown' };
  const { invoiceId: id, customerId, period, lines, totalCents, currency, dueAt, status, charge, attempts, failedAttempts, paidUntil } = state;
  return { invoiceId: id, customerId, period, lines, totalCents, currency, dueAt, status, charge, attempts, failedAttempts, paidUntil };
}

/** Unless told otherwise, an invoice is due on the 5th of its month. */
function defaultDueAt(period: string): string {
  return `${period}-05T00:00:00.000Z`;
}

export const billingRoutes = [
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
    roles: ['customer', 'helpdesk', 'admin', 'manager'],
    params: InvoiceParams,
    success: 200,
    async handler({ params, user }, services: ApiServices) {
      // Another customer's invoice is, to a customer, one that does not exist (README: refusals).
      const doc = user.role === 'customer' && user.customerId !== params.customerId ? null : await (await services.readModels.collection<InvoiceDoc>(INVOICES)).findOne({ _id: invoiceId(params.customerId, params.period) });
      if (!doc) throw new HttpProblem(404, 'Not found', `No invoice for ${params.customerId} in ${params.period}.`);
      const { _id, ...invoice } = doc;
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
    async handler(request, services: ApiServices) {
      const { customerId, period } = request.params;
      return invoiceCommand(request, services, { type: 'writeOffInvoice', data: { customerId, period, reason: request.body.reason } });
    },
  }),
] as unknown as RouteSpec<never, never, never, ApiServices>[];
