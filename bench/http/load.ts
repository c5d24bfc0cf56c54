/**
 * One load run: `autocannon` in a worker thread, so the load does not share an event loop with
 * the bench's own sampling. Requests rotate over the plan's paths, tokens and bodies.
 */
import { Worker } from 'node:worker_threads';
import { extname, join } from 'node:path';

export interface LoadPlan {
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST';
  /** Request i goes to paths[i % paths.length] with tokens[i % tokens.length]. */
  paths: string[];
  tokens: string[];
  /** JSON bodies, request i sends bodies[i % bodies.length]. */
  bodies?: string[];
  /** Each request gets the Idempotency-Key `<prefix>-<i>`: every one is a new command. */
  idempotencyPrefix?: string;
}

export interface LoadResult {
  seconds: number;
  /** 2xx answers per second: a run answering errors does not count them as throughput. */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  /** Requests sent that had no answer when the run ended (slower than what is left of the run). */
  unanswered: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  latency: { p50: number; p99: number; max: number; mean: number };
  /** The first few answers that were not 2xx. */
  failures: { status: number; body: string }[];
}

export type WorkerMessage = { type: 'tick' } | { type: 'done'; result: LoadResult } | { type: 'error'; message: string };

export function runLoad(plan: LoadPlan, onSecond: () => void): Promise<LoadResult> {
  const worker = new Worker(join(__dirname, `load-worker${extname(__filename)}`), { workerData: plan });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'tick') onSecond();
      else if (message.type === 'done') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`load run failed: ${message.message}`));
      }
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited (code ${code}) without a result`));
    });
  });
}

/** "3 non-2xx (409×2, 500×1), 1 error: 500 {…}" — empty when every request got a 2xx answer. */
export function describeFailures(result: LoadResult): string {
  if (result.non2xx === 0 && result.errors === 0 && result.ok > 0) return '';
  const codes = Object.entries(result.statusCounts)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${code}×${n}`)
    .join(', ');
  const first = result.failures[0];
  return [
    `${result.non2xx} non-2xx${codes ? ` (${codes})` : ''}`,
    `${result.errors} connection errors/timeouts`,
    result.ok === 0 ? `NO 2xx answer at all (${result.unanswered} requests unanswered at the end)` : '',
    first ? `first: ${first.status} ${first.body.replace(/\s+/g, ' ').slice(0, 200)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
