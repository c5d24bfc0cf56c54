/**
 * The embedded sandbox gateway: the default when no gateway credentials are set (announced at
 * start-up, like the development outbox). It keeps its payment methods, charges and refunds in
 * its own collection of the document store, so they survive a restart and a charge repeated
 * with the same idempotency key is the same charge. Test cards, in the style the field knows:
 *
 * | number              | brand      | every charge                                          |
 * |---------------------|------------|-------------------------------------------------------|
 * | 4242 4242 4242 4242 | visa       | succeeds                                              |
 * | 5555 5555 5555 4444 | mastercard | succeeds                                              |
 * | 4000 0000 0000 9995 | visa       | declined: insufficient_funds                          |
 * | 4000 0000 0000 0069 | visa       | declined: expired_card                                |
 * | 4000 0000 0000 0119 | visa       | no answer (network error): nothing is charged         |
 * | 4000 0000 0000 0341 | visa       | attempt 1 of an invoice declined: try_again_later; a retry succeeds |
 *
 * A card whose expiry has passed is declined with expired_card whatever its number.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DocumentStore } from '../document-store/port';
import { ChargeOutcome, ChargeRequest, chargeKey, GatewayUnavailable, PaymentGateway, RefundOutcome, RefundRefused, RefundRequest } from './gateway';

export type CardBehaviour = 'succeeds' | 'insufficient-funds' | 'expired-card' | 'network-error' | 'retry-succeeds';

export const SANDBOX_TEST_CARDS: Readonly<Record<string, { brand: 'visa' | 'mastercard'; behaviour: CardBehaviour }>> = {
  '4242424242424242': { brand: 'visa', behaviour: 'succeeds' },
  '5555555555554444': { brand: 'mastercard', behaviour: 'succeeds' },
  '4000000000009995': { brand: 'visa', behaviour: 'insufficient-funds' },
  '4000000000000069': { brand: 'visa', behaviour: 'expired-card' },
  '4000000000000119': { brand: 'visa', behaviour: 'network-error' },
  '4000000000000341': { brand: 'visa', behaviour: 'retry-succeeds' },
};

export const SANDBOX_COLLECTION = '_sandbox_gateway';

interface SandboxPaymentMethod {
  _id: string;
  kind: 'payment-method';
  behaviour: CardBehaviour;
  brand: 'visa' | 'mastercard';
  last4: string;
  /** 'YYYY-MM' */
  expiry: string;
  createdAt: string;
  [field: string]: unknown;
}

interface SandboxCharge {
  _id: string;
  kind: 'charge';
  idempotencyKey: string;
  invoiceId: string;
  attempt: number;
  gatewayToken: string;
  amountCents: number;
  outcome: ChargeOutcome;
  refundedCents: number;
  createdAt: string;
  [field: string]: unknown;
}

interface SandboxRefund {
  _id: string;
  kind: 'refund';
  chargeId: string;
  amountCents: number;
  reason: string;
  createdAt: string;
  [field: string]: unknown;
}

type SandboxDoc = SandboxPaymentMethod | SandboxCharge | SandboxRefund;

export interface SandboxCard {
  number: string;
  expMonth: number;
  expYear: number;
}

/** What the browser keeps of a card: the token and what may be shown. */
export interface SavedCard {
  gatewayToken: string;
  brand: 'visa' | 'mastercard';
  last4: string;
  expiry: string;
}

/** A card the sandbox refuses to save (not one of its test cards, or expired). */
export class CardRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CardRefused';
  }
}

/** Letters only: a token with a long run of digits would pass for a card number (which we refuse to store). */
function letters(bytes: Uint8Array): string {
  return [...bytes].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}

/** An id derived from an idempotency key: the same key finds the same record. */
function idFor(prefix: string, key: string): string {
  return `${prefix}_sandbox_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox';

  constructor(
    private readonly documents: DocumentStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private get collection() {
    return this.documents.collection<SandboxDoc>(SANDBOX_COLLECTION);
  }

  /**
   * The sandbox's stand-in for the gateway's card form: a test card in, a token out. With an
   * idempotency key the token derives from it, and saving again with the key returns the card
   * saved first (the demo seed saves its customers' cards this way, run after run).
   */
  async saveCard(card: SandboxCard, idempotencyKey?: string): Promise<SavedCard> {
    const number = card.number.replace(/[\s-]/g, '');
    const test = SANDBOX_TEST_CARDS[number];
    if (!test) throw new CardRefused(`The sandbox takes only its test cards: ${Object.keys(SANDBOX_TEST_CARDS).join(', ')}.`);
    const expiry = `${card.expYear}-${String(card.expMonth).padStart(2, '0')}`;
    if (!(card.expMonth >= 1 && card.expMonth <= 12)) throw new CardRefused('The expiry month is 1 to 12.');
    if (expiry < this.clock().toISOString().slice(0, 7)) throw new CardRefused(`The card expired in ${expiry}.`);
    const id = `pm_sandbox_${letters(idempotencyKey === undefined ? randomBytes(20) : createHash('sha256').update(`card\u0000${idempotencyKey}`).digest().subarray(0, 20))}`;
    if (idempotencyKey !== undefined) {
      const saved = await this.collection.findOne({ _id: id });
      if (saved?.kind === 'payment-method') return { gatewayToken: saved._id, brand: saved.brand, last4: saved.last4, expiry: saved.expiry };
    }
    const method: SandboxPaymentMethod = {
      _id: id,
      kind: 'payment-method',
      behaviour: test.behaviour,
      brand: test.brand,
      last4: number.slice(-4),
      expiry,
      createdAt: this.clock().toISOString(),
    };
    await this.collection.insertOne(method);
    return { gatewayToken: method._id, brand: method.brand, last4: method.last4, expiry };
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const key = chargeKey(request.invoiceId, request.attempt);
    const id = idFor('ch', key);
    const earlier = await this.collection.findOne({ _id: id });
    if (earlier?.kind === 'charge') return earlier.outcome;
    const method = await this.collection.findOne({ _id: request.gatewayToken });
    const outcome = this.decide(request, id, method?.kind === 'payment-method' ? method : null);
    const charge: SandboxCharge = {
      _id: id,
      kind: 'charge',
      idempotencyKey: key,
      invoiceId: request.invoiceId,
      attempt: request.attempt,
      gatewayToken: request.gatewayToken,
      amountCents: request.amountCents,
      outcome,
      refundedCents: 0,
      createdAt: this.clock().toISOString(),
    };
    // Two callers with the same key at once: the second finds the first's charge (one charge).
    await this.collection.updateOne({ _id: id }, { $setOnInsert: charge }, { upsert: true });
    const stored = await this.collection.findOne({ _id: id });
    return stored?.kind === 'charge' ? stored.outcome : outcome;
  }

  private decide(request: ChargeRequest, id: string, method: SandboxPaymentMethod | null): ChargeOutcome {
    if (!Number.isInteger(request.amountCents) || request.amountCents <= 0) return { status: 'declined', chargeId: id, code: 'invalid_amount', reason: 'The amount must be a positive whole number of cents.' };
    if (!method) return { status: 'declined', chargeId: id, code: 'invalid_payment_method', reason: 'No such payment method: the customer must enter their card again.' };
    if (method.expiry < this.clock().toISOString().slice(0, 7) || method.behaviour === 'expired-card') return { status: 'declined', chargeId: id, code: 'expired_card', reason: 'The card has expired.' };
    switch (method.behaviour) {
      case 'network-error':
        throw new GatewayUnavailable('sandbox: the test card 4000 0000 0000 0119 never answers');
      case 'insufficient-funds':
        return { status: 'declined', chargeId: id, code: 'insufficient_funds', reason: 'The card has insufficient funds.' };
      case 'retry-succeeds':
        if (request.attempt <= 1) return { status: 'declined', chargeId: id, code: 'try_again_later', reason: 'The issuer could not be reached; try again later.' };
        return { status: 'succeeded', chargeId: id, amountCents: request.amountCents };
      case 'succeeds':
        return { status: 'succeeded', chargeId: id, amountCents: request.amountCents };
    }
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    const id = idFor('re', request.idempotencyKey);
    // Checked and written in one transaction: two refunds at once never take more than was charged.
    return this.documents.transaction(async (tx) => {
      const records = tx.collection<SandboxDoc>(SANDBOX_COLLECTION);
      const earlier = await records.findOne({ _id: id });
      if (earlier?.kind === 'refund') return { refundId: earlier._id, amountCents: earlier.amountCents };
      const charge = await records.findOne({ _id: request.chargeId });
      if (charge?.kind !== 'charge') throw new RefundRefused('unknown-charge', `No charge ${request.chargeId}.`);
      if (charge.outcome.status !== 'succeeded') throw new RefundRefused('not-captured', `Charge ${request.chargeId} did not capture any money.`);
      const left = charge.amountCents - charge.refundedCents;
      if (!Number.isInteger(request.amountCents) || request.amountCents <= 0 || request.amountCents > left) {
        throw new RefundRefused('exceeds-charge', `Charge ${request.chargeId} has ${left} cents left to refund.`);
      }
      const refund: SandboxRefund = { _id: id, kind: 'refund', chargeId: charge._id, amountCents: request.amountCents, reason: request.reason, createdAt: this.clock().toISOString() };
      await records.insertOne(refund);
      await records.updateOne({ _id: charge._id }, { $inc: { refundedCents: request.amountCents } });
      return { refundId: id, amountCents: request.amountCents };
    });
  }

  async lookup(chargeId: string): Promise<ChargeOutcome | null> {
    const charge = await this.collection.findOne({ _id: chargeId });
    return charge?.kind === 'charge' ? charge.outcome : null;
  }
}
