/**
 * The keys of the embedded store's unique indexes, in memory: for each loaded collection, each
 * unique index's keys and the id of the document holding each. Built when the collection's
 * cache loads and kept up to date by every commit, so a write's keys are checked (overlay.ts)
 * before anything is written.
 */
import { Document, DuplicateKey } from '../port';
import { describeKey, UniqueIndex, uniqueKeys } from '../semantics';
import { DocumentCache } from './cache';

/** key → id of the document holding it, for one index; DuplicateKey if two documents share one. */
export function buildKeyMap(collection: string, cache: DocumentCache, index: UniqueIndex): Map<string, string> {
  const map = new Map<string, string>();
  for (const doc of cache.values()) {
    for (const key of uniqueKeys(doc, index)) {
      const holder = map.get(key);
      if (holder !== undefined && holder !== doc._id) throw new DuplicateKey(collection, describeKey(index, key));
      map.set(key, doc._id);
    }
  }
  return map;
}

export class UniqueKeys {
  /** collection → unique index → key → id. */
  private readonly keys = new Map<string, Map<string, Map<string, string>>>();

  /** Builds the keys of a collection as its cache loads (nothing is kept if two documents share one). */
  load(collection: string, cache: DocumentCache, indexes: readonly UniqueIndex[]): void {
    const keys = new Map<string, Map<string, string>>();
    for (const index of indexes) keys.set(index.name, buildKeyMap(collection, cache, index));
    this.keys.set(collection, keys);
  }

  owner(collection: string, index: UniqueIndex, key: string): string | undefined {
    return this.keys.get(collection)?.get(index.name)?.get(key);
  }

  /** A new unique index's keys, built with `buildKeyMap` (the collection is loaded). */
  add(collection: string, index: string, map: Map<string, string>): void {
    this.keys.get(collection)!.set(index, map);
  }

  /** Moves a document's keys in `index` from its previous version to its new one (null: deleted). */
  move(collection: string, index: UniqueIndex, id: string, previous: Document | undefined, doc: Document | null): void {
    const map = this.keyMap(collection, index.name);
    if (previous) for (const key of uniqueKeys(previous, index)) if (map.get(key) === id) map.delete(key);
    if (doc) for (const key of uniqueKeys(doc, index)) map.set(key, id);
  }

  forget(collection: string): void {
    this.keys.delete(collection);
  }

  private keyMap(collection: string, index: string): Map<string, string> {
    const byIndex = this.keys.get(collection)!;
    let map = byIndex.get(index);
    if (!map) byIndex.set(index, (map = new Map()));
    return map;
  }
}
