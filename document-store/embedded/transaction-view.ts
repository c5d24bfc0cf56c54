import { Collection, Document, DocumentStore, SearchHit, SearchOptions } from '../port';
import { EmbeddedCollection } from './collection';
import { CommittedState } from './committed-state';
import { Overlay, Workspace } from './overlay';
import type { EmbeddedDocumentStore } from './store';

/** What `work` sees inside a transaction: the committed state with the transaction's overlay on top. */
export class TransactionView implements DocumentStore {
  readonly atomic = true;
  private finished = false;
  private readonly workspace: Workspace;

  constructor(
    private readonly overlay: Overlay,
    private readonly state: CommittedState,
    private readonly store: EmbeddedDocumentStore,
  ) {
    const view = this;
    this.workspace = {
      get layer() {
        view.assertActive();
        return overlay;
      },
      stats: state.stats,
      commit: (changes) => {
        this.assertActive();
        overlay.putAll(changes);
      },
      commitOne: (collection, id, doc, absent) => {
        this.assertActive();
        overlay.put(collection, id, doc, absent);
      },
      createIndex: (collection, spec) => {
        this.assertActive();
        state.createIndex(collection, spec);
      },
      dropIndex: (collection, name) => {
        this.assertActive();
        state.dropIndex(collection, name);
      },
    };
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new EmbeddedCollection<T>(name, this.workspace);
  }

  async search<T extends Document = Document>(collection: string, text: string, options: SearchOptions = {}): Promise<SearchHit<T>[]> {
    this.assertActive();
    return this.state.search<T>(collection, text, options, this.overlay, this.overlay.changed().get(collection));
  }

  /** Nested: runs in the same overlay, committed or discarded with the outer transaction. */
  async transaction<R>(work: (store: DocumentStore) => Promise<R>): Promise<R> {
    this.assertActive();
    return work(this);
  }

  async listCollections(): Promise<string[]> {
    this.assertActive();
    const names = new Set(await this.store.listCollections());
    for (const [collection, docs] of this.overlay.changed()) {
      if ([...docs.values()].some((doc) => doc !== null)) names.add(collection);
    }
    return [...names].sort();
  }

  async dropCollection(): Promise<void> {
    throw new Error('dropCollection is not allowed inside a transaction');
  }

  /** What the transaction writes becomes durable when it ends; this makes what came before durable. */
  async flush(): Promise<void> {
    return this.store.flush();
  }

  async ping(): Promise<void> {
    return this.store.ping();
  }

  async close(): Promise<void> {
    throw new Error('close the store, not a transaction view');
  }

  finish(): void {
    this.finished = true;
  }

  private assertActive(): void {
    if (this.finished) throw new Error('this transaction has already ended: use the store, not its view');
  }
}
