import { Command, Decider, DomainEvent } from '../domain/decider';
import { EventStore, RecordedEvent } from '../event-store/port';

/** An aggregate instance as its stream tells it. */
export interface AggregateStream<State> {
  /** The decider's initial state evolved by every event of the stream. */
  state: State;
  /** Revision of the stream's last event ('no_stream' while the stream is empty). */
  revision: number | 'no_stream';
  /** The events read, oldest first (the command handler looks for a repeated command id in them). */
  events: RecordedEvent[];
}

/**
 * The one way to load an aggregate: read its stream and fold it with the decider's `evolve`
 * from its initial state. The command handler, flows, sagas and workflows all load through it.
 */
export async function aggregateStream<State, C extends Command, E extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<State, C, E>, 'initialState' | 'evolve'>,
): Promise<AggregateStream<State>> {
  const events = await store.readStream(stream);
  // Recorded events carry the decider's own event shapes (type and data) under the store's envelope.
  const state = events.reduce((current, event) => decider.evolve(current, event as unknown as E), decider.initialState());
  const revision = events.length === 0 ? 'no_stream' : events[events.length - 1]!.revision;
  return { state, revision, events };
}
