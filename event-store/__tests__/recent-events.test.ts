import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFilter, EventMetadata, NewEvent } from '../port';
import { RecentEvents } from '../recent-events';
import { SqliteEventStore } from '../sqlite';

const STREAMS = ['ticket-1', 'ticket-2', 'visit-1', 'expert-1'];
const TYPES = ['Opened', 'Moved', 'Closed'];

const metadata = (n: number): EventMetadata => ({ correlationId: `c-${n}`, causationId: null, actor: { userId: 'u-1', role: 'admin' }, timestamp: '2026-01-01T00:00:00.000Z', commandId: `c-${n}` });
const newEvent = (type: string, n: number): NewEvent => ({ type, data: { n, nested: { list: [n] } }, metadata: metadata(n) });

describe('recent events: the latest appends, parsed once and shared by readers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'recent-events-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers every read exactly as the file does, whoever appended (fast-check)', async () => {
    const append = fc.record({ writer: fc.constantFrom(0, 1), stream: fc.constantFrom(...STREAMS), types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }) });
    const filter: fc.Arbitrary<EventFilter | undefined> = fc.option(
      fc.record({ eventTypes: fc.option(fc.subarray(TYPES), { nil: undefined }), streamPrefixes: fc.option(fc.subarray(['ticket-', 'visit-']), { nil: undefined }) }),
      { nil: undefined },
    );
    const read = fc.record({ back: fc.nat(12), maxCount: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), filter });
    const step = fc.oneof(append.map((a) => ({ append: a })), read.map((r) => ({ read: r })));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const path = join(dir, `events-${run++}.db`);
        // Two processes' worth of writers on one file, each with its recent events (a small
        // capacity, so they drop some); the reference reads the file only.
        const writers = [new SqliteEventStore({ path, recentEvents: 4 }), new SqliteEventStore({ path, recentEvents: 4 })];
        const file = new SqliteEventStore({ path, recentEvents: 0 });
        try {
          let n = 0;
          for (const s of steps) {
            if ('append' in s) {
              await writers[s.append.writer]!.appendToStream(s.append.stream, s.append.types.map((t) => newEvent(t, n++)));
              continue;
            }
            const head = await file.headPosition();
            const options = { fromPosition: Math.max(0, head - s.read.back), ...(s.read.maxCount !== undefined ? { maxCount: s.read.maxCount } : {}), ...(s.read.filter ? { filter: s.read.filter } : {}) };
            const expected = await file.readAll(options);
            for (const writer of writers) expect(await writer.readAll(options)).toEqual(expected);
          }
        } finally {
          for (const store of [...writers, file]) await store.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('hands out frozen events, so a reader cannot change what the next one reads', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    try {
      await store.appendToStream('ticket-1', [newEvent('Opened', 1)]);
      const [first] = await store.readAll({ fromPosition: 0 });
      expect(Object.isFrozen(first!.data)).toBe(true);
      expect(() => ((first!.data as { nested: { list: number[] } }).nested.list as number[]).push(2)).toThrow(TypeError);
      const [again] = await store.readAll({ fromPosition: 0 });
      expect(again!.data).toEqual({ n: 1, nested: { list: [1] } });
    } finally {
      await store.close();
    }
  });

  it('keeps what was committed only: an append refused for its expected revision adds nothing', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    const file = new SqliteEventStore({ path: join(dir, 'events.db'), recentEvents: 0 });
    try {
      await store.appendToStream('ticket-1', [newEvent('Opened', 1)]);
      await expect(store.appendToStream('ticket-1', [newEvent('Moved', 2)], { expectedRevision: 'no_stream' })).rejects.toThrow();
      await store.appendToStream('ticket-2', [newEvent('Opened', 3)]);
      expect(await store.readAll({ fromPosition: 0 })).toEqual(await file.readAll({ fromPosition: 0 }));
    } finally {
      await store.close();
      await file.close();
    }
  });

  it("while the writer's answer is on its way, readers see what was answered, from memory, and miss nothing", async () => {
    const path = join(dir, 'events.db');
    const store = new SqliteEventStore({ path });
    const file = new Database(path, { readonly: true });
    const fileHead = () => (file.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number }).p;
    try {
      await store.appendToStream('ticket-1', [newEvent('Opened', 1), newEvent('Moved', 2)]);
      const before = await store.readAll({ fromPosition: 0 });
      const appending = store.appendToStream('ticket-2', [newEvent('Opened', 3)]);
      await new Promise((resolve) => setImmediate(resolve)); // the batch goes to the writer thread
      // Blocking: the writer commits, but its answer cannot be handled until this turn ends.
      const until = Date.now() + 10_000;
      while (fileHead() < 3 && Date.now() < until);
      expect(fileHead()).toBe(3);
      const during = await store.readAll({ fromPosition: 0 });
      expect(during.map((e) => e.position)).toEqual([1, 2]);
      expect(during[0]).toBe(before[0]); // held, not read from the file again
      expect(await store.headPosition()).toBe(2); // the same view: a subscriber skips nothing
      const subscription = store.subscribeToAll({ fromPosition: 2 });
      const next = subscription[Symbol.asyncIterator]().next();
      await appending;
      const timeout = new Promise((resolve) => setTimeout(() => resolve('nothing within 5 s'), 5000));
      expect(await Promise.race([next.then((r) => (r.value as { position: number }).position), timeout])).toBe(3);
      await subscription.stop();
      expect((await store.readAll({ fromPosition: 0 })).map((e) => e.position)).toEqual([1, 2, 3]);
    } finally {
      file.close();
      await store.close();
    }
  });

  it('does not answer for positions before what it holds, nor once the head moved past it', () => {
    const recent = new RecentEvents(2);
    const event = (position: number) => ({ position, id: `e${position}`, stream: 's', revision: position, type: 'T', data: {}, metadata: metadata(position), recordedAt: '2026-01-01T00:00:00.000Z' });
    recent.add(10, [event(11), event(12)]);
    expect(recent.read(9, undefined, undefined, () => 12)).toBeUndefined();
    expect(recent.read(10, undefined, undefined, () => 12)?.map((e) => e.position)).toEqual([11, 12]);
    expect(recent.read(11, 1, undefined, () => 12)?.map((e) => e.position)).toEqual([12]);
    expect(recent.read(12, undefined, undefined, () => 13)).toBeUndefined();
    // Appended on top of another writer's head: starts over from there.
    recent.add(13, [event(14)]);
    expect(recent.read(12, undefined, undefined, () => 14)).toBeUndefined();
    expect(recent.read(13, undefined, undefined, () => 14)?.map((e) => e.position)).toEqual([14]);
  });

  it("answers while the head is ahead by this process's unsettled events only, and shows readers the head it answers for", () => {
    const recent = new RecentEvents(4);
    const event = (position: number) => ({ position, id: `e${position}`, stream: 's', revision: position, type: 'T', data: {}, metadata: metadata(position), recordedAt: '2026-01-01T00:00:00.000Z' });
    recent.add(10, [event(11), event(12)]);
    expect(recent.read(10, undefined, undefined, () => 14, 2)?.map((e) => e.position)).toEqual([11, 12]);
    expect(recent.read(10, undefined, undefined, () => 15, 2)).toBeUndefined(); // another process appended too
    expect(recent.read(10, undefined, undefined, () => 11, 2)).toBeUndefined(); // the file is behind what is held
    expect(recent.visibleHead(14, 2)).toBe(12);
    expect(recent.visibleHead(12, 0)).toBe(12);
    expect(recent.visibleHead(15, 2)).toBe(15);
    expect(recent.visibleHead(11, 2)).toBe(11);
    expect(new RecentEvents(4).visibleHead(14, 2)).toBe(14); // holds nothing yet
  });
});
