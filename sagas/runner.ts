import { DomainError } from '../domain/decider';
import { Position, RecordedEvent } from '../event-store/port';
import { PositionWaiters } from '../event-store/position-waiters';
import { EventRate } from './event-rate';
import { ProcessManager, sagaContext, SagaDependencies } from './process-manager';

export const SAGA_CHECKPOINTS = '_saga_checkpoints';

export type SagaState = 'starting' | 'running' | 'retrying' | 'stopped';

export interface SagaError {
  eventId: string;
  type: string;
  position: Position;
  message: string;
  attempts: number;
}

export interface SagaStatus {
  name: string;
  state: SagaState;
  position: Position;
  /** Events the saga moved past per second (handled or not its concern), over the last second. */
  eventsPerSecond: number;
  handled: number;
  refused: number;
  lastError?: SagaError;
}

/**
 * A saga's checkpoint, with the runner's counts and trouble beside the position, so a process
 * that does not run the saga (an API replica) can report on it.
 */
export interface SagaCheckpoint {
  _id: string;
  position: Position;
  handled?: number;
  refused?: number;
  state?: SagaState;
  lastError?: SagaError | null;
  [field: string]: unknown;
}

/** Persist the checkpoint at least this often while skipping events the saga ignores. */
const SKIP_PERSIST_EVERY = 500;
/**
 * …and at most this long after skipping stopped: the checkpoint is how processes that do not
 * run the saga (API replicas) see its lag, so it must not stay hundreds of events behind.
 */
const SKIP_PERSIST_AFTER_MS = 1000;

/**
 * Delivers events to one process manager from its own checkpoint: at least once, in order.
 * The checkpoint is saved after an event is handled, so a crash in between re-delivers it;
 * the saga's commands are idempotent per event (see SagaContext.send).
 *
 * A command refused by a business rule (DomainError) is final: it is logged and counted, and
 * the saga moves on. Any other failure (a store down) is retried with backoff, forever, and
 * shown in `status()`.
 */
export class SagaRunner {
  private position: Position = 0;
  private persisted: Position = 0;
  private stopped = false;
  private subscription: { stop(): Promise<void> } | undefined;
  private done: Promise<void> | undefined;
  private readonly waiters = new PositionWaiters();
  private readonly rate = new EventRate();
  /** Checkpoint writes go one after the other: a deferred save may overlap the loop's. */
  private saving: Promise<void> = Promise.resolve();
  private deferredSave: NodeJS.Timeout | undefined;
  private statusValue: Omit<SagaStatus, 'position' | 'eventsPerSecond'>;

  constructor(
    private readonly saga: ProcessManager,
    private readonly deps: SagaDependencies & { maxRetryDelayMs?: number },
  ) {
    this.statusValue = { name: saga.name, state: 'starting', handled: 0, refused: 0 };
  }

  start(): Promise<void> {
    this.done ??= this.run();
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deferredSave);
    await this.subscription?.stop();
    await this.done?.catch(() => undefined);
    await this.saving;
    this.statusValue.state = 'stopped';
  }

  status(): SagaStatus {
    return { ...this.statusValue, position: this.position, eventsPerSecond: this.rate.perSecond() };
  }

  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(this.position, position, timeoutMs);
  }

  private async run(): Promise<void> {
    const checkpoints = this.deps.documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS);
    const saved = await checkpoints.findOne({ _id: this.saga.name });
    this.position = this.persisted = saved?.position ?? 0;
    // The counts go on from where the last run left them: they describe the saga, not this process.
    this.statusValue.handled = saved?.handled ?? 0;
    this.statusValue.refused = saved?.refused ?? 0;
    this.statusValue.state = 'running';
    const subscription = this.deps.events.subscribeToAll({ fromPosition: this.position });
    this.subscription = subscription;
    for await (const event of subscription) {
      if (this.stopped) break;
      const relevant = this.saga.eventTypes.includes(event.type);
      if (relevant) await this.handleUntilDone(event);
      if (this.stopped) break;
      this.position = event.position;
      this.rate.record();
      if (relevant || this.position - this.persisted >= SKIP_PERSIST_EVERY) await this.persist();
      else this.persistSoon();
      this.waiters.release(this.position);
    }
  }

  /**
   * Saves the position with the counts (the same write). While the saga only skips events it is
   * saved every SKIP_PERSIST_EVERY events or SKIP_PERSIST_AFTER_MS after the last one.
   */
  private persist(): Promise<void> {
    return this.queueWrite(() => this.writeCheckpoint());
  }

  private queueWrite(write: () => Promise<void>): Promise<void> {
    const queued = this.saving.then(write);
    this.saving = queued.catch(() => undefined);
    return queued;
  }

  /** Writes what the runner knows when the write starts, so a queued write never goes backwards. */
  private async writeCheckpoint(): Promise<void> {
    const { handled, refused, state, lastError } = this.statusValue;
    const position = this.position;
    await this.deps.documents
      .collection<SagaCheckpoint>(SAGA_CHECKPOINTS)
      .updateOne({ _id: this.saga.name }, { $set: { position, handled, refused, state, lastError: lastError ?? null } }, { upsert: true });
    this.persisted = position;
  }

  private persistSoon(): void {
    if (this.deferredSave) return;
    this.deferredSave = setTimeout(() => {
      this.deferredSave = undefined;
      if (this.stopped || this.position === this.persisted) return;
      this.persist().catch((error) => this.deps.logger?.warn({ saga: this.saga.name, err: error }, 'saga checkpoint not saved; the next one will be'));
    }, SKIP_PERSIST_AFTER_MS);
    this.deferredSave.unref();
  }

  /** Best effort: other processes see the saga stuck on an event (the store may be what fails). */
  private async recordTrouble(): Promise<void> {
    await this.queueWrite(async () => {
      const { state, lastError } = this.statusValue;
      await this.deps.documents
        .collection<SagaCheckpoint>(SAGA_CHECKPOINTS)
        .updateOne({ _id: this.saga.name }, { $set: { position: this.persisted, state, lastError: lastError ?? null } }, { upsert: true });
    }).catch(() => undefined);
  }

  private async handleUntilDone(event: RecordedEvent): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      const ctx = sagaContext(this.saga.name, { id: event.id, correlationId: event.metadata.correlationId }, this.deps);
      try {
        await this.saga.handle(event, ctx);
        this.statusValue.handled++;
        this.statusValue.state = 'running';
        delete this.statusValue.lastError;
        return;
      } catch (error) {
        if (error instanceof DomainError) {
          this.statusValue.refused++;
          // Final: the saga moves on, so an earlier failure on this event is no longer its trouble.
          this.statusValue.state = 'running';
          delete this.statusValue.lastError;
          this.deps.logger?.warn({ saga: this.saga.name, event: { id: event.id, type: event.type }, code: error.code, err: error }, 'saga command refused by a business rule');
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        this.statusValue.state = 'retrying';
        this.statusValue.lastError = { eventId: event.id, type: event.type, position: event.position, message, attempts: attempt };
        this.deps.logger?.error({ saga: this.saga.name, event: { id: event.id, type: event.type, position: event.position }, attempt, err: error }, 'saga failed; retrying');
        await this.recordTrouble();
        await new Promise((r) => setTimeout(r, Math.min(this.deps.maxRetryDelayMs ?? 30_000, 50 * 2 ** attempt)));
      }
    }
  }
}
