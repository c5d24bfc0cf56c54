/**
 * Saga lag as a time: while load runs, the event store's head and the slowest saga's position are
 * sampled together; a sample's lag is the time until every saga has reached the head it saw.
 */
import { percentile } from './percentile';
import { opsHeaders } from './server-process';

export interface SagaProgress {
  head: number;
  /** Position of the saga furthest behind. */
  slowest: number;
  /** Where the positions came from: the sagas themselves, or (fallback) the read models. */
  source: 'sagas' | 'read models (fallback)';
}

interface StatusEntry {
  position?: unknown;
  head?: unknown;
}

/**
 * Reads one GET /projections answer. Its `sagas` field (name, position, head, lag, …) gives the
 * saga checkpoints; a server without it only tells the read models' positions, which are used
 * instead and marked as a fallback (they are not the sagas, which may be further behind).
 */
export function sagaProgress(body: unknown): SagaProgress {
  const answer = (body ?? {}) as { sagas?: StatusEntry[]; projections?: StatusEntry[]; head?: unknown };
  const sagas = Array.isArray(answer.sagas) && answer.sagas.length > 0 ? answer.sagas : undefined;
  const entries = sagas ?? answer.projections ?? [];
  if (entries.length === 0) throw new Error('GET /projections named neither sagas nor read models');
  const heads = entries.map((e) => Number(e.head)).filter(Number.isFinite);
  const head = Math.max(Number.isFinite(Number(answer.head)) ? Number(answer.head) : 0, ...heads);
  const slowest = Math.min(...entries.map((e) => Number(e.position)));
  if (!Number.isFinite(slowest)) throw new Error('GET /projections gave a position that is not a number');
  return { head, slowest, source: sagas ? 'sagas' : 'read models (fallback)' };
}

export interface ProgressSample {
  /** Milliseconds on one clock (performance.now()). */
  at: number;
  head: number;
  slowest: number;
}

export interface LagSummary {
  /** One lag per sample, in ms; an unresolved sample counts until the last sample (a lower bound). */
  lags: number[];
  /** Samples whose head the sagas had not reached by the last sample. */
  unresolved: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Lag of every sample taken up to `measuredUntil` (default: all): the time from it to the first
 * sample, then or later, at which the slowest saga had reached its head. Samples after
 * `measuredUntil` (the catch-up after the load) only resolve earlier ones.
 */
export function sagaLags(samples: readonly ProgressSample[], measuredUntil = Number.POSITIVE_INFINITY): LagSummary {
  const lags: number[] = [];
  let unresolved = 0;
  let j = 0;
  const last = samples[samples.length - 1];
  for (let i = 0; i < samples.length && samples[i]!.at <= measuredUntil; i++) {
    const sample = samples[i]!;
    // Heads only grow, so the catch-up point of a later sample is never earlier: j moves forward only.
    j = Math.max(j, i);
    while (j < samples.length && samples[j]!.slowest < sample.head) j++;
    if (j < samples.length) lags.push(samples[j]!.at - sample.at);
    else {
      unresolved++;
      lags.push(last!.at - sample.at);
    }
  }
  return { lags, unresolved, p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags.length ? Math.max(...lags) : Number.NaN };
}

/** Polls GET /projections every `everyMs` (one request at a time) and keeps the samples. */
export class SagaLagSampler {
  readonly samples: ProgressSample[] = [];
  source: SagaProgress['source'] | undefined;
  failures = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly everyMs = 100,
  ) {}

  start(): this {
    this.running = true;
    this.loop = this.poll();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Keeps sampling until the slowest saga reaches the highest head sampled, or the time is up. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const target = Math.max(0, ...this.samples.map((s) => s.head));
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const last = this.samples[this.samples.length - 1];
      if (last && last.slowest >= target) return true;
      await sleep(this.everyMs);
    }
    return false;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      try {
        const response = await fetch(`${this.url}/projections`, { headers: opsHeaders() });
        const progress = sagaProgress(await response.json());
        // Stamped when the answer arrives: under load that is when the server read the positions, give or take the reply.
        this.samples.push({ at: performance.now(), head: progress.head, slowest: progress.slowest });
        this.source = progress.source;
      } catch {
        this.failures++;
      }
      await sleep(Math.max(0, this.everyMs - (performance.now() - started)));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
