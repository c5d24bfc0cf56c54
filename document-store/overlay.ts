/**
 * The embedded store's state is a stack of layers: the committed documents (SQLite + cache)
 * at the bottom, and overlays of not-yet-committed writes above it (one per transaction, one
 * per bulkWrite, one per write operation). An overlay checks unique keys as writes arrive, so
 * a write that would break one fails without touching anything below.
 */
import { Document, DuplicateKey, IndexSpec } from './port';
import { describeKey, UniqueIndex, uniqueKeys } from './semantics';

/** Per collection: id → new version of the document, or null for a deletion. */
export type Changes = Map<string, Map<string, Document | null>>;

export interface Layer {
  /** The current version, or undefined. Shared with the layer: never mutate it. */
  get(collection: string, id: string): Document | undefined;
  /** Every document of the collection in natural (insertion) order. Never mutate them. */
  documents(collection: string): Iterable<Document>;
  uniqueIndexes(collection: string): readonly UniqueIndex[];
  /** Id of the document holding `key` in a unique index, if any. */
  owner(collection: string, index: UniqueIndex, key: string): string | undefined;
}

/** Where a collection reads from and sends its changes. */
export interface Workspace {
  readonly layer: Layer;
  commit(changes: Changes): void;
  createIndex(collection: string, spec: IndexSpec): void;
}

export class Overlay implements Layer {
  private readonly changes: Changes = new Map();
  /** collection → index → key → id, for the documents this overlay wrote. */
  private readonly keys = new Map<string, Map<string, Map<string, string>>>();

  constructor(private readonly parent: Layer) {}

  get(collection: string, id: string): Document | undefined {
    const own = this.changes.get(collection);
    if (own?.has(id)) return own.get(id) ?? undefined;
    return this.parent.get(collection, id);
  }

  *documents(collection: string): Iterable<Document> {
    const own = this.changes.get(collection);
    if (!own) {
      yield* this.parent.documents(collection);
      return;
    }
    const below = new Set<string>();
    for (const doc of this.parent.documents(collection)) {
      below.add(doc._id);
      if (!own.has(doc._id)) yield doc;
      else {
        const mine = own.get(doc._id);
        if (mine) yield mine;
      }
    }
    for (const [id, doc] of own) if (doc && !below.has(id)) yield doc;
  }

  uniqueIndexes(collection: string): readonly UniqueIndex[] {
    return this.parent.uniqueIndexes(collection);
  }

  owner(collection: string, index: UniqueIndex, key: string): string | undefined {
    const mine = this.keyMap(collection, index).get(key);
    if (mine !== undefined) return mine;
    const below = this.parent.owner(collection, index, key);
    // A document this overlay rewrote holds only the keys recorded above.
    if (below !== undefined && this.changes.get(collection)?.has(below)) return undefined;
    return below;
  }

  /** Records a new version (null: deletion). Throws DuplicateKey, changing nothing, when a unique key is taken. */
  put(collection: string, id: string, doc: Document | null): void {
    const indexes = this.uniqueIndexes(collection);
    const next = doc ? indexes.map((index) => uniqueKeys(doc, index)) : [];
    indexes.forEach((index, i) => {
      for (const key of next[i] ?? []) {
        const holder = this.owner(collection, index, key);
        if (holder !== undefined && holder !== id) throw new DuplicateKey(collection, describeKey(index, key));
      }
    });
    let own = this.changes.get(collection);
    if (!own) this.changes.set(collection, (own = new Map()));
    const previous = own.get(id);
    indexes.forEach((index, i) => {
      const map = this.keyMap(collection, index);
      if (previous) for (const key of uniqueKeys(previous, index)) if (map.get(key) === id) map.delete(key);
      for (const key of next[i] ?? []) map.set(key, id);
    });
    own.set(id, doc);
  }

  putAll(changes: Changes): void {
    for (const [collection, docs] of changes) for (const [id, doc] of docs) this.put(collection, id, doc);
  }

  changed(): Changes {
    return this.changes;
  }

  /** Built from this overlay's documents on first use: the index may be newer than they are. */
  private keyMap(collection: string, index: UniqueIndex): Map<string, string> {
    let byIndex = this.keys.get(collection);
    if (!byIndex) this.keys.set(collection, (byIndex = new Map()));
    let map = byIndex.get(index.name);
    if (!map) {
      byIndex.set(index.name, (map = new Map()));
      for (const [id, doc] of this.changes.get(collection) ?? []) {
        if (doc) for (const key of uniqueKeys(doc, index)) map.set(key, id);
      }
    }
    return map;
  }
}
