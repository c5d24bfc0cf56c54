import { EventStore, Position, RecordedEvent, START } from './port';
import { positionAt } from './position-at';

/**
 * What a checkpoint (a read model's, a saga's) records of the event store beside its position:
 * which store, and which event it stopped at. A position alone cannot tell that the store lost
 * its tail (a write-ahead log cut by a crash, an older backup put back): the store hands the
 * lost positions out again, to new events, and a reader past them would skip those for good.
 * Checkpoints written before these fields existed have none of them; they are checked on
 * position alone until their next write.
 */
export interface StoreMark {
  /** The last position the reader has passed (START: nothing yet). */
  position: Position;
  /** The store's id (EventStore.storeId) when the checkpoint was written. */
  storeId?: string;
  /** Id of the event at `position`. */
  eventId?: string;
  /** When the store recorded that event. */
  eventRecordedAt?: string;
}

/** The fields of a StoreMark for the event at which a reader stops. */
export function markOf(event: Pick<RecordedEvent, 'position' | 'id' | 'recordedAt'>, storeId: string | undefined): StoreMark {
  return { position: event.position, eventId: event.id, eventRecordedAt: event.recordedAt, ...(storeId !== undefined ? { storeId } : {}) };
}

export type DivergenceKind = 'other-store' | 'ahead-of-head' | 'other-event';

/** A checkpoint that does not fit the event store it is read against. */
export interface Divergence {
  kind: DivergenceKind;
  /** The checkpoint's position. */
  position: Position;
  /** The store's head when checked. */
  head: Position;
  /** What was found, in a sentence. */
  detail: string;
  /**
   * The last position the store and the checkpoint have in common, as far as the store can
   * tell (the last event it recorded before the checkpoint's event): where a saga may resume.
   * Only when someone worked it out (`lastSharedPosition`).
   */
  lastShared?: Position;
}

/**
 * Checks checkpoints against one event store. Keep one per round of checks: it asks the store
 * for its id and head once, and for the event at a position once, however many checkpoints
 * stand there (a dozen read models at the head ask once).
 */
export class StoreContinuity {
  private id: Promise<string> | undefined;
  private headPosition: Promise<Position> | undefined;
  private readonly events = new Map<Position, Promise<RecordedEvent | undefined>>();

  constructor(private readonly store: EventStore) {}

  /** Undefined when the checkpoint fits the store. */
  async check(mark: StoreMark): Promise<Divergence | undefined> {
    if (mark.position <= START) return undefined; // nothing read yet: any store will do
    const [storeId, head] = await Promise.all([(this.id ??= this.store.storeId()), (this.headPosition ??= this.store.headPosition())]);
    const { position } = mark;
    if (mark.storeId !== undefined && mark.storeId !== storeId) {
      return { kind: 'other-store', position, head, detail: `checkpoint written against another event store (id ${mark.storeId}; this one is ${storeId})` };
    }
    if (position > head) {
      return {
        kind: 'ahead-of-head',
        position,
        head,
        detail: `checkpoint at position ${position}, past the event store's head ${head}: the store lost events it had (a write-ahead log cut by a crash, an older backup put back)`,
      };
    }
    if (mark.eventId === undefined) return undefined;
    let found = this.events.get(position);
    if (!found) this.events.set(position, (found = this.store.eventAt(position)));
    const event = await found;
    if (event?.id === mark.eventId) return undefined;
    return {
      kind: 'other-event',
      position,
      head,
      detail:
        `at the checkpoint's position ${position} the event store holds ${event ? `another event (${event.id}, ${event.type})` : 'no event'} instead of ${mark.eventId}: ` +
        'the store lost events and newer ones took their positions',
    };
  }
}

/**
 * The last position the store still shares with a checkpoint it diverged from: the last event
 * the store recorded before the checkpoint's event was recorded (new events after a loss come
 * later), never past the checkpoint. Without the event's time, the head when nothing came after
 * the loss; unknown for a checkpoint of another store. Reads the store from the start: for the
 * rare moment a divergence is found, not for every probe.
 */
export async function lastSharedPosition(store: EventStore, mark: StoreMark, divergence: Divergence): Promise<Position | undefined> {
  if (divergence.kind === 'other-store') return undefined;
  if (mark.eventRecordedAt !== undefined) {
    const shared = await positionAt(store, new Date(mark.eventRecordedAt));
    return Math.min(shared, divergence.kind === 'other-event' ? mark.position - 1 : mark.position);
  }
  return divergence.kind === 'ahead-of-head' ? divergence.head : undefined;
}

/**
 * A reader (a read model's build, a saga) stopped because its checkpoint does not fit the event
 * store: going on would skip every event at the positions it believes it has passed.
 */
export class StoreDiverged extends Error {
  override readonly name = 'StoreDiverged';
  constructor(
    /** Who stopped: `read model tickets (v3)`, `saga matching`. */
    readonly reader: string,
    readonly divergence: Divergence,
    /** What the operator should do. */
    readonly remedy: string,
  ) {
    super(`${reader} stopped: ${divergence.detail}. ${remedy}`);
  }
}
