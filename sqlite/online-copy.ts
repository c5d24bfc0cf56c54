import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';

export interface OnlineCopy<T> {
  /** Pages copied (the size of the source when the copy began, in pages). */
  pages: number;
  bytes: number;
  /** What `during` read from the source: the same state of it as the copy. */
  seen: T;
}

/** Pages copied per step: 4 MiB of 4 kB pages between two progress reports. */
const PAGES_PER_STEP = 1024;

/**
 * Copies a SQLite file while other processes go on writing it (the server), with SQLite's
 * backup API. The source connection holds one read transaction from before the first page to
 * after the last: in WAL mode writers carry on, and the copy is the file as it was when the
 * transaction began, whatever they commit meanwhile. (Without it, the backup API starts over
 * whenever another connection writes: under write load it restarted about 2,000 times for a
 * 17 MB file.) `during` reads from the source in that same transaction, so what it sees is
 * what the copy holds. The copy is left in rollback-journal mode: one self-contained file,
 * readable without its WAL side files; the stores switch it back to WAL when they open it.
 */
export async function copyOnline<T>(
  source: string,
  target: string,
  /** `onProgress`: bytes copied so far, of `total`. */
  options: { during: (db: Database.Database) => T; onProgress?: (copiedBytes: number, totalBytes: number) => void },
): Promise<OnlineCopy<T>> {
  if (!existsSync(source)) throw new Error(`${source} does not exist`);
  if (existsSync(target)) throw new Error(`${target} exists already`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // the read transaction starts at the first read
    const total = db.pragma('page_count', { simple: true }) as number; // reads the file: the transaction starts here
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const seen = options.during(db);
    options.onProgress?.(0, total * pageSize);
    await db.backup(target, {
      progress({ totalPages, remainingPages }) {
        options.onProgress?.((totalPages - remainingPages) * pageSize, totalPages * pageSize);
        return PAGES_PER_STEP;
      },
    });
    db.exec('COMMIT');
    options.onProgress?.(total * pageSize, total * pageSize);
    const copy = new Database(target);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return { pages: total, bytes: total * pageSize, seen };
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/** PRAGMA quick_check of a file, opened read-only: 'ok' or what SQLite found. */
export function quickCheck(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('quick_check(3)') as { quick_check: string }[];
    return rows.map((row) => row.quick_check).join('; ');
  } finally {
    db.close();
  }
}
