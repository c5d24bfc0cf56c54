import { Logger } from 'pino';
import { DocumentStore } from '../document-store/port';
import { Divergence, StoreContinuity, StoreDiverged, StoreMark } from '../event-store/continuity';
import { EventStore, Position, RecordedEvent } from '../event-store/port';
import { PositionWaiters } from '../event-store/position-waiters';
import { applyBatch, applyPage } from './apply';
import { Projection } from './projection';
import { ProjectionRegistry, Target } from './registry';

export type RunnerState = 'starting' | 'catching-up' | 'live' | 'retrying' | 'stopped' | 'done';

export interface RunnerStatus {
  name: string;
  version: number;
  suffix: string;
  state: RunnerState;
  /** Last event position applied. */
  position: Position;
  eventsPerSecond: number;
  lastError?: { eventId: string; position: Position; type: string; message: string; attempts: number; at: string };
  /** Why the runner stopped: its checkpoint does not fit the event store (state 'stopped'). */
  divergence?: Divergence;
}

/** What the operator is told when a read model's checkpoint does not fit the event store. */
export const READ_MODEL_DIVERGENCE_REMEDY =
  'Stop the server and rebuild the read models from the event store as it is: `npm run replay -- --all` (see the README, "When the event store lost events")';

export interface RunnerOptions {
  batchSize?: number;
  /** Stop after applying this position (audits: the read model as it was then). */
  until?: Position;
  /** Stop once the head seen at start (or `until`) is reached, instead of staying live. */
  stopWhenCaughtUp?: boolean;
  logger?: Logger;
  /** Progress after each batch (replay's progress bar). */
  onProgress?: (position: Position, applied: number) => void;
  maxRetryDelayMs?: number;
  /**
   * Give up on an event the handler keeps failing on after this many attempts: the runner
   * stops and `start()` rejects with a ProjectionFailed. Rebuilds set it; live runners keep
   * retrying (default: no limit), showing the failure in `status()`.
   */
  maxAttempts?: number;
  /**
   * While it runs, how often the runner checks its checkpoint against the event store again
   * (default 10 s); it always does when it starts and when it re-reads its checkpoint.
   */
  continuityCheckMs?: number;
}

/** A projection handler failed on an event `maxAttempts` times in a row: the runner stopped. */
export class ProjectionFailed extends Error {
  override readonly name = 'ProjectionFailed';
  constructor(
    readonly projection: string,
    readonly suffix: string,
    readonly event: { id: string; position: Position; type: string; stream: string },
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} (${suffix}) failed on event at position ${event.position} ` +
        `(type ${event.type}, stream ${event.stream}, id ${event.id}) after ${attempts} attempt(s): ` +
        (cause instanceof Error ? cause.message : String(cause)),
    );
  }
}

const IDLE = Symbol('idle');

/** Batches under way at once during catch-up on an atomic store: one committing, one being applied. */
const PIPELINE_DEPTH = 2;

/**
 * Feeds one projection target from the event store: subscribes after its checkpoint, applies
 * events in batches (a batch grows while events arrive without waiting, so catch-up writes
 * big batches and live events go out at once), and moves the checkpoint with each batch.
 *
 * A failing batch is re-applied one event at a time, so the events before the bad one land and
 * the bad one is identified; it is then retried with backoff, logged and shown in `status()`,
 * while other projections (other runners) carry on; with `maxAttempts`, the runner gives up
 * after that many attempts and `start()` rejects with a ProjectionFailed.
 *
 * During catch-up on an atomic store, the next batch is applied while the previous one is
 * being committed (the embedded store commits big batches on a writer thread), each batch on
 * top of the one before and committed only if that one was.
 */
export class ProjectionRunner {
  private state: RunnerState = 'starting';
  private position: Position = 0;
  private lastError: RunnerStatus['lastError'];
  private stopped = false;
  private subscription: { stop(): Promise<void> } | undefined;
  private readonly waiters = new PositionWaiters();
  private caughtUpListeners: (() => void)[] = [];
  private rate = { windowStart: Date.now(), count: 0, perSecond: 0 };
  private done: Promise<void> | undefined;
  private storeId: string | undefined;
  private divergence: Divergence | undefined;
  private halted: StoreDiverged | undefined;
  private continuityTimer: NodeJS.Timeout | undefined;
  private rechecking = false;

  constructor(
    private readonly eventStore: EventStore,
    private readonly documents: DocumentStore,
    private readonly projection: Projection,
    readonly target: Target,
    private readonly options: RunnerOptions = {},
  ) {}

  /** Starts processing; the returned promise settles when the runner stops. */
  start(): Promise<void> {
    this.done ??= this.run().finally(() => clearInterval(this.continuityTimer));
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
    await this.done?.catch(() => undefined);
    this.state = this.state === 'done' ? 'done' : 'stopped';
  }

  status(): RunnerStatus {
    return {
      name: this.projection.name,
      version: this.target.version,
      suffix: this.target.suffix,
      state: this.state,
      position: this.position,
      eventsPerSecond: this.rate.perSecond,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.divergence ? { divergence: this.divergence } : {}),
    };
  }

  get checkpoint(): Position {
    return this.position;
  }

  /** Resolves true once everything up to `position` is applied; false after `timeoutMs`. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(this.position, position, timeoutMs);
  }

  /** Called once, the first time the runner has applied everything up to the head. */
  onCaughtUp(listener: () => void): void {
    this.caughtUpListeners.push(listener);
  }

  private async run(): Promise<void> {
    const registry = new ProjectionRegistry(this.documents);
    const checkpoint = await registry.checkpoint(this.target);
    if (!checkpoint) throw new Error(`no checkpoint for ${this.target.name}@${this.target.suffix}`);
    this.position = checkpoint.position;
    this.storeId = await this.eventStore.storeId();
    await this.assertContinuity(checkpoint);
    this.continuityTimer = setInterval(() => void this.recheckContinuity(), this.options.continuityCheckMs ?? 10_000);
    this.continuityTimer.unref();
    const { until } = this.options;
    const head = await this.eventStore.headPosition();
    const goal = until === undefined ? head : Math.min(head, until);
    this.state = this.position >= goal ? 'live' : 'catching-up';
    if (this.position >= goal) this.caughtUp();
    if (this.options.stopWhenCaughtUp && this.position >= goal) return this.finish();
    const batchSize = this.options.batchSize ?? 500;

    // Catch up with plain page reads (no per-event async hand-off), then go live.
    await this.catchUp(goal, batchSize);
    if (this.halted) throw this.halted;
    if (this.stopped) return;
    if (this.options.stopWhenCaughtUp && this.position >= goal) return this.finish();
    await this.goLiveIfCaughtUp();

    const subscription = this.eventStore.subscribeToAll({ fromPosition: this.position });
    this.subscription = subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;

    try {
      while (!this.stopped) {
        const first = await (pending ?? iterator.next());
        pending = undefined;
        if (first.done) break;
        const batch = [first.value];
        // Keep filling while events are already there (this turn of the event loop); stop at the first wait.
        const idle = nextTurn();
        while (batch.length < batchSize) {
          pending = iterator.next();
          const next = await Promise.race([pending, idle]);
          if (next === IDLE) break;
          pending = undefined;
          if (next.done) break;
          batch.push(next.value);
        }
        const beyond = until !== undefined ? batch.findIndex((e) => e.position > until) : -1;
        const events = beyond >= 0 ? batch.slice(0, beyond) : batch;
        if (events.length > 0) await this.applyWithRecovery(events);
        if (this.stopped) break;
        if (beyond >= 0 || (this.options.stopWhenCaughtUp && this.position >= goal)) break;
        await this.goLiveIfCaughtUp();
      }
    } finally {
      await subscription.stop();
    }
    if (this.halted) throw this.halted;
    if (!this.stopped) this.finish();
  }

  /** Stops the runner (and throws) when its checkpoint does not fit the event store. */
  private async assertContinuity(mark: StoreMark): Promise<void> {
    const divergence = await new StoreContinuity(this.eventStore).check(mark);
    if (divergence) throw this.halt(divergence);
  }

  /** While running: the store may be replaced or restored under a process that does not own it (EventStoreDB). */
  private async recheckContinuity(): Promise<void> {
    if (this.stopped || this.rechecking) return;
    this.rechecking = true;
    try {
      const checkpoint = await new ProjectionRegistry(this.documents).checkpoint(this.target);
      const divergence = checkpoint && (await new StoreContinuity(this.eventStore).check(checkpoint));
      if (divergence && !this.stopped) this.halt(divergence);
    } catch {
      // A store unreachable for a moment: the next check.
    } finally {
      this.rechecking = false;
    }
  }

  private halt(divergence: Divergence): StoreDiverged {
    this.divergence = divergence;
    this.state = 'stopped';
    this.stopped = true;
    this.halted = new StoreDiverged(`read model ${this.projection.name} (${this.target.suffix})`, divergence, READ_MODEL_DIVERGENCE_REMEDY);
    this.options.logger?.error({ projection: this.projection.name, suffix: this.target.suffix, divergence }, this.halted.message);
    void this.subscription?.stop();
    return this.halted;
  }

  private async goLiveIfCaughtUp(): Promise<void> {
    if (this.state === 'catching-up' && this.position >= (await this.eventStore.headPosition())) {
      this.state = 'live';
      this.caughtUp();
    }
  }

  private finish(): void {
    this.state = 'done';
    this.caughtUp();
  }

  private caughtUp(): void {
    const listeners = this.caughtUpListeners;
    this.caughtUpListeners = [];
    for (const listener of listeners) listener();
  }

  /**
   * Applies everything up to `goal`. On an atomic store two batches are under way at once: one
   * being committed, the next being applied on top of it (see `applyBatch`'s `expectFrom`).
   * Each batch reads its page inside its transaction, once the batch before has been applied,
   * so only one page of events is in memory at a time: a rebuild is bound by memory traffic.
   */
  private async catchUp(goal: Position, batchSize: number): Promise<void> {
    if (!this.documents.atomic) {
      while (!this.stopped && this.position < goal) {
        const events = await this.readPage(this.position, goal, batchSize);
        if (events.length === 0) return;
        await this.applyWithRecovery(events);
      }
      return;
    }
    let readFrom = this.position;
    let exhausted = readFrom >= goal;
    const underWay: { last?: Position; result: Promise<{ applied: number; last?: Position }> }[] = [];
    const startBatch = () => {
      const batch: (typeof underWay)[number] = { result: Promise.resolve({ applied: 0 }) };
      batch.result = applyPage(this.documents, this.projection, this.target, async () => {
        if (exhausted || this.stopped) return { events: [] };
        const from = readFrom;
        const events = await this.readPage(from, goal, batchSize);
        if (events.length === 0) exhausted = true;
        else {
          readFrom = batch.last = events[events.length - 1]!.position;
          if (readFrom >= goal) exhausted = true;
        }
        return { events, expectFrom: from, ...(this.storeId !== undefined ? { storeId: this.storeId } : {}) };
      });
      batch.result.catch(() => undefined); // awaited below, in order
      return batch;
    };
    while (!this.stopped) {
      if (!exhausted && underWay.length < PIPELINE_DEPTH) {
        underWay.push(startBatch());
        continue;
      }
      const oldest = underWay.shift();
      if (!oldest) break;
      try {
        const { applied, last } = await oldest.result;
        if (last !== undefined) this.advance(last, applied);
      } catch {
        // The batches after it were applied on top of it: none of them is committed either.
        await Promise.allSettled(underWay.map((batch) => batch.result));
        underWay.length = 0;
        const checkpoint = await new ProjectionRegistry(this.documents).checkpoint(this.target);
        if (checkpoint) {
          this.position = checkpoint.position;
          await this.assertContinuity(checkpoint);
        }
        // Its events again, one at a time: the ones before the bad one land, the bad one is named.
        for (const event of await this.readPage(this.position, oldest.last ?? goal, batchSize)) {
          if (this.stopped) return;
          await this.applyOneUntilItWorks(event);
        }
        readFrom = this.position;
        exhausted = readFrom >= goal;
      }
    }
    // Stopped: what is under way still lands (or not); keep the position in step with it.
    for (const batch of underWay) {
      try {
        const { applied, last } = await batch.result;
        if (last !== undefined) this.advance(last, applied);
      } catch {
        break;
      }
    }
  }

  private async readPage(from: Position, until: Position, batchSize: number): Promise<RecordedEvent[]> {
    const page = await this.eventStore.readAll({ fromPosition: from, maxCount: batchSize });
    return page.filter((e) => e.position <= until);
  }

  private async applyWithRecovery(events: RecordedEvent[]): Promise<void> {
    try {
      const { applied } = await applyBatch(this.documents, this.projection, this.target, events, this.applyOptions());
      this.advance(events[events.length - 1]!.position, applied);
    } catch {
      for (const event of events) {
        if (this.stopped) return;
        await this.applyOneUntilItWorks(event);
      }
    }
  }

  private async applyOneUntilItWorks(event: RecordedEvent): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const { applied } = await applyBatch(this.documents, this.projection, this.target, [event], this.applyOptions());
        this.advance(event.position, applied);
        if (this.state === 'retrying') this.state = 'catching-up';
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.state = 'retrying';
        this.lastError = { eventId: event.id, position: event.position, type: event.type, message, attempts: attempt, at: new Date().toISOString() };
        const giveUp = this.options.maxAttempts !== undefined && attempt >= this.options.maxAttempts;
        this.options.logger?.error(
          { projection: this.projection.name, suffix: this.target.suffix, event: { id: event.id, type: event.type, position: event.position, stream: event.stream }, attempt, err: error },
          giveUp ? 'projection handler failed; giving up' : 'projection handler failed; retrying',
        );
        if (giveUp) {
          this.state = 'stopped';
          throw new ProjectionFailed(this.projection.name, this.target.suffix, { id: event.id, position: event.position, type: event.type, stream: event.stream }, attempt, error);
        }
        const delay = Math.min(this.options.maxRetryDelayMs ?? 30_000, 50 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private applyOptions(): { storeId?: string } {
    return this.storeId !== undefined ? { storeId: this.storeId } : {};
  }

  private advance(position: Position, applied: number): void {
    this.position = position;
    this.lastError = undefined;
    const now = Date.now();
    this.rate.count += applied;
    if (now - this.rate.windowStart >= 1000) {
      this.rate.perSecond = Math.round((this.rate.count * 1000) / (now - this.rate.windowStart));
      this.rate = { windowStart: now, count: 0, perSecond: this.rate.perSecond };
    }
    this.options.onProgress?.(position, applied);
    this.waiters.release(position);
  }
}

function nextTurn(): Promise<typeof IDLE> {
  return new Promise((resolve) => setImmediate(() => resolve(IDLE)));
}
