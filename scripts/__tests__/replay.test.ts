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
