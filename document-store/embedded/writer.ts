/**
 * A second SQLite connection on a worker thread that commits the embedded store's big
 * transactions (a projection rebuild's batches), so the main thread prepares the next batch
 * while SQLite writes, checkpoints and syncs this one. Two cores make a rebuild about twice
 * as fast.
 *
 * The main thread stays the only one that decides what is written: it assigns every row its
 * `seq`, sends the rows, and updates its cache when the worker reports the commit. Batches are
 * committed in the order they were sent, each in one SQLite transaction. When one fails, the
 * batches sent after it are refused without being written (they were prepared on top of it),
 * until the main thread has seen the failure.
 */
import { once } from 'node:events';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ConnectionDurability, durability, RawDurability, READ_DURABILITY_SOURCE } from '../../sqlite/durability';

/**
 * Rows of one transaction, flattened so they cross to the worker cheaply: ids and documents
 * are written as UTF-8 into shared memory (reused from batch to batch), which the worker
 * decodes; only a few arrays of numbers are copied.
 */
export class RowBatch {
  /** Collections to record in `collections`. */
  readonly registers: string[] = [];
  /** Collection names the rows refer to by index. */
  readonly collections: string[] = [];
  /** Per insert: seq, collection index, id bytes, document bytes (both in `text`, in that order). */
  readonly inserts: number[] = [];
  /** Per update: seq, document bytes (in `text`, after the inserts). */
  readonly updates: number[] = [];
  readonly deletes: number[] = [];
  private readonly updated: string[] = [];
  /** Where each insert's document starts in `text`. */
  private readonly starts: number[] = [];
  private used = 0;
  private released = false;

  /** Bytes of text the batch holds: about what its commit appends to the WAL. */
  get bytes(): number {
    return this.used;
  }

  constructor(private text: Buffer) {}

  insert(seq: number, collection: number, id: string, doc: string): void {
    const idBytes = this.append(id);
    this.starts.push(this.used);
    this.inserts.push(seq, collection, idBytes, this.append(doc));
  }

  /** The document of the `row`th insert; undefined once the writer has committed it and its memory is reused. */
  insertedText(row: number): string | undefined {
    if (this.released) return undefined;
    const start = this.starts[row]!;
    return this.text.toString('utf8', start, start + this.inserts[4 * row + 3]!);
  }

  /** The shared memory goes to another batch: `insertedText` answers no more. */
  release(): Buffer {
    this.released = true;
    return this.text;
  }

  update(seq: number, doc: string): void {
    this.updated.push(doc);
    this.updates.push(seq, 0);
  }

  /** What the worker reads. */
  finish(): object {
    for (let i = 0; i < this.updated.length; i++) this.updates[2 * i + 1] = this.append(this.updated[i]!);
    const { registers, collections, updates, deletes, text, used } = this;
    // A typed array crosses as one block of bytes: a plain one is copied number by number
    // (which cost the main thread as much as writing the documents' text).
    const inserts = Float64Array.from(this.inserts);
    return { registers, collections, inserts, updates, deletes, text: text.buffer, used };
  }

  private append(value: string): number {
    if (this.used + value.length * 3 > this.text.length) {
      const bigger = sharedBuffer(Math.max(this.text.length * 2, this.used + value.length * 3));
      this.text.copy(bigger, 0, 0, this.used);
      this.text = bigger;
    }
    const bytes = this.text.write(value, this.used, 'utf8');
    this.used += bytes;
    return bytes;
  }
}

function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

interface Reply {
  id: number;
  error?: string;
  code?: string;
}

/** What a thread reports of its connection once it has opened it (for `durability()`). */
interface Opened {
  settings: RawDurability;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, driver, path, pragmas } = workerData;
const signal = new Int32Array(workerData.signal);
const ROWS_PER_INSERT = 50;
const wal = new Int32Array(workerData.wal);
let db, write, openError, checkpointsOnCommit = false;
try {
  const Database = require(driver);
  db = new Database(path);
  for (const pragma of pragmas) db.pragma(pragma);
  db.pragma('wal_autocheckpoint = 0'); // the checkpointer thread does it, without holding up commits
  // A statement that inserts many rows keeps a statement journal (the pages it changes, as they
  // were). With 16 kB pages it outgrows SQLite's 64 KiB in memory and went to a temporary file:
  // about 350 MB of writes per 200k documents, on top of the 180 MB of WAL.
  db.pragma('temp_store = MEMORY');
  port.postMessage({ settings: ${READ_DURABILITY_SOURCE} });
  const register = db.prepare('INSERT OR IGNORE INTO collections (name) VALUES (?)');
  // Ids and documents are bound as the UTF-8 bytes the main thread wrote, and stored as text:
  // decoding them into strings only for SQLite to encode them again cost about a tenth of this
  // thread's time.
  const ROW = '(?, ?, CAST(? AS TEXT), CAST(? AS TEXT))';
  const insert = db.prepare('INSERT INTO documents (seq, collection, id, doc) VALUES ' + ROW);
  // Rows go in ROWS_PER_INSERT at a time: one statement run instead of fifty costs a third less.
  const insertMany = db.prepare('INSERT INTO documents (seq, collection, id, doc) VALUES ' + Array(ROWS_PER_INSERT).fill(ROW).join(', '));
  const values = [];
  const update = db.prepare('UPDATE documents SET doc = CAST(? AS TEXT) WHERE seq = ?');
  const remove = db.prepare('DELETE FROM documents WHERE seq = ?');
  write = db.transaction((b) => {
    for (const name of b.registers) register.run(name);
    const { collections } = b;
    const text = Buffer.from(b.text, 0, b.used);
    let at = 0;
    const ins = b.inserts;
    const whole = ins.length - (ins.length % (4 * ROWS_PER_INSERT));
    for (let i = 0; i < ins.length; i += 4) {
      const id = text.subarray(at, (at += ins[i + 2]));
      const doc = text.subarray(at, (at += ins[i + 3]));
      if (i >= whole) insert.run(ins[i], collections[ins[i + 1]], id, doc);
      else {
        values.push(ins[i], collections[ins[i + 1]], id, doc);
        if (values.length === 4 * ROWS_PER_INSERT) {
          insertMany.run(values);
          values.length = 0;
        }
      }
    }
    const up = b.updates;
    for (let i = 0; i < up.length; i += 2) update.run(text.subarray(at, (at += up[i + 1])), up[i]);
    for (const seq of b.deletes) remove.run(seq);
  });
} catch (error) {
  openError = error;
}
let poisoned;
function reply(message) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}
port.on('message', (m) => {
  if (m.close) {
    try { db?.close(); } catch {}
    port.close();
    return;
  }
  if (openError) return reply({ id: m.id, error: 'cannot open the document store: ' + (openError.message || openError), code: openError.code });
  if (m.epoch === poisoned) return reply({ id: m.id, error: 'not written: a transaction committed before it, which it read from, failed' });
  try {
    write(m.batch);
    reply({ id: m.id }); // the main thread counts what it appended to the WAL
    if (Atomics.load(wal, 2) === 1 && !checkpointsOnCommit) {
      // The checkpointer stopped: checkpoint inside commits again, as SQLite does by default.
      checkpointsOnCommit = true;
      for (const pragma of pragmas) if (pragma.startsWith('wal_autocheckpoint')) db.pragma(pragma);
    }
  } catch (error) {
    poisoned = m.epoch;
    reply({ id: m.id, error: String((error && error.message) || error), code: error && error.code });
  }
});
`;

/**
 * Checkpoints the WAL on its own connection and thread while the writer goes on committing:
 * SQLite's automatic checkpoint runs inside a commit, and copying tens of megabytes back into
 * the database file held up a rebuild for about 100 ms every 40 MB. A PASSIVE checkpoint
 * blocks neither readers nor the writer. `wal[0]`: kibibytes appended so far (roughly);
 * `wal[1]`: 1 when closing; `wal[2]`: 1 once it has stopped (connections then checkpoint
 * inside their commits again); `wal[3]`: the `wal[0]` at which it wants to be woken.
 *
 * Woken only when a checkpoint is due, not after every commit: on two cores each wake-up took
 * the core from the writer or the main thread (the writer's profile had 7% of its time at the
 * wake-up call).
 */
const CHECKPOINTER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { driver, path, pragmas, everyKiB } = workerData;
const wal = new Int32Array(workerData.wal);
function run() {
  const Database = require(driver);
  const db = new Database(path);
  for (const pragma of pragmas) db.pragma(pragma);
  db.pragma('wal_autocheckpoint = 0');
  require('node:worker_threads').parentPort.postMessage({ settings: ${READ_DURABILITY_SOURCE} });
  let checkpointed = 0; // nobody checkpointed before it started
  while (Atomics.load(wal, 1) === 0) {
    const appended = Atomics.load(wal, 0);
    if (((appended - checkpointed) | 0) >= everyKiB) { // int32 arithmetic: the counter may wrap
      checkpointed = appended;
      db.pragma('wal_checkpoint(PASSIVE)');
      continue;
    }
    Atomics.store(wal, 3, (checkpointed + everyKiB) | 0);
    // Returns at once if anything was appended since the load above; bounded: see close().
    Atomics.wait(wal, 0, appended, 1000);
  }
  db.close(); // the last connection to close checkpoints what is left
}
run();
`;

/** How long `drain` waits for the worker before giving up (SQLite's busy timeout is 10 s). */
const DRAIN_TIMEOUT_MS = 120_000;

export class BackgroundWriter {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private checkpointer: Worker | undefined;
  private checkpointerExited: Promise<void> = Promise.resolve();
  private readonly wal = new Int32Array(new SharedArrayBuffer(16));
  /** Sent and not answered yet, in sending order. */
  private readonly pending: { id: number; settle: (error?: Error) => void }[] = [];
  private nextId = 1;
  private epoch = 0;
  private dead: Error | undefined;
  private draining = false;
  /** Shared buffers the worker is done with. */
  private readonly buffers: Buffer[] = [];
  /** The settings each thread's connection reported once open. */
  private readonly settings = new Map<string, ConnectionDurability>();
  private writerOpened!: () => void;
  private readonly writerReported = new Promise<void>((resolve) => (this.writerOpened = resolve));

  constructor(
    private readonly path: string,
    private readonly pragmas: readonly string[],
    private readonly checkpointEveryKiB: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, driver: require.resolve('better-sqlite3'), path, pragmas, signal: this.signal.buffer, wal: this.wal.buffer },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.on('message', (reply: Reply | Opened) => this.receive(reply));
    this.port.unref();
    this.worker.on('error', (error) => this.die(error));
    this.worker.on('exit', () => this.die(new Error('the document store writer thread stopped')));
  }

  /**
   * Whether the checkpointer thread runs or will start when due: meanwhile connections leave
   * checkpoints to it.
   */
  get checkpointing(): boolean {
    return Atomics.load(this.wal, 2) === 0;
  }

  /**
   * A connection appended about this many kibibytes to the WAL (the main thread's, or the
   * writer's once it has reported a commit). Wakes the checkpointer only if a checkpoint is
   * due, and answers how many threads it woke.
   */
  appended(kib: number): number {
    const now = Atomics.add(this.wal, 0, kib) + kib;
    const woken = ((now - Atomics.load(this.wal, 3)) | 0) >= 0 ? Atomics.notify(this.wal, 0) : 0;
    this.startCheckpointerWhenDue();
    return woken;
  }

  /** False once the worker has stopped: callers commit on their own connection instead. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /**
   * Sends a batch to commit after those sent before it. `settle` is called exactly once, on
   * the main thread, in sending order: without an error once the batch is committed.
   * `appendedKiB`: what its commit appends to the WAL, about (by default its text; small rows
   * append whole pages).
   */
  write(batch: RowBatch, settle: (error?: Error) => void, appendedKiB = Math.ceil(batch.bytes / 1024)): void {
    const message = batch.finish();
    if (this.dead) {
      settle(this.dead);
      return;
    }
    const id = this.nextId++;
    // Keeps the process alive while a commit is on its way; idle, the writer does not.
    if (this.pending.length === 0) this.port.ref();
    this.pending.push({
      id,
      settle: (error) => {
        if (!error) this.appended(appendedKiB);
        // A failed batch keeps its memory: transactions built on it may still read from it.
        if (!error && this.buffers.length < 4) this.buffers.push(batch.release());
        settle(error);
      },
    });
    this.port.postMessage({ id, epoch: this.epoch, batch: message });
  }

  /** A new batch to fill, then `write`. */
  batch(): RowBatch {
    return new RowBatch(this.buffers.pop() ?? sharedBuffer(1 << 20));
  }

  /** Blocks until every batch sent so far has been answered (and its `settle` called). */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (this.pending.length > 0) {
        const seen = Atomics.load(this.signal, 0);
        const message = receiveMessageOnPort(this.port);
        if (message) {
          this.receive(message.message as Reply | Opened);
          continue;
        }
        if (this.dead) {
          this.failAll(this.dead);
          break;
        }
        if (Date.now() > deadline) {
          this.die(new Error('the document store writer thread does not answer'));
          break;
        }
        Atomics.wait(this.signal, 0, seen, 1000);
      }
    } finally {
      this.draining = false;
    }
  }

  async close(): Promise<void> {
    this.drain();
    Atomics.store(this.wal, 1, 1);
    // Also changes the value the checkpointer waits on: a notify alone is lost when it comes
    // between the checkpointer's look at the flag and its wait, which then never ended (a
    // rebuild's close hung). Its wait is bounded as well.
    Atomics.add(this.wal, 0, 1);
    Atomics.notify(this.wal, 0);
    this.checkpointer?.ref(); // until it has closed its connection
    await this.checkpointerExited;
    if (this.dead) return;
    const exited = once(this.worker, 'exit');
    this.worker.ref(); // until it has closed its connection
    this.port.postMessage({ close: true });
    await exited;
  }

  /**
   * The checkpointer starts once half a checkpoint's worth of WAL has been appended, not with
   * the writer: a rebuild waits for the writer's first commit, and two threads starting at once
   * took twice as long.
   */
  private startCheckpointerWhenDue(): void {
    if (this.checkpointer || Atomics.load(this.wal, 0) < this.checkpointEveryKiB / 2) return;
    const { path, pragmas, checkpointEveryKiB: everyKiB } = this;
    const checkpointer = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), path, pragmas, wal: this.wal.buffer, everyKiB },
    });
    this.checkpointer = checkpointer;
    checkpointer.unref();
    checkpointer.on('message', (opened: Opened) => this.settings.set('checkpointer', durability('checkpointer', opened.settings)));
    // Without it, connections go back to checkpointing inside their commits.
    checkpointer.on('error', () => undefined); // seen as its exit
    // Not events.once: that rejects on an 'error' event, and the exit that follows must still count.
    this.checkpointerExited = new Promise<void>((resolve) =>
      checkpointer.once('exit', () => {
        Atomics.store(this.wal, 2, 1);
        resolve();
      }),
    );
  }

  /**
   * The durability settings of the writer's connection and, once it has started, the
   * checkpointer's, as they report them. Waits for the writer to have opened its connection.
   */
  async durability(): Promise<ConnectionDurability[]> {
    await Promise.race([this.writerReported, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    return [...this.settings.values()];
  }

  private receive(reply: Reply | Opened): void {
    if ('settings' in reply) {
      this.settings.set('writer', durability('writer', reply.settings));
      this.writerOpened();
      return;
    }
    const next = this.pending[0];
    if (!next || next.id !== reply.id) return; // answered already (the writer died)
    this.pending.shift();
    if (this.pending.length === 0) this.port.unref();
    if (reply.error === undefined) {
      next.settle();
      return;
    }
    // Later batches were built on this one: the worker refuses them; new ones start afresh.
    this.epoch++;
    next.settle(Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {}));
    this.drain();
  }

  private die(error: Error): void {
    this.dead ??= error;
    this.failAll(this.dead);
  }

  private failAll(error: Error): void {
    const waiting = this.pending.splice(0);
    this.port.unref();
    for (const { settle } of waiting) settle(error);
  }
}
