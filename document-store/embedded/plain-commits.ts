/**
 * Plain commits written by the background writer (writer.ts) instead of the main thread.
 *
 * Under load the main thread spent about a tenth of its time in SQLite writing the rows of plain
 * commits (each ticket's projections, sagas and outbox write about 25), while the second core
 * was half idle. Now the main thread still decides everything a commit does: rows get their seq
 * and the cache, unique keys and indexes take the documents at once, as before. Only the rows go
 * into a batch, which the writer commits (in one SQLite transaction, after every batch sent
 * before it) when the turn of the event loop ends, or at `send`.
 *
 * Until the writer reports a batch committed, its rows are kept here by seq, and the main
 * connection's reads of rows (`row`) look here first: a body the cache let go of is read back
 * as it was written, not as the file had it. Reads of whole collections from the file, and
 * writes on the main connection, `settle` first.
 *
 * A batch that fails to commit leaves the caches holding writes the file does not have, which a
 * restart would not find: every later commit and flush fails, and the process must restart
 * (as when the main connection's COMMIT failed).
 */
import { BackgroundWriter, RowBatch } from './writer';

/** A row's version not committed yet: its text (null: deleted), and the batch that wrote it. */
interface Unwritten {
  readonly id: string;
  readonly text: string | null;
  readonly batch: number;
}

/** The batch being filled during this turn of the event loop. */
interface OpenBatch {
  readonly number: number;
  readonly rows: RowBatch;
  /** Collection → its place in `rows.collections`. */
  readonly collections: Map<string, number>;
  /** Rows written. */
  count: number;
  readonly committed: Promise<void>;
  settle(error?: Error): void;
}

/** `row`'s answer for a seq no batch in flight has written: read it from the file. */
export const IN_FILE = Symbol('in file');

export class PlainCommits {
  private open: OpenBatch | undefined;
  private readonly unwritten = new Map<number, Unwritten>();
  private batches = 0;
  /** The commit of the last batch sent. */
  private lastSent: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly writer: BackgroundWriter,
    /** What a row's commit appends to the WAL, about: for the checkpointer and the main connection's bound on the WAL. */
    private readonly walBytesPerRow: number,
    /** Commits whatever the main connection holds: the writer could not write meanwhile. */
    private readonly beforeSend: () => void,
    /** Told once a batch committed, with the bytes of WAL it appended (about). */
    private readonly afterCommit: (bytes: number) => void,
  ) {}

  /** Whether commits go to the writer: not once it has stopped (the main connection writes again). */
  get available(): boolean {
    return this.writer.alive;
  }

  /** The failure that stopped plain commits, if one did. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Whether batches are sent and not reported committed yet, or one is being filled. */
  get pending(): boolean {
    return this.unwritten.size > 0 || this.open !== undefined;
  }

  /** Adds a commit's rows to this turn's batch. */
  add(commit: CommitRows): void {
    if (commit.rows.length === 0) return;
    const batch = this.batch();
    for (const collection of commit.registers) batch.rows.registers.push(collection);
    const { rows } = commit;
    for (let i = 0; i < rows.length; i += 5) {
      const kind = rows[i] as RowKind;
      const seq = rows[i + 1] as number;
      const id = rows[i + 3] as string;
      const text = rows[i + 4] as string | null;
      if (kind === INSERT) {
        const collection = rows[i + 2] as string;
        let index = batch.collections.get(collection);
        if (index === undefined) {
          index = batch.rows.collections.push(collection) - 1;
          batch.collections.set(collection, index);
        }
        batch.rows.insert(seq, index, id, text!);
      } else if (kind === UPDATE) batch.rows.update(seq, text!);
      else batch.rows.deletes.push(seq);
      batch.count++;
      this.unwritten.set(seq, { id, text, batch: batch.number });
    }
  }

  /** A row as the last commit wrote it: its id and text, undefined if deleted, IN_FILE if no batch in flight has it. */
  row(seq: number): [id: string, text: string] | undefined | typeof IN_FILE {
    const unwritten = this.unwritten.get(seq);
    if (!unwritten) return IN_FILE;
    return unwritten.text === null ? undefined : [unwritten.id, unwritten.text];
  }

  /** Hands the batch being filled to the writer. */
  send(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    this.lastSent = batch.committed;
    // Never after a failed batch: its rows are not in the file, and this one may build on them
    // (a read model's documents there, its checkpoint here).
    if (this.failure) return batch.settle(this.failure);
    this.beforeSend();
    this.writer.write(batch.rows, (error) => batch.settle(error), Math.ceil((batch.count * this.walBytesPerRow) / 1024));
  }

  /** Resolves once everything written so far is committed (the batch being filled is sent when the turn ends). */
  flushed(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.open ? this.open.committed : this.lastSent;
  }

  /** Sends the batch being filled and waits (blocking) until the writer has committed every batch. */
  settle(): void {
    this.send();
    this.writer.drain();
  }

  private batch(): OpenBatch {
    if (this.failure) throw this.failure;
    if (this.open) return this.open;
    const number = ++this.batches;
    let settle!: (error?: Error) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => {
        if (error) {
          // Its rows stay here: reads go on agreeing with the caches until the restart.
          this.failure ??= new Error(`document store: committing the last writes failed, the process must restart: ${error.message}`, { cause: error });
          reject(this.failure);
          return;
        }
        for (const [seq, row] of this.unwritten) if (row.batch <= number) this.unwritten.delete(seq);
        this.afterCommit(open.count * this.walBytesPerRow);
        resolve();
      };
    });
    // Nobody may wait for a batch: its failure is reported by the next commit or flush.
    committed.catch(() => undefined);
    const open: OpenBatch = { number, rows: this.writer.batch(), collections: new Map(), count: 0, committed, settle };
    this.open = open;
    setImmediate(() => {
      if (this.open === open) this.send();
    });
    return open;
  }
}

const INSERT = 0;
const UPDATE = 1;
const REMOVE = 2;
type RowKind = typeof INSERT | typeof UPDATE | typeof REMOVE;

/**
 * The rows of one plain commit, gathered before any goes into the batch: a commit that throws
 * half way (a document that cannot be serialized) leaves the batch as it was.
 */
export class CommitRows {
  readonly registers: string[] = [];
  /** Per row: kind, seq, collection, id, text (null: deleted). */
  readonly rows: (RowKind | number | string | null)[] = [];

  /** Records a collection's name (before its first row). */
  register(collection: string): void {
    this.registers.push(collection);
  }

  insert(seq: number, collection: string, id: string, text: string): void {
    this.rows.push(INSERT, seq, collection, id, text);
  }

  update(seq: number, collection: string, id: string, text: string): void {
    this.rows.push(UPDATE, seq, collection, id, text);
  }

  remove(seq: number, collection: string, id: string): void {
    this.rows.push(REMOVE, seq, collection, id, null);
  }
}
