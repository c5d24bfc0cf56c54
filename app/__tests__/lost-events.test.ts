/**
 * The event store losing events under read models and sagas (issue 19): the end of its
 * write-ahead log cut by a crash, an older copy put back, another store in its place. Read
 * models and sagas whose checkpoints no longer fit the store stop instead of skipping the
 * positions the store hands out again; the probes say why, never with a lag clamped to zero;
 * the read models are rebuilt and the sagas resume where the operator decides.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { whyNotReady } from '../../api/probes';
import { CommandHandler } from '../../commands/handler';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Document } from '../../document-store/port';
import { newEvent } from '../../event-store/conformance';
import { InMemoryEventStore } from '../../event-store/memory';
import { EventStore } from '../../event-store/port';
import { SqliteEventStore } from '../../event-store/sqlite';
import { activityProjection } from '../../projections/activity/projection';
import { AUDIT_TRAIL, auditTrailProjection } from '../../projections/audit-trail/projection';
import { ProjectionEngine } from '../../projections/engine';
import { rebuild, switchTo } from '../../projections/rebuild';
import { physicalName, ProjectionRegistry } from '../../projections/registry';
import { servingStatus } from '../../projections/status';
import { Deadlines } from '../../sagas/deadlines';
import { SagaEngine } from '../../sagas/engine';
import { ProcessManager } from '../../sagas/process-manager';
import { resetSagas } from '../../sagas/reset';
import { SagaMonitor } from '../../sagas/status';
import { checkContinuity, describeContinuity } from '../store-continuity';

const projections = [auditTrailProjection, activityProjection];
const WITNESSED = 'witnessed';

/** A saga that writes down every event it handles, once. */
const witness: ProcessManager = {
  name: 'witness',
  eventTypes: ['Happened'],
  async handle(event, ctx) {
    await ctx.documents.collection(WITNESSED).updateOne({ _id: event.id }, { $set: { position: event.position } }, { upsert: true });
  },
};

interface Running {
  events: EventStore;
  documents: EmbeddedDocumentStore;
  engine: ProjectionEngine;
  sagas: SagaEngine;
  stop(options?: { keepEvents?: boolean }): Promise<void>;
}

function start(events: EventStore, documents: EmbeddedDocumentStore, continuityCheckMs?: number): Running {
  const logger = pino({ level: 'silent' });
  const engine = new ProjectionEngine(events, documents, projections, { logger, ...(continuityCheckMs ? { continuityCheckMs } : {}) });
  const sagas = new SagaEngine([witness], {
    events,
    documents,
    commands: new CommandHandler(events),
    deadlines: new Deadlines(documents),
    clock: () => new Date(),
    logger,
    ...(continuityCheckMs ? { continuityCheckMs } : {}),
  });
  const running: Running = {
    events,
    documents,
    engine,
    sagas,
    async stop({ keepEvents = false } = {}) {
      await sagas.stop();
      await engine.stop();
      await documents.close();
      if (!keepEvents) await events.close();
    },
  };
  return running;
}

async function launch(events: EventStore, documents: EmbeddedDocumentStore, continuityCheckMs?: number): Promise<Running> {
  const running = start(events, documents, continuityCheckMs);
  await running.engine.start();
  running.sagas.start({ manualDeadlines: true });
  return running;
}

async function append(events: EventStore, count: number, tag: string): Promise<void> {
  for (let i = 0; i < count; i++) await events.appendToStream(`thing-${tag}-${i % 7}`, [newEvent('Happened', { tag, i })]);
}

async function caughtUp(running: Running): Promise<void> {
  const head = await running.events.headPosition();
  expect(await running.engine.waitFor(head, { timeoutMs: 10_000 })).toBe(true);
  expect(await running.sagas.waitFor(head, 10_000)).toBe(true);
}

/** Every runner stopped on its divergence (they check as they start). */
async function stoppedOnDivergence(running: Running): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const projectionsStopped = (await running.engine.status()).every((s) => s.divergence && s.state === 'stopped');
    const sagasStopped = running.sagas.status().every((s) => s.divergence && s.state === 'stopped');
    if (projectionsStopped && sagasStopped) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`runners did not stop: ${JSON.stringify({ projections: await running.engine.status(), sagas: running.sagas.status() })}`);
}

/** What /ready says (as readiness() does, from the stores and the saga runners). */
async function readinessReasons(running: Running): Promise<string[]> {
  const [models, sagas] = await Promise.all([
    servingStatus(running.events, running.documents, projections, { checkContinuity: true }),
    new SagaMonitor(running.events, running.documents, ['witness'], running.sagas).status(),
  ]);
  return whyNotReady(models, sagas, { projections: 1000, sagas: 1000 });
}

/** The operator's remedy: `npm run replay -- --all --reset-sagas-to <position>`, with the server stopped. */
async function repair(events: EventStore, documents: EmbeddedDocumentStore, sagasTo: number): Promise<void> {
  for (const projection of projections) {
    const { target } = await rebuild(events, documents, projection, 'rebuild');
    await switchTo(documents, projection, target, new Date());
  }
  await resetSagas(events, documents, ['witness'], sagasTo);
}

async function auditCount(documents: EmbeddedDocumentStore): Promise<number> {
  const active = await new ProjectionRegistry(documents).active(auditTrailProjection.name);
  return documents.collection(physicalName(AUDIT_TRAIL, active!.suffix)).count();
}

describe('the event store lost events under the read models and sagas', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sysops-lost-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a write-ahead log cut by a crash: everything past the new head stops, says why and what to do; new events do not slip past; repaired, all fits again', async () => {
    const live = join(dir, 'live');
    const crashed = join(dir, 'crashed');
    // 146 events in the database file, then 96 more only in the write-ahead log.
    let events = new SqliteEventStore({ path: join(live, 'events.db') });
    await append(events, 146, 'old');
    await events.close();
    events = new SqliteEventStore({ path: join(live, 'events.db') });
    await append(events, 96, 'tail');
    const running = await launch(events, new EmbeddedDocumentStore({ path: join(live, 'documents.db') }));
    await caughtUp(running);
    expect(await running.events.headPosition()).toBe(242);
    await running.stop({ keepEvents: true });

    // The crash: the files as they were (the log not copied back into the database), the end of the log lost.
    rmSync(crashed, { recursive: true, force: true });
    require('node:fs').mkdirSync(crashed);
    copyFileSync(join(live, 'events.db'), join(crashed, 'events.db'));
    copyFileSync(join(live, 'events.db-wal'), join(crashed, 'events.db-wal'));
    copyFileSync(join(live, 'documents.db'), join(crashed, 'documents.db'));
    await events.close();
    const wal = join(crashed, 'events.db-wal');
    const pageSize = readWalPageSize(wal);
    const frames = Math.floor((statSync(wal).size - 32) / (24 + pageSize));
    truncateSync(wal, 32 + Math.floor(frames * 0.4) * (24 + pageSize));

    events = new SqliteEventStore({ path: join(crashed, 'events.db') });
    const head = await events.headPosition();
    expect(head).toBeGreaterThanOrEqual(146);
    expect(head).toBeLessThan(242);

    let restarted = await launch(events, new EmbeddedDocumentStore({ path: join(crashed, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    for (const s of await restarted.engine.status()) {
      expect(s).toMatchObject({ state: 'stopped', position: 242, head, lag: head - 242, divergence: { kind: 'ahead-of-head', position: 242, head } });
    }
    expect(restarted.sagas.status()[0]).toMatchObject({ state: 'stopped', position: 242, divergence: { kind: 'ahead-of-head', lastShared: head } });
    const reasons = await readinessReasons(restarted);
    expect(reasons).toEqual([
      expect.stringMatching(new RegExp(`^read models stopped, their checkpoints do not fit the event store: audit-trail, activity: checkpoint at position 242, past the event store's head ${head}.*npm run replay -- --all`)),
      expect.stringMatching(new RegExp(`^sagas stopped, their checkpoints do not fit the event store: witness: .*npm run replay -- --reset-sagas-to ${head}\``)),
    ]);
    const served = await servingStatus(events, restarted.documents, projections, { checkContinuity: true });
    expect(served.map((s) => s.lag)).toEqual([head - 242, head - 242]); // never clamped

    // New tickets keep coming (201): their positions fall below every checkpoint, then pass them.
    await new Promise((r) => setTimeout(r, 5)); // recorded after the crash, by the clock too
    await append(events, 150, 'new');
    const newHead = await events.headPosition();
    expect(newHead).toBe(head + 150);
    await restarted.stop({ keepEvents: true });
    restarted = await launch(events, new EmbeddedDocumentStore({ path: join(crashed, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    for (const s of await restarted.engine.status()) expect(s).toMatchObject({ state: 'stopped', position: 242, divergence: { kind: 'other-event', position: 242 } });
    // Where the store and the saga part ways: the last event recorded before the saga's checkpoint event.
    expect(restarted.sagas.status()[0]).toMatchObject({ state: 'stopped', divergence: { kind: 'other-event', lastShared: head } });
    expect(await auditCount(restarted.documents)).toBe(242); // nothing applied on top of the lost history
    await restarted.stop({ keepEvents: true });

    // What `npm run replay -- --check` tells the operator, then the repair it names.
    let documents = new EmbeddedDocumentStore({ path: join(crashed, 'documents.db') });
    const report = await checkContinuity(events, documents, projections, ['witness']);
    expect(describeContinuity(report).join('\n')).toMatch(new RegExp(`saga witness: .*the last position the store shares with it: ${head}[\\s\\S]*--reset-sagas-to ${head}`));
    await repair(events, documents, head);
    expect((await checkContinuity(events, documents, projections, ['witness'])).sagas[0]).toEqual({ name: 'witness', position: head });
    await documents.close();

    documents = new EmbeddedDocumentStore({ path: join(crashed, 'documents.db') });
    const repaired = await launch(events, documents);
    await caughtUp(repaired);
    expect(await readinessReasons(repaired)).toEqual([]);
    expect(await auditCount(documents)).toBe(newHead); // exactly the events the store holds
    const newIds = (await events.readAll({ fromPosition: head })).map((e) => e.id);
    const witnessed = await documents.collection<Document & { position: number }>(WITNESSED).find({ _id: { $in: newIds } });
    expect(witnessed).toHaveLength(150); // every new event reached the saga
    await repaired.stop();
  });

  it('an older copy of the store put back: stopped past its head, and once new events fill those positions', async () => {
    let events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 100, 'a');
    await events.close();
    copyFileSync(join(dir, 'events.db'), join(dir, 'events-at-100.db'));
    events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 50, 'b');
    const running = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await caughtUp(running);
    await running.stop();

    for (const file of ['events.db', 'events.db-wal', 'events.db-shm']) rmSync(join(dir, file), { force: true });
    copyFileSync(join(dir, 'events-at-100.db'), join(dir, 'events.db'));
    events = new SqliteEventStore({ path: join(dir, 'events.db') });
    let restarted = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    expect((await restarted.engine.status())[0]).toMatchObject({ position: 150, head: 100, lag: -50, divergence: { kind: 'ahead-of-head' } });
    await restarted.stop({ keepEvents: true });

    await append(events, 80, 'c');
    restarted = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    expect((await restarted.engine.status())[0]).toMatchObject({ position: 150, head: 180, lag: 30, divergence: { kind: 'other-event' } });
    expect(restarted.sagas.status()[0]).toMatchObject({ divergence: { kind: 'other-event', lastShared: 100 } });
    await restarted.stop();
  });

  it('events deleted from the end of the table: stopped past the head', async () => {
    const events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 60, 'a');
    const running = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await caughtUp(running);
    await running.stop();
    const db = new Database(join(dir, 'events.db'));
    db.prepare('DELETE FROM events WHERE position > 45').run();
    db.close();
    const truncated = new SqliteEventStore({ path: join(dir, 'events.db') });
    const restarted = await launch(truncated, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    expect((await restarted.engine.status())[0]).toMatchObject({ position: 60, head: 45, lag: -15, divergence: { kind: 'ahead-of-head' } });
    expect(restarted.sagas.status()[0]).toMatchObject({ divergence: { kind: 'ahead-of-head', lastShared: 45 } });
    await restarted.stop();
  });

  it('another event store in its place: stopped, whatever the positions say', async () => {
    let events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 30, 'a');
    const running = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await caughtUp(running);
    await running.stop();
    for (const file of ['events.db', 'events.db-wal', 'events.db-shm']) rmSync(join(dir, file), { force: true });
    events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 90, 'other');
    const restarted = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await stoppedOnDivergence(restarted);
    const storeId = await events.storeId();
    expect((await restarted.engine.status())[0]).toMatchObject({ position: 30, head: 90, divergence: { kind: 'other-store', detail: expect.stringContaining(`this one is ${storeId}`) } });
    const saga = restarted.sagas.status()[0]!;
    expect(saga.divergence).toMatchObject({ kind: 'other-store' });
    expect(saga.divergence!.lastShared).toBeUndefined();
    expect((await readinessReasons(restarted))[1]).toMatch(/--reset-sagas-to <position>`/);
    await restarted.stop();
  });

  it('a store replaced under running runners (EventStoreDB restored elsewhere): they stop at their next check', async () => {
    const first = new InMemoryEventStore();
    await append(first, 20, 'a');
    let current: EventStore = first;
    // The same connection string, another store behind it.
    const events = new Proxy({} as EventStore, {
      get: (_, name: keyof EventStore) => {
        const value = current[name];
        return typeof value === 'function' ? value.bind(current) : value;
      },
    });
    const running = await launch(events, new EmbeddedDocumentStore({ path: ':memory:' }), 25);
    await caughtUp(running);
    expect((await running.engine.status()).every((s) => s.state === 'live')).toBe(true);
    const second = new InMemoryEventStore();
    await append(second, 5, 'b');
    current = second;
    await stoppedOnDivergence(running);
    expect(running.sagas.status()[0]!.divergence).toMatchObject({ kind: 'other-store' });
    await running.stop();
  });

  it('checkpoints written before stores had ids are checked on position, and take the id at their next write', async () => {
    const events = new SqliteEventStore({ path: join(dir, 'events.db') });
    await append(events, 10, 'a');
    let running = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await caughtUp(running);
    await running.stop({ keepEvents: true });
    let documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    await documents.collection('_checkpoints').updateMany({}, { $unset: { storeId: '', eventId: '', eventRecordedAt: '' } });
    await documents.collection('_saga_checkpoints').updateMany({}, { $unset: { storeId: '', eventId: '', eventRecordedAt: '' } });
    await documents.close();
    running = await launch(events, new EmbeddedDocumentStore({ path: join(dir, 'documents.db') }));
    await append(events, 5, 'b');
    await caughtUp(running);
    await running.sagas.stop(); // saves its checkpoint
    const storeId = await events.storeId();
    expect(await running.documents.collection('_checkpoints').find({}, { sort: { _id: 1 } })).toEqual([
      expect.objectContaining({ position: 15, storeId, eventId: expect.any(String) }),
      expect.objectContaining({ position: 15, storeId, eventId: expect.any(String) }),
    ]);
    expect(await running.documents.collection('_saga_checkpoints').findOne({ _id: 'witness' })).toMatchObject({ position: 15, storeId, eventId: (await events.eventAt(15))!.id });
    await running.stop();
    expect(existsSync(join(dir, 'documents.db'))).toBe(true);
  });
});

/** A WAL file's page size: big-endian 32-bit integer at byte 8 of its header. */
function readWalPageSize(path: string): number {
  const header = require('node:fs').readFileSync(path).subarray(0, 32) as Buffer;
  return header.readUInt32BE(8);
}
