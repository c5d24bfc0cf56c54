import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { ChargeState } from '../../domain/billing/invoice';
import { CARD_BRANDS, NotificationChannel, PlanTier } from '../../domain/customer/customer';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { planPriceOf } from '../../read-models/plan-prices';
import { CardHolder, CardSetupRefused, GatewayUnavailable, PaymentGateway } from '../../payments/gateway';
import { AuthUser, etag, route, RouteTable, written } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { AddressView, ContactSchema, ContactView } from './auth';
import { InvoiceMoneyBackFields } from './billing';
import { STAFF } from './roles';
import { domainEnum } from './domain-enums';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const CustomerParams = z.object({ customerId: Id });

/**
 * A customer only reaches their own customer; the given roles reach any. Another customer's id
 * gets a customer the answer of a missing one (404: whether it exists never leaks, see README).
 */
function assertAccess(user: AuthUser, customerId: string, roles: readonly string[]): void {
  if (user.role === 'customer') {
    if (user.customerId !== customerId) throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
    return;
  }
  if (!roles.includes(user.role)) throw new HttpProblem(403, 'Forbidden', `A ${user.role} may not do this for a customer.`);
}

async function customerDoc(services: ApiServices, customerId: string): Promise<CustomerDoc> {
  const doc = await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).findOne({ _id: customerId });
  if (!doc) throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
  return doc;
}

// ---- answers --------------------------------------------------------------------------------

const NotifyBy = domainEnum<NotificationChannel>()(['sms', 'email']).describe('How the customer is notified about their tickets and visits');
const PlanTierView = domainEnum<PlanTier>()(['basic', 'standard', 'premium']);
const CardBrandView = z.enum(CARD_BRANDS).describe('The card brand, as the payment gateway reported it');
const Expiry = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "the card's last valid month as 'YYYY-MM'");

/** The card on file as people see it: never the gateway token. */
export const PaymentCardView = z.strictObject({
  brand: CardBrandView.nullable().describe('null for a card set before the brand was recorded'),
  last4: z.string().describe('Last four digits of the card'),
  expiry: z.string().nullable().describe("The card's last valid month, 'YYYY-MM'; null for a card set before the expiry was recorded"),
  expiresBeforeBilling: z.string().nullable().describe("Set by the billing run a month ahead: the billing day ('YYYY-MM-DD') this card will have expired by; null once a new card is set"),
});

export const SupportPlanView = z.strictObject({
  planId: z.string(),
  product: z.string().describe('The product covered, e.g. an appliance category or a catalog model id'),
  tier: PlanTierView,
  monthlyPriceCents: z.number().int().describe('Monthly price in cents (USD)'),
  active: z.boolean().describe('False once cancelled'),
  purchasedAt: z.string(),
  cancelledAt: z.string().nullable().describe('When the plan was cancelled; null while active'),
});

export const CustomerView = z.strictObject({
  customerId: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  address: AddressView,
  notifyBy: NotifyBy,
  plans: z.array(SupportPlanView).describe('Every plan ever bought, cancelled ones included'),
  activePlans: z.array(SupportPlanView).describe('The plans still active (those of `plans` with active true)'),
  paymentMethod: PaymentCardView.nullable().describe('null until the customer sets one'),
  paidUntil: z.string().nullable().describe('The support subscription is paid until this instant; null before the first payment'),
  registeredAt: z.string(),
});
export type CustomerView = z.infer<typeof CustomerView>;

const CustomerList = z.strictObject({ customers: z.array(CustomerView), total: z.number().int().describe('How many customers match, over all pages') });

const ContactChanged = z.strictObject({ customerId: z.string(), contact: ContactView });
const PreferenceChanged = z.strictObject({ customerId: z.string(), notifyBy: NotifyBy });
const PlanPurchased = z.strictObject({
  customerId: z.string(),
  planId: z.string(),
  product: z.string(),
  tier: PlanTierView,
  monthlyPriceCents: z.number().int().describe('Monthly price in cents (USD)'),
  active: z.literal(true),
});
const PaymentMethodSet = z.strictObject({ customerId: z.string(), paymentMethod: PaymentCardView });
const CardSetupStarted = z.strictObject({
  setupId: z.string().describe("The gateway's card setup (Stripe: a SetupIntent, seti_…)"),
  clientSecret: z.string().describe("Lets the browser confirm this setup in the gateway's card form (Stripe.js confirmCardSetup); nothing else"),
  publishableKey: z.string().describe('The key the card form loads with (public by design)'),
});

/** An invoice as the customer's billing history shows it. */
export const CustomerInvoice = z.strictObject({
  invoiceId: z.string(),
  customerId: z.string(),
  period: z.string().describe('The billed month, YYYY-MM'),
  lines: z.array(
    z.strictObject({
      planId: z.string(),
      product: z.string(),
      tier: PlanTierView.optional().describe('Absent on a credit line'),
      amountCents: z.number().int().describe('Negative on a credit line'),
      kind: z.enum(['plan', 'credit']).optional().describe("'credit': deducts customer credit"),
    }),
  ),
  totalCents: z.number().int(),
  currency: z.string().describe('ISO 4217 currency code'),
  dueAt: z.string(),
  issuedAt: z.string(),
  status: domainEnum<InvoiceDoc['status']>()(['open', 'paid', 'written-off']),
  charge: domainEnum<ChargeState>()(['pending', 'failed', 'succeeded', 'cancelled']).describe('The payment attempt: pending, failed (retried later), succeeded (paid) or cancelled (written off mid-attempt)'),
  attempts: z.number().int().describe('Charge attempts made'),
  failures: z.array(z.strictObject({ attempt: z.number().int(), reason: z.string(), gatewayCode: z.string().nullable(), failedAt: z.string() })),
  paidAt: z.string().nullable(),
  paidUntil: z.string().nullable().describe('Until when the payment covers the subscription; null while unpaid'),
  gatewayReference: z.string().nullable().describe("The payment gateway's reference of the captured payment"),
  writtenOff: z.strictObject({ reason: z.string(), by: z.string(), at: z.string() }).nullable(),
  ...InvoiceMoneyBackFields,
});

const CustomerInvoices = z.strictObject({
  customerId: z.string(),
  invoices: z.array(CustomerInvoice).describe('This page, newest period first'),
  summary: z
    .strictObject({
      invoices: z.number().int(),
      paidCents: z.number().int(),
      openCents: z.number().int(),
      writtenOffCents: z.number().int(),
    })
    .describe("Over all the customer's invoices, whatever the filter and page"),
});

function view(doc: CustomerDoc): CustomerView {
  const { _id, nameLower: _n, revision: _r, paymentMethod, ...rest } = doc;
  return {
    ...rest,
    paymentMethod: paymentMethod && { brand: paymentMethod.brand ?? null, last4: paymentMethod.last4, expiry: paymentMethod.expiry ?? null, expiresBeforeBilling: paymentMethod.expiresBeforeBilling ?? null },
    activePlans: doc.plans.filter((p) => p.active),
  };
}

/** The gateway, when its own card form runs in the browser (Stripe); with the sandbox, 409. */
function browserCardGateway(services: ApiServices): Required<Pick<PaymentGateway, 'startCardSetup' | 'cardOfSetup'>> {
  const { startCardSetup, cardOfSetup } = services.paymentGateway;
  if (!startCardSetup || !cardOfSetup) {
    throw new HttpProblem(409, 'Not with this gateway', `The payment gateway is ${services.paymentGateway.name}: cards are entered in its card form (POST /payments/sandbox/cards), then PUT /customers/{customerId}/payment-method.`, { code: 'gateway-has-no-card-setup' });
  }
  return { startCardSetup: startCardSetup.bind(services.paymentGateway), cardOfSetup: cardOfSetup.bind(services.paymentGateway) };
}

async function cardHolder(services: ApiServices, customerId: string): Promise<CardHolder> {
  const doc = await customerDoc(services, customerId);
  return { customerId, name: doc.name, email: doc.email };
}

/** The gateway not answering is the gateway's trouble, not ours: 503, try again. */
function gatewayProblem(error: unknown): unknown {
  if (error instanceof GatewayUnavailable) return new HttpProblem(503, 'Payment gateway unavailable', 'The payment gateway did not answer: try again in a moment.', { code: 'gateway-unavailable' });
  if (error instanceof CardSetupRefused) {
    return error.code === 'unknown-setup' ? new HttpProblem(404, 'Not found', error.message) : new HttpProblem(422, 'Card not confirmed', error.message, { code: 'card-setup-incomplete' });
  }
  return error;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const customerRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/customers/me',
    operationId: 'getMyCustomer',
    summary: "The calling customer's profile, preference, plans and paid-until date",
    tag: 'Customers',
    roles: ['customer'],
    success: 200,
    response: CustomerView,
    async handler({ user }, services: ApiServices) {
      if (!user.customerId) throw new HttpProblem(404, 'Not found', 'This account is not linked to a customer.');
      const doc = await customerDoc(services, user.customerId);
      return { status: 200, body: view(doc), headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'get',
    path: '/customers',
    operationId: 'searchCustomers',
    summary: 'Search customers by name or e-mail (staff)',
    tag: 'Customers',
    roles: STAFF,
    query: z.object({
      q: z.string().trim().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      skip: z.coerce.number().int().min(0).max(100_000).default(0),
    }),
    success: 200,
    response: CustomerList,
    async handler({ query }, services: ApiServices) {
      const collection = await services.readModels.collection<CustomerDoc>(CUSTOMERS);
      const pattern = query.q ? escapeRegex(query.q.toLowerCase()) : undefined;
      const filter = pattern ? { $or: [{ nameLower: { $regex: pattern } }, { email: { $regex: pattern } }] } : {};
      const docs = await collection.find(filter, { sort: { nameLower: 1, _id: 1 }, limit: query.limit, skip: query.skip });
      return { status: 200, body: { customers: docs.map(view), total: await collection.count(filter) } satisfies z.infer<typeof CustomerList> };
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId',
    operationId: 'getCustomer',
    summary: 'A customer profile (the customer themself or staff); ETag = stream revision',
    tag: 'Customers',
    roles: ['customer', ...STAFF],
    params: CustomerParams,
    success: 200,
    response: CustomerView,
    async handler({ params, user }, services: ApiServices) {
      assertAccess(user, params.customerId, STAFF);
      const doc = await customerDoc(services, params.customerId);
      return { status: 200, body: view(doc), headers: { ETag: etag(doc.revision) } };
    },
  }),
  route({
    method: 'put',
    path: '/customers/:customerId/contact',
    operationId: 'updateCustomerContact',
    readsNext: ['customers', 'paid-customers'],
    summary: 'Replace the contact details (If-Match: the ETag you read)',
    tag: 'Customers',
    roles: ['customer', 'helpdesk', 'admin'],
    params: CustomerParams,
    body: ContactSchema,
    idempotent: true,
    success: 200,
    response: ContactChanged,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      assertAccess(user, params.customerId, ['helpdesk', 'admin']);
      const result = await send(
        services.commands,
        customers,
        { type: 'updateCustomerContact', data: { customerId: params.customerId, contact: body }, metadata: request.command() },
        request.expected,
      );
      return written(result, { customerId: params.customerId, contact: body } satisfies z.infer<typeof ContactChanged>);
    },
  }),
  route({
    method: 'put',
    path: '/customers/:customerId/notification-preference',
    operationId: 'changeNotificationPreference',
    readsNext: ['customers', 'paid-customers'],
    summary: 'Choose how the customer is notified (sms or email)',
    tag: 'Customers',
    roles: ['customer', 'helpdesk', 'admin'],
    params: CustomerParams,
    body: z.object({ notifyBy: z.enum(['sms', 'email']) }),
    idempotent: true,
    success: 200,
    response: PreferenceChanged,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      assertAccess(user, params.customerId, ['helpdesk', 'admin']);
      const result = await send(
        services.commands,
        customers,
        { type: 'changeNotificationPreference', data: { customerId: params.customerId, notifyBy: body.notifyBy }, metadata: request.command() },
        request.expected,
      );
      return written(result, { customerId: params.customerId, notifyBy: body.notifyBy } satisfies z.infer<typeof PreferenceChanged>);
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/plans',
    operationId: 'purchaseSupportPlan',
    readsNext: ['customers', 'paid-customers'],
    summary: 'Buy a support plan for a product at the monthly price its tier has now (GET /catalog/support-plans); the plan keeps that price',
    tag: 'Customers',
    roles: ['customer', 'helpdesk', 'admin'],
    params: CustomerParams,
    body: z.object({ product: z.string().trim().min(1).max(200), tier: z.enum(['basic', 'standard', 'premium']) }),
    idempotent: true,
    success: 201,
    response: PlanPurchased,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      assertAccess(user, params.customerId, ['helpdesk', 'admin']);
      const metadata = request.command();
      // The price list's price when bought: the plan records it, later list changes never reach it.
      const monthlyPriceCents = await planPriceOf(services.readModels, body.tier, metadata.now);
      const plan = { planId: randomUUID(), product: body.product, tier: body.tier, monthlyPriceCents };
      const result = await send(services.commands, customers, {
        type: 'purchaseSupportPlan',
        data: { customerId: params.customerId, plan },
        metadata,
      });
      // A repeated command returns the plan it recorded the first time.
      const recorded = result.events.find((e) => e.type === 'SupportPlanPurchased');
      const body201 = recorded ? (recorded.data as { plan: typeof plan }).plan : plan;
      return {
        status: 201,
        body: { customerId: params.customerId, ...body201, active: true } satisfies z.infer<typeof PlanPurchased>,
        headers: { ETag: etag(result.revision), Location: `/customers/${params.customerId}/plans/${body201.planId}` },
        position: result.position,
      };
    },
  }),
  route({
    method: 'delete',
    path: '/customers/:customerId/plans/:planId',
    operationId: 'cancelSupportPlan',
    readsNext: ['customers', 'paid-customers'],
    summary: 'Cancel a support plan',
    tag: 'Customers',
    roles: ['customer', 'helpdesk', 'admin'],
    params: z.object({ customerId: Id, planId: Id }),
    idempotent: true,
    success: 204,
    async handler(request, services: ApiServices) {
      const { params, user } = request;
      assertAccess(user, params.customerId, ['helpdesk', 'admin']);
      const result = await send(services.commands, customers, {
        type: 'cancelSupportPlan',
        data: { customerId: params.customerId, planId: params.planId },
        metadata: request.command(),
      });
      return written(result, undefined, 204);
    },
  }),
  route({
    method: 'put',
    path: '/customers/:customerId/payment-method',
    operationId: 'setPaymentMethod',
    readsNext: ['customers', 'paid-customers'],
    summary: "Set the payment method: the payment gateway's token with the card's brand, last four digits and expiry month as the gateway reported them (never the card number); an expired card is refused (422 card-expired)",
    tag: 'Customers',
    roles: ['customer'],
    params: CustomerParams,
    body: z.object({
      gatewayToken: z.string().trim().min(4).max(200).regex(/^[A-Za-z0-9_:-]+$/, 'a payment gateway token such as tok_1AbC'),
      last4: z.string().regex(/^\d{4}$/, 'the last four digits of the card'),
      brand: z.enum(CARD_BRANDS),
      expiry: Expiry,
    }),
    idempotent: true,
    success: 200,
    response: PaymentMethodSet,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      assertAccess(user, params.customerId, []);
      const result = await send(services.commands, customers, {
        type: 'setPaymentMethod',
        data: { customerId: params.customerId, gatewayToken: body.gatewayToken, last4: body.last4, brand: body.brand, expiry: body.expiry },
        metadata: request.command(),
      });
      const paymentMethod = { brand: body.brand, last4: body.last4, expiry: body.expiry, expiresBeforeBilling: null };
      return written(result, { customerId: params.customerId, paymentMethod } satisfies z.infer<typeof PaymentMethodSet>);
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/payment-method/setup',
    operationId: 'startCardSetup',
    summary: "Begin saving a card in the payment gateway's own card form (Stripe: an off-session SetupIntent for Stripe.js to confirm); 409 with the sandbox gateway",
    tag: 'Customers',
    roles: ['customer'],
    params: CustomerParams,
    success: 201,
    response: CardSetupStarted,
    async handler({ params, user }, services: ApiServices) {
      assertAccess(user, params.customerId, []);
      const gateway = browserCardGateway(services);
      const holder = await cardHolder(services, params.customerId);
      try {
        return { status: 201, body: (await gateway.startCardSetup(holder)) satisfies z.infer<typeof CardSetupStarted> };
      } catch (error) {
        throw gatewayProblem(error);
      }
    },
  }),
  route({
    method: 'post',
    path: '/customers/:customerId/payment-method/from-setup',
    operationId: 'savePaymentMethodFromSetup',
    readsNext: ['customers', 'paid-customers'],
    summary: "Save the card of a confirmed card setup as the payment method: brand, last four and expiry are read from the gateway, never taken from the browser; another customer's setup is not found, one not confirmed 422 card-setup-incomplete",
    tag: 'Customers',
    roles: ['customer'],
    params: CustomerParams,
    body: z.object({ setupId: z.string().trim().regex(/^seti_[A-Za-z0-9_]{1,200}$/, "the card setup's id, seti_…") }),
    idempotent: true,
    success: 200,
    response: PaymentMethodSet,
    async handler(request, services: ApiServices) {
      const { params, user, body } = request;
      assertAccess(user, params.customerId, []);
      const gateway = browserCardGateway(services);
      const holder = await cardHolder(services, params.customerId);
      let card;
      try {
        card = await gateway.cardOfSetup(holder, body.setupId);
      } catch (error) {
        throw gatewayProblem(error);
      }
      const result = await send(services.commands, customers, {
        type: 'setPaymentMethod',
        data: { customerId: params.customerId, ...card },
        metadata: request.command(),
      });
      const paymentMethod = { brand: card.brand, last4: card.last4, expiry: card.expiry, expiresBeforeBilling: null };
      return written(result, { customerId: params.customerId, paymentMethod } satisfies z.infer<typeof PaymentMethodSet>);
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId/invoices',
    operationId: 'listCustomerInvoices',
    summary: 'Billing history and statements of a customer, newest period first',
    tag: 'Customers',
    roles: ['customer', ...STAFF],
    params: CustomerParams,
    query: z.object({
      status: z.enum(['open', 'paid', 'written-off']).optional(),
      limit: z.coerce.number().int().min(1).max(120).default(24),
      skip: z.coerce.number().int().min(0).max(10_000).default(0),
    }),
    success: 200,
    response: CustomerInvoices,
    async handler({ params, query, user }, services: ApiServices) {
      assertAccess(user, params.customerId, STAFF);
      await customerDoc(services, params.customerId);
      const collection = await services.readModels.collection<InvoiceDoc>(INVOICES);
      const filter = { customerId: params.customerId, ...(query.status ? { status: query.status } : {}) };
      const docs = await collection.find(filter, { sort: { period: -1 }, limit: query.limit, skip: query.skip });
      const all = await collection.find({ customerId: params.customerId });
      const summary = {
        invoices: all.length,
        paidCents: all.filter((i) => i.status === 'paid').reduce((s, i) => s + i.totalCents, 0),
        openCents: all.filter((i) => i.status === 'open').reduce((s, i) => s + i.amountDueCents, 0),
        writtenOffCents: all.filter((i) => i.status === 'written-off').reduce((s, i) => s + i.totalCents, 0),
      };
      return { status: 200, body: { customerId: params.customerId, invoices: docs.map(({ _id, ...rest }) => rest), summary } satisfies z.infer<typeof CustomerInvoices> };
    },
  }),
];
