/**
 * `npm run backup` while the stores are written, `npm run restore` of what it made: every event
 * acknowledged before the backup began is in it, the read models rebuild equal to those
 * restored, and a restore of an older event store alone rebuilds the read models ahead of it
 * and asks for a decision about the sagas.
 */
import Database from 'better-sqlite3';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../event-store/sqlite';
import { allProjections } from '../../projections/all';

const scripts = join(__dirname, '..');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a script without blocking this process (the writer's output keeps being read meanwhile). */
function run(script: string, dataDir: string, ...args: string[]): Promise<Run> {
  const { EVENTSTORE_URL: _e, MONGO_URL: _m, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(scripts, script), ...args], {
    env: { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

/** The writer under load: acknowledged events by position. */
class Writer {
  readonly acked = new Map<number, string>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<unknown>;
  private pending = '';

  constructor(dataDir: string) {
    const { EVENTSTORE_URL: _e, MONGO_URL: _m, ...inherited } = process.env;
    this.child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'write-load.ts')], {
      env: { ...inherited, DATA_DIR: dataDir, NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.pending += chunk.toString();
      const lines = this.pending.split('\n');
      this.pending = lines.pop()!;
      for (const line of lines) {
        const [, position, id] = line.split(' ');
        this.acked.set(Number(position), id!);
      }
    });
  }

  async until(count: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (this.acked.size < count) {
      if (this.child.exitCode !== null) throw new Error('the writer exited');
      if (Date.now() > deadline) throw new Error(`only ${this.acked.size} acknowledged appends`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Until every saga checkpoint saved in DATA_DIR's documents.db is past `position` (read from the
 * file, as the restore will): the writer appends as fast as it can, and how far behind its sagas'
 * saved checkpoints trail depends on the machine.
 */
async function savedPast(dataDir: string, position: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const db = new Database(join(dataDir, 'documents.db'), { readonly: true });
    const saved = db.prepare<[], { doc: string }>("SELECT doc FROM documents WHERE collection = '_saga_checkpoints'").all().map((row) => (JSON.parse(row.doc) as { position: number }).position);
    db.close();
    if (saved.length > 0 && saved.every((p) => p > position)) return;
    if (Date.now() > deadline) throw new Error(`saga checkpoints saved at ${saved.join(', ')}, not past ${position}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm run backup and npm run restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-backup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const live = join(dir, 'live');

  it('backs up under write load; the restore holds every event acknowledged before, and its read models rebuild equal', async () => {
    const writer = new Writer(live);
    try {
      await writer.until(400);
      const before = new Map(writer.acked);
      const ackedDuringBackup = writer.acked.size;
      const backup = await run('backup.ts', live, '--to', join(dir, 'backup-1'));
      expect(backup).toMatchObject({ code: 0, err: expect.stringMatching(/events\.db .*100% \| [\d.]+\/[\d.]+ MiB/) });
      const head = Number(/events up to position (\d+)/.exec(backup.out)![1]);
      await writer.until(writer.acked.size + 50); // the writers went on throughout
      expect(writer.acked.size).toBeGreaterThan(ackedDuringBackup);

      // The server holds DATA_DIR: restoring into it is refused, and changes nothing.
      const refused = await run('restore.ts', live, '--from', join(dir, 'backup-1'));
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/in use by process \d+ \(backup test writer.*Nothing restored/);
      expect(existsSync(join(live, 'events.db'))).toBe(true);

      const manifest = JSON.parse(readFileSync(join(dir, 'backup-1', 'backup.json'), 'utf8'));
      expect(manifest).toMatchObject({ format: 1, head, storeId: expect.any(String) });
      expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['documents.db', 'events.db', '.secrets.json']);

      const restoredDir = join(dir, 'restored');
      const restored = await run('restore.ts', restoredDir, '--from', join(dir, 'backup-1'));
      expect(restored.code).toBe(0);
      expect(restored.out).toMatch(new RegExp(`restored documents.db and events.db from .* events up to position ${head}\\)`));
      expect(restored.out).toContain(`every read model (${allProjections.length}) and saga (3) checkpoint fits the event store`);

      const events = new SqliteEventStore({ path: join(restoredDir, 'events.db') });
      try {
        expect(await events.headPosition()).toBe(head);
        expect(await events.storeId()).toBe(manifest.storeId);
        const all = await events.readAll();
        expect(all.map((e) => e.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        const ids = new Set(all.map((e) => e.id));
        for (const [position, id] of before) {
          expect(ids.has(id)).toBe(true);
          expect(position).toBeLessThanOrEqual(head);
        }
      } finally {
        await events.close();
      }
      const verify = await run('replay.ts', restoredDir, '--all', '--verify');
      expect(verify.code).toBe(0);
      expect(verify.out).toMatch(/audit-trail: verified at position \d+: the live read model equals a rebuild from history/);
    } finally {
      await writer.kill();
    }
  });

  it('refuses an unfinished or altered backup, and a folder that is not empty', async () => {
    expect(await run('backup.ts', live, '--to', join(dir, 'backup-1'))).toMatchObject({ code: 2, err: expect.stringMatching(/backup-1 is not empty/) });
    expect(await run('restore.ts', join(dir, 'elsewhere'), '--from', join(dir, 'nothing'))).toMatchObject({ code: 2, err: expect.stringMatching(/holds no backup\.json.*nothing restored/) });
    expect(await run('backup.ts', live)).toMatchObject({ code: 2, err: expect.stringMatching(/--to FOLDER is required/) });
    const altered = join(dir, 'altered');
    cpSync(join(dir, 'backup-1'), altered, { recursive: true });
    const fd = openSync(join(altered, 'events.db'), 'r+');
    writeSync(fd, Buffer.from('tampered'), 0, 8, 5000);
    closeSync(fd);
    const refused = await run('restore.ts', join(dir, 'elsewhere'), '--from', altered);
    expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(/altered\/events\.db is not the file that was backed up \(its SHA-256 differs\); nothing restored/) });
    expect(existsSync(join(dir, 'elsewhere', 'events.db'))).toBe(false);
  });

  it('--only events from an older backup: read models ahead of it are rebuilt, the sagas wait for a decision', async () => {
    const writer = new Writer(live);
    let older: number;
    try {
      await writer.until(writer.acked.size + 100);
      const backup = await run('backup.ts', live, '--to', join(dir, 'backup-2'));
      expect(backup.code).toBe(0);
      older = Number(/events up to position (\d+)/.exec(backup.out)![1]);
      await writer.until(writer.acked.size + 300); // read models and sagas move past it
      await savedPast(live, older); // their checkpoints saved
    } finally {
      await writer.kill();
    }
    const restored = await run('restore.ts', live, '--from', join(dir, 'backup-2'), '--only', 'events');
    expect(restored.code).toBe(3);
    expect(restored.out).toMatch(/^restored events\.db from .* the files they replace are in .*before-restore-/m);
    expect(restored.out).toMatch(/read models ahead of the restored event store, or made from another: audit-trail, activity, .*; rebuilding them/);
    expect(restored.out).toMatch(new RegExp(`audit-trail: rebuilt to position ${older}; readers now use`));
    expect(restored.out).toMatch(new RegExp(`saga matching: checkpoint at position \\d+, past the event store's head ${older}.*the last position the store shares with it: ${older}`));
    expect(restored.out).toMatch(new RegExp(`--reset-sagas-to ${older}\``));

    expect((await run('replay.ts', live, '--reset-sagas-to', String(older))).code).toBe(0);
    expect(await run('replay.ts', live, '--check')).toMatchObject({ code: 0, out: expect.stringContaining(`every read model (${allProjections.length}) and saga (3) checkpoint fits`) });
  });
});
