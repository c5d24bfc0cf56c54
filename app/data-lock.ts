import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock itself: a SQLite database whose exclusive lock the owner holds for its lifetime. */
const LOCK_DATABASE = '.lock.sqlite';
/** Who holds it (pid, purpose, since), for the refusal's message and for people: not the lock. */
const OWNER_FILE = '.lock';

interface Owner {
  pid: number;
  purpose: string;
  since: string;
}

/**
 * The embedded document store caches collections in memory, so only one process may use a
 * DATA_DIR at a time.
 *
 * The lock is an exclusive transaction, opened and never committed, on a lock database in the
 * folder: SQLite takes it as a POSIX file lock, which the kernel drops when the process ends,
 * however it ends (SIGKILL, OOM). A lock is never stale, so none is ever judged by its pid: a
 * recorded pid proved nothing when the server runs as PID 1 (Docker exec-form CMD: the killed
 * server was PID 1 and so is the new one, which refused to start for ever) or when the pid has
 * since gone to another process. Two processes starting at once cannot both win (the kernel
 * decides), and containers sharing the folder through a volume exclude each other whatever their
 * pids. The folder must be on a local file system, as the stores' own SQLite files must.
 *
 * Returns the release (also run at exit); the lock database stays in the folder, since removing it
 * could let two later processes lock two different files.
 */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const ownerFile = join(dataDir, OWNER_FILE);
  const lock = new Database(join(dataDir, LOCK_DATABASE), { timeout: 0 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    const owner = readOwner(ownerFile);
    const who = owner ? `process ${owner.pid} (${owner.purpose}, since ${owner.since})` : 'another process';
    throw new Error(`The embedded stores in ${dataDir} are in use by ${who}. Stop it first: the embedded document store serves one process at a time.`);
  }
  const owner: Owner = { pid: process.pid, purpose, since: new Date().toISOString() };
  writeFileSync(ownerFile, JSON.stringify(owner));
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // The owner file first: once the lock is given up, the next owner writes its own.
    rmSync(ownerFile, { force: true });
    lock.close(); // ends the transaction, and with it the lock
  };
  process.once('exit', release);
  return release;
}

function readOwner(path: string): Owner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Owner;
  } catch {
    return null;
  }
}
