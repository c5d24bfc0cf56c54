import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { DocumentStore } from '../../document-store/port';
import { InMemoryEventStore } from '../../event-store/memory';
import { EventStore, NewEvent } from '../../event-store/port';
import { ReadModels } from '../../read-models/read-models';
import { nonAtomic, readModelDocuments } from '../../testing/projection-specification';
import { activityProjection, DAILY_ACTIVITY } from '../activity/projection';
import { applyBatch } from '../apply';
import { AUDIT_TRAIL, auditTrailProjection } from '../audit-trail/projection';
import { ProjectionEngine } from '../engine';
import { Projection } from '../projection';
import { compareTargets, rebuild, switchTo } from '../rebuild';
import { physicalName, ProjectionRegistry, Target } from '../registry';
import { ProjectionFailed, ProjectionRunner } from '../runner';

function event(type: string, at: string, data: unknown = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'helpdesk' }, timestamp: at },
  };
}

const dump = readModelDocuments;

describe('projections', () => {
  let dir: string;
  let events: EventStore;
  let documents: EmbeddedDocumentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-proj-'));
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
  });
  afterEach(async () => {
    await documents.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(n: number, day = '2026-03-0'): Promise<void> {
    for (let i = 0; i < n; i++) {
      await events.appendToStream(`ticket-${i % 4}`, [event(i % 3 ? 'TicketOpened' : 'TicketCancelled', `${day}${1 + (i % 3)}T10:00:00.000Z`, { i })]);
    }
  }

  it('projects every event once, in batches, and keeps the checkpoint with the documents', async () => {
    await seed(30);
    const engine = new ProjectionEngine(events, documents, [activityProjection, auditTrailProjection], { batchSize: 7 });
    await engine.start();
    expect(await engine.waitFor(await events.headPosition(), { timeoutMs: 5000 })).toBe(true);
    const readModels = new ReadModels(documents, [activityProjection, auditTrailProjection]);
    expect(await (await readModels.collection(AUDIT_TRAIL)).count()).toBe(30);
    const days = await (await readModels.collection(DAILY_ACTIVITY)).aggregate([{ $group: { _id: null, n: { $sum: '$events' } } }]);
    expect(days).toEqual([{ _id: null, n: 30 }]);
    const status = await engine.status();
    expect(status.map((s) => [s.name, s.position, s.lag, s.state])).toEqual([
      ['activity', 30, 0, 'live'],
      ['audit-trail', 30, 0, 'live'],
    ]);

    // Live: new events arrive and are applied; waitFor is the read-your-writes helper.
    const { position } = await events.appendToStream('ticket-9', [event('TicketOpened', '2026-03-05T00:00:00.000Z')]);
    expect(await engine.waitFor(position, { timeoutMs: 5000 })).toBe(true);
    expect(await (await readModels.collection(DAILY_ACTIVITY)).findOne({ _id: 'ticket:2026-03-05' })).toMatchObject({ events: 1 });
    await engine.stop();
  });

  it('resumes from its checkpoint after a restart without applying anything twice', async () => {
    await seed(20);
    let engine = new ProjectionEngine(events, documents, [activityProjection]);
    await engine.start();
    await engine.waitFor(20, { timeoutMs: 5000 });
    await engine.stop();
    await documents.close();

    await seed(10, '2026-04-0');
    documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    engine = new ProjectionEngine(events, documents, [activityProjection]);
    await engine.start();
    expect(await engine.waitFor(30, { timeoutMs: 5000 })).toBe(true);
    const total = await documents.collection(physicalName(DAILY_ACTIVITY, 'v1')).aggregate([{ $group: { _id: null, n: { $sum: '$events' } } }]);
    expect(total).toEqual([{ _id: null, n: 30 }]);
    await engine.stop();
  });

  it('an index added to a projection is created on its live collections at the next start, without a rebuild', async () => {
    await seed(12);
    let engine = new ProjectionEngine(events, documents, [activityProjection]);
    await engine.start();
    await engine.waitFor(12, { timeoutMs: 5000 });
    await engine.stop();
    const withIndex: Projection = {
      ...activityProjection,
      collections: { [DAILY_ACTIVITY]: [...activityProjection.collections[DAILY_ACTIVITY]!, { keys: { events: -1 }, name: 'by_events' }] },
    };
    engine = new ProjectionEngine(events, documents, [withIndex]);
    await engine.start();
    const days = documents.collection(physicalName(DAILY_ACTIVITY, 'v1'));
    const busiest = await documents.explain(() => days.find({}, { sort: { events: -1 }, limit: 1 }));
    // The three days tie at 4 events: the walk reads their whole group, not the collection.
    expect(busiest).toMatchObject({ plans: ['index by_events in sort order'], examined: 3 });
    expect(busiest.result).toEqual([expect.objectContaining({ events: 4 })]);
    expect((await engine.status()).map((s) => [s.suffix, s.role])).toEqual([['v1', 'active']]);
    await engine.stop();
  });

  it('an index a projection retires is dropped from its live collections at the next start, without a rebuild', async () => {
    await seed(12);
    const byEvents = { keys: { events: -1 }, name: 'by_events' } as const;
    const withIndex: Projection = { ...activityProjection, collections: { [DAILY_ACTIVITY]: [...activityProjection.collections[DAILY_ACTIVITY]!, byEvents] } };
    let engine = new ProjectionEngine(events, documents, [withIndex]);
    await engine.start();
    await engine.waitFor(12, { timeoutMs: 5000 });
    await engine.stop();
    const days = documents.collection(physicalName(DAILY_ACTIVITY, 'v1'));
    const busiest = () => documents.explain(() => days.find({}, { sort: { events: -1 }, limit: 1 }));
    expect((await busiest()).plans).toEqual(['index by_events in sort order']);

    engine = new ProjectionEngine(events, documents, [{ ...activityProjection, retiredIndexes: { [DAILY_ACTIVITY]: ['by_events'] } }]);
    await engine.start();
    const after = await busiest();
    expect(after.plans).not.toContain('index by_events in sort order');
    expect(after.result).toEqual([expect.objectContaining({ events: 4 })]);
    // Retiring it again (every later start) is harmless.
    await engine.stop();
    engine = new ProjectionEngine(events, documents, [{ ...activityProjection, retiredIndexes: { [DAILY_ACTIVITY]: ['by_events'] } }]);
    await engine.start();
    expect((await engine.status()).map((s) => [s.suffix, s.role])).toEqual([['v1', 'active']]);
    await engine.stop();
  });

  it('waitFor answers false when the position is not reached in time', async () => {
    const engine = new ProjectionEngine(events, documents, [activityProjection]);
    await engine.start();
    expect(await engine.waitFor(99, { timeoutMs: 50 })).toBe(false);
    await engine.stop();
  });

  it('a failing handler is retried and reported, its batch is all-or-nothing, and other projections carry on', async () => {
    let broken = true;
    const fragile: Projection = {
      name: 'fragile',
      version: 1,
      eventTypes: '*',
      collections: { fragile_docs: [] },
      async handle(e, { collection }) {
        await collection('fragile_docs').insertOne({ _id: e.id, type: e.type });
        if (broken && (e.data as { i: number }).i === 3) throw new Error('cannot project event 3');
      },
    };
    await seed(6);
    const engine = new ProjectionEngine(events, documents, [fragile, activityProjection], { batchSize: 100 });
    await engine.start();
    expect(await engine.waitFor(6, { timeoutMs: 5000, projections: ['activity'] })).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    const [status] = await engine.status();
    expect(status).toMatchObject({ name: 'fragile', state: 'retrying', position: 3, lag: 3 });
    expect(status!.lastError).toMatchObject({ position: 4, type: 'TicketCancelled', message: 'cannot project event 3' });
    // Events before the bad one landed; the bad one's partial write did not.
    expect(await documents.collection(physicalName('fragile_docs', 'v1')).count()).toBe(3);

    broken = false;
    expect(await engine.waitFor(6, { timeoutMs: 5000, projections: ['fragile'] })).toBe(true);
    expect(await documents.collection(physicalName('fragile_docs', 'v1')).count()).toBe(6);
    expect((await engine.status())[0]!.lastError).toBeUndefined();
    await engine.stop();
  });

  it('on a non-atomic store, re-applying a batch (crash before the checkpoint) changes nothing', async () => {
    await seed(12);
    const store = nonAtomic(documents);
    const registry = new ProjectionRegistry(store);
    const target: Target = { name: 'activity', version: 1, suffix: 'v1' };
    await registry.ensureCheckpoint(target, 'live');
    const history = await events.readAll();
    await applyBatch(store, activityProjection, target, history.slice(0, 8));
    const once = await dump(store, activityProjection, 'v1');
    await applyBatch(store, activityProjection, target, history.slice(0, 8));
    expect(await dump(store, activityProjection, 'v1')).toEqual(once);
    await applyBatch(store, activityProjection, target, history.slice(4));
    await applyBatch(store, auditTrailProjection, target, history);
    const total = await store.collection(physicalName(DAILY_ACTIVITY, 'v1')).aggregate([{ $group: { _id: null, n: { $sum: '$events' } } }]);
    expect(total).toEqual([{ _id: null, n: 12 }]);
  });

  describe('on a non-atomic store (the MongoDB path), a crash between the documents and the checkpoint', () => {
    const WRITES = new Set(['insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'bulkWrite']);
    const target: Target = { name: 'activity', version: 1, suffix: 'v1' };

    class Crash extends Error {
      override readonly name = 'Crash';
    }

    /**
     * The process dies at its `crashAt`th write (of documents or checkpoint alike), the write
     * landing or not: from then on nothing it does reaches the store.
     */
    function mortal(store: DocumentStore, crashAt: number, landed: boolean, counted = { writes: 0 }): DocumentStore {
      let dead = false;
      const collection = (inner: ReturnType<DocumentStore['collection']>) =>
        new Proxy(inner, {
          get(target, name) {
            const value = Reflect.get(target, name, target);
            if (typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
              if (dead) throw new Crash('the process died');
              if (WRITES.has(String(name)) && ++counted.writes === crashAt) {
                dead = true;
                if (landed) await value.apply(target, args);
                throw new Crash('the process died');
              }
              return value.apply(target, args);
            };
          },
        });
      return new Proxy(store, {
        get(target, name, receiver) {
          if (name === 'collection') return (n: string) => collection(target.collection(n));
          if (name === 'transaction') return <R>(work: (s: DocumentStore) => Promise<R>) => work(receiver as DocumentStore);
          const value = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    }

    /** Builds the activity read model to the head from its checkpoint (a process start), in batches of 4. */
    async function build(store: DocumentStore): Promise<void> {
      const runner = new ProjectionRunner(events, store, activityProjection, target, { batchSize: 4, stopWhenCaughtUp: true, maxAttempts: 1 });
      await runner.start();
    }

    async function fresh(): Promise<EmbeddedDocumentStore> {
      const store = new EmbeddedDocumentStore({ path: ':memory:' });
      await new ProjectionRegistry(store).ensureCheckpoint(target, 'live');
      return store;
    }

    it('property: wherever it crashes, a restart from the checkpoint loses no batch and applies nothing twice', async () => {
      await seed(30);
      const reference = await fresh();
      const counted = { writes: 0 };
      await build(mortal(nonAtomic(reference), Infinity, false, counted));
      const expected = await dump(reference, activityProjection, 'v1');
      await reference.close();
      expect(counted.writes).toBeGreaterThan(30); // a document write per event, a checkpoint per batch of 4
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: counted.writes }), fc.boolean(), async (crashAt, landed) => {
          const underlying = await fresh();
          try {
            const crashed = await build(mortal(nonAtomic(underlying), crashAt, landed)).then(
              () => false,
              (error: unknown) => {
                if (!(error instanceof ProjectionFailed) || !(error.cause instanceof Crash)) throw error;
                return true;
              },
            );
            expect(crashed).toBe(true);
            await build(nonAtomic(underlying)); // the next process
            expect(await dump(underlying, activityProjection, 'v1')).toEqual(expected);
            expect(await new ProjectionRegistry(underlying).checkpoint(target)).toMatchObject({ position: 30 });
          } finally {
            await underlying.close();
          }
        }),
        { numRuns: 60 },
      );
    });

    it('the checkpoint of a batch is written after its documents, never before (a crash in between would lose the batch)', async () => {
      await seed(8);
      const store = await fresh();
      const order: string[] = [];
      const watched = new Proxy(nonAtomic(store), {
        get(target, name, receiver) {
          if (name === 'transaction') return <R>(work: (s: DocumentStore) => Promise<R>) => work(receiver as DocumentStore);
          if (name !== 'collection') return Reflect.get(target, name, receiver);
          return (n: string) =>
            new Proxy(target.collection(n), {
              get(inner, method) {
                const value = Reflect.get(inner, method, inner);
                if (typeof value !== 'function') return value;
                return (...args: unknown[]) => {
                  if (WRITES.has(String(method))) order.push(n === '_checkpoints' ? 'checkpoint' : 'document');
                  return value.apply(inner, args);
                };
              },
            });
        },
      });
      await applyBatch(watched, activityProjection, target, await events.readAll());
      expect(order.length).toBeGreaterThan(1);
      expect(order.indexOf('checkpoint')).toBe(order.length - 1);
      await store.close();
    });
  });

  it('a version bump rebuilds in the background, the old version serves until the switch, then is dropped', async () => {
    await seed(10);
    let engine = new ProjectionEngine(events, documents, [activityProjection]);
    await engine.start();
    await engine.waitFor(10, { timeoutMs: 5000 });
    await engine.stop();

    const v2: Projection = {
      ...activityProjection,
      version: 2,
      async handle(e, context) {
        await activityProjection.handle(e, context);
        await context.collection(DAILY_ACTIVITY).updateOne({ _id: `${e.stream.split('-')[0]}:${e.metadata.timestamp.slice(0, 10)}` }, { $set: { v: 2 } });
      },
    };
    const readModels = new ReadModels(documents, [v2], { ttlMs: 0 });
    const before = await (await readModels.collection(DAILY_ACTIVITY)).find({});
    expect(before.every((d) => d.v === undefined)).toBe(true);

    engine = new ProjectionEngine(events, documents, [v2], { batchSize: 2, onSwitch: () => readModels.refresh() });
    await engine.start();
    expect(await engine.waitFor(10, { timeoutMs: 5000 })).toBe(true);
    for (let i = 0; i < 50 && (await new ProjectionRegistry(documents).active('activity'))?.version !== 2; i++) await new Promise((r) => setTimeout(r, 10));
    const after = await (await readModels.collection(DAILY_ACTIVITY)).find({});
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((d) => d.v === 2)).toBe(true);
    expect(await documents.listCollections()).not.toContain(physicalName(DAILY_ACTIVITY, 'v1'));
    await engine.stop();
  });

  it('compareTargets reports missing, extra and different documents', async () => {
    await seed(6);
    const live = (await rebuild(events, documents, auditTrailProjection, 'rebuild', { label: 'a' })).target;
    const copy = (await rebuild(events, documents, auditTrailProjection, 'verify', { until: 6 })).target;
    expect(await compareTargets(documents, auditTrailProjection, live, copy)).toEqual([]);
    const liveDocs = documents.collection(physicalName(AUDIT_TRAIL, live.suffix));
    const [first, second] = await liveDocs.find({}, { sort: { position: 1 } });
    await liveDocs.updateOne({ _id: first!._id }, { $set: { type: 'Tampered' } });
    await liveDocs.deleteOne({ _id: second!._id });
    await liveDocs.insertOne({ _id: 'stray' });
    const diffs = await compareTargets(documents, auditTrailProjection, live, copy);
    expect(diffs).toEqual(
      expect.arrayContaining([
        { collection: AUDIT_TRAIL, id: first!._id, kind: 'different', fields: ['type'] },
        { collection: AUDIT_TRAIL, id: second!._id, kind: 'only-in-rebuild' },
        { collection: AUDIT_TRAIL, id: 'stray', kind: 'missing-in-rebuild' },
      ]),
    );
  });

  describe('rebuilds: the next batch is applied while the previous one commits (background writer)', () => {
    let bg: EmbeddedDocumentStore;
    beforeEach(() => {
      bg = new EmbeddedDocumentStore({ path: join(dir, 'background.db'), backgroundCommitRows: 1 });
    });
    afterEach(() => bg.close());

    const failing = (fails: (i: number, attempt: number) => boolean): Projection => {
      const attempts = new Map<number, number>();
      return {
        name: 'fragile',
        version: 1,
        eventTypes: '*',
        collections: { fragile_docs: [] },
        async handle(e, { collection }) {
          const i = (e.data as { i: number }).i;
          await collection('fragile_docs').insertOne({ _id: e.id, i });
          const attempt = (attempts.get(i) ?? 0) + 1;
          attempts.set(i, attempt);
          if (fails(i, attempt)) throw new Error(`cannot project event ${i}`);
        },
      };
    };

    it('transient failures: every event lands exactly once, the checkpoint counts each once', async () => {
      await seed(60);
      const flaky = failing((i, attempt) => (i === 12 || i === 43) && attempt === 1);
      const result = await rebuild(events, bg, flaky, 'rebuild', { batchSize: 5, maxRetryDelayMs: 5 });
      expect(result.position).toBe(60);
      const docs = await bg.collection(physicalName('fragile_docs', result.target.suffix)).find({}, { sort: { i: 1 } });
      expect(docs.map((d) => d.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(await new ProjectionRegistry(bg).checkpoint(result.target)).toMatchObject({ position: 60, eventsApplied: 60, complete: true });
    });

    it('on a non-atomic store (the MongoDB path: no transaction, batches one at a time), transient failures land every event once', async () => {
      await seed(60);
      const flaky = failing((i, attempt) => (i === 7 || i === 31) && attempt === 1);
      const store = nonAtomic(bg);
      const result = await rebuild(events, store, flaky, 'rebuild', { batchSize: 5, maxRetryDelayMs: 5 });
      expect(result.position).toBe(60);
      const docs = await store.collection(physicalName('fragile_docs', result.target.suffix)).find({}, { sort: { i: 1 } });
      expect(docs.map((d) => d.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(await new ProjectionRegistry(store).checkpoint(result.target)).toMatchObject({ position: 60, complete: true });
    });

    it('an event that keeps failing stops the rebuild after maxAttempts, naming it; what came before is committed', async () => {
      await seed(60);
      const broken = failing((i) => i === 37);
      const error = await rebuild(events, bg, broken, 'rebuild', { batchSize: 5, maxAttempts: 3, maxRetryDelayMs: 5, label: 'broken' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProjectionFailed);
      const failed = error as ProjectionFailed;
      expect(failed).toMatchObject({ projection: 'fragile', attempts: 3, event: { position: 38, type: 'TicketOpened', stream: 'ticket-1' } });
      expect(failed.message).toMatch(/position 38 .*cannot project event 37/);
      const target: Target = { name: 'fragile', version: 1, suffix: 'v1rbroken' };
      expect(await bg.collection(physicalName('fragile_docs', target.suffix)).count()).toBe(37);
      expect(await new ProjectionRegistry(bg).checkpoint(target)).toMatchObject({ position: 37, eventsApplied: 37, complete: false });
    });
  });

  it('live runners keep retrying a failing event (no attempt limit)', async () => {
    let calls = 0;
    const stubborn: Projection = {
      name: 'stubborn',
      version: 1,
      eventTypes: '*',
      collections: { stubborn_docs: [] },
      async handle() {
        calls++;
        throw new Error('never');
      },
    };
    await seed(2);
    const engine = new ProjectionEngine(events, documents, [stubborn]);
    await engine.start();
    await new Promise((r) => setTimeout(r, 400));
    const [status] = await engine.status();
    expect(status).toMatchObject({ state: 'retrying', lastError: { position: 1 } });
    expect(calls).toBeGreaterThanOrEqual(3);
    await engine.stop();
  });

  it('an interrupted rebuild resumes from where it stopped', async () => {
    await seed(40);
    const v = auditTrailProjection.version;
    const target: Target = { name: 'audit-trail', version: v, suffix: `v${v}rinterrupted` };
    const registry = new ProjectionRegistry(documents);
    await registry.ensureCheckpoint(target, 'rebuild');
    // The first run got to position 17 before it was stopped.
    await new ProjectionRunner(events, documents, auditTrailProjection, target, { until: 17, stopWhenCaughtUp: true }).start();

    const resumed = await rebuild(events, documents, auditTrailProjection, 'rebuild');
    expect(resumed.target.suffix).toBe(`v${v}rinterrupted`);
    expect(resumed.resumedFrom).toBe(17);
    expect(resumed.position).toBe(40);
    const clean = await rebuild(events, documents, auditTrailProjection, 'rebuild', { label: 'clean' });
    expect(await dump(documents, auditTrailProjection, resumed.target.suffix)).toEqual(await dump(documents, auditTrailProjection, clean.target.suffix));
    await switchTo(documents, auditTrailProjection, resumed.target, new Date('2026-01-01'));
    expect((await registry.active('audit-trail'))?.suffix).toBe(`v${v}rinterrupted`);
  });

  it('property: rebuilt == incrementally built, replaying twice changes nothing, --until matches the past', async () => {
    const arbEvent = fc.record({
      stream: fc.constantFrom('ticket-a', 'ticket-b', 'visit-x', 'expert-e'),
      type: fc.constantFrom('TicketOpened', 'SlotProposed', 'VisitFinalized', 'ExpertOnboarded'),
      day: fc.integer({ min: 1, max: 4 }),
      n: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(arbEvent, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), fc.nat(), async (appends, cut) => {
        const store = new InMemoryEventStore();
        const docs = new EmbeddedDocumentStore({ path: ':memory:' });
        const projections = [activityProjection, auditTrailProjection];
        const engine = new ProjectionEngine(store, docs, projections, { batchSize: 3 });
        await engine.start();
        // Incremental: appends arrive while the projections are live.
        const positions: number[] = [];
        for (const batch of appends) {
          const stream = batch[0]!.stream;
          const r = await store.appendToStream(stream, batch.map((e) => event(e.type, `2026-05-0${e.day}T12:00:00.000Z`, { n: e.n })));
          positions.push(r.position);
        }
        const head = await store.headPosition();
        expect(await engine.waitFor(head, { timeoutMs: 5000 })).toBe(true);
        await engine.stop();
        for (const projection of projections) {
          const incremental = await dump(docs, projection, `v${projection.version}`);
          const first = await rebuild(store, docs, projection, 'rebuild', { label: 'one' });
          const second = await rebuild(store, docs, projection, 'rebuild', { label: 'two' });
          expect(await dump(docs, projection, first.target.suffix)).toEqual(incremental);
          expect(await dump(docs, projection, second.target.suffix)).toEqual(incremental);
          // The read model as of an earlier position equals an incremental build stopped there.
          const until = positions[cut % positions.length]!;
          const past = await rebuild(store, docs, projection, 'audit', { until });
          const pastStore = new InMemoryEventStore();
          for (const e of (await store.readAll()).filter((x) => x.position <= until)) {
            await pastStore.appendToStream(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }]);
          }
          const pastBuild = await rebuild(pastStore, docs, projection, 'rebuild', { label: 'past' });
          expect(await dump(docs, projection, past.target.suffix)).toEqual(await dump(docs, projection, pastBuild.target.suffix));
        }
        await docs.close();
      }),
      { numRuns: 25 },
    );
  });
});
