import { Command, Decider, DomainEvent } from '../domain/decider';
import { StreamCategory, streamName } from '../event-store/streams';
import { CommandHandler, CommandResult, HandleOptions } from './handler';

/** How commands reach an aggregate: its stream category, its decider, and which instance a command addresses. */
export interface Aggregate<State, C extends Command, E extends DomainEvent> {
  category: StreamCategory;
  decider: Decider<State, C, E>;
  idOf(command: C): string;
}

/** The one command path: route to the aggregate's stream, then the generic handler. */
export function send<State, C extends Command, E extends DomainEvent>(
  handler: CommandHandler,
  aggregate: Aggregate<State, C, E>,
  command: C,
  options?: HandleOptions,
): Promise<CommandResult<State>> {
  return handler.handle(aggregate.decider, streamName(aggregate.category, aggregate.idOf(command)), command, options);
}
