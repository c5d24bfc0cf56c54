/**
 * The whole system over HTTP (`npm run bench -- --only http [--seconds 20]`): the real server
 * (`dist/app/main.js`) in a child process on a copy of the demo data, a bare Express app with the
 * same JSON body parsing in another, and 64 connections of load from a worker thread. Every ratio
 * compares figures of this run. It reports against the targets of issue 16 and fails nothing.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BenchContext, Metric, ratio, Scenario } from '../harness';
import { ApiClient, inBatches } from '../http/api-client';
import { BENCH_LOGINS_FILE, readLogins, withRole } from '../http/bench-logins';
import { copyDemoStore, demoStore } from '../http/demo-store';
import { onExit } from '../http/exit-cleanup';
import { describeFailures, LoadPlan, LoadResult, runLoad } from '../http/load';
import { LagSummary, SagaLagSampler, sagaLags, sagaProgress } from '../http/saga-lag';
import { entryOfThisBuild, opsHeaders, ServerProcess, serverEntry, serverEnv } from '../http/server-process';
import { describeTarget, HTTP_TARGETS, targetsTable } from '../http/targets';
import { newTicketBody } from '../http/ticket-bodies';
import { MB, WalWatch } from '../http/wal-watch';

const CONNECTIONS = 64;
const CREATE_RUNS = 3;
/** Distinct bodies the create runs rotate over (each request is still a new ticket: its own Idempotency-Key). */
const BODIES = 240;
const CATCH_UP_MS = 60_000;

export function httpScenario(options: { seconds?: number } = {}): Scenario {
  const seconds = options.seconds ?? 20;
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, not ${options.seconds}`);
  return { name: 'http', run: (ctx) => measureHttp(ctx, seconds) };
}

interface Users {
  customers: string[];
  helpdesk: string;
}

interface Read {
  ticketId: string;
  token: string;
}

/** What the load runs send: the same requests to the server and to the bare app. */
interface Plans {
  creates(url: string, seconds: number): LoadPlan;
  ticketReads(url: string, seconds: number): LoadPlan;
  historyReads(url: string, seconds: number): LoadPlan;
}

interface ReadFigures {
  bareGet: LoadResult;
  ticketRead: LoadResult;
  historyRead: LoadResult;
  reads: number;
}

interface CreateFigures {
  barePost: LoadResult;
  runs: LoadResult[];
  rssBefore: number;
  rssAfter: number;
  lag: LagSummary;
  lagSource: string;
  caughtUp: boolean;
  /** Seconds after the load until the head stopped moving (the sagas' remaining work); undefined if it had not. */
  settledAfter: number | undefined;
  customers: number;
}

async function measureHttp(ctx: BenchContext, seconds: number): Promise<Metric[]> {
  const cache = await demoStore(ctx.progress);
  const dataDir = join(ctx.dir, 'data');
  // The harness removes ctx.dir after the scenario, but not when a signal ends the process.
  const forgetBenchDir = onExit(() => rmSync(ctx.dir, { recursive: true, force: true }));
  copyDemoStore(cache, dataDir);
  const wal = new WalWatch(dataDir).start();
  const servers: ServerProcess[] = [];
  try {
    const starting = ctx.progress('starting the server on a copy of the demo data', 1);
    const server = await ServerProcess.start({ name: 'server', entry: serverEntry(), env: serverEnv(dataDir), readyPath: '/ready' });
    servers.push(server);
    const bare = await ServerProcess.start({ name: 'bare Express', entry: entryOfThisBuild('bench/http/bare-server'), env: { ...process.env }, readyPath: '/health' });
    servers.push(bare);
    starting.done();
    const api = new ApiClient(server.url);
    const users = await logIn(ctx, api, readLogins(join(dataDir, BENCH_LOGINS_FILE)));
    const reads = await ticketsToRead(api, users.customers);
    await settle(ctx, server.url, 'waiting for the server to settle after start');
    const walAtStart = wal.largest().bytes;

    const plans = loadPlans(users, reads);
    // Reads first, on the demo data as it is: after the create runs the server is still busy with what they left.
    const readFigures = await measureReads(ctx, plans, server.url, bare.url, seconds);
    const walAfterReads = wal.largest().bytes;
    const createFigures = await measureCreates(ctx, plans, server, bare.url, seconds);
    wal.stop();
    const largest = wal.largest();
    const metrics = [
      ...createMetrics(createFigures, seconds),
      ...readMetrics(readFigures),
      failureCount('http.bare', [createFigures.barePost, readFigures.bareGet]),
      {
        name: 'store.wal_max_mb',
        value: largest.bytes / MB,
        unit: 'MB',
        note: `largest *.db-wal (${largest.file}), polled every 250 ms: ${(walAtStart / MB).toFixed(0)} MB by the end of start-up, ${(walAfterReads / MB).toFixed(0)} after the reads, ${(largest.bytes / MB).toFixed(0)} after the creates`,
      },
    ].map(withTarget);
    ctx.log(`\nHTTP figures against the targets of issue 16 (reported, never failed):\n${targetsTable(metrics)}`);
    const logged = server.log.summary();
    if (logged.length > 0) ctx.log(`\n!! the server logged warnings or errors while measured:\n  ${logged.slice(0, 10).join('\n  ')}`);
    return metrics;
  } catch (error) {
    // A load run against a server that died fails with connection errors: say why it died instead.
    for (const server of servers) server.assertAlive();
    throw error;
  } finally {
    wal.stop();
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    forgetBenchDir();
  }
}

function loadPlans(users: Users, reads: readonly Read[]): Plans {
  const bodies = Array.from({ length: BODIES }, (_, i) => JSON.stringify(newTicketBody(i)));
  const base = (url: string, seconds: number) => ({ url, seconds, connections: CONNECTIONS });
  return {
    creates: (url, seconds) => ({ ...base(url, seconds), method: 'POST', paths: ['/tickets'], tokens: users.customers, bodies, idempotencyPrefix: `bench-${randomUUID()}` }),
    ticketReads: (url, seconds) => ({ ...base(url, seconds), method: 'GET', paths: reads.map((r) => `/tickets/${r.ticketId}`), tokens: reads.map((r) => r.token) }),
    historyReads: (url, seconds) => ({ ...base(url, seconds), method: 'GET', paths: reads.map((r) => `/tickets/${r.ticketId}/history`), tokens: [users.helpdesk] }),
  };
}

/** A short warm-up run (not measured), then the measured run. */
async function warmThenMeasure(ctx: BenchContext, label: string, plan: (seconds: number) => LoadPlan, seconds: number): Promise<LoadResult> {
  await measuredRun(ctx, `warm-up: ${label}`, plan(Math.max(1, Math.round(seconds / 10))));
  return measuredRun(ctx, label, plan(seconds));
}

async function measureReads(ctx: BenchContext, plans: Plans, serverUrl: string, bareUrl: string, seconds: number): Promise<ReadFigures> {
  const bareGet = await warmThenMeasure(ctx, 'bare Express: GET', (s) => plans.ticketReads(bareUrl, s), seconds);
  const ticketRead = await warmThenMeasure(ctx, 'GET /tickets/{id} as its customer', (s) => plans.ticketReads(serverUrl, s), seconds);
  const historyRead = await warmThenMeasure(ctx, 'GET /tickets/{id}/history as helpdesk', (s) => plans.historyReads(serverUrl, s), seconds);
  return { bareGet, ticketRead, historyRead, reads: plans.ticketReads(serverUrl, 1).paths.length };
}

/**
 * The bare POST, then CREATE_RUNS consecutive create runs with the saga positions sampled all
 * along, and the server's RSS before the first and after the last.
 */
async function measureCreates(ctx: BenchContext, plans: Plans, server: ServerProcess, bareUrl: string, seconds: number): Promise<CreateFigures> {
  const barePost = await warmThenMeasure(ctx, 'bare Express: POST', (s) => plans.creates(bareUrl, s), seconds);
  await measuredRun(ctx, 'warm-up: POST /tickets', plans.creates(server.url, Math.max(1, Math.round(seconds / 10))));
  // The first run starts from a server at rest, as the bare app's does: right after the warm-up
  // it met the warm-up's backlog (matching its tickets) and the connections the warm-up left
  // waiting to be accepted, which a busy event loop accepts one per turn.
  await settle(ctx, server.url, 'waiting for the warm-up to be matched');
  const rssBefore = server.rssMb();
  const sampler = new SagaLagSampler(server.url).start();
  const runs: LoadResult[] = [];
  for (let i = 1; i <= CREATE_RUNS; i++) runs.push(await measuredRun(ctx, `POST /tickets (${i}/${CREATE_RUNS})`, plans.creates(server.url, seconds)));
  const rssAfter = server.rssMb();
  const loadEnded = performance.now();
  const caughtUp = await sampler.catchUp(CATCH_UP_MS);
  await sampler.stop();
  const settledAfter = await settle(ctx, server.url, 'waiting for the head to stop moving after the create runs');
  return {
    barePost,
    runs,
    rssBefore,
    rssAfter,
    lag: sagaLags(sampler.samples, loadEnded),
    lagSource: sampler.source ?? 'nowhere',
    caughtUp,
    settledAfter: settledAfter === undefined ? undefined : (performance.now() - loadEnded) / 1000,
    customers: plans.creates(server.url, 1).tokens.length,
  };
}

function createMetrics(f: CreateFigures, seconds: number): Metric[] {
  const first = f.runs[0]!;
  const last = f.runs[f.runs.length - 1]!;
  const create = rate('http.ticket_create', first, `${CONNECTIONS} connections, ${seconds} s, a new ticket per request from ${f.customers} customers; runs: ${f.runs.map((r) => r.okPerSecond.toFixed(0)).join(', ')} req/s`);
  const bare = rate('http.bare_post', f.barePost, 'bare Express, same bodies and JSON parsing');
  const settled = f.settledAfter === undefined ? `the head was still moving ${CATCH_UP_MS / 1000} s after the load` : `the head stopped moving ${f.settledAfter.toFixed(0)} s after the load`;
  return [
    bare,
    create,
    ratio('http.ticket_create_ratio', create, bare, 'ticket_create / bare_post'),
    { name: 'http.ticket_create_p50_ms', value: first.latency.p50, unit: 'ms', note: `first run; runs: ${f.runs.map((r) => r.latency.p50).join(', ')} ms` },
    { name: 'http.ticket_create_p99_ms', value: first.latency.p99, unit: 'ms', note: `first run; runs: ${f.runs.map((r) => r.latency.p99).join(', ')} ms; max ${Math.max(...f.runs.map((r) => r.latency.max))} ms` },
    { name: 'http.create_growth_ratio', value: last.okPerSecond / first.okPerSecond, unit: 'ratio', note: `run ${CREATE_RUNS} / run 1 of ${CREATE_RUNS} consecutive create runs` },
    failureCount('http.ticket_create', f.runs),
    {
      name: 'sagas.lag_p99_ms',
      value: f.lag.p99,
      unit: 'ms',
      note: [
        `${f.lag.lags.length} samples during the create runs (p50 ${f.lag.p50.toFixed(0)}, max ${f.lag.max.toFixed(0)} ms), positions from ${f.lagSource}`,
        f.lag.unresolved ? `${f.lag.unresolved} samples not caught up ${CATCH_UP_MS / 1000} s after the load (counted to then)` : '',
        f.caughtUp ? '' : '!! NOT caught up',
        settled,
      ]
        .filter(Boolean)
        .join('; '),
    },
    { name: 'server.rss_growth_ratio', value: f.rssAfter / f.rssBefore, unit: 'ratio', note: `VmRSS ${f.rssBefore.toFixed(0)} MB before the first create run, ${f.rssAfter.toFixed(0)} MB after the last` },
  ];
}

function readMetrics(f: ReadFigures): Metric[] {
  const read = rate('http.ticket_read', f.ticketRead, `${f.reads} existing tickets, each as its customer`);
  const bareRead = rate('http.bare_get', f.bareGet, 'bare Express, same paths');
  const history = rate('http.history_read', f.historyRead, 'the same tickets, as helpdesk');
  return [
    bareRead,
    read,
    ratio('http.ticket_read_ratio', read, bareRead, 'ticket_read / bare_get'),
    failureCount('http.ticket_read', [f.ticketRead]),
    history,
    ratio('http.history_read_ratio', history, read, 'history_read / ticket_read'),
    failureCount('http.history_read', [f.historyRead]),
  ];
}

/** Runs the plan with a progress bar; a run that got errors says so at once. */
async function measuredRun(ctx: BenchContext, label: string, plan: LoadPlan): Promise<LoadResult> {
  const bar = ctx.progress(`${label}, ${plan.connections} connections, ${plan.seconds} s`, plan.seconds);
  let ticks = 0;
  let result: LoadResult;
  try {
    result = await runLoad(plan, () => ticks++ < plan.seconds && bar.tick());
  } finally {
    bar.done();
  }
  const failures = describeFailures(result);
  if (failures) ctx.log(`!! ${label}: ${failures}`);
  return result;
}

/** Only 2xx answers count as throughput; a run with failures says so in its note. */
function rate(name: string, result: LoadResult, note: string): Metric {
  const failures = describeFailures(result);
  return { name, value: result.okPerSecond, unit: 'req/s', note: failures ? `!! ${failures}; ${note}` : note };
}

function failureCount(prefix: string, runs: readonly LoadResult[]): Metric {
  const non2xx = runs.reduce((n, r) => n + r.non2xx, 0);
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const silent = runs.map((r, i) => (r.ok === 0 ? `run ${i + 1}` : '')).filter(Boolean);
  const notes = [
    non2xx + errors === 0 ? 'requests without a 2xx answer: none' : `!! requests without a 2xx answer: ${non2xx} non-2xx, ${errors} connection errors or timeouts`,
    silent.length > 0 ? `!! no answer at all in ${silent.join(', ')} (every request slower than the run)` : '',
  ];
  return { name: `${prefix}_non2xx`, value: non2xx + errors, unit: 'count', note: notes.filter(Boolean).join('; ') };
}

function withTarget(metric: Metric): Metric {
  const target = HTTP_TARGETS[metric.name];
  return target ? { ...metric, note: `${metric.note ?? ''} (target ${describeTarget(target)})`.trim() } : metric;
}

async function logIn(ctx: BenchContext, api: ApiClient, logins: ReturnType<typeof readLogins>): Promise<Users> {
  const customers = withRole(logins, 'customer');
  const helpdesk = withRole(logins, 'helpdesk')[0];
  if (customers.length === 0 || !helpdesk) throw new Error(`${BENCH_LOGINS_FILE} names no customer or no helpdesk login`);
  const bar = ctx.progress('logging in the bench customers', customers.length + 1);
  const tokens = await inBatches(customers, 8, async (login) => {
    const token = await api.login(login.email, login.password);
    bar.tick();
    return token;
  });
  const helpdeskToken = await api.login(helpdesk.email, helpdesk.password);
  bar.done();
  return { customers: tokens, helpdesk: helpdeskToken };
}

/** Existing tickets of the logged-in customers, each with its customer's token. */
async function ticketsToRead(api: ApiClient, customers: readonly string[]): Promise<Read[]> {
  const lists = await inBatches(customers, 8, async (token) => {
    const answer = await api.call<{ tickets: { ticketId: string }[] }>('GET', '/tickets?limit=20', { token });
    if (answer.status !== 200) throw new Error(`GET /tickets as a bench customer: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return answer.body.tickets.map((t) => ({ ticketId: t.ticketId, token }));
  });
  const reads = lists.flat();
  if (reads.length === 0) throw new Error('the bench customers have no tickets to read');
  return reads;
}

/**
 * Waits until the server's own work has settled (on start: deadlines of the demo data that fell
 * due since it was built; after load: what the sagas still have to do): every position at the
 * head, and the head still (sagas append as they work) for two seconds.
 */
async function settle(ctx: BenchContext, url: string, label: string): Promise<number | undefined> {
  const bar = ctx.progress(label, 1);
  const started = performance.now();
  const deadline = Date.now() + CATCH_UP_MS;
  let still = 0;
  let previousHead = -1;
  try {
    while (Date.now() < deadline) {
      const progress = sagaProgress(await (await fetch(`${url}/projections`, { headers: opsHeaders() })).json());
      still = progress.slowest >= progress.head && progress.head === previousHead ? still + 1 : 0;
      if (still >= 2) return performance.now() - started;
      previousHead = progress.head;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    ctx.log(`!! ${label}: not settled after ${CATCH_UP_MS / 1000} s`);
    return undefined;
  } finally {
    bar.done();
  }
}
