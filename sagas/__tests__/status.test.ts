import { CommandHandler } from '../../commands/handler';
import { customers } from '../../commands/customer';
import { Contact } from '../../domain/customer/customer';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';
import { EventRate } from '../event-rate';
import { ProcessManager, SagaDependencies } from '../process-manager';
import { SAGA_CHECKPOINTS, SagaCheckpoint, SagaStatus } from '../runner';
import { SagaMonitor } from '../status';

const contact: Contact = {
  name: 'Dana',
  email: 'dana@example.com',
  phone: '+1 555 0100',
  address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42, lon: -72 } },
};

// Handles registrations (one refused command each), ignores everything else.
const welcome: ProcessManager = {
  name: 'welcome',
  eventTypes: ['CustomerRegistered'],
  async handle(_event, ctx) {
    await ctx.send(customers, 'changeNotificationPreference', { customerId: 'nobody', notifyBy: 'sms' }, 'refused');
  },
};

describe('saga status', () => {
  const now = new Date('2026-03-02T08:00:00.000Z');
  let events: InMemoryEventStore;
  let documents: EmbeddedDocumentStore;
  let deps: SagaDependencies;
  const checkpoints = () => documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS);

  beforeEach(() => {
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    deps = { events, documents, commands: new CommandHandler(events), deadlines: new Deadlines(documents), clock: () => now };
  });
  afterEach(() => documents.close());

  async function register(id: string) {
    await new CommandHandler(events).handle(customers.decider, `customer-${id}`, {
      type: 'registerCustomer',
      data: { customerId: id, contact, notifyBy: 'email' },
      metadata: { commandId: `reg-${id}`, now, actor: { userId: 'u', role: 'customer' } },
    });
  }

  async function changePreference(id: string, notifyBy: 'sms' | 'email') {
    await new CommandHandler(events).handle(customers.decider, `customer-${id}`, {
      type: 'changeNotificationPreference',
      data: { customerId: id, notifyBy },
      metadata: { commandId: `pref-${id}-${notifyBy}`, now, actor: { userId: 'u', role: 'customer' } },
    });
  }

  it('the checkpoint carries the counts, which a restarted saga continues', async () => {
    let engine = new SagaEngine([welcome], deps);
    engine.start({ manualDeadlines: true });
    await register('c1');
    await register('c2');
    expect(await engine.waitFor(await events.headPosition())).toBe(true);
    await engine.stop();
    expect(await checkpoints().findOne({ _id: 'welcome' })).toMatchObject({ position: 2, handled: 0, refused: 2, state: 'running', lastError: null });

    engine = new SagaEngine([welcome], deps);
    engine.start({ manualDeadlines: true });
    await register('c3');
    expect(await engine.waitFor(await events.headPosition())).toBe(true);
    expect(engine.status()[0]).toMatchObject({ position: 3, refused: 3 });
    await engine.stop();
  });

  it('a saga that only skips events saves its position within moments, for processes that read the checkpoint', async () => {
    const engine = new SagaEngine([welcome], deps);
    engine.start({ manualDeadlines: true });
    await register('c1');
    await changePreference('c1', 'sms');
    await changePreference('c1', 'email');
    expect(await engine.waitFor(3)).toBe(true);
    for (let i = 0; i < 60 && (await checkpoints().findOne({ _id: 'welcome' }))?.position !== 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await checkpoints().findOne({ _id: 'welcome' }))?.position).toBe(3);
    await engine.stop();
  });

  it('reports a saga failing on an event as retrying, with its error, in its checkpoint too', async () => {
    let fail = true;
    const flaky: ProcessManager = {
      name: 'flaky',
      eventTypes: ['CustomerRegistered'],
      async handle() {
        if (fail) throw new Error('store unreachable');
      },
    };
    const engine = new SagaEngine([flaky], { ...deps, maxRetryDelayMs: 20 });
    engine.start({ manualDeadlines: true });
    await register('c1');
    for (let i = 0; i < 100 && engine.status()[0]!.state !== 'retrying'; i++) await new Promise((r) => setTimeout(r, 5));
    const monitor = new SagaMonitor(events, documents, ['flaky']);
    const trouble = { eventId: expect.any(String), type: 'CustomerRegistered', position: 1, message: 'store unreachable' };
    expect(engine.status()[0]).toMatchObject({ state: 'retrying', lastError: trouble });
    for (let i = 0; i < 100 && (await checkpoints().findOne({ _id: 'flaky' }))?.state !== 'retrying'; i++) await new Promise((r) => setTimeout(r, 5));
    expect((await monitor.status())[0]).toMatchObject({ name: 'flaky', position: 0, head: 1, lag: 1, state: 'retrying', lastError: trouble, source: 'checkpoint' });

    fail = false;
    expect(await engine.waitFor(1)).toBe(true);
    expect(engine.status()[0]).toMatchObject({ state: 'running', handled: 1 });
    expect(engine.status()[0]!.lastError).toBeUndefined();
    // Saved within moments of the last event, handled or skipped.
    for (let i = 0; i < 60 && (await checkpoints().findOne({ _id: 'flaky' }))?.position !== 1; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await monitor.status())[0]).toMatchObject({ position: 1, lag: 0, state: 'running', handled: 1 });
    expect((await monitor.status())[0]!.lastError).toBeUndefined();
    await engine.stop();
  });

  describe('SagaMonitor', () => {
    it('takes live runners as they are, and the checkpoint for a runner that has not loaded it yet', async () => {
      await register('c1');
      await register('c2');
      await checkpoints().insertOne({ _id: 'later', position: 1, handled: 4, refused: 1, state: 'running', lastError: null });
      const runners: SagaStatus[] = [
        { name: 'live', state: 'running', position: 2, eventsPerSecond: 12.5, handled: 7, refused: 0 },
        { name: 'later', state: 'starting', position: 0, eventsPerSecond: 0, handled: 0, refused: 0 },
      ];
      const monitor = new SagaMonitor(events, documents, ['live', 'later', 'elsewhere'], { status: () => runners });
      expect(await monitor.status()).toEqual([
        { name: 'live', position: 2, head: 2, lag: 0, eventsPerSecond: 12.5, state: 'running', handled: 7, refused: 0, source: 'runner' },
        { name: 'later', position: 1, head: 2, lag: 1, oldestUnhandledAgeSeconds: expect.any(Number), eventsPerSecond: 0, state: 'running', handled: 4, refused: 1, source: 'checkpoint' },
        // Never checkpointed: everything is still to do.
        { name: 'elsewhere', position: 0, head: 2, lag: 2, oldestUnhandledAgeSeconds: expect.any(Number), eventsPerSecond: 0, state: 'starting', handled: 0, refused: 0, source: 'checkpoint' },
      ]);
    });

    it('never clamps a lag: a saga past the head (the store lost its tail) shows a negative lag, flagged', async () => {
      await register('c1');
      const runners: SagaStatus[] = [{ name: 'live', state: 'running', position: 4, eventsPerSecond: 0, handled: 1, refused: 0 }];
      await checkpoints().insertOne({ _id: 'stored', position: 3 });
      const statuses = await new SagaMonitor(events, documents, ['stored'], { status: () => runners }).status();
      expect(statuses.map(({ name, position, head, lag, aheadOfHead }) => ({ name, position, head, lag, aheadOfHead }))).toEqual([
        { name: 'stored', position: 3, head: 1, lag: -2, aheadOfHead: true },
        { name: 'live', position: 4, head: 1, lag: -3, aheadOfHead: true },
      ]);
    });

    it('gives the age of the first event a saga has not reached, and the rate its checkpoint moves at', async () => {
      let clock = Date.now();
      await register('c1');
      const recordedAt = Date.parse((await events.readAll())[0]!.recordedAt);
      await checkpoints().insertOne({ _id: 'slow', position: 0 });
      const monitor = new SagaMonitor(events, documents, ['slow'], undefined, () => clock);
      clock = recordedAt + 90_000;
      expect((await monitor.status())[0]).toMatchObject({ lag: 1, oldestUnhandledAgeSeconds: 90, eventsPerSecond: 0 });

      for (let i = 2; i <= 11; i++) await register(`c${i}`);
      await checkpoints().updateOne({ _id: 'slow' }, { $set: { position: 10 } });
      clock += 2000; // too soon to measure
      expect((await monitor.status())[0]).toMatchObject({ position: 10, lag: 1, eventsPerSecond: 0 });
      clock += 3000; // 10 events in 5 s
      expect((await monitor.status())[0]).toMatchObject({ position: 10, eventsPerSecond: 2 });
      clock += 5000; // and then nothing
      expect((await monitor.status())[0]).toMatchObject({ eventsPerSecond: 0 });
    });
  });
});

describe('deadlines overdue', () => {
  it('counts pending deadlines whose time has come and says since when the earliest is due', async () => {
    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const deadlines = new Deadlines(documents);
    const t = (minutes: number) => new Date(Date.parse('2026-03-02T08:00:00.000Z') + minutes * 60_000);
    await deadlines.schedule('s', 'k', 'early', t(10), {}, t(0));
    await deadlines.schedule('s', 'k', 'late', t(20), {}, t(0));
    await deadlines.schedule('s', 'k', 'cancelled', t(5), {}, t(0));
    await deadlines.cancel('s', 'k', 'cancelled');
    expect(await deadlines.overdue(t(9))).toEqual({ due: 0, earliestDueAt: null });
    expect(await deadlines.overdue(t(15))).toEqual({ due: 1, earliestDueAt: t(10) });
    expect(await deadlines.overdue(t(30))).toEqual({ due: 2, earliestDueAt: t(10) });
    await deadlines.markFired('s:k:early', t(30));
    expect(await deadlines.overdue(t(30))).toEqual({ due: 1, earliestDueAt: t(20) });
    await documents.close();
  });
});

describe('EventRate', () => {
  it('is the count of the last full window per second, and falls to zero when events stop', () => {
    let now = 0;
    const rate = new EventRate(1000, () => now);
    rate.record(30);
    now = 500;
    expect(rate.perSecond()).toBe(0); // no full window yet
    now = 1000;
    expect(rate.perSecond()).toBe(30);
    rate.record(5);
    now = 1500;
    expect(rate.perSecond()).toBe(30);
    now = 2000;
    expect(rate.perSecond()).toBe(5);
    now = 4500;
    expect(rate.perSecond()).toBe(0);
  });
});
