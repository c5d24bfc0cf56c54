import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { lockDataDir } from '../data-lock';

/**
 * How to run a process as PID 1 of a new PID namespace (as a container's CMD runs), killed with
 * whoever started it: `unshare` as root, or in a user namespace; null where neither is allowed.
 */
function asPidOne(): string[] | null {
  for (const flags of [[], ['--user', '--map-root-user']]) {
    const prefix = ['unshare', ...flags, '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL'];
    const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.stdout === '1') return prefix;
  }
  return null;
}

/** A process that locks `dir` (fixtures/hold-data-lock.ts): its first line says whether it could. */
function holder(dir: string, wrapper: string[] = []): { child: ChildProcess; said: Promise<string>; exited: Promise<number | null> } {
  const command = [...wrapper, process.execPath, '--import', 'tsx', join(__dirname, 'fixtures/hold-data-lock.ts'), dir];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const said = new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => resolve(`exited ${code}`));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, said, exited };
}

describe('DATA_DIR lock (embedded stores serve one process)', () => {
  const root = mkdtempSync(join(tmpdir(), 'sysops-lock-'));
  let n = 0;
  const fresh = () => {
    const dir = join(root, `dir-${++n}`);
    return dir;
  };
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a second owner while the first is alive, naming it', () => {
    const dir = fresh();
    const release = lockDataDir(dir, 'npm start (all)');
    expect(() => lockDataDir(dir, 'npm run replay')).toThrow(new RegExp(`in use by process ${process.pid} \\(npm start \\(all\\)`));
    release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    lockDataDir(dir, 'npm run replay')();
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = fresh();
    lockDataDir(dir, 'first')();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, purpose: 'crashed', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir, 'npm start (all)');
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'npm start (all)' });
    release();
  });

  it('restarting as the same pid (PID 1 in a container) after SIGKILL: the lock of the killed incarnation, naming our own pid, is taken over', () => {
    const dir = fresh();
    lockDataDir(dir, 'first')();
    // What the killed server left: its pid was 1, and so is ours (here: ours, whatever it is).
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: process.pid, purpose: 'npm start (all)', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir, 'npm start (all)');
    release();
    // Without even a lock database (a data folder from before it existed).
    const old = fresh();
    lockDataDir(old, 'first')();
    rmSync(join(old, '.lock.sqlite'));
    writeFileSync(join(old, '.lock'), JSON.stringify({ pid: process.pid, purpose: 'npm start (all)', since: '2026-01-01T00:00:00Z' }));
    lockDataDir(old, 'npm start (all)')();
  });

  const pidOne = asPidOne();
  (pidOne ? it : it.skip)(`a server running as PID 1, killed (SIGKILL), restarts as PID 1 on the same folder${pidOne ? '' : ' (skipped: unshare cannot make a PID namespace here)'}`, async () => {
    const dir = fresh();
    const killed = holder(dir, pidOne!);
    children.push(killed.child);
    expect(await killed.said).toBe('locked 1');
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'))).toMatchObject({ pid: 1 });
    killed.child.kill('SIGKILL');
    await killed.exited;
    const restarted = holder(dir, pidOne!);
    children.push(restarted.child);
    expect(await restarted.said).toBe('locked 1');
    // And while that one runs, a second PID 1 (another container on the same volume) is refused.
    const second = holder(dir, pidOne!);
    children.push(second.child);
    expect(await second.said).toMatch(/^refused .*in use by process 1 \(a test holder/);
  }, 30_000);

  it('a pid reused by another, live process does not hold the lock', async () => {
    const dir = fresh();
    lockDataDir(dir, 'first')();
    // The pid of the dead owner now belongs to an unrelated live process (here: our parent).
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: process.ppid, purpose: 'npm start (all)', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir, 'npm start (all)');
    release();
  });

  it('another process holding it is refused until that process is killed (SIGKILL), then the lock is free', async () => {
    const dir = fresh();
    const first = holder(dir);
    children.push(first.child);
    expect(await first.said).toBe(`locked ${first.child.pid}`);
    expect(() => lockDataDir(dir, 'npm run seed')).toThrow(new RegExp(`in use by process ${first.child.pid} \\(a test holder`));
    first.child.kill('SIGKILL');
    await first.exited;
    const release = lockDataDir(dir, 'npm run seed');
    release();
  }, 30_000);

  it('of several processes starting at once, one gets the lock', async () => {
    const dir = fresh();
    lockDataDir(dir, 'first')();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 1, purpose: 'killed long ago', since: '2026-01-01T00:00:00Z' }));
    const racers = [holder(dir), holder(dir), holder(dir)];
    children.push(...racers.map((r) => r.child));
    const said = await Promise.all(racers.map((r) => r.said));
    expect(said.filter((line) => line.startsWith('locked'))).toHaveLength(1);
    expect(said.filter((line) => line.startsWith('refused'))).toHaveLength(2);
  }, 30_000);
});
