import { Collection, Document, DocumentStore, SearchHit, SearchOptions } from '../document-store/port';
import { Projection } from '../projections/projection';
import { physicalName, ProjectionRegistry } from '../projections/registry';

/** The query side as a lookup needs it: a read model's documents by its logical name (ReadModels fits). */
export interface ReadModelSource {
  collection<T extends Document = Document>(logical: string): Promise<Collection<T>>;
  /**
   * A token that changes whenever the read model may have changed; undefined when this process
   * cannot tell (another process writes it), and then a reader must not keep what it read.
   */
  changeToken?(logical: string): string | undefined;
}

/**
 * The query side's entry point: gives readers the collections of the build that currently
 * serves each read model, so a rebuild or version bump switches them without a restart.
 * Switches made by another process are seen within `ttlMs`.
 */
export class ReadModels {
  private readonly owner = new Map<string, Projection>();
  private readonly suffixes = new Map<string, { suffix: string; readAt: number }>();
  private readonly registry: ProjectionRegistry;
  /** Batches each projection applied in this process; undefined until an engine here reports them. */
  private applied: Map<string, number> | undefined;
  /** Bumped on every switch of builds. */
  private switches = 0;

  constructor(
    private readonly documents: DocumentStore,
    projections: readonly Projection[],
    private readonly options: { ttlMs?: number } = {},
  ) {
    this.registry = new ProjectionRegistry(documents);
    for (const p of projections) for (const logical of Object.keys(p.collections)) this.owner.set(logical, p);
  }

  async collection<T extends Document = Document>(logical: string): Promise<Collection<T>> {
    return this.documents.collection<T>(await this.physical(logical));
  }

  async search<T extends Document = Document>(logical: string, text: string, options?: SearchOptions): Promise<SearchHit<T>[]> {
    return this.documents.search<T>(await this.physical(logical), text, options);
  }

  /** Forget cached switches (the engine calls this right after it switches a projection). */
  refresh(): void {
    this.suffixes.clear();
    this.switches++;
  }

  /**
   * Called once by the projection engine of this process: from then on, what it reports applied
   * (the returned callback, after each committed batch that changed a read model) moves the
   * read model's change token. Only the engine writes read models, so while the token stays the
   * same, so do the documents.
   */
  followChanges(): (projection: string) => void {
    const applied = (this.applied ??= new Map());
    return (projection) => applied.set(projection, (applied.get(projection) ?? 0) + 1);
  }

  changeToken(logical: string): string | undefined {
    const projection = this.owner.get(logical);
    if (!this.applied || !projection) return undefined;
    return `${this.switches}:${this.applied.get(projection.name) ?? 0}`;
  }

  private async physical(logical: string): Promise<string> {
    const projection = this.owner.get(logical);
    if (!projection) throw new Error(`no projection owns the read model '${logical}'`);
    const cached = this.suffixes.get(projection.name);
    if (cached && Date.now() - cached.readAt < (this.options.ttlMs ?? 1000)) return physicalName(logical, cached.suffix);
    const active = await this.registry.active(projection.name);
    const suffix = active?.suffix ?? `v${projection.version}`;
    this.suffixes.set(projection.name, { suffix, readAt: Date.now() });
    return physicalName(logical, suffix);
  }
}
