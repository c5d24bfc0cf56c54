import { join } from 'node:path';
import { CommandHandler } from '../../commands/handler';
import { Command, Decider, DomainEvent } from '../../domain/decider';
import { SqliteEventStore } from '../../event-store/sqlite';
import { StreamCategory, streamName } from '../../event-store/streams';
import { Metric, perSecond, ratio, Scenario } from '../harness';
import { sampleData } from './store';

const CALLERS = 64;
const COMMANDS_PER_CALLER = 400;

// The smallest real aggregate: one command that records one event once.
type Opened = DomainEvent<'TicketOpened', typeof sampleData>;
type Open = Command<'openTicket', typeof sampleData>;
const ticketLike: Decider<{ open: boolean }, Open, Opened> = {
  initialState: () => ({ open: false }),
  evolve: () => ({ open: true }),
  decide: (command, state) => (state.open ? [] : [{ type: 'TicketOpened', data: command.data }]),
};

export const commandsScenario: Scenario = {
  name: 'commands',
  async run(ctx) {
    const store = new SqliteEventStore({ path: join(ctx.dir, 'commands.db'), synchronous: 'FULL' });
    const handler = new CommandHandler(store);
    const total = CALLERS * COMMANDS_PER_CALLER;
    const bar = ctx.progress('commands, 64 concurrent callers', total);
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let k = 0; k < COMMANDS_PER_CALLER; k++) {
          // Each command opens its own aggregate: load (empty), decide, append with expected revision.
          await handler.handle(ticketLike, streamName(StreamCategory.ticket, `${caller}-${k}`), {
            type: 'openTicket',
            data: sampleData,
            metadata: { commandId: `c-${caller}-${k}`, now: new Date(), actor: { userId: 'u-bench', role: 'customer' } },
          });
          bar.tick();
        }
      }),
    );
    const handled = { name: 'commands.handle_concurrent64', value: perSecond(total, start), unit: 'commands/s', note: 'generic handler, one event per command, own stream' };
    bar.done();
    await store.close();
    const appends = ctx.measured.get('store.append_concurrent64');
    const metrics: Metric[] = [handled];
    if (appends !== undefined) {
      metrics.push(ratio('commands.handler_ratio', handled, { name: 'store.append_concurrent64', value: appends, unit: 'events/s' }, 'handle_concurrent64 / append_concurrent64 (target >= 0.5)'));
    }
    return metrics;
  },
};
