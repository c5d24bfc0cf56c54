import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../domain/decider';
import { InMemoryEventStore } from '../../event-store/memory';
import { EventStore, WrongExpectedVersion } from '../../event-store/port';
import { SqliteEventStore } from '../../event-store/sqlite';
import { specifyDecider } from '../../testing/decider-specification';
import { CommandHandler, ConcurrencyConflict, PreconditionFailed } from '../handler';
import { toolbox, ToolboxCommand } from './toolbox';

const now = new Date('2026-03-01T09:30:00.000Z');
const actor = { userId: 'u-1', role: 'helpdesk' as const };

function cmd<T extends ToolboxCommand['type']>(
  type: T,
  data: Extract<ToolboxCommand, { type: T }>['data'],
  commandId: string = randomUUID(),
): ToolboxCommand {
  return { type, data, metadata: { commandId, now, actor, correlationId: 'req-42' } } as ToolboxCommand;
}

describe('toolbox decider (the example aggregate)', () => {
  const spec = specifyDecider(toolbox);
  it('lends a tool that is there', () =>
    spec
      .given({ type: 'ToolAdded', data: { tool: 'drill' } })
      .when(cmd('lendTool', { tool: 'drill', to: 'ann' }))
      .then({ type: 'ToolLent', data: { tool: 'drill', to: 'ann' } }));
  it('refuses to lend a lent tool', () =>
    spec
      .given({ type: 'ToolAdded', data: { tool: 'drill' } }, { type: 'ToolLent', data: { tool: 'drill', to: 'ann' } })
      .when(cmd('lendTool', { tool: 'drill', to: 'bob' }))
      .thenFails('tool-already-lent'));
  it('adding a tool twice changes nothing', () =>
    spec.given({ type: 'ToolAdded', data: { tool: 'drill' } }).when(cmd('addTool', { tool: 'drill' })).thenNothingHappens());
});

describe('CommandHandler', () => {
  let store: EventStore;
  let handler: CommandHandler;
  beforeEach(() => {
    store = new InMemoryEventStore();
    handler = new CommandHandler(store);
  });

  it('appends the decided events with causation, correlation, actor and time from the command', async () => {
    const add = cmd('addTool', { tool: 'drill' }, 'cmd-1');
    const result = await handler.handle(toolbox, 'toolbox-1', add);
    expect(result.repeated).toBe(false);
    expect(result.revision).toBe(0);
    expect(result.state.tools).toEqual({ drill: { lentTo: null } });
    const [event] = await store.readStream('toolbox-1');
    expect(event).toMatchObject({ type: 'ToolAdded', data: { tool: 'drill' }, id: result.events[0]!.id });
    expect(event!.metadata).toEqual({
      correlationId: 'req-42',
      causationId: 'cmd-1',
      actor,
      timestamp: now.toISOString(),
      commandId: 'cmd-1',
    });
    expect(result.position).toBe(event!.position);
  });

  it("records the command's cause (the event a saga reacted to, the request) as the events' causation id", async () => {
    const add = cmd('addTool', { tool: 'drill' }, 'cmd-2');
    await handler.handle(toolbox, 'toolbox-2', { ...add, metadata: { ...add.metadata, causationId: 'event-7' } });
    const [event] = await store.readStream('toolbox-2');
    expect(event!.metadata).toMatchObject({ causationId: 'event-7', commandId: 'cmd-2', correlationId: 'req-42' });
  });

  it('a refused command writes nothing and surfaces the domain error', async () => {
    await expect(handler.handle(toolbox, 'toolbox-1', cmd('lendTool', { tool: 'saw', to: 'ann' }))).rejects.toThrow(DomainError);
    expect(await store.readStream('toolbox-1')).toEqual([]);
  });

  it('a command that decides nothing writes nothing', async () => {
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    const again = await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    expect(again.events).toEqual([]);
    expect(await store.readStream('toolbox-1')).toHaveLength(1);
  });

  it('a repeated command id returns the first result and writes nothing new', async () => {
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    const lend = cmd('lendTool', { tool: 'drill', to: 'ann' }, 'lend-1');
    const first = await handler.handle(toolbox, 'toolbox-1', lend);
    // Deciding again would fail (already lent); the repeat must not decide again.
    const repeat = await handler.handle(toolbox, 'toolbox-1', lend);
    expect(repeat.repeated).toBe(true);
    expect(repeat.events).toEqual([expect.objectContaining({ id: first.events[0]!.id, type: 'ToolLent' })]);
    expect(await store.readStream('toolbox-1')).toHaveLength(2);
  });

  it('copies of one command racing each other append once', async () => {
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    const lend = cmd('lendTool', { tool: 'drill', to: 'ann' }, 'lend-race');
    const results = await Promise.all(Array.from({ length: 10 }, () => handler.handle(toolbox, 'toolbox-1', lend)));
    expect(await store.readStream('toolbox-1')).toHaveLength(2);
    expect(new Set(results.map((r) => r.events[0]!.id)).size).toBe(1);
  });

  it('different commands racing on one stream all land, by reloading and deciding again', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: `t${i}` }))),
    );
    const events = await store.readStream('toolbox-1');
    expect(events.map((e) => (e.data as { tool: string }).tool).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `t${i}`).sort(),
    );
  });

  it('racing commands that exclude each other: exactly one wins, the others see the new state', async () => {
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    const results = await Promise.allSettled(
      ['ann', 'bob', 'cem', 'dan'].map((to) => handler.handle(toolbox, 'toolbox-1', cmd('lendTool', { tool: 'drill', to }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toMatchObject({ code: 'tool-already-lent' });
    }
  });

  it('gives up with ConcurrencyConflict after a bounded number of attempts', async () => {
    const alwaysConflicting: EventStore = Object.create(store);
    let attempts = 0;
    alwaysConflicting.appendToStream = async (stream) => {
      attempts++;
      throw new WrongExpectedVersion(stream, 'no_stream', 0);
    };
    const impatient = new CommandHandler(alwaysConflicting, { maxAttempts: 3, baseDelayMs: 1 });
    await expect(impatient.handle(toolbox, 'toolbox-9', cmd('addTool', { tool: 'x' }))).rejects.toBeInstanceOf(
      ConcurrencyConflict,
    );
    expect(attempts).toBe(3);
  });

  it('an explicit expected revision (If-Match) that is stale fails with PreconditionFailed, without retrying', async () => {
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'saw' }));
    const error = await handler
      .handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'axe' }), { expectedRevision: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect(error).toMatchObject({ expected: 0, actual: 1 });
    const ok = await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'axe' }), { expectedRevision: 1 });
    expect(ok.revision).toBe(2);
  });

  it('property: any sequence of commands, each sent one or more times, has the effect of sending each once', async () => {
    const commandArb = fc.oneof(
      fc.record({ type: fc.constant('addTool' as const), tool: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ type: fc.constant('lendTool' as const), tool: fc.constantFrom('a', 'b', 'c'), to: fc.constantFrom('x', 'y') }),
      fc.record({ type: fc.constant('returnTool' as const), tool: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(commandArb, fc.integer({ min: 1, max: 3 })), { maxLength: 12 }), async (plan) => {
        const onceStore = new InMemoryEventStore();
        const repeatedStore = new InMemoryEventStore();
        const once = new CommandHandler(onceStore);
        const repeated = new CommandHandler(repeatedStore);
        for (const [c, times] of plan) {
          const { type, ...data } = c;
          const command = cmd(type, data as never);
          await once.handle(toolbox, 's', command).catch((e) => expect(e).toBeInstanceOf(DomainError));
          for (let i = 0; i < times; i++) {
            await repeated.handle(toolbox, 's', command).catch((e) => expect(e).toBeInstanceOf(DomainError));
          }
        }
        const strip = (es: { id: string; type: string; data: unknown }[]) => es.map(({ id, type, data }) => ({ id, type, data }));
        expect(strip(await repeatedStore.readStream('s'))).toEqual(strip(await onceStore.readStream('s')));
      }),
      { numRuns: 60 },
    );
  });
});

describe('CommandHandler over SQLite: idempotency survives a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a command repeated after reopening the store writes nothing new', async () => {
    const path = join(dir, 'events.db');
    const lend = cmd('lendTool', { tool: 'drill', to: 'ann' }, 'lend-after-restart');
    let store = new SqliteEventStore({ path });
    await new CommandHandler(store).handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }));
    const first = await new CommandHandler(store).handle(toolbox, 'toolbox-1', lend);
    await store.close();

    store = new SqliteEventStore({ path });
    const repeat = await new CommandHandler(store).handle(toolbox, 'toolbox-1', lend);
    expect(repeat.repeated).toBe(true);
    expect(repeat.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
    expect(await store.readStream('toolbox-1')).toHaveLength(2);
    await store.close();
  });
});
