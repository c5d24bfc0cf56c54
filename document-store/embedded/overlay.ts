/**
 * The embedded store's state is a stack of layers: the committed documents (SQLite + cache)
 * at the bottom, and overlays of not-yet-committed writes above it (one per transaction, one
 * per bulkWrite, one per write operation). An overlay checks unique keys as writes arrive, so
 * a write that would break one fails without touching anything below.
 */
import { Candidate, Selection } from './indexes';
import { parseStored, Stored } from './json-text';
import { Document, DuplicateKey, Filter, IndexSpec } from '../port';
import { describeKey, UniqueIndex, uniqueKeys } from '../semantics';

/**
 * Per collection: id → new version of the document (possibly still its JSON text, see
 * json-text.ts), or null for a deletion.
 */
export type Changes = Map<string, Map<string, Stored | null>>;

/**
 * The changes of a transaction handed to the background writer. Once a new document's text
 * has been copied into the batch sent to the writer, the transaction keeps only its row (a
 * number), and reads the text back if anyone asks: a rebuild's texts would otherwise stay in
 * memory until the commit, long enough for the garbage collector to copy each of them twice.
 */
export type CommittingChanges = Map<string, CommittingVersions>;
/** id → new version, the row holding its text, or null for a deletion. */
export type CommittingVersions = Map<string, Stored | number | null>;

export interface Layer {
  /** The current version, or undefined. Shared with the layer: never mutate it. */
  get(collection: string, id: string): Document | undefined;
  /** Whether a current version exists (without parsing it). */
  has(collection: string, id: string): boolean;
  /**
   * The current version as kept: the document, or its JSON text when nobody has parsed it
   * (nothing is parsed here). Shared with the layer: never mutate it.
   */
  stored(collection: string, id: string): Stored | undefined;
  /** Every document of the collection in natural (insertion) order. Never mutate them. */
  documents(collection: string): Iterable<Document>;
  uniqueIndexes(collection: string): readonly UniqueIndex[];
  /** Id of the document holding `key` in a unique index, if any. */
  owner(collection: string, index: UniqueIndex, key: string): string | undefined;
  /**
   * The documents that may match a query, found through an index, in natural order: every match
   * is among them (with a sort and `need`, every one of the first `need` matches in sort order).
   * Those `shadowed` says a layer above has its own version of are left out. Undefined when no
   * index serves the query: scan `documents` instead.
   */
  candidates(collection: string, selection: Selection, shadowed?: (id: string) => boolean): Candidate[] | undefined;
  /** A document's place in natural order (comparable within one query). */
  position(collection: string, id: string): number | undefined;
  /** How many documents match, when the layer can tell without testing them (undefined otherwise). */
  count(collection: string, filter: Filter): number | undefined;
}

/** Where an overlay's new documents start in natural order: after every row, and after the new documents of the overlays below. */
const NEW_DOCUMENTS = 2 ** 44;

/** Counters for `explain`: documents a query looked at, and the plans it used (while someone listens). */
export interface QueryStats {
  examined: number;
  plans: string[] | undefined;
}

/** Where a collection reads from and sends its changes. */
export interface Workspace {
  readonly layer: Layer;
  readonly stats: QueryStats;
  commit(changes: Changes): void;
  /** `commit` of a single change; `absent`: the caller has just seen that no layer holds the id. */
  commitOne(collection: string, id: string, doc: Stored | null, absent?: boolean): void;
  createIndex(collection: string, spec: IndexSpec): void;
  dropIndex(collection: string, name: string): void;
}

export class Overlay implements Layer {
  /** collection → index → key → id, for the documents this overlay wrote. */
  private readonly keys = new Map<string, Map<string, Map<string, string>>>();
  /** collection → ids of documents this overlay wrote that no layer below held (new documents). */
  private readonly fresh = new Map<string, Set<string>>();
  /** Overlays below this one, plus one. */
  private readonly depth: number;

  /**
   * `changes`: start from these (the overlay then owns them). `heldText`: the text of a
   * document held by its row (see CommittingChanges).
   */
  constructor(
    private readonly parent: Layer,
    private readonly changes: CommittingChanges = new Map(),
    private readonly heldText?: (row: number) => string,
  ) {
    this.depth = parent instanceof Overlay ? parent.depth + 1 : 1;
  }

  get(collection: string, id: string): Document | undefined {
    const own = this.changes.get(collection);
    if (own?.has(id)) return this.own(own, id) ?? undefined;
    return this.parent.get(collection, id);
  }

  has(collection: string, id: string): boolean {
    const own = this.changes.get(collection);
    if (own?.has(id)) return own.get(id) !== null;
    return this.parent.has(collection, id);
  }

  stored(collection: string, id: string): Stored | undefined {
    const own = this.changes.get(collection);
    if (!own?.has(id)) return this.parent.stored(collection, id);
    const entry = own.get(id)!;
    return entry === null ? undefined : typeof entry === 'number' ? this.heldText!(entry) : entry;
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
        const mine = this.own(own, doc._id);
        if (mine) yield mine;
      }
    }
    for (const id of [...own.keys()]) {
      if (below.has(id)) continue;
      const mine = this.own(own, id);
      if (mine) yield mine;
    }
  }

  uniqueIndexes(collection: string): readonly UniqueIndex[] {
    return this.parent.uniqueIndexes(collection);
  }

  /** What the index below proposes, less what this overlay rewrote, plus every document it wrote (mingo decides). */
  candidates(collection: string, selection: Selection, shadowed?: (id: string) => boolean): Candidate[] | undefined {
    const own = this.changes.get(collection);
    if (!own || own.size === 0) return this.parent.candidates(collection, selection, shadowed);
    const below = this.parent.candidates(collection, selection, shadowed ? (id) => own.has(id) || shadowed(id) : (id) => own.has(id));
    if (!below) return undefined;
    const mine: Candidate[] = [];
    this.placeOwn(collection, own, (id, at) => {
      if (own.get(id) !== null && !shadowed?.(id)) mine.push({ id, at });
    });
    if (mine.length === 0) return below;
    mine.sort((a, b) => a.at - b.at);
    return mergeInOrder(below, mine);
  }

  position(collection: string, id: string): number | undefined {
    const own = this.changes.get(collection);
    if (!own?.has(id)) return this.parent.position(collection, id);
    if (own.get(id) === null) return undefined;
    let found: number | undefined;
    this.placeOwn(collection, own, (ownId, at) => {
      if (ownId === id) found = at;
    });
    return found;
  }

  count(collection: string, filter: Filter): number | undefined {
    const own = this.changes.get(collection);
    if (!own || own.size === 0) return this.parent.count(collection, filter);
    if (Object.keys(filter).length > 0) return undefined;
    const below = this.parent.count(collection, filter);
    if (below === undefined) return undefined;
    let n = below;
    for (const [id, version] of own) n += (version !== null ? 1 : 0) - (this.parent.has(collection, id) ? 1 : 0);
    return n;
  }

  owner(collection: string, index: UniqueIndex, key: string): string | undefined {
    const mine = this.keyMap(collection, index).get(key);
    if (mine !== undefined) return mine;
    const below = this.parent.owner(collection, index, key);
    // A document this overlay rewrote holds only the keys recorded above.
    if (below !== undefined && this.changes.get(collection)?.has(below)) return undefined;
    return below;
  }

  /**
   * Records a new version (null: deletion). Throws DuplicateKey, changing nothing, when a
   * unique key is taken. `absent`: the caller has just seen that no layer holds the id.
   */
  put(collection: string, id: string, stored: Stored | null, absent = false): void {
    const indexes = this.uniqueIndexes(collection);
    let own = this.changes.get(collection);
    // Unless this overlay deleted it: then the id may still be below.
    if (absent && !own?.has(id)) {
      let ids = this.fresh.get(collection);
      if (!ids) this.fresh.set(collection, (ids = new Set()));
      ids.add(id);
    }
    if (indexes.length === 0) {
      // Nothing to check or to keep track of: the common case, kept cheap.
      if (!own) this.changes.set(collection, (own = new Map()));
      own.set(id, stored);
      return;
    }
    const doc = typeof stored === 'string' ? parseStored(stored) : stored;
    const next = doc ? indexes.map((index) => uniqueKeys(doc, index)) : [];
    indexes.forEach((index, i) => {
      for (const key of next[i] ?? []) {
        const holder = this.owner(collection, index, key);
        if (holder !== undefined && holder !== id) throw new DuplicateKey(collection, describeKey(index, key));
      }
    });
    if (!own) this.changes.set(collection, (own = new Map()));
    const previous = own.has(id) ? this.own(own, id) : undefined;
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
    if (this.heldText) throw new Error('the changes of a transaction being committed are not handed over again');
    return this.changes as Changes; // only committing transactions hold rows
  }

  /** Whether no layer below held the document when this overlay first wrote it. */
  isNew(collection: string, id: string): boolean {
    return this.fresh.get(collection)?.has(id) ?? false;
  }

  /** Built from this overlay's documents on first use: the index may be newer than they are. */
  private keyMap(collection: string, index: UniqueIndex): Map<string, string> {
    let byIndex = this.keys.get(collection);
    if (!byIndex) this.keys.set(collection, (byIndex = new Map()));
    let map = byIndex.get(index.name);
    if (!map) {
      byIndex.set(index.name, (map = new Map()));
      const own = this.changes.get(collection);
      for (const id of own ? [...own.keys()] : []) {
        const doc = this.own(own!, id);
        if (doc) for (const key of uniqueKeys(doc, index)) map.set(key, id);
      }
    }
    return map;
  }

  /**
   * The natural place of each document this overlay wrote, as `documents` yields them: where the
   * layer below has it, else after everything below, in the order this overlay first wrote them.
   */
  private placeOwn(collection: string, own: CommittingVersions, visit: (id: string, at: number) => void): void {
    let rank = 0;
    for (const id of own.keys()) {
      const below = this.parent.position(collection, id);
      visit(id, below ?? NEW_DOCUMENTS * this.depth + rank++);
    }
  }

  /** This overlay's version of a document, parsed on first use. */
  private own(own: CommittingVersions, id: string): Document | null | undefined {
    const entry = own.get(id);
    if (typeof entry === 'object' || entry === undefined) return entry;
    // A row stays a row: it is also how the store finds where the document is until the commit lands.
    if (typeof entry === 'number') return parseStored(this.heldText!(entry));
    const doc = parseStored(entry);
    own.set(id, doc);
    return doc;
  }
}

/** Two lists of candidates in natural order, as one. */
function mergeInOrder(a: Candidate[], b: Candidate[]): Candidate[] {
  const merged: Candidate[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.at <= b[j]!.at)) merged.push(a[i++]!);
    else merged.push(b[j++]!);
  }
  return merged;
}
