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
