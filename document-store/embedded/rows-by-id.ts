/**
 * Every document's row (seq) by a 32-bit hash of its id, in two typed arrays: no JS object and
 * no string per document, so the garbage collector has nothing to mark however many documents a
 * collection holds, and a slot costs 8 bytes (a document 11 to 21, as the table fills between
 * doublings) instead of the hundred or so of an entry in a Map of id strings. The ids themselves stay in the file: two ids may share a hash, so the
 * caller checks a row's id (cache.ts reads it back) before it believes it.
 */

const EMPTY = 0;

/** FNV-1a over the UTF-16 code units, never 0 (the empty slot). */
export function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash === EMPTY ? 1 : hash;
}

/** Open addressing with linear probing; a delete shifts the rest of its cluster back (no tombstones). */
/** Rows up to this fit the 4-byte array every table starts with; a larger one widens it to 8 bytes a slot. */
const MAX_SMALL_ROW = 0xffff_ffff;

export class RowsById {
  private hashes: Int32Array;
  /** Rows are SQLite rowids, which stay below 2^32 for billions of inserts: 4 bytes a slot until one does not. */
  private rows: Uint32Array | Float64Array;
  private count = 0;

  constructor(capacity = 16) {
    const size = 2 ** Math.max(4, Math.ceil(Math.log2(capacity / 0.75)));
    this.hashes = new Int32Array(size);
    this.rows = new Uint32Array(size);
  }

  get size(): number {
    return this.count;
  }

  /** The row of the entry with this hash for which `isIt` holds (its row holds the id sought). */
  find(hash: number, isIt: (row: number) => boolean): number | undefined {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; this.hashes[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash && isIt(this.rows[slot]!)) return this.rows[slot];
    }
    return undefined;
  }

  /** Whether some entry has this hash: when none has, the id is certainly not here. */
  mayHold(hash: number): boolean {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; this.hashes[slot] !== EMPTY; slot = (slot + 1) & mask) if (this.hashes[slot] === hash) return true;
    return false;
  }

  /** Adds an entry (for an id not here yet). */
  add(hash: number, row: number): void {
    this.fit(row);
    if ((this.count + 1) / this.hashes.length > 0.75) this.resize(this.hashes.length * 2);
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    while (this.hashes[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.rows[slot] = row;
    this.count++;
  }

  /** Moves the entry (hash, from) to row `to`. */
  move(hash: number, from: number, to: number): void {
    const slot = this.slotOf(hash, from);
    if (slot === undefined) throw new Error(`document store: no entry for row ${from}`);
    this.fit(to);
    this.rows[slot] = to;
  }

  /** Removes the entry (hash, row); false if there is none. */
  remove(hash: number, row: number): boolean {
    const found = this.slotOf(hash, row);
    if (found === undefined) return false;
    const mask = this.hashes.length - 1;
    // Backward-shift deletion: an entry after the hole moves into it unless its home slot lies
    // (cyclically) after the hole and at or before its own slot.
    let hole = found;
    for (let slot = (hole + 1) & mask; this.hashes[slot] !== EMPTY; slot = (slot + 1) & mask) {
      const home = this.hashes[slot]! & mask;
      const stays = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (stays) continue;
      this.hashes[hole] = this.hashes[slot]!;
      this.rows[hole] = this.rows[slot]!;
      hole = slot;
    }
    this.hashes[hole] = EMPTY;
    this.rows[hole] = 0;
    this.count--;
    return true;
  }

  private slotOf(hash: number, row: number): number | undefined {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; this.hashes[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash && this.rows[slot] === row) return slot;
    }
    return undefined;
  }

  /** Widens the rows to 8 bytes a slot before a row the 4-byte array cannot hold is stored. */
  private fit(row: number): void {
    if (this.rows instanceof Uint32Array && !(Number.isInteger(row) && row >= 0 && row <= MAX_SMALL_ROW)) this.rows = Float64Array.from(this.rows);
  }

  private resize(size: number): void {
    const { hashes, rows } = this;
    this.hashes = new Int32Array(size);
    this.rows = rows instanceof Uint32Array ? new Uint32Array(size) : new Float64Array(size);
    this.count = 0;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== EMPTY) this.add(hashes[i]!, rows[i]!);
  }
}
