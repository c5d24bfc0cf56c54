import { DocumentStore, IndexSpec } from './port';

/**
 * The indexes a component needs on a collection of its own, for components without a start-up
 * step: created (idempotently) before its first query, once per instance. Answers never depend
 * on indexes, only their speed does: if the collection is dropped behind its back, queries scan.
 * `retired`: names of indexes an earlier version created, dropped first (dropping is idempotent).
 */
export class IndexesOnFirstUse {
  private created: Promise<void> | undefined;

  constructor(
    private readonly documents: DocumentStore,
    private readonly collection: string,
    private readonly specs: readonly IndexSpec[],
    private readonly retired: readonly string[] = [],
  ) {}

  ensure(): Promise<void> {
    this.created ??= this.create().catch((error: unknown) => {
      this.created = undefined; // tried again by the next query
      throw error;
    });
    return this.created;
  }

  private async create(): Promise<void> {
    const collection = this.documents.collection(this.collection);
    for (const name of this.retired) await collection.dropIndex(name);
    for (const spec of this.specs) await collection.createIndex(spec);
  }
}
