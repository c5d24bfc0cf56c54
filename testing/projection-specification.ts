/**
 * given(events) / when(events) / then(documents) specifications for projections, in the style of
 * Emmett's in-memory projection spec. Test support only: uses Jest's expect.
 *
 * Each `then` projects the events twice, on fresh in-memory embedded document stores:
 * - as the embedded store does (atomic batches: each event applied once), with the given events
 *   in one batch and the when events in the next, as a live runner would see them;
 * - as MongoDB does (no transactions: writes guarded by `_position`), with the when batch
 *   delivered twice, as after a crash between the documents and the checkpoint.
 * Both must end with the expected documents.
 */
import { DomainEvent } from '../domain/decider';
import { EmbeddedDocumentStore } from '../document-store/embedded';
import { Collection, Document, DocumentStore } from '../document-store/port';
import { EventMetadata, RecordedEvent } from '../event-store/port';
import { applyBatch } from '../projections/apply';
import { Projection } from '../projections/projection';
import { physicalName, ProjectionRegistry, Target } from '../projections/registry';

/** An event as a spec writes it: the domain event, its stream, and whatever metadata matters. */
export interface SpecEvent {
  type: string;
  data: unknown;
  /** Default `spec`. Revisions follow from the order of a stream's events in the spec. */
  stream?: string;
  metadata?: Partial<EventMetadata>;
}

/** Time of the spec's events unless they say otherwise. */
export const SPEC_TIME = '2026-03-02T09:00:00.000Z';

export function specMetadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return { correlationId: 'spec', causationId: null, actor: { userId: 'spec', role: 'system' }, timestamp: SPEC_TIME, ...overrides };
}

/** Events of one stream, in order; `timestamp` for all of them (default SPEC_TIME). Name `E` to have the events type-checked. */
export function inStream<E extends DomainEvent = DomainEvent>(stream: string, events: readonly E[], timestamp?: string): SpecEvent[] {
  return events.map((e) => ({ ...e, stream, ...(timestamp ? { metadata: { timestamp } } : {}) }));
}

/** Each logical collection of a read model: its documents by `_id`, without the engine's `_position`. */
export type ReadModelDocuments = Record<string, Document[]>;

export interface ProjectionThen {
  /**
   * `expected`: the whole content of each collection named (others are not checked), or a
   * function given every collection that asserts what it wants.
   */
  then(expected: ReadModelDocuments | ((documents: ReadModelDocuments) => void)): Promise<void>;
}

export interface ProjectionWhen extends ProjectionThen {
  when(...events: SpecEvent[]): ProjectionThen;
}

export interface ProjectionSpecification {
  given(...events: SpecEvent[]): ProjectionWhen;
}

export function specifyProjection(projection: Projection): ProjectionSpecification {
  return {
    given(...history) {
      const run = (events: SpecEvent[]): ProjectionThen => ({
        async then(expected) {
          const recorded = record([...history, ...events]);
          const given = recorded.slice(0, history.length);
          const when = recorded.slice(history.length);
          const assert = typeof expected === 'function' ? expected : (documents: ReadModelDocuments) => expect(only(documents, Object.keys(expected))).toEqual(expected);
          assert(await project(projection, [given, when], false));
          assert(await project(projection, [given, when, when], true));
        },
      });
      return { ...run([]), when: (...events) => run(events) };
    },
  };
}

/** Recorded events as the store would give them: positions from 1, revisions per stream. */
function record(events: readonly SpecEvent[]): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return events.map((e, i) => {
    const stream = e.stream ?? 'spec';
    const revision = revisions.get(stream) ?? 0;
    revisions.set(stream, revision + 1);
    const metadata = specMetadata(e.metadata);
    return { id: `spec-event-${i + 1}`, stream, revision, position: i + 1, type: e.type, data: e.data, metadata, recordedAt: metadata.timestamp };
  });
}

async function project(projection: Projection, batches: readonly RecordedEvent[][], asMongo: boolean): Promise<ReadModelDocuments> {
  const embedded = new EmbeddedDocumentStore({ path: ':memory:' });
  try {
    const store = asMongo ? nonAtomic(embedded) : embedded;
    const target: Target = { name: projection.name, version: projection.version, suffix: 'spec' };
    await new ProjectionRegistry(store).ensureCheckpoint(target, 'live');
    for (const batch of batches) await applyBatch(store, projection, target, batch);
    return await readModelDocuments(store, projection, target.suffix);
  } finally {
    await embedded.close();
  }
}

function only(documents: ReadModelDocuments, names: readonly string[]): ReadModelDocuments {
  return Object.fromEntries(names.map((name) => [name, documents[name]]));
}

/** Every collection of a projection's build `suffix`, sorted by `_id`, without the engine's `_position`. */
export async function readModelDocuments(documents: DocumentStore, projection: Projection, suffix: string): Promise<ReadModelDocuments> {
  const out: ReadModelDocuments = {};
  for (const logical of Object.keys(projection.collections)) {
    const docs = await documents.collection(physicalName(logical, suffix)).find({}, { sort: { _id: 1 } });
    out[logical] = docs.map(({ _position, ...rest }) => rest as Document);
  }
  return out;
}

/**
 * A view of a store that behaves like MongoDB: not atomic, so projections take the `_position`
 * guarded path. With `failAfterWrites`, a write to a read model (not to `_`-prefixed system
 * collections) throws once that many writes have gone through: a crash in the middle of a batch.
 */
export function nonAtomic(store: DocumentStore, failAfterWrites?: { left: number }): DocumentStore {
  const writes = new Set(['insertOne', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'bulkWrite']);
  const collection = (name: string): Collection => {
    const inner = store.collection(name);
    if (!failAfterWrites || name.startsWith('_')) return inner;
    return new Proxy(inner, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (typeof prop === 'string' && writes.has(prop)) {
          return (...args: unknown[]) => {
            if (failAfterWrites.left-- <= 0) throw new Error('crash');
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'atomic') return false;
      if (prop === 'transaction') return <R>(work: (s: DocumentStore) => Promise<R>) => work(receiver as DocumentStore);
      if (prop === 'collection') return collection;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
