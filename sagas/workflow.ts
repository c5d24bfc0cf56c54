/**
 * Workflows: what a process manager decides, as a pure function that returns its effects as
 * values; the engine (`runWorkflow`) performs them.
 *
 * A workflow reacts to an input — an event it subscribes to, or one of its own deadlines falling
 * due — in two steps:
 * - `read` gathers what the decision needs (aggregates through `ctx.load`, read models) and
 *   writes nothing;
 * - `decide(input, state, now)` is pure and returns the outputs: commands to `send`, outbox
 *   messages to `publish`, deadlines to `schedule` or `cancel`, or `ignore` with the reason.
 *
 * The engine keeps every effect idempotent per trigger exactly as the imperative sagas did:
 * a command's id derives from (saga, trigger, step), a message is deduplicated by (trigger,
 * recipient, template), a deadline by (saga, kind, key). So a workflow can be handled again (a
 * restart, at-least-once delivery) without repeating anything.
 */
import { Aggregate } from '../commands/aggregate';
import { Command, DomainError, DomainEvent } from '../domain/decider';
import { RecordedEvent } from '../event-store/port';
import { MessageRequest, Outbox } from '../notifications/outbox';
import { ChargeOutcome, ChargeRequest, GatewayUnavailable, PaymentGateway, RefundOutcome, RefundRefused, RefundRequest } from '../payments/gateway';
import { Deadline } from './deadlines';
import { ProcessManager, SagaContext } from './process-manager';

/**
 * What a workflow decides on: an event (its type and data) or a due deadline (its kind as the
 * type, its payload as the data), with its id (the event's, the deadline's: what a deadline key
 * may name) and when it happened (the event's time, the deadline's due time).
 */
export type WorkflowInput<Type extends string = string, Data = unknown> = { type: Type; data: Data; id: string; at: string };

/** The inputs of a workflow: the events of a union it reacts to, each with its id and time. */
export type EventInput<E extends DomainEvent, T extends E['type']> = Extract<E, { type: T }> & { id: string; at: string };

/** A due deadline as the input of the workflow that scheduled it. */
export type DeadlineInput<Kind extends string> = WorkflowInput<Kind, Record<string, unknown>>;

/** An outbox message; the engine names the trigger as its cause. */
export type Message = Omit<MessageRequest, 'causedBy'>;

type AnyAggregate = Aggregate<unknown, Command, DomainEvent>;

export type WorkflowOutput =
  | {
      action: 'send';
      aggregate: AnyAggregate;
      command: { type: string; data: unknown };
      /** Names the command within the trigger: its id derives from (saga, trigger, step). */
      step: string;
      /** 'go-on': a business-rule refusal is logged and the other outputs are performed. */
      onRefusal: 'fail' | 'go-on';
    }
  | { action: 'publish'; message: Message }
  | { action: 'schedule'; kind: string; key: string; at: Date; payload: Record<string, unknown> }
  | { action: 'cancel'; kind: string; key: string }
  | { action: 'ignore'; reason: string; notable: boolean }
  | {
      action: 'charge';
      request: ChargeRequest;
      /** What to do with the gateway's answer: still pure, the engine performs what it returns. */
      then: (outcome: ChargeOutcome) => WorkflowOutput[];
      /** What to do when the gateway did not answer (nothing is known about the charge). */
      unavailable: (error: GatewayUnavailable) => WorkflowOutput[];
    }
  | {
      action: 'refund';
      request: RefundRequest;
      then: (outcome: RefundOutcome) => WorkflowOutput[];
      /** The gateway refused (unknown charge, more than is left of it): nothing was refunded. */
      refused: (error: RefundRefused) => WorkflowOutput[];
      unavailable: (error: GatewayUnavailable) => WorkflowOutput[];
    };

export interface Workflow<Input extends WorkflowInput, State> {
  /** For logs: which workflow decided. */
  readonly name: string;
  /** The event types it reacts to (those of `Input`). */
  readonly events: readonly string[];
  /** The kinds of deadline it schedules and decides on when they fall due (those of `Input`). */
  readonly deadlines?: readonly string[];
  /** What the decision needs to know; reads only. */
  read(input: Input, ctx: SagaContext): Promise<State>;
  decide(input: Input, state: State, now: Date): WorkflowOutput[];
}

/** Send a command (idempotent per trigger and step); a refusal fails the trigger unless `onRefusal` is 'go-on'. */
export function send<S, C extends Command, E extends DomainEvent, T extends C['type']>(
  aggregate: Aggregate<S, C, E>,
  type: T,
  data: Extract<C, { type: T }>['data'],
  step: string,
  options: { onRefusal?: 'fail' | 'go-on' } = {},
): WorkflowOutput {
  return { action: 'send', aggregate: aggregate as unknown as AnyAggregate, command: { type, data }, step, onRefusal: options.onRefusal ?? 'fail' };
}

/** Put a message in the outbox. */
export function publish(message: Message): WorkflowOutput {
  return { action: 'publish', message };
}

/** Have the input `{ type: kind, data: payload }` come back at `at` (once per kind and key). */
export function schedule(kind: string, key: string, at: Date, payload: Record<string, unknown>): WorkflowOutput {
  return { action: 'schedule', kind, key, at, payload };
}

/** The situation a pending deadline waits for is over: it will not come back. */
export function cancel(kind: string, key: string): WorkflowOutput {
  return { action: 'cancel', kind, key };
}

/** Nothing to do, and why; `notable` reasons are logged as warnings (something an operator should see). */
export function ignore(reason: string, options: { notable?: boolean } = {}): WorkflowOutput {
  return { action: 'ignore', reason, notable: options.notable ?? false };
}

/**
 * Charge through the payment gateway (idempotent per invoice and attempt); `then` and
 * `unavailable` turn its answer into the next outputs.
 */
export function charge(request: ChargeRequest, then: (outcome: ChargeOutcome) => WorkflowOutput[], unavailable: (error: GatewayUnavailable) => WorkflowOutput[]): WorkflowOutput {
  return { action: 'charge', request, then, unavailable };
}

/** Refund through the payment gateway (idempotent per the request's key); the three answers turn into the next outputs. */
export function refund(
  request: RefundRequest,
  then: (outcome: RefundOutcome) => WorkflowOutput[],
  refused: (error: RefundRefused) => WorkflowOutput[],
  unavailable: (error: GatewayUnavailable) => WorkflowOutput[],
): WorkflowOutput {
  return { action: 'refund', request, then, refused, unavailable };
}

export interface WorkflowEffects {
  outbox: Outbox;
  /** For workflows that charge (the payments saga). */
  gateway?: PaymentGateway;
}

/** Reads, decides, then performs the outputs in order. */
export async function runWorkflow<Input extends WorkflowInput, State>(
  workflow: Workflow<Input, State>,
  input: Input,
  ctx: SagaContext,
  effects: WorkflowEffects,
): Promise<void> {
  const state = await workflow.read(input, ctx);
  for (const output of workflow.decide(input, state, ctx.now)) await perform(workflow.name, output, ctx, effects);
}

async function perform(workflow: string, output: WorkflowOutput, ctx: SagaContext, effects: WorkflowEffects): Promise<void> {
  const log = { saga: ctx.saga, workflow, trigger: ctx.trigger.id };
  switch (output.action) {
    case 'send': {
      const { aggregate, command, step } = output;
      try {
        await ctx.send(aggregate, command.type, command.data, step);
      } catch (error) {
        if (output.onRefusal === 'fail' || !(error instanceof DomainError)) throw error;
        ctx.logger?.info({ ...log, code: error.code, what: `${command.type} (${step})` }, 'step refused by a business rule; going on');
      }
      return;
    }
    case 'publish':
      await effects.outbox.enqueue({ ...output.message, causedBy: ctx.trigger.id });
      return;
    case 'schedule': {
      // What the deadline's commands do is caused by the event that scheduled it.
      const causationId = ctx.trigger.causationId ?? ctx.trigger.id;
      const payload = { ...output.payload, key: output.key, correlationId: ctx.trigger.correlationId, causationId };
      await ctx.deadlines.schedule(ctx.saga, output.kind, output.key, output.at, payload, ctx.now);
      return;
    }
    case 'cancel':
      await ctx.deadlines.cancel(ctx.saga, output.kind, output.key);
      return;
    case 'ignore':
      if (output.notable) ctx.logger?.warn(log, output.reason);
      else ctx.logger?.debug(log, output.reason);
      return;
    case 'charge': {
      if (!effects.gateway) throw new Error(`workflow ${workflow} charges, but its saga has no payment gateway`);
      let next: WorkflowOutput[];
      try {
        next = output.then(await effects.gateway.charge(output.request));
      } catch (error) {
        if (!(error instanceof GatewayUnavailable)) throw error;
        ctx.logger?.warn({ ...log, invoiceId: output.request.invoiceId, attempt: output.request.attempt, err: error }, 'payment gateway did not answer');
        next = output.unavailable(error);
      }
      for (const following of next) await perform(workflow, following, ctx, effects);
      return;
    }
    case 'refund': {
      if (!effects.gateway) throw new Error(`workflow ${workflow} refunds, but its saga has no payment gateway`);
      let next: WorkflowOutput[];
      try {
        next = output.then(await effects.gateway.refund(output.request));
      } catch (error) {
        if (error instanceof RefundRefused) next = output.refused(error);
        else if (error instanceof GatewayUnavailable) {
          ctx.logger?.warn({ ...log, chargeId: output.request.chargeId, err: error }, 'payment gateway did not answer a refund');
          next = output.unavailable(error);
        } else throw error;
      }
      for (const following of next) await perform(workflow, following, ctx, effects);
      return;
    }
  }
}

/** The input an event is to a workflow. */
export function eventInput(event: RecordedEvent): WorkflowInput {
  return { type: event.type, data: event.data, id: event.id, at: event.metadata.timestamp };
}

/** The input a due deadline is to the workflow that scheduled it. */
export function deadlineInput(deadline: Deadline): WorkflowInput {
  return { type: deadline.kind, data: deadline.payload, id: deadline._id, at: deadline.dueAt };
}

/**
 * A process manager that runs `workflows` besides `saga`'s own handlers, on the saga's
 * subscription: same checkpoint, same lanes, and command ids and deadlines under the saga's name.
 */
export function withWorkflows(saga: ProcessManager, workflows: readonly Workflow<never, unknown>[], effects: WorkflowEffects): ProcessManager {
  const byEvent = new Map<string, Workflow<never, unknown>>();
  const byDeadline = new Map<string, Workflow<never, unknown>>();
  for (const workflow of workflows) {
    for (const type of workflow.events) byEvent.set(type, workflow);
    for (const kind of workflow.deadlines ?? []) byDeadline.set(kind, workflow);
  }
  const run = (workflow: Workflow<never, unknown>, input: WorkflowInput, ctx: SagaContext) =>
    runWorkflow(workflow as unknown as Workflow<WorkflowInput, unknown>, input, ctx, effects);
  const deadlines = { ...saga.deadlines };
  for (const [kind, workflow] of byDeadline) deadlines[kind] = (deadline, ctx) => run(workflow, deadlineInput(deadline), ctx);
  return {
    ...saga,
    eventTypes: [...saga.eventTypes, ...byEvent.keys()],
    handle(event, ctx) {
      const workflow = byEvent.get(event.type);
      return workflow ? run(workflow, eventInput(event), ctx) : saga.handle(event, ctx);
    },
    ...(byDeadline.size > 0 || saga.deadlines ? { deadlines } : {}),
  };
}

/** A process manager made of workflows only. */
export function workflowSaga(name: string, workflows: readonly Workflow<never, unknown>[], effects: WorkflowEffects): ProcessManager {
  return withWorkflows({ name, eventTypes: [], handle: async () => undefined }, workflows, effects);
}
