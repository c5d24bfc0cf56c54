/**
 * Index keys in order (each ends with its document's row): a list of sorted chunks (at most
 * CHUNK keys each), found by binary search over the chunks' last keys. An insert or a delete
 * moves at most a chunk's worth of entries, so keeping it sorted costs little while documents
 * are written, and walking a range in either direction is a loop over arrays. How many keys a
 * range holds is read from running totals of the chunks' sizes (a Fenwick tree), not by visiting
 * every chunk in it: the planner counts each candidate index's ranges for every query, and
 * counting chunk by chunk made queries over a growing range (the open visits) slower as it grew.
 *
 * Given the row a key ends with (`rowOf`), it also finds the key of a row inserted `tracked` (a
 * row with one key): the chunk that holds it is kept per row in typed arrays (row-places.ts),
 * and each chunk keeps its keys' rows side by side, searched for the row. The index needs the
 * keys a document had when it changes; keeping each in a map by row cost more memory than the
 * key itself, and decoding the row of every key of the chunk took 3.6% of the main thread.
 */
import { IndexPages, KeyChunk } from './index-pages';
import { RowPlaces } from './row-places';

/**
 * 128 keys at most: a chunk read back from the pages' file or written out to it costs about
 * 50 µs (parse, rows, SQLite) instead of about 200 at 512, and under random inserts (the audit
 * trail by stream) that is paid on nearly every write once an index outgrows the budget: at
 * 512 keys and a 4 MB budget the soak lost 15% of its throughput to it.
 */
const CHUNK = 128;

/** Pages for keys that all stay in memory (tests, and indexes built outside a store). */
const IN_MEMORY = new IndexPages(Infinity);

export class SortedKeys {
  private chunks: KeyChunk[] = [];
  /** The last key of each chunk. */
  private lasts: string[] = [];
  private count = 0;
  /** Fenwick tree over the chunks' sizes (1-based): the keys before any chunk in O(log chunks). */
  private sizes = new Int32Array(1);
  /** With `rowOf`: the chunks by id, and the chunk of each tracked row. */
  private readonly byId = new Map<number, KeyChunk>();
  private readonly places: RowPlaces | undefined;
  /** Rebuilds a chunk's rows when its keys are read back from the pages' file. */
  private readonly rowsOf: ((keys: readonly string[]) => Uint32Array) | undefined;

  constructor(
    private readonly rowOf?: (key: string) => number,
    private readonly pages: IndexPages = IN_MEMORY,
  ) {
    if (!rowOf) return;
    this.places = new RowPlaces();
    this.rowsOf = (keys) => {
      const low = new Uint32Array(CHUNK + 1);
      for (let at = 0; at < keys.length; at++) low[at] = rowOf(keys[at]!);
      return low;
    };
  }

  get size(): number {
    return this.count;
  }

  /**
   * Replaces the content with `keys` (distinct, in any order): one sort instead of one insert
   * each, by the engine's own string order (no comparison callback).
   */
  load(keys: string[], tracked?: (row: number) => boolean): void {
    keys.sort();
    this.clear();
    for (let i = 0; i < keys.length; i += CHUNK / 2) {
      const part = keys.slice(i, i + CHUNK / 2);
      this.lasts.push(part[part.length - 1]!);
      const chunk = this.pages.created(part, this.rowsOf?.(part));
      this.chunks.push(chunk);
      if (!this.places) continue;
      this.byId.set(chunk.id, chunk);
      if (!tracked) continue;
      for (const key of part) {
        const row = this.rowOf!(key);
        if (tracked(row)) this.places.set(row, chunk.id);
      }
    }
    this.count = keys.length;
    this.rebuildSizes();
  }

  /** Gives back the pages' room and file space (the index is dropped). */
  clear(): void {
    for (const chunk of this.chunks) this.pages.dropped(chunk);
    this.chunks = [];
    this.lasts = [];
    this.count = 0;
    this.byId.clear();
    this.places?.clear();
    this.rebuildSizes();
  }

  /** Adds a key (`tracked`: the only key of its row, found again by `keyOf`). */
  insert(key: string, tracked = false): void {
    if (this.chunks.length === 0) {
      const chunk = this.pages.created([key], this.rowsOf?.([key]));
      this.chunks.push(chunk);
      this.lasts.push(key);
      this.count = 1;
      this.rebuildSizes();
      if (this.places) {
        this.byId.set(chunk.id, chunk);
        if (tracked) this.places.set(this.rowOf!(key), chunk.id);
      }
      return;
    }
    const c = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const keys = this.keysOf(chunk);
    const at = lowerBound(keys, key);
    keys.splice(at, 0, key);
    if (at === keys.length - 1) this.lasts[c] = key;
    this.count++;
    if (this.places) {
      const row = this.rowOf!(key);
      chunk.low!.copyWithin(at + 1, at, keys.length - 1);
      chunk.low![at] = row;
      if (tracked) this.places.set(row, chunk.id);
    }
    this.pages.changed(chunk);
    if (keys.length > CHUNK) this.split(c);
    else this.resize(c, 1);
  }

  /** Removes the entry with this key; false if there is none. */
  delete(key: string): boolean {
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    if (!chunk) return false;
    const keys = this.keysOf(chunk);
    const at = lowerBound(keys, key);
    if (keys[at] !== key) return false;
    keys.splice(at, 1);
    this.count--;
    if (this.places) {
      chunk.low!.copyWithin(at, at + 1, keys.length + 1);
      const row = this.rowOf!(key);
      if (this.places.get(row) === chunk.id) this.places.delete(row);
    }
    if (keys.length === 0) {
      this.chunks.splice(c, 1);
      this.lasts.splice(c, 1);
      this.byId.delete(chunk.id);
      this.pages.dropped(chunk);
      this.rebuildSizes();
      return true;
    }
    if (at === keys.length) this.lasts[c] = keys[at - 1]!;
    this.pages.changed(chunk);
    this.resize(c, -1);
    return true;
  }

  /** The key of a row inserted `tracked` (and not deleted since), or undefined. */
  keyOf(row: number): string | undefined {
    const id = this.places?.get(row);
    if (id === undefined) return undefined;
    const chunk = this.byId.get(id)!;
    const keys = this.keysOf(chunk);
    const low = chunk.low!;
    // The low 32 bits of the rows, side by side: no key string is read but the one sought.
    const sought = row >>> 0;
    for (let at = low.indexOf(sought); at !== -1 && at < keys.length; at = low.indexOf(sought, at + 1)) {
      if (this.rowOf!(keys[at]!) === row) return keys[at];
    }
    throw new Error(`index keys: row ${row} is not in its chunk`);
  }

  /** How many rows are tracked (for tests). */
  get trackedRows(): number {
    return this.places?.size ?? 0;
  }

  /** How many keys lie in `[from, to)`. */
  countBetween(from: string, to: string): number {
    const [c0, i0] = this.position(from);
    const [c1, i1] = this.position(to);
    if (c0 === c1) return i1 - i0;
    return this.before(c1) + i1 - (this.before(c0) + i0);
  }

  /**
   * The keys in `[from, to)`, in order (`backward`: from the last). A chunk read back from the
   * pages' file may push out one another walk is in: that walk goes on with the keys it holds,
   * unchanged as long as nothing is written while the walks are under way.
   */
  *between(from: string, to: string, backward = false): IterableIterator<string> {
    const [c0, i0] = this.position(from);
    const [c1, i1] = this.position(to);
    if (!backward) {
      for (let c = c0; c <= c1 && c < this.chunks.length; c++) {
        const keys = this.keysOf(this.chunks[c]!);
        const end = c === c1 ? i1 : keys.length;
        for (let i = c === c0 ? i0 : 0; i < end; i++) yield keys[i]!;
      }
      return;
    }
    for (let c = Math.min(c1, this.chunks.length - 1); c >= c0; c--) {
      const keys = this.keysOf(this.chunks[c]!);
      const start = c === c0 ? i0 : 0;
      for (let i = (c === c1 ? i1 : keys.length) - 1; i >= start; i--) yield keys[i]!;
    }
  }

  /** The first chunk whose last key is >= key (chunks.length if none). */
  private chunkFor(key: string): number {
    return lowerBound(this.lasts, key);
  }

  /** Chunk and place of the first key >= `key` (the chunk may be one past the last). */
  private position(key: string): [chunk: number, index: number] {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return [c, 0];
    return [c, lowerBound(this.keysOf(this.chunks[c]!), key)];
  }

  private keysOf(chunk: KeyChunk): string[] {
    return this.pages.keysOf(chunk, this.rowsOf);
  }

  /** Splits an overfull chunk (in memory: an insert just changed it) in two. */
  private split(c: number): void {
    const left = this.chunks[c]!;
    const keys = left.keys!;
    const moved = keys.splice(keys.length >>> 1);
    let low: Uint32Array | undefined;
    if (left.low) {
      low = new Uint32Array(CHUNK + 1);
      low.set(left.low.subarray(keys.length, keys.length + moved.length));
    }
    this.lasts.splice(c, 0, keys[keys.length - 1]!);
    this.pages.changed(left);
    // Created last: the pages may write the left chunk out to make room for it.
    const right = this.pages.created(moved, low);
    this.chunks.splice(c + 1, 0, right);
    if (this.places) {
      this.byId.set(right.id, right);
      for (const key of moved) {
        const row = this.rowOf!(key);
        if (this.places.get(row) === left.id) this.places.set(row, right.id);
      }
    }
    this.rebuildSizes(); // one chunk more: every later chunk moved (once per CHUNK / 2 inserts)
  }

  /** The keys in the chunks before chunk `c`. */
  private before(c: number): number {
    let n = 0;
    for (let i = c; i > 0; i -= i & -i) n += this.sizes[i]!;
    return n;
  }

  private resize(c: number, delta: number): void {
    for (let i = c + 1; i < this.sizes.length; i += i & -i) this.sizes[i]! += delta;
  }

  private rebuildSizes(): void {
    const sizes = new Int32Array(this.chunks.length + 1);
    for (let c = 0; c < this.chunks.length; c++) {
      const i = c + 1;
      sizes[i]! += this.chunks[c]!.size;
      const parent = i + (i & -i);
      if (parent < sizes.length) sizes[parent]! += sizes[i]!;
    }
    this.sizes = sizes;
  }
}

/** The first index whose value is >= key. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
