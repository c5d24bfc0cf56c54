/**
 * The SQLite event store's writer: a second connection on a worker thread that runs each group
 * commit (the revision checks, the inserts and the COMMIT with its page writes and fsync), so the
 * main thread goes on serving while SQLite writes. Under create load the group commit took about
 * 3–4 ms of the main thread's time per batch, about 7 % of it.
 *
 * The main thread still makes everything the batch writes (ids, JSON texts, the time); the
 * writer only decides, inside its transaction, whether each append fits its stream. Batches are
 * sent as soon as they are made and committed in the order they were sent: the writer takes
 * every batch waiting for it into one transaction (one fsync), each batch in its own savepoint.
 * So a light load waits for no other commit, and a heavy one still shares its fsyncs.
 */
import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { ConnectionDurability, durability, RawDurability, READ_DURABILITY_SOURCE } from '../sqlite/durability';
import { ExpectedRevision } from './port';

/** One append as it crosses to the writer. */
export interface WireAppend {
  stream: string;
  expected: ExpectedRevision;
  /** Per event: its id, the caller's or one made here. */
  ids: string[];
  /** Per event: whether the caller gave its id (re-appends are recognised by those only). */
  given: boolean[];
  types: string[];
  data: string[];
  metadata: string[];
  recordedAt: string;
}

/** What became of one append; `current` is -1 for a stream that does not exist. */
export type WireOutcome =
  | { written: { first: number; revision: number } }
  | { repeat: { revision: number; position: number } }
  | { conflict: { current: number } };

export interface WireCommit {
  /** The store's head before the batch: what RecentEvents continues from. */
  headBefore: number;
  outcomes: WireOutcome[];
}

interface Reply {
  id: number;
  commit?: WireCommit;
  error?: string;
  code?: string;
}

/*
 * EventStoreDB's rules, as event-store/idempotency.ts and checkExpectedRevision state them (the
 * thread cannot import them): a batch whose events are all in the stream already (same ids) is
 * a repeat and writes nothing; one only partly there is a conflict; otherwise the expected
 * revision must match.
 */
const WRITER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, driver, path, pragmas } = workerData;
let db, write, openError;
try {
  const Database = require(driver);
  db = new Database(path);
  for (const pragma of pragmas) db.pragma(pragma);
  port.postMessage({ settings: ${READ_DURABILITY_SOURCE} });
  const currentRevision = db.prepare('SELECT MAX(revision) AS r FROM events WHERE stream = ?');
  const findEvent = db.prepare('SELECT revision, position FROM events WHERE event_id = ? AND stream = ?');
  const insert = db.prepare('INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const head = db.prepare('SELECT MAX(position) AS p FROM events');
  const fits = (expected, current) =>
    expected === 'any' ||
    (expected === 'no_stream' && current === -1) ||
    (expected === 'stream_exists' && current !== -1) ||
    expected === current;
  const one = (a) => {
    const r = currentRevision.get(a.stream).r;
    const current = r === null ? -1 : r;
    let present = 0;
    let last;
    for (let i = 0; i < a.ids.length; i++) {
      if (!a.given[i]) continue;
      const found = findEvent.get(a.ids[i], a.stream);
      if (!found) continue;
      present++;
      if (!last || found.revision > last.revision) last = found;
    }
    if (present > 0) return present === a.ids.length ? { repeat: last } : { conflict: { current } };
    if (!fits(a.expected, current)) return { conflict: { current } };
    let revision = current;
    let first = 0;
    for (let i = 0; i < a.ids.length; i++) {
      revision += 1;
      const position = Number(insert.run(a.ids[i], a.stream, revision, a.types[i], a.data[i], a.metadata[i], a.recordedAt).lastInsertRowid);
      if (i === 0) first = position;
    }
    return { written: { first, revision } };
  };
  const commitOne = db.transaction((appends) => {
    const headBefore = head.get().p ?? 0;
    return { headBefore, outcomes: appends.map(one) };
  });
  // Each batch in its own savepoint, so one batch's failure fails its callers only.
  write = db.transaction((batches) =>
    batches.map((m) => {
      try {
        return { id: m.id, commit: commitOne(m.appends) };
      } catch (error) {
        // SQLite rolled the whole transaction back (I/O error, disk full): every batch failed.
        if (!db.inTransaction) throw error;
        return failed(m.id, error);
      }
    }),
  );
} catch (error) {
  openError = error;
}
const failed = (id, error) => ({ id, error: String((error && error.message) || error), code: error && error.code });
const commitQueued = (first) => {
  // Batches sent while the last commit ran are waiting here: one transaction, one fsync, for all.
  const batches = [first];
  let closing = false;
  for (let next; (next = receiveMessageOnPort(port)); ) {
    if (next.message.close) { closing = true; break; }
    batches.push(next.message);
  }
  if (openError) {
    const error = 'cannot open the event store: ' + (openError.message || openError);
    port.postMessage(batches.map((m) => ({ id: m.id, error, code: openError.code })));
  } else {
    try {
      port.postMessage(write.immediate(batches));
    } catch (error) {
      port.postMessage(batches.map((m) => failed(m.id, error)));
    }
  }
  return closing;
};
const close = () => {
  try { db?.close(); } catch {}
  port.close();
};
port.on('message', (m) => {
  if (m.close || commitQueued(m)) close();
});
`;

export class AppendWriter {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly pending = new Map<number, { resolve(commit: WireCommit): void; reject(error: Error): void }>();
  private nextId = 1;
  private dead: Error | undefined;
  private settings: ConnectionDurability | undefined;
  private opened!: () => void;
  private readonly reported = new Promise<void>((resolve) => (this.opened = resolve));
  private readonly exited: Promise<void>;

  constructor(path: string, pragmas: readonly string[]) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { port: port2, driver: require.resolve('better-sqlite3'), path, pragmas },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.on('message', (replies: Reply[] | { settings: RawDurability }) => this.receive(replies));
    this.port.unref();
    this.worker.on('error', (error) => this.die(error));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(() => this.die(new Error('the event store writer thread stopped')));
  }

  /**
   * Commits the appends in one transaction (a savepoint within the writer's next commit, which
   * takes every batch sent meanwhile), after the batches sent before.
   */
  write(appends: WireAppend[]): Promise<WireCommit> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    // Keeps the process alive while a commit is on its way; idle, the writer does not.
    if (this.pending.size === 0) this.port.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, appends });
    });
  }

  /** Its connection's settings, as it reported them once open. */
  async durability(): Promise<ConnectionDurability[]> {
    await Promise.race([this.reported, this.exited]);
    return this.settings ? [this.settings] : [];
  }

  /** Answers nothing more; batches already sent are committed first. */
  async close(): Promise<void> {
    if (!this.dead) this.port.postMessage({ close: true });
    this.worker.ref(); // until it has exited
    await this.exited;
  }

  private receive(replies: Reply[] | { settings: RawDurability }): void {
    if (!Array.isArray(replies)) {
      this.settings = durability('writer', replies.settings);
      this.opened();
      return;
    }
    // In the order sent: their callers settle (and add to RecentEvents) in position order.
    for (const reply of replies) {
      const waiting = this.pending.get(reply.id);
      if (!waiting) continue;
      this.pending.delete(reply.id);
      if (reply.commit) waiting.resolve(reply.commit);
      else waiting.reject(Object.assign(new Error(reply.error ?? 'the event store writer failed'), reply.code ? { code: reply.code } : {}));
    }
    if (this.pending.size === 0) this.port.unref();
  }

  private die(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    this.opened();
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
