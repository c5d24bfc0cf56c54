/**
 * The document store port: collections of JSON documents keyed by `_id`, with MongoDB's own
 * filter, update and aggregation syntax, so one query runs unchanged on both adapters:
 * - embedded (default): SQLite file for durability, mingo for query semantics, FTS5 for search;
 * - MongoDB (`mongodb` driver) in production.
 * Both pass `conformance.ts`.
 */

export interface Document {
  _id: string;
  [field: string]: unknown;
}

/** A MongoDB query filter, e.g. `{ status: 'open', 'visit.start': { $gte: '2026-01-01' } }`. */
export type Filter = Record<string, unknown>;
/** MongoDB update operators: `$set`, `$unset`, `$inc`, `$push`, `$pull`, `$addToSet`, … */
export type Update = Record<string, unknown>;
/** A MongoDB aggregation pipeline stage, e.g. `{ $group: { _id: '$status', n: { $sum: 1 } } }`. */
export type PipelineStage = Record<string, unknown>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
  /** Inclusion (`{ a: 1 }`) or exclusion (`{ a: 0 }`) projection. */
  projection?: Record<string, 0 | 1>;
}

export interface UpdateOptions {
  upsert?: boolean;
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  /** Set when an upsert inserted a new document. */
  upsertedId?: string;
}

export interface DeleteResult {
  deletedCount: number;
}

export type BulkOperation<T extends Document = Document> =
  | { insertOne: { document: T } }
  | { updateOne: { filter: Filter; update: Update; upsert?: boolean } }
  | { updateMany: { filter: Filter; update: Update; upsert?: boolean } }
  | { replaceOne: { filter: Filter; replacement: T; upsert?: boolean } }
  | { deleteOne: { filter: Filter } }
  | { deleteMany: { filter: Filter } };

export interface BulkWriteResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
}

export interface IndexSpec {
  /** Field → 1 / -1 for ordinary indexes, or 'text' for the collection's text index. */
  keys: Record<string, 1 | -1 | 'text'>;
  unique?: boolean;
  name?: string;
  /**
   * Only documents matching this filter are in the index (MongoDB's partial index), and a query
   * uses it only when its own filter implies this one. Portable form: each field equal to one
   * value or `$in` a list of values, e.g. `{ status: 'pending' }`.
   */
  partialFilterExpression?: Filter;
}

export interface SearchOptions {
  /** Restrict hits with an ordinary filter (e.g. `{ retired: false }`). */
  filter?: Filter;
  limit?: number;
}

export interface SearchHit<T extends Document = Document> {
  document: T;
  /** Higher is more relevant; only comparable within one result list. */
  score: number;
}

export interface Collection<T extends Document = Document> {
  readonly name: string;
  findOne(filter: Filter, options?: Pick<FindOptions, 'projection' | 'sort'>): Promise<T | null>;
  find(filter?: Filter, options?: FindOptions): Promise<T[]>;
  /**
   * `find` for a caller that only reads what it gets (an answer it renders, a list it filters).
   * The embedded store hands out its own documents, frozen, instead of a copy of each: copying
   * was a tenth of the server's work under a soak's reads. Changing one throws a TypeError.
   */
  findReadOnly(filter?: Filter, options?: FindOptions): Promise<readonly Readonly<T>[]>;
  count(filter?: Filter): Promise<number>;
  aggregate<R = Document>(pipeline: PipelineStage[]): Promise<R[]>;
  /** Rejects with DuplicateKey when the `_id` (or a unique index) is taken. */
  insertOne(document: T): Promise<void>;
  updateOne(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult>;
  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<DeleteResult>;
  deleteMany(filter: Filter): Promise<DeleteResult>;
  /** Applies operations in order; stops at the first failure (ordered semantics). */
  bulkWrite(operations: BulkOperation<T>[]): Promise<BulkWriteResult>;
  /** Idempotent: creating an existing index again is a no-op. */
  createIndex(spec: IndexSpec): Promise<void>;
  /** Drops the index of that name; idempotent (no such index: nothing happens). */
  dropIndex(name: string): Promise<void>;
}

export interface DocumentStore {
  collection<T extends Document = Document>(name: string): Collection<T>;
  /**
   * Ranked full-text search over the fields of the collection's text index
   * (`createIndex({ keys: { title: 'text', body: 'text' } })`): best hit first.
   */
  search<T extends Document = Document>(collection: string, text: string, options?: SearchOptions): Promise<SearchHit<T>[]>;
  /**
   * Runs `work` against a view of the store whose writes become visible and durable together,
   * when the adapter can (`atomic`): the embedded store commits them in one SQLite transaction
   * and discards them all if `work` throws. Where it cannot (MongoDB without a session), writes
   * happen as they are made and callers must be idempotent.
   */
  transaction<R>(work: (store: DocumentStore) => Promise<R>): Promise<R>;
  /** Whether `transaction` is all-or-nothing in this adapter. */
  readonly atomic: boolean;
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
  /**
   * Resolves once every write made so far is durable. The embedded store commits the plain
   * writes of one turn of the event loop together, at its end; call this before telling
   * someone outside (an HTTP answer) about a write. MongoDB acknowledges each write durably.
   */
  flush(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** What the adapter keeps in this process's memory, where it keeps its own (the embedded store). */
  memoryUse?(): DocumentStoreMemory;
}

/** The embedded store's memory within its budgets: bodies held, and index keys (the rest of them in a temporary file). */
export interface DocumentStoreMemory {
  bodies: { bytes: number; budget: number; documents: number };
  indexKeys: {
    bytes: number;
    budget: number;
    /** Chunks of keys in memory. */
    chunks: number;
    /** Chunks read back from the temporary file, and written to it, since the store opened. */
    reads: number;
    writes: number;
  };
}

/** A unique key (the `_id` or a unique index) is already taken. Maps to HTTP 409. */
export class DuplicateKey extends Error {
  override readonly name = 'DuplicateKey';
  constructor(
    readonly collection: string,
    readonly key: unknown,
  ) {
    super(`Duplicate key in '${collection}': ${JSON.stringify(key)}`);
  }
}

/** The document store cannot be reached. */
export class DocumentStoreUnavailable extends Error {
  override readonly name = 'DocumentStoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
