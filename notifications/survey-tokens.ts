/**
 * Single-use survey links: `${PUBLIC_URL}/feedback/${token}`, the web app's survey page, which
 * reads and answers the survey through the API's `GET|POST /survey/${token}`. (Links e-mailed
 * before pointed at `/survey/${token}` itself: the web app sends those page loads on to its page.)
 *
 * - The token is base64url(HMAC-SHA256(secret, ticketId)): issuing it again for the same ticket
 *   (the saga handling TicketCompleted twice) yields the same link, with no state to coordinate.
 * - The collection `survey_tokens` stores only sha256(token) as `_id`, never the token: a copy of
 *   the database does not hold working links, and without the secret none can be made.
 * - `redeem` succeeds once; then 'survey-token-used'. After `expiresAt`: 'survey-token-expired';
 *   a token never issued: 'survey-token-unknown' (all DomainErrors, so the API answers 4xx).
 */
import { createHash, createHmac } from 'node:crypto';
import { DomainError } from '../domain/decider';
import { Document, DocumentStore } from '../document-store/port';

export const SURVEY_TOKENS = 'survey_tokens';

/** The link a customer is sent: the web app's public survey page for the token. */
export function surveyLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/feedback/${token}`;
}

export interface SurveyTokenDoc extends Document {
  /** sha256(token), hex. */
  _id: string;
  ticketId: string;
  customerId: string;
  issuedAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface SurveyTokenClaims {
  ticketId: string;
  customerId: string;
}

const DAY_MS = 86_400_000;

export class SurveyTokens {
  constructor(
    private readonly documents: DocumentStore,
    private readonly secret: string,
  ) {
    if (secret.length < 16) throw new Error('the survey token secret must have at least 16 characters');
  }

  private get collection() {
    return this.documents.collection<SurveyTokenDoc>(SURVEY_TOKENS);
  }

  /** The ticket's token (pure: the same for the same ticket and secret; use a secret dedicated to surveys). */
  tokenFor(ticketId: string): string {
    return createHmac('sha256', this.secret).update(ticketId).digest('base64url');
  }

  /**
   * Issues the ticket's survey token, valid `ttlDays` from the first issue. Idempotent: issuing
   * again returns the same token and keeps the first record (its expiry and use).
   */
  async issue(ticketId: string, customerId: string, now: Date, ttlDays = 30): Promise<string> {
    if (!ticketId) throw new Error('a survey token needs a ticket');
    const token = this.tokenFor(ticketId);
    const record: SurveyTokenDoc = {
      _id: hashToken(token),
      ticketId,
      customerId,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlDays * DAY_MS).toISOString(),
      usedAt: null,
    };
    await this.collection.updateOne({ _id: record._id }, { $setOnInsert: record }, { upsert: true });
    return token;
  }

  /** What a token is for, without using it (the survey page shows the ticket first). */
  async verify(token: string, now: Date): Promise<SurveyTokenClaims> {
    const doc = await this.find(token);
    if (doc.usedAt !== null) throw used();
    if (Date.parse(doc.expiresAt) <= now.getTime()) throw expired(doc);
    return { ticketId: doc.ticketId, customerId: doc.customerId };
  }

  /** Uses the token: succeeds once. */
  async redeem(token: string, now: Date): Promise<SurveyTokenClaims> {
    const doc = await this.find(token);
    if (doc.usedAt !== null) throw used();
    if (Date.parse(doc.expiresAt) <= now.getTime()) throw expired(doc);
    // Compare-and-set: of two concurrent redemptions only one flips usedAt.
    const r = await this.collection.updateOne({ _id: doc._id, usedAt: null }, { $set: { usedAt: now.toISOString() } });
    if (r.modifiedCount !== 1) throw used();
    return { ticketId: doc.ticketId, customerId: doc.customerId };
  }

  private async find(token: string): Promise<SurveyTokenDoc> {
    const doc = typeof token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await this.collection.findOne({ _id: hashToken(token) }) : null;
    if (!doc) throw new DomainError('survey-token-unknown', 'this survey link is not valid');
    return doc;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function used(): DomainError {
  return new DomainError('survey-token-used', 'this survey was already answered');
}

function expired(doc: SurveyTokenDoc): DomainError {
  return new DomainError('survey-token-expired', `this survey link expired on ${doc.expiresAt.slice(0, 10)}`);
}
