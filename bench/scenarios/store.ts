import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventMetadata } from '../../event-store/port';
import { EVENTS_SCHEMA, SqliteEventStore } from '../../event-store/sqlite';
import { StreamCategory, streamName } from '../../event-store/streams';
import { Metric, perSecond, ratio, Scenario } from '../harness';

// A realistic payload: roughly the size of a TicketOpened event.
export const sampleData = {
  ticketId: 't-00000000-0000-0000-0000-000000000000',
  customerId: 'c-00000000-0000-0000-0000-000000000000',
  applianceModelId: 'whirlpool-wfw5620hw',
  problem: 'Washer stops mid-cycle and shows error F21; water does not drain.',
  priority: 'normal',
};
export const sampleMetadata: EventMetadata = {
  correlationId: '7d1c3a1e-1111-4c4c-9a9a-000000000000',
  causationId: '7d1c3a1e-2222-4c4c-9a9a-000000000000',
  actor: { userId: 'u-bench', role: 'customer' },
  timestamp: '2026-01-01T00:00:00.000Z',
};

const RAW_APPEND_EVENTS = 100_000;
const CONCURRENT_CALLERS = 64;
const CONCURRENT_EVENTS_PER_CALLER = 500;
const READ_EVENTS = 200_000;
const READ_ROUNDS = 3;

/** Fills a database with `count` events through plain inserts, `batch` per transaction. */
export function rawInsert(path: string, count: number, batch: number, tick: (n: number) => void = () => undefined): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(EVENTS_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const data = JSON.stringify(sampleData);
  const metadata = JSON.stringify(sampleMetadata);
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(randomUUID(), streamName(StreamCategory.ticket, String(i)), 0, 'TicketOpened', data, metadata, '2026-01-01T00:00:00.000Z');
  });
  for (let i = 0; i < count; i += batch) {
    write(i, Math.min(count, i + batch));
    tick(Math.min(batch, count - i));
  }
  db.close();
}

export const storeScenario: Scenario = {
  name: 'store',
  async run(ctx) {
    const metrics: Metric[] = [];

    // 1. The physical reference: plain inserts, 100 per transaction, synchronous=FULL.
    let bar = ctx.progress('raw inserts, batches of 100', RAW_APPEND_EVENTS);
    let start = process.hrtime.bigint();
    rawInsert(join(ctx.dir, 'raw.db'), RAW_APPEND_EVENTS, 100, (n) => bar.tick(n));
    const raw = { name: 'store.raw_batch100_append', value: perSecond(RAW_APPEND_EVENTS, start), unit: 'events/s', note: 'plain better-sqlite3, 100 events/transaction, synchronous=FULL' };
    bar.done();
    metrics.push(raw);

    // 2. The adapter under 64 concurrent callers, each appending single events to its own stream.
    const store = new SqliteEventStore({ path: join(ctx.dir, 'adapter.db'), synchronous: 'FULL' });
    const total = CONCURRENT_CALLERS * CONCURRENT_EVENTS_PER_CALLER;
    bar = ctx.progress('adapter appends, 64 concurrent callers', total);
    start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENT_CALLERS }, async (_, caller) => {
        for (let k = 0; k < CONCURRENT_EVENTS_PER_CALLER; k++) {
          await store.appendToStream(streamName(StreamCategory.ticket, String(caller)), [{ type: 'TicketOpened', data: sampleData, metadata: sampleMetadata }], {
            expectedRevision: k === 0 ? 'no_stream' : k - 1,
          });
          bar.tick();
        }
      }),
    );
    const concurrent = { name: 'store.append_concurrent64', value: perSecond(total, start), unit: 'events/s', note: 'SQLite adapter, group commit, exact expected revisions' };
    bar.done();
    await store.close();
    metrics.push(concurrent, ratio('store.group_commit_ratio', concurrent, raw, 'append_concurrent64 / raw_batch100_append (target >= 0.3)'));

    // 3. Reading everything: a plain scan vs. the adapter's readAll in pages.
    const readPath = join(ctx.dir, 'read.db');
    bar = ctx.progress('filling 200k events to read', READ_EVENTS);
    rawInsert(readPath, READ_EVENTS, 1000, (n) => bar.tick(n));
    bar.done();

    // Each measured READ_ROUNDS times, alternately (this machine's speed drifts within seconds);
    // the round with the median ratio is reported.
    const db = new Database(readPath, { readonly: true });
    const scan = db.prepare('SELECT * FROM events ORDER BY position').raw(true);
    const reader = new SqliteEventStore({ path: readPath, watchOtherWriters: false });
    const rounds: { raw: number; adapter: number }[] = [];
    for (let round = 1; round <= READ_ROUNDS; round++) {
      start = process.hrtime.bigint();
      let rows = 0;
      for (const row of scan.iterate()) if (row) rows++;
      const raw = perSecond(rows, start);
      bar = ctx.progress(`adapter readAll (${round}/${READ_ROUNDS})`, READ_EVENTS);
      start = process.hrtime.bigint();
      let position = 0;
      let read = 0;
      for (;;) {
        const page = await reader.readAll({ fromPosition: position, maxCount: 1000 });
        if (page.length === 0) break;
        read += page.length;
        position = page[page.length - 1]!.position;
        bar.tick(page.length);
      }
      rounds.push({ raw, adapter: perSecond(read, start) });
      bar.done();
    }
    db.close();
    await reader.close();
    const ratios = rounds.map((r) => r.adapter / r.raw);
    const chosen = rounds[ratios.indexOf([...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!)]!;
    const rawRead = { name: 'store.raw_read_all', value: chosen.raw, unit: 'events/s', note: 'plain full scan, rows as arrays' };
    const adapterRead = {
      name: 'store.read_all',
      value: chosen.adapter,
      unit: 'events/s',
      note: `adapter readAll, pages of 1000, JSON parsed; median of ${READ_ROUNDS} rounds (ratios ${ratios.map((r) => r.toFixed(3)).join(', ')})`,
    };
    metrics.push(rawRead, adapterRead, ratio('store.read_all_ratio', adapterRead, rawRead, 'read_all / raw_read_all (target >= 0.5)'));
    return metrics;
  },
};
