import { DomainError } from '../domain/decider';
import { Divergence, lastSharedPosition, markOf, StoreContinuity, StoreDiverged, StoreMark } from '../event-store/continuity';
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
  /** Why the runner stopped: its checkpoint does not fit the event store (state 'stopped'). */
  divergence?: Divergence;
}

/**
 * What the operator is told when a saga's checkpoint does not fit the event store. Unlike a read
 * model a saga acts (sends commands, messages): where it resumes is a decision.
 */
export function sagaDivergenceRemedy(lastShared: Position | undefined): string {
  const command = `\`npm run replay -- --reset-sagas-to ${lastShared ?? '<position>'}\``;
  const suggested =
    lastShared === undefined
      ? ''
      : ` (${lastShared}: the last event the store recorded before the sagas' checkpoint event; the events after it are the ones they have not seen)`;
  return (
    `The sagas need a decision (see the README, "When the event store lost events"): stop the server and run ${command}${suggested}: ` +
    'they handle every event after that position again (their commands are idempotent per event; a message about such an event may be sent again); ' +
    '`--reset-sagas-to head` skips to the head instead (events in between get no saga reaction)'
  );
}

/**
 * A saga's checkpoint, with the runner's counts and trouble beside the position, so a process
 * that does not run the saga (an API replica) can report on it.
 */
export interface SagaCheckpoint extends StoreMark {
  _id: string;
  position: Position;
  handled?: number;
  refused?: number;
  state?: SagaState;
  lastError?: SagaError | null;
  [field: string]: unknown;
}

/**
 * Events handled at once, at most: a saga that names lanes (`partitionOf`) handles events of
 * different lanes side by side. Its handling mostly waits (appends, their fsync), so one at a
 * time it planned about 130 tickets a second while tickets came in four times faster.
 */
const MAX_IN_FLIGHT = 32;

/** An event taken from the subscription and not yet counted in the position. */
interface InFlight {
  position: Position;
  event: Pick<RecordedEvent, 'position' | 'id' | 'recordedAt'>;
  relevant: boolean;
  settled: boolean;
  handled: boolean;
  done: Promise<void>;
}

/** Persist the checkpoint at least this often while skipping events the saga ignores… */
const SKIP_PERSIST_EVERY = 500;
/**
 * …and after this many handled events. Not after each one: a handled event's effects are
 * idempotent, so one handled again after a crash repeats nothing, and under load a checkpoint
 * write per event was one of the saga's handful of commits per event.
 */
const HANDLED_PERSIST_EVERY = 50;
/**
 * …and at most this long after the last event: the checkpoint is how processes that do not
 * run the saga (API replicas) see its lag, and what their answers wait for when a route names
 * the saga (POST /tickets waits for matching), so it must follow the saga closely.
 */
const SKIP_PERSIST_AFTER_MS = 200;

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
  /** The position with the store and event it stands for (what the checkpoint records). */
  private mark: StoreMark = { position: 0 };
  private storeId: string | undefined;
  private halted: StoreDiverged | undefined;
  private continuityTimer: NodeJS.Timeout | undefined;
  private rechecking = false;
  private persisted: Position = 0;
  private handledSincePersist = 0;
  private persistQueued = false;
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
    private readonly deps: SagaDependencies & { maxRetryDelayMs?: number; continuityCheckMs?: number },
  ) {
    this.statusValue = { name: saga.name, state: 'starting', handled: 0, refused: 0 };
  }

  start(): Promise<void> {
    this.done ??= this.run().finally(() => clearInterval(this.continuityTimer));
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deferredSave);
    clearInterval(this.continuityTimer);
    await this.subscription?.stop();
    await this.done?.catch(() => undefined);
    // What was handled since the last save: saved now, not handled again at the next start.
    if (this.position > this.persisted) await this.persist().catch(() => undefined);
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
    const first = saved ? saved.position : this.saga.startsAtHead ? await this.deps.events.headPosition() : 0;
    // A saga that adopts history is at `first` only once it has: a wait for it (what the API's
    // answers and the tests' settling do) must not end while it is still adopting.
    const adopting = !saved && this.saga.startsAtHead === true && this.saga.adoptHistory !== undefined;
    this.persisted = first;
    if (!adopting) this.position = first;
    this.mark = saved ? { position: saved.position, ...pickMark(saved) } : { position: first };
    // The counts go on from where the last run left them: they describe the saga, not this process.
    this.statusValue.handled = saved?.handled ?? 0;
    this.statusValue.refused = saved?.refused ?? 0;
    this.storeId = await this.deps.events.storeId();
    const divergence = await new StoreContinuity(this.deps.events).check(this.mark);
    if (divergence) throw await this.halt(divergence, this.mark);
    this.continuityTimer = setInterval(() => void this.recheckContinuity(), this.deps.continuityCheckMs ?? 10_000);
    this.continuityTimer.unref();
    // Starting at the head: what history holds is taken over first, then the head saved before
    // anything else, or a crash would start it at a later head and skip what came between.
    if (adopting) {
      await this.saga.adoptHistory!(first, this.deps.events, sagaContext(this.saga.name, { id: `${this.saga.name}:adopt-history`, correlationId: `${this.saga.name}:adopt-history` }, this.deps));
      this.position = first;
      this.waiters.release(first);
    }
    if (!saved && first > 0) await this.persist();
    // Stopped while starting (stop() found no subscription to end): do not start one.
    if (this.stopped) return;
    this.statusValue.state = 'running';
    const subscription = this.deps.events.subscribeToAll({ fromPosition: this.position });
    this.subscription = subscription;
    const window: InFlight[] = [];
    const lanes = new Map<string, Promise<void>>();
    for await (const event of subscription) {
      if (this.stopped) break;
      const relevant = this.saga.eventTypes.includes(event.type);
      const entry: InFlight = { position: event.position, event: { position: event.position, id: event.id, recordedAt: event.recordedAt }, relevant, settled: !relevant, handled: !relevant, done: Promise.resolve() };
      window.push(entry);
      if (relevant) {
        const lane = this.saga.partitionOf?.(event) ?? null;
        if (lane === null) {
          // Handled alone, after everything before it.
          await Promise.all(window.map((e) => e.done));
          entry.done = this.settle(entry, event, window);
          await entry.done;
        } else {
          // After the earlier events of its lane; beside other lanes' events.
          entry.done = (lanes.get(lane) ?? Promise.resolve()).then(() => this.settle(entry, event, window));
          const done = entry.done;
          lanes.set(lane, done);
          void done.then(() => lanes.get(lane) === done && lanes.delete(lane));
        }
      }
      this.advance(window);
      while (window.length >= MAX_IN_FLIGHT && !this.stopped) await window[0]!.done;
    }
    await Promise.all(window.map((e) => e.done));
    this.advance(window);
    if (this.halted) throw this.halted;
  }

  /** While running: the store may be replaced or restored under a process that does not own it (EventStoreDB). */
  private async recheckContinuity(): Promise<void> {
    if (this.stopped || this.rechecking) return;
    this.rechecking = true;
    try {
      const saved = await this.deps.documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS).findOne({ _id: this.saga.name });
      if (!saved) return;
      const mark = { position: saved.position, ...pickMark(saved) };
      const divergence = await new StoreContinuity(this.deps.events).check(mark);
      if (divergence && !this.stopped) await this.halt(divergence, mark);
    } catch {
      // A store unreachable for a moment: the next check.
    } finally {
      this.rechecking = false;
    }
  }

  /**
   * Stops the saga for good in this process: its checkpoint is left as it is (written now, it
   * would record the new store's id over a position that is not the store's).
   */
  private async halt(divergence: Divergence, mark: StoreMark): Promise<StoreDiverged> {
    const lastShared = await lastSharedPosition(this.deps.events, mark, divergence).catch(() => undefined);
    const found = { ...divergence, ...(lastShared !== undefined ? { lastShared } : {}) };
    this.halted = new StoreDiverged(`saga ${this.saga.name}`, found, sagaDivergenceRemedy(lastShared));
    this.stopped = true;
    this.statusValue.state = 'stopped';
    this.statusValue.divergence = found;
    clearTimeout(this.deferredSave);
    this.deps.logger?.error({ saga: this.saga.name, divergence: found }, this.halted.message);
    void this.subscription?.stop();
    return this.halted;
  }

  /** Handles one event of the window and moves the position over whatever is done in order. */
  private async settle(entry: InFlight, event: RecordedEvent, window: InFlight[]): Promise<void> {
    entry.handled = await this.handleUntilDone(event);
    entry.settled = true;
    this.advance(window);
  }

  /**
   * Moves the position over the events at the front of the window that are done, in order: an
   * event handled out of order (another lane was faster) counts only once all before it are.
   * One stopped before it was handled (shutdown) holds the position: it is handled at the next start.
   */
  private advance(window: InFlight[]): void {
    let moved = false;
    while (window.length > 0 && window[0]!.settled && window[0]!.handled) {
      const entry = window.shift()!;
      this.position = entry.position;
      this.mark = markOf(entry.event, this.storeId);
      this.rate.record();
      if (entry.relevant) this.handledSincePersist++;
      moved = true;
    }
    if (!moved) return;
    if (this.handledSincePersist >= HANDLED_PERSIST_EVERY || this.position - this.persisted >= SKIP_PERSIST_EVERY) this.persistOnce();
    else this.persistSoon();
    this.waiters.release(this.position);
  }

  /** One save at a time from `advance`: while one is on its way, later events wait for the next. */
  private persistOnce(): void {
    if (this.persistQueued) return;
    this.persistQueued = true;
    this.persist()
      .catch((error) => this.deps.logger?.warn({ saga: this.saga.name, err: error }, 'saga checkpoint not saved; the next one will be'))
      .finally(() => (this.persistQueued = false));
  }

  /**
   * Saves the position with the counts (the same write). While the saga only skips events it is
   * saved every SKIP_PERSIST_EVERY events or SKIP_PERSIST_AFTER_MS after the last one.
   */
  private persist(): Promise<void> {
    if (this.halted) return Promise.resolve();
    return this.queueWrite(() => this.writeCheckpoint());
  }

  private queueWrite(write: () => Promise<void>): Promise<void> {
    const queued = this.saving.then(write);
    this.saving = queued.catch(() => undefined);
    return queued;
  }

  /** Writes what the runner knows when the write starts, so a queued write never goes backwards. */
  private async writeCheckpoint(): Promise<void> {
    if (this.halted) return;
    const { handled, refused, state, lastError } = this.statusValue;
    const mark = this.mark;
    const position = mark.position;
    this.handledSincePersist = 0;
    await this.deps.documents
      .collection<SagaCheckpoint>(SAGA_CHECKPOINTS)
      .updateOne({ _id: this.saga.name }, { $set: { ...mark, handled, refused, state, lastError: lastError ?? null } }, { upsert: true });
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
    if (this.halted) return;
    await this.queueWrite(async () => {
      const { state, lastError } = this.statusValue;
      await this.deps.documents
        .collection<SagaCheckpoint>(SAGA_CHECKPOINTS)
        .updateOne({ _id: this.saga.name }, { $set: { position: this.persisted, state, lastError: lastError ?? null } }, { upsert: true });
    }).catch(() => undefined);
  }

  /** True once the event is handled (or refused for good); false if the runner stopped first. */
  private async handleUntilDone(event: RecordedEvent): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      const ctx = sagaContext(this.saga.name, { id: event.id, correlationId: event.metadata.correlationId }, this.deps);
      try {
        await this.saga.handle(event, ctx);
        this.statusValue.handled++;
        this.statusValue.state = 'running';
        delete this.statusValue.lastError;
        return true;
      } catch (error) {
        if (error instanceof DomainError) {
          this.statusValue.refused++;
          // Final: the saga moves on, so an earlier failure on this event is no longer its trouble.
          this.statusValue.state = 'running';
          delete this.statusValue.lastError;
          this.deps.logger?.warn({ saga: this.saga.name, event: { id: event.id, type: event.type }, code: error.code, err: error }, 'saga command refused by a business rule');
          return true;
        }
        const message = error instanceof Error ? error.message : String(error);
        this.statusValue.state = 'retrying';
        this.statusValue.lastError = { eventId: event.id, type: event.type, position: event.position, message, attempts: attempt };
        this.deps.logger?.error({ saga: this.saga.name, event: { id: event.id, type: event.type, position: event.position }, attempt, err: error }, 'saga failed; retrying');
        await this.recordTrouble();
        await new Promise((r) => setTimeout(r, Math.min(this.deps.maxRetryDelayMs ?? 30_000, 50 * 2 ** attempt)));
      }
    }
    return false;
  }
}

/** The StoreMark fields a checkpoint holds beside its position. */
function pickMark(saved: StoreMark): Omit<StoreMark, 'position'> {
  const { storeId, eventId, eventRecordedAt } = saved;
  return {
    ...(storeId !== undefined ? { storeId } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
    ...(eventRecordedAt !== undefined ? { eventRecordedAt } : {}),
  };
}
