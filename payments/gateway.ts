/**
 * The payment gateway port: charge a customer's stored payment method for an invoice, refund a
 * charge, look one up. Card data never reaches our stores: a payment method is the gateway's
 * token plus brand, last four and expiry (PaymentMethodSet). Adapters: `SandboxGateway` (the
 * embedded default, deterministic test cards) and `StripeGateway` (the official SDK).
 */

export interface ChargeRequest {
  invoiceId: string;
  /** 1 for the first attempt; each retry of the invoice is a new attempt (a new idempotency key). */
  attempt: number;
  customerId: string;
  amountCents: number;
  currency: 'USD';
  /** The gateway's token of the customer's saved payment method. */
  gatewayToken: string;
  /** On the customer's statement and in the gateway's dashboard. */
  description: string;
}

export type ChargeOutcome =
  | { status: 'succeeded'; chargeId: string; amountCents: number }
  /** Refused by the issuer or the gateway; `code` is the gateway's decline code. */
  | { status: 'declined'; chargeId: string | null; code: string; reason: string }
  /** Accepted, outcome later (the gateway's webhook tells). */
  | { status: 'pending'; chargeId: string };

export interface RefundRequest {
  chargeId: string;
  amountCents: number;
  reason: string;
  /** Same key, same refund: a retried request refunds once. */
  idempotencyKey: string;
}

export interface RefundOutcome {
  refundId: string;
  amountCents: number;
}

export interface PaymentGateway {
  /** 'sandbox', 'stripe': recorded with each charge. */
  readonly name: string;
  /**
   * Charges once per (invoice, attempt), however often it is called: the idempotency key is
   * `chargeKey(invoiceId, attempt)`. Throws `GatewayUnavailable` when the gateway could not be
   * asked or did not answer (nothing is known: the same attempt may be sent again).
   */
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /** Throws `RefundRefused` when the charge cannot be refunded that much. */
  refund(request: RefundRequest): Promise<RefundOutcome>;
  /** A charge's outcome as the gateway knows it now; null when it knows no such charge. */
  lookup(chargeId: string): Promise<ChargeOutcome | null>;
  /**
   * Gateways whose own card form runs in the browser (Stripe.js): the key that form loads with.
   * Absent with the sandbox, whose card form our API serves.
   */
  readonly publishableKey?: string;
  /** Begins saving a card for off-session charges; the browser's card form confirms it. */
  startCardSetup?(holder: CardHolder): Promise<CardSetupStarted>;
  /**
   * The card a confirmed setup saved, read from the gateway (never from the browser). Throws
   * `CardSetupRefused` for a setup that is not this customer's or not confirmed.
   */
  cardOfSetup?(holder: CardHolder, setupId: string): Promise<GatewayCard>;
}

/** The idempotency key of one charge attempt of an invoice. */
export function chargeKey(invoiceId: string, attempt: number): string {
  return `invoice-${invoiceId}-attempt-${attempt}`;
}

/** The idempotency key of one refund of an invoice: asked again, it refunds once. */
export function refundKey(invoiceId: string, refundId: string): string {
  return `invoice-${invoiceId}-refund-${refundId}`;
}

/** The gateway could not be reached or did not answer: the outcome is unknown, try again later. */
export class GatewayUnavailable extends Error {
  constructor(
    message: string,
    /** Our own setup is wrong (credentials, account): ops must act, retrying alone will not help. */
    readonly misconfigured = false,
  ) {
    super(message);
    this.name = 'GatewayUnavailable';
  }
}

export class RefundRefused extends Error {
  constructor(readonly code: 'unknown-charge' | 'not-captured' | 'exceeds-charge', message: string) {
    super(message);
    this.name = 'RefundRefused';
  }
}

/** Whom a card is saved for: the gateway files it under its own record of this customer. */
export interface CardHolder {
  customerId: string;
  name: string;
  email: string;
}

/** A card setup begun: the browser confirms it in the gateway's own card form. */
export interface CardSetupStarted {
  setupId: string;
  /** Lets the browser's card form confirm this setup (and nothing else). */
  clientSecret: string;
  /** The key the gateway's card form loads with (public by design). */
  publishableKey: string;
}

/** A card the gateway holds, as the gateway describes it: never its number. */
export interface GatewayCard {
  gatewayToken: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'other';
  last4: string;
  /** The card's last valid month, YYYY-MM. */
  expiry: string;
}

/** A card setup that cannot be saved for this customer. */
export class CardSetupRefused extends Error {
  constructor(
    /** unknown: no such setup, or another customer's (the same answer: nothing leaks); incomplete: not confirmed. */
    readonly code: 'unknown-setup' | 'setup-incomplete',
    message: string,
  ) {
    super(message);
    this.name = 'CardSetupRefused';
  }
}
