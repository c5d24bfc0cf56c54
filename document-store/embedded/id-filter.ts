/**
 * Which ids a collection's cache may hold: "no" is certain, "maybe" is not (a Bloom filter).
 * A rebuild asks the cache about a new id for every event; with hundreds of thousands of ids
 * held, the Map's answer to a miss costs a walk through scattered memory, which this filter
 * (a few bits per id, in one typed array) answers first.
 *
 * Ids are hashed from their length, first 4 and last 8 characters: a fixed, small cost whatever
 * their length. Ids that differ only elsewhere share bits; the filter then says "maybe" and the
 * Map answers, so that costs speed, never correctness.
 */
export class IdFilter {
  /** 8 bits per id, 2 bits set each: about 5% of absent ids get a "maybe". */
  private static readonly BITS_PER_ID = 8;
  private bits = new Int32Array(1 << 7); // 4096 bits
  private mask = (1 << 12) - 1;
  private added = 0;

  /** `ids`: every id added so far that is still held, to rebuild from when the filter grows. */
  constructor(private readonly ids: () => Iterable<string>) {}

  mayHold(id: string): boolean {
    const h = hash(id);
    const a = h & this.mask;
    const b = second(h) & this.mask;
    return (this.bits[a >>> 5]! & (1 << (a & 31))) !== 0 && (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  /** An id about to be held (it may not be among `ids` yet). */
  add(id: string): void {
    if (++this.added * IdFilter.BITS_PER_ID > this.mask + 1) this.grow();
    this.set(hash(id));
  }

  /** Twice the bits, from the ids held now (which also drops the bits of deleted ones). */
  private grow(): void {
    this.mask = this.mask * 2 + 1;
    this.bits = new Int32Array((this.mask + 1) >>> 5);
    this.added = 0;
    for (const id of this.ids()) {
      this.added++;
      this.set(hash(id));
    }
  }

  private set(h: number): void {
    const a = h & this.mask;
    const b = second(h) & this.mask;
    this.bits[a >>> 5]! |= 1 << (a & 31);
    this.bits[b >>> 5]! |= 1 << (b & 31);
  }
}

function hash(id: string): number {
  const n = id.length;
  let h = Math.imul(n, 0x9e3779b1);
  if (n < 12) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x85ebca6b);
  } else {
    h = Math.imul(h ^ (id.charCodeAt(0) | (id.charCodeAt(1) << 8) | (id.charCodeAt(2) << 16) | (id.charCodeAt(3) << 24)), 0x85ebca6b);
    h = Math.imul(h ^ (id.charCodeAt(n - 8) | (id.charCodeAt(n - 7) << 8) | (id.charCodeAt(n - 6) << 16) | (id.charCodeAt(n - 5) << 24)), 0xc2b2ae35);
    h = Math.imul(h ^ (id.charCodeAt(n - 4) | (id.charCodeAt(n - 3) << 8) | (id.charCodeAt(n - 2) << 16) | (id.charCodeAt(n - 1) << 24)), 0x85ebca6b);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** The second bit's position, from the same hash. */
function second(h: number): number {
  return (h >>> 16) ^ Math.imul(h, 0x27d4eb2d);
}
