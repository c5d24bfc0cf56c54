/**
 * `npm start` as a person sees it, on an empty store without demo data: one banner on stdout once
 * the system is ready (before /ready tells a poller so), no warnings on a normal start, and the
 * first admin from BOOTSTRAP_ADMIN_* — made once, then left alone; the admin command made while
 * the server was stopped can log in once it runs again.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/http/server-process';
import { SqliteEventStore } from '../../event-store/sqlite';

const root = join(__dirname, '..', '..');
const ADMIN = { email: 'first.admin@example.com', password: 'first admin passphrase' };

interface Started {
  url: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

async function start(dataDir: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const { EVENTSTORE_URL: _e, MONGO_URL: _m, JWT_SECRET: _j, SURVEY_TOKEN_SECRET: _s, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app', 'main.ts')], {
    env: { ...inherited, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'info', SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let pending = '';
  const collect = (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    output.push(...lines);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output.join('\n')}`);
    const ready = await fetch(`${url}/ready`).catch(() => null);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`not ready after 60 s:\n${output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function logged(output: string[]): { level: number; msg: string }[] {
  return output.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

async function login(url: string, email: string, password: string) {
  const r = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: r.status, body: (await r.json()) as { user?: { role: string } } };
}

describe('npm start on an empty store (SEED_DEMO=false)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-start-'));
  const dataDir = join(dir, 'data');
  let server: Started | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one banner once ready, warns about nothing, and makes the first admin from BOOTSTRAP_ADMIN_*', async () => {
    server = await start(dataDir, { BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password });
    const { output, url } = server;
    const title = output.indexOf(` Sysops Squad is ready: ${url}`);
    expect(title).toBeGreaterThan(0);
    expect(output.filter((line) => line.includes('Sysops Squad is ready:'))).toHaveLength(1);
    const rule = output[title - 1]!;
    const banner = output.slice(title - 1, output.indexOf(rule, title + 2) + 1);
    expect([rule, output[title + 1], banner.at(-1)]).toEqual([expect.stringMatching(/^=+$/), rule, rule]);
    expect(banner.join('\n')).toMatch(/Event store {2}embedded SQLite .*events\.db \(synchronous=FULL\)/);
    expect(banner.filter((line) => /_SECRET /.test(line))).toEqual([expect.stringMatching(/^ Secrets {6}JWT_SECRET and SURVEY_TOKEN_SECRET not set: development values from .*\.secrets\.json; set them in production$/)]);
    expect(banner).toContain(` First admin  ${ADMIN.email} created from BOOTSTRAP_ADMIN_EMAIL (remove BOOTSTRAP_ADMIN_* now)`);
    expect(banner).toContain(` Messages     SMS and e-mail are recorded, not sent (TWILIO_*, SENDGRID_* not set): ${url}/notifications/dev-outbox`);
    expect(banner).toContain(' Payments     sandbox gateway, nothing real is charged (STRIPE_SECRET_KEY not set): test card 4242 4242 4242 4242 pays,');
    // Structured logs beside it; nothing claims "up" before it is, and a normal start warns about nothing.
    const lines = logged(output);
    expect(lines.map((l) => l.msg)).toContain('Sysops Squad is ready');
    expect(lines.map((l) => l.msg)).not.toContain('Sysops Squad is up');
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    // The admin logs in.
    const session = await login(url, ADMIN.email, ADMIN.password);
    expect([session.status, session.body.user?.role]).toEqual([200, 'admin']);
  }, 90_000);

  it('on later starts changes nothing for BOOTSTRAP_ADMIN_*; staff made with npm run admin meanwhile log in', async () => {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'admin.ts'), 'create', '--email', 'desk.lead@example.com', '--role', 'manager'], {
      env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'development' },
      input: 'manager passphrase 1\n',
      encoding: 'utf8',
    });
    expect([cli.status, cli.stderr]).toEqual([0, '']);

    server = await start(dataDir, { BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: 'a different passphrase' });
    expect(server.output).toContain(` First admin  ${ADMIN.email} (made on an earlier start; BOOTSTRAP_ADMIN_* changes nothing now)`);
    expect((await login(server.url, ADMIN.email, ADMIN.password)).status).toBe(200);
    expect((await login(server.url, ADMIN.email, 'a different passphrase')).status).toBe(401);
    const manager = await login(server.url, 'desk.lead@example.com', 'manager passphrase 1');
    expect([manager.status, manager.body.user?.role]).toEqual([200, 'manager']);
    await server.stop();
    server = undefined;

    const events = new SqliteEventStore({ path: join(dataDir, 'events.db') });
    const registered = (await events.readAll()).filter((e) => e.type === 'UserRegistered').map((e) => (e.data as { email: string }).email);
    await events.close();
    expect(registered).toEqual([ADMIN.email, 'desk.lead@example.com']);
  }, 90_000);

  it('without any admin, the banner says how to make the first one', async () => {
    server = await start(join(dir, 'empty'), {});
    expect(server.output.join('\n')).toMatch(/ First admin {2}none yet: stop the server and run `npm run admin -- create --email you@example\.com`/);
  }, 90_000);
});
