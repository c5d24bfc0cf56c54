import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppendWriter, WireAppend } from '../append-writer';
import { describeEventStoreConformance, newEvent } from '../conformance';
import { WrongExpectedVersion } from '../port';
import { SqliteEventStore } from '../sqlite';

describeEventStoreConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-'));
  const path = join(dir, 'events.db');
  return {
    open: async () => new SqliteEventStore({ path }),
    reopen: async (previous) => {
      await previous.close();
      return new SqliteEventStore({ path });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// The same suite for the server's store: its data folder is locked, nobody else appends.
describeEventStoreConformance('sqlite, sole writer of its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-sole-'));
  const path = join(dir, 'events.db');
  return {
    open: async () => new SqliteEventStore({ path, soleWriter: true }),
    reopen: async (previous) => {
      await previous.close();
      return new SqliteEventStore({ path, soleWriter: true });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite event store: the sole writer of its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-sole-known-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What the data folder's lock rules out: another connection appending an event. */
  function sneakIn(path: string, stream: string, revision: number): void {
    const other = new Database(path);
    other
      .prepare("INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, 'Sneaked', '{}', '{}', '2026-01-01T00:00:00.000Z')")
      .run(`sneaked-${stream}-${revision}`, stream, revision);
    other.close();
  }

  it('knows its head and the last revision of the streams it appended to or read, without asking the file', async () => {
    const path = join(dir, 'known.db');
    const seeded = new SqliteEventStore({ path });
    await seeded.appendToStream('read-only', [newEvent('Seeded')]);
    await seeded.close();
    const store = new SqliteEventStore({ path, soleWriter: true });
    try {
      await store.appendToStream('appended', [newEvent('A'), newEvent('A')]);
      expect((await store.readStream('read-only')).map((e) => e.type)).toEqual(['Seeded']);
      expect(await store.readStream('missing')).toEqual([]);
      sneakIn(path, 'appended', 2);
      sneakIn(path, 'read-only', 1);
      sneakIn(path, 'missing', 0);
      sneakIn(path, 'unseen', 0);
      // Answered from what it knows: a store that asked the file would see the sneaked events.
      expect(await store.readStream('appended', { fromRevision: 2 })).toEqual([]);
      expect(await store.readStream('read-only', { fromRevision: 1 })).toEqual([]);
      expect(await store.readStream('missing')).toEqual([]);
      expect(await store.headPosition()).toBe(3);
      // A stream it knows nothing of, and reads that do not start after the end, go to the file.
      expect((await store.readStream('unseen')).map((e) => e.type)).toEqual(['Sneaked']);
      expect((await store.readStream('appended', { fromRevision: 1 })).map((e) => e.revision)).toEqual([1, 2]);
      // Its next append to a stream it had wrong is refused by the file, and then it knows.
      await expect(store.appendToStream('read-only', [newEvent('B')], { expectedRevision: 0 })).rejects.toBeInstanceOf(WrongExpectedVersion);
      expect((await store.readStream('read-only', { fromRevision: 1 })).map((e) => e.type)).toEqual(['Sneaked']);
    } finally {
      await store.close();
    }
    const plain = new SqliteEventStore({ path });
    try {
      expect((await plain.readStream('appended', { fromRevision: 2 })).map((e) => e.type)).toEqual(['Sneaked']);
      expect(await plain.headPosition()).toBe(7);
    } finally {
      await plain.close();
    }
  });
});

describe('sqlite event store: the writer thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given appends not yet committed, when the store closes, then they are committed and answered, and the process exits by itself', async () => {
    const path = join(dir, 'closing.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/append-then-close.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      // An idle writer thread must not keep a process alive: the child would hang here.
      const timer = setTimeout(() => reject(new Error(`the child did not exit; it printed: ${out}`)), 20_000);
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ answered: 20, stored: 20 });
  });

  it('given appends to one stream from many callers at once, then they are committed in batches and each caller is told its own revision and position', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'batches.db') });
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendToStream('busy', [newEvent('Made', { i }), newEvent('Made', { i })])));
      const events = await store.readStream('busy');
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      for (const [i, result] of results.entries()) {
        const last = events.find((e) => e.position === result.position)!;
        expect(last.revision).toBe(result.nextExpectedRevision);
        expect(last.data).toEqual({ i });
        // The event before it is the same append's first.
        expect(events[result.nextExpectedRevision - 1]).toMatchObject({ position: result.position - 1, data: { i } });
      }
      // The subscription's view of the batch (what RecentEvents holds) is the file's.
      expect(await store.readAll()).toEqual(events);
    } finally {
      await store.close();
    }
  });

  it('given batches sent while another connection holds the write lock, when it lets go, then they commit in the order sent, each judged against the batches before it', async () => {
    const path = join(dir, 'queued.db');
    const store = new SqliteEventStore({ path });
    const other = new Database(path);
    try {
      await store.appendToStream('warm-up', [newEvent('Made', {})]);
      other.exec('BEGIN IMMEDIATE');
      // Each in its own event-loop turn, so each is its own batch, all waiting on the lock.
      const answers: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i++) {
        answers.push(store.appendToStream('queued', [newEvent('Made', { i })], { expectedRevision: i === 0 ? 'no_stream' : i - 1 }).catch((error: unknown) => error));
        // Expects a stream the batch before it creates: only right if that one is committed first.
        await new Promise((resolve) => setImmediate(resolve));
      }
      answers.push(store.appendToStream('queued', [newEvent('Late', {})], { expectedRevision: 'no_stream' }).catch((error: unknown) => error));
      setTimeout(() => other.exec('COMMIT'), 100);
      const results = await Promise.all(answers);
      expect(results.slice(0, 6)).toEqual(Array.from({ length: 6 }, (_, i) => ({ nextExpectedRevision: i, position: 2 + i })));
      expect(results[6]).toBeInstanceOf(WrongExpectedVersion);
      const events = await store.readStream('queued');
      expect(events.map((e) => e.data)).toEqual(Array.from({ length: 6 }, (_, i) => ({ i })));
      expect(await store.readAll()).toEqual([...(await store.readStream('warm-up')), ...events]);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('given a batch the writer cannot write among others committed with it, then that batch fails alone', async () => {
    const path = join(dir, 'one-fails.db');
    await new SqliteEventStore({ path }).close(); // the schema
    const writer = new AppendWriter(path, ['busy_timeout = 10000']);
    const other = new Database(path);
    const append = (stream: string, data: string[]): WireAppend => ({
      stream,
      expected: 'any',
      ids: ['e-' + stream],
      given: [false],
      types: ['Made'],
      data,
      metadata: ['{}'],
      recordedAt: new Date().toISOString(),
    });
    try {
      other.exec('BEGIN IMMEDIATE'); // so the three are queued together
      const answers = [writer.write([append('a', ['{}'])]), writer.write([append('b', [])]), writer.write([append('c', ['{}'])])].map((p) =>
        p.then(
          (commit) => ({ commit }),
          (error: Error) => ({ error: error.message }),
        ),
      );
      setTimeout(() => other.exec('COMMIT'), 100);
      const [a, b, c] = await Promise.all(answers);
      expect(a).toEqual({ commit: { headBefore: 0, outcomes: [{ written: { first: 1, revision: 0 } }] } });
      expect(b).toEqual({ error: expect.any(String) });
      expect(c).toEqual({ commit: { headBefore: 1, outcomes: [{ written: { first: 2, revision: 0 } }] } });
      expect(other.prepare('SELECT stream FROM events ORDER BY position').pluck().all()).toEqual(['a', 'c']);
    } finally {
      other.close();
      await writer.close();
    }
  });
});
