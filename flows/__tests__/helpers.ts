import { Aggregate } from '../../commands/aggregate';
import { CommandResult } from '../../commands/handler';
import { Command, DomainEvent } from '../../domain/decider';
import { FlowContext } from '../context';

/** A context that lets `before` act (as another client would) just before chosen commands run. */
export function intercept(ctx: FlowContext, before: (type: string, data: unknown, step: string) => Promise<void>): FlowContext {
  return {
    now: ctx.now,
    load: (aggregate, id) => ctx.load(aggregate, id),
    async send<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], step: string): Promise<CommandResult<S>> {
      await before(type, data, step);
      return ctx.send(aggregate, type, data, step);
    },
  };
}
