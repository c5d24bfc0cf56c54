/**
 * The development channel: when a provider's credentials are absent, messages are not sent but
 * recorded in the document store collection `dev_outbox`, so the API/UI can show what a customer,
 * an expert or helpdesk would have received (and developers can follow survey links).
 *
 * `chooseChannels` picks, per channel, the real provider when it is fully configured and the
 * development outbox otherwise, and says so loudly at start-up.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { Config } from '../config/config';
import { IndexesOnFirstUse } from '../document-store/indexes-on-first-use';
import { Document, DocumentStore, IndexSpec } from '../document-store/port';
import { MessageChannel, OutgoingMessage } from './channels';
import { Channel, TemplateName } from './outbox';
import { SendGridEmailChannel, SendGridMailClient } from './sendgrid';
import { TwilioMessagesClient, TwilioSmsChannel } from './twilio';

export const DEV_OUTBOX = 'dev_outbox';

export interface DevOutboxEntry extends Document {
  _id: string;
  channel: Channel;
  to: string;
  subject: string | null;
  body: string;
  template: TemplateName | null;
  /** The `notifications` message this records (null when delivered without context). */
  messageId: string | null;
  ticketId: string | null;
  visitId: string | null;
  recipient: { kind: 'customer' | 'expert' | 'helpdesk'; id: string } | null;
  recordedAt: string;
}

/** The listing's: newest first, of a ticket or a recipient. */
const DEV_OUTBOX_INDEXES: IndexSpec[] = [
  { keys: { recordedAt: -1 }, name: 'recent' },
  { keys: { ticketId: 1, recordedAt: -1 }, name: 'by_ticket' },
  { keys: { to: 1, recordedAt: -1 }, name: 'by_to' },
];

export class DevOutboxChannel implements MessageChannel {
  readonly name = 'dev-outbox';
  private readonly indexes: IndexesOnFirstUse;

  constructor(
    private readonly documents: DocumentStore,
    readonly channel: Channel,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.indexes = new IndexesOnFirstUse(documents, DEV_OUTBOX, DEV_OUTBOX_INDEXES);
  }

  /**
   * Records the message. Keyed by the outbox message id when known, so a message delivered twice
   * (at-least-once) is recorded once, with its latest delivery time.
   */
  async deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    const context = message.context;
    const id = context ? `${this.channel}:${context.messageId}` : `${this.channel}:${randomUUID()}`;
    const entry: DevOutboxEntry = {
      _id: id,
      channel: this.channel,
      to: message.to,
      subject: message.subject ?? null,
      body: message.body,
      template: context?.template ?? null,
      messageId: context?.messageId ?? null,
      ticketId: context?.ticketId ?? null,
      visitId: context?.visitId ?? null,
      recipient: context?.recipient ?? null,
      recordedAt: this.clock().toISOString(),
    };
    await this.indexes.ensure();
    await this.documents.collection<DevOutboxEntry>(DEV_OUTBOX).replaceOne({ _id: id }, entry, { upsert: true });
    return { providerMessageId: `dev-${id}` };
  }
}

/** The recorded messages for the API, newest first. */
export function listDevOutbox(
  documents: DocumentStore,
  options: { ticketId?: string; to?: string; channel?: Channel; limit?: number; skip?: number } = {},
): Promise<DevOutboxEntry[]> {
  const filter: Record<string, unknown> = {};
  if (options.ticketId) filter.ticketId = options.ticketId;
  if (options.to) filter.to = options.to;
  if (options.channel) filter.channel = options.channel;
  return documents.collection<DevOutboxEntry>(DEV_OUTBOX).find(filter, { sort: { recordedAt: -1, _id: 1 }, limit: options.limit ?? 100, skip: options.skip ?? 0 });
}

export type ChannelConfig = Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_FROM' | 'SENDGRID_API_KEY' | 'SENDGRID_FROM'>;

export interface ChosenChannels {
  sms: MessageChannel;
  email: MessageChannel;
}

/** Builders of the real provider clients; tests replace them. */
export interface ProviderFactories {
  twilio?(accountSid: string, authToken: string): TwilioMessagesClient;
  sendgrid?(apiKey: string): SendGridMailClient;
}

/** The channels whose messages go to the development outbox under this configuration (see chooseChannels). */
export function recordedChannels(config: ChannelConfig): Channel[] {
  const sms = config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM;
  const email = config.SENDGRID_API_KEY && config.SENDGRID_FROM;
  return [...(sms ? [] : ['sms' as const]), ...(email ? [] : ['email' as const])];
}

/**
 * Real Twilio only when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are all set; real
 * SendGrid only when SENDGRID_API_KEY and SENDGRID_FROM are set. Otherwise the development
 * outbox: a notice when none of a provider's variables is set (a development set-up, which the
 * start-up banner shows too), a warning naming what is missing when only some are (a mistake).
 */
export function chooseChannels(config: ChannelConfig, documents: DocumentStore, logger: Logger, factories: ProviderFactories = {}): ChosenChannels {
  return { sms: chooseSms(config, documents, logger, factories), email: chooseEmail(config, documents, logger, factories) };
}

function chooseSms(config: ChannelConfig, documents: DocumentStore, logger: Logger, factories: ProviderFactories): MessageChannel {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from } = config;
  if (sid && token && from) {
    logger.info({ channel: 'sms', provider: 'twilio', from }, 'SMS: sent through Twilio');
    return factories.twilio ? new TwilioSmsChannel(factories.twilio(sid, token), from) : TwilioSmsChannel.fromCredentials(sid, token, from);
  }
  const missing = missingNames({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from });
  logger[missing.length === 3 ? 'info' : 'warn'](
    { channel: 'sms', provider: 'dev-outbox', missing },
    'SMS: development outbox (TWILIO_* not set) — messages are recorded, not sent, see /notifications/dev-outbox',
  );
  return new DevOutboxChannel(documents, 'sms');
}

function chooseEmail(config: ChannelConfig, documents: DocumentStore, logger: Logger, factories: ProviderFactories): MessageChannel {
  const { SENDGRID_API_KEY: key, SENDGRID_FROM: from } = config;
  if (key && from) {
    logger.info({ channel: 'email', provider: 'sendgrid', from }, 'E-mail: sent through SendGrid');
    return factories.sendgrid ? new SendGridEmailChannel(factories.sendgrid(key), from) : SendGridEmailChannel.fromApiKey(key, from);
  }
  const missing = missingNames({ SENDGRID_API_KEY: key, SENDGRID_FROM: from });
  logger[missing.length === 2 ? 'info' : 'warn'](
    { channel: 'email', provider: 'dev-outbox', missing },
    'E-mail: development outbox (SENDGRID_* not set) — messages are recorded, not sent, see /notifications/dev-outbox',
  );
  return new DevOutboxChannel(documents, 'email');
}

function missingNames(values: Record<string, string | undefined>): string[] {
  return Object.entries(values)
    .filter(([, v]) => !v)
    .map(([k]) => k);
}
