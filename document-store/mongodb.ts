import { randomUUID } from 'node:crypto';
import {
  AnyBulkWriteOperation,
  Collection as DriverCollection,
  Db,
  Filter as DriverFilter,
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  Sort,
  UpdateFilter,
  UpdateResult as DriverUpdateResult,
} from 'mongodb';
import {
  BulkOperation,
  BulkWriteResult,
  Collection,
  DeleteResult,
  Document,
  DocumentStore,
  DocumentStoreUnavailable,
  DuplicateKey,
  Filter,
  FindOptions,
  IndexSpec,
  PipelineStage,
  SearchHit,
  SearchOptions,
  Update,
  UpdateOptions,
  UpdateResult,
} from './port';
import { assertOperatorUpdate, assertReplacement, indexName, isPlainObject, searchWords, upsertSeed } from './semantics';

export interface MongoDocumentStoreOptions {
  /** e.g. mongodb://mongo:27017/sysops?replicaSet=rs0; the database is the URL's path. */
  url: string;
  /** Overrides the database named in the URL (default 'sysops'). */
  dbName?: string;
}

/** Our documents: `_id` is always a string, never an ObjectId. */
type StoredDocument = { _id: string } & Record<string, unknown>;

const DEFAULT_DB = 'sysops';
const DEFAULT_SEARCH_LIMIT = 20;
/** Field the text score is projected into, then taken off the document. */
const SCORE_FIELD = '__textScore';
const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;

/** The database in the URL's path (`mongodb://h1,h2/db?…`): WHATWG URL cannot parse host lists. */
export function databaseFromUrl(url: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/** The port's errors for the driver's: DuplicateKey for E11000, DocumentStoreUnavailable for connectivity. */
export function mapMongoError(error: unknown, collection: string): unknown {
  if (error instanceof MongoError && error.code === DUPLICATE_KEY) {
    const key =
      error instanceof MongoServerError && error.keyValue !== undefined
        ? error.keyValue
        : error instanceof MongoBulkWriteError
          ? [error.writeErrors].flat()[0]?.errmsg
          : error.message;
    return new DuplicateKey(collection, key);
  }
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  ) {
    return new DocumentStoreUnavailable(`MongoDB unavailable: ${error.message}`, { cause: error });
  }
  return error;
}

async function mapped<R>(collection: string, operation: () => Promise<R>): Promise<R> {
  try {
    return await operation();
  } catch (error) {
    throw mapMongoError(error, collection);
  }
}

/**
 * An upsert whose filter names no `_id` would get an ObjectId from the server; our `_id`s are
 * strings, so such an upsert brings its own (the embedded store does the same).
 */
export function withStringId(filter: Filter, update: Update, upsert: boolean | undefined): Update {
  if (!upsert || '_id' in upsertSeed(filter)) return update;
  const onInsert = (update.$setOnInsert as Record<string, unknown> | undefined) ?? {};
  if ('_id' in onInsert || (isPlainObject(update.$set) && '_id' in update.$set)) return update;
  return { ...update, $setOnInsert: { ...onInsert, _id: randomUUID() } };
}

function toResult(result: DriverUpdateResult<StoredDocument>): UpdateResult {
  return {
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    ...(result.upsertedId !== null && result.upsertedId !== undefined ? { upsertedId: String(result.upsertedId) } : {}),
  };
}

class MongoCollection<T extends Document> implements Collection<T> {
  private readonly driver: DriverCollection<StoredDocument>;

  constructor(
    db: Db,
    readonly name: string,
  ) {
    this.driver = db.collection<StoredDocument>(name);
  }

  findOne(filter: Filter, options: Pick<FindOptions, 'projection' | 'sort'> = {}): Promise<T | null> {
    return mapped(this.name, async () => {
      const found = await this.driver.findOne(filter as DriverFilter<StoredDocument>, {
        ...(options.projection ? { projection: options.projection } : {}),
        ...(options.sort ? { sort: options.sort as Sort } : {}),
      });
      return found as T | null;
    });
  }

  /** The driver answers with documents of their own: nothing to share. */
  findReadOnly(filter: Filter = {}, options: FindOptions = {}): Promise<readonly Readonly<T>[]> {
    return this.find(filter, options);
  }

  find(filter: Filter = {}, options: FindOptions = {}): Promise<T[]> {
    return mapped(this.name, async () => {
      const found = await this.driver
        .find(filter as DriverFilter<StoredDocument>, {
          ...(options.projection ? { projection: options.projection } : {}),
          ...(options.sort ? { sort: options.sort as Sort } : {}),
          ...(options.skip ? { skip: options.skip } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        })
        .toArray();
      return found as T[];
    });
  }

  count(filter: Filter = {}): Promise<number> {
    return mapped(this.name, () => this.driver.countDocuments(filter as DriverFilter<StoredDocument>));
  }

  aggregate<R = Document>(pipeline: PipelineStage[]): Promise<R[]> {
    return mapped(this.name, async () => (await this.driver.aggregate(pipeline).toArray()) as R[]);
  }

  insertOne(document: T): Promise<void> {
    return mapped(this.name, async () => {
      await this.driver.insertOne(document as StoredDocument);
    });
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    assertOperatorUpdate(update);
    return mapped(this.name, async () =>
      toResult(
        await this.driver.updateOne(
          filter as DriverFilter<StoredDocument>,
          withStringId(filter, update, options.upsert) as UpdateFilter<StoredDocument>,
          { upsert: options.upsert ?? false },
        ),
      ),
    );
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    assertOperatorUpdate(update);
    return mapped(this.name, async () =>
      toResult(
        await this.driver.updateMany(
          filter as DriverFilter<StoredDocument>,
          withStringId(filter, update, options.upsert) as UpdateFilter<StoredDocument>,
          { upsert: options.upsert ?? false },
        ),
      ),
    );
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    assertReplacement(replacement);
    return mapped(this.name, async () => {
      const result = await this.driver.replaceOne(filter as DriverFilter<StoredDocument>, replacement, {
        upsert: options.upsert ?? false,
      });
      return toResult(result as DriverUpdateResult<StoredDocument>);
    });
  }

  deleteOne(filter: Filter): Promise<DeleteResult> {
    return mapped(this.name, async () => ({
      deletedCount: (await this.driver.deleteOne(filter as DriverFilter<StoredDocument>)).deletedCount,
    }));
  }

  deleteMany(filter: Filter): Promise<DeleteResult> {
    return mapped(this.name, async () => ({
      deletedCount: (await this.driver.deleteMany(filter as DriverFilter<StoredDocument>)).deletedCount,
    }));
  }

  /** Ordered: MongoDB stops at the first failure; the operations before it stay applied. */
  async bulkWrite(operations: BulkOperation<T>[]): Promise<BulkWriteResult> {
    const models = operations.map((op): AnyBulkWriteOperation<StoredDocument> => {
      if ('insertOne' in op) return { insertOne: { document: op.insertOne.document as StoredDocument } };
      if ('updateOne' in op) {
        const { filter, update, upsert } = op.updateOne;
        assertOperatorUpdate(update);
        return {
          updateOne: {
            filter: filter as DriverFilter<StoredDocument>,
            update: withStringId(filter, update, upsert) as UpdateFilter<StoredDocument>,
            upsert: upsert ?? false,
          },
        };
      }
      if ('updateMany' in op) {
        const { filter, update, upsert } = op.updateMany;
        assertOperatorUpdate(update);
        return {
          updateMany: {
            filter: filter as DriverFilter<StoredDocument>,
            update: withStringId(filter, update, upsert) as UpdateFilter<StoredDocument>,
            upsert: upsert ?? false,
          },
        };
      }
      if ('replaceOne' in op) {
        const { filter, replacement, upsert } = op.replaceOne;
        assertReplacement(replacement);
        return { replaceOne: { filter: filter as DriverFilter<StoredDocument>, replacement, upsert: upsert ?? false } };
      }
      if ('deleteOne' in op) return { deleteOne: { filter: op.deleteOne.filter as DriverFilter<StoredDocument> } };
      return { deleteMany: { filter: op.deleteMany.filter as DriverFilter<StoredDocument> } };
    });
    return mapped(this.name, async () => {
      if (models.length === 0) {
        return { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
      }
      const result = await this.driver.bulkWrite(models, { ordered: true });
      return {
        insertedCount: result.insertedCount,
        matchedCount: result.matchedCount,
        modifiedCount: result.modifiedCount,
        deletedCount: result.deletedCount,
        upsertedCount: result.upsertedCount,
      };
    });
  }

  createIndex(spec: IndexSpec): Promise<void> {
    return mapped(this.name, async () => {
      await this.driver.createIndex(spec.keys, {
        name: indexName(spec),
        ...(spec.unique ? { unique: true } : {}),
        ...(spec.partialFilterExpression ? { partialFilterExpression: spec.partialFilterExpression } : {}),
      });
    });
  }

  dropIndex(name: string): Promise<void> {
    return mapped(this.name, async () => {
      try {
        await this.driver.dropIndex(name);
      } catch (error) {
        // IndexNotFound (27), or NamespaceNotFound (26) for a collection never written: nothing to drop.
        const code = (error as { code?: unknown }).code;
        if (code !== 27 && code !== 26) throw error;
      }
    });
  }

  /** `$text` with the words only, so quotes and dashes in user input are never phrase or negation syntax. */
  async search<S extends Document>(text: string, options: SearchOptions): Promise<SearchHit<S>[]> {
    const words = searchWords(text);
    if (words.length === 0) return [];
    const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
    const found = await mapped(this.name, () =>
      this.driver
        .find({ ...(options.filter ?? {}), $text: { $search: words.join(' ') } } as DriverFilter<StoredDocument>, {
          projection: { [SCORE_FIELD]: { $meta: 'textScore' } },
          sort: { [SCORE_FIELD]: { $meta: 'textScore' } },
          ...(limit > 0 ? { limit } : {}),
        })
        .toArray(),
    );
    return found.map(({ [SCORE_FIELD]: score, ...document }) => ({ document: document as S, score: Number(score) }));
  }
}

/**
 * Production adapter over the official driver. Filters, updates and pipelines are MongoDB's
 * own, passed through unchanged; errors become the port's DuplicateKey and
 * DocumentStoreUnavailable.
 *
 * Not atomic: a multi-document transaction needs a replica set and a session threaded through
 * every call. Projections do not need one: each document records the last event applied to it
 * and a repeated write is skipped (see projections/apply.ts), so `transaction` just runs `work`.
 */
export class MongoDocumentStore implements DocumentStore {
  readonly atomic = false;
  private readonly client: MongoClient;
  private readonly db: Db;

  constructor(options: MongoDocumentStoreOptions) {
    // The driver connects on first use and reconnects by itself.
    this.client = new MongoClient(options.url);
    this.db = this.client.db(options.dbName ?? databaseFromUrl(options.url) ?? DEFAULT_DB);
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new MongoCollection<T>(this.db, name);
  }

  search<T extends Document = Document>(collection: string, text: string, options: SearchOptions = {}): Promise<SearchHit<T>[]> {
    return new MongoCollection<T>(this.db, collection).search<T>(text, options);
  }

  transaction<R>(work: (store: DocumentStore) => Promise<R>): Promise<R> {
    return work(this);
  }

  listCollections(): Promise<string[]> {
    return mapped('*', async () => {
      const infos = await this.db.listCollections({}, { nameOnly: true }).toArray();
      return infos
        .map((info) => info.name)
        .filter((name) => !name.startsWith('system.'))
        .sort();
    });
  }

  dropCollection(name: string): Promise<void> {
    return mapped(name, async () => {
      try {
        await this.db.dropCollection(name);
      } catch (error) {
        // Servers before 7.0 report dropping a missing collection; the port calls it a no-op.
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
      }
    });
  }

  async flush(): Promise<void> {
    // Each write was acknowledged by the server (the client's write concern) when it resolved.
  }

  ping(): Promise<void> {
    return mapped('*', async () => {
      await this.db.command({ ping: 1 });
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
