/**
 * `npm run admin -- create`: the first admin of a system without demo data, through the same
 * commands as POST /users — an event with a scrypt hash, never the password; the password never
 * comes from the command line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPassword } from '../../api/auth/passwords';
import { SqliteEventStore } from '../../event-store/sqlite';
import { parseAdminArguments } from '../admin';

const script = join(__dirname, '..', 'admin.ts');
const PASSWORD = 'a long admin passphrase';

function admin(dataDir: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const { ADMIN_PASSWORD: _p, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...env, DATA_DIR: dataDir, NODE_ENV: 'test', ...options.env },
    input: options.stdin ?? '',
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

async function recorded(dataDir: string) {
  const events = new SqliteEventStore({ path: join(dataDir, 'events.db') });
  try {
    return await events.readAll();
  } finally {
    await events.close();
  }
}

describe('npm run admin (scripts/admin.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-admin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates an admin with the password from stdin: one UserRegistered with a hash, not the password', async () => {
    const { code, out, err } = admin(dir, ['create', '--email', 'Ops@Example.com'], { stdin: `${PASSWORD}\n` });
    expect([code, err]).toEqual([0, '']);
    expect(out).toMatch(/^Created the admin account ops@example\.com \(user [0-9a-f-]{36}\)\./);
    const events = await recorded(dir);
    expect(events.map((e) => e.type)).toEqual(['UserRegistered']);
    const data = events[0]!.data as { email: string; role: string; passwordHash: string };
    expect(data).toMatchObject({ email: 'ops@example.com', role: 'admin', customerId: null, expertId: null });
    expect(await verifyPassword(PASSWORD, data.passwordHash)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  }, 30_000);

  it('takes the password from ADMIN_PASSWORD and the role from --role', async () => {
    const { code, out } = admin(dir, ['create', '--email=manager@example.com', '--role', 'manager'], { env: { ADMIN_PASSWORD: PASSWORD } });
    expect(code).toBe(0);
    expect(out).toMatch(/Created the manager account manager@example\.com/);
    expect((await recorded(dir)).map((e) => (e.data as { role: string }).role)).toEqual(['admin', 'manager']);
  }, 30_000);

  it('refuses an e-mail that has an account (exit 1), changing nothing', async () => {
    const { code, err } = admin(dir, ['create', '--email', 'ops@example.com'], { stdin: 'another password 123\n' });
    expect(code).toBe(1);
    expect(err).toMatch(/ops@example\.com already has an account; nothing was changed/);
    expect(await recorded(dir)).toHaveLength(2);
  }, 30_000);

  it('refuses a password on the command line, with the usage (exit 2), writing nothing', async () => {
    const { code, err } = admin(dir, ['create', '--email', 'x@example.com', '--password', PASSWORD], { stdin: `${PASSWORD}\n` });
    expect(code).toBe(2);
    expect(err).toMatch(/never given on the command line/);
    expect(err).toMatch(/usage: npm run admin -- create --email/);
    expect(await recorded(dir)).toHaveLength(2);
  }, 30_000);

  it.each([
    [['create', '--email', 'x@example.com', `--password=${PASSWORD}`], /never given on the command line/],
    [['create', '--email', 'not-an-e-mail'], /--email: /],
    [['create', '--email', 'x@example.com', '--role', 'customer'], /--role: /],
    [['create'], /--email: /],
    [['create', '--email'], /--email needs a value/],
    [['remove', '--email', 'x@example.com'], /unknown command remove/],
    [['create', '--email', 'x@example.com', '--mail', 'y'], /unknown option --mail/],
  ])('refuses the arguments %j', (args, message) => {
    expect(() => parseAdminArguments(args)).toThrow(message);
  });

  it('reads --email, --role (admin by default) in both spellings', () => {
    expect(parseAdminArguments(['create', '--email', ' Ops@Example.com '])).toEqual({ email: 'ops@example.com', role: 'admin' });
    expect(parseAdminArguments(['create', '--email=h@example.com', '--role=helpdesk'])).toEqual({ email: 'h@example.com', role: 'helpdesk' });
  });

  it('refuses a password shorter than the API accepts', () => {
    const { code, err } = admin(dir, ['create', '--email', 'x@example.com'], { stdin: 'short\n' });
    expect(code).toBe(2);
    expect(err).toMatch(/password: at least 10 characters/);
  }, 30_000);
});
