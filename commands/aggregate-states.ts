import { Command, Decider, DomainEvent } from '../domain/decider';
import { deepFreeze } from '../domain/shared/frozen';
import { EventStore, RecordedEvent } from '../event-store/port';

/** An aggregate as far as this process has folded its stream. */
export interface LoadedState<State> {
  state: State;
  /** Revision of the stream's last event folded ('no_stream' while the stream is empty). */
  revision: number | 'no_stream';
  /** The command ids recorded on the stream up to `revision` (a repeated command is looked up in the stream). */
  commandIds: ReadonlySet<string>;
}

interface Entry {
  decider: unknown;
  state: unknown;
  revision: number;
  /** Only ever added to, and only with ids of events in the store. */
  commandIds: Set<string>;
}

/**
 * The aggregates this process loaded lately (at most `capacity` streams), each with the revision
 * its state was folded to: a load reads only the events after that revision — usually none —
 * instead of the whole stream. Streams grow without end (every visit an expert takes books their
 * calendar), and folding whole streams for every command made commands slower as history grew.
 *
 * Every load asks the store for what came after, so an append by another process (or straight
 * to the store) is folded in like any other event. States are frozen: every reader shares them.
 */
export class AggregateStates {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 4096,
  ) {}

  async load<State, C extends Command, E extends DomainEvent>(stream: string, decider: Pick<Decider<State, C, E>, 'initialState' | 'evolve'>): Promise<LoadedState<State>> {
    const held = this.entries.get(stream);
    let entry: Entry;
    if (held && held.decider === decider) {
      const newer = await this.store.readStream(stream, { fromRevision: held.revision + 1 });
      entry = newer.length === 0 ? held : fold(held, newer);
    } else {
      const events = await this.store.readStream(stream);
      if (events.length === 0) return { state: decider.initialState(), revision: 'no_stream', commandIds: new Set() };
      entry = fold({ decider, state: decider.initialState(), revision: -1, commandIds: new Set() }, events);
    }
    this.keep(stream, entry);
    return { state: entry.state as State, revision: entry.revision, commandIds: entry.commandIds };
  }

  /**
   * This process appended `commandId`'s events on top of `base`, which leaves `state` at
   * `revision`. Remembered when the held state is the one it decided on; otherwise the next load
   * reads what it lacks.
   */
  appended(stream: string, decider: unknown, base: number | 'no_stream', state: unknown, revision: number, commandId: string): void {
    const held = this.entries.get(stream);
    if (base === 'no_stream' ? held !== undefined : held?.revision !== base || held.decider !== decider) return;
    const commandIds = held?.commandIds ?? new Set<string>();
    commandIds.add(commandId);
    this.keep(stream, { decider, state: deepFreeze(state), revision, commandIds });
  }

  /** Kept as the most recently used; the least recently used goes beyond `capacity`. */
  private keep(stream: string, entry: Entry): void {
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

function fold(from: Entry, events: readonly RecordedEvent[]): Entry {
  const evolve = (from.decider as Pick<Decider<unknown, Command, DomainEvent>, 'evolve'>).evolve;
  // Recorded events carry the decider's own event shapes (type and data) under the store's envelope.
  const state = events.reduce((current, event) => evolve(current, event as unknown as DomainEvent), from.state);
  for (const event of events) if (event.metadata.commandId !== undefined) from.commandIds.add(event.metadata.commandId);
  return { decider: from.decider, state: deepFreeze(state), revision: events[events.length - 1]!.revision, commandIds: from.commandIds };
}
