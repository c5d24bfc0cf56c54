/**
 * The shape every aggregate follows: a pure decider.
 * No I/O, no clock: the time a command happens arrives in its metadata.
 */

export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export type Role = 'customer' | 'expert' | 'helpdesk' | 'admin' | 'manager' | 'system';

/** Penultimate's own staff (the back office), as opposed to customers, field experts and the sagas. */
export const STAFF = ['helpdesk', 'admin', 'manager'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF)[number];

/**
 * Who acts: the person logged in (or a saga, as `system`) and the role they act in.
 * The event store records actors without knowing the roles (`Actor<string>`).
 */
export interface Actor<R extends string = Role> {
  userId: string;
  role: R;
  /** For role `expert`: the expert profile the login is linked to, which the expert acts as. */
  expertId?: string;
}

/**
 * The expert an actor acts as: the linked profile of an expert login. Without one (commands
 * recorded before logins were linked, the demo seed acting for experts who have no login) the
 * user id names the expert. Null for any other role.
 */
export function actingExpert(actor: Actor): string | null {
  if (actor.role !== 'expert') return null;
  return actor.expertId ?? actor.userId;
}

export interface CommandMetadata {
  /** Unique per intent: repeating a command id is harmless (no second set of events). */
  commandId: string;
  /** When the command happens; deciders never read a clock. */
  now: Date;
  actor: Actor;
  /** Carried unchanged through every command and event that a request or saga run causes. */
  correlationId?: string;
  /**
   * What caused the command, recorded on each of its events: the id of the event a saga reacted
   * to, or the request that sent it (`request:<id>`). The command id when absent.
   */
  causationId?: string;
}

export interface Command<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  metadata: CommandMetadata;
}

export interface Decider<State, C extends Command, E extends DomainEvent> {
  initialState(): State;
  evolve(state: State, event: E): State;
  /** Returns the events the command causes, or throws a DomainError when a rule forbids it. */
  decide(command: C, state: State): E[];
}

/** A business rule refused the command (maps to HTTP 422, or 404 for `not-found`). */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    /** Stable, machine-readable reason, e.g. `visit-not-en-route`. */
    readonly code: string,
    message: string,
    /** Facts that help the caller act on the refusal (e.g. the hours an expert is open that day); JSON. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * What a use case was asked to act on is not there (a customer, the ticket behind a link). Not a
 * business rule's refusal with a code of its own: the API answers it as a plain 404 Not found.
 */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}
