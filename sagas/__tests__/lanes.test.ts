import { CommandHandler } from '../../commands/handler';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { RecordedEvent } from '../../event-store/port';
import { Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';
import { ProcessManager, SagaDependencies } from '../process-manager';

const now = new Date('2026-03-02T08:00:00.000Z');
const metadata = { correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'system' as const }, timestamp: now.toISOString() };

/** Resolves when opened; `opened` tells whether it is. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('saga lanes', () => {
  let events: InMemoryEventStore;
  let documents: EmbeddedDocumentStore;
  let deps: SagaDependencies;

  beforeEach(() => {
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    deps = { events, documents, commands: new CommandHandler(events), deadlines: new Deadlines(documents), clock: () => now };
  });
  afterEach(() => documents.close());

  const happened = (lane: string | null, n: number) =>
    events.appendToStream(`thing-${lane ?? 'none'}`, [{ type: 'Happened', data: { lane, n }, metadata }]);

  /** Records the order events were handled in; events of lane 'a' wait for `held` while it is set. */
  function recorder(held: { gate?: ReturnType<typeof gate> }) {
    const handled: string[] = [];
    const saga: ProcessManager = {
      name: 'lanes',
      eventTypes: ['Happened'],
      partitionOf: (event: RecordedEvent) => (event.data as { lane: string | null }).lane,
      async handle(event) {
        const { lane, n } = event.data as { lane: string | null; n: number };
        if (lane === 'a' && held.gate) await held.gate.promise;
        handled.push(`${lane ?? '-'}${n}`);
      },
    };
    return { saga, handled };
  }

  it('handles other lanes while one waits, keeps each lane in order, and moves the position only over what is done in order', async () => {
    const held: { gate?: ReturnType<typeof gate> } = { gate: gate() };
    const { saga, handled } = recorder(held);
    const engine = new SagaEngine([saga], deps);
    engine.start({ manualDeadlines: true });
    await happened('a', 1); // position 1: held
    await happened('b', 1);
    await happened('a', 2); // after a1, in its lane
    await happened('b', 2);
    for (let i = 0; i < 100 && handled.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(handled).toEqual(['b1', 'b2']);
    expect(engine.status()[0]!.position).toBe(0); // a1 is not done: nothing after it counts yet
    expect(await engine.waitFor(2, 50)).toBe(false);

    held.gate!.open();
    expect(await engine.waitFor(4, 2000)).toBe(true);
    expect(handled).toEqual(['b1', 'b2', 'a1', 'a2']);
    await engine.stop();
  });

  it('handles an event without a lane alone, after everything before it', async () => {
    const held: { gate?: ReturnType<typeof gate> } = { gate: gate() };
    const { saga, handled } = recorder(held);
    const engine = new SagaEngine([saga], deps);
    engine.start({ manualDeadlines: true });
    await happened('a', 1);
    await happened(null, 1);
    await happened('b', 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(handled).toEqual([]); // the lane-less event waits for a1, and b1 waits for it
    held.gate!.open();
    expect(await engine.waitFor(3, 2000)).toBe(true);
    expect(handled).toEqual(['a1', '-1', 'b1']);
    await engine.stop();
  });

  it('a stop while an event waits saves the position before it; the next start handles it', async () => {
    const held: { gate?: ReturnType<typeof gate> } = { gate: gate() };
    const first = recorder(held);
    let failing = true;
    const stuck: ProcessManager = {
      ...first.saga,
      async handle(event, ctx) {
        if ((event.data as { lane: string }).lane === 'a' && failing) throw new Error('store unreachable');
        return first.saga.handle(event, ctx);
      },
    };
    let engine = new SagaEngine([stuck], { ...deps, maxRetryDelayMs: 10 });
    engine.start({ manualDeadlines: true });
    await happened('b', 1);
    await happened('a', 1); // keeps failing: retried until the stop
    await happened('b', 2);
    for (let i = 0; i < 100 && first.handled.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(first.handled).toEqual(['b1', 'b2']);
    await engine.stop();
    expect(engine.status()[0]!.position).toBe(1);

    failing = false;
    held.gate = undefined;
    const second = recorder(held);
    engine = new SagaEngine([second.saga], deps);
    engine.start({ manualDeadlines: true });
    expect(await engine.waitFor(3, 2000)).toBe(true);
    expect(second.handled).toEqual(['a1', 'b2']); // b2 again: handled at least once, as ever
    await engine.stop();
  });
});
