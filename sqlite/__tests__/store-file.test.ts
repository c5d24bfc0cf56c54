/**
 * A damaged SQLite file (a page overwritten) is reported as a StoreFileCorrupt naming the file
 * and what to do, when the store opens (quick_check) and when a read comes across the page;
 * the server does not start and says so in one message, not SQLite's stack.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { newEvent } from '../../event-store/conformance';
import { SqliteEventStore } from '../../event-store/sqlite';
import { StoreFileCorrupt } from '../store-file';

/** Overwrites one page of the file with random bytes (page 1 is the file's header). */
function damagePage(path: string, pageSize: number, page: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, randomFillSync(Buffer.alloc(pageSize)), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

async function eventStoreWithHistory(path: string): Promise<void> {
  const store = new SqliteEventStore({ path });
  for (let i = 0; i < 300; i++) await store.appendToStream(`thing-${i % 5}`, [newEvent('Happened', { i, text: 'x'.repeat(200) })]);
  await store.close();
}

async function documentStoreWithDocuments(path: string): Promise<void> {
  const store = new EmbeddedDocumentStore({ path });
  for (let i = 0; i < 500; i++) await store.collection('things').insertOne({ _id: `d${i}`, text: 'y'.repeat(300) });
  await store.close();
}

describe('a damaged store file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sysops-damaged-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('event store: refused at open with the file, what quick_check found and what to do', async () => {
    const path = join(dir, 'events.db');
    await eventStoreWithHistory(path);
    damagePage(path, 4096, 20);
    let error: unknown;
    try {
      new SqliteEventStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreFileCorrupt);
    expect((error as StoreFileCorrupt).path).toBe(path);
    expect((error as Error).message).toMatch(new RegExp(`^${path} is damaged \\(quick_check: .*page.*\\)\\. It is the system of record`));
    expect((error as Error).message).toContain('`npm run restore -- --from <backup folder>`');
    expect((error as Error).message).toContain(`\`sqlite3 ${path} .recover\``);
  });

  it('event store: a read that comes across the page says the same, and the store answers pings no more', async () => {
    const path = join(dir, 'events.db');
    await eventStoreWithHistory(path);
    damagePage(path, 4096, 20);
    const store = new SqliteEventStore({ path, checkOnOpen: false });
    try {
      await store.ping();
      const read = await store.readAll().catch((e: unknown) => e);
      expect(read).toBeInstanceOf(StoreFileCorrupt);
      expect((read as Error).message).toMatch(new RegExp(`^${path} is damaged \\(database disk image is malformed\\)\\. .*npm run restore`));
      await expect(store.ping()).rejects.toBe(read);
    } finally {
      await store.close();
    }
  });

  it('document store: refused at open, and a read across the page names the file', async () => {
    const path = join(dir, 'documents.db');
    await documentStoreWithDocuments(path);
    damagePage(path, 16384, 4);
    expect(() => new EmbeddedDocumentStore({ path })).toThrow(new RegExp(`^${path} is damaged \\(quick_check: .*\\)\\. It holds the read models`));
    const store = new EmbeddedDocumentStore({ path, checkOnOpen: false });
    try {
      const read = await store.collection('things').find({}).catch((e: unknown) => e);
      expect(read).toBeInstanceOf(StoreFileCorrupt);
      expect((read as Error).message).toMatch(/npm run restore -- --from <backup folder>.*npm run replay -- --all.*--reset-sagas-to head/);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreFileCorrupt);
    } finally {
      await store.close();
    }
  });

  it('a file that is not a database at all', async () => {
    const path = join(dir, 'events.db');
    await eventStoreWithHistory(path);
    damagePage(path, 4096, 1);
    expect(() => new SqliteEventStore({ path })).toThrow(new RegExp(`^${path} is damaged \\(file is not a database\\)`));
  });

  it('the server does not start, and says which file and what to run, without a stack', async () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    await eventStoreWithHistory(join(dataDir, 'events.db'));
    damagePage(join(dataDir, 'events.db'), 4096, 20);
    const { EVENTSTORE_URL: _e, MONGO_URL: _m, ...inherited } = process.env;
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'app', 'main.ts')], {
      env: { ...inherited, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^Cannot start: ${join(dataDir, 'events.db')} is damaged \\(quick_check: .*npm run restore -- --from <backup folder>`, 'm'));
    expect(run.stderr).not.toMatch(/SqliteError|^\s+at /m);
  });
});
