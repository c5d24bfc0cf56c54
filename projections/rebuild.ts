import { isDeepStrictEqual } from 'node:util';
import { Logger } from 'pino';
import { Document, DocumentStore } from '../document-store/port';
import { Divergence, StoreContinuity } from '../event-store/continuity';
import { EventStore, Position } from '../event-store/port';
import { prepareIndexes, Projection } from './projection';
import { BuildPurpose, physicalName, ProjectionRegistry, Target } from './registry';
import { ProjectionRunner } from './runner';

export interface RebuildOptions {
  /** Build the read model as it was after this position (audits, verification). */
  until?: Position;
  batchSize?: number;
  logger?: Logger;
  /** Called after every batch with the position reached. */
  onProgress?: (position: Position) => void;
  /** Names a new rebuild target; defaults to the current time, base 36. */
  label?: string;
  /**
   * Attempts at an event the handler fails on before the rebuild gives up and rejects with a
   * ProjectionFailed (default 5). A rebuild never retries forever: nobody watches its status.
   */
  maxAttempts?: number;
  /** Longest pause between two attempts (default 1 s). */
  maxRetryDelayMs?: number;
}

export const DEFAULT_REBUILD_ATTEMPTS = 5;

export interface RebuildResult {
  target: Target;
  /** Position the rebuild started from (non-zero when it resumed an interrupted run). */
  resumedFrom: Position;
  position: Position;
  /** An interrupted run of it was found not to fit the event store, and started over. */
  discarded?: Divergence;
}

/**
 * Replays history into fresh collections of a new target. Interrupted rebuilds resume: an
 * audit or verification target is named after its position, and an unfinished plain rebuild of
 * the same version is picked up again instead of starting over.
 */
export async function rebuild(
  eventStore: EventStore,
  documents: DocumentStore,
  projection: Projection,
  purpose: Exclude<BuildPurpose, 'live'>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const registry = new ProjectionRegistry(documents);
  const target = await chooseTarget(registry, projection, purpose, options);
  let checkpoint = await registry.ensureCheckpoint(target, purpose, options.until);
  // An interrupted run made against a store that has since lost events (or been replaced) would
  // resume past events it never saw: start it over.
  const discarded = await new StoreContinuity(eventStore).check(checkpoint);
  if (discarded) {
    options.logger?.warn({ projection: projection.name, suffix: target.suffix, divergence: discarded }, 'an interrupted rebuild does not fit the event store; starting it over');
    await registry.drop(target, Object.keys(projection.collections));
    checkpoint = await registry.ensureCheckpoint(target, purpose, options.until);
  }
  await prepareIndexes(documents, projection, target.suffix);
  const runner = new ProjectionRunner(eventStore, documents, projection, target, {
    stopWhenCaughtUp: true,
    maxAttempts: options.maxAttempts ?? DEFAULT_REBUILD_ATTEMPTS,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 1000,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onProgress ? { onProgress: (position: Position) => options.onProgress!(position) } : {}),
  });
  await runner.start();
  await registry.updateCheckpoint(target, { complete: true });
  return { target, resumedFrom: checkpoint.position, position: runner.checkpoint, ...(discarded ? { discarded } : {}) };
}

async function chooseTarget(
  registry: ProjectionRegistry,
  projection: Projection,
  purpose: Exclude<BuildPurpose, 'live'>,
  options: RebuildOptions,
): Promise<Target> {
  const base = { name: projection.name, version: projection.version };
  if (purpose === 'audit') return { ...base, suffix: `v${projection.version}at${options.until ?? 'head'}` };
  if (purpose === 'verify') return { ...base, suffix: `v${projection.version}check${options.until ?? 'head'}` };
  const unfinished = (await registry.checkpoints(projection.name)).find(
    (c) => c.purpose === 'rebuild' && c.version === projection.version && !c.complete,
  );
  if (unfinished) return { ...base, suffix: unfinished.suffix };
  return { ...base, suffix: `v${projection.version}r${options.label ?? Date.now().toString(36)}` };
}

/** Points readers at a rebuilt target and drops the build it replaces. */
export async function switchTo(documents: DocumentStore, projection: Projection, target: Target, at: Date): Promise<Target | null> {
  const registry = new ProjectionRegistry(documents);
  const previous = await registry.active(projection.name);
  await registry.activate(target, at);
  await registry.updateCheckpoint(target, { purpose: 'live' });
  if (!previous || previous.suffix === target.suffix) return null;
  const old: Target = { name: projection.name, version: previous.version, suffix: previous.suffix };
  await registry.drop(old, Object.keys(projection.collections));
  return old;
}

export interface Difference {
  collection: string;
  id: string;
  kind: 'missing-in-rebuild' | 'only-in-rebuild' | 'different';
  /** Top-level fields that differ (for 'different'). */
  fields?: string[];
}

/** Compares two builds document by document. `_position` (MongoDB bookkeeping) is ignored. */
export async function compareTargets(documents: DocumentStore, projection: Projection, live: Target, rebuilt: Target): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (const logical of Object.keys(projection.collections)) {
    const a = byId(await documents.collection(physicalName(logical, live.suffix)).find({}));
    const b = byId(await documents.collection(physicalName(logical, rebuilt.suffix)).find({}));
    for (const [id, doc] of a) {
      const other = b.get(id);
      if (!other) differences.push({ collection: logical, id, kind: 'missing-in-rebuild' });
      else {
        const fields = [...new Set([...Object.keys(doc), ...Object.keys(other)])].filter(
          (f) => f !== '_position' && !isDeepStrictEqual(doc[f], other[f]),
        );
        if (fields.length > 0) differences.push({ collection: logical, id, kind: 'different', fields });
      }
    }
    for (const id of b.keys()) if (!a.has(id)) differences.push({ collection: logical, id, kind: 'only-in-rebuild' });
  }
  return differences;
}

function byId(docs: Document[]): Map<string, Document> {
  return new Map(docs.map((d) => [d._id, d]));
}
