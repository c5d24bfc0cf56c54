import { InMemoryEventStore } from '../../event-store/memory';
import { aggregateStream } from '../aggregate-stream';
import { CommandHandler } from '../handler';
import { toolbox, ToolboxCommand } from './toolbox';

const metadata = (commandId: string) => ({ commandId, now: new Date('2026-03-01T09:30:00.000Z'), actor: { userId: 'u-1', role: 'helpdesk' as const } });

describe('aggregateStream', () => {
  it('an empty stream is the initial state, with no revision', async () => {
    expect(await aggregateStream(new InMemoryEventStore(), 'toolbox-1', toolbox)).toEqual({ state: { tools: {} }, revision: 'no_stream', events: [] });
  });

  it('folds the stream with evolve and answers the revision of its last event', async () => {
    const store = new InMemoryEventStore();
    const handler = new CommandHandler(store);
    await handler.handle(toolbox, 'toolbox-1', { type: 'addTool', data: { tool: 'drill' }, metadata: metadata('c1') } as ToolboxCommand);
    const lent = await handler.handle(toolbox, 'toolbox-1', { type: 'lendTool', data: { tool: 'drill', to: 'ann' }, metadata: metadata('c2') } as ToolboxCommand);
    const loaded = await aggregateStream(store, 'toolbox-1', toolbox);
    expect(loaded.state).toEqual({ tools: { drill: { lentTo: 'ann' } } });
    expect(loaded.state).toEqual(lent.state);
    expect(loaded.revision).toBe(1);
    expect(loaded.events.map((e) => e.type)).toEqual(['ToolAdded', 'ToolLent']);
  });
});
