/**
 * The development channel: when a provider's credentials are absent, messages are not sent. The
 * outbox message itself is the record: the dispatcher marks it sent by 'dev-outbox', and the
 * API/UI lists those messages, so they show what a customer, an expert or helpdesk would have
 * received (and developers can follow survey links). One record per message: a copy in a
 * collection of its own cost a document write, its id and three index keys per message (a
 * ticket sends about five), for nothing the message did not already hold.
 *
 * `chooseChannels` picks, per channel, the real provider when it is fully configured and the
 * development outbox otherwise, and says so loudly at start-up.
 */
import { Logger } from 'pino';
import { Config } from '../config/config';
import { IndexesOnFirstUse } from '../document-store/indexes-on-first-use';
import { DocumentStore, Filter, IndexSpec } from '../document-store/port';
import { DeliveryError, MessageChannel, OutgoingMessage } from './channels';
import { Channel, TemplateName } from './outbox';
import { NOTIFICATIONS, NotificationDoc } from './outbox-store';
import { SendGridEmailChannel, SendGridMailClient } from './sendgrid';
import { TwilioMessagesClient, TwilioSmsChannel } from './twilio';

export const DEV_OUTBOX_PROVIDER = 'dev-outbox';

/** A message the development outbox received, as the API shows it. */
export interface DevOutboxEntry {
  _id: string;
  channel: Channel;
  to: string;
  subject: string | null;
  body: string;
  template: TemplateName | null;
  /** The `notifications` message this records. */
  messageId: string | null;
  ticketId: string | null;
  visitId: string | null;
  recipient: { kind: 'customer' | 'expert' | 'helpdesk'; id: string } | null;
  /** When it was (last) delivered. */
  recordedAt: string;
}

export class DevOutboxChannel implements MessageChannel {
  readonly name = DEV_OUTBOX_PROVIDER;

  constructor(readonly channel: Channel) {}

  /**
   * Accepts an outbox message: the dispatcher's mark-sent records it. The id it returns is the
   * message's own, so a message delivered twice (at least once) is one record, with its latest
   * delivery time.
   */
  async deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    // Only outbox messages have a record to show; nothing else delivers through a channel.
    if (!message.context) throw new DeliveryError('permanent', 'the development outbox records outbox messages only', { provider: DEV_OUTBOX_PROVIDER });
    return { providerMessageId: `dev-${this.channel}:${message.context.messageId}` };
  }
}

/**
 * The listings' indexes: what a provider delivered, and what went to an address, latest first.
 * Made by the first listing, not at start-up: every message would pay for two more index keys
 * on every write, for a page that development set-ups open now and then.
 */
const LISTING_INDEXES: IndexSpec[] = [
  { keys: { provider: 1, sentAt: -1 }, name: 'by_provider' },
  { keys: { to: 1, sentAt: -1 }, name: 'by_to' },
];
const listingIndexes = new WeakMap<DocumentStore, IndexesOnFirstUse>();

/** The messages the development outbox received, for the API, latest delivery first. */
export async function listDevOutbox(
  documents: DocumentStore,
  options: { ticketId?: string; to?: string; channel?: Channel; limit?: number; skip?: number } = {},
): Promise<DevOutboxEntry[]> {
  const filter: Filter = { provider: DEV_OUTBOX_PROVIDER, sentAt: { $ne: null } };
  if (options.ticketId) filter.ticketId = options.ticketId;
  if (options.to) filter.to = options.to;
  if (options.channel) filter.channel = options.channel;
  let indexes = listingIndexes.get(documents);
  if (!indexes) listingIndexes.set(documents, (indexes = new IndexesOnFirstUse(documents, NOTIFICATIONS, LISTING_INDEXES)));
  await indexes.ensure();
  const sent = await documents.collection<NotificationDoc>(NOTIFICATIONS).find(filter, { sort: { sentAt: -1, _id: 1 }, limit: options.limit ?? 100, skip: options.skip ?? 0 });
  return sent.map((m) => ({
    _id: `${m.channel}:${m._id}`,
    channel: m.channel,
    to: m.to,
    subject: m.subject,
    body: m.body,
    template: m.template,
    messageId: m._id,
    ticketId: m.ticketId,
    visitId: m.visitId,
    recipient: m.recipient,
    recordedAt: m.sentAt!,
  }));
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
export function chooseChannels(config: ChannelConfig, logger: Logger, factories: ProviderFactories = {}): ChosenChannels {
  return { sms: chooseSms(config, logger, factories), email: chooseEmail(config, logger, factories) };
}

function chooseSms(config: ChannelConfig, logger: Logger, factories: ProviderFactories): MessageChannel {
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
  return new DevOutboxChannel('sms');
}

function chooseEmail(config: ChannelConfig, logger: Logger, factories: ProviderFactories): MessageChannel {
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
  return new DevOutboxChannel('email');
}

function missingNames(values: Record<string, string | undefined>): string[] {
  return Object.entries(values)
    .filter(([, v]) => !v)
    .map(([k]) => k);
}
