/**
 * SMS through Twilio's Programmable Messaging API (`twilio` SDK):
 * `client.messages.create({ to, from, body })` answers with the message SID once Twilio
 * accepted the message for delivery.
 *
 * Error mapping (the SDK rejects with a RestException carrying the HTTP `status` and Twilio's
 * numeric `code`, or with a plain network error without a status):
 * - 429 (rate limited, code 20429) and 5xx → transient;
 * - other 4xx → permanent: an invalid or unreachable 'To' number (21211, 21214, 21217, 21614),
 *   a recipient who replied STOP (21610), a region we may not send to (21408), and rejected
 *   credentials or sender (20003, 21212, 21606, 21659, 21660: misconfiguration);
 * - no status: a network failure (ECONNRESET, timeouts …) → transient.
 */
import twilio from 'twilio';
import { Channel } from './outbox';
import { DeliveryError, errorMessage, field, MessageChannel, NETWORK_ERROR_CODES, OutgoingMessage, toE164 } from './channels';

/** The part of the Twilio client this adapter uses: tests inject a fake. */
export interface TwilioMessagesClient {
  messages: {
    create(params: { to: string; from: string; body: string }): Promise<{ sid: string }>;
  };
}

/** Twilio error codes that no retry can fix, whatever the HTTP status says. */
export const TWILIO_PERMANENT_CODES: ReadonlySet<number> = new Set([
  20003, // authentication failed
  20404, // resource not found (wrong account)
  21211, // invalid 'To' phone number
  21212, // invalid 'From' phone number
  21214, // 'To' number cannot be reached
  21217, // phone number does not appear to be valid
  21401, // invalid phone number
  21408, // permission to send to this region not enabled
  21606, // 'From' number is not a valid SMS-capable number for this account
  21610, // recipient unsubscribed (replied STOP)
  21612, // 'To' number not reachable from this 'From' number
  21614, // 'To' number is not a mobile number
  21659, // 'From' is not a Twilio number of this account
  21660, // 'From' does not match the account
]);

/** Codes that mean our own setup is wrong (ops must fix the configuration). */
const MISCONFIGURATION_CODES: ReadonlySet<number> = new Set([20003, 20404, 21212, 21408, 21606, 21659, 21660]);

export class TwilioSmsChannel implements MessageChannel {
  readonly name = 'twilio';
  readonly channel: Channel = 'sms';

  constructor(
    private readonly client: TwilioMessagesClient,
    private readonly from: string,
  ) {}

  /**
   * The real client: no network is used until the first message. Retries are ours (the
   * dispatcher's backoff), so the SDK's own auto-retry stays off; a hung request times out.
   */
  static fromCredentials(accountSid: string, authToken: string, from: string, options: { timeoutMs?: number } = {}): TwilioSmsChannel {
    return new TwilioSmsChannel(twilio(accountSid, authToken, { timeout: options.timeoutMs ?? 15_000, autoRetry: false }), from);
  }

  async deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    let sent: { sid: string };
    try {
      sent = await this.client.messages.create({ to: toE164(message.to), from: this.from, body: message.body });
    } catch (error) {
      throw classifyTwilioError(error);
    }
    return { providerMessageId: sent.sid };
  }
}

export function classifyTwilioError(error: unknown): DeliveryError {
  const rawStatus = field(error, 'status');
  const rawCode = field(error, 'code');
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  const twilioCode = typeof rawCode === 'number' ? rawCode : undefined;
  const code = rawCode === undefined || rawCode === null ? undefined : String(rawCode);
  const message = errorMessage(error);
  const details = { provider: 'twilio', ...(status !== undefined ? { status } : {}), ...(code !== undefined ? { code } : {}) };

  if (status === 429 || (status !== undefined && status >= 500)) return new DeliveryError('transient', message, details, { cause: error });
  const knownPermanent = twilioCode !== undefined && TWILIO_PERMANENT_CODES.has(twilioCode);
  if ((status !== undefined && status >= 400) || knownPermanent) {
    const misconfiguration = status === 401 || status === 403 || (twilioCode !== undefined && MISCONFIGURATION_CODES.has(twilioCode));
    return new DeliveryError('permanent', message, { ...details, misconfiguration }, { cause: error });
  }
  // No HTTP answer: the network (a listed Node error code) or something we do not know — both worth a retry.
  const network = code !== undefined && NETWORK_ERROR_CODES.has(code);
  return new DeliveryError('transient', network ? `network: ${message}` : message, details, { cause: error });
}
