/**
 * The delivery port: one adapter per provider (Twilio for SMS, SendGrid for e-mail, the
 * development outbox when credentials are absent). The dispatcher picks the adapter by the
 * message's channel and reacts to the outcome: a `providerMessageId` marks the message sent, a
 * transient `DeliveryError` (or any unexpected error) schedules a retry, a permanent one parks
 * the message for helpdesk at once.
 */
import { Channel, TemplateName } from './outbox';

/** What an adapter needs to send one message. */
export interface OutgoingMessage {
  /** E.164 phone number (SMS) or e-mail address. */
  to: string;
  /** E-mail only. */
  subject?: string;
  body: string;
  /**
   * Where the message comes from. Real providers ignore it; the development outbox records it
   * so the UI can show which ticket and template a message belongs to.
   */
  context?: {
    messageId: string;
    template: TemplateName;
    ticketId?: string | null;
    visitId?: string | null;
    recipient?: { kind: 'customer' | 'expert' | 'helpdesk'; id: string } | null;
  };
}

export interface MessageChannel {
  /** The provider: 'twilio', 'sendgrid', 'dev-outbox'… (recorded on the sent message). */
  readonly name: string;
  readonly channel: Channel;
  /** Resolves once the provider accepted the message; rejects with a DeliveryError otherwise. */
  deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }>;
}

/**
 * - `transient`: try again later (rate limit, provider outage, network);
 * - `permanent`: trying again cannot help (invalid number or address, unsubscribed recipient,
 *   rejected credentials) — the message is parked for helpdesk at once.
 */
export type DeliveryFailureKind = 'transient' | 'permanent';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly details: {
      provider: string;
      /** HTTP status of the provider's answer, when there was one. */
      status?: number;
      /** The provider's own error code (Twilio 21211 …), when it gave one. */
      code?: string;
      /** The provider asked us to wait this long (HTTP 429 Retry-After). */
      retryAfterMs?: number;
      /** Our configuration is wrong (credentials, sender): helpdesk/ops must act, not the recipient. */
      misconfiguration?: boolean;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get permanent(): boolean {
    return this.kind === 'permanent';
  }
}

/** Only an explicit permanent DeliveryError parks at once; everything else is worth a retry. */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof DeliveryError && error.kind === 'permanent';
}

/** A readable one-line description of a delivery failure, for `lastError`. */
export function describeFailure(error: unknown): string {
  if (error instanceof DeliveryError) {
    const parts = [error.details.provider, error.kind];
    if (error.details.status !== undefined) parts.push(`HTTP ${error.details.status}`);
    if (error.details.code !== undefined) parts.push(`code ${error.details.code}`);
    return `${parts.join(' ')}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Network-level failures Node reports by code: always transient. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Reads a field of an unknown error object without `any`. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export function errorMessage(error: unknown): string {
  const message = field(error, 'message');
  return typeof message === 'string' && message ? message : String(error);
}

/** "+1 (555) 010-0142" → "+15550100142": separators people type are dropped; anything else is left for the provider to judge. */
export function toE164(phone: string): string {
  return phone.replace(/[\s().-]/g, '');
}
