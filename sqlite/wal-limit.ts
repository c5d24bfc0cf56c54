import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';

/** Default bound of a SQLite file's write-ahead log: 64 MiB. */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/** For every connection that writes the file: the one that starts the WAL over truncates it. */
export function journalSizeLimit(limitBytes = DEFAULT_WAL_LIMIT_BYTES): string {
  return `journal_size_limit = ${limitBytes}`;
}

/**
 * Keeps the write-ahead log of one SQLite file bounded, on the connection that writes it.
 *
 * SQLite starts the WAL over from its beginning only when a checkpoint has copied every frame
 * back into the database and no reader still uses them; under a steady stream of commits the
 * automatic (PASSIVE) checkpoints seldom find that moment, so the file kept growing (6 GB of WAL
 * for an 82 MB database after the demo seed) and only a clean shutdown removed it.
 * `journal_size_limit` truncates the file to the limit whenever the WAL does start over; and when
 * it has outgrown the limit anyway, a RESTART checkpoint after a commit copies what is left and
 * makes the next commit start the WAL over (truncating it back to the limit). Not TRUNCATE, which
 * empties the file at once: shrinking a 64 MiB file to nothing held the main thread for 75–80 ms
 * (the RESTART: under 1 ms), the stalls behind the projections' live-lag p99. A WAL found big
 * at open is emptied (TRUNCATE): nothing waits on that yet. The file is looked at once commits
 * have appended (by the caller's estimate) an eighth of the limit since the last look, or a
 * second has passed: a stat per commit would cost more than the check is worth. The checkpoint waits for readers of other connections up to the busy
 * timeout; if it cannot finish it changes nothing and is tried again at the next look.
 */
export class WalLimit {
  private lastCheck = 0;
  private appendedSinceCheck = 0;
  private resets = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly walPath: string,
    private readonly limitBytes = DEFAULT_WAL_LIMIT_BYTES,
    private readonly checkEveryMs = 1000,
  ) {
    db.pragma(journalSizeLimit(limitBytes));
    // A WAL left big by a crash (or by a version without this bound) is emptied at open.
    this.look('TRUNCATE');
  }

  /** Call after each commit with about how many bytes it appended to the WAL. */
  afterCommit(appendedBytes: number, now = Date.now()): void {
    this.appendedSinceCheck += appendedBytes;
    if (this.appendedSinceCheck < this.limitBytes / 8 && now - this.lastCheck < this.checkEveryMs) return;
    this.lastCheck = now;
    this.appendedSinceCheck = 0;
    this.look('RESTART');
  }

  private look(mode: 'RESTART' | 'TRUNCATE'): void {
    if (this.size() <= this.limitBytes) return;
    const [result] = this.db.pragma(`wal_checkpoint(${mode})`) as { busy: number }[];
    if (result?.busy === 0) this.resets++;
  }

  /** Bytes in the WAL file now (0 when there is none). */
  size(): number {
    try {
      return statSync(this.walPath).size;
    } catch {
      return 0;
    }
  }

  /** How many times the WAL was started over (or emptied) because it had outgrown the limit. */
  get resetCount(): number {
    return this.resets;
  }
}
