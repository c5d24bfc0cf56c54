import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectionDurability } from '../../sqlite/durability';
import { StoreFile } from '../../sqlite/store-file';
import { WalLimit } from '../../sqlite/wal-limit';
import { Collection, Document, DocumentStore, DocumentStoreMemory, SearchHit, SearchOptions } from '../port';
import { EmbeddedCollection } from './collection';
import { IndexPagesReading } from './index-pages';
import { CommittedState } from './committed-state';
import { Overlay, Workspace } from './overlay';
import { PAGE_SIZE, PRAGMAS } from './schema';
import { TransactionView } from './transaction-view';

export { DOCUMENTS_SCHEMA } from './schema';

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
   * document's row is kept whatever this says; index keys have a budget of their own (indexCacheBytes).
   */
  cacheBytes?: number;
  /**
   * Bytes of index keys kept in memory, roughly, for every index together (default 16 MiB): the
   * chunks of keys used least lately go to a temporary file, read back when needed again
   * (index-pages.ts). Infinity keeps them all in memory.
   */
  indexCacheBytes?: number;
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
const DEFAULT_INDEX_CACHE_BYTES = 16 * 1024 * 1024;
const DEFAULT_CHECKPOINT_EVERY_KIB = 16 * 1024;

/**
 * The embedded default: documents in one SQLite file (WAL), queried in memory with mingo
 * (MongoDB's filter, update and aggregation language), searched with FTS5.
 *
 * Reads come from a per-collection cache loaded on first use; what a read returns is a copy.
 * `transaction` is all-or-nothing: writes go to an overlay that only the transaction's view
 * sees, and reach SQLite in one transaction when `work` resolves. Transactions run one at a
 * time; plain writes made meanwhile are not blocked, and the transaction's unique keys are
 * checked again at commit against them (its version of a document written by both wins).
 * Index definitions are not transactional: `createIndex` and `dropIndex` inside a transaction apply at once.
 *
 * Big transactions (`backgroundCommitRows`, e.g. a rebuild's batches) are committed by a
 * second connection on a worker thread (writer.ts). The next transaction starts as
 * soon as one is handed over, on top of it; its promise resolves once it is committed, and
 * its writes become visible to plain reads then. If a background commit fails, the
 * transactions built on it fail too. Plain writes, index changes, searches and `close` first
 * wait (blocking) for the commits under way, so the file is only ever written in order.
 * Plain writes themselves go to the same writer, a batch per turn of the event loop
 * (plain-commits.ts); `flush` resolves once they are in the file.
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
      const indexCacheBytes = options.indexCacheBytes ?? DEFAULT_INDEX_CACHE_BYTES;
      this.state = new CommittedState(this.db, background, options.cacheBytes ?? DEFAULT_CACHE_BYTES, walLimit, this.file, indexCacheBytes);
    } catch (error) {
      this.db.close();
      throw this.file.failure(error);
    }
    const store = this;
    // Index definitions are written to the file at once: SQLite's damage reports name the file.
    const defineIndexes = (define: () => void): void => {
      this.assertOpen();
      try {
        define();
      } catch (error) {
        throw this.file.failure(error);
      }
    };
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
      createIndex: (collection, spec) => defineIndexes(() => this.state.createIndex(collection, spec)),
      dropIndex: (collection, name) => defineIndexes(() => this.state.dropIndex(collection, name)),
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
   * name, `_id`, `count` (answered by an index's keys alone) or `scan <collection>` — and how many documents
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
  heldBodies(): { bytes: number; budget: number; documents: number } {
    return this.state.heldBodies();
  }

  /** Index keys in memory (bytes, chunks) and the chunks read back from the temporary file or written to it. */
  indexPages(): IndexPagesReading {
    return this.state.indexPages();
  }

  memoryUse(): DocumentStoreMemory {
    const { bytes, budget, resident, reads, writes } = this.state.indexPages();
    return { bodies: this.state.heldBodies(), indexKeys: { bytes, budget, chunks: resident, reads, writes } };
  }

  /** The indexes built so far (each by the first query it may serve), with their keys. */
  builtIndexes(): { collection: string; index: string; keys: number }[] {
    return this.state.builtIndexes();
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
    await this.state.flushed();
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
    await this.state.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('document store is closed');
  }
}
