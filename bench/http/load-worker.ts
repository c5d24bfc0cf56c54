/** Worker thread of `runLoad`: drives one autocannon run and posts its ticks and result. */
import autocannon from 'autocannon';
import { parentPort, workerData } from 'node:worker_threads';
import { LoadPlan, LoadResult, WorkerMessage } from './load';

const plan = workerData as LoadPlan;
// Off the main thread autocannon hands back its raw histograms; this (public, untyped) call summarizes them.
const aggregateResult = (autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result }).aggregateResult;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const failures: LoadResult['failures'] = [];
let sent = 0;

const instance = autocannon(
  {
    url: plan.url,
    connections: plan.connections,
    duration: plan.seconds,
    requests: [
      {
        method: plan.method,
        setupRequest(request) {
          const i = sent++;
          const headers: Record<string, string> = { authorization: `Bearer ${plan.tokens[i % plan.tokens.length]}` };
          if (plan.bodies) headers['content-type'] = 'application/json';
          if (plan.idempotencyPrefix) headers['idempotency-key'] = `${plan.idempotencyPrefix}-${i}`;
          return { ...request, path: plan.paths[i % plan.paths.length], headers, ...(plan.bodies ? { body: plan.bodies[i % plan.bodies.length] } : {}) };
        },
        onResponse(status, body) {
          if ((status < 200 || status >= 300) && failures.length < 5) failures.push({ status, body: String(body).slice(0, 500) });
        },
      },
    ],
  },
  (error, raw) => {
    if (error) {
      post({ type: 'error', message: String(error) });
      return;
    }
    const result = raw.latency ? raw : aggregateResult([raw], { url: plan.url, connections: plan.connections });
    const statusCounts: Record<string, number> = {};
    for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = stats.count ?? 0;
    post({
      type: 'done',
      result: {
        seconds: result.duration,
        okPerSecond: result['2xx'] / result.duration,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        unanswered: Math.max(0, result.requests.sent - result['1xx'] - result['2xx'] - result['3xx'] - result['4xx'] - result['5xx'] - result.errors),
        timeouts: result.timeouts,
        statusCounts,
        latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
        failures,
      },
    });
  },
);
instance.on('tick', () => post({ type: 'tick' }));
