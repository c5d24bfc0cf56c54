import { DomainError } from '../domain/decider';
import { StoreDiverged } from '../event-store/continuity';
import { Position } from '../event-store/port';
import { Deadline } from './deadlines';
import { ProcessManager, sagaContext, SagaDependencies } from './process-manager';
import { SagaRunner, SagaStatus } from './runner';

/** Longest sleep between deadline checks, so a deadline scheduled by another process is seen. */
const MAX_SLEEP_MS = 30_000;

/**
 * Runs every process manager of the process and fires their durable deadlines: each due
 * deadline is handed to its saga's handler, then marked fired. A crash in between fires it
 * again at the next start; the handler's commands are idempotent per deadline id.
 */
export class SagaEngine {
  private readonly runners: SagaRunner[];
  private readonly byName: Map<string, ProcessManager>;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;
  private manual = false;

  constructor(
    private readonly sagas: readonly ProcessManager[],
    private readonly deps: SagaDependencies & { maxRetryDelayMs?: number; continuityCheckMs?: number },
  ) {
    this.runners = sagas.map((saga) => new SagaRunner(saga, deps));
    this.byName = new Map(sagas.map((s) => [s.name, s]));
    deps.deadlines.onScheduled(() => this.plan(0));
  }

  /** Starts the event runners and (unless `manualDeadlines`, for tests) the deadline timer. */
  start(options: { manualDeadlines?: boolean } = {}): void {
    this.stopped = false;
    this.manual = options.manualDeadlines ?? false;
    for (const runner of this.runners) {
      runner.start().catch((error) => {
        // A divergence from the event store is logged by the runner, with what to do.
        if (!(error instanceof StoreDiverged)) this.deps.logger?.error({ err: error }, 'saga runner stopped');
      });
    }
    if (!options.manualDeadlines) this.plan(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  status(): SagaStatus[] {
    return this.runners.map((r) => r.status());
  }

  /** Resolves true when every saga (or those named) has handled everything up to `position`. */
  async waitFor(position: Position, timeoutMs = 5000, names?: readonly string[]): Promise<boolean> {
    const runners = names ? this.runners.filter((_, i) => names.includes(this.sagas[i]!.name)) : this.runners;
    return (await Promise.all(runners.map((r) => r.waitFor(position, timeoutMs)))).every(Boolean);
  }

  /** Fires every deadline due now. Returns how many fired. */
  async fireDueDeadlines(): Promise<number> {
    const now = this.deps.clock();
    let fired = 0;
    for (const deadline of await this.deps.deadlines.due(now)) {
      if (await this.fire(deadline, now)) fired++;
    }
    return fired;
  }

  private async fire(deadline: Deadline, now: Date): Promise<boolean> {
    const handler = this.byName.get(deadline.saga)?.deadlines?.[deadline.kind];
    if (!handler) {
      this.deps.logger?.warn({ deadline: deadline._id }, 'no handler for deadline; leaving it pending');
      return false;
    }
    const { correlationId, causationId } = deadline.payload;
    const ctx = sagaContext(
      deadline.saga,
      { id: deadline._id, correlationId: typeof correlationId === 'string' ? correlationId : deadline._id, ...(typeof causationId === 'string' ? { causationId } : {}) },
      this.deps,
    );
    try {
      await handler(deadline, ctx);
    } catch (error) {
      if (!(error instanceof DomainError)) {
        const delay = Math.min(MAX_SLEEP_MS, 1000 * 2 ** deadline.attempts);
        await this.deps.deadlines.markFailed(deadline._id, error instanceof Error ? error.message : String(error), new Date(now.getTime() + delay));
        this.deps.logger?.error({ deadline: deadline._id, err: error }, 'deadline handler failed; will retry');
        return false;
      }
      this.deps.logger?.warn({ deadline: deadline._id, code: error.code }, 'deadline action refused by a business rule');
    }
    await this.deps.deadlines.markFired(deadline._id, now);
    return true;
  }

  private plan(delayMs: number): void {
    if (this.stopped || this.manual) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = (async () => {
      try {
        await this.fireDueDeadlines();
        const next = await this.deps.deadlines.next();
        const wait = next ? Math.max(0, next.getTime() - this.deps.clock().getTime()) : MAX_SLEEP_MS;
        this.plan(Math.min(MAX_SLEEP_MS, Math.max(wait, 10)));
      } catch (error) {
        this.deps.logger?.error({ err: error }, 'deadline check failed');
        this.plan(1000);
      } finally {
        this.ticking = undefined;
      }
    })();
    await this.ticking;
  }
}
