import fc from 'fast-check';
import { InMemoryEventStore } from '../../event-store/memory';
import { EventStore, NewEvent } from '../../event-store/port';
import { aggregateStream } from '../aggregate-stream';
import { AggregateStates } from '../aggregate-states';
import { CommandHandler } from '../handler';
import { toolbox, ToolboxCommand } from './toolbox';

const now = new Date('2026-03-01T09:30:00.000Z');
const actor = { userId: 'u-1', role: 'helpdesk' as const };
const cmd = (type: ToolboxCommand['type'], data: ToolboxCommand['data'], commandId: string) => ({ type, data, metadata: { commandId, now, actor } }) as ToolboxCommand;
/** An event written straight to the store, as another process would. */
const written = (type: string, data: unknown, commandId: string): NewEvent => ({ type, data, metadata: { correlationId: commandId, causationId: commandId, actor, timestamp: now.toISOString(), commandId } });

describe('aggregate states: the aggregates a process loaded, folded to a revision', () => {
  let store: EventStore;
  beforeEach(() => (store = new InMemoryEventStore()));

  it('given a loaded aggregate, when another process appends to its stream, then the next load has it', async () => {
    const handler = new CommandHandler(store);
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }, 'c-1'));
    expect(await handler.load('toolbox-1', toolbox)).toEqual({ tools: { drill: { lentTo: null } } });
    await store.appendToStream('toolbox-1', [written('ToolLent', { tool: 'drill', to: 'ann' }, 'elsewhere-1')]);
    expect(await handler.load('toolbox-1', toolbox)).toEqual({ tools: { drill: { lentTo: 'ann' } } });
    // …and a command decides on it: lending it again is refused.
    await expect(handler.handle(toolbox, 'toolbox-1', cmd('lendTool', { tool: 'drill', to: 'bob' }, 'c-2'))).rejects.toThrow(/lent to ann/);
  });

  it('reads only the events after the revision it holds', async () => {
    const handler = new CommandHandler(store);
    for (const tool of ['drill', 'saw', 'plane']) await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool }, `add-${tool}`));
    const reads = jest.spyOn(store, 'readStream');
    await handler.handle(toolbox, 'toolbox-1', cmd('lendTool', { tool: 'saw', to: 'ann' }, 'lend-saw'));
    expect(reads.mock.calls).toEqual([['toolbox-1', { fromRevision: 3 }]]);
  });

  it('given a command already handled, when it comes again, then the first answer is repeated from the stream', async () => {
    const handler = new CommandHandler(store);
    const first = await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }, 'c-1'));
    await handler.handle(toolbox, 'toolbox-1', cmd('lendTool', { tool: 'drill', to: 'ann' }, 'c-2'));
    const again = await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }, 'c-1'));
    expect(again).toMatchObject({ repeated: true, position: first.position, events: [{ type: 'ToolAdded', data: { tool: 'drill' } }] });
    expect(await store.readStream('toolbox-1')).toHaveLength(2);
  });

  it('hands out frozen states, so no reader can change what the next one reads', async () => {
    const handler = new CommandHandler(store);
    await handler.handle(toolbox, 'toolbox-1', cmd('addTool', { tool: 'drill' }, 'c-1'));
    const state = await handler.load('toolbox-1', toolbox);
    expect(() => (state.tools['drill']!.lentTo = 'mallory')).toThrow(TypeError);
  });

  it('keeps at most its capacity, the least recently used going first', async () => {
    const states = new AggregateStates(store, 2);
    for (const id of ['a', 'b', 'c']) await store.appendToStream(`toolbox-${id}`, [written('ToolAdded', { tool: id }, `c-${id}`)]);
    for (const id of ['a', 'b', 'a', 'c']) await states.load(`toolbox-${id}`, toolbox);
    const reads = jest.spyOn(store, 'readStream');
    await states.load('toolbox-a', toolbox);
    await states.load('toolbox-b', toolbox);
    expect(reads.mock.calls).toEqual([
      ['toolbox-a', { fromRevision: 1 }],
      ['toolbox-b'], // dropped for c: read whole
    ]);
  });

  it('answers what folding the whole stream answers, whoever appended and whatever was repeated (fast-check)', async () => {
    const step = fc.record({
      via: fc.constantFrom('handler', 'store', 'other handler'),
      type: fc.constantFrom('addTool', 'lendTool', 'returnTool'),
      tool: fc.constantFrom('drill', 'saw'),
      commandId: fc.constantFrom('c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const events = new InMemoryEventStore();
        const handler = new CommandHandler(events);
        const other = new CommandHandler(events);
        let n = 0;
        for (const s of steps) {
          const data = s.type === 'lendTool' ? { tool: s.tool, to: 'ann' } : { tool: s.tool };
          if (s.via === 'store') {
            await events.appendToStream('toolbox-1', [written(s.type === 'addTool' ? 'ToolAdded' : s.type === 'lendTool' ? 'ToolLent' : 'ToolReturned', data, `direct-${n++}`)]);
          } else {
            await (s.via === 'handler' ? handler : other).handle(toolbox, 'toolbox-1', cmd(s.type, data, s.commandId)).catch(() => undefined);
          }
          const whole = await aggregateStream(events, 'toolbox-1', toolbox);
          expect(await handler.load('toolbox-1', toolbox)).toEqual(whole.state);
          expect(await other.load('toolbox-1', toolbox)).toEqual(whole.state);
        }
      }),
      { numRuns: 200 },
    );
  });
});
