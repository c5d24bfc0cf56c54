import { Collection, Document, IndexSpec } from '../document-store/port';
import { RecordedEvent } from '../event-store/port';

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
  handle(event: RecordedEvent, context: ProjectionContext): Promise<void>;
}

export function handles(projection: Projection, event: RecordedEvent): boolean {
  return projection.eventTypes === '*' || projection.eventTypes.includes(event.type);
}
