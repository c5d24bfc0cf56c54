/**
 * A number per row (the chunk of index keys holding its key, sorted-keys.ts; the fields of its
 * document an index found arrays in, secondary-index.ts), in two typed arrays: the index's
 * map from each document's row to its keys was a Map holding a string per document, about 45
 * bytes an entry besides the key, and every doubling of it rehashed hundreds of thousands of
 * entries at once on the main thread. Here an entry costs 8 bytes a slot (11 to 21 as the table
 * fills between doublings), and a doubling copies two typed arrays.
 */

/** Open addressing with linear probing, keyed by row + 1 (0 marks an empty slot). */
export class RowPlaces {
  private rows: Uint32Array | Float64Array;
  private places: Int32Array;
  private count = 0;

  constructor() {
    this.rows = new Uint32Array(16);
    this.places = new Int32Array(16);
  }

  get size(): number {
    return this.count;
  }

  get(row: number): number | undefined {
    const slot = this.slotOf(row);
    return slot === undefined ? undefined : this.places[slot];
  }

  set(row: number, place: number): void {
    const found = this.slotOf(row);
    if (found !== undefined) {
      this.places[found] = place;
      return;
    }
    this.fit(row);
    if ((this.count + 1) / this.rows.length > 0.75) this.resize(this.rows.length * 2);
    const mask = this.rows.length - 1;
    let slot = mix(row) & mask;
    while (this.rows[slot] !== 0) slot = (slot + 1) & mask;
    this.rows[slot] = row + 1;
    this.places[slot] = place;
    this.count++;
  }

  /** Removes the row's entry; false if there is none. */
  delete(row: number): boolean {
    const found = this.slotOf(row);
    if (found === undefined) return false;
    const mask = this.rows.length - 1;
    // Backward-shift deletion (no tombstones): an entry after the hole moves into it unless its
    // home slot lies (cyclically) after the hole and at or before its own slot.
    let hole = found;
    for (let slot = (hole + 1) & mask; this.rows[slot] !== 0; slot = (slot + 1) & mask) {
      const home = mix(this.rows[slot]! - 1) & mask;
      const stays = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (stays) continue;
      this.rows[hole] = this.rows[slot]!;
      this.places[hole] = this.places[slot]!;
      hole = slot;
    }
    this.rows[hole] = 0;
    this.places[hole] = 0;
    this.count--;
    return true;
  }

  clear(): void {
    this.rows = new Uint32Array(16);
    this.places = new Int32Array(16);
    this.count = 0;
  }

  private slotOf(row: number): number | undefined {
    const mask = this.rows.length - 1;
    const stored = row + 1;
    for (let slot = mix(row) & mask; this.rows[slot] !== 0; slot = (slot + 1) & mask) if (this.rows[slot] === stored) return slot;
    return undefined;
  }

  /** Widens the rows to 8 bytes a slot before one the 4-byte array cannot hold is stored. */
  private fit(row: number): void {
    if (this.rows instanceof Uint32Array && !(Number.isInteger(row) && row >= 0 && row < 0xffff_ffff)) this.rows = Float64Array.from(this.rows);
  }

  private resize(size: number): void {
    const { rows, places } = this;
    this.rows = rows instanceof Uint32Array ? new Uint32Array(size) : new Float64Array(size);
    this.places = new Int32Array(size);
    this.count = 0;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== 0) this.set(rows[i]! - 1, places[i]!);
  }
}

/** Spreads consecutive rows (a collection's rows mostly are) over the table. */
function mix(row: number): number {
  return Math.imul((row % 0x1_0000_0000) | 0, 0x9e3779b1) ^ (row / 0x1_0000_0000);
}
