/**
 * One conformance suite for every event store adapter. Each adapter's test file calls
 * `describeEventStoreConformance` with a harness that opens (and, for durable adapters,
 * reopens) a store. Tests use stream names unique to the run and only look at $all after the
 * head they saw at their start, so the suite also runs against a shared EventStoreDB server.
 */
import { randomUUID } from 'node:crypto';
import {
  EventStore,
  NewEvent,
  Position,
  RecordedEvent,
  WrongExpectedVersion,
} from './port';

export interface EventStoreHarness {
  open(): Promise<EventStore>;
  /** A new store instance over the same data, as after a process restart. */
  reopen(previous: EventStore): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export function newEvent(type = 'Happened', data: unknown = {}, id?: string): NewEvent {
  return {
    ...(id ? { id } : {}),
    type,
    data,
    metadata: {
      correlationId: 'corr-1',
      causationId: null,
      actor: { userId: 'tester', role: 'system' },
      timestamp: '2026-01-01T00:00:00.000Z',
    },
  };
}

async function collect(
  store: EventStore,
  fromPosition: Position,
  count: number,
  keep: (e: RecordedEvent) => boolean,
  options: { stopAfter?: boolean; filter?: { eventTypes?: string[]; streamPrefixes?: string[] } } = {},
): Promise<RecordedEvent[]> {
  const subscription = store.subscribeToAll({ fromPosition, ...(options.filter ? { filter: options.filter } : {}) });
  const seen: RecordedEvent[] = [];
  for await (const event of subscription) {
    if (keep(event)) seen.push(event);
    if (seen.length >= count) break;
  }
  await subscription.stop();
  return seen;
}

export function describeEventStoreConformance(name: string, harness: () => EventStoreHarness): void {
  describe(`event store conformance: ${name}`, () => {
    let h: EventStoreHarness;
    let store: EventStore;
    let run: string;
    const s = (suffix: string) => `conf${run}_${suffix}`;

    beforeEach(async () => {
      h = harness();
      store = await h.open();
      run = randomUUID().slice(0, 8);
    });

    afterEach(async () => {
      await store.close();
      await h.cleanup();
    });

    describe('expected revision', () => {
      it('no_stream: creates a stream at revision 0, then rejects a second create', async () => {
        const first = await store.appendToStream(s('a'), [newEvent()], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0);
        expect(first.position).toBeGreaterThan(0);
        const error = await store
          .appendToStream(s('a'), [newEvent()], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ stream: s('a'), expected: 'no_stream', actual: 0 });
      });

      it('stream_exists: rejects a missing stream, accepts an existing one', async () => {
        const error = await store
          .appendToStream(s('b'), [newEvent()], { expectedRevision: 'stream_exists' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ stream: s('b'), expected: 'stream_exists', actual: 'no_stream' });
        await store.appendToStream(s('b'), [newEvent()]);
        const ok = await store.appendToStream(s('b'), [newEvent()], { expectedRevision: 'stream_exists' });
        expect(ok.nextExpectedRevision).toBe(1);
      });

      it('any: appends whatever the stream state', async () => {
        expect((await store.appendToStream(s('c'), [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.appendToStream(s('c'), [newEvent(), newEvent()])).nextExpectedRevision).toBe(2);
      });

      it('exact revision: accepts the current revision, rejects a stale or future one', async () => {
        await store.appendToStream(s('d'), [newEvent(), newEvent()]);
        const ok = await store.appendToStream(s('d'), [newEvent()], { expectedRevision: 1 });
        expect(ok.nextExpectedRevision).toBe(2);
        for (const stale of [1, 5]) {
          const error = await store
            .appendToStream(s('d'), [newEvent()], { expectedRevision: stale })
            .catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WrongExpectedVersion);
          expect(error).toMatchObject({ stream: s('d'), expected: stale, actual: 2 });
        }
        const missing = await store
          .appendToStream(s('d-missing'), [newEvent()], { expectedRevision: 0 })
          .catch((e: unknown) => e);
        expect(missing).toMatchObject({ expected: 0, actual: 'no_stream' });
        expect(await store.readStream(s('d'))).toHaveLength(3);
      });
    });

    describe('idempotent appends', () => {
      it('re-appending events with the same ids writes nothing and reports the same result', async () => {
        const batch = [newEvent('A', { n: 1 }, randomUUID()), newEvent('B', { n: 2 }, randomUUID())];
        const first = await store.appendToStream(s('idem'), batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(s('idem'), batch, { expectedRevision: 'no_stream' });
        const anyAgain = await store.appendToStream(s('idem'), batch, { expectedRevision: 'any' });
        expect(again).toEqual(first);
        expect(anyAgain).toEqual(first);
        expect(await store.readStream(s('idem'))).toHaveLength(2);
      });

      it('a batch that is only partly there is a conflict, and writes nothing', async () => {
        const known = newEvent('A', {}, randomUUID());
        await store.appendToStream(s('partial'), [known]);
        const error = await store
          .appendToStream(s('partial'), [known, newEvent('B', {}, randomUUID())], { expectedRevision: 'any' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(await store.readStream(s('partial'))).toHaveLength(1);
      });
    });

    describe('reading', () => {
      it('records type, data, metadata, id, revision and position', async () => {
        const id = randomUUID();
        const event = newEvent('TicketOpened', { ticketId: 't1', nested: { list: [1, 'two', null] } }, id);
        const result = await store.appendToStream(s('rt'), [event]);
        const [read] = await store.readStream(s('rt'));
        expect(read).toMatchObject({ id, stream: s('rt'), revision: 0, type: 'TicketOpened', data: event.data });
        expect(read!.metadata).toEqual(event.metadata);
        expect(new Date(read!.recordedAt).getTime()).not.toBeNaN();
        const [fromAll] = (await store.readAll({ fromPosition: result.position - 1 })).filter((e) => e.id === id);
        expect(fromAll?.position).toBe(result.position);
      });

      it('readStream: forwards, backwards, from a revision, with a max count; [] when missing', async () => {
        await store.appendToStream(
          s('rs'),
          [0, 1, 2, 3, 4].map((n) => newEvent('N', { n })),
        );
        const ns = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
        expect(ns(await store.readStream(s('rs')))).toEqual([0, 1, 2, 3, 4]);
        expect(ns(await store.readStream(s('rs'), { fromRevision: 2 }))).toEqual([2, 3, 4]);
        expect(ns(await store.readStream(s('rs'), { fromRevision: 1, maxCount: 2 }))).toEqual([1, 2]);
        expect(ns(await store.readStream(s('rs'), { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
        expect(ns(await store.readStream(s('rs'), { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual([3, 2]);
        expect(await store.readStream(s('nope'))).toEqual([]);
      });

      it('readAll: global order, exclusive fromPosition, maxCount and filters', async () => {
        const head = await store.headPosition();
        await store.appendToStream(s('x'), [newEvent('Alpha', { i: 0 })]);
        await store.appendToStream(s('y'), [newEvent('Beta', { i: 1 }), newEvent('Alpha', { i: 2 })]);
        await store.appendToStream(s('x'), [newEvent('Beta', { i: 3 })]);
        const mine = (events: RecordedEvent[]) => events.filter((e) => e.stream.startsWith(`conf${run}_`));
        const all = mine(await store.readAll({ fromPosition: head }));
        expect(all.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3]);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        const afterFirst = mine(await store.readAll({ fromPosition: all[0]!.position }));
        expect(afterFirst.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));
        expect(await store.readAll({ fromPosition: all[0]!.position, maxCount: 2 })).toHaveLength(2);
        const alphas = mine(await store.readAll({ fromPosition: head, filter: { eventTypes: ['Alpha'] } }));
        expect(alphas.map((e) => (e.data as { i: number }).i)).toEqual([0, 2]);
        const ys = await store.readAll({ fromPosition: head, filter: { streamPrefixes: [s('y')] } });
        expect(ys.map((e) => (e.data as { i: number }).i)).toEqual([1, 2]);
        const both = await store.readAll({ fromPosition: head, filter: { streamPrefixes: [s('y')], eventTypes: ['Beta'] } });
        expect(both.map((e) => (e.data as { i: number }).i)).toEqual([1]);
        expect(await store.headPosition()).toBe(all[all.length - 1]!.position);
      });

      it('eventAt: the event at exactly a position; nothing at START or past the head', async () => {
        const head = await store.headPosition();
        await store.appendToStream(s('at'), [newEvent('First', { n: 1 }), newEvent('Second', { n: 2 })]);
        const [first, second] = (await store.readAll({ fromPosition: head })).filter((e) => e.stream === s('at'));
        expect(await store.eventAt(first!.position)).toEqual(first);
        expect(await store.eventAt(second!.position)).toEqual(second);
        expect(await store.eventAt(0)).toBeUndefined();
        expect(await store.eventAt(second!.position + 1_000_000)).toBeUndefined();
      });
    });

    describe('identity', () => {
      it('storeId: made with the store, the same after a reopen', async () => {
        const id = await store.storeId();
        expect(id).toMatch(/\S{8,}/);
        expect(await store.storeId()).toBe(id);
        store = await h.reopen(store);
        expect(await store.storeId()).toBe(id);
      });
    });

    describe('concurrency', () => {
      it('N appenders with the same expected revision: exactly one wins', async () => {
        await store.appendToStream(s('race1'), [newEvent()]);
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) => store.appendToStream(s('race1'), [newEvent('Try', { i })], { expectedRevision: 0 })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(losers).toHaveLength(15);
        for (const l of losers) expect(l.reason).toBeInstanceOf(WrongExpectedVersion);
        expect(await store.readStream(s('race1'))).toHaveLength(2);
      });

      it('N appenders racing on one stream with retries: no lost or duplicated events', async () => {
        const appenders = 8;
        const perAppender = 10;
        await Promise.all(
          Array.from({ length: appenders }, async (_, a) => {
            for (let k = 0; k < perAppender; k++) {
              for (;;) {
                const last = await store.readStream(s('race2'), { direction: 'backwards', maxCount: 1 });
                const expectedRevision = last.length === 0 ? ('no_stream' as const) : last[0]!.revision;
                try {
                  await store.appendToStream(s('race2'), [newEvent('Counted', { a, k })], { expectedRevision });
                  break;
                } catch (error) {
                  if (!(error instanceof WrongExpectedVersion)) throw error;
                }
              }
            }
          }),
        );
        const events = await store.readStream(s('race2'));
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: appenders * perAppender }, (_, i) => i));
        const keys = new Set(events.map((e) => JSON.stringify(e.data)));
        expect(keys.size).toBe(appenders * perAppender);
      });

      it('global positions strictly increase across concurrent appends to many streams', async () => {
        const head = await store.headPosition();
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => store.appendToStream(s(`many-${i % 7}`), [newEvent('E', { i })])),
        );
        expect(new Set(results.map((r) => r.position)).size).toBe(40);
        const all = (await store.readAll({ fromPosition: head })).filter((e) => e.stream.startsWith(`conf${run}_`));
        expect(all).toHaveLength(40);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      });
    });

    describe('subscriptions', () => {
      const mine = (e: RecordedEvent) => e.stream.startsWith(`conf${run}_`);

      it('catches up, then goes live: every event exactly once, in global order', async () => {
        const head = await store.headPosition();
        for (let i = 0; i < 5; i++) await store.appendToStream(s(`sub-${i % 2}`), [newEvent('Before', { i })]);
        const received = collect(store, head, 25, mine);
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.appendToStream(s(`sub-${i % 3}`), [newEvent('Live', { i })])),
        );
        const events = await received;
        const expected = (await store.readAll({ fromPosition: head })).filter(mine);
        expect(events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        expect(new Set(events.map((e) => e.id)).size).toBe(25);
      });

      it('filters by event type and by stream prefix', async () => {
        const head = await store.headPosition();
        const byType = collect(store, head, 2, () => true, { filter: { eventTypes: [`Wanted${run}`] } });
        const byStream = collect(store, head, 2, () => true, { filter: { streamPrefixes: [s('pick-')] } });
        await store.appendToStream(s('other'), [newEvent('Unwanted')]);
        await store.appendToStream(s('pick-1'), [newEvent(`Wanted${run}`, { n: 1 })]);
        await store.appendToStream(s('other'), [newEvent(`Wanted${run}`, { n: 2 })]);
        await store.appendToStream(s('pick-2'), [newEvent('Unwanted')]);
        expect((await byType).map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
        expect((await byStream).map((e) => e.stream)).toEqual([s('pick-1'), s('pick-2')]);
      });

      it('stop() ends a live subscription that is waiting for events', async () => {
        const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
        const iterator = subscription[Symbol.asyncIterator]();
        const next = iterator.next();
        await new Promise((r) => setTimeout(r, 20));
        await subscription.stop();
        await expect(next).resolves.toMatchObject({ done: true });
      });

      it('resumes after a restart from its saved position: nothing lost, nothing twice', async () => {
        const head = await store.headPosition();
        for (let i = 0; i < 10; i++) await store.appendToStream(s(`resume-${i % 3}`), [newEvent('E', { i })]);
        const firstHalf = await collect(store, head, 4, mine);
        const checkpoint = firstHalf[firstHalf.length - 1]!.position;

        store = await h.reopen(store);
        const rest = collect(store, checkpoint, 8, mine);
        for (let i = 10; i < 12; i++) await store.appendToStream(s(`resume-${i % 3}`), [newEvent('E', { i })]);
        const seen = [...firstHalf, ...(await rest)].map((e) => (e.data as { i: number }).i);
        expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i));
      });
    });
  });
}
