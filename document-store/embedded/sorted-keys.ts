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
import { RowPlaces } from './row-places';

const CHUNK = 512;

/** A chunk's keys, with the low 32 bits of each key's row at the same place (room for CHUNK + 1, before a split). */
interface RowChunk {
  readonly id: number;
  readonly keys: string[];
  readonly low: Uint32Array;
}

export class SortedKeys {
  private chunks: string[][] = [];
  /** The last key of each chunk. */
  private lasts: string[] = [];
  private count = 0;
  /** Fenwick tree over the chunks' sizes (1-based): the keys before any chunk in O(log chunks). */
  private sizes = new Int32Array(1);
  /** With `rowOf`: each chunk's rows by place, the same by id, and the chunk of each tracked row. */
  private rowChunks: RowChunk[] = [];
  private readonly byId = new Map<number, RowChunk>();
  private nextId = 1;
  private readonly places: RowPlaces | undefined;

  constructor(private readonly rowOf?: (key: string) => number) {
    if (rowOf) this.places = new RowPlaces();
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
    this.chunks = [];
    this.lasts = [];
    this.rowChunks = [];
    this.byId.clear();
    this.places?.clear();
    for (let i = 0; i < keys.length; i += CHUNK / 2) {
      const part = keys.slice(i, i + CHUNK / 2);
      this.chunks.push(part);
      this.lasts.push(part[part.length - 1]!);
      if (!this.places) continue;
      const rows = this.newRowChunk(part);
      this.rowChunks.push(rows);
      part.forEach((key, at) => {
        const row = this.rowOf!(key);
        rows.low[at] = row;
        if (tracked?.(row)) this.places!.set(row, rows.id);
      });
    }
    this.count = keys.length;
    this.rebuildSizes();
  }

  /** Adds a key (`tracked`: the only key of its row, found again by `keyOf`). */
  insert(key: string, tracked = false): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.lasts.push(key);
      this.count = 1;
      this.rebuildSizes();
      if (this.places) {
        const rows = this.newRowChunk(this.chunks[0]!);
        const row = this.rowOf!(key);
        this.rowChunks.push(rows);
        rows.low[0] = row;
        if (tracked) this.places.set(row, rows.id);
      }
      return;
    }
    const c = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const at = lowerBound(chunk, key);
    chunk.splice(at, 0, key);
    if (at === chunk.length - 1) this.lasts[c] = key;
    this.count++;
    if (this.places) {
      const rows = this.rowChunks[c]!;
      const row = this.rowOf!(key);
      rows.low.copyWithin(at + 1, at, chunk.length - 1);
      rows.low[at] = row;
      if (tracked) this.places.set(row, rows.id);
    }
    if (chunk.length > CHUNK) this.split(c);
    else this.resize(c, 1);
  }

  /** Removes the entry with this key; false if there is none. */
  delete(key: string): boolean {
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    if (!chunk) return false;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    this.count--;
    if (this.places) {
      const rows = this.rowChunks[c]!;
      rows.low.copyWithin(at, at + 1, chunk.length + 1);
      const row = this.rowOf!(key);
      if (this.places.get(row) === rows.id) this.places.delete(row);
    }
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.lasts.splice(c, 1);
      if (this.places) this.byId.delete(this.rowChunks.splice(c, 1)[0]!.id);
      this.rebuildSizes();
      return true;
    }
    if (at === chunk.length) this.lasts[c] = chunk[at - 1]!;
    this.resize(c, -1);
    return true;
  }

  /** The key of a row inserted `tracked` (and not deleted since), or undefined. */
  keyOf(row: number): string | undefined {
    const id = this.places?.get(row);
    if (id === undefined) return undefined;
    const { keys, low } = this.byId.get(id)!;
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

  /** The keys in `[from, to)`, in order (`backward`: from the last). */
  *between(from: string, to: string, backward = false): IterableIterator<string> {
    const [c0, i0] = this.position(from);
    const [c1, i1] = this.position(to);
    if (!backward) {
      for (let c = c0, i = i0; c < c1 || (c === c1 && i < i1); ) {
        const chunk = this.chunks[c]!;
        if (i >= chunk.length) {
          c++;
          i = 0;
          continue;
        }
        yield chunk[i]!;
        i++;
      }
      return;
    }
    for (let c = c1, i = i1 - 1; c > c0 || (c === c0 && i >= i0); ) {
      if (i < 0) {
        c--;
        i = (this.chunks[c]?.length ?? 0) - 1;
        continue;
      }
      yield this.chunks[c]![i]!;
      i--;
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
    return [c, lowerBound(this.chunks[c]!, key)];
  }

  private split(c: number): void {
    const chunk = this.chunks[c]!;
    const right = chunk.splice(chunk.length >>> 1);
    this.chunks.splice(c + 1, 0, right);
    this.lasts.splice(c, 0, chunk[chunk.length - 1]!);
    if (this.places) {
      const from = this.rowChunks[c]!;
      const to = this.newRowChunk(right);
      to.low.set(from.low.subarray(chunk.length, chunk.length + right.length));
      this.rowChunks.splice(c + 1, 0, to);
      for (const key of right) {
        const row = this.rowOf!(key);
        if (this.places.get(row) === from.id) this.places.set(row, to.id);
      }
    }
    this.rebuildSizes(); // one chunk more: every later chunk moved (once per CHUNK / 2 inserts)
  }

  private newRowChunk(keys: string[]): RowChunk {
    const rows: RowChunk = { id: this.nextId++, keys, low: new Uint32Array(CHUNK + 1) };
    this.byId.set(rows.id, rows);
    return rows;
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
      sizes[i]! += this.chunks[c]!.length;
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
