import { DocumentStore } from '../document-store/port';
import { Divergence, StoreContinuity } from '../event-store/continuity';
import { EventStore, Position } from '../event-store/port';
import { Projection } from './projection';
import { ProjectionRegistry } from './registry';

export interface ServingStatus {
  name: string;
  version: number | null;
  suffix: string | null;
  position: Position;
  head: Position;
  /** head − position, never clamped: below zero the store has lost events the read model applied. */
  lag: number;
  /** Its checkpoint does not fit the event store (another store, past the head, another event there). */
  divergence?: Divergence;
}

/**
 * Lag of the build serving each read model, read from the stores: works in any process,
 * including API replicas that run no projections themselves. With `checkContinuity` (the
 * probes) each checkpoint is also checked against the event store (one read of the event at each
 * distinct position); without it (an answer waiting for its writes to be read) positions only.
 */
export async function servingStatus(
  events: EventStore,
  documents: DocumentStore,
  projections: readonly Projection[],
  options: { checkContinuity?: boolean } = {},
): Promise<ServingStatus[]> {
  const registry = new ProjectionRegistry(documents);
  const continuity = options.checkContinuity ? new StoreContinuity(events) : undefined;
  const head = await events.headPosition();
  return Promise.all(
    projections.map(async (p) => {
      const active = await registry.active(p.name);
      const checkpoint = active ? await registry.checkpoint({ name: p.name, version: active.version, suffix: active.suffix }) : null;
      const position = checkpoint?.position ?? 0;
      const divergence = checkpoint && continuity ? await continuity.check(checkpoint) : undefined;
      return { name: p.name, version: active?.version ?? null, suffix: active?.suffix ?? null, position, head, lag: head - position, ...(divergence ? { divergence } : {}) };
    }),
  );
}
