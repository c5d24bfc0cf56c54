/**
 * The event store port: the only way the system writes or reads facts.
 *
 * Three adapters implement it (in-memory for unit tests, SQLite as the embedded default,
 * EventStoreDB in production) and all of them pass `conformance.ts`.
 *
 * Revisions are 0-based per stream (the first event of a stream has revision 0, as in
 * EventStoreDB). Positions are global, strictly increasing integers; 0 (`START`) is before
 * the first event. `fromPosition` is exclusive everywhere: it is the last position the
 * reader has already seen, so a saved checkpoint can be passed back as is.
 */

import { Actor } from '../domain/decider';

export type Position = number;
export const START: Position = 0;

export interface EventMetadata {
  /** Ties together everything caused by one user request or one saga run. */
  correlationId: string;
  /** The command (or event) that caused this event; null for events with no cause. */
  causationId: string | null;
  /** Who caused the event. Roles are the domain's; the store only records them. */
  actor: Actor<string>;
  /** ISO-8601 time at which the fact happened (the command's time, not the write time). */
  timestamp: string;
  /** Id of the command that produced this event: makes a repeated command harmless. */
  commandId?: string;
}

/** An event about to be appended. `id` defaults to a random uuid. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  id?: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  stream: string;
  revision: number;
  position: Position;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  /** ISO-8601 time the store recorded it. */
  recordedAt: string;
}

/**
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: it must exist;
 * - `any`: no check;
 * - a number: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event now in the stream (pass it as the next expected revision). */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: Position;
}

export interface ReadStreamOptions {
  /** Inclusive; defaults to the first (forwards) or last (backwards) event. */
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

/** Matches events by type and/or stream-name prefix (both must match when both are given). */
export interface EventFilter {
  eventTypes?: readonly string[];
  streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events after this position. Defaults to START. */
  fromPosition?: Position;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the last position already processed (a checkpoint). Defaults to START. */
  fromPosition?: Position;
  filter?: EventFilter;
}

/**
 * A catch-up subscription: replays history after `fromPosition`, then delivers live events,
 * each exactly once and in global order. Pull-based, so a slow consumer applies backpressure.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Position of the last event in the store (START when empty). */
  headPosition(): Promise<Position>;
  /** The event at exactly this position, or undefined (none there: beyond the head, or START). */
  eventAt(position: Position): Promise<RecordedEvent | undefined>;
  /**
   * An id made when the store was created and kept with it (in its file, on its server): a
   * copy or backup of the store has the same id, a different store another. Checkpoints record
   * it, so a read model or saga notices when it is pointed at another store.
   */
  storeId(): Promise<string>;
  /** Cheap reachability check for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The expected revision did not match: the one error every adapter throws for that case. */
export class WrongExpectedVersion extends Error {
  override readonly name = 'WrongExpectedVersion';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Wrong expected version on stream '${stream}': expected ${expected}, actual ${actual}`);
  }
}

export class StreamNotFound extends Error {
  override readonly name = 'StreamNotFound';
  constructor(readonly stream: string) {
    super(`Stream '${stream}' not found`);
  }
}

/** The store cannot be reached (network, server down): callers may retry later. */
export class EventStoreUnavailable extends Error {
  override readonly name = 'EventStoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function matchesFilter(filter: EventFilter | undefined, stream: string, type: string): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => stream.startsWith(p))) return false;
  return true;
}

/** Throws WrongExpectedVersion unless the stream's current revision satisfies `expected`. */
export function checkExpectedRevision(
  stream: string,
  expected: ExpectedRevision,
  current: number | 'no_stream',
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === 'no_stream') ||
    (expected === 'stream_exists' && current !== 'no_stream') ||
    (typeof expected === 'number' && expected === current);
  if (!ok) throw new WrongExpectedVersion(stream, expected, current);
}
