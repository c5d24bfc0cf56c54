/**
 * The demo's data (50 experts, 500 customers, ~3,000 tickets, plus bench logins) as `npm start`
 * leaves it: seeded, then started once, which delivers the ~25k messages the seed queued (that
 * first start writes about 2 GB of WAL and takes ~20 s; later starts take two). Built once into
 * `.bench-cache/demo-<hash of its sources and its read models' versions>` and copied into a
 * fresh folder for each run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { allProjections } from '../../projections/all';
import { BenchContext } from '../harness';
import { onExit } from './exit-cleanup';
import { entryOfThisBuild, opsHeaders, ServerProcess, serverEntry, serverEnv } from './server-process';
import { walSizes } from './wal-watch';

/** Bump when the cached data must be rebuilt for a reason the sources below do not show (2: built by a stale compiled seed; 4 and 5: visits read model version 4, so each start does not rebuild it). */
const CACHE_VERSION = 5;
/**
 * The demo's billing runs on the real clock: a copy started this long after the build has billed
 * (and declined, and put past due) customers the bench logs in as. Older stores are built again.
 */
export const MAX_AGE_DAYS = 7;
const BUILT_AT = '.built-at';
/** What the demo store is made of, relative to the project root. */
const SOURCES = [
  ...['index', 'options', 'run', 'random', 'content', 'articles', 'geography', 'setup', 'tickets'].map((file) => `seed/demo/${file}.ts`),
  'seed/system.ts',
  'bench/http/build-demo-store.ts',
  'bench/http/bench-logins.ts',
  'bench/http/demo-store.ts',
];
const FIRST_START_TIMEOUT_MS = 10 * 60_000;

export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export function demoStoreKey(root = projectRoot()): string {
  const hash = createHash('sha256').update(`v${CACHE_VERSION}\n`);
  for (const source of SOURCES) hash.update(`${source}\n`).update(readFileSync(join(root, source)));
  // A read model of a new version is rebuilt when a server starts on the store: built in again.
  for (const projection of allProjections) hash.update(`${projection.name}@${projection.version}\n`);
  return hash.digest('hex').slice(0, 12);
}

/** The cached demo store's folder, built first if it is not there. */
export async function demoStore(progress: BenchContext['progress'], root = projectRoot()): Promise<string> {
  const cache = join(root, '.bench-cache', `demo-${demoStoreKey(root)}`);
  if (existsSync(cache) && !tooOld(cache)) return cache;
  if (existsSync(cache)) rmSync(cache, { recursive: true, force: true });
  mkdirSync(dirname(cache), { recursive: true });
  // Built beside it and renamed when complete: an interrupted build never looks like a cache.
  const partial = `${cache}.partial-${process.pid}`;
  const forget = onExit(() => rmSync(partial, { recursive: true, force: true }));
  try {
    await buildInto(partial, progress);
    await startOnce(partial, progress);
    writeFileSync(join(partial, BUILT_AT), `${new Date().toISOString()}\n`);
    if (existsSync(cache)) rmSync(partial, { recursive: true, force: true }); // built meanwhile by another run
    else {
      renameSync(partial, cache);
      removeOlderStores(dirname(cache), basename(cache));
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
    forget();
  }
  return cache;
}

/** Built more than MAX_AGE_DAYS ago (or by a version that did not say when). */
export function tooOld(cache: string, now = Date.now()): boolean {
  const built = existsSync(join(cache, BUILT_AT)) ? Date.parse(readFileSync(join(cache, BUILT_AT), 'utf8').trim()) : NaN;
  return !(now - built <= MAX_AGE_DAYS * 86_400_000);
}

/** A fresh copy of the demo store in `target` (without the lock of the process that built it). */
export function copyDemoStore(cache: string, target: string): void {
  cpSync(cache, target, { recursive: true, filter: (source) => basename(source) !== '.lock' && basename(source) !== BUILT_AT });
}

/** Stores of earlier seed sources: complete ones only (a `.partial-<pid>` may be another run's build). */
function removeOlderStores(folder: string, keep: string): void {
  for (const name of readdirSync(folder)) {
    if (/^demo-[0-9a-f]{12}$/.test(name) && name !== keep) rmSync(join(folder, name), { recursive: true, force: true });
  }
}

/**
 * Starts the server on the seeded data until the messages the seed queued are delivered (the
 * pending count of /metrics is 0 or has not moved for 5 s; where /metrics does not say, until
 * the WAL has not grown for 5 s), then stops it cleanly, which also empties the WAL.
 */
async function startOnce(dir: string, progress: BenchContext['progress']): Promise<void> {
  const server = await ServerProcess.start({ name: 'server (first start on the demo data)', entry: serverEntry(), env: serverEnv(dir), readyPath: '/ready', timeoutMs: FIRST_START_TIMEOUT_MS });
  try {
    const pending = await pendingMessages(server.url);
    const bar = progress('building the demo store (once): first start, delivering queued messages', Math.max(1, pending ?? 1));
    const busy = async () => (pending === undefined ? [...walSizes(dir).values()].reduce((a, b) => a + b, 0) : ((await pendingMessages(server.url)) ?? 0));
    const deadline = Date.now() + FIRST_START_TIMEOUT_MS;
    let last = pending ?? -1;
    for (let still = 0; still < 5 && last !== 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = await busy();
      if (pending !== undefined && now < last) bar.tick(last - now);
      still = now === last ? still + 1 : 0;
      last = now;
    }
    bar.done();
    server.assertAlive();
  } finally {
    await server.stop(60_000);
  }
}

/** Messages waiting in the outbox, from /metrics; undefined if it does not say. */
async function pendingMessages(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`, { headers: opsHeaders() })).text();
  const match = /^sysops_notifications\{status="pending"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

async function buildInto(dir: string, progress: BenchContext['progress']): Promise<void> {
  const { entry, execArgv } = entryOfThisBuild('bench/http/build-demo-store');
  const child = spawn(process.execPath, [...execArgv, entry], { env: serverEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = onExit(() => child.kill('SIGKILL'));
  let bar: { phase: string; tick(n?: number): void; done(): void; at: number } | undefined;
  const errors: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const update = progressLine(line);
    if (!update) {
      errors.push(line); // the child's log lines, shown if it fails
      return;
    }
    if (bar?.phase !== update.phase) {
      bar?.done();
      bar = { phase: update.phase, at: 0, ...progress(`building the demo store (once): ${update.phase}`, Math.max(1, update.total)) };
    }
    bar.tick(update.done - bar.at);
    bar.at = update.done;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  forget();
  bar?.done();
  if (code !== 0) throw new Error(`building the demo store failed (exit ${code}):\n${errors.slice(-30).join('\n')}`);
}

/** A progress line of the builder ({"phase","done","total"}), or undefined for anything else it prints. */
function progressLine(line: string): { phase: string; done: number; total: number } | undefined {
  try {
    const parsed = JSON.parse(line) as { phase?: unknown; done?: unknown; total?: unknown };
    if (typeof parsed.phase === 'string' && typeof parsed.done === 'number' && typeof parsed.total === 'number') return { phase: parsed.phase, done: parsed.done, total: parsed.total };
  } catch {
    // not JSON
  }
  return undefined;
}
