import { Logger } from 'pino';
import { Collection, Document, DocumentStore } from '../document-store/port';
import { positionAt } from '../event-store/position-at';
import { EventStore, Position } from '../event-store/port';
import { Projection } from '../projections/projection';
import { rebuild } from '../projections/rebuild';
import { physicalName, ProjectionRegistry, Target } from '../projections/registry';

/**
 * A read model as it was at a past moment, for audits from the API: the same engine as
 * `npm run replay -- --until`, which builds the projection from history up to the last event
 * recorded at or before that moment, into collections of its own (the live read model is never
 * touched).
 *
 * Bounded: one build at a time (a request for another moment meanwhile is told to come back),
 * and at most `maxSnapshots` kept; the least recently read is dropped first, never while a
 * request reads it. Cached: moments that fall on the same position share one snapshot, and a
 * snapshot built earlier (by this process, another one, or the replay command) is used again.
 */
export interface Snapshot {
  /** The moment asked for. */
  at: string;
  /** The last event it includes. */
  position: Position;
  collection<T extends Document = Document>(logical: string): Collection<T>;
}

/** Another moment is being built: try again after `retryAfterSeconds`. */
export class SnapshotBusy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('another as-of snapshot is being built; try again shortly');
  }
}

/** This moment's snapshot is still being built (it goes on): try again after `retryAfterSeconds`. */
export class SnapshotPending extends Error {
  constructor(
    readonly position: Position,
    readonly retryAfterSeconds: number,
  ) {
    super(`the snapshot as of position ${position} is still being built; try again shortly`);
  }
}

export interface AsOfOptions {
  /** Snapshots kept (default 4). */
  maxSnapshots?: number;
  /** How long a request waits for a build before it is told to come back (default 20 s). */
  waitMs?: number;
  /** What Retry-After says (default 5 s). */
  retryAfterSeconds?: number;
  logger?: Logger;
}

interface Entry {
  target: Target;
  position: Position;
  lastRead: number;
  readers: number;
}

export class AsOfSnapshots {
  private readonly registry: ProjectionRegistry;
  private readonly entries = new Map<Position, Entry>();
  private building: { position: Position; done: Promise<Entry> } | null = null;
  private adopted: Promise<void> | null = null;
  private reads = 0;
  /** Moment → position, for moments old enough that no event can still land before them. */
  private readonly positions = new Map<number, Position>();

  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    private readonly projection: Projection,
    private readonly options: AsOfOptions = {},
  ) {
    this.registry = new ProjectionRegistry(documents);
  }

  /** The position a moment falls on: the last event recorded at or before it. */
  async positionAt(moment: Date): Promise<Position> {
    const time = moment.getTime();
    const known = this.positions.get(time);
    if (known !== undefined) return known;
    const position = await positionAt(this.events, moment);
    // An append stamps its time just before it commits: a moment a minute old is settled.
    if (time < Date.now() - 60_000) {
      if (this.positions.size >= 256) this.positions.delete(this.positions.keys().next().value!);
      this.positions.set(time, position);
    }
    return position;
  }

  /** Runs `read` on the snapshot as of `moment`; the snapshot is not dropped meanwhile. */
  async read<T>(moment: Date, read: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    await this.adoptEarlierBuilds();
    const position = await this.positionAt(moment);
    const entry = this.entries.get(position) ?? (await this.build(position));
    entry.readers++;
    entry.lastRead = ++this.reads;
    try {
      return await read({
        at: moment.toISOString(),
        position,
        collection: <T extends Document>(logical: string) => this.documents.collection<T>(physicalName(logical, entry.target.suffix)),
      });
    } finally {
      entry.readers--;
    }
  }

  /** Positions of the snapshots kept, least recently read first. */
  kept(): Position[] {
    return [...this.entries.values()].sort((a, b) => a.lastRead - b.lastRead).map((e) => e.position);
  }

  private async build(position: Position): Promise<Entry> {
    const retry = this.options.retryAfterSeconds ?? 5;
    if (this.building && this.building.position !== position) throw new SnapshotBusy(retry);
    if (!this.building) {
      const done = this.buildNow(position).finally(() => {
        this.building = null;
      });
      this.building = { position, done };
      // Whoever waits no longer, the build goes on: its failure is logged, not left unhandled.
      done.catch((error: unknown) => this.options.logger?.warn({ err: error, projection: this.projection.name, position }, 'as-of snapshot failed'));
    }
    const { done } = this.building;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SnapshotPending(position, retry)), this.options.waitMs ?? 20_000);
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async buildNow(position: Position): Promise<Entry> {
    const { target } = await rebuild(this.events, this.documents, this.projection, 'audit', {
      until: position,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    const entry: Entry = { target, position, lastRead: ++this.reads, readers: 0 };
    this.entries.set(position, entry);
    await this.evict();
    return entry;
  }

  /** Drops the least recently read snapshots beyond the limit (not those being read). */
  private async evict(): Promise<void> {
    const max = Math.max(1, this.options.maxSnapshots ?? 4);
    const idle = [...this.entries.values()].filter((e) => e.readers === 0).sort((a, b) => a.lastRead - b.lastRead);
    for (const entry of idle) {
      if (this.entries.size <= max) return;
      this.entries.delete(entry.position);
      await this.registry.drop(entry.target, Object.keys(this.projection.collections));
    }
  }

  /** Complete audit builds of this version made before (another process, the replay command) count as kept. */
  private adoptEarlierBuilds(): Promise<void> {
    this.adopted ??= (async () => {
      const earlier = (await this.registry.checkpoints(this.projection.name)).filter(
        (c) => c.purpose === 'audit' && c.complete && c.version === this.projection.version && c.until !== undefined,
      );
      for (const c of earlier) {
        if (!this.entries.has(c.until!)) this.entries.set(c.until!, { target: { name: c.name, version: c.version, suffix: c.suffix }, position: c.until!, lastRead: 0, readers: 0 });
      }
      await this.evict();
    })();
    return this.adopted;
  }
}

const kept = new WeakMap<object, Map<string, AsOfSnapshots>>();

/**
 * The as-of snapshots of one read model for one running system (`owner`, e.g. the API's
 * services): made on first use, then shared by every request, so the bound and the cache hold
 * across them.
 */
export function snapshotsOf(owner: object, events: EventStore, documents: DocumentStore, projection: Projection, options: AsOfOptions = {}): AsOfSnapshots {
  let byProjection = kept.get(owner);
  if (!byProjection) kept.set(owner, (byProjection = new Map()));
  let found = byProjection.get(projection.name);
  if (!found) byProjection.set(projection.name, (found = new AsOfSnapshots(events, documents, projection, options)));
  return found;
}
