import { DomainError } from '../domain/decider';
import { Position, RecordedEvent } from '../event-store/port';
import { PositionWaiters } from '../event-store/position-waiters';
import { ProcessManager, sagaContext, SagaDependencies } from './process-manager';

export const SAGA_CHECKPOINTS = '_saga_checkpoints';

export interface SagaStatus {
  name: string;
  state: 'starting' | 'running' | 'retrying' | 'stopped';
  position: Position;
  handled: number;
  refused: number;
  lastError?: { eventId: string; type: string; position: Position; message: string; attempts: number };
}

interface CheckpointDoc {
  _id: string;
  position: Position;
  [field: string]: unknown;
}

/** Persist the checkpoint at least this often while skipping events the saga ignores. */
const SKIP_PERSIST_EVERY = 500;

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
  private statusValue: SagaStatus;

  constructor(
    private readonly saga: ProcessManager,
    private readonly deps: SagaDependencies & { maxRetryDelayMs?: number },
  ) {
    this.statusValue = { name: saga.name, state: 'starting', position: 0, handled: 0, refused: 0 };
  }

  start(): Promise<void> {
    this.done ??= this.run();
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
    await this.done?.catch(() => undefined);
    this.statusValue.state = 'stopped';
  }

  status(): SagaStatus {
    return { ...this.statusValue, position: this.position };
  }

  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(this.position, position, timeoutMs);
  }

  private async run(): Promise<void> {
    const checkpoints = this.deps.documents.collection<CheckpointDoc>(SAGA_CHECKPOINTS);
    const saved = await checkpoints.findOne({ _id: this.saga.name });
    this.position = this.persisted = saved?.position ?? 0;
    this.statusValue.state = 'running';
    const subscription = this.deps.events.subscribeToAll({ fromPosition: this.position });
    this.subscription = subscription;
    for await (const event of subscription) {
      if (this.stopped) break;
      const relevant = this.saga.eventTypes.includes(event.type);
      if (relevant) await this.handleUntilDone(event);
      if (this.stopped) break;
      this.position = event.position;
      if (relevant || this.position - this.persisted >= SKIP_PERSIST_EVERY) await this.persist();
      this.waiters.release(this.position);
    }
  }

  private async persist(): Promise<void> {
    await this.deps.documents
      .collection<CheckpointDoc>(SAGA_CHECKPOINTS)
      .updateOne({ _id: this.saga.name }, { $set: { position: this.position } }, { upsert: true });
    this.persisted = this.position;
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
          this.deps.logger?.warn({ saga: this.saga.name, event: { id: event.id, type: event.type }, code: error.code, err: error }, 'saga command refused by a business rule');
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        this.statusValue.state = 'retrying';
        this.statusValue.lastError = { eventId: event.id, type: event.type, position: event.position, message, attempts: attempt };
        this.deps.logger?.error({ saga: this.saga.name, event: { id: event.id, type: event.type, position: event.position }, attempt, err: error }, 'saga failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(this.deps.maxRetryDelayMs ?? 30_000, 50 * 2 ** attempt)));
      }
    }
  }
}
