import {
  BulkOperation,
  BulkWriteResult,
  Collection,
  DeleteResult,
  Document,
  DocumentStore,
  DuplicateKey,
  Filter,
  FindOptions,
  IndexSpec,
  PipelineStage,
  Update,
  UpdateOptions,
  UpdateResult,
} from '../document-store/port';
import { markOf } from '../event-store/continuity';
import { Position, RecordedEvent } from '../event-store/port';
import { handles, Projection, ProjectionContext } from './projection';
import { CHECKPOINTS, checkpointId, CheckpointRecord, physicalName, Target } from './registry';

/**
 * Applies a batch of events to one target and moves its checkpoint, as one unit:
 * - atomic stores (embedded): documents and checkpoint commit in one transaction, so each
 *   event takes effect exactly once;
 * - other stores (MongoDB): every written document carries `_position`, the last event applied
 *   to it, and writes for events at or below it are skipped, so re-applying a batch after a
 *   crash between the writes and the checkpoint changes nothing.
 */
export async function applyBatch(
  store: DocumentStore,
  projection: Projection,
  target: Target,
  events: readonly RecordedEvent[],
  options: ApplyOptions = {},
): Promise<{ applied: number }> {
  if (events.length === 0) return { applied: 0 };
  // A copy: the page is consumed (see applyPage), the caller may retry these events.
  const { applied } = await applyPage(store, projection, target, async () => ({ events: [...events], ...options }));
  return { applied };
}

/** Events to apply, and the checkpoint they follow (see `ApplyOptions.expectFrom`). */
export interface Page extends ApplyOptions {
  /** Consumed: each event is dropped from the array once applied. */
  events: (RecordedEvent | undefined)[];
}

/**
 * `applyBatch` of a page read inside the transaction: when the store runs transactions one
 * after the other, the page is read only once the transactions before it have been applied, so
 * a runner can queue the next batch without holding its events in memory meanwhile.
 * `last`: the position of the page's last event (none for an empty page).
 */
export async function applyPage(
  store: DocumentStore,
  projection: Projection,
  target: Target,
  read: () => Promise<Page>,
): Promise<{ applied: number; last?: Position }> {
  const guard = !store.atomic;
  return store.transaction(async (tx) => {
    const { events, expectFrom, storeId } = await read();
    if (events.length === 0) return { applied: 0 };
    const lastEvent = events[events.length - 1]!;
    const last = lastEvent.position;
    let applied = 0;
    const context = guard ? undefined : contextFor(tx, target);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      // Nothing refers to an applied event any more: the garbage collector need not copy it
      // while the rest of the page is applied.
      events[i] = undefined;
      if (!handles(projection, event)) continue;
      await projection.handle(event, context ?? contextFor(tx, target, event.position));
      applied++;
    }
    const checkpoint = { _id: checkpointId(target), ...(expectFrom !== undefined ? { position: expectFrom } : {}) };
    const { matchedCount } = await tx
      .collection<CheckpointRecord>(CHECKPOINTS)
      .updateOne(checkpoint, { $set: markOf(lastEvent, storeId), $inc: { eventsApplied: applied } });
    if (expectFrom !== undefined && matchedCount === 0) throw new CheckpointMoved(target, expectFrom);
    return { applied, last };
  });
}

export interface ApplyOptions {
  /**
   * The checkpoint the batch follows. When the stored checkpoint is elsewhere (an earlier
   * batch was not committed), nothing of this batch is: the runner applies several batches at
   * once during catch-up, each on top of the one before.
   */
  expectFrom?: Position;
  /** The event store's id, recorded in the checkpoint with the event the batch stops at. */
  storeId?: string;
}

/** A batch was applied on top of a checkpoint the target does not have. */
export class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';
  constructor(target: Target, expected: Position) {
    super(`checkpoint of ${checkpointId(target)} is not at ${expected}: batch not applied`);
  }
}

export function contextFor(store: DocumentStore, target: Target, guardPosition?: Position): ProjectionContext {
  const plain = new Map<string, Collection>();
  return {
    collection<T extends Document>(logical: string): Collection<T> {
      if (guardPosition === undefined) {
        // One collection object per name for the whole batch.
        let known = plain.get(logical);
        if (!known) plain.set(logical, (known = store.collection(physicalName(logical, target.suffix))));
        return known as unknown as Collection<T>;
      }
      return new PositionGuardedCollection(store.collection<T>(physicalName(logical, target.suffix)), guardPosition);
    },
  };
}

/**
 * Makes a handler's writes idempotent per document. Projections have one writer per target,
 * so reading the document's `_position` before writing it is safe.
 */
export class PositionGuardedCollection<T extends Document> implements Collection<T> {
  constructor(
    private readonly inner: Collection<T>,
    private readonly position: Position,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  findOne(filter: Filter, options?: Pick<FindOptions, 'projection' | 'sort'>): Promise<T | null> {
    return this.inner.findOne(filter, options);
  }
  find(filter?: Filter, options?: FindOptions): Promise<T[]> {
    return this.inner.find(filter, options);
  }
  findReadOnly(filter?: Filter, options?: FindOptions): Promise<readonly Readonly<T>[]> {
    return this.inner.findReadOnly(filter, options);
  }
  count(filter?: Filter): Promise<number> {
    return this.inner.count(filter);
  }
  aggregate<R = Document>(pipeline: PipelineStage[]): Promise<R[]> {
    return this.inner.aggregate<R>(pipeline);
  }
  createIndex(spec: IndexSpec): Promise<void> {
    return this.inner.createIndex(spec);
  }
  dropIndex(name: string): Promise<void> {
    return this.inner.dropIndex(name);
  }

  async insertOne(document: T): Promise<void> {
    try {
      await this.inner.insertOne({ ...document, _position: this.position });
    } catch (error) {
      if (!(error instanceof DuplicateKey)) throw error; // already inserted by this event
    }
  }

  async updateOne(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult> {
    if (await this.alreadyApplied(filter)) return { matchedCount: 1, modifiedCount: 0 };
    return this.inner.updateOne(filter, this.stamp(update), options);
  }

  async updateMany(filter: Filter, update: Update, options?: UpdateOptions): Promise<UpdateResult> {
    const pending = { $and: [filter, this.notYetApplied()] };
    if (options?.upsert && (await this.inner.count(filter)) === 0) {
      return this.inner.updateMany(filter, this.stamp(update), options);
    }
    return this.inner.updateMany(pending, this.stamp(update));
  }

  async replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult> {
    if (await this.alreadyApplied(filter)) return { matchedCount: 1, modifiedCount: 0 };
    return this.inner.replaceOne(filter, { ...replacement, _position: this.position }, options);
  }

  deleteOne(filter: Filter): Promise<DeleteResult> {
    return this.inner.deleteOne(filter);
  }
  deleteMany(filter: Filter): Promise<DeleteResult> {
    return this.inner.deleteMany(filter);
  }

  async bulkWrite(operations: BulkOperation<T>[]): Promise<BulkWriteResult> {
    const result: BulkWriteResult = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
    for (const op of operations) {
      if ('insertOne' in op) {
        await this.insertOne(op.insertOne.document);
        result.insertedCount++;
      } else if ('updateOne' in op || 'updateMany' in op || 'replaceOne' in op) {
        const r =
          'updateOne' in op
            ? await this.updateOne(op.updateOne.filter, op.updateOne.update, { upsert: op.updateOne.upsert ?? false })
            : 'updateMany' in op
              ? await this.updateMany(op.updateMany.filter, op.updateMany.update, { upsert: op.updateMany.upsert ?? false })
              : await this.replaceOne(op.replaceOne.filter, op.replaceOne.replacement, { upsert: op.replaceOne.upsert ?? false });
        result.matchedCount += r.matchedCount;
        result.modifiedCount += r.modifiedCount;
        if (r.upsertedId !== undefined) result.upsertedCount++;
      } else {
        const r = 'deleteOne' in op ? await this.deleteOne(op.deleteOne.filter) : await this.deleteMany(op.deleteMany.filter);
        result.deletedCount += r.deletedCount;
      }
    }
    return result;
  }

  private async alreadyApplied(filter: Filter): Promise<boolean> {
    const current = await this.inner.findOne(filter, { projection: { _position: 1 } });
    return typeof current?._position === 'number' && current._position >= this.position;
  }

  private notYetApplied(): Filter {
    return { $or: [{ _position: { $lt: this.position } }, { _position: { $exists: false } }] };
  }

  private stamp(update: Update): Update {
    const set = (update.$set as Record<string, unknown> | undefined) ?? {};
    return { ...update, $set: { ...set, _position: this.position } };
  }
}
