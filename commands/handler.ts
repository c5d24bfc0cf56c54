import { createHash } from 'node:crypto';
import { Command, Decider, DomainEvent } from '../domain/decider';
import { EventStore, NewEvent, Position, RecordedEvent, WrongExpectedVersion } from '../event-store/port';
import { aggregateStream } from './aggregate-stream';
import { AggregateStates } from './aggregate-states';

export interface CommandHandlerOptions {
  /** Attempts on a revision conflict before giving up with ConcurrencyConflict. */
  maxAttempts?: number;
  /** Base of the jittered exponential backoff between attempts. */
  baseDelayMs?: number;
}

export interface HandleOptions {
  /**
   * The revision the caller last saw (HTTP If-Match). When given, a mismatch is not retried:
   * it fails with PreconditionFailed, because the caller decided on stale state.
   */
  expectedRevision?: number | 'no_stream';
}

/** An event as the command handler reports it; `CommandResult.position` is the global position. */
export type HandledEvent = Omit<RecordedEvent, 'position' | 'recordedAt'>;

export interface CommandResult<State> {
  /** The events this command recorded (the first time, if it is a repeat). */
  events: HandledEvent[];
  /** The aggregate's state after the command. */
  state: State;
  /** Revision of the stream's last event ('no_stream' if the stream is still empty). */
  revision: number | 'no_stream';
  /** Global position of the last recorded event of this command (START when none). */
  position: Position;
  /** True when the command id had already been handled and nothing new was written. */
  repeated: boolean;
}

/** The stream kept changing under us: every attempt lost the race. Maps to HTTP 409. */
export class ConcurrencyConflict extends Error {
  override readonly name = 'ConcurrencyConflict';
  constructor(
    readonly stream: string,
    readonly attempts: number,
  ) {
    super(`Stream '${stream}' changed concurrently ${attempts} times; giving up`);
  }
}

/** The caller's expected revision (If-Match) is stale. Maps to HTTP 412. */
export class PreconditionFailed extends Error {
  override readonly name = 'PreconditionFailed';
  constructor(
    readonly stream: string,
    readonly expected: number | 'no_stream',
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream '${stream}' is at revision ${actual}, not ${expected}`);
  }
}

/**
 * The one way a command becomes events: load the stream, fold it, decide, append with the
 * revision that was read; on a conflict reload and decide again.
 *
 * Idempotency: every event records the command id. A command id already in the stream returns
 * the first result without deciding again. Event ids are derived from (stream, command id,
 * index), so even two copies of a command racing each other append once: the loser's append is
 * recognised by the store as a repeat, or it conflicts, reloads and finds the command id.
 */
export class CommandHandler {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly states: AggregateStates;

  constructor(
    private readonly store: EventStore,
    options: CommandHandlerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 2;
    this.states = new AggregateStates(store);
  }

  /** An aggregate's current state (frozen: shared with every other reader of it). */
  async load<State, C extends Command, E extends DomainEvent>(stream: string, decider: Pick<Decider<State, C, E>, 'initialState' | 'evolve'>): Promise<State> {
    return (await this.states.load(stream, decider)).state;
  }

  async handle<State, C extends Command, E extends DomainEvent>(
    decider: Decider<State, C, E>,
    stream: string,
    command: C,
    options: HandleOptions = {},
  ): Promise<CommandResult<State>> {
    const { commandId } = command.metadata;
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.states.load(stream, decider);
      const { revision } = loaded;
      let state = loaded.state;

      if (loaded.commandIds.has(commandId)) {
        // A repeat: answer what the first time recorded, read from the stream.
        const full = await aggregateStream(this.store, stream, decider);
        const earlier = full.events.filter((e) => e.metadata.commandId === commandId);
        if (earlier.length > 0) return { events: earlier, state: full.state, revision: full.revision, position: earlier[earlier.length - 1]!.position, repeated: true };
      }
      if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
        throw new PreconditionFailed(stream, options.expectedRevision, revision);
      }

      const decided = decider.decide(command, state);
      if (decided.length === 0) return { events: [], state, revision, position: 0, repeated: false };

      const toAppend = decided.map((e, i) => this.toNewEvent(stream, command, e, i));
      try {
        const result = await this.store.appendToStream(stream, toAppend, { expectedRevision: revision });
        for (const e of decided) state = decider.evolve(state, e);
        this.states.appended(stream, decider, revision, state, result.nextExpectedRevision, commandId);
        const firstRevision = result.nextExpectedRevision - decided.length + 1;
        const events: HandledEvent[] = toAppend.map((e, i) => ({
          id: e.id!,
          stream,
          revision: firstRevision + i,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
        }));
        return { events, state, revision: result.nextExpectedRevision, position: result.position, repeated: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        if (options.expectedRevision !== undefined) {
          throw new PreconditionFailed(stream, options.expectedRevision, error.actual);
        }
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflict(stream, attempt);
        await sleep(Math.random() * this.baseDelayMs * 2 ** attempt);
      }
    }
  }

  private toNewEvent(stream: string, command: Command, event: DomainEvent, index: number): NewEvent {
    const { commandId, correlationId, causationId, actor, now } = command.metadata;
    return {
      id: deterministicUuid(`${stream}\u0000${commandId}\u0000${index}`),
      type: event.type,
      data: event.data,
      metadata: {
        correlationId: correlationId ?? commandId,
        causationId: causationId ?? commandId,
        actor,
        timestamp: now.toISOString(),
        commandId,
      },
    };
  }
}

/**
 * The causation id of what a request does (an HTTP call, the intent of its Idempotency-Key): it
 * names the request by its command id. The stored prefix says `request:`.
 */
export function requestCausation(commandId: string): string {
  return `${REQUEST_CAUSATION}${commandId}`;
}

/** How a causation id that names a request (not an event) begins. */
export const REQUEST_CAUSATION = 'request:';

/** A name-based (version 5 style) UUID: the same input always gives the same id. */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
