import { deepFreeze } from '../domain/shared/frozen';
import { randomUUID } from 'node:crypto';
import { AppendSignal, catchUpSubscription } from './catch-up';
import { alreadyAppended } from './idempotency';
import {
  AllSubscription,
  AppendResult,
  checkExpectedRevision,
  EventStore,
  ExpectedRevision,
  matchesFilter,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  SubscribeToAllOptions,
} from './port';

/** In-memory event store for fast unit tests. Same semantics as the durable adapters. */
export class InMemoryEventStore implements EventStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly signal = new AppendSignal();
  private readonly id = randomUUID();

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length === 0 ? 'no_stream' : existing.length - 1;
    const found = events.map((e) => (e.id === undefined ? undefined : existing.find((x) => x.id === e.id)));
    const repeat = alreadyAppended(stream, events, found, expected, current);
    if (repeat) return repeat;
    checkExpectedRevision(stream, expected, current);
    if (events.length === 0) {
      return { nextExpectedRevision: existing.length - 1, position: this.all.length };
    }
    const recordedAt = new Date().toISOString();
    for (const e of events) {
      const recorded: RecordedEvent = {
        id: e.id ?? randomUUID(),
        stream,
        revision: existing.length,
        position: this.all.length + 1,
        type: e.type,
        data: structuredClone(e.data),
        metadata: structuredClone(e.metadata),
        recordedAt,
      };
      existing.push(recorded);
      this.all.push(recorded);
    }
    this.streams.set(stream, existing);
    this.signal.notify();
    return { nextExpectedRevision: existing.length - 1, position: this.all.length };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = this.streams.get(stream) ?? [];
    const max = options.maxCount ?? Infinity;
    if (options.direction === 'backwards') {
      const from = options.fromRevision ?? events.length - 1;
      return events
        .filter((e) => e.revision <= from)
        .reverse()
        .slice(0, max)
        .map(copy);
    }
    const from = options.fromRevision ?? 0;
    return events.filter((e) => e.revision >= from).slice(0, max).map(copy);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition ?? START;
    const max = options.maxCount ?? Infinity;
    const out: RecordedEvent[] = [];
    for (let i = from; i < this.all.length && out.length < max; i++) {
      const e = this.all[i]!;
      if (matchesFilter(options.filter, e.stream, e.type)) out.push(copy(e));
    }
    return out;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    return catchUpSubscription(
      { readAll: (o) => this.readAll(o), headPosition: () => this.headPosition(), signal: this.signal },
      options,
    );
  }

  async headPosition(): Promise<Position> {
    return this.all.length;
  }

  async eventAt(position: Position): Promise<RecordedEvent | undefined> {
    const event = Number.isInteger(position) && position > START ? this.all[position - 1] : undefined;
    return event && copy(event);
  }

  async storeId(): Promise<string> {
    return this.id;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.signal.notify();
  }
}

// Callers must not be able to mutate stored history through a returned object. Frozen as well:
// the SQLite store hands one frozen object to every reader (RecentEvents), so a reader that
// changes an event fails here, in tests, too.
function copy(e: RecordedEvent): RecordedEvent {
  return deepFreeze({ ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) });
}
