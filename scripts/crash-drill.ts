/**
 * A crash drill over real processes: the server (`app/main`) runs on a data folder while
 * concurrent clients sign customers up (POST /auth/register) and open tickets for them
 * (POST /tickets), each request with its own Idempotency-Key. At a seeded random moment the
 * server is killed (SIGKILL) and started again on the same folder; every request that got no
 * answer is sent again with the SAME key until it is answered. Then every acknowledged (2xx)
 * sign-up must log in and exist once, every acknowledged ticket must exist once.
 *
 * Used by the kill test (app/__tests__/kill-restart.test.ts, a few cycles) and by
 * `npm run crash-campaign` (scripts/crash-campaign.ts, many cycles).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { onExit } from '../bench/http/exit-cleanup';
import { freePort, NodeEntry } from '../bench/http/server-process';

export const DRILL_ADMIN = { email: 'drill.admin@example.com', password: 'drill admin passphrase' };
const PASSWORD = 'drill customer passphrase';
const ADDRESS = { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } };

/** A small seeded PRNG (mulberry32): the same seed gives the same kill moments and workloads. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The server as a child process on a fixed port, so clients find it again after a restart. */
export class DrillServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private unregister: () => void = () => {};
  readonly tail: string[] = [];

  private constructor(
    readonly url: string,
    private readonly port: number,
    private readonly entry: NodeEntry,
    private readonly dataDir: string,
  ) {}

  static async create(entry: NodeEntry, dataDir: string): Promise<DrillServer> {
    const port = await freePort();
    return new DrillServer(`http://127.0.0.1:${port}`, port, entry, dataDir);
  }

  /** Starts the server and waits until /ready answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { EVENTSTORE_URL: _e, MONGO_URL: _m, JWT_SECRET: _j, SURVEY_TOKEN_SECRET: _s, PROCESS_ROLE: _r, ...inherited } = process.env;
    const child = spawn(process.execPath, [...this.entry.execArgv, this.entry.entry], {
      env: {
        ...inherited,
        DATA_DIR: this.dataDir,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'false',
        BOOTSTRAP_ADMIN_EMAIL: DRILL_ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: DRILL_ADMIN.password,
        SIGNUP_LIMIT_PER_MINUTE: '1000000',
        LOGIN_LIMIT_PER_MINUTE: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.unregister = onExit(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.tail.length > 60) this.tail.splice(0, this.tail.length - 60);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}):\n${this.tail.join('\n')}`);
      const ready = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      if (ready?.status === 200) return;
      await ready?.body?.cancel();
      if (Date.now() > deadline) throw new Error(`the server was not ready after ${timeoutMs} ms:\n${this.tail.join('\n')}`);
      await sleep(100);
    }
  }

  /** SIGKILL: no shutdown, no flush; whatever was not durable is gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.unregister();
  }

  /** SIGTERM (a clean shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.unregister();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Answer {
  status: number;
  body: any;
}

/** One request, or `null` when no answer came (connection refused or reset, timeout). */
async function call(url: string, method: string, path: string, options: { body?: unknown; token?: string; key?: string } = {}): Promise<Answer | null> {
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.key ? { 'idempotency-key': options.key } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body };
  } catch {
    return null;
  }
}

/** What one cycle did and found. */
export interface CycleFigures {
  cycle: number;
  /** When the server was killed, in ms after the clients started. */
  killedAtMs: number;
  signUps: number;
  tickets: number;
  /** Requests answered 2xx (sign-ups and tickets), on the first attempt or a retry. */
  acknowledged: number;
  /** Requests sent again with the same key because an attempt got no answer (or a 5xx). */
  retried: number;
  /** Acknowledged but not found afterwards (a sign-up that cannot log in, a ticket missing). */
  lost: number;
  /** Found more than once (a second customer for an e-mail, a ticket twice). */
  duplicated: number;
  /** Requests answered 4xx (none expected): status and title. */
  refused: string[];
  /** What was wrong, one line each (lost, duplicated, refused). */
  problems: string[];
}

interface SignUp {
  email: string;
  customerId: string;
  userId: string;
}

interface Ticket {
  customerId: string;
  ticketId: string;
  problem: string;
}

export interface CycleOptions {
  cycle: number;
  /** A prefix that tells this run's records from others on the same data folder. */
  run: string;
  random: () => number;
  clients?: number;
  /** The kill falls uniformly in [min, max) ms after the clients start. */
  killAfterMs?: [number, number];
  /** Tickets each signed-up customer opens. */
  ticketsPerCustomer?: number;
  /** How long a client keeps retrying one request. */
  retryForMs?: number;
}

/**
 * One cycle on a running server: clients work, the server is killed and restarted, the clients
 * retry what got no answer, then everything acknowledged is checked. The server runs at the end.
 */
export async function crashCycle(server: DrillServer, options: CycleOptions): Promise<CycleFigures> {
  const { cycle, run, random } = options;
  const clients = options.clients ?? 8;
  const [minKill, maxKill] = options.killAfterMs ?? [150, 900];
  const ticketsPerCustomer = options.ticketsPerCustomer ?? 2;
  const retryForMs = options.retryForMs ?? 90_000;
  const killedAtMs = Math.round(minKill + random() * (maxKill - minKill));
  // The retry jitter draws from its own stream: how often clients retry (which depends on timing)
  // leaves the kill moments of later cycles as the seed made them.
  const jitter = seededRandom(Math.floor(random() * 2 ** 32));
  const figures: CycleFigures = { cycle, killedAtMs, signUps: 0, tickets: 0, acknowledged: 0, retried: 0, lost: 0, duplicated: 0, refused: [], problems: [] };

  const adminToken = async (): Promise<string> => {
    const login = await call(server.url, 'POST', '/auth/login', { body: DRILL_ADMIN });
    if (login?.status !== 200) throw new Error(`the drill admin cannot log in: ${JSON.stringify(login)}`);
    return login.body.accessToken as string;
  };
  const admin = await adminToken();
  const windowStart = new Date(Date.now() + 3 * 24 * 3600_000);
  windowStart.setUTCHours(9, 0, 0, 0);
  const window = { start: windowStart.toISOString(), end: new Date(windowStart.getTime() + 3 * 3600_000).toISOString() };

  /** Sends until answered (same key every time); the 2xx answer, or null when refused. */
  const until = async (what: string, method: string, path: string, body: unknown, key: string, token?: string): Promise<Answer | null> => {
    const deadline = Date.now() + retryForMs;
    let attempts = 0;
    for (;;) {
      attempts++;
      const answer = await call(server.url, method, path, { body, key, ...(token ? { token } : {}) });
      if (answer && answer.status >= 200 && answer.status < 300) {
        if (attempts > 1) figures.retried++;
        figures.acknowledged++;
        return answer;
      }
      // 429 and 5xx (503 while starting) are retried as no answer is; other refusals are findings.
      if (answer && answer.status < 500 && answer.status !== 429) {
        if (attempts > 1) figures.retried++;
        const line = `${what} (key ${key}, attempt ${attempts}): ${answer.status} ${answer.body?.title ?? ''} ${answer.body?.detail ?? ''}`.trim();
        figures.refused.push(line);
        figures.problems.push(`refused: ${line}`);
        return null;
      }
      if (Date.now() > deadline) throw new Error(`${what} (key ${key}) got no answer for ${retryForMs} ms; the server said:\n${server.tail.join('\n')}`);
      await sleep(answer ? 200 : 50 + Math.floor(jitter() * 100));
    }
  };

  const signUps: SignUp[] = [];
  const tickets: Ticket[] = [];
  let stopping = false;
  const client = async (c: number): Promise<void> => {
    for (let n = 1; !stopping; n++) {
      const email = `${run}-c${cycle}-${c}-${n}@example.com`;
      const signUp = await until(
        'sign-up',
        'POST',
        '/auth/register',
        { contact: { name: `Drill ${c} ${n}`, email, phone: '+1 555 0100', address: ADDRESS }, notifyBy: 'email', password: PASSWORD },
        `${run}-c${cycle}-${c}-${n}-signup`,
      );
      if (!signUp) continue;
      figures.signUps++;
      const customerId = signUp.body.customerId as string;
      signUps.push({ email, customerId, userId: signUp.body.userId });
      for (let t = 1; t <= ticketsPerCustomer && !stopping; t++) {
        const problem = `Drill washer leaks (${email} #${t})`;
        const body = {
          customerId,
          overridePayment: true,
          applianceModelText: 'Acme washer 3000',
          problem,
          priority: 'normal',
          visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window] }],
        };
        const opened = await until('ticket', 'POST', '/tickets', body, `${run}-c${cycle}-${c}-${n}-ticket-${t}`, admin);
        if (!opened) continue;
        figures.tickets++;
        tickets.push({ customerId, ticketId: opened.body.ticketId, problem });
      }
    }
  };

  const working = Promise.all(Array.from({ length: clients }, (_, c) => client(c + 1)));
  await sleep(killedAtMs);
  stopping = true; // no new work after the kill: each client finishes (retries) what it has under way
  await server.kill();
  await server.start();
  await working;

  // Everything caught up (read models and sagas) before looking.
  const deadline = Date.now() + 60_000;
  while ((await call(server.url, 'GET', '/ready'))?.status !== 200) {
    if (Date.now() > deadline) throw new Error(`not ready after the clients finished:\n${server.tail.join('\n')}`);
    await sleep(100);
  }
  const token = await adminToken();
  for (const s of signUps) {
    const login = await call(server.url, 'POST', '/auth/login', { body: { email: s.email, password: PASSWORD } });
    if (login?.status !== 200 || login.body.user?.customerId !== s.customerId) {
      figures.lost++;
      figures.problems.push(`lost sign-up ${s.email}: login answered ${login?.status} ${JSON.stringify(login?.body?.user ?? login?.body?.title ?? null)}`);
    }
    const found = await call(server.url, 'GET', `/customers?q=${encodeURIComponent(s.email)}&limit=200`, { token });
    const same = ((found?.body?.customers ?? []) as { email: string; customerId: string }[]).filter((x) => x.email === s.email);
    if (same.length > 1) {
      figures.duplicated += same.length - 1;
      figures.problems.push(`duplicated sign-up ${s.email}: ${same.length} customers (${same.map((x) => x.customerId).join(', ')})`);
    }
    if (same.length === 0 && login?.status === 200) {
      figures.lost++;
      figures.problems.push(`lost customer profile ${s.email} (${s.customerId})`);
    }
  }
  const byCustomer = new Map<string, Ticket[]>();
  for (const t of tickets) byCustomer.set(t.customerId, [...(byCustomer.get(t.customerId) ?? []), t]);
  for (const s of signUps) {
    const listed = await call(server.url, 'GET', `/tickets?customerId=${encodeURIComponent(s.customerId)}&limit=200`, { token });
    const found = (listed?.body?.tickets ?? []) as { ticketId: string; problem: string }[];
    for (const t of byCustomer.get(s.customerId) ?? []) {
      if (!found.some((f) => f.ticketId === t.ticketId)) {
        figures.lost++;
        figures.problems.push(`lost ticket ${t.ticketId} (${t.problem})`);
      }
    }
    // A ticket written twice (a retry that did the work again) shows as two with the same problem.
    const problems = new Map<string, number>();
    for (const f of found) problems.set(f.problem, (problems.get(f.problem) ?? 0) + 1);
    for (const [problem, n] of problems) {
      if (n > 1) {
        figures.duplicated += n - 1;
        figures.problems.push(`duplicated ticket: ${n}× "${problem}"`);
      }
    }
  }
  return figures;
}

/** Totals over cycles. */
export function totals(cycles: readonly CycleFigures[]): { cycles: number; acknowledged: number; retried: number; lost: number; duplicated: number; refused: number } {
  const sum = (pick: (c: CycleFigures) => number) => cycles.reduce((n, c) => n + pick(c), 0);
  return {
    cycles: cycles.length,
    acknowledged: sum((c) => c.acknowledged),
    retried: sum((c) => c.retried),
    lost: sum((c) => c.lost),
    duplicated: sum((c) => c.duplicated),
    refused: sum((c) => c.refused.length),
  };
}
