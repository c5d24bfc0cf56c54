/**
 * Payments through Stripe (official `stripe` SDK): PaymentIntents confirmed at once, off-session,
 * with the customer's saved payment method; idempotency keys per (invoice, attempt); refunds;
 * webhooks verified with the endpoint's signing secret for outcomes that arrive later.
 *
 * Our `gatewayToken` for Stripe is `cus_…/pm_…`: the Stripe Customer and the PaymentMethod saved
 * to it (an off-session charge needs both). Error mapping (the SDK throws typed errors):
 * - StripeCardError → declined with the issuer's decline code (or the error code);
 * - StripeInvalidRequestError about the payment method (resource_missing, payment_method_*) →
 *   declined `invalid_payment_method`: the customer must enter their card again;
 * - connection errors, 5xx (StripeAPIError), rate limits, idempotency conflicts in flight →
 *   `GatewayUnavailable` (the same attempt is sent again later: the key makes it one charge);
 * - authentication and permission errors → `GatewayUnavailable` marked misconfigured.
 *
 * Cards are saved with SetupIntents (usage off_session) that the browser confirms in Stripe.js's
 * card form: card data goes from the browser to Stripe only. Each of our customers gets one Stripe
 * Customer, created on their first card setup and remembered in the document store.
 */
import Stripe from 'stripe';
import { DocumentStore } from '../document-store/port';
import {
  CardHolder,
  CardSetupRefused,
  CardSetupStarted,
  ChargeOutcome,
  ChargeRequest,
  chargeKey,
  GatewayCard,
  GatewayUnavailable,
  PaymentGateway,
  RefundOutcome,
  RefundRefused,
  RefundRequest,
} from './gateway';

/** The part of the Stripe client this adapter uses. */
export type StripeClient = Pick<Stripe, 'paymentIntents' | 'refunds' | 'webhooks' | 'customers' | 'setupIntents' | 'paymentMethods'>;

/** Our customer → their Stripe Customer, one document each. */
export const STRIPE_CUSTOMERS_COLLECTION = 'stripe-customers';

type StripeCustomerDoc = {
  _id: string;
  stripeCustomer: string;
  createdAt: string;
};

/** What saving cards in the browser takes: the publishable key, and where Stripe Customers are remembered. */
export interface StripeCardSetup {
  publishableKey: string;
  documents: DocumentStore;
}

export interface StripeSettings {
  secretKey: string;
  /** whsec_…: verifies the webhook's Stripe-Signature header. */
  webhookSecret?: string;
  /** Another API host, e.g. `http://127.0.0.1:12111` (a local fake in tests, a proxy). */
  apiUrl?: string;
  timeoutMs?: number;
}

/** A Stripe client as configured; `apiUrl` points it elsewhere than Stripe's own host. */
export function stripeClient(settings: StripeSettings): Stripe {
  const url = settings.apiUrl ? new URL(settings.apiUrl) : null;
  return new Stripe(settings.secretKey, {
    timeout: settings.timeoutMs ?? 20_000,
    // Retries are the billing run's (same idempotency key, later): one request per call here.
    maxNetworkRetries: 0,
    ...(url ? { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
}

/** Splits `cus_…/pm_…`; a bare `pm_…` is charged without a customer (Stripe then refuses off-session use). */
export function stripeToken(gatewayToken: string): { customer?: string; paymentMethod: string } {
  const [first, second] = gatewayToken.split('/');
  return second ? { customer: first!, paymentMethod: second } : { paymentMethod: first! };
}

/** A webhook whose signature does not verify: answered 400, nothing recorded. */
export class WebhookSignatureInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureInvalid';
  }
}

/** What a verified webhook says about a charge attempt of an invoice. */
export interface ChargeNotice {
  eventId: string;
  invoiceId: string;
  attempt: number;
  outcome: ChargeOutcome;
}

export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe';

  readonly publishableKey?: string;

  constructor(
    private readonly stripe: StripeClient,
    private readonly webhookSecret?: string,
    private readonly cardSetup?: StripeCardSetup,
  ) {
    if (cardSetup) this.publishableKey = cardSetup.publishableKey;
  }

  async startCardSetup(holder: CardHolder): Promise<CardSetupStarted> {
    const setup = this.setupSettings();
    try {
      const customer = await this.stripeCustomerOf(holder, setup.documents);
      const intent = await this.stripe.setupIntents.create({ customer, usage: 'off_session', metadata: { customerId: holder.customerId } });
      if (!intent.client_secret) throw new GatewayUnavailable(`stripe: SetupIntent ${intent.id} came without a client secret`);
      return { setupId: intent.id, clientSecret: intent.client_secret, publishableKey: setup.publishableKey };
    } catch (error) {
      throw unavailable(error);
    }
  }

  async cardOfSetup(holder: CardHolder, setupId: string): Promise<GatewayCard> {
    const setup = this.setupSettings();
    const unknown = new CardSetupRefused('unknown-setup', `No card setup ${setupId}.`);
    const remembered = await setup.documents.collection<StripeCustomerDoc>(STRIPE_CUSTOMERS_COLLECTION).findOne({ _id: holder.customerId });
    if (!remembered) throw unknown;
    try {
      let intent: Stripe.SetupIntent;
      try {
        intent = await this.stripe.setupIntents.retrieve(setupId);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') throw unknown;
        throw error;
      }
      // Another customer's setup gets the answer of a missing one.
      if (idOf(intent.customer) !== remembered.stripeCustomer || intent.metadata?.customerId !== holder.customerId) throw unknown;
      if (intent.status !== 'succeeded') throw new CardSetupRefused('setup-incomplete', `The card was not confirmed (the setup is ${intent.status.replace(/_/g, ' ')}): enter the card again.`);
      const methodId = idOf(intent.payment_method);
      if (!methodId) throw new CardSetupRefused('setup-incomplete', 'The card setup holds no card: enter the card again.');
      const method = await this.stripe.paymentMethods.retrieve(methodId);
      if (!method.card || idOf(method.customer) !== remembered.stripeCustomer) throw unknown;
      return {
        gatewayToken: `${remembered.stripeCustomer}/${method.id}`,
        brand: brandOf(method.card.brand),
        last4: method.card.last4,
        expiry: `${method.card.exp_year}-${String(method.card.exp_month).padStart(2, '0')}`,
      };
    } catch (error) {
      throw unavailable(error);
    }
  }

  private setupSettings(): StripeCardSetup {
    if (!this.cardSetup) throw new GatewayUnavailable('stripe: STRIPE_PUBLISHABLE_KEY is not set: cards cannot be entered', true);
    return this.cardSetup;
  }

  /** The customer's Stripe Customer: created once (an off-session charge needs one), then remembered. */
  private async stripeCustomerOf(holder: CardHolder, documents: DocumentStore): Promise<string> {
    const collection = documents.collection<StripeCustomerDoc>(STRIPE_CUSTOMERS_COLLECTION);
    const known = await collection.findOne({ _id: holder.customerId });
    if (known) return known.stripeCustomer;
    // Two setups begun at once create one Stripe Customer: the same key answers the same customer.
    const created = await this.stripe.customers.create({ name: holder.name, email: holder.email, metadata: { customerId: holder.customerId } }, { idempotencyKey: `customer-${holder.customerId}` });
    await collection.replaceOne({ _id: holder.customerId }, { _id: holder.customerId, stripeCustomer: created.id, createdAt: new Date().toISOString() }, { upsert: true });
    return created.id;
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const { customer, paymentMethod } = stripeToken(request.gatewayToken);
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          ...(customer ? { customer } : {}),
          payment_method: paymentMethod,
          confirm: true,
          off_session: true,
          description: request.description,
          metadata: { invoiceId: request.invoiceId, attempt: String(request.attempt), customerId: request.customerId },
        },
        { idempotencyKey: chargeKey(request.invoiceId, request.attempt) },
      );
      return outcomeOf(intent);
    } catch (error) {
      return declinedOrThrow(error);
    }
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    try {
      const refund = await this.stripe.refunds.create(
        { payment_intent: request.chargeId, amount: request.amountCents, reason: 'requested_by_customer', metadata: { reason: request.reason } },
        { idempotencyKey: request.idempotencyKey },
      );
      return { refundId: refund.id, amountCents: refund.amount };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        if (error.code === 'resource_missing') throw new RefundRefused('unknown-charge', error.message);
        if (error.code === 'charge_already_refunded' || /greater than|exceeds/i.test(error.message)) throw new RefundRefused('exceeds-charge', error.message);
        if (error.code === 'charge_not_captured' || /has not (yet )?succeeded|no successful charge/i.test(error.message)) throw new RefundRefused('not-captured', error.message);
      }
      throw unavailable(error);
    }
  }

  async lookup(chargeId: string): Promise<ChargeOutcome | null> {
    try {
      return outcomeOf(await this.stripe.paymentIntents.retrieve(chargeId));
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return null;
      throw unavailable(error);
    }
  }

  /**
   * A webhook's charge outcome, verified with the signing secret: throws
   * `WebhookSignatureInvalid` for a bad or old signature; null for events about anything else.
   */
  chargeNotice(rawBody: Buffer | string, signature: string | undefined): ChargeNotice | null {
    if (!this.webhookSecret) throw new WebhookSignatureInvalid('STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature ?? '', this.webhookSecret);
    } catch (error) {
      throw new WebhookSignatureInvalid(error instanceof Error ? error.message : String(error));
    }
    if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return null;
    const intent = event.data.object as Stripe.PaymentIntent;
    const invoiceId = intent.metadata?.invoiceId;
    const attempt = Number(intent.metadata?.attempt);
    if (!invoiceId || !Number.isInteger(attempt)) return null;
    return { eventId: event.id, invoiceId, attempt, outcome: outcomeOf(intent) };
  }
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}

/** Stripe's card brands in ours; the rest (diners, jcb, unionpay, …) are 'other'. */
function brandOf(brand: string): GatewayCard['brand'] {
  return brand === 'visa' || brand === 'mastercard' || brand === 'amex' || brand === 'discover' ? brand : 'other';
}

function outcomeOf(intent: Stripe.PaymentIntent): ChargeOutcome {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', chargeId: intent.id, amountCents: intent.amount_received ?? intent.amount };
    case 'processing':
      return { status: 'pending', chargeId: intent.id };
    case 'requires_action':
      // Off-session: nobody is there to authenticate; the customer must pay on-session.
      return { status: 'declined', chargeId: intent.id, code: 'authentication_required', reason: 'The bank asks the card holder to authenticate this payment.' };
    default: {
      const error = intent.last_payment_error;
      return { status: 'declined', chargeId: intent.id, code: error?.decline_code ?? error?.code ?? intent.status, reason: error?.message ?? `payment ${intent.status}` };
    }
  }
}

function declinedOrThrow(error: unknown): ChargeOutcome {
  if (error instanceof Stripe.errors.StripeCardError) {
    const intentId = (error.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent?.id ?? null;
    return { status: 'declined', chargeId: intentId, code: error.decline_code ?? error.code ?? 'card_declined', reason: error.message };
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError && (error.code === 'resource_missing' || error.code?.startsWith('payment_method'))) {
    return { status: 'declined', chargeId: null, code: 'invalid_payment_method', reason: error.message };
  }
  throw unavailable(error);
}

function unavailable(error: unknown): Error {
  if (error instanceof GatewayUnavailable || error instanceof RefundRefused || error instanceof CardSetupRefused) return error;
  const misconfigured = error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError;
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayUnavailable(`stripe: ${message}`, misconfigured);
}
