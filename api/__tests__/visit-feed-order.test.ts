import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { VisitDoc } from '../../projections/visits/projection';
import { earliestFirst } from '../routes/visits';

describe("the feed's open visits, earliest planned first, a chunk at a time", () => {
  let store: EmbeddedDocumentStore;
  beforeEach(() => (store = new EmbeddedDocumentStore({ path: ':memory:' })));
  afterEach(() => store.close());

  it('yields every selected visit once, in planned order, when groups planned at the same time straddle chunks', async () => {
    const visits = store.collection<VisitDoc>('visits');
    await visits.createIndex({ keys: { status: 1, plannedAt: 1 }, name: 'by_status_planned' });
    // 1,000 visits, planned in groups of 7 at the same minute (so chunks of 200 end inside groups), every fifth closed.
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      _id: `v-${String(i).padStart(4, '0')}`,
      status: i % 5 === 0 ? 'completed' : 'open',
      plannedAt: new Date(Date.UTC(2026, 2, 2) + Math.floor(i / 7) * 60_000).toISOString(),
    }));
    await visits.bulkWrite([...docs].reverse().map((document) => ({ insertOne: { document: document as unknown as VisitDoc } })));
    const seen: VisitDoc[] = [];
    for await (const visit of earliestFirst(visits, { status: 'open' })) seen.push(visit);
    expect(seen.map((v) => v._id).sort()).toEqual(docs.filter((d) => d.status === 'open').map((d) => d._id));
    expect(seen.map((v) => v.plannedAt)).toEqual([...seen.map((v) => v.plannedAt)].sort());
  });

  it('stops reading when the caller stops', async () => {
    const visits = store.collection<VisitDoc>('visits');
    await visits.bulkWrite(Array.from({ length: 500 }, (_, i) => ({ insertOne: { document: { _id: `v-${i}`, status: 'open', plannedAt: new Date(Date.UTC(2026, 2, 2) + i * 60_000).toISOString() } as unknown as VisitDoc } })));
    const find = jest.spyOn(visits, 'find');
    for await (const visit of earliestFirst(visits, { status: 'open' })) if (visit._id === 'v-10') break;
    expect(find).toHaveBeenCalledTimes(1);
  });
});
