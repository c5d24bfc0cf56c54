import Database from 'better-sqlite3';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDocumentStoreConformance } from '../conformance';
import { EmbeddedDocumentStore } from '../embedded';
import { BackgroundWriter } from '../embedded/writer';
import { Worker } from 'node:worker_threads';
import { Document, DocumentStore, DuplicateKey } from '../port';
import { Layer } from '../embedded/overlay';

describeDocumentStoreConformance('embedded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-ds-'));
  const path = join(dir, 'nested', 'documents.db');
  return {
    open: async () => new EmbeddedDocumentStore({ path }),
    reopen: async (previous) => {
      await previous.close();
      return new EmbeddedDocumentStore({ path });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// The same suite with every transaction committed by the background writer thread.
describeDocumentStoreConformance('embedded, transactions committed in the background', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-ds-bg-'));
  const path = join(dir, 'documents.db');
  return {
    open: async () => new EmbeddedDocumentStore({ path, backgroundCommitRows: 1 }),
    reopen: async (previous) => {
      await previous.close();
      return new EmbeddedDocumentStore({ path, backgroundCommitRows: 1 });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('embedded document store: the plain commits of one turn of the event loop', () => {
  let dir: string;
  let path: string;
  let store: EmbeddedDocumentStore;
  let file: Database.Database;
  const inFile = (): string[] => file.prepare<[], string>("SELECT id FROM documents WHERE collection = 'docs' ORDER BY id").pluck().all();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-ds-group-'));
    path = join(dir, 'documents.db');
    store = new EmbeddedDocumentStore({ path });
    await store.collection('docs').insertOne({ _id: 'before' });
    await store.flush();
    file = new Database(path, { readonly: true });
  });
  afterEach(async () => {
    file.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are read back at once, reach the file together once the turn ends, and flush waits for them', async () => {
    const docs = store.collection('docs');
    await docs.insertOne({ _id: 'a' });
    await docs.updateOne({ _id: 'before' }, { $set: { seen: true } });
    await store.transaction(async (tx) => tx.collection('docs').insertOne({ _id: 'b' }));
    expect((await docs.find()).map((d) => d._id)).toEqual(['before', 'a', 'b']);
    expect(inFile()).toEqual(['before']); // not yet committed: another connection sees none of them
    const flushed = store.flush();
    expect(inFile()).toEqual(['before']); // handed to the writer when the turn ends
    await flushed;
    expect(inFile()).toEqual(['a', 'b', 'before']);
    expect(file.prepare("SELECT doc FROM documents WHERE id = 'before'").pluck().get()).toBe(JSON.stringify({ _id: 'before', seen: true }));
    await docs.insertOne({ _id: 'c' });
    await store.flush();
    expect(inFile()).toEqual(['a', 'b', 'before', 'c']);
  });

  it('a commit refused inside the group (duplicate key) leaves the rest of the group to commit', async () => {
    const docs = store.collection('docs');
    await docs.insertOne({ _id: 'a' });
    await expect(docs.insertOne({ _id: 'a' })).rejects.toBeInstanceOf(DuplicateKey);
    await docs.insertOne({ _id: 'b' });
    await store.flush();
    expect(inFile()).toEqual(['a', 'b', 'before']);
  });

  it('bodies the cache let go of while the writer has their rows read back as last written, deletions included', async () => {
    const smallPath = join(dir, 'small.db');
    const small = new EmbeddedDocumentStore({ path: smallPath, cacheBytes: 1 });
    const docs = small.collection('docs');
    for (let i = 0; i < 20; i++) await docs.insertOne({ _id: `d${i}`, n: i });
    await small.flush();
    const smallFile = new Database(smallPath, { readonly: true });
    // Documents whose n the file has as ten times their number: d0 only, until the writer commits.
    const tenfoldInFile = () => smallFile.prepare<[], number>("SELECT count(*) FROM documents WHERE json_extract(doc, '$.n') = 10 * CAST(substr(id, 2) AS INTEGER)").pluck().get();
    try {
      // One turn: the cache holds one body at most, so every other read goes back to the rows.
      for (let i = 0; i < 20; i++) await docs.updateOne({ _id: `d${i}` }, { $set: { n: i * 10 } });
      for (let i = 20; i < 30; i++) await docs.insertOne({ _id: `d${i}`, n: i * 10 });
      await docs.deleteOne({ _id: 'd3' });
      // By id first: a scan waits for the writer, after which the file has them all.
      for (let i = 0; i < 30; i++) expect(await docs.findOne({ _id: `d${i}` })).toEqual(i === 3 ? null : { _id: `d${i}`, n: i * 10 });
      expect(tenfoldInFile()).toBe(1); // all of that was read while the writer had the rows
      const expected = Array.from({ length: 30 }, (_, i) => i * 10).filter((n) => n !== 30);
      expect((await docs.find({}, { sort: { n: 1 } })).map((d) => d.n)).toEqual(expected);
      await small.flush();
      expect(tenfoldInFile()).toBe(29);
    } finally {
      smallFile.close();
      await small.close();
    }
    const again = new EmbeddedDocumentStore({ path: smallPath, cacheBytes: 1 });
    try {
      expect(await again.collection('docs').count()).toBe(29);
      expect(await again.collection('docs').findOne({ _id: 'd19' })).toEqual({ _id: 'd19', n: 190 });
    } finally {
      await again.close();
    }
  });

  it('a batch the writer fails to commit stops every later commit and flush, and the store is no longer sound', async () => {
    const docs = store.collection('docs');
    const other = new Database(path);
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON documents WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    other.close();
    await docs.insertOne({ _id: 'poison' });
    await expect(store.flush()).rejects.toThrow(/committing the last writes failed, the process must restart: refused by the test/);
    await expect(docs.insertOne({ _id: 'after' })).rejects.toThrow(/must restart/);
    await expect(store.ping()).rejects.toThrow(/must restart/);
    expect(await docs.findOne({ _id: 'poison' })).toEqual({ _id: 'poison' }); // what the caches say, until the restart
    expect(inFile()).toEqual(['before']);
  });

  it('a commit to a text-indexed collection is written on the main connection after the rows the writer has', async () => {
    const docs = store.collection('docs');
    const articles = store.collection('articles');
    await articles.createIndex({ keys: { title: 'text' } });
    await docs.insertOne({ _id: 'plain' });
    await articles.insertOne({ _id: 'k1', title: 'dryer drum noise' });
    await docs.insertOne({ _id: 'later' });
    expect((await store.search('articles', 'drum')).map((h) => h.document._id)).toEqual(['k1']);
    await store.flush();
    expect(inFile()).toEqual(['before', 'later', 'plain']);
    expect(file.prepare("SELECT id FROM documents WHERE collection = 'articles'").pluck().all()).toEqual(['k1']);
  });

  it('close commits what the turn wrote', async () => {
    await store.collection('docs').insertOne({ _id: 'last' });
    await store.close();
    expect(inFile()).toEqual(['before', 'last']);
    store = new EmbeddedDocumentStore({ path });
  });
});

describe('embedded document store: big transactions committed by the background writer', () => {
  let dir: string;
  let path: string;
  let store: EmbeddedDocumentStore;
  const open = () => new EmbeddedDocumentStore({ path, backgroundCommitRows: 10 });
  const ids = (docs: Document[]) => docs.map((d) => d._id);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-ds-bg-'));
    path = join(dir, 'documents.db');
    store = open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const batch = (prefix: string, n: number, extra: Record<string, unknown> = {}) =>
    Array.from({ length: n }, (_, i) => ({ _id: `${prefix}${String(i).padStart(3, '0')}`, i, ...extra }));

  it('a transaction started while the previous one is being committed sees it; both land in order and persist', async () => {
    const first = store.transaction(async (tx) => {
      for (const doc of batch('a', 50)) await tx.collection('docs').insertOne(doc);
      await tx.collection('meta').replaceOne({ _id: 'cp' }, { _id: 'cp', at: 50 }, { upsert: true });
    });
    const second = store.transaction(async (tx) => {
      // Built on the first one, which may not be committed yet.
      expect(await tx.collection('meta').findOne({ _id: 'cp' })).toEqual({ _id: 'cp', at: 50 });
      expect(await tx.collection('docs').count()).toBe(50);
      await tx.collection('docs').updateMany({ i: { $lt: 5 } }, { $set: { touched: true } });
      await tx.collection('docs').deleteOne({ _id: 'a049' });
      for (const doc of batch('b', 20)) await tx.collection('docs').insertOne(doc);
      await tx.collection('meta').replaceOne({ _id: 'cp' }, { _id: 'cp', at: 70 }, { upsert: true });
    });
    await Promise.all([first, second]);
    const expected = async (s: EmbeddedDocumentStore) => {
      expect(await s.collection('docs').count()).toBe(69);
      expect(await s.collection('docs').count({ touched: true })).toBe(5);
      expect(await s.collection('docs').findOne({ _id: 'a049' })).toBeNull();
      expect(await s.collection('meta').findOne({ _id: 'cp' })).toEqual({ _id: 'cp', at: 70 });
      expect(ids(await s.collection('docs').find({}, { limit: 3 }))).toEqual(['a000', 'a001', 'a002']);
      expect((await s.collection('docs').find()).at(-1)!._id).toBe('b019');
    };
    await expected(store);
    // Written rows are addressed by the seq the main thread gave them: later plain writes reach the right rows.
    await store.collection('docs').updateOne({ _id: 'b003' }, { $set: { late: 1 } });
    await store.collection('docs').deleteOne({ _id: 'a010' });
    await store.collection('docs').insertOne({ _id: 'a010', back: true });
    await store.close();
    store = open();
    expect(await store.collection('docs').count()).toBe(69);
    expect(await store.collection('docs').findOne({ _id: 'b003' })).toEqual({ _id: 'b003', i: 3, late: 1 });
    expect((await store.collection('docs').find()).at(-1)).toEqual({ _id: 'a010', back: true });
    expect(await store.collection('meta').findOne({ _id: 'cp' })).toEqual({ _id: 'cp', at: 70 });
  });

  it('documents of a transaction being committed read back exactly, before and after its commit (non-ASCII text included)', async () => {
    const docs = batch('u', 30, { name: 'Zoë Ångström — 🚀 naïve', nested: { tags: ['é', '日本'] } });
    const first = store.transaction(async (tx) => {
      for (const doc of docs) await tx.collection('docs').insertOne(doc);
    });
    const second = store.transaction(async (tx) => {
      // The first transaction's texts went to the writer's batch: read back from there (or the file).
      expect(await tx.collection('docs').findOne({ _id: 'u017' })).toEqual(docs[17]);
      expect(await tx.collection('docs').find()).toEqual(docs);
      await tx.collection('docs').updateOne({ _id: 'u000' }, { $set: { seen: true } });
      for (const doc of batch('v', 15)) await tx.collection('docs').insertOne(doc);
    });
    await Promise.all([first, second]);
    expect(await store.collection('docs').findOne({ _id: 'u029' })).toEqual(docs[29]);
    expect(await store.collection('docs').findOne({ _id: 'u000' })).toEqual({ ...docs[0], seen: true });
    await store.close();
    // The writer binds bytes: they must land as text, as the main thread's own writes do.
    const file = new Database(path, { readonly: true });
    expect(file.prepare('SELECT DISTINCT typeof(id) AS id, typeof(doc) AS doc FROM documents').all()).toEqual([{ id: 'text', doc: 'text' }]);
    expect(file.prepare("SELECT doc FROM documents WHERE id = 'u007'").pluck().get()).toBe(JSON.stringify(docs[7]));
    file.close();
    store = open();
    expect(await store.collection('docs').count()).toBe(45);
    expect(await store.collection('docs').findOne({ _id: 'u005' })).toEqual(docs[5]);
  });

  it('a failed background commit fails the transactions built on it and leaves the store as committed', async () => {
    await store.collection('docs').insertOne({ _id: 'keep', n: 1 });
    await store.flush(); // another connection writes the file next
    const db = new Database(path);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON documents WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;`);
    db.close();
    const failing = store.transaction(async (tx) => {
      for (const doc of batch('a', 20)) await tx.collection('docs').insertOne(doc);
      await tx.collection('docs').insertOne({ _id: 'poison' });
      await tx.collection('docs').updateOne({ _id: 'keep' }, { $inc: { n: 1 } });
    });
    const builtOnIt = store.transaction(async (tx) => {
      expect(await tx.collection('docs').findOne({ _id: 'keep' })).toEqual({ _id: 'keep', n: 2 });
      for (const doc of batch('b', 20)) await tx.collection('docs').insertOne(doc);
    });
    const smallOnTop = store.transaction(async (tx) => {
      expect(await tx.collection('docs').count()).toBe(42);
      await tx.collection('docs').insertOne({ _id: 'small' }); // committed on the spot, were it not built on a failure
    });

    await expect(failing).rejects.toThrow(/poisoned row/);
    await expect(builtOnIt).rejects.toThrow();
    await expect(smallOnTop).rejects.toThrow(/failed/);
    const check = async (s: EmbeddedDocumentStore) => {
      expect(await s.collection('docs').find()).toEqual([{ _id: 'keep', n: 1 }]);
    };
    await check(store);
    // Afterwards transactions commit normally, on top of what is really there.
    await store.transaction(async (tx) => {
      expect(await tx.collection('docs').count()).toBe(1);
      for (const doc of batch('c', 20)) await tx.collection('docs').insertOne(doc);
    });
    expect(await store.collection('docs').count()).toBe(21);
    await store.close();
    store = open();
    expect(await store.collection('docs').count()).toBe(21);
    expect(await store.collection('docs').findOne({ _id: 'keep' })).toEqual({ _id: 'keep', n: 1 });
  });

  it('property: what the cache shows after pipelined transactions and plain writes is what the file holds', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 0, max: 30 }), v: fc.integer() }),
      fc.record({ kind: fc.constant('inc' as const), id: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 30 }) }),
    );
    const run = fc.array(fc.record({ plain: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: 25 }) }), { minLength: 1, maxLength: 8 });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(run, async (steps) => {
        const name = `prop${round++}`;
        const apply = async (s: DocumentStore, ops: typeof steps[number]['ops']) => {
          const col = s.collection(name);
          for (const o of ops) {
            const _id = `d${o.id}`;
            if (o.kind === 'upsert') await col.replaceOne({ _id }, { _id, v: o.v, big: 'x'.repeat(o.id) }, { upsert: true });
            else if (o.kind === 'inc') await col.updateOne({ _id }, { $inc: { n: 1 } }, { upsert: true });
            else await col.deleteOne({ _id });
          }
        };
        const all = steps.map(async (step) => {
          if (!step.plain) return store.transaction((tx) => apply(tx, step.ops));
          // Plain reads and writes while transactions are being committed (documents read back from the file).
          await store.collection(name).findOne({ _id: `d${step.ops[0]!.id}` });
          await store.collection(name).count({ v: { $gt: 0 } });
          await apply(store, step.ops);
        });
        await Promise.all(all);
        const seen = await store.collection(name).find();
        await store.close();
        store = open();
        expect(await store.collection(name).find()).toEqual(seen);
      }),
      { numRuns: 30 },
    );
  });

  it('a document new to a transaction but written by a plain write meanwhile is updated, not inserted twice', async () => {
    await store.transaction(async (tx) => {
      for (const doc of batch('a', 20)) await tx.collection('docs').insertOne(doc);
      await tx.collection('docs').replaceOne({ _id: 'x' }, { _id: 'x', by: 'transaction' }, { upsert: true });
      // Not in the transaction: committed at once, while the transaction still runs.
      await store.collection('docs').insertOne({ _id: 'x', by: 'plain write' });
    });
    expect(await store.collection('docs').findOne({ _id: 'x' })).toEqual({ _id: 'x', by: 'transaction' });
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM documents WHERE id = 'x'`).get()).toEqual({ n: 1 });
    db.close();
    store = open();
    expect(await store.collection('docs').findOne({ _id: 'x' })).toEqual({ _id: 'x', by: 'transaction' });
    expect(await store.collection('docs').count()).toBe(21);
  });

  it('a checkpointer thread copies the WAL back into the file while background commits go on; close waits for it', async () => {
    await store.close();
    const walOf = () => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    const measure = async (checkpointEveryKiB: number) => {
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      store = new EmbeddedDocumentStore({ path, backgroundCommitRows: 10, checkpointEveryKiB });
      const sizes: number[] = [];
      for (let round = 0; round < 12; round++) {
        await store.transaction(async (tx) => {
          for (const doc of batch(`r${round}-`, 200, { text: 'x'.repeat(500) })) await tx.collection('docs').insertOne(doc);
        });
        // The checkpointer runs on its own thread: give it a moment (it is waiting for nobody).
        await new Promise((r) => setTimeout(r, 20));
        sizes.push(statSync(path).size);
      }
      const wal = walOf();
      await store.close();
      const reopened = new EmbeddedDocumentStore({ path });
      const count = await reopened.collection('docs').count();
      await reopened.close();
      store = open();
      return { fileDuring: sizes[sizes.length - 1]!, wal, count };
    };
    // Every ~100 kB appended: the database file grows during the writes and the WAL is reused.
    const often = await measure(100);
    // Never during the writes: everything stays in the WAL until close.
    const never = await measure(1_000_000);
    expect(often.count).toBe(2400);
    expect(never.count).toBe(2400);
    expect(often.fileDuring).toBeGreaterThan(1_000_000);
    expect(never.fileDuring).toBeLessThan(100_000);
    expect(often.wal).toBeLessThan(never.wal);
  });

  it('background commits write about what the WAL grows by: statement journals stay in memory, not in temporary files', async () => {
    await store.close();
    store = new EmbeddedDocumentStore({ path, backgroundCommitRows: 10, checkpointEveryKiB: 1_000_000 });
    // Bytes this process has handed to write() (Linux): the writer thread's included.
    const written = () => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
    const commit = (round: number) =>
      store.transaction(async (tx) => {
        for (const doc of batch(`w${round}-`, 500, { text: 'x'.repeat(600) })) await tx.collection('docs').insertOne(doc);
      });
    await commit(0); // the file and its first pages
    const wal = statSync(`${path}-wal`).size;
    const before = written();
    for (let round = 1; round <= 4; round++) await commit(round);
    const growth = statSync(`${path}-wal`).size - wal;
    expect(growth).toBeGreaterThan(4 * 500 * 600);
    expect(written() - before).toBeLessThan(1.3 * growth);
  });

  it('if the checkpointer thread fails, commits go on (checkpointing inside commits again) and close still returns', async () => {
    const writer = new BackgroundWriter(join(dir, 'alone.db'), ['journal_mode = WAL', 'wal_autocheckpoint = 1000'], 16);
    const checkpointerOf = () => (writer as unknown as { checkpointer?: Worker }).checkpointer;
    // It starts once half a checkpoint's worth of WAL has been appended, not with the writer.
    writer.appended(7);
    expect(checkpointerOf()).toBeUndefined();
    writer.appended(1);
    const checkpointer = checkpointerOf()!;
    expect(checkpointer).toBeDefined();
    expect(writer.checkpointing).toBe(true);
    checkpointer.emit('error', new Error('checkpointer failed'));
    await checkpointer.terminate();
    await new Promise((r) => setImmediate(r));
    expect(writer.checkpointing).toBe(false);
    await writer.close();
    // The store itself: a failed checkpointer does not stop big transactions.
    await store.transaction(async (tx) => {
      for (const doc of batch('after', 30)) await tx.collection('docs').insertOne(doc);
    });
    expect(await store.collection('docs').count()).toBe(30);
  });

  it('the checkpointer is woken when a checkpoint is due, not at every commit', async () => {
    const writer = new BackgroundWriter(join(dir, 'due.db'), ['journal_mode = WAL'], 16);
    const inside = writer as unknown as { checkpointer?: Worker; wal: Int32Array };
    expect(writer.appended(8)).toBe(0); // half a checkpoint: it starts, finds nothing to do and waits
    // It publishes the size it waits for (16 KiB) just before waiting.
    while (Atomics.load(inside.wal, 3) !== 16) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(writer.appended(4)).toBe(0);
    expect(writer.appended(3)).toBe(0); // 15 KiB
    expect(writer.appended(1)).toBe(1); // 16: due
    await writer.close();
  });

  it('the checkpointer stops even when the wake-up for closing is lost (it came between its look at the flag and its wait)', async () => {
    const writer = new BackgroundWriter(join(dir, 'lost.db'), ['journal_mode = WAL'], 16);
    const inside = writer as unknown as { checkpointer?: Worker; wal: Int32Array; checkpointerExited: Promise<void> };
    writer.appended(8); // half a checkpoint: it starts, finds nothing to do and waits
    // It publishes the size it waits for (16 KiB) just before waiting.
    while (Atomics.load(inside.wal, 3) !== 16) await new Promise((r) => setTimeout(r, 5));
    // The closing flag without the wake-up that close() sends with it.
    Atomics.store(inside.wal, 1, 1);
    await inside.checkpointerExited;
    expect(writer.checkpointing).toBe(false);
    await writer.close();
  });

  it('plain writes, indexes and searches wait for the commits under way; small transactions commit on the spot', async () => {
    const pending = store.transaction(async (tx) => {
      for (const doc of batch('a', 30, { title: 'washer' })) await tx.collection('docs').insertOne(doc);
    });
    await new Promise((r) => setImmediate(r));
    await store.collection('docs').updateOne({ _id: 'a001' }, { $set: { title: 'dryer' } }, { upsert: true });
    await store.collection('docs').createIndex({ keys: { title: 'text' } });
    await pending;
    expect(ids((await store.search('docs', 'dryer')).map((h) => h.document))).toEqual(['a001']);
    expect(await store.collection('docs').count()).toBe(30);
    // Rows the background writer wrote are read back from the file: the full-text index follows their updates.
    await store.collection('docs').updateOne({ _id: 'a002' }, { $set: { title: 'oven' } });
    expect(ids((await store.search('docs', 'oven')).map((h) => h.document))).toEqual(['a002']);
    expect(ids((await store.search('docs', 'washer', { limit: 0 })).map((h) => h.document))).not.toContain('a002');
    expect(await store.collection('docs').findOne({ _id: 'a003' })).toEqual({ _id: 'a003', i: 3, title: 'washer' });
    await store.transaction(async (tx) => tx.collection('docs').insertOne({ _id: 'small' }));
    expect(await store.collection('docs').count()).toBe(31);
  });
});

describe('embedded document store', () => {
  let dir: string;
  let path: string;
  let store: EmbeddedDocumentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-ds-'));
    path = join(dir, 'documents.db');
    store = new EmbeddedDocumentStore({ path });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function reopen(): Promise<EmbeddedDocumentStore> {
    await store.close();
    store = new EmbeddedDocumentStore({ path });
    return store;
  }

  const ids = (docs: Document[]) => docs.map((d) => d._id);

  describe('cache isolation', () => {
    it('changing a document after inserting, replacing or updating with it does not change the store', async () => {
      const col = store.collection('c');
      const doc = { _id: 'a', list: [1], nested: { x: 1 } };
      await col.insertOne(doc);
      doc.list.push(2);
      doc.nested.x = 99;
      const replacement = { _id: 'b', list: [1] };
      await col.replaceOne({ _id: 'b' }, replacement, { upsert: true });
      replacement.list.push(2);
      const pushed = { deep: ['v'] };
      await col.updateOne({ _id: 'a' }, { $set: { obj: pushed }, $push: { list: pushed } });
      pushed.deep.push('changed');
      expect(await col.find({}, { sort: { _id: 1 } })).toEqual([
        { _id: 'a', list: [1, { deep: ['v'] }], nested: { x: 1 }, obj: { deep: ['v'] } },
        { _id: 'b', list: [1] },
      ]);
    });

    it('changing what a read, an aggregation or a search returned does not change the store', async () => {
      const col = store.collection('kb');
      await col.createIndex({ keys: { title: 'text' } });
      await col.insertOne({ _id: 'a', title: 'dishwasher', tags: ['x'] });
      (await col.findOne({ _id: 'a' }))!.title = 'changed';
      (await col.find({ title: 'dishwasher' }, { projection: { tags: 1 } }))[0]!.tags = ['changed'];
      ((await col.aggregate<Document>([]))[0]!.tags as string[]).push('changed');
      ((await col.aggregate<Document>([{ $project: { tags: 1 } }]))[0]!.tags as string[]).push('changed');
      const [group] = await col.aggregate<{ all: string[][]; first: Document }>([
        { $group: { _id: null, all: { $push: '$tags' }, first: { $first: '$$ROOT' } } },
      ]);
      group!.all[0]!.push('changed');
      group!.first.title = 'changed';
      const [hit] = await store.search('kb', 'dishwasher');
      (hit!.document.tags as string[]).push('changed');
      expect(await col.findOne({ _id: 'a' })).toEqual({ _id: 'a', title: 'dishwasher', tags: ['x'] });
    });

    it("findReadOnly hands out the store's own documents, frozen: changing one throws and the store keeps its document", async () => {
      const col = store.collection('shared');
      await col.bulkWrite([
        { insertOne: { document: { _id: 'a', n: 1, tags: ['x'], nested: { deep: [{ v: 1 }] } } } },
        { insertOne: { document: { _id: 'b', n: 2, tags: [], nested: { deep: [] } } } },
      ]);
      await col.find({}); // parsed into the cache: read-only reads then hand out the cached objects
      const [byId] = await col.findReadOnly({ _id: 'a' });
      const [filtered] = await col.findReadOnly({ n: 1 });
      const [sorted] = await col.findReadOnly({}, { sort: { n: 1 }, limit: 1 });
      expect(filtered).toBe(byId);
      expect(sorted).toBe(byId);
      const doc = byId as Document & { tags: string[]; nested: { deep: { v: number }[] } };
      expect(Object.isFrozen(doc) && Object.isFrozen(doc.tags) && Object.isFrozen(doc.nested.deep[0])).toBe(true);
      expect(() => doc.tags.push('changed')).toThrow(TypeError);
      expect(() => {
        doc.nested.deep[0]!.v = 2;
      }).toThrow(TypeError);
      // Ordinary reads still answer with copies of their own, and writes go on as before.
      const copy = (await col.findOne({ _id: 'a' }))! as typeof doc;
      copy.tags.push('mine');
      await col.updateOne({ _id: 'a' }, { $push: { tags: 'y' }, $set: { 'nested.deep.0.v': 3 } });
      expect(doc).toEqual({ _id: 'a', n: 1, tags: ['x'], nested: { deep: [{ v: 1 }] } });
      expect(await col.findReadOnly({ _id: 'a' })).toEqual([{ _id: 'a', n: 1, tags: ['x', 'y'], nested: { deep: [{ v: 3 }] } }]);
    });
  });

  it('a document read by id is parsed from its stored text, which stays text (one parse per read-modify-write, not two)', async () => {
    const kept = (name: string, id: string) => (store as unknown as { state: Layer }).state.stored(name, id);
    const col = store.collection('docs');
    await col.insertOne({ _id: 'x', n: 1, tags: ['a'] });
    const copy = (await col.findOne({ _id: 'x' }))!;
    expect(typeof kept('docs', 'x')).toBe('string');
    (copy.tags as string[]).push('mutated');
    expect(await col.findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 1, tags: ['a'] });
    await store.transaction(async (tx) => {
      const mine = tx.collection('docs');
      const current = (await mine.findOne({ _id: 'x' }))!;
      await mine.replaceOne({ _id: 'x' }, { ...current, n: 2 });
      expect(await mine.findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 2, tags: ['a'] });
      // Replacing with the same text changes nothing, read or not.
      expect(await mine.replaceOne({ _id: 'x' }, { _id: 'x', n: 2, tags: ['a'] })).toEqual({ matchedCount: 1, modifiedCount: 0 });
    });
    expect(typeof kept('docs', 'x')).toBe('string');
    // Other reads parse it once for the cache, and keep the object.
    expect(await col.find({ n: 2 })).toEqual([{ _id: 'x', n: 2, tags: ['a'] }]);
    expect(typeof kept('docs', 'x')).toBe('object');
    expect(await col.findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 2, tags: ['a'] });
  });

  it('stores JSON: what is read before a reopen is what is read after it', async () => {
    const col = store.collection('json');
    await col.insertOne({ _id: 'a', at: new Date('2026-03-01T10:00:00.000Z'), gone: undefined, n: 1 });
    await col.updateOne({ _id: 'a' }, { $set: { when: new Date('2026-03-02T00:00:00.000Z') } });
    const before = await col.findOne({ _id: 'a' });
    expect(before).toEqual({ _id: 'a', at: '2026-03-01T10:00:00.000Z', n: 1, when: '2026-03-02T00:00:00.000Z' });
    expect(await (await reopen()).collection('json').findOne({ _id: 'a' })).toEqual(before);
  });

  it('keeps insertion order (natural order) across updates and reopening', async () => {
    const col = store.collection('order');
    for (const id of ['m', 'c', 'x', 'a']) await col.insertOne({ _id: id });
    await col.updateOne({ _id: 'c' }, { $set: { v: 1 } });
    await col.deleteOne({ _id: 'x' });
    await col.insertOne({ _id: 'x' });
    expect(ids(await col.find())).toEqual(['m', 'c', 'a', 'x']);
    expect(ids(await (await reopen()).collection('order').find())).toEqual(['m', 'c', 'a', 'x']);
  });

  it('memory: document bodies stay within the budget, least recently used out first; the rest is read back from the file', async () => {
    const budget = 256 * 1024;
    const small = new EmbeddedDocumentStore({ path: join(dir, 'small.db'), cacheBytes: budget });
    try {
      const col = small.collection('big');
      const doc = (i: number) => ({ _id: `b${i}`, group: i % 10, body: 'x'.repeat(1000) });
      for (let i = 0; i < 3000; i += 100) await col.bulkWrite(Array.from({ length: 100 }, (_, k) => ({ insertOne: { document: doc(i + k) } })));
      expect(small.heldBodies().bytes).toBeLessThanOrEqual(budget);
      // A scan streams the collection from the file: it keeps only what fits as it is.
      expect(await col.count({ group: 3 })).toBe(300);
      expect(await col.find({ group: { $lt: 2 } }, { sort: { _id: 1 }, limit: 3 })).toEqual([doc(0), doc(1), doc(10)]);
      for (let i = 0; i < 3000; i += 7) expect(await col.findOne({ _id: `b${i}` })).toEqual(doc(i));
      expect(small.heldBodies().bytes).toBeLessThanOrEqual(budget);
      expect(small.heldBodies().documents).toBeGreaterThan(50);
      // What was written or read last is what is held.
      await col.replaceOne({ _id: 'b5' }, { ...doc(5), group: 11 });
      const held = (small as unknown as { state: Layer }).state.stored('big', 'b5');
      expect(typeof held).toBe('string');
      expect(await col.find({ group: 11 })).toEqual([{ ...doc(5), group: 11 }]);
    } finally {
      await small.close();
    }
    const reopened = new EmbeddedDocumentStore({ path: join(dir, 'small.db'), cacheBytes: budget });
    try {
      expect(reopened.heldBodies()).toEqual({ bytes: 0, budget, documents: 0 }); // rows only, until read
      expect(await reopened.collection('big').count({ group: { $lt: 5 } })).toBe(1500);
      expect(reopened.heldBodies().bytes).toBeLessThanOrEqual(budget);
    } finally {
      await reopened.close();
    }
  });

  it("works with ':memory:'", async () => {
    const memory = new EmbeddedDocumentStore({ path: ':memory:' });
    try {
      await memory.collection('m').createIndex({ keys: { body: 'text' } });
      await memory.collection('m').insertOne({ _id: 'a', body: 'leaking pipe' });
      expect((await memory.search('m', 'leak'))[0]!.document._id).toBe('a');
      await memory.ping();
    } finally {
      await memory.close();
    }
  });

  it('rejects writes of documents whose _id is not a string', async () => {
    await expect(store.collection('c').insertOne({ _id: 42 } as unknown as Document)).rejects.toThrow(TypeError);
  });

  describe('indexes', () => {
    it('a text index created after the documents back-fills the full-text table, and survives a reopen', async () => {
      const col = store.collection('kb');
      await col.insertOne({ _id: 'a', title: 'Leaking dishwasher', body: 'Check the gasket.', tags: ['kitchen', 'water'] });
      await col.insertOne({ _id: 'b', title: 'Noisy dryer', body: 'Belt.', tags: ['laundry'] });
      await col.createIndex({ keys: { title: 'text', tags: 'text' } });
      expect(ids((await store.search('kb', 'leak')).map((h) => h.document))).toEqual(['a']);
      expect(ids((await store.search('kb', 'laundry')).map((h) => h.document))).toEqual(['b']);
      expect(await store.search('kb', 'gasket')).toEqual([]); // body is not in the index
      await reopen();
      expect(ids((await store.search('kb', 'water')).map((h) => h.document))).toEqual(['a']);
    });

    it('one text index per collection; compound text and unique text indexes are refused; same spec twice is a no-op', async () => {
      const col = store.collection('kb');
      await col.createIndex({ keys: { title: 'text' } });
      await col.createIndex({ keys: { title: 'text' } });
      await expect(col.createIndex({ keys: { body: 'text' } })).rejects.toThrow(/text index/);
      await expect(store.collection('other').createIndex({ keys: { title: 'text', n: 1 } })).rejects.toThrow(/compound/);
      await expect(store.collection('other').createIndex({ keys: { title: 'text' }, unique: true })).rejects.toThrow(/unique/);
      await expect(col.createIndex({ keys: { title: 'text' }, name: 'renamed' })).rejects.toThrow(/same keys/);
    });

    it('an index name reused with other keys or options is refused; ordinary indexes are accepted and persisted', async () => {
      const col = store.collection('people');
      await col.createIndex({ keys: { city: 1, age: -1 } });
      await col.createIndex({ keys: { email: 1 }, name: 'by_email' });
      await expect(col.createIndex({ keys: { email: 1 }, name: 'by_email', unique: true })).rejects.toThrow(/different/);
      await reopen();
      const raw = new Database(path, { readonly: true });
      try {
        const specs = raw.prepare('SELECT name, spec FROM indexes WHERE collection = ? ORDER BY name').all('people');
        expect(specs).toEqual([
          { name: 'by_email', spec: JSON.stringify({ keys: { email: 1 }, name: 'by_email' }) },
          { name: 'city_1_age_-1', spec: JSON.stringify({ keys: { city: 1, age: -1 }, name: 'city_1_age_-1' }) },
        ]);
      } finally {
        raw.close();
      }
      await store.collection('people').createIndex({ keys: { city: 1, age: -1 } }); // still a no-op after reopening
    });

    it('unique keys of array fields: each element is a key; missing fields collide as null', async () => {
      const col = store.collection('u');
      await col.createIndex({ keys: { aliases: 1 }, unique: true });
      await col.insertOne({ _id: 'a', aliases: ['x', 'y', 'x'] });
      await expect(col.insertOne({ _id: 'b', aliases: ['z', 'y'] })).rejects.toBeInstanceOf(DuplicateKey);
      await col.insertOne({ _id: 'c', aliases: 'z' });
      await col.insertOne({ _id: 'd' });
      const error = await col.insertOne({ _id: 'e' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKey);
      expect(error).toMatchObject({ collection: 'u', key: { aliases: null } });
    });

    it('collections with quotes and dots in their names get their own full-text table', async () => {
      const odd = 'kb."odd" name';
      await store.collection(odd).createIndex({ keys: { t: 'text' } });
      await store.collection(odd).insertOne({ _id: 'a', t: 'leaking tap' });
      expect((await store.search(odd, 'leak')).length).toBe(1);
      await store.dropCollection(odd);
      expect(await store.listCollections()).not.toContain(odd);
      await expect(store.search(odd, 'leak')).rejects.toThrow(/text index/);
    });

    it('dropCollection removes documents, index specs and full-text rows from the file', async () => {
      await store.collection('kb').createIndex({ keys: { t: 'text' } });
      await store.collection('kb').createIndex({ keys: { e: 1 }, unique: true });
      await store.collection('kb').insertOne({ _id: 'a', t: 'leak', e: 1 });
      await store.collection('keep').insertOne({ _id: 'a' });
      await store.dropCollection('kb');
      await reopen();
      expect(await store.listCollections()).toEqual(['keep']);
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.prepare("SELECT count(*) AS n FROM documents WHERE collection = 'kb'").get()).toEqual({ n: 0 });
        expect(raw.prepare("SELECT count(*) AS n FROM indexes WHERE collection = 'kb'").get()).toEqual({ n: 0 });
        expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'fts:kb%'").get()).toEqual({ n: 0 });
      } finally {
        raw.close();
      }
    });
  });

  describe('aggregation', () => {
    it('$lookup reads another collection; $out and $merge are refused', async () => {
      await store.collection('techs').insertOne({ _id: 'bob', name: 'Bob' });
      await store.collection('visits').insertOne({ _id: 'v1', tech: 'bob' });
      const joined = await store.collection('visits').aggregate([
        { $lookup: { from: 'techs', localField: 'tech', foreignField: '_id', as: 'who' } },
        { $project: { _id: 1, name: { $first: '$who.name' } } },
      ]);
      expect(joined).toEqual([{ _id: 'v1', name: 'Bob' }]);
      await expect(store.collection('visits').aggregate([{ $out: 'copy' }])).rejects.toThrow(/\$out/);
      await expect(store.collection('visits').aggregate([{ $match: {} }, { $merge: { into: 'copy' } }])).rejects.toThrow(/\$merge/);
    });
  });

  describe('transactions', () => {
    it('run one at a time: a second transaction starts after the first commits', async () => {
      const col = store.collection('counter');
      await col.insertOne({ _id: 'n', value: 0 });
      const order: string[] = [];
      const increment = (label: string) =>
        store.transaction(async (tx) => {
          order.push(`${label} start`);
          const current = (await tx.collection('counter').findOne({ _id: 'n' }))!.value as number;
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.collection('counter').updateOne({ _id: 'n' }, { $set: { value: current + 1 } });
          order.push(`${label} end`);
        });
      await Promise.all([increment('a'), increment('b'), increment('c')]);
      expect((await col.findOne({ _id: 'n' }))!.value).toBe(3);
      expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    });

    it('a failed transaction does not block the next one', async () => {
      await expect(store.transaction(async () => Promise.reject(new Error('first fails')))).rejects.toThrow('first fails');
      await expect(store.transaction(async (tx) => tx.collection('c').insertOne({ _id: 'a' }))).resolves.toBeUndefined();
      expect(await store.collection('c').count()).toBe(1);
    });

    it('checks unique keys again at commit: a key taken outside meanwhile fails the whole transaction', async () => {
      const col = store.collection('people');
      await col.createIndex({ keys: { email: 1 }, unique: true });
      const error = await store
        .transaction(async (tx) => {
          await tx.collection('people').insertOne({ _id: 'in-tx', email: 'a@x' });
          await tx.collection('other').insertOne({ _id: 'side' });
          await col.insertOne({ _id: 'outside', email: 'a@x' });
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKey);
      expect(ids(await col.find())).toEqual(['outside']);
      expect(await store.collection('other').count()).toBe(0);
    });

    it('commits in one SQLite transaction: everything is in the file after a reopen', async () => {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 50; i++) await tx.collection('many').insertOne({ _id: `d${i}`, i });
        await tx.collection('many').updateMany({ i: { $lt: 10 } }, { $set: { low: true } });
        await tx.collection('many').deleteMany({ i: { $gte: 40 } });
      });
      await reopen();
      expect(await store.collection('many').count()).toBe(40);
      expect(await store.collection('many').count({ low: true })).toBe(10);
    });

    it('the view is unusable once the transaction ended; it cannot drop collections or close the store', async () => {
      let leaked: DocumentStore | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
        await expect(tx.dropCollection('c')).rejects.toThrow(/transaction/);
        await expect(tx.close()).rejects.toThrow(/transaction/);
        await expect(tx.ping()).resolves.toBeUndefined();
      });
      await expect(leaked!.collection('c').insertOne({ _id: 'late' })).rejects.toThrow(/ended/);
      await expect(leaked!.collection('c').find()).rejects.toThrow(/ended/);
      expect(await store.collection('c').count()).toBe(0);
    });

    it('listCollections inside a transaction includes collections it created', async () => {
      await store.collection('before').insertOne({ _id: 'a' });
      await store.transaction(async (tx) => {
        await tx.collection('during').insertOne({ _id: 'a' });
        expect(await tx.listCollections()).toEqual(['before', 'during']);
        expect(await store.listCollections()).toEqual(['before']);
      });
      expect(await store.listCollections()).toEqual(['before', 'during']);
    });

    it('createIndex inside a transaction applies at once; its documents are checked at commit', async () => {
      await store.transaction(async (tx) => {
        await tx.collection('p').insertOne({ _id: 'a', email: 'x' });
        await tx.collection('p').createIndex({ keys: { email: 1 }, unique: true });
        await expect(tx.collection('p').insertOne({ _id: 'b', email: 'x' })).rejects.toBeInstanceOf(DuplicateKey);
      });
      await expect(store.collection('p').insertOne({ _id: 'c', email: 'x' })).rejects.toBeInstanceOf(DuplicateKey);
    });
  });

  it('rejects every call once closed', async () => {
    await store.close();
    await expect(store.collection('c').find()).rejects.toThrow(/closed/);
    await expect(store.collection('c').insertOne({ _id: 'a' })).rejects.toThrow(/closed/);
    await expect(store.ping()).rejects.toThrow(/closed/);
    await expect(store.transaction(async () => undefined)).rejects.toThrow(/closed/);
    store = new EmbeddedDocumentStore({ path });
  });
});
