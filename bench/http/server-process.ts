/**
 * Servers the bench and the soak drive, each in a child process on a free port: the real server
 * (`app/main`) and the bare Express app. The child is killed on every exit path of the parent.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { SERVER_NODE_FLAGS } from '../../app/node-flags';
import { onExit } from './exit-cleanup';

/** A Node entry point and the flags to run it with. */
export interface NodeEntry {
  entry: string;
  execArgv: string[];
}

/**
 * A module of this build, run the way this process runs: `dist/…/x.js` when compiled, `x.ts`
 * with this process's loader flags (tsx) otherwise. `path` is relative to the project root.
 */
export function entryOfThisBuild(path: string): NodeEntry {
  const root = join(__dirname, '..', '..');
  return { entry: join(root, `${path}${extname(__filename)}`), execArgv: inheritedFlags(process.execArgv) };
}

/**
 * This process's Node options that a child started on another entry takes too: not a script
 * given with -e or -p, which the child would run instead of its entry. Run from `node -e`, the
 * demo store's build started itself again, and again, until the machine ran out of processes.
 */
export function inheritedFlags(execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (/^--(eval|print)=/.test(flag)) continue;
    if (['-e', '--eval', '-p', '--print', '-pe'].includes(flag)) {
      if (i + 1 < execArgv.length && !execArgv[i + 1]!.startsWith('-')) i++; // its script
      continue;
    }
    flags.push(flag);
  }
  return flags;
}

/** The server (`app/main`) of this build, with the V8 flags `npm start` gives it. */
export function serverEntry(): NodeEntry {
  const { entry, execArgv } = entryOfThisBuild('app/main');
  return { entry, execArgv: [...execArgv.filter((flag) => !SERVER_NODE_FLAGS.some((own) => flag.split('=')[0] === own.split('=')[0])), ...SERVER_NODE_FLAGS] };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Server log lines at warn and above, counted by message (pino JSON lines; anything else is kept as is). */
export class LogDigest {
  readonly counts = new Map<string, number>();
  readonly tail: string[] = [];

  add(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    let entry: { level?: number; msg?: string } | undefined;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = undefined;
    }
    if (entry && typeof entry.level === 'number' && entry.level < 40) return;
    const key = entry ? `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : 'fatal'}: ${entry.msg ?? '(no message)'}` : `output: ${line.slice(0, 160)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** "N× message" lines, most frequent first. */
  summary(): string[] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([message, n]) => `${n}× ${message}`);
  }
}

export interface StartOptions {
  /** For messages: "server", "bare Express". */
  name: string;
  entry: NodeEntry;
  env: Record<string, string | undefined>;
  /** Answered 200 once the server can take load. */
  readyPath: string;
  timeoutMs?: number;
}

export class ServerProcess {
  readonly log = new LogDigest();
  private exited: Promise<number | string | null>;
  private unregister: () => void;
  private stopping = false;
  /** How the child ended when nobody stopped it: "code 1", "signal SIGSEGV". */
  private died: string | undefined;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.stopping) this.died = signal ? `signal ${signal}` : `code ${code}`;
        resolve(code ?? signal);
      }),
    );
    this.unregister = onExit(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => this.log.add(line));
  }

  static async start(options: StartOptions): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...options.entry.execArgv, options.entry.entry], {
      env: { ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(options.name, `http://127.0.0.1:${port}`, child);
    try {
      await server.waitUntilReady(options.readyPath, options.timeoutMs ?? 120_000);
      server.log.counts.clear(); // start-up notices (development secrets, outboxes) are not findings
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident memory in MB (VmRSS of /proc/<pid>/status; Linux), NaN where unreadable. */
  rssMb(): number {
    return rssMb(this.pid);
  }

  /** SIGTERM (the server shuts down cleanly), SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.unregister();
  }

  /** Throws if the child ended without being stopped, with its last output. */
  assertAlive(): void {
    if (this.died) throw new Error(`${this.name} (pid ${this.pid}) ended by itself (${this.died}); its last output:\n${this.log.tail.join('\n')}`);
  }

  private async waitUntilReady(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      this.assertAlive();
      try {
        const response = await fetch(`${this.url}${path}`);
        if (response.ok) return;
        last = `${response.status} ${(await response.text()).slice(0, 300)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms (GET ${path}: ${last}):\n${this.log.tail.join('\n')}`);
  }
}

export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * The scrape token (METRICS_TOKEN) that reads a server's /metrics and /projections: the one in the
 * environment (a server given with `--url` was started with it), else one made for the servers
 * started here.
 */
const METRICS_TOKEN = process.env.METRICS_TOKEN || randomBytes(24).toString('base64url');

/** Headers of a request to /metrics or /projections. */
export function opsHeaders(): Record<string, string> {
  return { authorization: `Bearer ${METRICS_TOKEN}` };
}

/**
 * The environment of a real server on the embedded stores in `dataDir`: no demo seed (the data is
 * there or not wanted), no external stores, logs at warn (request logs would measure the pipe),
 * and the scrape token of `opsHeaders`.
 */
export function serverEnv(dataDir: string): Record<string, string | undefined> {
  const { EVENTSTORE_URL: _e, MONGO_URL: _m, ...env } = process.env;
  return { ...env, DATA_DIR: dataDir, SEED_DEMO: 'false', PROCESS_ROLE: 'all', NODE_ENV: 'development', LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn', METRICS_TOKEN };
}
