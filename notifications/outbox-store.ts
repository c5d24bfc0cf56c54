/**
 * The outbox kept as documents (collection `notifications`), one per message.
 *
 * - Deduplication: the `_id` is a hash of (causedBy, recipient, template) — the recipient being
 *   `recipient.kind:id` when given, else `channel:to` — so enqueueing the same message again (a
 *   replayed or re-delivered event) is a no-op, even if the customer's address or preferred
 *   channel changed in between.
 * - The message is rendered when enqueued: the stored subject/body is exactly what is sent and
 *   what the API shows. A message whose template cannot render (a missing parameter) is stored
 *   parked with the error, and helpdesk is alerted, rather than blocking the saga that sent it.
 * - Lifecycle: pending → sent, or pending → (retries) → parked; parked → pending again when
 *   helpdesk retries it (`requeue`).
 *
 * The survey e-mail's body holds its survey link: whoever reads this collection can read the
 * link of a survey not yet answered (the `survey_tokens` collection itself only holds hashes).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { Document, DocumentStore, DuplicateKey } from '../document-store/port';
import { Channel, MessageRequest, Outbox, TemplateName } from './outbox';
import { render, RenderedMessage, TemplateError } from './templates';

export const NOTIFICATIONS = 'notifications';
const RETIRED_DEV_OUTBOX = 'dev_outbox';

export type NotificationStatus = 'pending' | 'sent' | 'parked';

export type RequeueOutcome =
  | { requeued: true }
  | { requeued: false; reason: 'not-found' | 'not-parked' }
  | { requeued: false; reason: 'cannot-render'; error: string };

export interface NotificationDoc extends Document {
  _id: string;
  causedBy: string;
  channel: Channel;
  to: string;
  template: TemplateName;
  params: Record<string, string | number | null>;
  subject: string | null;
  body: string;
  status: NotificationStatus;
  /** Delivery attempts made (the successful one included). */
  attempts: number;
  /** When the dispatcher may try (again); null once sent or parked. */
  nextAttemptAt: string | null;
  createdAt: string;
  /** Creation order: createdAt plus an in-process counter (ties within a millisecond). */
  seq: string;
  sentAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  parkedAt: string | null;
  /** How many times the message was parked (a retried message may park again). */
  parkedCount: number;
  ticketId: string | null;
  visitId: string | null;
  recipient: { kind: 'customer' | 'expert' | 'helpdesk'; id: string } | null;
  /** The dispatcher claim that last took the message for an attempt (absent before the first). */
  claim?: string;
}

/** A message the provider accepted. */
export interface Delivery {
  id: string;
  provider: string;
  providerMessageId: string;
}

/** The outbox as ops see it. */
export interface OutboxBacklog {
  pending: number;
  parked: number;
  sent: number;
  /** How long the message waiting longest past its due time has waited (0: none is waiting). */
  oldestPendingAgeSeconds: number;
}

export interface DocumentOutboxOptions {
  /** Where alerts about parked messages go. */
  helpdeskEmail: string;
  /** Times in messages are shown in this IANA zone (SERVICE_TIME_ZONE); default UTC. */
  timeZone?: string;
  clock?: () => Date;
  logger?: Logger;
}

export interface ListOptions {
  limit?: number;
  skip?: number;
}

/** Deterministic message id: the deduplication key. */
export function notificationId(message: Pick<MessageRequest, 'causedBy' | 'channel' | 'to' | 'template' | 'recipient'>): string {
  const who = message.recipient ? `${message.recipient.kind}:${message.recipient.id}` : `${message.channel}:${message.to}`;
  return createHash('sha1').update(`${message.causedBy}\u0000${who}\u0000${message.template}`).digest('hex');
}

/** Alerts go to helpdesk; an undeliverable alert is only logged (no alert about an alert). */
export function isHelpdeskAlert(doc: Pick<NotificationDoc, 'template' | 'recipient'>): boolean {
  return doc.recipient?.kind === 'helpdesk' || doc.template.startsWith('helpdesk-');
}

let sequence = 0;

export class DocumentOutbox implements Outbox {
  private readonly clock: () => Date;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly documents: DocumentStore,
    private readonly options: DocumentOutboxOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  private get collection() {
    return this.documents.collection<NotificationDoc>(NOTIFICATIONS);
  }

  async ensureIndexes(): Promise<void> {
    // The development outbox kept a copy of every message here until the message itself became
    // the record (dev-outbox.ts): nothing reads it any more.
    if ((await this.documents.listCollections()).includes(RETIRED_DEV_OUTBOX)) await this.documents.dropCollection(RETIRED_DEV_OUTBOX);
    // Messages waiting (pending, parked) only: sent ones, nearly all of them and more with every
    // ticket, were in the `due` index before, as memory and index writes nobody read.
    await this.collection.dropIndex('due');
    await this.collection.createIndex({ keys: { status: 1, nextAttemptAt: 1 }, name: 'waiting', partialFilterExpression: { status: { $in: ['pending', 'parked'] } } });
    await this.collection.createIndex({ keys: { ticketId: 1, seq: 1 }, name: 'by_ticket' });
    await this.collection.createIndex({ keys: { seq: -1 }, name: 'recent' });
  }

  /** In-process wake-up for the dispatcher. */
  onEnqueued(listener: () => void): void {
    this.listeners.push(listener);
  }

  enqueue(message: MessageRequest): Promise<boolean> {
    return this.enqueueAt(message, this.clock());
  }

  /** `enqueue` at a given time (the dispatcher's, for the alerts it raises). */
  async enqueueAt(message: MessageRequest, now: Date): Promise<boolean> {
    const { doc, problem } = this.compose(message, now);
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if (error instanceof DuplicateKey) return false;
      throw error;
    }
    await this.enqueued([{ doc, problem }], now);
    return true;
  }

  /**
   * Several messages at once (an event that tells five experts): one write for all of them
   * instead of one each. Messages already enqueued are left as they are; answers how many
   * were new.
   */
  async enqueueAll(messages: readonly MessageRequest[]): Promise<number> {
    const now = this.clock();
    const composed = messages.map((m) => this.compose(m, now));
    // Ids already stored, then each new id once (the same message twice in the list is one message).
    const seen = new Set((await this.collection.find({ _id: { $in: composed.map((c) => c.doc._id) } }, { projection: { _id: 1 } })).map((d) => d._id));
    const fresh = composed.filter(({ doc }) => !seen.has(doc._id) && seen.add(doc._id));
    if (fresh.length === 0) return 0;
    try {
      await this.collection.bulkWrite(fresh.map(({ doc }) => ({ insertOne: { document: doc } })));
    } catch (error) {
      if (!(error instanceof DuplicateKey)) throw error;
      // Enqueued meanwhile by someone else: one at a time, each as enqueue does.
      let added = 0;
      for (const message of messages) if (await this.enqueueAt(message, now)) added++;
      return added;
    }
    await this.enqueued(fresh, now);
    return fresh.length;
  }

  /** The document of a new message: rendered and pending, or parked with why it cannot be sent. */
  private compose(message: MessageRequest, now: Date): { doc: NotificationDoc; problem: string | null } {
    const to = message.to.trim();
    let problem: string | null = null;
    let rendered: RenderedMessage | null = null;
    if (!to) problem = `no ${message.channel === 'sms' ? 'phone number' : 'e-mail address'} to send to`;
    else {
      try {
        rendered = render(message.template, message.params, message.channel, this.renderOptions());
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        problem = `template: ${error.message}`;
      }
    }
    const at = now.toISOString();
    // One literal: spreading a base object and adding fields cost 15 µs a message (Node 20).
    const doc: NotificationDoc = {
      _id: notificationId(message),
      causedBy: message.causedBy,
      channel: message.channel,
      to,
      template: message.template,
      params: { ...message.params },
      attempts: 0,
      createdAt: at,
      seq: `${at}#${String(++sequence).padStart(10, '0')}`,
      sentAt: null,
      provider: null,
      providerMessageId: null,
      parkedCount: rendered ? 0 : 1,
      ticketId: message.ticketId ?? null,
      visitId: message.visitId ?? null,
      recipient: message.recipient ?? null,
      subject: rendered?.subject ?? null,
      body: rendered?.body ?? '',
      status: rendered ? 'pending' : 'parked',
      nextAttemptAt: rendered ? at : null,
      lastError: rendered ? null : problem,
      parkedAt: rendered ? null : at,
    };
    return { doc, problem };
  }

  /** After new messages are stored: alerts for those that cannot be sent, a wake-up for the rest. */
  private async enqueued(added: readonly { doc: NotificationDoc; problem: string | null }[], now: Date): Promise<void> {
    let deliverable = false;
    for (const { doc, problem } of added) {
      if (problem === null) {
        deliverable = true;
        continue;
      }
      this.options.logger?.error({ notification: doc._id, template: doc.template, causedBy: doc.causedBy, problem }, 'message cannot be sent; parked');
      await this.alert(doc, now);
    }
    if (deliverable) for (const wake of this.listeners) wake();
  }

  get(id: string): Promise<NotificationDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Every message about a ticket, oldest first. */
  listByTicket(ticketId: string, options: ListOptions = {}): Promise<NotificationDoc[]> {
    return this.collection.find({ ticketId }, { sort: { seq: 1 }, limit: options.limit ?? 200, skip: options.skip ?? 0 });
  }

  /** Messages waiting for helpdesk, most recently parked first. */
  listParked(options: ListOptions = {}): Promise<NotificationDoc[]> {
    return this.collection.find({ status: 'parked' }, { sort: { parkedAt: -1, seq: -1 }, limit: options.limit ?? 100, skip: options.skip ?? 0 });
  }

  /** Latest messages first, optionally of one status. */
  listRecent(options: ListOptions & { status?: NotificationStatus } = {}): Promise<NotificationDoc[]> {
    const filter = options.status ? { status: options.status } : {};
    return this.collection.find(filter, { sort: { seq: -1 }, limit: options.limit ?? 100, skip: options.skip ?? 0 });
  }

  countByStatus(status: NotificationStatus): Promise<number> {
    return this.collection.count({ status });
  }

  /**
   * Counts by status, and the due message that waited longest: a pending message is due from its
   * next attempt time until the dispatcher claims it (which moves that time past its lease) or,
   * when the dispatcher is the sole one and does not claim, until it is sent; so its wait says
   * how far behind delivery is. The `waiting` index answers for pending and parked
   * messages; sent ones are all the others.
   */
  async backlog(now: Date): Promise<OutboxBacklog> {
    const [pending, parked, all, [longestWaiting]] = await Promise.all([
      this.countByStatus('pending'),
      this.countByStatus('parked'),
      this.collection.count(),
      this.collection.find(
        { status: 'pending', nextAttemptAt: { $lte: now.toISOString() } },
        { sort: { nextAttemptAt: 1 }, limit: 1, projection: { nextAttemptAt: 1 } },
      ),
    ]);
    const dueSince = longestWaiting?.nextAttemptAt ? Date.parse(longestWaiting.nextAttemptAt) : now.getTime();
    return { pending, parked, sent: all - pending - parked, oldestPendingAgeSeconds: Math.max(0, (now.getTime() - dueSince) / 1000) };
  }

  /**
   * Pending messages whose time has come, in the order they came due: creation order for fresh
   * ones, which are due when enqueued. That is the `waiting` index's own order, so a batch reads
   * `limit` messages. Sorted by creation, it read every due message to find the first few:
   * under load the backlog the dispatcher had not reached yet, on every batch.
   */
  due(now: Date, limit: number): Promise<readonly Readonly<NotificationDoc>[]> {
    // Read only: delivery reads a message and records the outcome with writes of its own.
    return this.collection.findReadOnly({ status: 'pending', nextAttemptAt: { $lte: now.toISOString() } }, { sort: { nextAttemptAt: 1 }, limit });
  }

  /** When the earliest pending message becomes due (null: nothing pending). */
  async nextDue(): Promise<Date | null> {
    const [first] = await this.collection.find({ status: 'pending' }, { sort: { nextAttemptAt: 1 }, limit: 1 });
    return first?.nextAttemptAt ? new Date(first.nextAttemptAt) : null;
  }

  /**
   * Takes due messages for one delivery attempt each, in one write: moves each one's next
   * attempt to `leaseUntil`, only if nobody else did since it was read, and answers those this
   * dispatcher got. Another dispatcher (a second worker process) then skips them; if this one
   * crashes mid-attempt, they are due again when the lease ends. The claim's token tells this
   * dispatcher's claims from another's with the same lease time.
   */
  async claim(docs: readonly NotificationDoc[], leaseUntil: Date): Promise<NotificationDoc[]> {
    if (docs.length === 0) return [];
    const claim = randomUUID();
    const nextAttemptAt = leaseUntil.toISOString();
    const r = await this.collection.bulkWrite(
      docs.map((doc) => ({
        updateOne: { filter: { _id: doc._id, status: 'pending', attempts: doc.attempts, nextAttemptAt: doc.nextAttemptAt }, update: { $set: { nextAttemptAt, claim } } },
      })),
    );
    if (r.modifiedCount === docs.length) return [...docs];
    const mine = new Set((await this.collection.find({ _id: { $in: docs.map((d) => d._id) }, claim }, { projection: { _id: 1 } })).map((d) => d._id));
    return docs.filter((doc) => mine.has(doc._id));
  }

  /** Messages the providers accepted, in one write (a batch's deliveries). */
  async markSent(deliveries: readonly Delivery[], now: Date): Promise<void> {
    if (deliveries.length === 0) return;
    const sentAt = now.toISOString();
    await this.collection.bulkWrite(
      deliveries.map(({ id, provider, providerMessageId }) => ({
        updateOne: { filter: { _id: id, status: 'pending' }, update: { $set: { status: 'sent', sentAt, nextAttemptAt: null, provider, providerMessageId }, $inc: { attempts: 1 } } },
      })),
    );
  }

  async scheduleRetry(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, status: 'pending' }, { $set: { lastError: error, nextAttemptAt: nextAttemptAt.toISOString() }, $inc: { attempts: 1 } });
  }

  /** Parks a pending message after a failed attempt and alerts helpdesk (unless it is an alert itself). */
  async park(id: string, error: string, now: Date): Promise<void> {
    const r = await this.collection.updateOne(
      { _id: id, status: 'pending' },
      { $set: { status: 'parked', lastError: error, nextAttemptAt: null, parkedAt: now.toISOString() }, $inc: { attempts: 1, parkedCount: 1 } },
    );
    if (r.modifiedCount === 0) return;
    const doc = await this.get(id);
    if (doc) await this.alert(doc, now);
  }

  /**
   * Helpdesk retries a parked message, optionally to a corrected address: it is rendered again
   * (a template fixed since, or a message that could not render) and delivered with a fresh set
   * of attempts. Says why not when the message is unknown, not parked, or still cannot render.
   */
  async requeue(id: string, now: Date, options: { to?: string } = {}): Promise<RequeueOutcome> {
    const doc = await this.get(id);
    if (!doc) return { requeued: false, reason: 'not-found' };
    if (doc.status !== 'parked') return { requeued: false, reason: 'not-parked' };
    const to = options.to?.trim() || doc.to;
    let rendered: RenderedMessage;
    try {
      rendered = render(doc.template, doc.params, doc.channel, this.renderOptions());
    } catch (error) {
      if (error instanceof TemplateError) {
        await this.collection.updateOne({ _id: id }, { $set: { lastError: `template: ${error.message}` } });
        return { requeued: false, reason: 'cannot-render', error: error.message };
      }
      throw error;
    }
    const r = await this.collection.updateOne(
      { _id: id, status: 'parked' },
      { $set: { status: 'pending', to, subject: rendered.subject ?? null, body: rendered.body, attempts: 0, nextAttemptAt: now.toISOString(), parkedAt: null } },
    );
    // Another helpdesk user retried it first.
    if (r.modifiedCount === 0) return { requeued: false, reason: 'not-parked' };
    for (const wake of this.listeners) wake();
    return { requeued: true };
  }

  private renderOptions(): { timeZone?: string } {
    return this.options.timeZone ? { timeZone: this.options.timeZone } : {};
  }

  private async alert(doc: NotificationDoc, now: Date): Promise<void> {
    if (isHelpdeskAlert(doc)) {
      this.options.logger?.error({ notification: doc._id, template: doc.template, to: doc.to, error: doc.lastError }, 'helpdesk alert could not be delivered; parked');
      return;
    }
    this.options.logger?.warn({ notification: doc._id, template: doc.template, error: doc.lastError, attempts: doc.attempts }, 'message parked; helpdesk alerted');
    await this.enqueueAt({
      causedBy: `parked:${doc._id}:${doc.parkedCount}`,
      channel: 'email',
      to: this.options.helpdeskEmail,
      template: 'helpdesk-message-parked',
      params: { messageId: doc._id, template: doc.template, channel: doc.channel, to: doc.to || '(none)', error: doc.lastError ?? 'unknown', ticketId: doc.ticketId, attempts: doc.attempts },
      ...(doc.ticketId ? { ticketId: doc.ticketId } : {}),
      ...(doc.visitId ? { visitId: doc.visitId } : {}),
      recipient: { kind: 'helpdesk', id: 'helpdesk' },
    }, now);
  }
}
