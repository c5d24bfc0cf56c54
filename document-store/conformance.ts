/**
 * One conformance suite for every document store adapter. Each adapter's test file calls
 * `describeDocumentStoreConformance` with a harness that opens and reopens a store. Tests use
 * collection names unique to the run and drop them afterwards, so the suite also runs against
 * a shared MongoDB server.
 *
 * One file although long: every group (finding, updates, deleting, unique keys, bulkWrite,
 * aggregation, text search, indexed queries, persistence, transactions, collections,
 * properties) runs inside the one lifecycle below (a store opened per test, its collections
 * named per run and dropped after, reopened by the persistence test) and shares its fixtures.
 * Files split out of it would also need the production build to leave them out, as it leaves
 * out files named conformance.ts.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Document, DocumentStore, DuplicateKey, Filter, Update } from './port';

export interface DocumentStoreHarness {
  open(): Promise<DocumentStore>;
  /** A new store instance over the same data, as after a process restart. */
  reopen(previous: DocumentStore): Promise<DocumentStore>;
  cleanup(): Promise<void>;
}

interface Ticket extends Document {
  status: string;
  priority: number;
  site: { city: string };
  tags: string[];
}

const TICKETS: Ticket[] = [
  { _id: 't1', status: 'open', priority: 3, site: { city: 'Oslo' }, tags: ['printer', 'urgent'] },
  { _id: 't2', status: 'open', priority: 1, site: { city: 'Bergen' }, tags: ['laptop'] },
  { _id: 't3', status: 'closed', priority: 2, site: { city: 'Oslo' }, tags: ['printer'] },
  { _id: 't4', status: 'open', priority: 2, site: { city: 'Tromsø' }, tags: [] },
  { _id: 't5', status: 'cancelled', priority: 5, site: { city: 'Bergen' }, tags: ['urgent'] },
  { _id: 't6', status: 'closed', priority: 4, site: { city: 'Oslo' }, tags: ['laptop', 'urgent'] },
];

interface Article extends Document {
  title: string;
  body: string;
  retired: boolean;
}

const ARTICLES: Article[] = [
  {
    _id: 'kb1',
    title: 'Leaking dishwasher',
    body: 'If your dishwasher is leaking water onto the kitchen floor, check the door gasket and the drain hose of the dishwasher.',
    retired: false,
  },
  { _id: 'kb2', title: 'Dishwasher not draining', body: 'Standing water after a cycle usually means a clogged filter.', retired: false },
  { _id: 'kb3', title: 'Washing machine leak', body: 'A leak under the washing machine often comes from a loose inlet hose.', retired: false },
  { _id: 'kb4', title: 'Refrigerator not cooling', body: 'Check the condenser coils and the door seal.', retired: false },
  { _id: 'kb5', title: 'Archived appliance tips', body: 'Old notes about the dishwasher racks.', retired: true },
  // The rest make the corpus big enough for document frequencies to mean something.
  { _id: 'kb6', title: 'Printer paper jam', body: 'Open the rear tray and remove the torn sheet gently.', retired: false },
  { _id: 'kb7', title: 'Laptop will not boot', body: 'Hold the power button for thirty seconds, then connect the charger.', retired: false },
  { _id: 'kb8', title: 'Router keeps disconnecting', body: 'Update the firmware and move the router away from the microwave.', retired: false },
  { _id: 'kb9', title: 'Television has no sound', body: 'Check that the speakers are enabled in the audio menu.', retired: false },
  { _id: 'kb10', title: 'Vacuum cleaner loses suction', body: 'Empty the bin and wash the filter under running water.', retired: false },
  { _id: 'kb11', title: 'Phone screen flickers', body: 'Lower the brightness and install the latest system update.', retired: false },
];

const HOSTILE_SEARCHES = [
  '"*:(-)^',
  'dish"washer',
  'NEAR(leak dishwasher',
  '-leak',
  'leak*',
  '(((',
  'title:leak',
  'AND OR NOT',
  '\\',
  '[a-z]+.*$ {1,2}',
  "'; DROP TABLE documents; --",
  '"dishwasher',
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function expectDuplicate(promise: Promise<unknown>, collection: string): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(DuplicateKey);
  expect((error as DuplicateKey).collection).toBe(collection);
}

const ids = (docs: Document[]) => docs.map((d) => d._id);

export function describeDocumentStoreConformance(name: string, harness: () => DocumentStoreHarness): void {
  describe(`document store conformance: ${name}`, () => {
    let h: DocumentStoreHarness;
    let store: DocumentStore;
    let run: string;
    let created: Set<string>;
    const c = (suffix: string) => {
      const full = `conf_${run}_${suffix}`;
      created.add(full);
      return full;
    };

    beforeEach(async () => {
      h = harness();
      store = await h.open();
      run = randomUUID().slice(0, 8);
      created = new Set();
    });

    afterEach(async () => {
      for (const collection of created) await store.dropCollection(collection);
      await store.close();
      await h.cleanup();
    });

    async function tickets(): Promise<string> {
      const name = c('tickets');
      for (const t of TICKETS) await store.collection<Ticket>(name).insertOne(t);
      return name;
    }

    async function knowledgeBase(): Promise<string> {
      const name = c('kb');
      await store.collection(name).createIndex({ keys: { title: 'text', body: 'text' } });
      for (const a of ARTICLES) await store.collection<Article>(name).insertOne(a);
      return name;
    }

    describe('finding', () => {
      it('insertOne, then findOne by _id or by field; null when nothing matches', async () => {
        const name = await tickets();
        const col = store.collection<Ticket>(name);
        expect(await col.findOne({ _id: 't3' })).toEqual(TICKETS[2]);
        expect(await col.findOne({ 'site.city': 'Tromsø' })).toEqual(TICKETS[3]);
        expect(await col.findOne({ _id: 'nope' })).toBeNull();
        expect(await col.findOne({ status: 'lost' })).toBeNull();
      });

      it('find: query operators, nested fields and array membership', async () => {
        const col = store.collection<Ticket>(await tickets());
        const sorted = { sort: { _id: 1 as const } };
        expect(ids(await col.find({ status: 'open', priority: { $gte: 2 } }, sorted))).toEqual(['t1', 't4']);
        expect(ids(await col.find({ status: { $in: ['closed', 'cancelled'] } }, sorted))).toEqual(['t3', 't5', 't6']);
        expect(ids(await col.find({ $or: [{ priority: 1 }, { 'site.city': 'Tromsø' }] }, sorted))).toEqual(['t2', 't4']);
        expect(ids(await col.find({ tags: 'urgent' }, sorted))).toEqual(['t1', 't5', 't6']);
        expect(ids(await col.find({ tags: { $size: 0 } }, sorted))).toEqual(['t4']);
        expect(ids(await col.find({ missing: { $exists: true } }))).toEqual([]);
        expect(await col.find()).toHaveLength(6);
      });

      it('find: sort on several keys, skip and limit', async () => {
        const col = store.collection<Ticket>(await tickets());
        expect(ids(await col.find({}, { sort: { priority: -1, _id: 1 } }))).toEqual(['t5', 't6', 't1', 't3', 't4', 't2']);
        expect(ids(await col.find({}, { sort: { 'site.city': 1, priority: -1 } }))).toEqual(['t5', 't2', 't6', 't1', 't3', 't4']);
        expect(ids(await col.find({}, { sort: { priority: 1, _id: 1 }, skip: 1, limit: 3 }))).toEqual(['t3', 't4', 't1']);
        expect(ids(await col.find({ status: 'open' }, { sort: { priority: -1 }, limit: 2 }))).toEqual(['t1', 't4']);
        expect(ids(await col.find({}, { sort: { priority: 1 }, skip: 5 }))).toEqual(['t5']);
        expect(await col.find({}, { skip: 10 })).toEqual([]);
      });

      it('find and findOne: inclusion and exclusion projections; findOne with a sort', async () => {
        const col = store.collection<Ticket>(await tickets());
        expect(await col.find({ _id: 't1' }, { projection: { status: 1, 'site.city': 1 } })).toEqual([
          { _id: 't1', status: 'open', site: { city: 'Oslo' } },
        ]);
        expect(await col.findOne({ _id: 't2' }, { projection: { tags: 0, site: 0 } })).toEqual({ _id: 't2', status: 'open', priority: 1 });
        expect(await col.findOne({ _id: 't2' }, { projection: { _id: 0, priority: 1 } })).toEqual({ priority: 1 });
        expect(await col.findOne({ status: 'open' }, { sort: { priority: -1 } })).toMatchObject({ _id: 't1' });
        expect(await col.findOne({ status: 'open' }, { sort: { priority: 1 }, projection: { _id: 1 } })).toEqual({ _id: 't2' });
      });

      it('count, with and without a filter', async () => {
        const col = store.collection<Ticket>(await tickets());
        expect(await col.count()).toBe(6);
        expect(await col.count({ 'site.city': 'Oslo' })).toBe(3);
        expect(await col.count({ priority: { $gt: 10 } })).toBe(0);
        expect(await store.collection(c('empty')).count()).toBe(0);
      });

      it('documents read are copies: changing one does not change the store', async () => {
        const col = store.collection<Ticket>(await tickets());
        const found = (await col.findOne({ _id: 't1' }))!;
        found.tags.push('mutated');
        found.site.city = 'Nowhere';
        const [listed] = await col.find({ _id: 't1' });
        listed!.status = 'mutated';
        expect(await col.findOne({ _id: 't1' })).toEqual(TICKETS[0]);
      });

      it('findReadOnly answers as find does: filters, sorts, skip, limit, projections and a lookup by _id', async () => {
        const col = store.collection<Ticket>(await tickets());
        const asked: [Filter, Parameters<typeof col.find>[1]][] = [
          [{ status: 'open', priority: { $gte: 2 } }, { sort: { _id: 1 } }],
          [{ tags: 'urgent' }, {}],
          [{}, { sort: { priority: -1, _id: 1 }, skip: 1, limit: 3 }],
          [{ status: 'open' }, { sort: { priority: -1 }, limit: 2 }],
          [{ _id: 't1' }, { projection: { status: 1, 'site.city': 1 } }],
          [{ _id: 't2' }, {}],
          [{ _id: 'nope' }, {}],
        ];
        for (const [filter, options] of asked) expect(await col.findReadOnly(filter, options)).toEqual(await col.find(filter, options));
      });

      it('a document read with findReadOnly stays what it was when the store changes', async () => {
        const col = store.collection<Ticket>(await tickets());
        const [before] = await col.findReadOnly({ _id: 't1' });
        const [sorted] = await col.findReadOnly({ status: 'open' }, { sort: { priority: -1 }, limit: 1 });
        await col.updateOne({ _id: 't1' }, { $set: { status: 'closed', 'site.city': 'Bergen' }, $push: { tags: 'later' } });
        expect(before).toEqual(TICKETS[0]);
        expect(sorted).toEqual(TICKETS[0]);
        expect(await col.findReadOnly({ _id: 't1' })).toEqual([{ ...TICKETS[0], status: 'closed', site: { city: 'Bergen' }, tags: ['printer', 'urgent', 'later'] }]);
      });
    });

    describe('update operators', () => {
      let name: string;
      const get = () => store.collection(name).findOne({ _id: 'd' });
      const apply = (update: Update) => store.collection(name).updateOne({ _id: 'd' }, update);

      beforeEach(async () => {
        name = c('ops');
        await store.collection(name).insertOne({ _id: 'd', n: 1, name: 'first', tags: ['a', 'b'], nested: { x: 1 } });
      });

      it('$set: top-level and dotted paths (creating the objects on the way); same value is not a modification', async () => {
        expect(await apply({ $set: { name: 'second', 'nested.y': 2, 'deep.er.z': true } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await get()).toEqual({ _id: 'd', n: 1, name: 'second', tags: ['a', 'b'], nested: { x: 1, y: 2 }, deep: { er: { z: true } } });
        expect(await apply({ $set: { name: 'second' } })).toEqual({ matchedCount: 1, modifiedCount: 0 });
      });

      it('$unset removes fields; unsetting a missing field changes nothing', async () => {
        expect(await apply({ $unset: { name: '', 'nested.x': '' } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await get()).toEqual({ _id: 'd', n: 1, tags: ['a', 'b'], nested: {} });
        expect(await apply({ $unset: { name: '' } })).toEqual({ matchedCount: 1, modifiedCount: 0 });
      });

      it('$inc adds to a number and starts a missing field from 0', async () => {
        await apply({ $inc: { n: 4, 'nested.x': -3, visits: 2 } });
        expect(await get()).toMatchObject({ n: 5, nested: { x: -2 }, visits: 2 });
      });

      it('$push appends, one value or $each', async () => {
        await apply({ $push: { tags: 'c' } });
        await apply({ $push: { tags: { $each: ['d', 'a'] }, history: 'created' } });
        expect(await get()).toMatchObject({ tags: ['a', 'b', 'c', 'd', 'a'], history: ['created'] });
      });

      it('$pull removes every matching element, by value or by condition', async () => {
        await store.collection(name).updateOne({ _id: 'd' }, { $set: { tags: ['a', 'b', 'a', 'c'], scores: [1, 5, 8, 2] } });
        expect(await apply({ $pull: { tags: 'a', scores: { $gte: 5 } } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await get()).toMatchObject({ tags: ['b', 'c'], scores: [1, 2] });
        expect(await apply({ $pull: { tags: 'zzz' } })).toEqual({ matchedCount: 1, modifiedCount: 0 });
      });

      it('$addToSet adds only what is missing', async () => {
        expect(await apply({ $addToSet: { tags: 'a' } })).toEqual({ matchedCount: 1, modifiedCount: 0 });
        await apply({ $addToSet: { tags: { $each: ['b', 'c', 'c'] }, 'nested.seen': 'x' } });
        expect(await get()).toMatchObject({ tags: ['a', 'b', 'c'], nested: { x: 1, seen: ['x'] } });
        // Duplicates already in the array stay; only a missing value is appended.
        await apply({ $set: { tags: ['a', 'a', 'b'] } });
        expect(await apply({ $addToSet: { tags: 'c' } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await get()).toMatchObject({ tags: ['a', 'a', 'b', 'c'] });
      });

      it('several operators in one update', async () => {
        await apply({ $set: { name: 'multi' }, $inc: { n: 1 }, $push: { tags: 'z' }, $unset: { nested: '' } });
        expect(await get()).toEqual({ _id: 'd', n: 2, name: 'multi', tags: ['a', 'b', 'z'] });
      });

      it('rejects an update without operators, and one that changes _id', async () => {
        await rejection(store.collection(name).updateOne({ _id: 'd' }, { name: 'replaced' }));
        await rejection(store.collection(name).updateOne({ _id: 'd' }, { $set: { _id: 'other' } }));
        expect(await get()).toEqual({ _id: 'd', n: 1, name: 'first', tags: ['a', 'b'], nested: { x: 1 } });
        expect(await store.collection(name).findOne({ _id: 'other' })).toBeNull();
      });
    });

    describe('updateOne, updateMany, replaceOne', () => {
      it('updateOne changes the first match only; updateMany changes every match', async () => {
        const col = store.collection<Ticket>(await tickets());
        expect(await col.updateOne({ status: 'open' }, { $set: { triaged: true } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await col.count({ triaged: true })).toBe(1);
        expect(await col.updateMany({ 'site.city': 'Oslo' }, { $inc: { priority: 10 } })).toEqual({ matchedCount: 3, modifiedCount: 3 });
        expect(ids(await col.find({ priority: { $gt: 10 } }, { sort: { _id: 1 } }))).toEqual(['t1', 't3', 't6']);
        expect(await col.updateMany({ status: 'open' }, { $set: { status: 'open' } })).toEqual({ matchedCount: 3, modifiedCount: 0 });
      });

      it('without upsert, no match changes nothing', async () => {
        const col = store.collection<Ticket>(await tickets());
        const none = { matchedCount: 0, modifiedCount: 0 };
        expect(await col.updateOne({ _id: 'nope' }, { $set: { a: 1 } })).toEqual(none);
        expect(await col.updateMany({ status: 'lost' }, { $set: { a: 1 } })).toEqual(none);
        expect(await col.replaceOne({ _id: 'nope' }, { ...TICKETS[0]!, _id: 'nope' })).toEqual(none);
        expect(await col.count()).toBe(6);
      });

      it('upsert: the new document starts from the filter equality fields, then takes the update', async () => {
        const col = store.collection(c('upserts'));
        const result = await col.updateOne(
          { _id: 'u1', status: 'open', 'site.city': 'Oslo', kind: { $eq: 'repair' }, priority: { $gt: 1 }, $or: [{ a: 1 }, { b: 2 }] },
          { $set: { title: 'Printer jam' }, $inc: { visits: 1 }, $push: { log: 'created' }, $setOnInsert: { createdBy: 'tester' } },
          { upsert: true },
        );
        expect(result).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 'u1' });
        expect(await col.findOne({ _id: 'u1' })).toEqual({
          _id: 'u1',
          status: 'open',
          site: { city: 'Oslo' },
          kind: 'repair',
          title: 'Printer jam',
          visits: 1,
          log: ['created'],
          createdBy: 'tester',
        });
        // Setting _id to the value it has is allowed, as a whole record in $setOnInsert does.
        const record = { _id: 'u2', status: 'new', visits: 0 };
        expect(await col.updateOne({ _id: 'u2' }, { $setOnInsert: record }, { upsert: true })).toMatchObject({ upsertedId: 'u2' });
        expect(await col.updateOne({ _id: 'u2' }, { $setOnInsert: record }, { upsert: true })).toEqual({ matchedCount: 1, modifiedCount: 0 });
        expect(await col.updateOne({ _id: 'u2' }, { $set: { _id: 'u2', status: 'seen' } })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await col.findOne({ _id: 'u2' })).toEqual({ _id: 'u2', status: 'seen', visits: 0 });
        const again = await col.updateOne({ _id: 'u1' }, { $inc: { visits: 1 }, $setOnInsert: { createdBy: 'someone else' } }, { upsert: true });
        expect(again).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await col.findOne({ _id: 'u1' })).toMatchObject({ visits: 2, createdBy: 'tester' });
      });

      it('upsert without an _id in the filter generates a string _id', async () => {
        const col = store.collection(c('upserts'));
        const result = await col.updateOne({ email: 'ann@example.com' }, { $set: { name: 'Ann' } }, { upsert: true });
        expect(typeof result.upsertedId).toBe('string');
        expect(await col.findOne({ _id: result.upsertedId! })).toEqual({ _id: result.upsertedId, email: 'ann@example.com', name: 'Ann' });
        const chosen = await col.updateOne({ email: 'bob@example.com' }, { $setOnInsert: { _id: 'bob', name: 'Bob' } }, { upsert: true });
        expect(chosen).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 'bob' });
        expect(await col.findOne({ _id: 'bob' })).toEqual({ _id: 'bob', email: 'bob@example.com', name: 'Bob' });
        const many = await col.updateMany({ team: 'blue' }, { $set: { size: 0 } }, { upsert: true });
        expect(typeof many.upsertedId).toBe('string');
        expect(await col.findOne({ team: 'blue' })).toEqual({ _id: many.upsertedId, team: 'blue', size: 0 });
        expect(await col.updateMany({ team: 'blue' }, { $inc: { size: 1 } }, { upsert: true })).toEqual({ matchedCount: 1, modifiedCount: 1 });
      });

      it('replaceOne swaps the whole document, keeping its _id; upsert inserts the replacement', async () => {
        const col = store.collection(c('replace'));
        await col.insertOne({ _id: 'r1', a: 1, b: 2 });
        expect(await col.replaceOne({ a: 1 }, { _id: 'r1', c: 3 })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await col.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', c: 3 });
        expect(await col.replaceOne({ _id: 'r1' }, { _id: 'r1', c: 3 })).toEqual({ matchedCount: 1, modifiedCount: 0 });
        const up = await col.replaceOne({ _id: 'r2' }, { _id: 'r2', d: 4 }, { upsert: true });
        expect(up).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedId: 'r2' });
        expect(await col.findOne({ _id: 'r2' })).toEqual({ _id: 'r2', d: 4 });
        await rejection(col.replaceOne({ _id: 'r1' }, { _id: 'r9', e: 5 }));
        await rejection(col.replaceOne({ _id: 'r1' }, { _id: 'r1', $set: { e: 5 } }));
        expect(await col.findOne({ _id: 'r1' })).toEqual({ _id: 'r1', c: 3 });
      });

      it('a replacement is stored as given, field order included, and each read is a copy of its own', async () => {
        const col = store.collection(c('replace_order'));
        await col.insertOne({ _id: 'o1', a: 1, b: { x: [1, 2] } });
        await col.replaceOne({ _id: 'o1' }, { _id: 'o1', b: { x: [1, 2] }, a: 1 });
        const read = (await col.findOne({ _id: 'o1' }))!;
        expect(Object.keys(read)).toEqual(['_id', 'b', 'a']);
        (read.b as { x: number[] }).x.push(3); // a caller changing what it read changes nothing stored
        const again = (await col.findOne({ _id: 'o1' }))!;
        expect(again).toEqual({ _id: 'o1', b: { x: [1, 2] }, a: 1 });
        expect(again).not.toBe(read);
        const [listed] = await col.find({ a: 1 });
        (listed!.b as { x: number[] }).x.length = 0;
        expect(await col.find({ _id: 'o1' })).toEqual([{ _id: 'o1', b: { x: [1, 2] }, a: 1 }]);
        expect(await col.replaceOne({ _id: 'o1' }, { _id: 'o1', b: { x: [1, 2] }, a: 2 })).toEqual({ matchedCount: 1, modifiedCount: 1 });
        expect(await col.findOne({ _id: 'o1' })).toEqual({ _id: 'o1', b: { x: [1, 2] }, a: 2 });
      });
    });

    describe('deleting', () => {
      it('deleteOne removes one match, deleteMany every match', async () => {
        const col = store.collection<Ticket>(await tickets());
        expect(await col.deleteOne({ 'site.city': 'Oslo', status: 'closed' })).toEqual({ deletedCount: 1 });
        expect(await col.count({ 'site.city': 'Oslo' })).toBe(2);
        expect(await col.deleteMany({ status: 'open' })).toEqual({ deletedCount: 3 });
        expect(await col.deleteOne({ _id: 'nope' })).toEqual({ deletedCount: 0 });
        expect(await col.deleteMany({ status: 'open' })).toEqual({ deletedCount: 0 });
        expect(await col.count()).toBe(2);
        expect(await col.deleteMany({})).toEqual({ deletedCount: 2 });
        expect(await col.find()).toEqual([]);
      });

      it('a deleted _id can be inserted again', async () => {
        const col = store.collection(c('reuse'));
        await col.insertOne({ _id: 'x', v: 1 });
        await col.deleteOne({ _id: 'x' });
        await col.insertOne({ _id: 'x', v: 2 });
        expect(await col.find()).toEqual([{ _id: 'x', v: 2 }]);
      });
    });

    describe('unique keys', () => {
      it('insertOne rejects an _id that is taken, leaving the document as it was', async () => {
        const name = c('people');
        await store.collection(name).insertOne({ _id: 'p1', email: 'a@x' });
        await expectDuplicate(store.collection(name).insertOne({ _id: 'p1', email: 'b@x' }), name);
        expect(await store.collection(name).find()).toEqual([{ _id: 'p1', email: 'a@x' }]);
      });

      it('a unique index rejects inserts, updates, replacements and upserts that would share a key', async () => {
        const name = c('people');
        const col = store.collection(name);
        await col.createIndex({ keys: { email: 1 }, unique: true });
        await col.createIndex({ keys: { email: 1 }, unique: true }); // idempotent
        await col.insertOne({ _id: 'p1', email: 'a@x' });
        await col.insertOne({ _id: 'p2', email: 'b@x' });
        await expectDuplicate(col.insertOne({ _id: 'p3', email: 'a@x' }), name);
        await expectDuplicate(col.updateOne({ _id: 'p2' }, { $set: { email: 'a@x' } }), name);
        await expectDuplicate(col.replaceOne({ _id: 'p2' }, { _id: 'p2', email: 'a@x' }), name);
        await expectDuplicate(col.updateOne({ _id: 'p4' }, { $set: { email: 'b@x' } }, { upsert: true }), name);
        expect(await col.find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'p1', email: 'a@x' },
          { _id: 'p2', email: 'b@x' },
        ]);
        // Rewriting a document with its own key is fine; a freed key can be taken.
        await col.updateOne({ _id: 'p1' }, { $set: { email: 'a@x', name: 'Ann' } });
        await col.updateOne({ _id: 'p1' }, { $set: { email: 'ann@x' } });
        await col.insertOne({ _id: 'p3', email: 'a@x' });
        await col.deleteOne({ _id: 'p2' });
        await col.insertOne({ _id: 'p5', email: 'b@x' });
        expect(await col.count()).toBe(3);
      });

      it('compound unique keys, and creating a unique index over existing duplicates fails', async () => {
        const name = c('visits');
        const col = store.collection(name);
        await col.createIndex({ keys: { ticket: 1, day: 1 }, unique: true, name: 'one_visit_per_day' });
        await col.insertOne({ _id: 'v1', ticket: 't1', day: '2026-03-01' });
        await col.insertOne({ _id: 'v2', ticket: 't1', day: '2026-03-02' });
        await col.insertOne({ _id: 'v3', ticket: 't2', day: '2026-03-01' });
        await expectDuplicate(col.insertOne({ _id: 'v4', ticket: 't1', day: '2026-03-01' }), name);
        await col.insertOne({ _id: 'v5', tech: 'bob', ticket: 't9' });
        await col.insertOne({ _id: 'v6', tech: 'bob', ticket: 't9', day: 'other' });
        await expectDuplicate(col.createIndex({ keys: { tech: 1 }, unique: true }), name);
        await col.insertOne({ _id: 'v7', tech: 'bob' }); // the failed index was not created
      });
    });

    describe('bulkWrite', () => {
      it('applies mixed operations in order and reports what they did', async () => {
        const col = store.collection(c('bulk'));
        await col.insertOne({ _id: 'old', n: 0, kind: 'x' });
        const result = await col.bulkWrite([
          { insertOne: { document: { _id: 'a', n: 1, kind: 'x' } } },
          { insertOne: { document: { _id: 'b', n: 2, kind: 'y' } } },
          { updateOne: { filter: { _id: 'a' }, update: { $set: { seen: true } } } },
          { updateMany: { filter: { kind: 'x' }, update: { $inc: { n: 10 } } } },
          { replaceOne: { filter: { _id: 'b' }, replacement: { _id: 'b', replaced: true } } },
          { updateOne: { filter: { _id: 'c' }, update: { $set: { n: 3 } }, upsert: true } },
          { deleteOne: { filter: { _id: 'old' } } },
          { deleteMany: { filter: { kind: 'none' } } },
          { updateOne: { filter: { _id: 'nope' }, update: { $set: { n: 1 } } } },
        ]);
        expect(result).toEqual({ insertedCount: 2, matchedCount: 4, modifiedCount: 4, deletedCount: 1, upsertedCount: 1 });
        expect(await col.find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'a', n: 11, kind: 'x', seen: true },
          { _id: 'b', replaced: true },
          { _id: 'c', n: 3 },
        ]);
      });

      it('stops at the first failure: earlier operations stay applied, later ones do not run', async () => {
        const name = c('bulk');
        const col = store.collection(name);
        await col.insertOne({ _id: 'taken' });
        await expectDuplicate(
          col.bulkWrite([
            { insertOne: { document: { _id: 'first' } } },
            { updateOne: { filter: { _id: 'taken' }, update: { $set: { touched: true } } } },
            { insertOne: { document: { _id: 'taken' } } },
            { insertOne: { document: { _id: 'after' } } },
          ]),
          name,
        );
        expect(await col.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'first' }, { _id: 'taken', touched: true }]);
      });
    });

    describe('aggregation', () => {
      it('$match, $group, $sort: exact output', async () => {
        const col = store.collection<Ticket>(await tickets());
        const out = await col.aggregate([
          { $match: { status: { $ne: 'cancelled' } } },
          { $group: { _id: '$status', n: { $sum: 1 }, total: { $sum: '$priority' }, top: { $max: '$priority' } } },
          { $sort: { n: -1, _id: 1 } },
        ]);
        expect(out).toEqual([
          { _id: 'open', n: 3, total: 6, top: 3 },
          { _id: 'closed', n: 2, total: 6, top: 4 },
        ]);
      });

      it('$unwind, $group, $project, $limit; an empty pipeline returns everything', async () => {
        const col = store.collection<Ticket>(await tickets());
        const tags = await col.aggregate([
          { $unwind: '$tags' },
          { $group: { _id: '$tags', n: { $sum: 1 }, cities: { $addToSet: '$site.city' } } },
          { $sort: { n: -1, _id: 1 } },
          { $limit: 2 },
          { $project: { _id: 0, tag: '$_id', n: 1, cities: { $size: '$cities' } } },
        ]);
        expect(tags).toEqual([
          { tag: 'urgent', n: 3, cities: 2 },
          { tag: 'laptop', n: 2, cities: 2 },
        ]);
        expect(await col.aggregate([])).toHaveLength(6);
        expect(await col.aggregate([{ $match: { _id: 't4' } }, { $count: 'n' }])).toEqual([{ n: 1 }]);
      });

      it('aggregation results are copies', async () => {
        const col = store.collection<Ticket>(await tickets());
        const [doc] = await col.aggregate<Ticket>([{ $match: { _id: 't1' } }]);
        doc!.site.city = 'mutated';
        const [added] = await col.aggregate<Ticket>([{ $match: { _id: 't1' } }, { $addFields: { 'site.zip': '0150' } }]);
        expect(added!.site).toEqual({ city: 'Oslo', zip: '0150' });
        expect(await col.findOne({ _id: 't1' })).toEqual(TICKETS[0]);
      });
    });

    describe('text search', () => {
      it('ranks the most relevant document first, with decreasing scores', async () => {
        const name = await knowledgeBase();
        const hits = await store.search<Article>(name, 'dishwasher leak');
        expect(hits[0]!.document).toEqual(ARTICLES[0]);
        expect(ids(hits.map((hit) => hit.document)).sort()).toEqual(['kb1', 'kb2', 'kb3', 'kb5']);
        for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
        expect((await store.search(name, 'refrigerator'))[0]!.document._id).toBe('kb4');
      });

      it('stems words: "leaking" finds "leak"', async () => {
        const name = await knowledgeBase();
        expect(ids((await store.search(name, 'leaking')).map((hit) => hit.document)).sort()).toEqual(['kb1', 'kb3']);
      });

      it('restricts hits with a filter and a limit', async () => {
        const name = await knowledgeBase();
        const current = await store.search<Article>(name, 'dishwasher', { filter: { retired: false } });
        expect(ids(current.map((hit) => hit.document)).sort()).toEqual(['kb1', 'kb2']);
        const retired = await store.search(name, 'dishwasher', { filter: { retired: true } });
        expect(ids(retired.map((hit) => hit.document))).toEqual(['kb5']);
        expect(await store.search(name, 'dishwasher leak', { limit: 2 })).toHaveLength(2);
      });

      it('search syntax in user input is never an error; blank input finds nothing', async () => {
        const name = await knowledgeBase();
        for (const text of HOSTILE_SEARCHES) {
          const hits = await store.search(name, text);
          expect(Array.isArray(hits)).toBe(true);
        }
        expect((await store.search(name, '"dishwasher'))[0]!.document._id).toBe('kb1');
        expect(await store.search(name, '')).toEqual([]);
        expect(await store.search(name, ' \t\n ')).toEqual([]);
        expect(await store.search(name, '*:^()')).toEqual([]);
      });

      it('follows writes: updated text is found, deleted documents are gone', async () => {
        const name = await knowledgeBase();
        const col = store.collection<Article>(name);
        await col.updateOne({ _id: 'kb4' }, { $set: { body: 'An ice maker can flood like a dishwasher leak.' } });
        await col.deleteOne({ _id: 'kb1' });
        await col.replaceOne({ _id: 'kb3' }, { _id: 'kb3', title: 'Dryer noise', body: 'Squeaking drum belt.', retired: false });
        const found = ids((await store.search(name, 'dishwasher leak')).map((hit) => hit.document)).sort();
        expect(found).toEqual(['kb2', 'kb4', 'kb5']);
        expect(ids((await store.search(name, 'squeaking')).map((hit) => hit.document))).toEqual(['kb3']);
      });

      it('needs a text index', async () => {
        const name = c('plain');
        await store.collection(name).insertOne({ _id: 'x', title: 'dishwasher' });
        await rejection(store.search(name, 'dishwasher'));
      });
    });

    describe('indexed queries (the same answers as without the index)', () => {
      interface Job extends Document {
        status?: string | null;
        at?: number | string;
        tags?: string[];
        owner?: { id: string } | null;
      }
      /** Jobs with missing and null fields, mixed types and arrays, under compound, nested and multikey indexes. */
      const JOBS: Job[] = [
        { _id: 'j1', status: 'open', at: 5, tags: ['a', 'b'], owner: { id: 'o1' } },
        { _id: 'j2', status: 'open', at: 9, tags: [], owner: null },
        { _id: 'j3', status: 'done', at: 1, tags: ['b'] },
        { _id: 'j4', status: null, at: 7, tags: ['c', 'a'], owner: { id: 'o2' } },
        { _id: 'j5', at: 3, tags: ['a'], owner: { id: 'o1' } },
        { _id: 'j6', status: 'open', at: 'late', owner: { id: 'o2' } },
        { _id: 'j7', status: 'open', at: 2, tags: ['b', 'c'] },
        { _id: 'j8', status: 'done', at: 8, tags: ['a'], owner: { id: 'o1' } },
      ];
      const sortById = { sort: { _id: 1 as const } };

      async function jobs(): Promise<string> {
        const name = c('jobs');
        const col = store.collection<Job>(name);
        await col.createIndex({ keys: { status: 1, at: -1 }, name: 'by_status' });
        await col.createIndex({ keys: { tags: 1 }, name: 'by_tag' });
        await col.createIndex({ keys: { 'owner.id': 1 }, name: 'by_owner' });
        await col.createIndex({ keys: { at: 1 }, name: 'by_at' });
        for (const job of JOBS) await col.insertOne(job);
        return name;
      }

      it('equality then a sort on the next key, with skip and limit, in both directions', async () => {
        const col = store.collection<Job>(await jobs());
        expect(ids(await col.find({ status: 'open' }, { sort: { at: -1 }, limit: 3 }))).toEqual(['j6', 'j2', 'j1']);
        expect(ids(await col.find({ status: 'open' }, { sort: { at: 1 }, skip: 1, limit: 2 }))).toEqual(['j1', 'j2']);
        expect(ids(await col.find({ status: 'open', at: { $lt: 9 } }, { sort: { at: -1 } }))).toEqual(['j1', 'j7']);
        expect((await col.findOne({ status: 'done' }, { sort: { at: -1 } }))?._id).toBe('j8');
        expect(await col.count({ status: 'open' })).toBe(4);
      });

      it('ranges compare within one type; $in; null matches null and missing', async () => {
        const col = store.collection<Job>(await jobs());
        expect(ids(await col.find({ at: { $gte: 3, $lte: 8 } }, sortById))).toEqual(['j1', 'j4', 'j5', 'j8']);
        expect(ids(await col.find({ at: { $gt: 'a' } }, sortById))).toEqual(['j6']);
        expect(ids(await col.find({ status: { $in: ['done', null] } }, sortById))).toEqual(['j3', 'j4', 'j5', 'j8']);
        expect(ids(await col.find({ status: null }, sortById))).toEqual(['j4', 'j5']);
        expect(ids(await col.find({ 'owner.id': null }, sortById))).toEqual(['j2', 'j3', 'j7']);
        expect(await col.count({ status: null })).toBe(2);
        expect(ids(await col.find({}, { sort: { at: 1, _id: 1 }, limit: 3 }))).toEqual(['j3', 'j7', 'j5']);
        // Numbers sort before strings.
        expect(ids(await col.find({}, { sort: { at: -1 }, limit: 2 }))).toEqual(['j6', 'j2']);
      });

      it('arrays: each element is a key; two bounds may be met by different elements', async () => {
        const col = store.collection<Job>(await jobs());
        expect(ids(await col.find({ tags: 'a' }, sortById))).toEqual(['j1', 'j4', 'j5', 'j8']);
        expect(ids(await col.find({ tags: { $in: ['c', 'x'] } }, sortById))).toEqual(['j4', 'j7']);
        expect(ids(await col.find({ tags: { $gt: 'a', $lt: 'c' } }, sortById))).toEqual(['j1', 'j3', 'j4', 'j7']);
        await col.insertOne({ _id: 'j9', at: [0, 10] } as unknown as Job);
        expect(ids(await col.find({ at: { $gt: 4, $lt: 6 } }, sortById))).toEqual(['j1', 'j9']);
        expect(await col.count({ tags: 'b' })).toBe(3);
      });

      it('writes move documents between keys; deletes and updates find their targets; $or of indexed branches', async () => {
        const col = store.collection<Job>(await jobs());
        expect(await col.updateMany({ status: 'open', at: { $lt: 6 } }, { $set: { status: 'done' } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
        expect(ids(await col.find({ status: 'done' }, { sort: { at: 1 } }))).toEqual(['j3', 'j7', 'j1', 'j8']);
        await col.updateOne({ _id: 'j2' }, { $push: { tags: 'z' } });
        await col.replaceOne({ _id: 'j3' }, { _id: 'j3', status: 'open', at: 4, tags: ['z'] });
        expect(ids(await col.find({ tags: 'z' }, sortById))).toEqual(['j2', 'j3']);
        expect(await col.deleteMany({ 'owner.id': 'o1' })).toEqual({ deletedCount: 3 });
        expect(ids(await col.find({ $or: [{ status: 'open' }, { tags: 'c' }] }, sortById))).toEqual(['j2', 'j3', 'j4', 'j6', 'j7']);
        expect(await col.count({ 'owner.id': 'o1' })).toBe(0);
        expect(await col.aggregate([{ $match: { status: 'open' } }, { $group: { _id: null, n: { $sum: 1 } } }])).toEqual([{ _id: null, n: 3 }]);
      });

      it('a partial index: queries it serves and queries it cannot give the answers a scan gives', async () => {
        const name = c('partial');
        const col = store.collection<Job>(name);
        const spec = { keys: { status: 1 as const, at: 1 as const }, name: 'due', partialFilterExpression: { status: { $in: ['open', 'done'] } } };
        await col.createIndex(spec);
        await col.createIndex(spec); // idempotent
        await expect(col.createIndex({ ...spec, partialFilterExpression: { status: 'open' } })).rejects.toThrow();
        for (const job of JOBS) await col.insertOne(job);
        expect(ids(await col.find({ status: 'open', at: { $lte: 5 } }, { sort: { at: 1 } }))).toEqual(['j7', 'j1']);
        expect(ids(await col.find({ status: 'done' }, sortById))).toEqual(['j3', 'j8']);
        expect(ids(await col.find({ status: null }, sortById))).toEqual(['j4', 'j5']); // left out of the index, still found
        expect(ids(await col.find({ status: { $in: ['open', null] } }, sortById))).toEqual(['j1', 'j2', 'j4', 'j5', 'j6', 'j7']);
        expect(await col.count({ status: 'open' })).toBe(4);
        // Documents move in and out of the index as they change.
        await col.updateMany({ status: 'open', at: { $lt: 6 } }, { $set: { status: 'done' } });
        await col.updateOne({ _id: 'j8' }, { $set: { status: 'open' } });
        expect(ids(await col.find({ status: 'open' }, { sort: { at: 1 } }))).toEqual(['j8', 'j2', 'j6']);
        expect(await col.count({ status: 'done' })).toBe(3);
        expect(await col.deleteMany({ status: 'open', at: { $gte: 9 } })).toEqual({ deletedCount: 1 });
        expect(ids(await col.find({ status: 'open' }, sortById))).toEqual(['j6', 'j8']);
      });

      it('dropIndex removes an index (a unique one no longer refuses), and dropping one that is not there is harmless', async () => {
        const name = c('dropped');
        const col = store.collection(name);
        await col.dropIndex('never_created'); // the collection does not exist yet either
        await col.createIndex({ keys: { email: 1 }, unique: true, name: 'by_email' });
        await col.createIndex({ keys: { status: 1, at: 1 }, name: 'due' });
        await col.insertOne({ _id: 'a', email: 'x@y', status: 'open', at: 1 });
        await expect(col.insertOne({ _id: 'b', email: 'x@y' })).rejects.toBeInstanceOf(DuplicateKey);
        await col.dropIndex('by_email');
        await col.dropIndex('by_email');
        await col.insertOne({ _id: 'b', email: 'x@y', status: 'done', at: 2 });
        // The same keys again, now partial: the old definition is gone.
        await col.dropIndex('due');
        await col.createIndex({ keys: { status: 1, at: 1 }, name: 'due_open', partialFilterExpression: { status: 'open' } });
        expect(ids(await col.find({ status: 'open' }, sortById))).toEqual(['a']);
        expect(ids(await col.find({ status: 'done' }, sortById))).toEqual(['b']);
      });

      it('an index created over existing documents answers at once; inside a transaction, its own writes count', async () => {
        const name = c('late_index');
        const col = store.collection<Job>(name);
        for (const job of JOBS) await col.insertOne(job);
        await col.createIndex({ keys: { status: 1, at: 1 }, name: 'late' });
        expect(ids(await col.find({ status: 'open' }, { sort: { at: 1 }, limit: 2 }))).toEqual(['j7', 'j1']);
        await store.transaction(async (tx) => {
          const mine = tx.collection<Job>(name);
          await mine.insertOne({ _id: 'j0', status: 'open', at: 0 });
          await mine.updateOne({ _id: 'j7' }, { $set: { status: 'done' } });
          expect(ids(await mine.find({ status: 'open' }, { sort: { at: 1 }, limit: 2 }))).toEqual(['j0', 'j1']);
          expect(await mine.count({ status: 'open' })).toBe(4);
        });
        expect(ids(await col.find({ status: 'open' }, { sort: { at: 1 }, limit: 2 }))).toEqual(['j0', 'j1']);
      });
    });

    describe('persistence', () => {
      it('documents, unique indexes and the text index survive a reopen', async () => {
        const kb = await knowledgeBase();
        const people = c('people');
        await store.collection(people).createIndex({ keys: { email: 1 }, unique: true });
        await store.collection(people).insertOne({ _id: 'p1', email: 'a@x', nested: { list: [1, 'two', null] } });
        await store.collection(people).updateOne({ _id: 'p1' }, { $push: { 'nested.list': 4 } });

        store = await h.reopen(store);
        expect(await store.collection(people).findOne({ _id: 'p1' })).toEqual({ _id: 'p1', email: 'a@x', nested: { list: [1, 'two', null, 4] } });
        await expectDuplicate(store.collection(people).insertOne({ _id: 'p2', email: 'a@x' }), people);
        expect((await store.search(kb, 'dishwasher leak'))[0]!.document._id).toBe('kb1');
        await store.collection(kb).insertOne({ _id: 'kb-new', title: 'Oven door', body: 'A hinge guide for the oven.', retired: false });
        expect(ids((await store.search(kb, 'hinge')).map((hit) => hit.document))).toEqual(['kb-new']);
        expect(await store.collection(kb).count()).toBe(ARTICLES.length + 1);
      });
    });

    describe('transactions', () => {
      it('returns what work returns; its writes are visible inside and, once it resolves, outside', async () => {
        const a = c('tx_a');
        const b = c('tx_b');
        await store.collection(a).insertOne({ _id: 'keep', n: 1 });
        const result = await store.transaction(async (tx) => {
          await tx.collection(a).insertOne({ _id: 'new', n: 2 });
          await tx.collection(a).updateOne({ _id: 'keep' }, { $inc: { n: 10 } });
          await tx.collection(b).insertOne({ _id: 'other' });
          expect(await tx.collection(a).findOne({ _id: 'new' })).toEqual({ _id: 'new', n: 2 });
          expect(await tx.collection(a).find({}, { sort: { _id: 1 } })).toEqual([
            { _id: 'keep', n: 11 },
            { _id: 'new', n: 2 },
          ]);
          expect(await tx.collection(a).count({ n: { $gt: 1 } })).toBe(2);
          if (store.atomic) {
            expect(await store.collection(a).findOne({ _id: 'new' })).toBeNull();
            expect(await store.collection(a).findOne({ _id: 'keep' })).toEqual({ _id: 'keep', n: 1 });
            expect(await store.collection(b).count()).toBe(0);
          }
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.collection(a).find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'keep', n: 11 },
          { _id: 'new', n: 2 },
        ]);
        expect(await store.collection(b).count()).toBe(1);
      });

      it('a nested transaction runs inside the outer one', async () => {
        const a = c('tx_nested');
        await store.transaction(async (tx) => {
          await tx.transaction(async (inner) => inner.collection(a).insertOne({ _id: 'inner' }));
          expect(await tx.collection(a).count()).toBe(1);
        });
        expect(await store.collection(a).count()).toBe(1);
      });

      it('search inside a transaction sees its own writes', async () => {
        const kb = await knowledgeBase();
        await store.transaction(async (tx) => {
          await tx.collection(kb).insertOne({ _id: 'kb-blender', title: 'Blender smells of smoke', body: 'Motor overheating.', retired: false });
          await tx.collection(kb).deleteOne({ _id: 'kb1' });
          expect(ids((await tx.search(kb, 'blender')).map((hit) => hit.document))).toEqual(['kb-blender']);
          expect(ids((await tx.search(kb, 'dishwasher', { filter: { retired: false } })).map((hit) => hit.document))).toEqual(['kb2']);
          if (store.atomic) expect(await store.search(kb, 'blender')).toEqual([]);
        });
        expect(ids((await store.search(kb, 'blender')).map((hit) => hit.document))).toEqual(['kb-blender']);
      });

      it('atomic stores: when work throws, every write is discarded and the error rethrown', async () => {
        if (!store.atomic) return; // documented: MongoDB applies writes as they are made
        const a = c('tx_fail');
        const kb = await knowledgeBase();
        await store.collection(a).insertOne({ _id: 'keep', n: 1 });
        const boom = new Error('boom');
        const error = await rejection(
          store.transaction(async (tx) => {
            await tx.collection(a).insertOne({ _id: 'new' });
            await tx.collection(a).updateOne({ _id: 'keep' }, { $set: { n: 99 } });
            await tx.collection(a).bulkWrite([{ insertOne: { document: { _id: 'bulk' } } }]);
            await tx.collection(kb).deleteMany({});
            await tx.collection(kb).insertOne({ _id: 'kb-ghost', title: 'Ghost', body: 'Never committed toaster.', retired: false });
            throw boom;
          }),
        );
        expect(error).toBe(boom);
        expect(await store.collection(a).find()).toEqual([{ _id: 'keep', n: 1 }]);
        expect(await store.collection(kb).count()).toBe(ARTICLES.length);
        expect(await store.search(kb, 'toaster')).toEqual([]);
        expect((await store.search(kb, 'dishwasher leak'))[0]!.document._id).toBe('kb1');
      });

      it('atomic stores: unique keys are enforced inside the transaction', async () => {
        if (!store.atomic) return;
        const name = c('tx_unique');
        await store.collection(name).createIndex({ keys: { email: 1 }, unique: true });
        await store.collection(name).insertOne({ _id: 'p1', email: 'a@x' });
        await store.transaction(async (tx) => {
          await tx.collection(name).insertOne({ _id: 'p2', email: 'b@x' });
          await expectDuplicate(tx.collection(name).insertOne({ _id: 'p3', email: 'b@x' }), name);
          await expectDuplicate(tx.collection(name).insertOne({ _id: 'p1', email: 'c@x' }), name);
          await expectDuplicate(tx.collection(name).updateOne({ _id: 'p1' }, { $set: { email: 'b@x' } }), name);
          await tx.collection(name).deleteOne({ _id: 'p1' });
          await tx.collection(name).insertOne({ _id: 'p4', email: 'a@x' }); // freed inside the transaction
        });
        expect(await store.collection(name).find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'p2', email: 'b@x' },
          { _id: 'p4', email: 'a@x' },
        ]);
      });
    });

    describe('collections', () => {
      it('listCollections shows collections with documents or indexes; dropCollection removes them', async () => {
        const withDocs = c('listed');
        const withIndex = c('indexed');
        await store.collection(withDocs).insertOne({ _id: 'x' });
        await store.collection(withIndex).createIndex({ keys: { a: 1 } });
        const listed = await store.listCollections();
        expect(listed).toEqual(expect.arrayContaining([withDocs, withIndex]));
        expect(listed).not.toContain(c('never'));
        await store.dropCollection(withDocs);
        await store.dropCollection(withIndex);
        await store.dropCollection(c('never')); // a no-op
        const after = await store.listCollections();
        expect(after).not.toContain(withDocs);
        expect(after).not.toContain(withIndex);
        expect(await store.collection(withDocs).find()).toEqual([]);
      });

      it('dropping a collection drops its indexes: the name starts over', async () => {
        const people = c('people');
        await store.collection(people).createIndex({ keys: { email: 1 }, unique: true });
        await store.collection(people).insertOne({ _id: 'p1', email: 'a@x' });
        const kb = await knowledgeBase();
        await store.dropCollection(people);
        await store.dropCollection(kb);
        await store.collection(people).insertOne({ _id: 'p1', email: 'a@x' });
        await store.collection(people).insertOne({ _id: 'p2', email: 'a@x' });
        expect(await store.collection(people).count()).toBe(2);
        await store.collection(kb).insertOne({ _id: 'kb1', title: 'dishwasher' });
        await rejection(store.search(kb, 'dishwasher'));
      });

      it('ping resolves', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('properties', () => {
      type Op =
        | { $inc: { n: number } }
        | { $set: { name: string } }
        | { $set: { 'meta.count': number } }
        | { $unset: { name: '' } }
        | { $push: { tags: string } }
        | { $addToSet: { tags: string } }
        | { $pull: { tags: string } };

      type Model = {
        _id: string;
        n: number;
        name?: string;
        meta?: { count: number };
        tags: string[];
      };

      const tag = fc.constantFrom('a', 'b', 'c');
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.integer({ min: -5, max: 5 }).filter((k) => k !== 0).map((k) => ({ $inc: { n: k } })),
        fc.constantFrom('x', 'y').map((s) => ({ $set: { name: s } })),
        fc.integer({ min: 0, max: 2 }).map((k) => ({ $set: { 'meta.count': k } })),
        fc.constant({ $unset: { name: '' as const } }),
        tag.map((t) => ({ $push: { tags: t } })),
        tag.map((t) => ({ $addToSet: { tags: t } })),
        tag.map((t) => ({ $pull: { tags: t } })),
      );

      /** MongoDB's operators, written out by hand for this document shape: an oracle independent of mingo. */
      function model(doc: Model, o: Op): Model {
        const next = JSON.parse(JSON.stringify(doc)) as Model;
        if ('$inc' in o) next.n += o.$inc.n;
        else if ('$set' in o && 'name' in o.$set) next.name = o.$set.name;
        else if ('$set' in o && 'meta.count' in o.$set) next.meta = { count: o.$set['meta.count'] };
        else if ('$unset' in o) delete next.name;
        else if ('$push' in o) next.tags.push(o.$push.tags);
        else if ('$addToSet' in o) {
          if (!next.tags.includes(o.$addToSet.tags)) next.tags.push(o.$addToSet.tags);
        } else if ('$pull' in o) next.tags = next.tags.filter((t) => t !== o.$pull.tags);
        return next;
      }

      it('any sequence of update operators gives what MongoDB semantics say, and modifiedCount says whether it changed', async () => {
        const name = c('prop_updates');
        const col = store.collection(name);
        let runs = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
            let expected: Model = { _id: `doc${runs++}`, n: 0, name: 'start', tags: [] };
            await col.insertOne(expected);
            for (const o of ops) {
              const next = model(expected, o);
              const result = await col.updateOne({ _id: expected._id }, o as Update);
              expect(result).toEqual({ matchedCount: 1, modifiedCount: isDeepStrictEqual(next, expected) ? 0 : 1 });
              expected = next;
            }
            expect(await col.findOne({ _id: expected._id })).toEqual(expected);
          }),
          { numRuns: 40 },
        );
      });

      it('find with a filter, sort, skip and limit equals filtering and sorting the documents by hand', async () => {
        const name = c('prop_find');
        const col = store.collection(name);
        const doc = fc.record({ n: fc.integer({ min: 0, max: 9 }), g: fc.constantFrom('a', 'b', 'c') });
        const query = fc.record({
          min: fc.integer({ min: 0, max: 10 }),
          group: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
          direction: fc.constantFrom(1 as const, -1 as const),
          skip: fc.integer({ min: 0, max: 5 }),
          limit: fc.integer({ min: 0, max: 8 }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(doc, { maxLength: 25 }), query, async (docs, q) => {
            await col.deleteMany({});
            const stored = docs.map((d, i) => ({ _id: `d${String(i).padStart(2, '0')}`, ...d }));
            if (stored.length > 0) await col.bulkWrite(stored.map((document) => ({ insertOne: { document } })));
            const filter: Filter = q.group === undefined ? { n: { $gte: q.min } } : { $or: [{ n: { $gte: q.min } }, { g: q.group }] };
            const expected = stored
              .filter((d) => d.n >= q.min || d.g === q.group)
              .sort((x, y) => (x.n - y.n) * q.direction || x._id.localeCompare(y._id))
              .slice(q.skip, q.limit === 0 ? undefined : q.skip + q.limit);
            const found = await col.find(filter, { sort: { n: q.direction, _id: 1 }, skip: q.skip, limit: q.limit });
            expect(found).toEqual(expected);
            expect(await col.count(filter)).toBe(stored.filter((d) => d.n >= q.min || d.g === q.group).length);
          }),
          { numRuns: 40 },
        );
      });
    });
  });
}
