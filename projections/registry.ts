import { DocumentStore } from '../document-store/port';
import { StoreMark } from '../event-store/continuity';
import { Position } from '../event-store/port';

/**
 * Which collections serve each projection, and how far every build of it has got.
 *
 * A *target* is one build of a projection: its collections are `<logical>_<suffix>`.
 * `v<version>` is the normal build; a rebuild (replay, or an audit `--until`) gets its own
 * suffix, so the build that serves readers is never touched until the switch.
 */
export interface Target {
  name: string;
  version: number;
  suffix: string;
}

/** `_projections`: the target readers use, per projection. */
export interface ActiveRecord {
  _id: string;
  version: number;
  suffix: string;
  /** Incremented at every switch, so runners notice a switch made by another process. */
  generation: number;
  switchedAt: string;
  [field: string]: unknown;
}

export type BuildPurpose = 'live' | 'rebuild' | 'audit' | 'verify';

/**
 * `_checkpoints`: one per target. Beside the position, the store and the event it stopped at
 * (StoreMark), written with every batch: a target whose checkpoint does not fit the event store
 * is stopped (see event-store/continuity.ts).
 */
export interface CheckpointRecord extends StoreMark {
  _id: string;
  name: string;
  version: number;
  suffix: string;
  purpose: BuildPurpose;
  /** Last event position applied (exclusive start of the next read). */
  position: Position;
  /** For audits: the position the build stops at. */
  until?: Position;
  complete: boolean;
  [field: string]: unknown;
}

export const PROJECTIONS = '_projections';
export const CHECKPOINTS = '_checkpoints';

export function physicalName(logical: string, suffix: string): string {
  return `${logical}_${suffix}`;
}

export function checkpointId(target: Target): string {
  return `${target.name}@${target.suffix}`;
}

export class ProjectionRegistry {
  constructor(private readonly store: DocumentStore) {}

  active(name: string): Promise<ActiveRecord | null> {
    return this.store.collection<ActiveRecord>(PROJECTIONS).findOne({ _id: name });
  }

  checkpoint(target: Target): Promise<CheckpointRecord | null> {
    return this.store.collection<CheckpointRecord>(CHECKPOINTS).findOne({ _id: checkpointId(target) });
  }

  checkpoints(name: string): Promise<CheckpointRecord[]> {
    return this.store.collection<CheckpointRecord>(CHECKPOINTS).find({ name }, { sort: { _id: 1 } });
  }

  /** Creates the target's checkpoint at START if it does not exist yet. */
  async ensureCheckpoint(target: Target, purpose: BuildPurpose, until?: Position): Promise<CheckpointRecord> {
    const existing = await this.checkpoint(target);
    if (existing) return existing;
    const record: CheckpointRecord = {
      _id: checkpointId(target),
      name: target.name,
      version: target.version,
      suffix: target.suffix,
      purpose,
      position: 0,
      ...(until !== undefined ? { until } : {}),
      complete: false,
    };
    await this.store.collection<CheckpointRecord>(CHECKPOINTS).updateOne(
      { _id: record._id },
      { $setOnInsert: record },
      { upsert: true },
    );
    return (await this.checkpoint(target))!;
  }

  async updateCheckpoint(target: Target, fields: Partial<Pick<CheckpointRecord, 'complete' | 'purpose'>>): Promise<void> {
    await this.store.collection<CheckpointRecord>(CHECKPOINTS).updateOne({ _id: checkpointId(target) }, { $set: fields });
  }

  /** Points readers at `target`. Returns the new generation. */
  async activate(target: Target, at: Date): Promise<number> {
    const previous = await this.active(target.name);
    const generation = (previous?.generation ?? 0) + 1;
    await this.store.collection<ActiveRecord>(PROJECTIONS).replaceOne(
      { _id: target.name },
      { _id: target.name, version: target.version, suffix: target.suffix, generation, switchedAt: at.toISOString() },
      { upsert: true },
    );
    return generation;
  }

  /** Drops a target's collections and checkpoint (after a switch, or an abandoned build). */
  async drop(target: Target, logicalCollections: readonly string[]): Promise<void> {
    for (const logical of logicalCollections) await this.store.dropCollection(physicalName(logical, target.suffix));
    await this.store.collection(CHECKPOINTS).deleteOne({ _id: checkpointId(target) });
  }
}
