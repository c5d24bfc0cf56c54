import type Database from 'better-sqlite3';

/**
 * The settings of one SQLite connection that decide what survives a crash or a power loss, as
 * the connection reports them (not as the code meant to set them): tests assert them for every
 * connection of both stores.
 */
export interface ConnectionDurability {
  /** Which connection of the store: `main`, `writer` (the background writer's), `checkpointer`. */
  connection: string;
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  journalMode: string;
  /** Bytes the WAL is truncated to when it starts over (-1: never). */
  journalSizeLimit: number;
}

/** The raw values, as a worker thread reads them (it cannot import this module). */
export interface RawDurability {
  synchronous: number;
  journalMode: string;
  journalSizeLimit: number;
}

/** The expression a worker's eval'd source uses to read them from its connection `db`. */
export const READ_DURABILITY_SOURCE =
  "({ synchronous: db.pragma('synchronous', { simple: true }), journalMode: db.pragma('journal_mode', { simple: true }), journalSizeLimit: db.pragma('journal_size_limit', { simple: true }) })";

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

export function durability(connection: string, raw: RawDurability): ConnectionDurability {
  const synchronous = SYNCHRONOUS[raw.synchronous];
  if (!synchronous) throw new Error(`${connection} connection: unknown synchronous setting ${raw.synchronous}`);
  return { connection, synchronous, journalMode: raw.journalMode, journalSizeLimit: raw.journalSizeLimit };
}

export function durabilityOf(db: Database.Database, connection: string): ConnectionDurability {
  return durability(connection, {
    synchronous: db.pragma('synchronous', { simple: true }) as number,
    journalMode: db.pragma('journal_mode', { simple: true }) as string,
    journalSizeLimit: db.pragma('journal_size_limit', { simple: true }) as number,
  });
}
