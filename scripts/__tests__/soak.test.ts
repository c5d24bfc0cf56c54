import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../api/auth/passwords';
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { CommandHandler } from '../../commands/handler';
import { userAccounts } from '../../commands/user-account';
import { SqliteEventStore } from '../../event-store/sqlite';
import { Login } from '../../bench/http/bench-logins';
import { ServerProcess, serverEnv } from '../../bench/http/server-process';
import { TICKET_SKILLS } from '../../bench/http/ticket-bodies';

const root = join(__dirname, '..', '..');
const PASSWORD = 'soak-test-password';

/** Two paid customers, an expert who can take every soak ticket, and helpdesk, written through the commands. */
async function writeUsers(dataDir: string): Promise<Login[]> {
  const events = new SqliteEventStore({ path: join(dataDir, 'events.db') });
  const commands = new CommandHandler(events);
  const metadata = (id: string) => ({ commandId: `soak-test:${id}`, now: new Date(), actor: { userId: 'soak-test', role: 'system' as const }, correlationId: 'soak-test' });
  const location = { lat: 42.1015, lon: -72.5898 };
  const passwordHash = await hashPassword(PASSWORD);
  const logins: Login[] = [];
  const account = async (role: Login['role'], id: string, link: { customerId?: string; expertId?: string }) => {
    const email = `${id}@soak.test`;
    await send(commands, userAccounts, { type: 'registerUser', data: { userId: `user-${id}`, email, role, passwordHash, ...link }, metadata: metadata(`user-${id}`) });
    logins.push({ role, email, password: PASSWORD });
  };
  for (const customerId of ['cust-a', 'cust-b']) {
    await send(commands, customers, {
      type: 'registerCustomer',
      data: {
        customerId,
        contact: { name: 'Casey Customer', email: `${customerId}@soak.test`, phone: '+15550100001', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US', location } },
        notifyBy: 'email',
      },
      metadata: metadata(customerId),
    });
    await send(commands, customers, { type: 'advancePaidUntil', data: { customerId, paidUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(), invoiceId: `inv-${customerId}` }, metadata: metadata(`paid-${customerId}`) });
    await account('customer', customerId, { customerId });
  }
  await send(commands, experts, {
    type: 'onboardExpert',
    data: {
      expertId: 'exp-soak',
      name: 'Eli Expert',
      contact: { email: 'exp-soak@soak.test', phone: '+15550100002' },
      locale: 'en-US',
      homeLocation: location,
      serviceArea: { kind: 'radius', radiusKm: 30 },
      skills: TICKET_SKILLS,
      availability: { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '22:00' }])) },
      feePerVisitCents: 8000,
    },
    metadata: metadata('expert'),
  });
  await account('expert', 'exp-soak', { expertId: 'exp-soak' });
  await account('helpdesk', 'helpdesk', {});
  await events.close();
  return logins;
}

function runSoak(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'soak.ts'), ...args], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

describe('npm run soak (scripts/soak.ts) against a running server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-soak-'));
  const dataDir = join(dir, 'data');
  let server: ServerProcess | undefined;
  let logins: Login[];

  beforeAll(async () => {
    logins = await writeUsers(dataDir);
    writeFileSync(join(dir, 'logins.json'), JSON.stringify({ logins }));
    server = await ServerProcess.start({ name: 'server', entry: { entry: join(root, 'app', 'main.ts'), execArgv: ['--import', 'tsx'] }, env: serverEnv(dataDir), readyPath: '/ready' });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a line per interval with req/s, latency, errors, RSS, WAL, saga lag and open visits, then the drift', async () => {
    const { code, out, err } = await runSoak(['--url', server!.url, '--pid', String(server!.pid), '--data-dir', dataDir, '--logins', join(dir, 'logins.json'), '--minutes', '0.05', '--interval-seconds', '1', '--concurrency', '4']);
    expect([code, err]).toEqual([0, expect.any(String)]);
    expect(out).toContain(`soak: 3 intervals of 1 s, 4 clients, ${logins.length} logins, ${server!.url}`);
    const lines = out.split('\n').filter((line) => /^\[\d\/3\]/.test(line));
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(/^\[\d\/3\] +\d+\.\d req\/s {2}p50 (\d+ ms|-) {2}p99 (\d+ ms|-) {2}non-2xx \d+.* {2}rss \d+ MB {2}wal .*events\.db \d+\.\d MB.* {2}saga lag (p99 (\d+ ms|-), \d+ behind \(.+\)|-) {2}open visits \d+$/);
    }
    expect(out).toMatch(/^soak: 3 intervals, \d+ s, 4 clients: \d+ requests \(\d+\.\d req\/s\), non-2xx \d+/m);
    expect(out).toMatch(/^drift \(last interval ÷ first\): p99 (\d+\.\d\d|-), rss \d+\.\d\d, wal (\d+\.\d\d|-), open visits \d+ → \d+$/m);
    expect(out).toMatch(/^by request \(first interval → last\):\n {2}(GET|POST) \/\S+: \d+ → \d+ requests, p50 \d+ ms → \d+ ms \(\d+\.\d\d\), p99 \d+ ms → \d+ ms \(\d+\.\d\d\)$/m);
  }, 90_000);

  it('refuses options it does not know, with the usage and exit code 2', async () => {
    const { code, err } = await runSoak(['--minute', '1']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option --minute\nusage: npm run soak -- \[--minutes 10\]/);
  }, 30_000);
});
