/**
 * The embedded store's committed state: its SQL, its cache and the bookkeeping every commit does.
 *
 * One file of about 500 lines on purpose: it is the one class through which every write passes,
 * so that the caches, unique keys, secondary indexes and full-text rows never disagree with the
 * SQLite file. Each of those concerns already has its own file (cache.ts, unique-keys.ts,
 * indexes.ts, full-text.ts, group-commit.ts, background-commits.ts, writer.ts); what is left here
 * is the order in which a commit updates them.
 */
import Database from 'better-sqlite3';
import { ConnectionDurability, durabilityOf } from '../../sqlite/durability';
import { StoreFile } from '../../sqlite/store-file';
import { LimitedStatements } from '../../sqlite/limited-statements';
import { WalLimit } from '../../sqlite/wal-limit';
import { Document, Filter, IndexSpec, SearchHit, SearchOptions } from '../port';
import { searchWords, textFields, UniqueIndex } from '../semantics';
import { BackgroundCommits, CommittedRows, InFlight, SeqChanges } from './background-commits';
import { DocumentCache, HeldBodies, RowReader } from './cache';
import { DeclaredIndexes, validateIndexSpec } from './declared-indexes';
import { createFtsTable, FtsStatements, ftsTable, prepareFts, rankedHits, textOf } from './full-text';
import { GroupCommit } from './group-commit';
import { IndexPages, IndexPagesReading } from './index-pages';
import { Candidate, CollectionIndexes, describePlan, idsOf, queriedFields, Selection } from './indexes';
import { parsed, serialized, Stored } from './json-text';
import { Changes, Layer, Overlay, QueryStats } from './overlay';
import { CommitRows, IN_FILE, PlainCommits } from './plain-commits';
import { DOCUMENTS_SCHEMA, PAGE_SIZE, PRAGMAS } from './schema';
import { buildKeyMap, UniqueKeys } from './unique-keys';
import { BackgroundWriter } from './writer';

const BUILT_ON_FAILURE = 'transaction not committed: a transaction committed before it, which it read from, failed';

/** What a plain commit wrote: each document's row (null: deleted), and the rows it deleted (indexes know documents by row). */
interface WrittenRows {
  rows: SeqChanges;
  removed: Map<string, Map<string, number>>;
}

/**
 * What has been committed: the SQLite file, and a cache of every collection read so far
 * (documents with their row, and unique keys), loaded on first use and updated after each
 * commit. All writes go through this instance (rows get their seq here, including those the
 * background writer writes), so the cache never goes stale. A plain commit's rows go to the
 * background writer, a batch per turn of the event loop (plain-commits.ts), or, for text-indexed
 * collections and stores without a writer, share a group commit on this connection
 * (group-commit.ts); big transactions go to the background writer (background-commits.ts).
 */
export class CommittedState implements CommittedRows {
  private readonly caches = new Map<string, DocumentCache>();
  /** Bodies the caches hold, within the store's budget. */
  private readonly bodies: HeldBodies;
  /**
   * collection → its ordinary indexes, built from the documents the first time a query can use
   * them, then kept up to date by every commit (and dropped when the collection's indexes change).
   */
  private readonly secondary = new Map<string, CollectionIndexes>();
  /** The indexes' keys, in memory within the store's budget, the rest in a temporary file. */
  private readonly pages: IndexPages;
  readonly stats: QueryStats = { examined: 0, plans: undefined };
  private readonly uniqueKeys = new UniqueKeys();
  private readonly declared = new DeclaredIndexes();
  private readonly names = new Set<string>();
  private readonly fts = new Map<string, FtsStatements>();
  private readonly writeTransaction: (changes: Changes) => WrittenRows;
  /** The next row's seq: assigned here, so rows can be written by the background writer too. */
  nextSeq: number;
  private readonly writer: BackgroundWriter | undefined;
  /** Transactions handed to the background writer (only for files). */
  private readonly commits: BackgroundCommits | undefined;
  private plainCommits = 0;
  /** The SQLite transaction the plain commits of this turn of the event loop share. */
  private readonly groupCommit: GroupCommit;
  /** Plain commits whose rows the background writer writes (files only; not those with text indexes). */
  private readonly plain: PlainCommits | undefined;

  private readonly stmt: {
    load: Database.Statement<[string], [number, string]>;
    register: Database.Statement<[string]>;
    insert: Database.Statement<[number, string, string, string]>;
    update: Database.Statement<[string, number]>;
    remove: Database.Statement<[number]>;
    all: Database.Statement<[string], { seq: number; doc: string }>;
    row: Database.Statement<[number], { doc: string }>;
    rowAt: Database.Statement<[number], [string, string]>;
    idAt: Database.Statement<[number], string>;
    page: LimitedStatements;
    saveIndex: Database.Statement<[string, string, string]>;
    ping: Database.Statement<[], unknown>;
  };

  constructor(
    private readonly db: Database.Database,
    private readonly background: { path: string; rows: number; checkpointEveryKiB: number } | undefined,
    cacheBytes: number,
    walLimit: WalLimit | undefined,
    private readonly file: StoreFile,
    indexCacheBytes = Infinity,
  ) {
    this.bodies = new HeldBodies(cacheBytes);
    this.pages = new IndexPages(indexCacheBytes);
    db.exec(DOCUMENTS_SCHEMA);
    this.stmt = {
      load: db.prepare<[string], [number, string]>('SELECT seq, id FROM documents WHERE collection = ? ORDER BY seq').raw(true),
      register: db.prepare('INSERT OR IGNORE INTO collections (name) VALUES (?)'),
      insert: db.prepare('INSERT INTO documents (seq, collection, id, doc) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE documents SET doc = ? WHERE seq = ?'),
      remove: db.prepare('DELETE FROM documents WHERE seq = ?'),
      all: db.prepare('SELECT seq, doc FROM documents WHERE collection = ? ORDER BY seq'),
      row: db.prepare('SELECT doc FROM documents WHERE seq = ?'),
      rowAt: db.prepare<[number], [string, string]>('SELECT id, doc FROM documents WHERE seq = ?').raw(true),
      idAt: db.prepare<[number], string>('SELECT id FROM documents WHERE seq = ?').pluck(true),
      page: new LimitedStatements((limit) => db.prepare(`SELECT seq, id, doc FROM documents WHERE collection = ? AND seq > ? ORDER BY seq${limit}`).raw(true)),
      saveIndex: db.prepare('INSERT INTO indexes (collection, name, spec) VALUES (?, ?, ?)'),
      ping: db.prepare('SELECT 1'),
    };
    for (const { name } of db.prepare<[], { name: string }>('SELECT name FROM collections').all()) this.names.add(name);
    const saved = db.prepare<[], { collection: string; spec: string }>('SELECT collection, spec FROM indexes ORDER BY rowid');
    for (const { collection, spec } of saved.all()) this.declared.add(collection, JSON.parse(spec) as IndexSpec);
    this.writeTransaction = db.transaction((changes: Changes) => this.writeRows(changes));
    this.nextSeq = (db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM documents').get()!.m ?? 0) + 1;
    // Started now, not at the first big commit: the thread takes about 50 ms to start, which
    // would otherwise hold up the first batch of a rebuild (and compete with it for a core).
    this.writer = background ? new BackgroundWriter(background.path, PRAGMAS, background.checkpointEveryKiB) : undefined;
    this.commits = this.writer && new BackgroundCommits(this, this.writer, file);
    this.groupCommit = new GroupCommit(db, file, this.writer, walLimit);
    // A small commit appends a row and its index entry: about two pages of WAL per row.
    this.plain = this.writer && new PlainCommits(this.writer, 2 * PAGE_SIZE, () => this.groupCommit.end(), (bytes) => walLimit?.afterCommit(bytes));
  }

  // Where bodies are read back from the file: SQLite's damage reports name the file here.
  readonly rowReader: RowReader = {
    row: (seq) => {
      const unwritten = this.plain?.row(seq) ?? IN_FILE;
      if (unwritten !== IN_FILE) return unwritten?.[1];
      try {
        return this.stmt.row.get(seq)?.doc;
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    rowAt: (seq) => {
      const unwritten = this.plain?.row(seq) ?? IN_FILE;
      if (unwritten !== IN_FILE) return unwritten;
      try {
        return this.stmt.rowAt.get(seq);
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    idAt: (seq) => {
      const unwritten = this.plain?.row(seq) ?? IN_FILE;
      if (unwritten !== IN_FILE) return unwritten?.[0];
      try {
        return this.stmt.idAt.get(seq);
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    page: (collection, afterSeq, limit) => {
      try {
        return this.stmt.page.limitedTo(limit).all(collection, afterSeq) as [number, string, string][];
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    settle: () => this.settle(),
  };

  /** What a new transaction reads: the committed documents and those of transactions still being committed. */
  pendingLayer(): Layer {
    return this.commits ? this.commits.layer : this;
  }

  /** Changes whenever a background commit fails. */
  get failureCount(): number {
    return this.commits ? this.commits.failureCount : 0;
  }

  get committing(): boolean {
    return this.commits ? this.commits.committing : false;
  }

  /**
   * Commits a transaction's changes: big ones through the background writer (the promise
   * settles once they are committed and cached), others at once, like `commit`.
   * `builtOn`: the failure count when the transaction started on top of commits under way;
   * if one of them has failed since, nothing is committed.
   */
  commitTransaction(changes: Changes, builtOn: number | undefined, fresh?: Pick<Overlay, 'isNew'>): Promise<void> | undefined {
    const background = this.backgroundFor(changes);
    if (!background) this.settleTransactions();
    if (builtOn !== undefined && builtOn !== this.failureCount) {
      throw new Error(BUILT_ON_FAILURE);
    }
    if (!background) {
      this.commit(changes);
      return undefined;
    }
    return background.commit(changes, fresh);
  }

  /**
   * Waits (blocking) until everything handed to the background writer is committed or failed:
   * the file then holds every commit, for reads of it that the caches do not answer.
   */
  settle(): void {
    if (this.plain?.pending) this.plain.settle();
    this.commits?.settle();
  }

  /** Waits (blocking) for the transactions handed to the background writer: their rows reach the cache when committed. */
  private settleTransactions(): void {
    this.commits?.settle();
  }

  /** Commits the group of plain commits under way, if any (group-commit.ts), and hands the writer its batch of them. */
  endGroup(): void {
    this.plain?.send();
    this.groupCommit.end();
  }

  /**
   * Resolves once every plain commit made so far is in the file: the main connection's group is
   * committed now, the writer's batch when the turn ends (with whatever else the turn commits).
   */
  flushed(): Promise<void> {
    this.groupCommit.end();
    return this.plain?.flushed() ?? Promise.resolve();
  }

  /** Bytes of index keys in memory, and the chunks of them read from and written to the temporary file. */
  indexPages(): IndexPagesReading {
    return this.pages.reading();
  }

  /** Closes the background writer and the index pages' file (the caller closes the connection). */
  async close(): Promise<void> {
    this.endGroup();
    try {
      await this.writer?.close();
    } finally {
      this.pages.close();
    }
  }

  private backgroundFor(changes: Changes): BackgroundCommits | undefined {
    if (!this.background || !this.commits || !this.writer?.alive) return undefined;
    let rows = 0;
    for (const [collection, docs] of changes) {
      if (docs.size === 0) continue;
      if (this.uniqueIndexes(collection).length > 0 || this.declared.textIndexFields(collection).length > 0) return undefined;
      rows += docs.size;
    }
    if (rows === 0 || rows < this.background.rows) return undefined;
    return this.commits;
  }

  cached(collection: string): DocumentCache | undefined {
    return this.caches.get(collection);
  }

  indexesBuilt(collection: string): boolean {
    return this.secondary.get(collection)?.built ?? false;
  }

  get(collection: string, id: string): Document | undefined {
    return this.load(collection).get(id);
  }

  has(collection: string, id: string): boolean {
    return this.load(collection).has(id);
  }

  stored(collection: string, id: string): Stored | undefined {
    return this.load(collection).stored(id);
  }

  documents(collection: string): Iterable<Document> {
    return this.load(collection).values();
  }

  uniqueIndexes(collection: string): readonly UniqueIndex[] {
    return this.declared.uniqueIndexes(collection);
  }

  owner(collection: string, index: UniqueIndex, key: string): string | undefined {
    this.load(collection);
    return this.uniqueKeys.owner(collection, index, key);
  }

  /**
   * Candidates through the collection's indexes (indexes.ts), or through the ids of an
   * `_id: { $in }` filter; undefined when neither serves the query.
   */
  candidates(collection: string, selection: Selection, shadowed?: (id: string) => boolean): Candidate[] | undefined {
    const cache = this.load(collection);
    const ids = idsOf(selection.filter);
    if (ids) {
      this.stats.plans?.push('_id');
      const found: Candidate[] = [];
      for (const id of new Set(ids)) {
        const at = cache.seq(id);
        if (at !== undefined && !shadowed?.(id)) found.push({ id, at });
      }
      return found.sort((a, b) => a.at - b.at);
    }
    const indexes = this.indexesFor(collection, selection);
    const plan = indexes?.plan(selection, cache.size);
    if (!indexes || !plan) {
      this.stats.plans?.push(`scan ${collection}`);
      return undefined;
    }
    this.stats.plans?.push(describePlan(plan));
    return indexes.candidates(plan, selection, {
      fetch: (id) => cache.get(id),
      idAt: (row) => cache.idAt(row),
      ...(shadowed ? { shadowed } : {}),
      rejected: () => this.stats.examined++,
    });
  }

  position(collection: string, id: string): number | undefined {
    return this.load(collection).seq(id);
  }

  count(collection: string, filter: Filter): number | undefined {
    const cache = this.load(collection);
    if (Object.keys(filter).length === 0) return cache.size;
    const counted = this.indexesFor(collection, { filter })?.count(filter);
    if (counted) this.stats.plans?.push(`count ${counted.index}`);
    return counted?.matches;
  }

  builtIndexes(): { collection: string; index: string; keys: number }[] {
    return [...this.secondary].flatMap(([collection, { indexes }]) => indexes.map((index) => ({ collection, index: index.definition.name, keys: index.keys.size })));
  }

  /** Bytes and number of document bodies held in memory. */
  heldBodies(): { bytes: number; budget: number; documents: number } {
    return { bytes: this.bodies.bytes, budget: this.bodies.budget, documents: this.bodies.documents };
  }

  /**
   * The collection's ordinary indexes if one of them may serve the query (its first field has a
   * condition or is sorted on), with those that may built on this first use: a query no index
   * serves builds none.
   */
  private indexesFor(collection: string, selection: Pick<Selection, 'filter' | 'sort'>): CollectionIndexes | undefined {
    const fields = queriedFields(selection);
    let indexes = this.indexesOf(collection);
    if (!indexes?.mayServe(fields)) return undefined;
    if (indexes.missing(fields)) {
      this.settleTransactions(); // the rows of commits under way would not be in the cache yet (settling may drop the indexes)
      indexes = this.indexesOf(collection)!;
      indexes.build(fields, this.load(collection).rows());
    }
    return indexes;
  }

  private forgetIndexes(collection: string): void {
    this.secondary.get(collection)?.clear();
    this.secondary.delete(collection);
  }

  /** The collection's ordinary indexes (none built until a query needs them); undefined if it declares none. */
  private indexesOf(collection: string): CollectionIndexes | undefined {
    const known = this.secondary.get(collection);
    if (known) return known;
    const definitions = this.declared.ordinaryIndexes(collection);
    if (definitions.length === 0) return undefined;
    const indexes = new CollectionIndexes(definitions, this.pages);
    this.secondary.set(collection, indexes);
    return indexes;
  }

  collections(): string[] {
    return [...this.names].sort();
  }

  /** Plain (non-transaction) commits so far: a transaction's view of which ids are new holds until the next one. */
  get plainCommitCount(): number {
    return this.plainCommits;
  }

  /**
   * Checks unique keys, hands the rows to the background writer (or writes them in one SQLite
   * transaction on this connection), then updates the cache.
   */
  commit(changes: Changes): void {
    if ([...changes.values()].every((docs) => docs.size === 0)) return;
    const plain = this.plain;
    if (plain?.failed) throw plain.failed;
    this.plainCommits++;
    this.settleTransactions(); // after what is being committed in the background
    // Throws DuplicateKey before anything is written.
    if ([...changes.keys()].some((collection) => this.uniqueIndexes(collection).length > 0)) new Overlay(this).putAll(changes);
    if (plain?.available && ![...changes.keys()].some((collection) => this.ftsStatements(collection))) {
      const rows = new CommitRows();
      const written = this.writeRows(changes, rows);
      plain.add(rows);
      this.applyCommitted(changes, written);
      return;
    }
    // Full-text rows are written on this connection, after the rows the writer has.
    if (plain?.pending) plain.settle();
    this.groupCommit.leaveCheckpointsToWriter();
    const group = this.groupCommit.join();
    let written: WrittenRows;
    try {
      written = this.writeTransaction(changes); // a savepoint inside the group
    } catch (error) {
      throw this.file.failure(error);
    }
    this.applyCommitted(changes, written);
    let rows = 0;
    for (const docs of changes.values()) rows += docs.size;
    group.pages += 2 * rows;
  }

  /** Brings the cache and the indexes up to date with what the background writer has committed. */
  applyWritten({ changes, rows, added, firstNewSeq, indexed }: InFlight): void {
    for (const [collection, writes] of indexed) {
      const indexes = this.secondary.get(collection);
      if (indexes) for (const [seq, doc] of writes) indexes.write(seq, doc);
    }
    // Indexes are built only once the commits under way have landed (indexesFor settles first), so
    // none should have appeared since this commit was handed over; if one did, it lacks these keys.
    for (const collection of rows.keys()) if (!indexed.has(collection)) this.forgetIndexes(collection);
    for (const [collection, written] of rows) {
      const cache = this.load(collection);
      const docs = changes.get(collection);
      let any = false;
      for (const [id, seq] of written) {
        if (seq === null) {
          cache.delete(id);
          continue;
        }
        if (seq >= firstNewSeq) continue; // below, in row order
        any = true;
        // Documents someone has read (parsed) stay objects; text the writer had goes to the file.
        const doc = docs?.get(id);
        if (typeof doc === 'object' && doc !== null) cache.put(id, seq, doc);
        else cache.putInFile(id, seq);
      }
      if (any) this.names.add(collection);
    }
    for (const [collection, { first, ids, read }] of added) {
      const cache = this.load(collection);
      for (let i = 0; i < ids.length; i++) {
        const doc = read?.[i];
        if (doc) cache.put(ids[i]!, first + i, doc);
        else cache.putNew(ids[i]!, first + i);
      }
      this.names.add(collection);
    }
  }

  /** Brings the cache and the indexes up to date with committed changes. */
  private applyCommitted(changes: Changes, { rows: written, removed }: WrittenRows): void {
    for (const [collection, docs] of changes) {
      const cache = this.load(collection);
      const indexes = this.uniqueIndexes(collection);
      const built = this.secondary.get(collection);
      const secondary = built?.built ? built : undefined;
      const rows = written.get(collection);
      const removedRows = removed.get(collection);
      let kept = false;
      for (const [id, stored] of docs) {
        const doc = stored === null || (indexes.length === 0 && !secondary) ? null : parsed(stored);
        if (indexes.length > 0) {
          const previous = cache.get(id);
          for (const index of indexes) this.uniqueKeys.move(collection, index, id, previous, doc);
        }
        const seq = rows?.get(id);
        if (secondary && seq != null) secondary.write(seq, doc);
        else if (secondary && seq === null) secondary.write(removedRows!.get(id)!, null);
        if (!stored || seq == null) {
          if (seq === null) cache.delete(id); // undefined: there was nothing to delete
          continue;
        }
        kept = true;
        cache.put(id, seq, stored);
      }
      if (kept) this.names.add(collection);
    }
  }

  createIndex(collection: string, requested: IndexSpec): void {
    validateIndexSpec(collection, requested);
    this.settle();
    const spec = this.declared.accept(collection, requested);
    if (!spec) return; // idempotent
    const fields = textFields(spec);
    const cache = this.load(collection);
    const keyMap = spec.unique ? buildKeyMap(collection, cache, { name: spec.name!, fields: Object.keys(spec.keys) }) : undefined;
    this.db.transaction(() => {
      this.stmt.register.run(collection);
      this.stmt.saveIndex.run(collection, spec.name!, JSON.stringify(spec));
      if (fields.length > 0) {
        createFtsTable(this.db, collection, fields, this.stmt.all.all(collection));
      }
    })();
    this.declared.add(collection, spec);
    this.forgetIndexes(collection); // built again, with the new one, when a query needs them
    if (keyMap) {
      this.load(collection);
      this.uniqueKeys.add(collection, spec.name!, keyMap);
    }
    this.names.add(collection);
  }

  /** Drops the collection's index of that name, if it has one. */
  dropIndex(collection: string, name: string): void {
    this.settle();
    const spec = this.declared.named(collection, name);
    if (!spec) return; // idempotent
    const text = textFields(spec).length > 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM indexes WHERE collection = ? AND name = ?').run(collection, name);
      if (text) this.db.exec(`DROP TABLE IF EXISTS ${ftsTable(collection)}`);
    })();
    this.declared.remove(collection, name);
    this.forgetIndexes(collection); // built again, without it, when a query needs them
    if (text) this.fts.delete(collection);
    if (spec.unique && this.caches.has(collection)) this.uniqueKeys.load(collection, this.load(collection), this.uniqueIndexes(collection));
  }

  drop(collection: string): void {
    this.settle();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM documents WHERE collection = ?').run(collection);
      this.db.prepare('DELETE FROM indexes WHERE collection = ?').run(collection);
      this.db.prepare('DELETE FROM collections WHERE name = ?').run(collection);
      this.db.exec(`DROP TABLE IF EXISTS ${ftsTable(collection)}`);
    })();
    this.caches.delete(collection);
    this.forgetIndexes(collection);
    this.uniqueKeys.forget(collection);
    this.declared.forget(collection);
    this.names.delete(collection);
    this.fts.delete(collection);
  }

  /**
   * Ranked hits from the collection's FTS5 table (full-text.ts). `pending` are a transaction's
   * uncommitted changes: searched as if committed, seen by nobody else.
   */
  search<T extends Document>(
    collection: string,
    text: string,
    options: SearchOptions,
    layer: Layer,
    pending?: Map<string, Stored | null>,
  ): SearchHit<T>[] {
    const fts = this.ftsStatements(collection);
    if (!fts) {
      throw new Error(`'${collection}' has no text index: create one with createIndex({ keys: { field: 'text' } })`);
    }
    const words = searchWords(text);
    if (words.length === 0) return [];
    this.settle(); // FTS rows are read from the file
    this.load(collection); // now, rather than from inside the FTS iteration
    const writePending = pending && pending.size > 0 ? () => this.writeRows(new Map([[collection, pending]])) : undefined;
    return rankedHits<T>(this.db, fts, collection, words, options, layer, writePending);
  }

  /** What each connection to the file reports: this one's, the background writer's and its checkpointer's. */
  async durability(): Promise<ConnectionDurability[]> {
    return [durabilityOf(this.db, 'main'), ...((await this.writer?.durability()) ?? [])];
  }

  /** Also fails once a read or write has found the file damaged. */
  ping(): void {
    this.file.assertSound();
    if (this.plain?.failed) throw this.plain.failed;
    this.stmt.ping.get();
  }

  /**
   * Writes rows (inside a transaction, or into rows for the background writer: `plain`) and
   * reports each document's row; the caller records them once committed.
   */
  private writeRows(changes: Changes, plain?: CommitRows): WrittenRows {
    const written: SeqChanges = new Map();
    const removed = new Map<string, Map<string, number>>();
    for (const [collection, docs] of changes) {
      const fts = this.ftsStatements(collection);
      const fields = fts ? this.declared.textIndexFields(collection) : [];
      let registered = false;
      const committed = this.load(collection);
      const rows = new Map<string, number | null>();
      written.set(collection, rows);
      for (const [id, doc] of docs) {
        const existing = committed.seq(id);
        if (doc) {
          // A collection is registered once (its name is then known): not by every write.
          if (!registered && !this.names.has(collection)) {
            if (plain) plain.register(collection);
            else this.stmt.register.run(collection);
          }
          registered = true;
          // Read before the row changes: the cache may have to read it back from the file.
          const before = fts && existing !== undefined ? committed.get(id) : undefined;
          let seq = existing;
          if (seq === undefined) {
            seq = this.nextSeq++;
            if (plain) plain.insert(seq, collection, id, serialized(doc));
            else this.stmt.insert.run(seq, collection, id, serialized(doc));
          } else if (plain) plain.update(seq, collection, id, serialized(doc));
          else this.stmt.update.run(serialized(doc), seq);
          rows.set(id, seq);
          if (fts) {
            // Most writes (counters, statuses) leave the indexed text as it was.
            const text = textOf(parsed(doc), fields);
            fts.delete.run(seq);
            fts.insert.run(seq, text);
          }
        } else if (existing !== undefined) {
          if (plain) plain.remove(existing, collection, id);
          else this.stmt.remove.run(existing);
          rows.set(id, null);
          let gone = removed.get(collection);
          if (!gone) removed.set(collection, (gone = new Map()));
          gone.set(id, existing);
          if (fts) fts.delete.run(existing);
        }
      }
    }
    return { rows: written, removed };
  }

  /** The collection's cache, loaded on first use. */
  load(collection: string): DocumentCache {
    let cache = this.caches.get(collection);
    if (cache) return cache;
    cache = new DocumentCache(collection, this.rowReader, this.bodies);
    // Rows only: bodies are read when used.
    let rows: [number, string][];
    if (this.plain?.pending) this.plain.settle();
    try {
      rows = this.stmt.load.all(collection);
    } catch (error) {
      throw this.file.failure(error);
    }
    for (const [seq, id] of rows) cache.putNew(id, seq);
    this.uniqueKeys.load(collection, cache, this.uniqueIndexes(collection));
    this.caches.set(collection, cache);
    return cache;
  }

  private ftsStatements(collection: string): FtsStatements | undefined {
    const ready = this.fts.get(collection);
    if (ready) return ready;
    if (this.declared.textIndexFields(collection).length === 0) return undefined;
    const statements = prepareFts(this.db, collection);
    this.fts.set(collection, statements);
    return statements;
  }
}
