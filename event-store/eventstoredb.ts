import {
  AllStreamRecordedEvent,
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  JSONType,
  NO_STREAM,
  ReadPosition,
  START as ESDB_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  AllSubscription,
  AppendResult,
  EventFilter,
  EventMetadata,
  EventStore,
  EventStoreUnavailable,
  ExpectedRevision,
  matchesFilter,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  SubscribeToAllOptions,
  WrongExpectedVersion,
} from './port';

export interface EventStoreDbOptions {
  /** e.g. esdb://node1:2113,node2:2113,node3:2113?tls=false */
  connectionString: string;
  /** Called when a subscription drops and is about to resubscribe. */
  onResubscribe?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Production adapter over EventStoreDB.
 *
 * Our global position is the event's *prepare* position: unique per event and increasing in
 * $all order, even when several events of one append share a commit position. Reads resume
 * from {commit: p, prepare: p} and drop anything at or below p, so a checkpoint taken in the
 * middle of a multi-event append neither skips nor repeats events.
 *
 * Reading a single stream goes through EventStoreDB's index, which does not know $all
 * positions; those events carry position 0.
 */
/** The stream whose metadata holds the store's id (metadata events are system events: no reader sees them in $all). */
const STORE_STREAM = 'sysops-store';

/** Events read forwards from a position to find the one at it (several events of one append share a commit position). */
const EVENT_AT_WINDOW = 16;

export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private id: Promise<string> | undefined;

  constructor(private readonly options: EventStoreDbOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((e) =>
          jsonEvent({
            id: e.id ?? randomUUID(),
            type: e.type,
            data: e.data as JSONType,
            metadata: e.metadata,
          }),
        ),
        { expectedRevision: toEsdbExpected(expected) },
      );
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        position: result.position ? Number(result.position.prepare) : 0,
      };
    } catch (error) {
      throw mapError(error, stream, expected);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision:
          options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : ESDB_START,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecorded(resolved.event as AllStreamRecordedEvent, false));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapError(error, stream, 'any');
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition ?? START;
    const max = options.maxCount ?? Infinity;
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readAll({ direction: FORWARDS, fromPosition: toEsdbPosition(from) });
      for await (const resolved of read) {
        const e = resolved.event;
        if (!e || e.type.startsWith('$') || Number(e.position.prepare) <= from) continue;
        if (!matchesFilter(options.filter, e.streamId, e.type)) continue;
        out.push(toRecorded(e, true));
        if (out.length >= max) {
          await read.cancel();
          break;
        }
      }
    } catch (error) {
      throw mapError(error, '$all', 'any');
    }
    return out;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const client = this.client;
    const onResubscribe = this.options.onResubscribe;
    let stopped = false;
    let current: { unsubscribe(): Promise<void> } | undefined;
    let last = options.fromPosition ?? START;

    // Catch up, go live, and after a drop resubscribe from the last delivered position.
    async function* events(): AsyncGenerator<RecordedEvent> {
      let attempt = 0;
      while (!stopped) {
        const subscription = client.subscribeToAll({
          fromPosition: toEsdbPosition(last),
          filter: toEsdbFilter(options.filter),
        });
        current = subscription;
        try {
          for await (const resolved of subscription) {
            attempt = 0;
            const e = resolved.event;
            if (!e || e.type.startsWith('$')) continue;
            const position = Number(e.position.prepare);
            if (position <= last || !matchesFilter(options.filter, e.streamId, e.type)) continue;
            last = position;
            yield toRecorded(e, true);
            if (stopped) return;
          }
          if (stopped) return;
        } catch (error) {
          if (stopped) return;
          const delay = Math.min(30_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
          onResubscribe?.(error, attempt + 1, delay);
          attempt += 1;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }

    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async stop() {
        stopped = true;
        await current?.unsubscribe().catch(() => undefined);
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<Position> {
    try {
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
        if (resolved.event) return Number(resolved.event.position.prepare);
      }
      return START;
    } catch (error) {
      throw mapError(error, '$all', 'any');
    }
  }

  async eventAt(position: Position): Promise<RecordedEvent | undefined> {
    if (position <= START) return undefined;
    try {
      // Inclusive from {commit: p, prepare: p}: the event whose prepare position is p comes first
      // (or soon after, within its append).
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: toEsdbPosition(position), maxCount: EVENT_AT_WINDOW })) {
        const e = resolved.event;
        if (!e) continue;
        const at = Number(e.position.prepare);
        if (at === position) return e.type.startsWith('$') ? undefined : toRecorded(e, true);
        if (at > position) return undefined;
      }
      return undefined;
    } catch (error) {
      throw mapError(error, '$all', 'any');
    }
  }

  /** Kept in the metadata of the stream `sysops-store`, written once by the first process to ask. */
  storeId(): Promise<string> {
    this.id ??= this.loadStoreId().catch((error: unknown) => {
      this.id = undefined;
      throw error;
    });
    return this.id;
  }

  private async loadStoreId(): Promise<string> {
    try {
      for (;;) {
        const { metadata } = await this.client.getStreamMetadata<{ storeId?: unknown }>(STORE_STREAM);
        if (typeof metadata?.storeId === 'string') return metadata.storeId;
        try {
          await this.client.setStreamMetadata(STORE_STREAM, { storeId: randomUUID() }, { expectedRevision: NO_STREAM });
        } catch (error) {
          // Another process wrote it first: read theirs.
          if (!(error instanceof WrongExpectedVersionError)) throw error;
        }
      }
    } catch (error) {
      throw mapError(error, STORE_STREAM, 'any');
    }
  }

  async ping(): Promise<void> {
    await this.headPosition();
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

function toEsdbExpected(expected: ExpectedRevision) {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

function toEsdbPosition(position: Position): ReadPosition {
  return position === START ? ESDB_START : { commit: BigInt(position), prepare: BigInt(position) };
}

// EventStoreDB filters on one dimension server-side; the other (if any) is applied client-side.
function toEsdbFilter(filter: EventFilter | undefined) {
  if (filter?.eventTypes) return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  if (filter?.streamPrefixes) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  return excludeSystemEvents();
}

function toRecorded(e: AllStreamRecordedEvent, fromAll: boolean): RecordedEvent {
  return {
    id: e.id,
    stream: e.streamId,
    revision: Number(e.revision),
    position: fromAll && e.position ? Number(e.position.prepare) : 0,
    type: e.type,
    data: e.isJson ? e.data : JSON.parse(Buffer.from(e.data as Uint8Array).toString('utf8')),
    metadata: e.metadata as unknown as EventMetadata,
    recordedAt: e.created.toISOString(),
  };
}

function mapError(error: unknown, stream: string, expected: ExpectedRevision): unknown {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
    return new WrongExpectedVersion(stream, expected, actual);
  }
  if (error instanceof UnavailableError) {
    return new EventStoreUnavailable(`EventStoreDB unavailable: ${error.message}`, { cause: error });
  }
  return error;
}
