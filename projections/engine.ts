import { Logger } from 'pino';
import { DocumentStore } from '../document-store/port';
import { StoreDiverged } from '../event-store/continuity';
import { EventStore, Position } from '../event-store/port';
import { prepareIndexes, Projection } from './projection';
import { rebuild, RebuildOptions, RebuildResult, switchTo } from './rebuild';
import { ProjectionRegistry, Target } from './registry';
import { ProjectionRunner, RunnerStatus } from './runner';

export interface ProjectionStatus extends RunnerStatus {
  /** 'active' serves readers; 'building' is a new version catching up in the background. */
  role: 'active' | 'building';
  head: Position;
  /** Events in the store not yet applied by this projection. */
  lag: number;
}

export interface EngineOptions {
  logger?: Logger;
  batchSize?: number;
  /** How often to look for switches made by another process (a replay). */
  watchSwitchesMs?: number;
  /** Clock for switch timestamps. */
  now?: () => Date;
  /** How often running runners check their checkpoint against the event store (RunnerOptions). */
  continuityCheckMs?: number;
  /** Called right after a projection's readers are switched to another build (e.g. so a reader cache forgets the old one). */
  onSwitch?: () => void;
  /** Called after a projection committed a batch that changed its read model (some event of the batch was one it handles). */
  onApplied?: (projection: string) => void;
}

/**
 * Runs every projection of the process. For each one:
 * - no build yet → build `v<version>` and serve it straight away;
 * - the serving build has this version → continue from its checkpoint;
 * - the serving build is older → build the new version from the start in the background while
 *   the old one keeps serving, then switch readers and drop the old collections.
 */
export class ProjectionEngine {
  private readonly registry: ProjectionRegistry;
  private readonly runners = new Map<string, { runner: ProjectionRunner; role: 'active' | 'building' }>();
  private watcher: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly eventStore: EventStore,
    private readonly documents: DocumentStore,
    private readonly projections: readonly Projection[],
    private readonly options: EngineOptions = {},
  ) {
    this.registry = new ProjectionRegistry(documents);
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    for (const projection of this.projections) await this.startProjection(projection);
    this.watcher = setInterval(() => void this.followSwitches(), this.options.watchSwitchesMs ?? 2000);
    this.watcher.unref();
  }

  async stop(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop()));
    this.runners.clear();
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.eventStore.headPosition();
    return [...this.runners.values()].map(({ runner, role }) => {
      const s = runner.status();
      return { ...s, role, head, lag: head - s.position };
    });
  }

  /** Read-your-writes: resolves true when the named (default: all) projections reached `position`. */
  async waitFor(position: Position, options: { timeoutMs?: number; projections?: readonly string[] } = {}): Promise<boolean> {
    const names = options.projections ?? this.projections.map((p) => p.name);
    const waits = names.map((name) => this.runners.get(name)?.runner.waitFor(position, options.timeoutMs ?? 2000) ?? Promise.resolve(false));
    return (await Promise.all(waits)).every(Boolean);
  }

  /**
   * Rebuilds one read model from history into a fresh build while the current one keeps serving
   * (what `npm run replay -- --projection NAME` does), then switches readers to it and carries on
   * live from where the rebuild stopped. The serving runner stops just before the switch, so it
   * never writes into the collections the switch drops.
   */
  async replace(name: string, options: Pick<RebuildOptions, 'onProgress' | 'maxAttempts'> = {}): Promise<RebuildResult> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`no read model ${name} in this process`);
    const result = await rebuild(this.eventStore, this.documents, projection, 'rebuild', { ...options, ...(this.options.logger ? { logger: this.options.logger } : {}) });
    await this.runners.get(name)?.runner.stop();
    // Out of the table until the new runner is in, so following switches leaves it alone.
    this.runners.delete(name);
    await switchTo(this.documents, projection, result.target, this.now());
    this.options.onSwitch?.();
    await this.run(projection, result.target, 'active');
    this.options.logger?.info({ projection: name, suffix: result.target.suffix, position: result.position }, 'rebuilt read model; readers switched to it');
    return result;
  }

  private async startProjection(projection: Projection): Promise<void> {
    const active = await this.registry.active(projection.name);
    const wanted: Target = { name: projection.name, version: projection.version, suffix: `v${projection.version}` };
    if (active && active.version > projection.version) {
      this.options.logger?.error({ projection: projection.name, serving: active.version, code: projection.version }, 'read model is newer than this code; not projecting');
      return;
    }
    if (active && active.version === projection.version) {
      await this.run(projection, { name: projection.name, version: active.version, suffix: active.suffix }, 'active');
      return;
    }
    await this.prepare(projection, wanted);
    if (!active) {
      await this.registry.activate(wanted, this.now());
      this.options.onSwitch?.();
      await this.run(projection, wanted, 'active');
      return;
    }
    // Version bump: build in the background, switch when caught up.
    const old: Target = { name: projection.name, version: active.version, suffix: active.suffix };
    this.options.logger?.info({ projection: projection.name, from: active.version, to: projection.version }, 'rebuilding read model for a new version');
    const entry = await this.run(projection, wanted, 'building');
    entry.runner.onCaughtUp(() => {
      void (async () => {
        await this.registry.activate(wanted, this.now());
        entry.role = 'active';
        this.options.onSwitch?.();
        await this.registry.drop(old, Object.keys(projection.collections));
        this.options.logger?.info({ projection: projection.name, version: projection.version }, 'switched readers to the rebuilt read model');
      })();
    });
  }

  /** Creates the target's checkpoint and indexes. */
  private async prepare(projection: Projection, target: Target): Promise<void> {
    await this.registry.ensureCheckpoint(target, 'live');
    await prepareIndexes(this.documents, projection, target.suffix);
  }

  private async run(projection: Projection, target: Target, role: 'active' | 'building') {
    await this.prepare(projection, target);
    const runner = new ProjectionRunner(this.eventStore, this.documents, projection, target, {
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
      ...(this.options.continuityCheckMs ? { continuityCheckMs: this.options.continuityCheckMs } : {}),
      onProgress: (_position, applied) => {
        if (applied > 0) this.options.onApplied?.(projection.name);
      },
    });
    const entry = { runner, role };
    this.runners.set(projection.name, entry);
    runner.start().catch((error) => {
      // A divergence from the event store is logged by the runner, with what to do.
      if (!(error instanceof StoreDiverged)) this.options.logger?.error({ err: error, projection: projection.name }, 'projection runner stopped');
    });
    return entry;
  }

  /** A replay in another process may have switched a projection to a rebuilt target. */
  private async followSwitches(): Promise<void> {
    for (const projection of this.projections) {
      const entry = this.runners.get(projection.name);
      if (!entry || entry.role !== 'active') continue;
      const active = await this.registry.active(projection.name).catch(() => null);
      if (!active || active.suffix === entry.runner.target.suffix || active.version !== projection.version) continue;
      this.options.logger?.info({ projection: projection.name, suffix: active.suffix }, 'read model was switched; following');
      await entry.runner.stop();
      this.options.onSwitch?.();
      await this.run(projection, { name: projection.name, version: active.version, suffix: active.suffix }, 'active');
    }
  }
}
