import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { FSWatcher, mkdirSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectionDurability, durabilityOf } from '../sqlite/durability';
import { StoreFile } from '../sqlite/store-file';
import { journalSizeLimit, WalLimit } from '../sqlite/wal-limit';
import { LimitedStatements } from '../sqlite/limited-statements';
import { AppendSignal, catchUpSubscription } from './catch-up';
import { AppendWriter, WireAppend, WireCommit } from './append-writer';
import { KnownStreams } from './known-streams';
import { RecentEvents } from './recent-events';
import {
  AllSubscription,
  AppendResult,
  EventFilter,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  SubscribeToAllOptions,
  WrongExpectedVersion,
} from './port';

export interface SqliteEventStoreOptions {
  /** Database file; created with its folder when missing. */
  path: string;
  /** FULL (default) fsyncs every commit; NORMAL may lose the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Wake subscriptions when another process appends to the same file (inotify, not polling). */
  watchOtherWriters?: boolean;
  /** Bound of the write-ahead log file (default 64 MiB): see WalLimit. */
  walLimitBytes?: number;
  /** How many of the latest appended events are kept parsed for readers catching up (RecentEvents; default 4096, 0: none). */
  recentEvents?: number;
  /** Check the file's structure when it opens (default true): see StoreFile.check. */
  checkOnOpen?: boolean;
  /**
   * No other process appends to the file: its data folder's lock is held (app/data-lock.ts).
   * The head and the streams' last revisions are then known without asking the file
   * (known-streams.ts), and nothing watches for other writers. Default false.
   */
  soleWriter?: boolean;
}

/** What the operator is told to do when the file is damaged. */
export const EVENT_STORE_DAMAGE_REMEDY =
  'It is the system of record: nothing else holds the events. Stop the server and restore the last backup: ' +
  '`npm run restore -- --from <backup folder>` (events recorded after that backup are lost; ' +
  '`sqlite3 <file> .recover` may salvage some of them first). The read models and sagas are then checked against the restored store.';

interface PendingAppend {
  stream: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Row = [number, string, string, number, string, string, string];

const DEFAULT_RECENT_EVENTS = 4096;

export const EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT    NOT NULL,
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS events_event_id ON events (event_id);
-- 'id': the store's id, made with the file (a copy keeps it): see EventStore.storeId.
CREATE TABLE IF NOT EXISTS store (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

// Data and metadata come as one JSON array, parsed in one call: per event, the second
// JSON.parse call cost about as much as SQLite concatenating the two texts.
const COLUMNS = "position, event_id, stream, revision, type, '[' || data || ',' || metadata || ']', recorded_at";

/**
 * The embedded default: one SQLite file in WAL mode.
 *
 * Group commit: appends that arrive while the previous batch is being committed (or within
 * one event-loop turn) are written in one transaction (one fsync) by the writer thread
 * (append-writer.ts), and every caller is resolved only once that transaction is durable. A
 * caller whose expected revision does not match is rejected alone: the check happens before
 * any of its rows are written. This connection reads.
 *
 * Positions are the AUTOINCREMENT rowid, assigned inside the write transaction while the
 * writer holds SQLite's write lock, so commits become visible in position order and a
 * reader can never see a later position before an earlier one.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly signal = new AppendSignal();
  private pending: PendingAppend[] = [];
  private readonly recent: RecentEvents;
  private flushScheduled = false;
  /** Batches sent to the writer thread and not yet answered, and the last one's settling. */
  private inFlight = 0;
  /** Events in the batches sent and not answered: the file may hold them before RecentEvents does. */
  private unsettled = 0;
  private lastSent: Promise<void> = Promise.resolve();
  private readonly appendWriter: AppendWriter;
  private lastNotifiedHead: Position;
  private watcher: FSWatcher | undefined;
  private closed = false;
  /** readAll's query per filter (its SQL), each per limit. */
  private readonly readAllStatements = new Map<string, LimitedStatements>();
  private readonly walLimit: WalLimit;
  private readonly file: StoreFile;
  private readonly id: string;
  /** With `soleWriter`: the head and the streams' revisions, known without asking the file. */
  private readonly known: KnownStreams | undefined;

  private readonly stmt: {
    head: Database.Statement<[], { p: number | null }>;
    at: Database.Statement<[number]>;
    streamForwards: LimitedStatements;
    streamBackwards: LimitedStatements;
  };

  constructor(private readonly options: SqliteEventStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.file = new StoreFile(options.path, EVENT_STORE_DAMAGE_REMEDY);
    this.recent = new RecentEvents(options.recentEvents ?? DEFAULT_RECENT_EVENTS);
    this.db = new Database(options.path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      this.db.pragma('busy_timeout = 10000');
      if (options.checkOnOpen ?? true) this.file.check(this.db);
      this.walLimit = new WalLimit(this.db, `${options.path}-wal`, options.walLimitBytes);
      this.db.exec(EVENTS_SCHEMA);
      this.db.prepare("INSERT OR IGNORE INTO store (key, value) VALUES ('id', ?)").run(randomUUID());
      this.id = this.db.prepare<[], { value: string }>("SELECT value FROM store WHERE key = 'id'").get()!.value;
    } catch (error) {
      this.db.close();
      throw this.file.failure(error);
    }
    this.stmt = {
      head: this.db.prepare('SELECT MAX(position) AS p FROM events'),
      at: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position = ?`).raw(true),
      streamForwards: new LimitedStatements((limit) =>
        this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision${limit}`).raw(true),
      ),
      streamBackwards: new LimitedStatements((limit) =>
        this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC${limit}`).raw(true),
      ),
    };
    try {
      this.lastNotifiedHead = this.headSync();
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.known = options.soleWriter ? new KnownStreams(this.lastNotifiedHead) : undefined;
    if (!options.soleWriter && (options.watchOtherWriters ?? true)) this.watchWal();
    // Started now, not at the first append: a thread takes about 130 ms to start and open the
    // file, and the first appends of a new store waited that long (the live-lag bench's p99).
    this.appendWriter = new AppendWriter(options.path, [
      'busy_timeout = 10000',
      `synchronous = ${options.synchronous ?? 'FULL'}`,
      journalSizeLimit(options.walLimitBytes),
    ]);
  }

  appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, events, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const recordedAt = new Date().toISOString();
    const wire = batch.map((append) => toWire(append, recordedAt));
    const events = wire.reduce((n, append) => n + append.ids.length, 0);
    if (this.known) for (const append of batch) this.known.sending(append.stream);
    this.inFlight++;
    this.unsettled += events;
    this.lastSent = this.appendWriter
      .write(wire)
      .then(
        (commit) => {
          this.unsettled -= events;
          this.settle(batch, wire, commit);
        },
        (error: unknown) => {
          this.unsettled -= events;
          // The transaction rolled back (I/O error, disk full…): nobody's events were written.
          const failure = this.file.failure(error);
          for (const append of batch) {
            this.known?.answered(append.stream, undefined);
            append.reject(failure);
          }
          // Readers answered from RecentEvents meanwhile read the file again (another process may have appended).
          this.signal.notify();
        },
      )
      .finally(() => {
        this.inFlight--;
      });
  }

  private settle(batch: PendingAppend[], wire: WireAppend[], { headBefore, outcomes }: WireCommit): void {
    const appended: RecordedEvent[] = [];
    batch.forEach((append, i) => {
      const outcome = outcomes[i]!;
      if ('written' in outcome) {
        const { first, revision } = outcome.written;
        const { ids, types, data, metadata, recordedAt } = wire[i]!;
        const n = ids.length;
        // Parsed from the text stored, as a read of the row would be.
        for (let k = 0; k < n; k++) appended.push(toHeld([first + k, ids[k]!, append.stream, revision - n + 1 + k, types[k]!, `[${data[k]},${metadata[k]}]`, recordedAt]));
        if (this.known) {
          this.known.answered(append.stream, revision);
          this.known.head = Math.max(this.known.head, first + n - 1);
        }
        append.resolve({ nextExpectedRevision: revision, position: first + n - 1 });
      } else if ('repeat' in outcome) {
        this.known?.answered(append.stream, undefined);
        append.resolve({ nextExpectedRevision: outcome.repeat.revision, position: outcome.repeat.position });
      } else {
        const { current } = outcome.conflict;
        this.known?.answered(append.stream, current);
        append.reject(new WrongExpectedVersion(append.stream, append.expected, current === -1 ? 'no_stream' : current));
      }
    });
    this.recent.add(headBefore, appended);
    this.wakeSubscribers();
    // Each append dirties a table page and two index pages, about 4 KiB each. The writer's
    // commits checkpoint as SQLite does by default; this connection empties a WAL that outgrew
    // its bound anyway (waiting, at most once a second, for the batch being committed).
    this.walLimit.afterCommit(batch.length * 3 * 4096);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const forwards = options.direction !== 'backwards';
    if (forwards && this.known?.endsBefore(stream, options.fromRevision ?? 0)) return [];
    try {
      const rows = (
        forwards
          ? this.stmt.streamForwards.limitedTo(options.maxCount).all(stream, options.fromRevision ?? 0)
          : this.stmt.streamBackwards.limitedTo(options.maxCount).all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER)
      ) as Row[];
      // Read to its end: the last row is the stream's last revision (none: it ends before `fromRevision`).
      const toEnd = forwards && (options.maxCount === undefined || options.maxCount < 0 || rows.length < options.maxCount);
      if (this.known && toEnd && (rows.length > 0 || (options.fromRevision ?? 0) === 0)) this.known.read(stream, rows.length > 0 ? rows[rows.length - 1]![3] : -1);
      return rows.map(toRecorded);
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options);
  }

  private readAllSync(options: ReadAllOptions): RecordedEvent[] {
    const held = this.recent.read(options.fromPosition ?? START, options.maxCount, options.filter, () => this.head(), this.unsettled);
    if (held) return held;
    const { sql, params } = filterSql(options.filter);
    let statements = this.readAllStatements.get(sql);
    if (!statements) {
      statements = new LimitedStatements((limit) => this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ?${sql} ORDER BY position${limit}`).raw(true));
      this.readAllStatements.set(sql, statements);
    }
    try {
      const rows = statements.limitedTo(options.maxCount).all(options.fromPosition ?? START, ...params) as Row[];
      return rows.map(toRecorded);
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    return catchUpSubscription(
      { readAll: (o) => this.readAll(o), headPosition: () => this.headPosition(), signal: this.signal },
      options,
    );
  }

  /** Without this process's events whose commit is not answered yet: readAll does not return them either. */
  async headPosition(): Promise<Position> {
    return this.recent.visibleHead(this.head(), this.unsettled);
  }

  async eventAt(position: Position): Promise<RecordedEvent | undefined> {
    try {
      const row = this.stmt.at.get(position) as Row | undefined;
      return row && toRecorded(row);
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  async storeId(): Promise<string> {
    return this.id;
  }

  /** The durability settings of its connections (this one, which reads, and the writer's), as each reports them. */
  async durability(): Promise<ConnectionDurability[]> {
    return [durabilityOf(this.db, 'main'), ...(await this.appendWriter.durability())];
  }

  /** Also fails once a read or write has found the file damaged. */
  async ping(): Promise<void> {
    this.file.assertSound();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already made are committed (and answered) first.
    this.flush();
    await this.lastSent;
    this.watcher?.close();
    this.signal.notify();
    await this.appendWriter.close();
    this.db.close();
  }

  /** The position of the last event in the file (with `soleWriter`, known without asking it). */
  private head(): Position {
    return this.known ? this.known.head : this.headSync();
  }

  private headSync(): Position {
    try {
      return this.stmt.head.get()!.p ?? START;
    } catch (error) {
      throw this.file.failure(error);
    }
  }

  private wakeSubscribers(): void {
    this.lastNotifiedHead = this.head();
    this.signal.notify();
  }

  // Another process (a seeding script, a second worker) may append to the same file.
  private watchWal(): void {
    try {
      this.watcher = watch(`${this.options.path}-wal`, () => {
        // While the writer thread commits, its own writes change the file: its answer wakes them.
        if (this.closed || this.inFlight > 0) return;
        if (this.headSync() > this.lastNotifiedHead) this.wakeSubscribers();
      });
      this.watcher.unref();
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No WAL file yet or no inotify: in-process appends still wake subscribers.
    }
  }
}

function toWire({ stream, events, expected }: PendingAppend, recordedAt: string): WireAppend {
  return {
    stream,
    expected,
    ids: events.map((e) => e.id ?? randomUUID()),
    given: events.map((e) => e.id !== undefined),
    types: events.map((e) => e.type),
    data: events.map((e) => JSON.stringify(e.data)),
    metadata: events.map((e) => JSON.stringify(e.metadata)),
    recordedAt,
  };
}

function toRecorded(row: Row): RecordedEvent {
  const [data, metadata] = JSON.parse(row[5]) as [RecordedEvent['data'], RecordedEvent['metadata']];
  return {
    position: row[0],
    id: row[1],
    stream: row[2],
    revision: row[3],
    type: row[4],
    data,
    metadata,
    recordedAt: row[6],
  };
}

/**
 * toRecorded for the events RecentEvents keeps. V8 decides per object literal whether to
 * allocate straight into the old generation, from how many of its objects survive. The held
 * events all survive; read pages die young. When both came from one literal, every page that
 * readAll and readStream parsed went to the old generation, and readAll lost a quarter of its
 * speed to major GCs (bench: read_all_ratio 0.47 after appends, 0.63 without).
 */
function toHeld(row: Row): RecordedEvent {
  return { ...toRecorded(row) }; // a literal of its own; the one toRecorded made dies young
}

function filterSql(filter: EventFilter | undefined): { sql: string; params: (string | number)[] } {
  if (!filter) return { sql: '', params: [] };
  let sql = '';
  const params: (string | number)[] = [];
  if (filter.eventTypes) {
    sql += ` AND type IN (${filter.eventTypes.map(() => '?').join(', ') || 'NULL'})`;
    params.push(...filter.eventTypes);
  }
  if (filter.streamPrefixes) {
    const clauses = filter.streamPrefixes.map(() => 'substr(stream, 1, ?) = ?');
    sql += ` AND (${clauses.join(' OR ') || '0'})`;
    for (const p of filter.streamPrefixes) params.push(p.length, p);
  }
  return { sql, params };
}
