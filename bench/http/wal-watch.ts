/** Sizes of the SQLite write-ahead logs (`*.db-wal`) in a data folder, polled while a run lasts. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MB = 1024 * 1024;

/** Bytes of each `*.db-wal` in `dir` now (files that vanish meanwhile are left out). */
export function walSizes(dir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.db-wal')) continue;
    try {
      sizes.set(name, statSync(join(dir, name)).size);
    } catch {
      // checkpointed and removed between the listing and the stat
    }
  }
  return sizes;
}

export class WalWatch {
  /** Largest size each file reached. */
  readonly maxByFile = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  /** The largest WAL seen so far: its size and file name. */
  largest(): { bytes: number; file: string } {
    let largest = { bytes: 0, file: '-' };
    for (const [file, bytes] of this.maxByFile) if (bytes > largest.bytes) largest = { bytes, file };
    return largest;
  }

  /** Forgets the sizes seen so far (a soak reports each interval's largest). */
  reset(): void {
    this.maxByFile.clear();
  }

  sample(): Map<string, number> {
    const sizes = walSizes(this.dir);
    for (const [file, bytes] of sizes) this.maxByFile.set(file, Math.max(bytes, this.maxByFile.get(file) ?? 0));
    return sizes;
  }
}
