import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { SqliteEventStore } from '../../event-store/sqlite';
import { WalLimit } from '../wal-limit';

const MiB = 1024 * 1024;

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

describe('WalLimit', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wal-limit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A connection that never checkpoints inside its commits, as while a checkpointer thread is expected. */
  function openWithoutAutocheckpoint(path: string): Database.Database {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    return db;
  }

  /** Frames in the WAL now: after a restart, only what was committed since. */
  function walFrames(db: Database.Database): number {
    return (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
  }

  function writeMiB(db: Database.Database, mib: number, after?: () => void): void {
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const body = 'x'.repeat(1000);
    for (let i = 0; i < mib * 1024; i++) {
      insert.run(body);
      after?.();
    }
  }

  it('lets the WAL grow past any bound without it (the failure it fixes)', () => {
    const path = join(dir, 'plain.db');
    const db = openWithoutAutocheckpoint(path);
    writeMiB(db, 4);
    expect(walSize(path)).toBeGreaterThan(4 * MiB);
    db.close();
  });

  it('starts the WAL over once it outgrows the limit, and keeps the file within it', () => {
    const path = join(dir, 'limited.db');
    const db = openWithoutAutocheckpoint(path);
    const limit = new WalLimit(db, `${path}-wal`, 1 * MiB, 0);
    let largest = 0;
    writeMiB(db, 4, () => {
      limit.afterCommit(1024);
      largest = Math.max(largest, walSize(path));
    });
    // One commit (a page or two) past the limit at most, before the check after it.
    expect(largest).toBeLessThan(1 * MiB + 64 * 1024);
    expect(limit.resetCount).toBeGreaterThan(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(4 * 1024);
    expect(walFrames(db)).toBeLessThan(1 * MiB / 4096);
    db.close();
  });

  it('empties a WAL left big by a crash when the file is opened', () => {
    const path = join(dir, 'crashed.db');
    const db = openWithoutAutocheckpoint(path);
    writeMiB(db, 3);
    // What a crash leaves: a second connection opens while the WAL is big.
    const next = new Database(path);
    new WalLimit(next, `${path}-wal`, 1 * MiB);
    expect(walSize(path)).toBe(0);
    expect((next.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(3 * 1024);
    next.close();
    db.close();
  });

  it('checks the file at most once per interval', () => {
    const path = join(dir, 'interval.db');
    const db = openWithoutAutocheckpoint(path);
    const limit = new WalLimit(db, `${path}-wal`, 1 * MiB, 60_000);
    limit.afterCommit(0, 1_000_000); // looks: nothing to do yet
    writeMiB(db, 2);
    limit.afterCommit(1024, 1_000_001); // within the interval, little appended: does not look
    expect(limit.resetCount).toBe(0);
    limit.afterCommit(1024, 1_060_001); // a minute later
    expect(limit.resetCount).toBe(1);
    writeMiB(db, 1 / 1024); // the next commit starts the WAL over, and cuts the file to the limit
    expect(walFrames(db)).toBeLessThan(4);
    expect(walSize(path)).toBeLessThanOrEqual(1 * MiB);
    writeMiB(db, 2);
    limit.afterCommit(MiB / 8, 1_060_002); // an eighth of the limit appended since: looks at once
    expect(limit.resetCount).toBe(2);
    db.close();
  });

  it('bounds the document store WAL under many small commits', async () => {
    const path = join(dir, 'documents.db');
    const store = new EmbeddedDocumentStore({ path, walLimitBytes: 2 * MiB });
    const docs = store.collection('docs');
    let largest = 0;
    for (let i = 0; i < 3000; i++) {
      await docs.insertOne({ _id: `d${i}`, body: 'y'.repeat(500) });
      if (i % 100 === 0) largest = Math.max(largest, walSize(path));
    }
    await store.close();
    // Looked at every eighth of the limit (by the store's estimate of what commits append).
    expect(largest).toBeLessThan(4 * MiB);
    const reopened = new EmbeddedDocumentStore({ path });
    expect(await reopened.collection('docs').count()).toBe(3000);
    await reopened.close();
  });

  it('bounds the event store WAL and keeps every event', async () => {
    const path = join(dir, 'events.db');
    const store = new SqliteEventStore({ path, synchronous: 'NORMAL', walLimitBytes: 1 * MiB, watchOtherWriters: false });
    for (let i = 0; i < 2000; i++) {
      await store.appendToStream(`s-${i % 50}`, [{ type: 'Happened', data: { i, text: 'z'.repeat(800) }, metadata: { correlationId: 'c', causationId: null, actor: { userId: 'system', role: 'system' }, timestamp: '2026-01-01T00:00:00Z' } }]);
    }
    expect(await store.headPosition()).toBe(2000);
    await store.close();
    expect(walSize(path)).toBeLessThan(8 * MiB);
  });
});
