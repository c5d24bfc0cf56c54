import { DocumentStore } from '../document-store/port';
import { markOf } from '../event-store/continuity';
import { EventStore, Position, START } from '../event-store/port';
import { SAGA_CHECKPOINTS, SagaCheckpoint } from './runner';

/** Where the operator asked the sagas to resume is not a place in the event store. */
export class NoSuchPosition extends Error {
  override readonly name = 'NoSuchPosition';
}

export interface SagaReset {
  name: string;
  /** Where its checkpoint was (undefined: it had none). */
  from: Position | undefined;
  to: Position;
}

/**
 * Moves the checkpoints of the named sagas to a position of the event store: the operator's
 * decision once the store lost events (see the README, "When the event store lost events"). The
 * checkpoint records this store and the event at that position, so the sagas run again; they
 * handle every event after it. Counts are kept; the last error is cleared. Run it with the sagas
 * stopped (a running saga would write its own checkpoint over it).
 */
export async function resetSagas(events: EventStore, documents: DocumentStore, names: readonly string[], to: Position | 'head'): Promise<SagaReset[]> {
  const head = await events.headPosition();
  const position = to === 'head' ? head : to;
  if (!Number.isInteger(position) || position < START) throw new NoSuchPosition(`${to} is not a position`);
  if (position > head) throw new NoSuchPosition(`position ${position} is past the event store's head (${head})`);
  const event = position === START ? undefined : await events.eventAt(position);
  if (position !== START && !event) throw new NoSuchPosition(`the event store has no event at position ${position}`);
  const storeId = await events.storeId();
  const mark = event ? markOf(event, storeId) : { position: START, storeId };
  const checkpoints = documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS);
  const resets: SagaReset[] = [];
  for (const name of names) {
    const before = await checkpoints.findOne({ _id: name });
    await checkpoints.updateOne(
      { _id: name },
      {
        $set: { ...mark, lastError: null, resetAt: new Date().toISOString(), ...(before ? { resetFrom: before.position } : {}) },
        ...(event ? {} : { $unset: { eventId: '', eventRecordedAt: '' } }),
      },
      { upsert: true },
    );
    resets.push({ name, from: before?.position, to: position });
  }
  await documents.flush();
  return resets;
}
