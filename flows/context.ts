/**
 * What a flow needs to act: the time, a way to send commands that is idempotent per step, and
 * a way to read an aggregate's current state. `stepContext` is the one way to make one: a saga's
 * `SagaContext` is one (steps derive from the trigger), `requestContext` one for an API request
 * or a helpdesk action (steps derive from the request id), so the same flow code serves both.
 */
import { Aggregate, send } from '../commands/aggregate';
import { CommandHandler, CommandResult, deterministicUuid, requestCausation } from '../commands/handler';
import { Actor, Command, DomainError, DomainEvent } from '../domain/decider';
import { streamName } from '../event-store/streams';

export interface FlowContext {
  readonly now: Date;
  send<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], step: string): Promise<CommandResult<S>>;
  load<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, id: string): Promise<S>;
}

/** The data of command `T` of a command union. */
export type CommandData<C extends Command, T extends C['type']> = Extract<C, { type: T }>['data'];

/** `ctx.send` with the data checked against the command's own type. */
export function sendCommand<S, C extends Command, E extends DomainEvent, T extends C['type']>(
  ctx: FlowContext,
  aggregate: Aggregate<S, C, E>,
  type: T,
  data: CommandData<C, T>,
  step: string,
): Promise<CommandResult<S>> {
  return ctx.send(aggregate, type, data, step);
}

export interface RequestInfo {
  /** Unique per user intent (an HTTP request id, an Idempotency-Key): repeating it repeats nothing. */
  commandId: string;
  actor: Actor;
  now: Date;
  correlationId?: string;
}

/** Where a context's commands come from: what every command it sends carries. */
export interface StepOrigin {
  now: Date;
  actor: Actor;
  correlationId: string;
  /** Recorded on every event the steps cause. */
  causationId: string;
  /** The command id of a step: the same step of the same origin is the same command. */
  commandIdOf(step: string): string;
}

export interface ContextDependencies {
  commands: CommandHandler;
}

/** The one FlowContext: commands stamped with the origin, aggregates loaded through the command handler (its AggregateStates). */
export function stepContext(deps: ContextDependencies, origin: StepOrigin): FlowContext {
  const { now, actor, correlationId, causationId } = origin;
  return {
    now,
    send<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], step: string) {
      const command = { type, data, metadata: { commandId: origin.commandIdOf(step), now, actor, correlationId, causationId } } as C;
      return send(deps.commands, aggregate, command);
    },
    async load<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, id: string) {
      return deps.commands.load(streamName(aggregate.category, id), aggregate.decider);
    },
  };
}

/** A FlowContext for a request: every step's command id derives from the request id and the step. */
export function requestContext(deps: ContextDependencies, request: RequestInfo): FlowContext {
  const { commandId, actor, now } = request;
  return stepContext(deps, {
    now,
    actor,
    correlationId: request.correlationId ?? commandId,
    // Every step's events name the request as their cause.
    causationId: requestCausation(commandId),
    commandIdOf: (step) => deterministicUuid(`request\u0000${commandId}\u0000${step}`),
  });
}

/** Generations of one step before `ensure` gives up: each re-delivery of a trigger may add one. */
export const MAX_GENERATIONS = 32;

export interface Ensured<S> {
  state: S;
  /**
   * True when this step's command (any generation) made the change; false when the state
   * already held without it (someone else's doing — not ours to undo).
   */
  mine: boolean;
}

/**
 * Sends a command until its effect holds in the aggregate's current state.
 *
 * Step ids make commands idempotent, but a repeated command id returns the FIRST result without
 * deciding again, even when its effect was undone since (a booking this trigger made, released
 * by the same trigger's later step, is needed again after a re-delivery). So the effect is
 * checked on the current state, and a repeated step whose effect no longer holds is sent again
 * under the next generation of the step name (`step#1`, `step#2`…): replaying the same trigger
 * walks the same generations and repeats nothing that still holds.
 */
export async function ensure<S, C extends Command, E extends DomainEvent, T extends C['type']>(
  ctx: FlowContext,
  aggregate: Aggregate<S, C, E>,
  type: T,
  data: CommandData<C, T>,
  step: string,
  holds: (state: S) => boolean,
): Promise<Ensured<S>> {
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const result = await ctx.send(aggregate, type, data, generation === 0 ? step : `${step}#${generation}`);
    if (holds(result.state)) return { state: result.state, mine: result.repeated || result.events.length > 0 };
    if (!result.repeated) throw new Error(`${type} (${step}) was accepted but its effect does not hold`);
  }
  throw new Error(`${type} (${step}): gave up after ${MAX_GENERATIONS} generations`);
}

/** Is `error` a business-rule refusal with one of `codes`? */
export function isRefusal(error: unknown, ...codes: string[]): error is DomainError {
  return error instanceof DomainError && (codes.length === 0 || codes.includes(error.code));
}
