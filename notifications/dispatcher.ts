/**
 * Delivers the outbox: picks due pending messages in the order they came due, hands each to the channel
 * of its kind (SMS or e-mail), and records the outcome:
 * - accepted by the provider → `sent`, with the provider's message id;
 * - a transient failure (or any unexpected error) → retried later with exponential backoff and
 *   jitter (base·2^(attempt−1), capped, at least what a 429's Retry-After asked for);
 * - a permanent failure (invalid number or address, rejected credentials), or the last of
 *   `maxAttempts` attempts failing → `parked`, and helpdesk gets a 'helpdesk-message-parked'
 *   e-mail (not for helpdesk alerts themselves: no loops). Helpdesk may `retryParked`.
 *
 * Delivery is at least once: a message is marked sent after the provider accepted it (with the
 * rest of its batch), so a crash (or a lost database write) between the two sends it once more
 * when its claim runs out. Two dispatchers never send the same attempt, because each claims its
 * batch (moving each message's next attempt time past the lease) with a compare-and-set per
 * message before delivering it. The sole dispatcher of an outbox (`sole`) does not claim: nobody
 * else delivers, and its own passes run one after another.
 */
import { Logger } from 'pino';
import { describeFailure, DeliveryError, isPermanentFailure, MessageChannel } from './channels';
import { Channel } from './outbox';
import { Delivery, DocumentOutbox, NotificationDoc, RequeueOutcome } from './outbox-store';

export interface DispatchCounts {
  sent: number;
  retried: number;
  parked: number;
}

export interface OutboxDispatcherOptions {
  /** NOTIFY_MAX_ATTEMPTS: delivery attempts before a message is parked. */
  maxAttempts: number;
  /** First retry delay (before jitter); doubles per attempt. Default 30 s. */
  baseDelayMs?: number;
  /** Longest retry delay. Default 1 h. */
  maxDelayMs?: number;
  /** Messages read per query. Default 50. */
  batchSize?: number;
  /** How long a claimed message stays away from other dispatchers (a crash mid-delivery). Default 5 min. */
  leaseMs?: number;
  /**
   * The only dispatcher of this outbox (the embedded store, which one process holds: see
   * app/data-lock.ts). Its batches are delivered without claiming them first: the claim was a
   * third of delivery's work, a write of every message, to keep away dispatchers that cannot
   * exist. A crash mid-delivery leaves the message due at once rather than after the lease.
   */
  sole?: boolean;
  /** Longest sleep of the timer loop, so messages enqueued by other processes are seen. Default 30 s. */
  idleMs?: number;
  /** In [0, 1): jitter source (tests fix it). */
  random?: () => number;
  clock?: () => Date;
  logger?: Logger;
}

export class OutboxDispatcher {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly idleMs: number;
  private readonly random: () => number;
  private readonly clock: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** The pass under way: passes run one after another (the timer's and direct calls). */
  private passes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly outbox: DocumentOutbox,
    private readonly channels: Readonly<Record<Channel, MessageChannel>>,
    private readonly options: OutboxDispatcherOptions,
  ) {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new Error('maxAttempts must be a whole number >= 1');
    this.baseDelayMs = options.baseDelayMs ?? 30_000;
    this.maxDelayMs = options.maxDelayMs ?? 3_600_000;
    this.batchSize = options.batchSize ?? 50;
    this.leaseMs = options.leaseMs ?? 300_000;
    this.idleMs = options.idleMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? (() => new Date());
    outbox.onEnqueued(() => this.wake());
  }

  /**
   * The delay before the next attempt after `failedAttempts` failures: base·2^(n−1) capped at
   * the maximum, with "equal jitter" (between half and all of it) so many messages failing
   * together do not retry together.
   */
  backoffMs(failedAttempts: number): number {
    const exponential = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
    return Math.round(exponential / 2 + this.random() * (exponential / 2));
  }

  /** Delivers every message due at `now` (including alerts raised meanwhile). */
  dispatchDue(now: Date = this.clock()): Promise<DispatchCounts> {
    const pass = this.passes.then(() => this.deliverDue(now));
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async deliverDue(now: Date): Promise<DispatchCounts> {
    const counts: DispatchCounts = { sent: 0, retried: 0, parked: 0 };
    // Each pass either finishes a message or moves it into the future, so this ends; the cap is a guard.
    for (let pass = 0; pass < 1000; pass++) {
      const batch = await this.outbox.due(now, this.batchSize);
      if (batch.length === 0) break;
      // One write claims the batch (unless sole) and one records what was sent: a write per
      // message each cost as much as the rest of a ticket's notifications did.
      const sent: Delivery[] = [];
      try {
        const taken = this.options.sole ? batch : await this.outbox.claim(batch, new Date(now.getTime() + this.leaseMs));
        for (const doc of taken) {
          const outcome = await this.attempt(doc, now);
          if (typeof outcome === 'string') counts[outcome]++;
          else sent.push(outcome);
        }
      } finally {
        // Also when an attempt failed unexpectedly: what the providers accepted is not sent again.
        await this.outbox.markSent(sent, now);
      }
      counts.sent += sent.length;
    }
    return counts;
  }

  /** Helpdesk: deliver a parked message again (optionally to a corrected address). */
  retryParked(id: string, options: { to?: string } = {}): Promise<RequeueOutcome> {
    return this.outbox.requeue(id, this.clock(), options);
  }

  /** Runs the timer loop: immediately, then when the next message is due or one is enqueued. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.plan(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One delivery attempt: what the provider accepted (recorded with the batch), or the message retried or parked. */
  private async attempt(doc: NotificationDoc, now: Date): Promise<Delivery | 'retried' | 'parked'> {
    const channel = this.channels[doc.channel];
    const attempt = doc.attempts + 1;
    let delivered: { providerMessageId: string };
    try {
      if (!channel) throw new DeliveryError('permanent', `no channel for ${doc.channel}`, { provider: 'none', misconfiguration: true });
      delivered = await channel.deliver({
        to: doc.to,
        ...(doc.subject !== null ? { subject: doc.subject } : {}),
        body: doc.body,
        context: { messageId: doc._id, template: doc.template, ticketId: doc.ticketId, visitId: doc.visitId, recipient: doc.recipient },
      });
    } catch (error) {
      const description = describeFailure(error);
      if (isPermanentFailure(error) || attempt >= this.options.maxAttempts) {
        const why = isPermanentFailure(error) ? description : `gave up after ${attempt} attempts; last: ${description}`;
        await this.outbox.park(doc._id, why, now);
        return 'parked';
      }
      const hinted = error instanceof DeliveryError ? (error.details.retryAfterMs ?? 0) : 0;
      const delay = Math.max(this.backoffMs(attempt), hinted);
      await this.outbox.scheduleRetry(doc._id, description, new Date(now.getTime() + delay));
      this.options.logger?.warn({ notification: doc._id, template: doc.template, attempt, retryInMs: delay, error: description }, 'message delivery failed; will retry');
      return 'retried';
    }
    this.options.logger?.debug({ notification: doc._id, template: doc.template, channel: doc.channel, provider: channel.name, attempt }, 'message sent');
    return { id: doc._id, provider: channel.name, providerMessageId: delivered.providerMessageId };
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.ticking) this.again = true;
    else this.plan(0);
  }

  private plan(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = (async () => {
      let delay = this.idleMs;
      try {
        this.again = false;
        await this.dispatchDue(this.clock());
        const next = await this.outbox.nextDue();
        if (next) delay = Math.min(this.idleMs, Math.max(0, next.getTime() - this.clock().getTime()));
      } catch (error) {
        this.options.logger?.error({ err: error }, 'outbox dispatch failed; trying again shortly');
        delay = 1000;
      } finally {
        this.ticking = undefined;
      }
      this.plan(this.again ? 0 : delay);
    })();
    await this.ticking;
  }
}
