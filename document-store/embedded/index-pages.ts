/**
 * The keys of the embedded store's indexes, kept in memory within a budget of bytes shared by
 * every index of the store; the chunks used least lately are written to a temporary file and
 * read back when a query or a write needs them again (sorted-keys.ts splits an index into
 * chunks of a few hundred keys).
 *
 * Every key of every index used to stay in memory, and a key costs about as much as a small
 * document: under sustained writes the server grew about 16 MB a minute, two thirds of it keys
 * no query read again (the audit trail's, the outbox's, closed tickets'). Only the chunks'
 * sizes, last keys and places stay in memory now.
 *
 * The file is SQLite's anonymous temporary database: private to this process, removed when it
 * closes or dies, and opened only when the budget is first exceeded. It holds nothing the
 * documents do not: the indexes are built from them when a process first needs them, as before.
 */
import Database from 'better-sqlite3';
import { RecentlyUsed, RecentlyUsedEntry } from './recently-used';

/** A chunk of an index's sorted keys: its keys in memory, or only in the file. */
export interface KeyChunk extends RecentlyUsedEntry<KeyChunk> {
  /** Names the chunk in the file, and for the rows it holds (row-places.ts). */
  readonly id: number;
  /** The keys in order; undefined while they are in the file only. */
  keys: string[] | undefined;
  /** With the keys: the low 32 bits of each key's row at the same place (see SortedKeys). */
  low: Uint32Array | undefined;
  /** How many keys it holds, in memory or not. */
  size: number;
  /** Whether the file holds the keys as they are now (when they go out, they need no write). */
  stored: boolean;
  /** Whether the file holds some version of them (to delete with the chunk). */
  written: boolean;
}

/** What a chunk's keys cost in memory, roughly: their characters, a string header and a slot each, and the rows beside them. */
function chunkBytes(keys: readonly string[], low: Uint32Array | undefined): number {
  let characters = 0;
  for (const key of keys) characters += key.length;
  return characters + 24 * keys.length + (low?.byteLength ?? 0) + 64;
}

interface PageStatements {
  put: Database.Statement<[number, string]>;
  get: Database.Statement<[number], string>;
  remove: Database.Statement<[number]>;
}

export interface IndexPagesReading {
  /** Bytes of keys in memory (estimated) and the budget. */
  bytes: number;
  budget: number;
  /** Chunks in memory. */
  resident: number;
  /** Chunks read back from the file, and written to it, since the store opened. */
  reads: number;
  writes: number;
}

export class IndexPages {
  private readonly inMemory: RecentlyUsed<KeyChunk> | undefined;
  private file: { db: Database.Database; stmt: PageStatements } | undefined;
  private nextId = 1;
  private reads = 0;
  private writes = 0;

  /** `budget`: bytes of keys kept in memory; Infinity keeps every key there and never opens a file. */
  constructor(readonly budget: number) {
    if (Number.isFinite(budget)) this.inMemory = new RecentlyUsed(budget, (chunk) => this.writeOut(chunk));
  }

  /** A new chunk holding these keys (in memory until the budget pushes it out). */
  created(keys: string[], low: Uint32Array | undefined): KeyChunk {
    const chunk: KeyChunk = { id: this.nextId++, keys, low, size: keys.length, stored: false, written: false, bytes: 0, newer: undefined, older: undefined };
    if (this.inMemory) {
      chunk.bytes = chunkBytes(keys, low);
      this.inMemory.add(chunk);
    }
    return chunk;
  }

  /**
   * The chunk's keys, read back from the file if they were written out (`rowsOf` then rebuilds
   * what is kept beside them); the chunk becomes the most recently used, so it stays in memory
   * until the next call on these pages.
   */
  keysOf(chunk: KeyChunk, rowsOf?: (keys: readonly string[]) => Uint32Array): string[] {
    if (chunk.keys) {
      this.inMemory?.touch(chunk);
      return chunk.keys;
    }
    const keys = JSON.parse(this.open().stmt.get.get(chunk.id)!) as string[];
    this.reads++;
    chunk.keys = keys;
    chunk.low = rowsOf?.(keys);
    chunk.stored = true;
    chunk.bytes = chunkBytes(keys, chunk.low);
    this.inMemory!.add(chunk);
    return keys;
  }

  /** After the chunk's keys changed (they are in memory: the caller just read them). */
  changed(chunk: KeyChunk): void {
    chunk.size = chunk.keys!.length;
    chunk.stored = false;
    this.inMemory?.resize(chunk, chunkBytes(chunk.keys!, chunk.low));
  }

  /** The chunk is gone (emptied, or its index dropped). */
  dropped(chunk: KeyChunk): void {
    if (chunk.keys) this.inMemory?.remove(chunk);
    if (chunk.written) this.file!.stmt.remove.run(chunk.id);
    chunk.keys = chunk.low = undefined;
    chunk.written = chunk.stored = false;
  }

  reading(): IndexPagesReading {
    return { bytes: this.inMemory?.bytes ?? 0, budget: this.budget, resident: this.inMemory?.count ?? 0, reads: this.reads, writes: this.writes };
  }

  close(): void {
    this.file?.db.close();
    this.file = undefined;
  }

  private writeOut(chunk: KeyChunk): void {
    if (!chunk.stored) {
      this.open().stmt.put.run(chunk.id, JSON.stringify(chunk.keys));
      this.writes++;
      chunk.stored = chunk.written = true;
    }
    chunk.keys = chunk.low = undefined;
  }

  private open(): NonNullable<IndexPages['file']> {
    if (this.file) return this.file;
    const db = new Database(''); // SQLite's anonymous temporary file: deleted when closed, or when the process dies
    db.pragma('journal_mode = OFF'); // a lost write loses nothing: the file dies with the process
    db.pragma('synchronous = OFF');
    db.exec('CREATE TABLE chunks (id INTEGER PRIMARY KEY, keys TEXT NOT NULL)');
    this.file = {
      db,
      stmt: {
        put: db.prepare('INSERT OR REPLACE INTO chunks (id, keys) VALUES (?, ?)'),
        get: db.prepare<[number], string>('SELECT keys FROM chunks WHERE id = ?').pluck(true),
        remove: db.prepare('DELETE FROM chunks WHERE id = ?'),
      },
    };
    return this.file;
  }
}
