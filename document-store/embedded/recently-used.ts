/**
 * What the embedded store keeps in memory within a budget of bytes (document bodies, index
 * chunks): a list from most to least recently used, linked through the entries themselves so
 * that a touch costs no allocation. Past the budget the least recently used go out, through
 * `evict`; the most recently used one stays even if it alone is bigger.
 */
export interface RecentlyUsedEntry<T> {
  bytes: number;
  newer: T | undefined;
  older: T | undefined;
}

export class RecentlyUsed<T extends RecentlyUsedEntry<T>> {
  private newest: T | undefined;
  private oldest: T | undefined;
  private used = 0;
  private entries = 0;

  constructor(
    readonly budget: number,
    private readonly evict: (victim: T) => void,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get count(): number {
    return this.entries;
  }

  /** Whether `bytes` more fit without pushing anything out. */
  hasRoom(bytes: number): boolean {
    return this.used + bytes <= this.budget;
  }

  add(entry: T): void {
    this.link(entry);
    this.used += entry.bytes;
    this.entries++;
    this.trim();
  }

  /** Marks it most recently used. */
  touch(entry: T): void {
    if (this.newest === entry) return;
    this.unlink(entry);
    this.link(entry);
  }

  resize(entry: T, bytes: number): void {
    this.used += bytes - entry.bytes;
    entry.bytes = bytes;
    this.touch(entry);
    this.trim();
  }

  remove(entry: T): void {
    this.unlink(entry);
    this.used -= entry.bytes;
    this.entries--;
  }

  private trim(): void {
    while (this.used > this.budget && this.oldest && this.oldest !== this.newest) {
      const victim = this.oldest;
      this.remove(victim);
      this.evict(victim);
    }
  }

  private link(entry: T): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    this.newest = entry;
    this.oldest ??= entry;
  }

  private unlink(entry: T): void {
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    entry.newer = entry.older = undefined;
  }
}
