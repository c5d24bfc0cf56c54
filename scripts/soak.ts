/**
 * `npm run soak -- --minutes 10` drives a realistic mix (customers, experts, helpdesk; see
 * bench/soak/mix.ts) with a fixed number of clients and prints one line per interval (req/s,
 * p50/p99, non-2xx, server RSS, WAL sizes, saga lag), then the drift: last interval ÷ first.
 *
 * By default it starts the server on a copy of the demo data (as `npm run bench -- --only http`
 * does). `--url` targets a running server instead; `--pid` and `--data-dir` give its RSS and WAL
 * sizes, `--logins` a JSON file `{ "logins": [{ "role", "email", "password" }] }` (default: the
 * demo's customer, expert and helpdesk logins).
 * Options: --minutes N (default 10), --interval-seconds N (60), --concurrency N (16).
 */
import { MultiBar, Presets } from 'cli-progress';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext } from '../bench/harness';
import { ApiClient } from '../bench/http/api-client';
import { BENCH_LOGINS_FILE, demoLogins, Login, readLogins } from '../bench/http/bench-logins';
import { copyDemoStore, demoStore } from '../bench/http/demo-store';
import { onExit } from '../bench/http/exit-cleanup';
import { SagaLagSampler, sagaLags } from '../bench/http/saga-lag';
import { rssMb, ServerProcess, serverEntry, serverEnv } from '../bench/http/server-process';
import { WalWatch } from '../bench/http/wal-watch';
import { IntervalFigures, intervalFigures, intervalLine, IntervalRecorder, summaryLines } from '../bench/soak/intervals';
import { SoakMix } from '../bench/soak/mix';

interface Options {
  minutes: number;
  intervalSeconds: number;
  concurrency: number;
  url?: string;
  pid?: number;
  dataDir?: string;
  logins?: string;
}

interface Target {
  url: string;
  pid?: number;
  dataDir?: string;
  logins: Login[];
  stop(): Promise<void>;
}

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const positive = (name: string, fallback: number, integer: boolean): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, not ${raw}`);
    return n;
  };
  const known = new Set(['minutes', 'interval-seconds', 'concurrency', 'url', 'pid', 'data-dir', 'logins']);
  for (const arg of argv) if (arg.startsWith('--') && !known.has(arg.slice(2))) throw new UsageError(`unknown option ${arg}`);
  const url = value('url');
  const pid = value('pid');
  const dataDir = value('data-dir');
  const logins = value('logins');
  if (!url && (pid || dataDir || logins)) throw new UsageError('--pid, --data-dir and --logins describe a server given with --url');
  return {
    minutes: positive('minutes', 10, false),
    intervalSeconds: positive('interval-seconds', 60, false),
    concurrency: positive('concurrency', 16, true),
    ...(url ? { url: url.replace(/\/$/, '') } : {}),
    ...(pid ? { pid: positive('pid', 0, true) } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(logins ? { logins } : {}),
  };
}

/** Bars on a terminal, one line per step elsewhere; lines printed above the bars. */
function display(): { progress: BenchContext['progress']; log(line: string): void; stop(): void } {
  const bars = process.stderr.isTTY ? new MultiBar({ clearOnComplete: true, hideCursor: true, format: ' {bar} {percentage}% | {label} | {value}/{total}' }, Presets.shades_grey) : undefined;
  return {
    progress(label, total) {
      if (!bars) process.stderr.write(`  … ${label}\n`);
      const bar = bars?.create(total, 0, { label });
      return {
        tick: (n = 1) => bar?.increment(n),
        done: () => {
          if (bar) bars!.remove(bar);
        },
      };
    },
    log(line) {
      if (!bars) {
        process.stdout.write(`${line}\n`);
        return;
      }
      bars.log(`${line}\n`);
      bars.update();
    },
    stop: () => bars?.stop(),
  };
}

async function givenServer(options: Options & { url: string }): Promise<Target> {
  return {
    url: options.url,
    ...(options.pid ? { pid: options.pid } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    logins: options.logins ? readLogins(options.logins) : demoLogins(),
    stop: async () => undefined,
  };
}

/** A server of our own on a fresh copy of the demo data, removed when it stops. */
async function ownServer(progress: BenchContext['progress']): Promise<Target> {
  const cache = await demoStore(progress);
  const dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
  const forget = onExit(() => rmSync(dataDir, { recursive: true, force: true }));
  copyDemoStore(cache, dataDir);
  const bar = progress('starting the server on a copy of the demo data', 1);
  const server = await ServerProcess.start({ name: 'server', entry: serverEntry(), env: serverEnv(dataDir), readyPath: '/ready' }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  bar.done();
  return {
    url: server.url,
    pid: server.pid,
    dataDir,
    logins: readLogins(join(dataDir, BENCH_LOGINS_FILE)),
    async stop() {
      const logged = server.log.summary();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      forget();
      if (logged.length > 0) process.stdout.write(`the server logged warnings or errors:\n  ${logged.slice(0, 10).join('\n  ')}\n`);
    },
  };
}

async function soak(options: Options, target: Target, recorder: IntervalRecorder, out: ReturnType<typeof display>): Promise<IntervalFigures[]> {
  const mix = await SoakMix.start(new ApiClient(target.url), recorder, target.logins);
  const wal = target.dataDir ? new WalWatch(target.dataDir).start() : undefined;
  const sampler = new SagaLagSampler(target.url, 250).start();
  const count = Math.max(1, Math.round((options.minutes * 60) / options.intervalSeconds));
  out.log(`soak: ${count} intervals of ${options.intervalSeconds} s, ${options.concurrency} clients, ${target.logins.length} logins, ${target.url}`);
  const bar = out.progress(`soak, ${options.concurrency} clients`, Math.round(count * options.intervalSeconds));
  const ticker = setInterval(() => bar.tick(), 1000);
  let stopped = false;
  const clients = Array.from({ length: options.concurrency }, () => mix.client(() => stopped));
  const intervals: IntervalFigures[] = [];
  const began = performance.now();
  let intervalStart = began;
  recorder.take();
  for (let i = 1; i <= count; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, began + i * options.intervalSeconds * 1000 - performance.now())));
    const now = performance.now();
    const samples = sampler.samples.filter((s) => s.at >= intervalStart);
    const last = samples[samples.length - 1];
    const taken = recorder.take();
    const openVisits = await mix.openVisits();
    const figures = intervalFigures(i, (now - intervalStart) / 1000, taken, {
      rssMb: target.pid ? rssMb(target.pid) : Number.NaN,
      walBytes: wal ? Object.fromEntries(wal.maxByFile) : undefined,
      lag: last ? { p99Ms: sagaLags(samples).p99, behind: last.head - last.slowest, source: sampler.source ?? '?' } : undefined,
      openVisits,
    });
    wal?.reset();
    intervals.push(figures);
    out.log(intervalLine(figures, count));
    intervalStart = now;
  }
  stopped = true;
  clearInterval(ticker);
  bar.done();
  await Promise.all(clients);
  await sampler.stop();
  wal?.stop();
  return intervals;
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nusage: npm run soak -- [--minutes 10] [--interval-seconds 60] [--concurrency 16] [--url URL [--pid PID] [--data-dir DIR] [--logins FILE]]`);
    process.exit(2);
  }
  const out = display();
  const target = options.url ? await givenServer({ ...options, url: options.url }) : await ownServer(out.progress);
  try {
    const recorder = new IntervalRecorder();
    const intervals = await soak(options, target, recorder, out);
    out.stop();
    for (const line of summaryLines(intervals, options.concurrency, recorder.failuresByRequest)) process.stdout.write(`${line}\n`);
  } finally {
    out.stop();
    await target.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
