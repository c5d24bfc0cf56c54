import { EmbeddedDocumentStore } from '../embedded';
import { IndexesOnFirstUse } from '../indexes-on-first-use';

describe('IndexesOnFirstUse', () => {
  let store: EmbeddedDocumentStore;
  beforeEach(() => {
    store = new EmbeddedDocumentStore({ path: ':memory:' });
  });
  afterEach(() => store.close());

  it('creates the indexes once, after dropping those an earlier version made', async () => {
    const jobs = store.collection('jobs');
    await jobs.createIndex({ keys: { status: 1, at: 1 }, name: 'due' });
    await jobs.bulkWrite(Array.from({ length: 20 }, (_, i) => ({ insertOne: { document: { _id: `j${i}`, status: i % 4 === 0 ? 'pending' : 'done', at: i } } })));
    const indexes = new IndexesOnFirstUse(store, 'jobs', [{ keys: { status: 1, at: 1 }, name: 'pending_by_at', partialFilterExpression: { status: 'pending' } }], ['due']);
    await indexes.ensure();
    await indexes.ensure();
    const pending = await store.explain(() => jobs.find({ status: 'pending' }, { sort: { at: 1 } }));
    expect(pending.plans).toEqual(['index pending_by_at']);
    expect(pending.result.map((d) => d._id)).toEqual(['j0', 'j4', 'j8', 'j12', 'j16']);
    expect((await store.explain(() => jobs.find({ status: 'done' }))).plans).toEqual(['scan jobs']); // 'due' is gone
    // A second instance (the next start-up) finds nothing to drop and nothing new to create.
    await new IndexesOnFirstUse(store, 'jobs', [{ keys: { status: 1, at: 1 }, name: 'pending_by_at', partialFilterExpression: { status: 'pending' } }], ['due']).ensure();
    expect((await store.explain(() => jobs.find({ status: 'pending' }, { sort: { at: 1 } }))).plans).toEqual(['index pending_by_at']);
  });
});
