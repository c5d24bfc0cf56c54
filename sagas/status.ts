import { DocumentStore } from '../document-store/port';
import { StoreContinuity } from '../event-store/continuity';
import { EventStore, Position } from '../event-store/port';
import { SAGA_CHECKPOINTS, SagaCheckpoint, SagaStatus } from './runner';

export interface SagaLag extends SagaStatus {
  head: Position;
  /**
   * head − position, never clamped: negative when the saga passed events the store no longer
   * holds (it lost its tail) — the saga then waits for positions that will be handed out again.
   */
  lag: number;
  /** Present (true) when lag is negative. */
  aheadOfHead?: true;
  /** Seconds since the store recorded the first event the saga has not passed yet. */
  oldestUnhandledAgeSeconds?: number;
  /** 'runner': a runner in this process; 'checkpoint': its checkpoint (the saga runs elsewhere). */
  source: 'runner' | 'checkpoint';
}

/** Anything that can say how its saga runners are doing (the SagaEngine). */
export interface SagaRunners {
  status(): SagaStatus[];
  /** Resolves true once the sagas named have handled everything up to `position` (false on timeout). */
  waitFor(position: Position, timeoutMs: number, names: readonly string[]): Promise<boolean>;
}

/** A checkpoint-based rate is measured over at least this long, so it does not flicker between reads. */
const CHECKPOINT_RATE_WINDOW_MS = 5000;

/**
 * Position, lag and progress of each saga. From the runners when this process runs the sagas;
 * otherwise (an API replica) from their checkpoints in `_saga_checkpoints`, as `servingStatus`
 * does for read models. Keep one per process: it remembers checkpoints it read, for events/s.
 */
export class SagaMonitor {
  private readonly rates = new Map<string, CheckpointRate>();

  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    /** Every saga of the system: the ones with no runner here are read from their checkpoints. */
    private readonly names: readonly string[],
    private readonly runners?: Pick<SagaRunners, 'status'>,
    private readonly now: () => number = Date.now,
  ) {}

  async status(): Promise<SagaLag[]> {
    const head = await this.events.headPosition();
    const runners = this.runners?.status() ?? [];
    // A runner that has not loaded its checkpoint yet knows less than the checkpoint.
    const running = runners.filter((s) => s.state !== 'starting');
    const everySaga = new Set([...this.names, ...runners.map((s) => s.name)]);
    const elsewhere = [...everySaga].filter((name) => !running.some((s) => s.name === name));
    const checkpointed = await this.fromCheckpoints(elsewhere);
    const statuses = [...everySaga].map((name) => {
      const live = running.find((s) => s.name === name);
      return live ? { ...live, source: 'runner' as const } : { ...checkpointed.find((s) => s.name === name)!, source: 'checkpoint' as const };
    });
    return Promise.all(statuses.map((s) => this.withLag(s, head)));
  }

  private async fromCheckpoints(names: readonly string[]): Promise<SagaStatus[]> {
    if (names.length === 0) return [];
    const docs = await this.documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS).find({ _id: { $in: [...names] } });
    const at = this.now();
    const continuity = new StoreContinuity(this.events);
    const divergences = await Promise.all(names.map((name) => docs.find((d) => d._id === name)).map((doc) => (doc ? continuity.check(doc) : undefined)));
    return names.map((name, i) => {
      const doc = docs.find((d) => d._id === name);
      const position = doc?.position ?? 0;
      const divergence = divergences[i];
      return {
        name,
        // As the runner last recorded it; a checkpoint cannot tell whether that runner still runs.
        state: doc?.state ?? 'starting',
        position,
        eventsPerSecond: this.rateOf(name).perSecond(position, at),
        handled: doc?.handled ?? 0,
        refused: doc?.refused ?? 0,
        ...(doc?.lastError ? { lastError: doc.lastError } : {}),
        ...(divergence ? { divergence } : {}),
      };
    });
  }

  private async withLag(status: SagaStatus & Pick<SagaLag, 'source'>, head: Position): Promise<SagaLag> {
    const lag = head - status.position;
    const age = lag > 0 ? await this.ageOfEventAfter(status.position) : undefined;
    const { name, position, eventsPerSecond, state, handled, refused, lastError, divergence, source } = status;
    return {
      name,
      position,
      head,
      lag,
      ...(lag < 0 ? { aheadOfHead: true as const } : {}),
      ...(age !== undefined ? { oldestUnhandledAgeSeconds: age } : {}),
      eventsPerSecond,
      state,
      handled,
      refused,
      ...(lastError ? { lastError } : {}),
      ...(divergence ? { divergence } : {}),
      source,
    };
  }

  /** One read of one event by position: cheap on every adapter. */
  private async ageOfEventAfter(position: Position): Promise<number | undefined> {
    const [next] = await this.events.readAll({ fromPosition: position, maxCount: 1 });
    if (!next) return undefined;
    return Math.max(0, Math.round((this.now() - Date.parse(next.recordedAt)) / 100) / 10);
  }

  private rateOf(name: string): CheckpointRate {
    let rate = this.rates.get(name);
    if (!rate) this.rates.set(name, (rate = new CheckpointRate()));
    return rate;
  }
}

/**
 * Events/s of a saga running elsewhere: how far its checkpoint moved between two reads at least
 * CHECKPOINT_RATE_WINDOW_MS apart (0 at the first read, and after the checkpoint went back).
 */
class CheckpointRate {
  private sample: { position: Position; at: number } | undefined;
  private rate = 0;

  perSecond(position: Position, at: number): number {
    if (!this.sample || position < this.sample.position) {
      this.sample = { position, at };
      this.rate = 0;
    } else if (at - this.sample.at >= CHECKPOINT_RATE_WINDOW_MS) {
      this.rate = Math.round(((position - this.sample.position) * 10_000) / (at - this.sample.at)) / 10;
      this.sample = { position, at };
    }
    return this.rate;
  }
}
