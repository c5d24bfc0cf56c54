import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Query } from 'mingo';
import { ConnectionDurability, durabilityOf } from '../../sqlite/durability';
import { StoreFile } from '../../sqlite/store-file';
import { journalSizeLimit, WalLimit } from '../../sqlite/wal-limit';
import { DocumentCache, HeldBodies, RowReader } from './cache';
import { EmbeddedCollection } from './collection';
import { Candidate, CollectionIndexes, describePlan, idsOf, IndexDefinition, mayServe, Selection } from './indexes';
import { BackgroundWriter } from './writer';
import { copyOf, parsed, serialized, Stored } from './json-text';
import { Changes, CommittingChanges, CommittingVersions, Layer, Overlay, QueryStats, Workspace } from './overlay';
import {
  Collection,
  Document,
  DocumentStore,
  DuplicateKey,
  Filter,
  IndexSpec,
  SearchHit,
  SearchOptions,
} from '../port';
import { describeKey, indexName, searchWords, textFields, UniqueIndex, uniqueKeys, valuesAt } from '../semantics';

export interface EmbeddedDocumentStoreOptions {
  /** SQLite file, created with its folder when missing; ':memory:' for a throwaway store. */
  path: string;
  /**
   * A transaction writing at least this many documents (a projection rebuild's batch) is
   * committed by a second connection on a worker thread while the main thread goes on with
   * the next one; smaller ones are committed on the spot. Default 256; Infinity: never.
   * Only for files, and only for collections without unique or text indexes.
   */
  backgroundCommitRows?: number;
  /**
   * While the background writer runs, a third thread checkpoints the WAL each time about this
   * many kibibytes were appended to it (default 16384: 16 MiB), instead of commits doing it.
   */
  checkpointEveryKiB?: number;
  /** Bound of the write-ahead log file (default 64 MiB): see WalLimit. */
  walLimitBytes?: number;
  /**
   * Bytes of document bodies kept in memory, roughly, for every collection together (default
   * 32 MiB): the least recently used are read back from the file when needed again. Every
   * document's id and row, and the indexes, are kept whatever this says.
   */
  cacheBytes?: number;
  /** Check the file's structure when it opens (default true): see StoreFile.check. */
  checkOnOpen?: boolean;
}

/** What the operator is told to do when the file is damaged. */
export const DOCUMENT_STORE_DAMAGE_REMEDY =
  "It holds the read models (rebuilt from the event store) and the sagas' checkpoints, deadlines and outbox. " +
  'Stop the server and restore the last backup: `npm run restore -- --from <backup folder>` (read models that do not fit the event store are then rebuilt). ' +
  'Without a backup: move the file aside, rebuild the read models with `npm run replay -- --all`, then `npm run replay -- --reset-sagas-to head` ' +
  "(pending saga deadlines and messages not yet delivered are lost; everyone logs in again).";

const DEFAULT_BACKGROUND_COMMIT_ROWS = 256;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
const PAGE_SIZE = 16384;
const DEFAULT_CHECKPOINT_EVERY_KIB = 16 * 1024;

// Checkpoint every ~40 MB of WAL instead of 4 MB: each checkpoint fsyncs, and rebuilds write a lot.
const AUTOCHECKPOINT = 'wal_autocheckpoint = 10000';

const PRAGMAS = [
  'journal_mode = WAL',
  // Read models can be rebuilt from the event store: losing the last commits on power loss is acceptable.
  'synchronous = NORMAL',
  'busy_timeout = 10000',
  AUTOCHECKPOINT,
  journalSizeLimit(),
];

export const DOCUMENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY) WITHOUT ROWID;
-- No index on (collection, id): the cache knows every document's seq, so writes address rows
-- by seq and new rows append at the end. An index on random ids (event ids, uuids) would dirty
-- a different page for almost every write and make rebuilds several times slower.
CREATE TABLE IF NOT EXISTS documents (
  seq        INTEGER PRIMARY KEY, -- declared, so VACUUM keeps it: full-text rows use it as rowid
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_in_order ON documents (collection, seq);
CREATE TABLE IF NOT EXISTS indexes (
  collection TEXT NOT NULL,
  name       TEXT NOT NULL,
  spec       TEXT NOT NULL,
  PRIMARY KEY (collection, name)
);
`;

const DEFAULT_SEARCH_LIMIT = 20;

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One FTS5 table per text-indexed collection, so bm25 statistics are the collection's own. */
function ftsTable(collection: string): string {
  return quoteIdentifier(`fts:${collection}`);
}

function sameKeys(a: IndexSpec, b: IndexSpec): boolean {
  return isDeepStrictEqual(Object.entries(a.keys), Object.entries(b.keys));
}

function textOf(doc: Document, fields: readonly string[]): string {
  return fields
    .flatMap((field) => valuesAt(doc, field.split('.')))
    .filter((value): value is string => typeof value === 'string')
    .join('\n');
}

function validateIndexSpec(collection: string, spec: IndexSpec): void {
  const kinds = Object.values(spec.keys);
  if (kinds.length === 0) throw new Error(`An index on '${collection}' needs at least one key`);
  if (kinds.some((k) => k !== 1 && k !== -1 && k !== 'text')) throw new Error(`Index keys must be 1, -1 or 'text'`);
  const text = kinds.filter((k) => k === 'text').length;
  if (text > 0 && text < kinds.length) {
    throw new Error(`The embedded store does not support compound text indexes (text and ordinary keys mixed)`);
  }
  if (text > 0 && spec.unique) throw new Error(`A text index cannot be unique`);
}

const ROLLBACK = Symbol('rollback');

const BUILT_ON_FAILURE = 'transaction not committed: a transaction committed before it, which it read from, failed';

/** collection → id → row written (null: deleted). */
type SeqChanges = Map<string, Map<string, number | null>>;

/**
 * A collection's new documents in a transaction handed to the background writer, in row
 * order (the first has row `first`): a list, not a map, because a rebuild adds hundreds per
 * batch and its cache takes them in that order. `read`: those someone has parsed, by place.
 */
interface Added {
  first: number;
  ids: string[];
  read?: (Document | undefined)[];
}

/** A transaction handed to the background writer and not committed yet. */
interface InFlight {
  changes: CommittingChanges;
  /** Rows rewritten or deleted, and new documents someone has parsed (the others: `changes` holds their row). */
  rows: SeqChanges;
  added: Map<string, Added>;
  /** Rows from this seq on are new: ids the cache does not hold. */
  firstNewSeq: number;
  /** The text of a new document that `changes` holds by its row. */
  heldText: (seq: number) => string;
  /** For collections whose indexes are built: each document written, with its row, to index once committed. */
  indexed: Map<string, IndexWrite[]>;
}

/** A document's new version at its row (null: deleted), for the indexes. */
type IndexWrite = [id: string, seq: number, doc: Document | null];

interface FtsStatements {
  insert: Database.Statement<[number, string]>;
  delete: Database.Statement<[number]>;
  search: Database.Statement<[string], { id: string; relevance: number }>;
}

/**
 * What has been committed: the SQLite file, and a cache of every collection read so far
 * (documents with their row, and unique keys), loaded on first use and updated after each
 * commit. All writes go through this instance (rows get their seq here, including those the
 * background writer writes), so the cache never goes stale.
 */
class CommittedState implements Layer {
  private readonly caches = new Map<string, DocumentCache>();
  /** Bodies the caches hold, within the store's budget. */
  private readonly bodies: HeldBodies;
  /**
   * collection → its ordinary indexes, built from the documents the first time a query can use
   * them, then kept up to date by every commit (and dropped when the collection's indexes change).
   */
  private readonly secondary = new Map<string, CollectionIndexes>();
  readonly stats: QueryStats = { examined: 0, plans: undefined };
  /** collection → unique index → key → id. */
  private readonly keys = new Map<string, Map<string, Map<string, string>>>();
  private readonly specs = new Map<string, IndexSpec[]>();
  /** collection → its unique indexes, derived from `specs`. */
  private readonly unique = new Map<string, readonly UniqueIndex[]>();
  private readonly names = new Set<string>();
  private readonly fts = new Map<string, FtsStatements>();
  private readonly writeTransaction: (changes: Changes) => SeqChanges;
  /** The next row's seq: assigned here, so rows can be written by the background writer too. */
  private nextSeq: number;
  private writer: BackgroundWriter | undefined;
  /** Oldest first: sent to the writer, not reported committed yet. */
  private readonly inflight: InFlight[] = [];
  /** This state with the in-flight transactions on top: what the next transaction builds on. */
  private pending: Layer = this;
  private plainCommits = 0;
  /** Whether this connection leaves checkpoints to the background writer's checkpointer. */
  private checkpointsLeft = false;
  /** Incremented when a background commit fails: transactions built on it must not commit. */
  private failures = 0;
  /** The SQLite transaction the plain commits of this turn of the event loop share (see `joinGroup`). */
  private group: { pages: number } | undefined;

  private readonly stmt: {
    load: Database.Statement<[string], [number, string]>;
    register: Database.Statement<[string]>;
    insert: Database.Statement<[number, string, string, string]>;
    update: Database.Statement<[string, number]>;
    remove: Database.Statement<[number]>;
    all: Database.Statement<[string], { seq: number; doc: string }>;
    row: Database.Statement<[number], { doc: string }>;
    page: Database.Statement<[string, number, number], [number, string, string]>;
    saveIndex: Database.Statement<[string, string, string]>;
    ping: Database.Statement<[], unknown>;
  };

  constructor(
    private readonly db: Database.Database,
    private readonly background: { path: string; rows: number; checkpointEveryKiB: number } | undefined,
    cacheBytes: number,
    private readonly walLimit: WalLimit | undefined,
    private readonly file: StoreFile,
  ) {
    this.bodies = new HeldBodies(cacheBytes);
    db.exec(DOCUMENTS_SCHEMA);
    this.stmt = {
      load: db.prepare<[string], [number, string]>('SELECT seq, id FROM documents WHERE collection = ? ORDER BY seq').raw(true),
      register: db.prepare('INSERT OR IGNORE INTO collections (name) VALUES (?)'),
      insert: db.prepare('INSERT INTO documents (seq, collection, id, doc) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE documents SET doc = ? WHERE seq = ?'),
      remove: db.prepare('DELETE FROM documents WHERE seq = ?'),
      all: db.prepare('SELECT seq, doc FROM documents WHERE collection = ? ORDER BY seq'),
      row: db.prepare('SELECT doc FROM documents WHERE seq = ?'),
      page: db
        .prepare<[string, number, number], [number, string, string]>('SELECT seq, id, doc FROM documents WHERE collection = ? AND seq > ? ORDER BY seq LIMIT ?')
        .raw(true),
      saveIndex: db.prepare('INSERT INTO indexes (collection, name, spec) VALUES (?, ?, ?)'),
      ping: db.prepare('SELECT 1'),
    };
    for (const { name } of db.prepare<[], { name: string }>('SELECT name FROM collections').all()) this.names.add(name);
    const saved = db.prepare<[], { collection: string; spec: string }>('SELECT collection, spec FROM indexes ORDER BY rowid');
    for (const { collection, spec } of saved.all()) this.specsOf(collection).push(JSON.parse(spec) as IndexSpec);
    this.writeTransaction = db.transaction((changes: Changes) => this.writeRows(changes));
    this.nextSeq = (db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM documents').get()!.m ?? 0) + 1;
    // Started now, not at the first big commit: the thread takes about 50 ms to start, which
    // would otherwise hold up the first batch of a rebuild (and compete with it for a core).
    if (background) this.writer = new BackgroundWriter(background.path, PRAGMAS, background.checkpointEveryKiB);
  }

  // Where bodies are read back from the file: SQLite's damage reports name the file here.
  private readonly rowReader: RowReader = {
    row: (seq) => {
      try {
        return this.stmt.row.get(seq)?.doc;
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    page: (collection, afterSeq, limit) => {
      try {
        return this.stmt.page.all(collection, afterSeq, limit);
      } catch (error) {
        throw this.file.failure(error);
      }
    },
    settle: () => this.settle(),
  };

  /** What a new transaction reads: the committed documents and those of transactions still being committed. */
  pendingLayer(): Layer {
    return this.pending;
  }

  /** Changes whenever a background commit fails. */
  get failureCount(): number {
    return this.failures;
  }

  get committing(): boolean {
    return this.inflight.length > 0;
  }

  /**
   * Commits a transaction's changes: big ones through the background writer (the promise
   * settles once they are committed and cached), others at once, like `commit`.
   * `builtOn`: the failure count when the transaction started on top of commits under way;
   * if one of them has failed since, nothing is committed.
   */
  commitTransaction(changes: Changes, builtOn: number | undefined, fresh?: Pick<Overlay, 'isNew'>): Promise<void> | undefined {
    const writer = this.backgroundWriterFor(changes);
    if (!writer) this.settle();
    if (builtOn !== undefined && builtOn !== this.failures) {
      throw new Error(BUILT_ON_FAILURE);
    }
    if (!writer) {
      this.commit(changes);
      return undefined;
    }
    this.endGroup(); // the writer's connection could not write while this one holds a transaction
    const batch = writer.batch();
    const firstNewSeq = this.nextSeq;
    const entry: InFlight = {
      changes,
      rows: new Map(),
      added: new Map(),
      firstNewSeq,
      indexed: new Map(),
      heldText: (seq) => {
        // From the batch until the writer has committed it, then from the file.
        const text = batch.insertedText(seq - firstNewSeq) ?? this.rowReader.row(seq);
        if (text === undefined) throw new Error(`document store: row ${seq} is missing (was the file changed by another process?)`);
        return text;
      },
    };
    for (const [collection, docs] of changes) {
      const versions: CommittingVersions = docs;
      this.load(collection);
      const index = batch.collections.push(collection) - 1;
      const written = new Map<string, number | null>();
      entry.rows.set(collection, written);
      const added: Added = { first: this.nextSeq, ids: [] };
      let registered = false;
      // Keys are taken now, while the documents are at hand (their text goes to the batch).
      const indexed: IndexWrite[] | undefined = this.secondary.has(collection) ? [] : undefined;
      if (indexed) entry.indexed.set(collection, indexed);
      for (const [id, doc] of docs) {
        // A new document needs no lookup (in a rebuild, nearly all are new).
        const existing = fresh?.isNew(collection, id) ? undefined : this.seqOf(collection, id);
        if (doc && indexed) indexed.push([id, existing ?? this.nextSeq, parsed(doc)]);
        else if (indexed && existing !== undefined) indexed.push([id, existing, null]);
        if (doc) {
          if (!registered) batch.registers.push(collection);
          registered = true;
          if (existing === undefined) {
            const seq = this.nextSeq++;
            batch.insert(seq, index, id, serialized(doc));
            added.ids.push(id);
            // The batch has the text now (documents someone has read stay objects, for the cache).
            if (typeof doc === 'string') versions.set(id, seq);
            else {
              written.set(id, seq);
              (added.read ??= [])[added.ids.length - 1] = doc;
            }
          } else {
            batch.update(existing, serialized(doc));
            written.set(id, existing);
          }
        } else if (existing !== undefined) {
          batch.deletes.push(existing);
          written.set(id, null);
        }
      }
      if (added.ids.length > 0) entry.added.set(collection, added);
    }
    this.inflight.push(entry);
    this.restack();
    return new Promise<void>((resolve, reject) => {
      writer.write(batch, (error) => {
        // Settled in sending order: this is the oldest in flight.
        this.inflight.splice(this.inflight.indexOf(entry), 1);
        if (error) this.failures++;
        else this.applyWritten(entry);
        this.restack();
        if (error) reject(this.file.failure(error));
        else resolve();
      });
    });
  }

  /** Waits (blocking) until every transaction handed to the background writer is committed or failed. */
  settle(): void {
    if (this.inflight.length === 0) return;
    this.endGroup(); // the writer's connection waits for this one's transaction
    this.writer?.drain();
  }

  /**
   * Plain commits made in one turn of the event loop share one SQLite transaction, committed
   * when the turn ends (or at `endGroup`). Under load a ticket's projections, sagas and outbox
   * made about thirty small commits, each appending whole 16 kB pages to the WAL and paying a
   * commit: together they write the pages they share once. Reads on this connection see the
   * rows at once; other connections, and the file after a crash, see the whole group or none
   * of it. Whatever must be on disk before someone is told (an HTTP answer) calls `endGroup` first.
   */
  private joinGroup(): { pages: number } {
    if (this.group) return this.group;
    this.db.exec('BEGIN IMMEDIATE');
    const group = (this.group = { pages: 0 });
    setImmediate(() => {
      if (this.group === group) this.endGroup();
    });
    return group;
  }

  /** Commits the group under way, if any. */
  endGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      // The caches already hold what failed to reach the file: going on would serve, and build
      // on, writes that a restart would not find. Stop; a restart resumes every read model and
      // saga from the checkpoints the file does hold.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const failure = this.file.failure(error);
      if (failure !== error) throw failure;
      throw new Error(`document store: committing the last writes failed, the process must restart: ${(error as Error).message}`, { cause: error });
    }
    // A small commit appends whole pages to the WAL (a row and its index entry: one or two
    // pages each), not the row's kibibyte: counting a kibibyte let 1.4 GB pile up between checkpoints.
    this.writer?.appended((group.pages * PAGE_SIZE) / 1024);
    this.walLimit?.afterCommit(group.pages * PAGE_SIZE);
  }

  async closeWriter(): Promise<void> {
    this.endGroup();
    await this.writer?.close();
  }

  private backgroundWriterFor(changes: Changes): BackgroundWriter | undefined {
    if (!this.background || (this.writer && !this.writer.alive)) return undefined;
    let rows = 0;
    for (const [collection, docs] of changes) {
      if (docs.size === 0) continue;
      if (this.uniqueIndexes(collection).length > 0 || this.textIndexFields(collection).length > 0) return undefined;
      rows += docs.size;
    }
    if (rows === 0 || rows < this.background.rows) return undefined;
    this.writer ??= new BackgroundWriter(this.background.path, PRAGMAS, this.background.checkpointEveryKiB);
    return this.writer;
  }

  private seqOf(collection: string, id: string): number | undefined {
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const { rows, changes } = this.inflight[i]!;
      const written = rows.get(collection);
      if (written?.has(id)) return written.get(id) ?? undefined;
      const held = changes.get(collection)?.get(id);
      if (typeof held === 'number') return held; // a new document, held by its row
    }
    return this.caches.get(collection)?.seq(id);
  }

  private restack(): void {
    let layer: Layer = this;
    for (const { changes, heldText } of this.inflight) layer = new Overlay(layer, changes, heldText);
    this.pending = layer;
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
    const known = this.unique.get(collection);
    if (known) return known;
    const specs = this.specs.get(collection) ?? [];
    const indexes = specs.filter((s) => s.unique).map((s) => ({ name: s.name!, fields: Object.keys(s.keys) }));
    this.unique.set(collection, indexes);
    return indexes;
  }

  owner(collection: string, index: UniqueIndex, key: string): string | undefined {
    this.load(collection);
    return this.keys.get(collection)?.get(index.name)?.get(key);
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
      this.stats.plans?.push('scan');
      return undefined;
    }
    this.stats.plans?.push(describePlan(plan));
    return indexes.candidates(plan, selection, {
      fetch: (id) => cache.get(id),
      row: (id) => cache.seq(id),
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

  /** Bytes and number of document bodies held in memory. */
  heldBodies(): { bytes: number; documents: number } {
    return { bytes: this.bodies.bytes, documents: this.bodies.documents };
  }

  /**
   * The collection's ordinary indexes if one of them may serve the query (its first field has a
   * condition or is sorted on), built on this first use: a query no index serves builds none.
   */
  private indexesFor(collection: string, selection: Pick<Selection, 'filter' | 'sort'>): CollectionIndexes | undefined {
    const built = this.secondary.get(collection);
    if (built) return built;
    const definitions = this.ordinaryIndexes(collection);
    if (definitions.length === 0) return undefined;
    if (!mayServe(definitions, selection)) return undefined;
    this.settle(); // the rows of commits under way would not be in the cache yet
    const cache = this.load(collection);
    const indexes = new CollectionIndexes(definitions);
    indexes.load(cache.rows());
    this.secondary.set(collection, indexes);
    return indexes;
  }

  private ordinaryIndexes(collection: string): IndexDefinition[] {
    return (this.specs.get(collection) ?? [])
      .filter((spec) => textFields(spec).length === 0)
      .map((spec) => ({ name: spec.name!, fields: Object.keys(spec.keys) }));
  }

  collections(): string[] {
    return [...this.names].sort();
  }

  /** Plain (non-transaction) commits so far: a transaction's view of which ids are new holds until the next one. */
  get plainCommitCount(): number {
    return this.plainCommits;
  }

  /** Checks unique keys, writes everything in one SQLite transaction, then updates the cache. */
  commit(changes: Changes): void {
    if ([...changes.values()].every((docs) => docs.size === 0)) return;
    this.plainCommits++;
    this.settle(); // after what is being committed in the background
    // Throws DuplicateKey before anything is written.
    if ([...changes.keys()].some((collection) => this.uniqueIndexes(collection).length > 0)) new Overlay(this).putAll(changes);
    this.leaveCheckpointsToWriter();
    const group = this.joinGroup();
    let written: SeqChanges;
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

  /**
   * While the background writer's checkpointer thread runs, this connection does not
   * checkpoint inside its commits either (SQLite's default); if it stops, it does again.
   */
  private leaveCheckpointsToWriter(): void {
    const leave = this.writer?.checkpointing ?? false;
    if (leave === this.checkpointsLeft) return;
    this.checkpointsLeft = leave;
    this.db.pragma(leave ? 'wal_autocheckpoint = 0' : AUTOCHECKPOINT);
  }

  /** Brings the cache and the indexes up to date with what the background writer has committed. */
  private applyWritten({ changes, rows, added, firstNewSeq, indexed }: InFlight): void {
    for (const [collection, writes] of indexed) {
      const indexes = this.secondary.get(collection);
      if (indexes) for (const [id, seq, doc] of writes) indexes.write(id, seq, doc);
    }
    // Indexes are built only once the commits under way have landed (indexesFor settles first), so
    // none should have appeared since this commit was handed over; if one did, it lacks these keys.
    for (const collection of rows.keys()) if (!indexed.has(collection)) this.secondary.delete(collection);
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
  private applyCommitted(changes: Changes, written: SeqChanges): void {
    for (const [collection, docs] of changes) {
      const cache = this.load(collection);
      const indexes = this.uniqueIndexes(collection);
      const secondary = this.secondary.get(collection);
      const rows = written.get(collection);
      let kept = false;
      for (const [id, stored] of docs) {
        const doc = stored === null || (indexes.length === 0 && !secondary) ? null : parsed(stored);
        if (indexes.length > 0) {
          const previous = cache.get(id);
          for (const index of indexes) {
            const map = this.keyMap(collection, index.name);
            if (previous) for (const key of uniqueKeys(previous, index)) if (map.get(key) === id) map.delete(key);
            if (doc) for (const key of uniqueKeys(doc, index)) map.set(key, id);
          }
        }
        const seq = rows?.get(id);
        if (secondary && seq !== undefined) secondary.write(id, seq ?? 0, seq === null ? null : doc);
        if (!stored || seq == null) {
          cache.delete(id);
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
    const spec: IndexSpec = { keys: { ...requested.keys }, name: indexName(requested), ...(requested.unique ? { unique: true } : {}) };
    const existing = this.specs.get(collection) ?? [];
    const sameName = existing.find((s) => s.name === spec.name);
    if (sameName) {
      if (sameKeys(sameName, spec) && !!sameName.unique === !!spec.unique) return; // idempotent
      throw new Error(`Index '${spec.name}' on '${collection}' already exists with different keys or options`);
    }
    const twin = existing.find((s) => sameKeys(s, spec));
    if (twin) throw new Error(`An index with the same keys already exists on '${collection}' as '${twin.name}'`);
    const fields = textFields(spec);
    if (fields.length > 0 && existing.some((s) => textFields(s).length > 0)) {
      throw new Error(`'${collection}' already has a text index: a collection has at most one`);
    }
    const cache = this.load(collection);
    const keyMap = spec.unique ? this.buildKeyMap(collection, cache, { name: spec.name!, fields: Object.keys(spec.keys) }) : undefined;
    this.db.transaction(() => {
      this.stmt.register.run(collection);
      this.stmt.saveIndex.run(collection, spec.name!, JSON.stringify(spec));
      if (fields.length > 0) {
        this.db.exec(`CREATE VIRTUAL TABLE ${ftsTable(collection)} USING fts5(content, tokenize = 'porter unicode61')`);
        // Back-fill: documents written before the text index existed become searchable too.
        const fts = this.prepareFts(collection);
        for (const { seq, doc } of this.stmt.all.all(collection)) {
          fts.insert.run(seq, textOf(JSON.parse(doc) as Document, fields));
        }
      }
    })();
    this.specsOf(collection).push(spec);
    this.unique.delete(collection);
    this.secondary.delete(collection); // built again, with the new one, when a query needs them
    if (keyMap) this.keysOf(collection).set(spec.name!, keyMap);
    this.names.add(collection);
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
    this.secondary.delete(collection);
    this.keys.delete(collection);
    this.specs.delete(collection);
    this.unique.delete(collection);
    this.names.delete(collection);
    this.fts.delete(collection);
  }

  /**
   * Ranked hits from the collection's FTS5 table. `pending` are a transaction's uncommitted
   * changes: they are written, searched and rolled back inside one synchronous SQLite
   * transaction, so the view ranks exactly as it will after commit and nobody else sees them.
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
    // Each word quoted (it holds only letters and digits), any word may match: partial matches still rank.
    const match = words.map((w) => `"${w}"`).join(' OR ');
    const limit = options.limit === undefined ? DEFAULT_SEARCH_LIMIT : options.limit === 0 ? Infinity : options.limit;
    const query = options.filter && Object.keys(options.filter).length > 0 ? new Query(options.filter, {}) : undefined;
    this.load(collection); // now, rather than from inside the FTS iteration below
    const collect = (): SearchHit<T>[] => {
      const hits: SearchHit<T>[] = [];
      if (limit <= 0) return hits;
      for (const row of fts.search.iterate(match)) {
        const doc = layer.get(collection, row.id);
        if (!doc || (query && !query.test(doc))) continue;
        hits.push({ document: copyOf(doc) as T, score: -row.relevance }); // bm25: lower is better
        if (hits.length >= limit) break;
      }
      return hits;
    };
    if (!pending || pending.size === 0) return collect();
    let hits: SearchHit<T>[] = [];
    try {
      this.db.transaction(() => {
        this.writeRows(new Map([[collection, pending]]));
        hits = collect();
        throw ROLLBACK;
      })();
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
    return hits;
  }

  /** What each connection to the file reports: this one's, the background writer's and its checkpointer's. */
  async durability(): Promise<ConnectionDurability[]> {
    return [durabilityOf(this.db, 'main'), ...((await this.writer?.durability()) ?? [])];
  }

  /** Also fails once a read or write has found the file damaged. */
  ping(): void {
    this.file.assertSound();
    this.stmt.ping.get();
  }

  /** Writes rows (inside a transaction) and reports each document's row; the caller records them once committed. */
  private writeRows(changes: Changes): SeqChanges {
    const written: SeqChanges = new Map();
    for (const [collection, docs] of changes) {
      const fts = this.ftsStatements(collection);
      const fields = fts ? this.textIndexFields(collection) : [];
      let registered = false;
      const committed = this.load(collection);
      const rows = new Map<string, number | null>();
      written.set(collection, rows);
      for (const [id, doc] of docs) {
        const existing = committed.seq(id);
        if (doc) {
          if (!registered) this.stmt.register.run(collection);
          registered = true;
          // Read before the row changes: the cache may have to read it back from the file.
          const before = fts && existing !== undefined ? committed.get(id) : undefined;
          let seq = existing;
          if (seq === undefined) this.stmt.insert.run((seq = this.nextSeq++), collection, id, serialized(doc));
          else this.stmt.update.run(serialized(doc), seq);
          rows.set(id, seq);
          if (fts) {
            // Most writes (counters, statuses) leave the indexed text as it was.
            const text = textOf(parsed(doc), fields);
            fts.delete.run(seq);
            fts.insert.run(seq, text);
          }
        } else if (existing !== undefined) {
          this.stmt.remove.run(existing);
          rows.set(id, null);
          if (fts) fts.delete.run(existing);
        }
      }
    }
    return written;
  }

  private load(collection: string): DocumentCache {
    let cache = this.caches.get(collection);
    if (cache) return cache;
    cache = new DocumentCache(collection, this.rowReader, this.bodies);
    // Rows only: bodies are read when used.
    let rows: [number, string][];
    try {
      rows = this.stmt.load.all(collection);
    } catch (error) {
      throw this.file.failure(error);
    }
    for (const [seq, id] of rows) cache.putNew(id, seq);
    const keys = new Map<string, Map<string, string>>();
    for (const index of this.uniqueIndexes(collection)) keys.set(index.name, this.buildKeyMap(collection, cache, index));
    this.caches.set(collection, cache);
    this.keys.set(collection, keys);
    return cache;
  }

  private buildKeyMap(collection: string, cache: DocumentCache, index: UniqueIndex): Map<string, string> {
    const map = new Map<string, string>();
    for (const doc of cache.values()) {
      for (const key of uniqueKeys(doc, index)) {
        const holder = map.get(key);
        if (holder !== undefined && holder !== doc._id) throw new DuplicateKey(collection, describeKey(index, key));
        map.set(key, doc._id);
      }
    }
    return map;
  }

  private textIndexFields(collection: string): string[] {
    const spec = this.specs.get(collection)?.find((s) => textFields(s).length > 0);
    return spec ? textFields(spec) : [];
  }

  private ftsStatements(collection: string): FtsStatements | undefined {
    const ready = this.fts.get(collection);
    if (ready) return ready;
    if (this.textIndexFields(collection).length === 0) return undefined;
    const statements = this.prepareFts(collection);
    this.fts.set(collection, statements);
    return statements;
  }

  private prepareFts(collection: string): FtsStatements {
    const table = ftsTable(collection);
    return {
      insert: this.db.prepare(`INSERT INTO ${table} (rowid, content) VALUES (?, ?)`),
      delete: this.db.prepare(`DELETE FROM ${table} WHERE rowid = ?`),
      search: this.db.prepare(
        `SELECT d.id AS id, bm25(${table}) AS relevance FROM ${table} JOIN documents d ON d.seq = ${table}.rowid
         WHERE ${table} MATCH ? ORDER BY relevance`,
      ),
    };
  }

  private specsOf(collection: string): IndexSpec[] {
    let specs = this.specs.get(collection);
    if (!specs) this.specs.set(collection, (specs = []));
    return specs;
  }

  private keysOf(collection: string): Map<string, Map<string, string>> {
    this.load(collection);
    return this.keys.get(collection)!;
  }

  private keyMap(collection: string, index: string): Map<string, string> {
    const byIndex = this.keysOf(collection);
    let map = byIndex.get(index);
    if (!map) byIndex.set(index, (map = new Map()));
    return map;
  }
}

/**
 * The embedded default: documents in one SQLite file (WAL), queried in memory with mingo
 * (MongoDB's filter, update and aggregation language), searched with FTS5.
 *
 * Reads come from a per-collection cache loaded on first use; what a read returns is a copy.
 * `transaction` is all-or-nothing: writes go to an overlay that only the transaction's view
 * sees, and reach SQLite in one transaction when `work` resolves. Transactions run one at a
 * time; plain writes made meanwhile are not blocked, and the transaction's unique keys are
 * checked again at commit against them (its version of a document written by both wins).
 * Index definitions are not transactional: `createIndex` inside a transaction applies at once.
 *
 * Big transactions (`backgroundCommitRows`, e.g. a rebuild's batches) are committed by a
 * second connection on a worker thread (writer.ts). The next transaction starts as
 * soon as one is handed over, on top of it; its promise resolves once it is committed, and
 * its writes become visible to plain reads then. If a background commit fails, the
 * transactions built on it fail too. Plain writes, index changes, searches and `close` first
 * wait (blocking) for the commits under way, so the file is only ever written in order.
 */
export class EmbeddedDocumentStore implements DocumentStore {
  readonly atomic = true;
  private readonly db: Database.Database;
  private readonly state: CommittedState;
  private readonly workspace: Workspace;
  private readonly file: StoreFile;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: EmbeddedDocumentStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.file = new StoreFile(options.path, DOCUMENT_STORE_DAMAGE_REMEDY);
    this.db = new Database(options.path);
    try {
      // Only takes effect on a new file: 16 kB pages take a rebuild's rows in about a third fewer page writes.
      this.db.pragma(`page_size = ${PAGE_SIZE}`);
      for (const pragma of PRAGMAS) this.db.pragma(pragma);
      if (options.path !== ':memory:' && (options.checkOnOpen ?? true)) this.file.check(this.db);
      const backgroundRows = options.backgroundCommitRows ?? DEFAULT_BACKGROUND_COMMIT_ROWS;
      const background =
        options.path !== ':memory:' && Number.isFinite(backgroundRows)
          ? { path: options.path, rows: backgroundRows, checkpointEveryKiB: options.checkpointEveryKiB ?? DEFAULT_CHECKPOINT_EVERY_KIB }
          : undefined;
      const walLimit = options.path === ':memory:' ? undefined : new WalLimit(this.db, `${options.path}-wal`, options.walLimitBytes);
      this.state = new CommittedState(this.db, background, options.cacheBytes ?? DEFAULT_CACHE_BYTES, walLimit, this.file);
    } catch (error) {
      this.db.close();
      throw this.file.failure(error);
    }
    const store = this;
    this.workspace = {
      get layer() {
        store.assertOpen();
        return store.state;
      },
      stats: this.state.stats,
      commit: (changes) => {
        this.assertOpen();
        this.state.commit(changes);
      },
      commitOne: (collection, id, doc) => {
        this.assertOpen();
        this.state.commit(new Map([[collection, new Map([[id, doc]])]]));
      },
      createIndex: (collection, spec) => {
        this.assertOpen();
        try {
          this.state.createIndex(collection, spec);
        } catch (error) {
          throw this.file.failure(error);
        }
      },
    };
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new EmbeddedCollection<T>(name, this.workspace);
  }

  async search<T extends Document = Document>(collection: string, text: string, options: SearchOptions = {}): Promise<SearchHit<T>[]> {
    this.assertOpen();
    try {
      return this.state.search<T>(collection, text, options, this.state);
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  transaction<R>(work: (store: DocumentStore) => Promise<R>): Promise<R> {
    // One at a time: a transaction's overlay never interleaves with another's. The next one
    // starts once this one's changes are handed over for commit (big ones commit in the
    // background), on top of them.
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    const run = this.queue.then(() => this.runTransaction(work, release));
    this.queue = turn;
    run.catch(() => undefined);
    return run;
  }

  private async runTransaction<R>(work: (store: DocumentStore) => Promise<R>, release: () => void): Promise<R> {
    try {
      this.assertOpen();
      // Built on transactions still being committed: if one of them fails, so does this one.
      const failures = this.state.committing ? this.state.failureCount : undefined;
      const plainCommits = this.state.plainCommitCount;
      const overlay = new Overlay(this.state.pendingLayer());
      const view = new TransactionView(overlay, this.state, this);
      let committed: Promise<void> | undefined;
      let result: R;
      try {
        result = await work(view);
        this.assertOpen();
        // What the overlay saw as new is still new unless a plain write has committed since.
        const fresh = this.state.plainCommitCount === plainCommits ? overlay : undefined;
        committed = this.state.commitTransaction(overlay.changed(), failures, fresh);
      } finally {
        view.finish();
        release();
      }
      if (committed) await committed;
      return result;
    } finally {
      release();
    }
  }

  async listCollections(): Promise<string[]> {
    this.assertOpen();
    return this.state.collections();
  }

  /**
   * How the queries `work` makes run (for tests and diagnostics): the plan of each — an index's
   * name, `_id`, `count` (answered by an index's keys alone) or `scan` — and how many documents
   * they looked at.
   */
  async explain<R>(work: () => Promise<R>): Promise<{ result: R; plans: string[]; examined: number }> {
    const { stats } = this.state;
    const examined = stats.examined;
    const plans: string[] = [];
    stats.plans = plans;
    try {
      const result = await work();
      return { result, plans, examined: stats.examined - examined };
    } finally {
      if (stats.plans === plans) stats.plans = undefined;
    }
  }

  /** Document bodies held in memory: their approximate bytes and how many. */
  heldBodies(): { bytes: number; documents: number } {
    return this.state.heldBodies();
  }

  async dropCollection(name: string): Promise<void> {
    this.assertOpen();
    try {
      this.state.drop(name);
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  async flush(): Promise<void> {
    this.assertOpen();
    this.state.endGroup();
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.state.ping();
  }

  /**
   * The durability settings of every connection to the file, as each reports them: the main one,
   * and the background writer's and checkpointer's once they have started.
   */
  durability(): Promise<ConnectionDurability[]> {
    this.assertOpen();
    return this.state.durability();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.state.closeWriter();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('document store is closed');
  }
}

/** What `work` sees inside a transaction: the committed state with the transaction's overlay on top. */
class TransactionView implements DocumentStore {
  readonly atomic = true;
  private finished = false;
  private readonly workspace: Workspace;

  constructor(
    private readonly overlay: Overlay,
    private readonly state: CommittedState,
    private readonly store: EmbeddedDocumentStore,
  ) {
    const view = this;
    this.workspace = {
      get layer() {
        view.assertActive();
        return overlay;
      },
      stats: state.stats,
      commit: (changes) => {
        this.assertActive();
        overlay.putAll(changes);
      },
      commitOne: (collection, id, doc, absent) => {
        this.assertActive();
        overlay.put(collection, id, doc, absent);
      },
      createIndex: (collection, spec) => {
        this.assertActive();
        state.createIndex(collection, spec);
      },
    };
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new EmbeddedCollection<T>(name, this.workspace);
  }

  async search<T extends Document = Document>(collection: string, text: string, options: SearchOptions = {}): Promise<SearchHit<T>[]> {
    this.assertActive();
    return this.state.search<T>(collection, text, options, this.overlay, this.overlay.changed().get(collection));
  }

  /** Nested: runs in the same overlay, committed or discarded with the outer transaction. */
  async transaction<R>(work: (store: DocumentStore) => Promise<R>): Promise<R> {
    this.assertActive();
    return work(this);
  }

  async listCollections(): Promise<string[]> {
    this.assertActive();
    const names = new Set(await this.store.listCollections());
    for (const [collection, docs] of this.overlay.changed()) {
      if ([...docs.values()].some((doc) => doc !== null)) names.add(collection);
    }
    return [...names].sort();
  }

  async dropCollection(): Promise<void> {
    throw new Error('dropCollection is not allowed inside a transaction');
  }

  /** What the transaction writes becomes durable when it ends; this makes what came before durable. */
  async flush(): Promise<void> {
    return this.store.flush();
  }

  async ping(): Promise<void> {
    return this.store.ping();
  }

  async close(): Promise<void> {
    throw new Error('close the store, not a transaction view');
  }

  finish(): void {
    this.finished = true;
  }

  private assertActive(): void {
    if (this.finished) throw new Error('this transaction has already ended: use the store, not its view');
  }
}
