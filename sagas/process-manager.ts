import { Logger } from 'pino';
import { Aggregate, send } from '../commands/aggregate';
import { CommandHandler, CommandResult, deterministicUuid } from '../commands/handler';
import { Command, DomainEvent } from '../domain/decider';
import { DocumentStore } from '../document-store/port';
import { EventStore, RecordedEvent } from '../event-store/port';
import { streamName } from '../event-store/streams';
import { Deadline, Deadlines } from './deadlines';

export type Clock = () => Date;

/**
 * What a process manager may do while handling one event (or one due deadline). Everything it
 * changes goes through commands whose ids derive from the trigger and a step name, so handling
 * the same trigger twice (at-least-once delivery, a restart) sends nothing twice.
 */
export interface SagaContext {
  /** The event being handled, or the deadline's own record as a pseudo-trigger. */
  readonly trigger: SagaTrigger;
  readonly now: Date;
  readonly documents: DocumentStore;
  readonly deadlines: Deadlines;
  readonly logger: Logger | undefined;
  send<S, C extends Command, E extends DomainEvent>(
    aggregate: Aggregate<S, C, E>,
    type: C['type'],
    data: C['data'],
    step: string,
  ): Promise<CommandResult<S>>;
  /** The current state of one aggregate instance (folded from its stream). */
  load<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, id: string): Promise<S>;
  /** A stable id for something this trigger creates (an outbox message, a token…). */
  idFor(step: string): string;
}

export interface SagaTrigger {
  /** The event's id, or the deadline's: the saga's command ids derive from it. */
  id: string;
  correlationId: string;
  /**
   * The event the saga's commands answer to, recorded as their events' causation id: the event
   * handled, or for a deadline the event that scheduled it (`trigger.id` when not given).
   */
  causationId?: string;
}

/**
 * A process manager: reacts to events (and to its own durable deadlines) by sending commands.
 * Handlers must be idempotent per trigger: use `ctx.send` with a fixed step name per effect.
 */
export interface ProcessManager {
  readonly name: string;
  readonly eventTypes: readonly string[];
  handle(event: RecordedEvent, ctx: SagaContext): Promise<void>;
  /**
   * The lane of an event: events of one lane are handled in order, those of different lanes may
   * be handled at the same time. null (or no partitionOf): the event is handled alone, after
   * everything before it. What crosses lanes must be made safe by the saga itself.
   */
  partitionOf?(event: RecordedEvent): string | null;
  /** Handlers of this saga's deadline kinds. */
  readonly deadlines?: Readonly<Record<string, (deadline: Deadline, ctx: SagaContext) => Promise<void>>>;
}

export interface SagaDependencies {
  events: EventStore;
  documents: DocumentStore;
  commands: CommandHandler;
  deadlines: Deadlines;
  clock: Clock;
  logger?: Logger;
}

export function sagaContext(
  saga: string,
  trigger: SagaTrigger,
  deps: SagaDependencies,
): SagaContext {
  const now = deps.clock();
  const actor = { userId: `saga:${saga}`, role: 'system' as const };
  return {
    trigger,
    now,
    documents: deps.documents,
    deadlines: deps.deadlines,
    logger: deps.logger,
    send<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], step: string) {
      const commandId = deterministicUuid(`${saga}\u0000${trigger.id}\u0000${step}`);
      const command = { type, data, metadata: { commandId, now, actor, correlationId: trigger.correlationId, causationId: trigger.causationId ?? trigger.id } } as C;
      return send(deps.commands, aggregate, command);
    },
    async load<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, id: string) {
      const history = await deps.events.readStream(streamName(aggregate.category, id));
      let state = aggregate.decider.initialState();
      for (const e of history) state = aggregate.decider.evolve(state, e as unknown as E);
      return state;
    },
    idFor(step) {
      return deterministicUuid(`${saga}\u0000${trigger.id}\u0000${step}`);
    },
  };
}
