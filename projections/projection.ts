import { Collection, Document, DocumentStore, IndexSpec } from '../document-store/port';
import { RecordedEvent } from '../event-store/port';
import { physicalName } from './registry';

/** Where a projection writes: its collections are named `<logical>_<suffix>`. */
export interface ProjectionContext {
  collection<T extends Document = Document>(logicalName: string): Collection<T>;
}

/**
 * The one shape of every read model: a name, a version, the event types it handles, the
 * collections it owns, and a handler that turns one event into document writes.
 *
 * Handlers must be deterministic (everything they need is in the event: no clock, no random
 * ids) so that a rebuild produces exactly what incremental processing produced. Bump `version`
 * whenever the handler's output changes: the engine rebuilds into fresh collections in the
 * background and switches readers when the rebuild has caught up.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  /** The event types it handles, or '*' for every event. */
  readonly eventTypes: readonly string[] | '*';
  /** Logical names of the collections this projection owns, with the indexes each needs. */
  readonly collections: Readonly<Record<string, readonly IndexSpec[]>>;
  /**
   * Per logical collection, the names of indexes an earlier version declared and no query reads
   * any more: dropped where they exist. An index is written with every document however seldom it
   * is read (on MongoDB; the embedded store keeps in memory those a query has needed).
   */
  readonly retiredIndexes?: Readonly<Record<string, readonly string[]>>;
  handle(event: RecordedEvent, context: ProjectionContext): Promise<void>;
}

/** Makes a target's collections carry the indexes the projection declares, and no retired one. */
export async function prepareIndexes(documents: DocumentStore, projection: Projection, suffix: string): Promise<void> {
  for (const [logical, names] of Object.entries(projection.retiredIndexes ?? {})) {
    for (const name of names) await documents.collection(physicalName(logical, suffix)).dropIndex(name);
  }
  for (const [logical, indexes] of Object.entries(projection.collections)) {
    for (const spec of indexes) await documents.collection(physicalName(logical, suffix)).createIndex(spec);
  }
}

export function handles(projection: Projection, event: RecordedEvent): boolean {
  return projection.eventTypes === '*' || projection.eventTypes.includes(event.type);
}
