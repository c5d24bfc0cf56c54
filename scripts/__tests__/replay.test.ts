import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { SqliteEventStore } from '../../event-store/sqlite';
import { AUDIT_TRAIL } from '../../projections/audit-trail/projection';
import { ProjectionRegistry } from '../../projections/registry';

const script = join(__dirname, '..', 'replay.ts');

function replay(dataDir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('npm run replay (scripts/replay.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const events = new SqliteEventStore({ path: join(dir, 'events.db') });
    for (let i = 0; i < 300; i++) {
      await events.appendToStream(`ticket-${i % 30}`, [
        { type: i % 3 ? 'ProbePinged' : 'ProbeReset', data: { i }, metadata: { correlationId: `c${i}`, causationId: null, actor: { userId: 'u', role: 'customer' }, timestamp: '2026-02-01T08:00:00.000Z' } },
      ]);
    }
    await events.close();
  });

  it('rebuilds every read model with a progress bar and switches readers to the rebuild', async () => {
    const { code, out, err } = replay(dir, '--all');
    expect(code).toBe(0);
    expect(out).toMatch(/audit-trail: rebuilt to position 300; readers now use audit_trail_v2r/);
    expect(out).toMatch(/activity: rebuilt to position 300/);
    expect(err).toMatch(/100% \| 300\/300 events/);
    const documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    const active = await new ProjectionRegistry(documents).active('audit-trail');
    expect(await documents.collection(`${AUDIT_TRAIL}_${active!.suffix}`).count()).toBe(300);
    await documents.close();
  });

  it('--verify compares a rebuild with the live read model and exits 1 on a difference', async () => {
    expect(replay(dir, '--all', '--verify')).toMatchObject({ code: 0, out: expect.stringMatching(/audit-trail: verified at position 300/) });
    const documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    const active = await new ProjectionRegistry(documents).active('audit-trail');
    const live = documents.collection(`${AUDIT_TRAIL}_${active!.suffix}`);
    const [doc] = await live.find({}, { limit: 1 });
    await live.updateOne({ _id: doc!._id }, { $set: { type: 'Tampered' } });
    await documents.close();
    const tampered = replay(dir, '--projection', 'audit-trail', '--verify');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain(`${AUDIT_TRAIL} ${doc!._id}: different (type)`);
  });

  it('--until builds the read model as of a position, beside the live one', () => {
    const { code, out } = replay(dir, '--projection', 'activity', '--until', '120');
    expect(code).toBe(0);
    expect(out).toMatch(/activity: as of position 120 in daily_activity_v1at120 \(live read model untouched\)/);
  });

  it('refuses bad arguments with a usage message and exit code 2', () => {
    expect(replay(dir)).toMatchObject({ code: 2, err: expect.stringMatching(/--projection NAME, or use --all/) });
    expect(replay(dir, '--projection', 'nope')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown read model nope/) });
    expect(replay(dir, '--all', '--until', 'soon')).toMatchObject({ code: 2, err: expect.stringMatching(/--until: must be an event position/) });
    expect(replay(dir, '--all', '--until', '5', '--verify')).toMatchObject({ code: 2 });
  });
});

describe('npm run replay on a history with an event a handler cannot project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-replay-poison-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const metadata = (i: number) => ({ correlationId: `c${i}`, causationId: null, actor: { userId: 'u', role: 'customer' }, timestamp: '2026-02-01T08:00:00.000Z' });

  beforeAll(async () => {
    const events = new SqliteEventStore({ path: join(dir, 'events.db') });
    for (let i = 1; i <= 40; i++) {
      // Position 25 lacks its timestamp: the activity read model files events by day and cannot place it.
      const { timestamp, ...undated } = metadata(i);
      await events.appendToStream(`ticket-${i % 7}`, [
        { type: 'ProbePinged', data: { i }, metadata: (i === 25 ? undated : { ...undated, timestamp }) as ReturnType<typeof metadata> },
      ]);
    }
    await events.close();
  });

  it('gives up after --max-attempts, names the projection, event and error, rebuilds the others and exits 2', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--all', '--max-attempts', '2'], {
      env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
      encoding: 'utf8',
      timeout: 25_000, // a replay that retries forever is killed here and the test fails
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/error: activity: the handler failed 2 time\(s\) on the event at position 25 \(type ProbePinged, stream ticket-4, id [0-9a-f-]{36}\): .*slice/);
    expect(run.stderr).toMatch(/error: not rebuilt: activity$/m);
    expect(run.stdout).toMatch(/audit-trail: rebuilt to position 40; readers now use audit_trail_v2r/);
    expect(run.stdout).not.toMatch(/activity: rebuilt/);
  });

  it('retries 5 times by default, and documents the flag and the exit codes in --help', () => {
    const failing = replay(dir, '--projection', 'activity');
    expect(failing.code).toBe(2);
    expect(failing.err).toMatch(/activity: the handler failed 5 time\(s\) on the event at position 25/);
    const help = replay(dir, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--max-attempts N/);
    expect(help.out).toMatch(/exit codes: 0 .*1 --verify found differences, or --check found checkpoints that do not fit,\s+2 bad arguments, or a rebuild failed/s);
    expect(replay(dir, '--all', '--max-attempts', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/--max-attempts: must be a whole number/) });
  });
});

describe('npm run replay after the event store lost events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-replay-lost-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const metadata = { correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'customer' }, timestamp: '2026-02-01T08:00:00.000Z' };

  beforeAll(async () => {
    const events = new SqliteEventStore({ path: join(dir, 'events.db') });
    for (let i = 1; i <= 60; i++) await events.appendToStream(`ticket-${i % 5}`, [{ type: 'ProbePinged', data: { i }, metadata }]);
    const storeId = await events.storeId();
    const sixtieth = (await events.eventAt(60))!;
    await events.close();
    expect(replay(dir, '--all').code).toBe(0);
    const documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    for (const name of ['matching', 'notifications']) {
      await documents.collection('_saga_checkpoints').insertOne({ _id: name, position: 60, storeId, eventId: sixtieth.id, eventRecordedAt: sixtieth.recordedAt, handled: 3, refused: 0 });
    }
    await documents.close();
    // The store loses its last 15 events.
    const db = new Database(join(dir, 'events.db'));
    db.prepare('DELETE FROM events WHERE position > 45').run();
    db.close();
  });

  it('--check names what does not fit and the commands to run, and exits 1; after them it exits 0', () => {
    const check = replay(dir, '--check');
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/^event store [0-9a-f-]{36}: head at position 45$/m);
    expect(check.out).toMatch(/^ {2}read model audit-trail: checkpoint at position 60, past the event store's head 45/m);
    expect(check.out).toMatch(/^ {2}saga matching: checkpoint at position 60, .*the last position the store shares with it: 45$/m);
    expect(check.out).toMatch(/^read models: Stop the server and rebuild .*`npm run replay -- --all`/m);
    expect(check.out).toMatch(/^sagas: The sagas need a decision .*`npm run replay -- --reset-sagas-to 45`/m);

    const repair = replay(dir, '--all', '--reset-sagas-to', '45');
    expect(repair.code).toBe(0);
    expect(repair.out).toMatch(/^saga matching: checkpoint moved from 60 to position 45: it handles the events after 45 when the server starts$/m);
    expect(repair.out).toMatch(/audit-trail: rebuilt to position 45/);
    const after = replay(dir, '--check');
    expect(after).toMatchObject({ code: 0, out: expect.stringMatching(/every read model \(\d+\) and saga \(3\) checkpoint fits the event store/) });
  });

  it('--reset-sagas-to refuses a position the store does not have, and --saga without it', () => {
    expect(replay(dir, '--reset-sagas-to', '99')).toMatchObject({ code: 2, err: expect.stringMatching(/--reset-sagas-to: position 99 is past the event store's head \(45\)/) });
    expect(replay(dir, '--reset-sagas-to', 'soon')).toMatchObject({ code: 2, err: expect.stringMatching(/must be an event position \(a whole number\) or head/) });
    expect(replay(dir, '--all', '--saga', 'matching')).toMatchObject({ code: 2, err: expect.stringMatching(/--saga names the sagas --reset-sagas-to moves/) });
    expect(replay(dir, '--reset-sagas-to', 'head', '--saga', 'notifications')).toMatchObject({ code: 0, out: expect.stringMatching(/^saga notifications: checkpoint moved from 45 to position 45/m) });
  });
});
