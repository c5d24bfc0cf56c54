/**
 * Group commit: plain commits made in one turn of the event loop share one SQLite transaction,
 * committed when the turn ends (or at `end`). Under load a ticket's projections, sagas and
 * outbox made about thirty small commits, each appending whole 16 kB pages to the WAL and
 * paying a commit: together they write the pages they share once. Reads on this connection see
 * the rows at once; other connections, and the file after a crash, see the whole group or none
 * of it. Whatever must be on disk before someone is told (an HTTP answer) calls `end` first.
 * Only commits the background writer does not take use it (plain-commits.ts): those to
 * text-indexed collections, and every commit of a store in memory.
 */
import Database from 'better-sqlite3';
import { StoreFile } from '../../sqlite/store-file';
import { WalLimit } from '../../sqlite/wal-limit';
import { AUTOCHECKPOINT, PAGE_SIZE } from './schema';
import { BackgroundWriter } from './writer';

export class GroupCommit {
  /** The SQLite transaction the plain commits of this turn of the event loop share. */
  private group: { pages: number } | undefined;
  /** Whether this connection leaves checkpoints to the background writer's checkpointer. */
  private checkpointsLeft = false;

  constructor(
    private readonly db: Database.Database,
    private readonly file: StoreFile,
    private readonly writer: BackgroundWriter | undefined,
    private readonly walLimit: WalLimit | undefined,
  ) {}

  /** The group under way, begun if there is none: the caller counts the pages its commit writes. */
  join(): { pages: number } {
    if (this.group) return this.group;
    this.db.exec('BEGIN IMMEDIATE');
    const group = (this.group = { pages: 0 });
    setImmediate(() => {
      if (this.group === group) this.end();
    });
    return group;
  }

  /** Commits the group under way, if any. */
  end(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      // The caches already hold what failed to reach the file: going on would serve, and build
      // on, writes that a restart would not find. Stop; a restart resumes every read model and
      // saga from the checkpoints the file does hold.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const failure = this.file.failure(error);
      if (failure !== error) throw failure;
      throw new Error(`document store: committing the last writes failed, the process must restart: ${(error as Error).message}`, { cause: error });
    }
    // A small commit appends whole pages to the WAL (a row and its index entry: one or two
    // pages each), not the row's kibibyte: counting a kibibyte let 1.4 GB pile up between checkpoints.
    this.writer?.appended((group.pages * PAGE_SIZE) / 1024);
    this.walLimit?.afterCommit(group.pages * PAGE_SIZE);
  }

  /**
   * While the background writer's checkpointer thread runs, this connection does not
   * checkpoint inside its commits either (SQLite's default); if it stops, it does again.
   */
  leaveCheckpointsToWriter(): void {
    const leave = this.writer?.checkpointing ?? false;
    if (leave === this.checkpointsLeft) return;
    this.checkpointsLeft = leave;
    this.db.pragma(leave ? 'wal_autocheckpoint = 0' : AUTOCHECKPOINT);
  }
}
