import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { Projection } from '../../projections/projection';
import { ProjectionRegistry } from '../../projections/registry';
import { AsOfSnapshots, SnapshotBusy, SnapshotPending, snapshotsOf } from '../as-of';

/** Counts the events it saw; while `gate` is set, each event waits for it. */
function counting(gate: { open: Promise<void> | null }): Projection {
  return {
    name: 'counted',
    version: 1,
    eventTypes: ['Happened'],
    collections: { counted: [] },
    async handle(_event, { collection }) {
      if (gate.open) await gate.open;
      await collection('counted').updateOne({ _id: 'n' }, { $inc: { n: 1 } }, { upsert: true });
    },
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('read models as of a past moment', () => {
  let events: InMemoryEventStore;
  let documents: EmbeddedDocumentStore;
  /** Moments after the 1st, 2nd and 3rd event. */
  const moments: Date[] = [];

  beforeEach(async () => {
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    moments.length = 0;
    for (let i = 0; i < 3; i++) {
      await events.appendToStream('s', [{ type: 'Happened', data: { i }, metadata: { correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'system' }, timestamp: new Date().toISOString() } }]);
      await pause();
      moments.push(new Date());
      await pause();
    }
  });
  afterEach(() => documents.close());

  const countIn = (snapshots: AsOfSnapshots, at: Date) => snapshots.read(at, async (s) => (await s.collection<{ _id: string; n: number }>('counted').findOne({ _id: 'n' }))?.n ?? 0);

  it('builds the read model up to the moment, once per position, keeping the most recently read', async () => {
    const projection = counting({ open: null });
    const snapshots = new AsOfSnapshots(events, documents, projection, { maxSnapshots: 2 });
    expect(await countIn(snapshots, moments[0]!)).toBe(1);
    expect(await countIn(snapshots, moments[1]!)).toBe(2);
    // A moment on the same position: the same snapshot.
    expect(await countIn(snapshots, new Date(moments[1]!.getTime() + 1))).toBe(2);
    expect(snapshots.kept()).toEqual([1, 2]);
    expect(await countIn(snapshots, moments[2]!)).toBe(3);
    // The least recently read is dropped, collections and checkpoint.
    expect(snapshots.kept()).toEqual([2, 3]);
    const audits = (await new ProjectionRegistry(documents).checkpoints('counted')).map((c) => c.until);
    expect(audits.sort()).toEqual([2, 3]);
    // Another process (or the API restarted) finds the builds made before.
    const again = new AsOfSnapshots(events, documents, projection, { maxSnapshots: 2 });
    expect(await countIn(again, moments[2]!)).toBe(3);
    expect(again.kept()).toEqual([2, 3]);
  });

  it('builds one moment at a time: another moment meanwhile is busy, the same one waits or is told to come back', async () => {
    let release!: () => void;
    const gate: { open: Promise<void> | null } = { open: new Promise<void>((resolve) => (release = resolve)) };
    const snapshots = new AsOfSnapshots(events, documents, counting(gate), { waitMs: 50, retryAfterSeconds: 7 });
    const first = countIn(snapshots, moments[2]!);
    await pause();
    await expect(countIn(snapshots, moments[0]!)).rejects.toEqual(expect.any(SnapshotBusy));
    await expect(countIn(snapshots, moments[0]!)).rejects.toMatchObject({ retryAfterSeconds: 7 });
    await expect(first).rejects.toEqual(expect.any(SnapshotPending));
    // The build went on: once done, the same moment is answered from it.
    const waiting = countIn(snapshots, moments[2]!);
    release();
    gate.open = null;
    expect(await waiting).toBe(3);
    expect(await countIn(snapshots, moments[0]!)).toBe(1);
  });

  it('keeps one set of snapshots per running system and read model, shared by its readers', async () => {
    const system = {};
    const projection = counting({ open: null });
    const first = snapshotsOf(system, events, documents, projection);
    expect(snapshotsOf(system, events, documents, projection)).toBe(first);
    expect(snapshotsOf(system, events, documents, { ...projection, name: 'other' })).not.toBe(first);
    expect(snapshotsOf({}, events, documents, projection)).not.toBe(first);
    expect(await countIn(first, moments[1]!)).toBe(2);
    expect(snapshotsOf(system, events, documents, projection).kept()).toHaveLength(1);
  });
});
