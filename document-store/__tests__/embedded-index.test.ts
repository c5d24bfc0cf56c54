import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../embedded';
import { Document, DocumentStore, Filter, FindOptions, IndexSpec, Update } from '../port';
import { SecondaryIndex } from '../embedded/secondary-index';

/** Indexes the indexed store declares: single, compound, descending, nested, multikey. */
const INDEXES: IndexSpec[] = [
  // Partial: first, so that it wins the queries it serves as well as `a` does (ties go to the first).
  { keys: { a: 1, b: 1 }, name: 'a_b_partial', partialFilterExpression: { a: { $in: [1, 'a', null] } } },
  { keys: { a: 1 }, name: 'a' },
  { keys: { b: 1, a: -1 }, name: 'b_a' },
  { keys: { 'n.c': 1 }, name: 'n_c' },
  { keys: { tags: 1, b: 1 }, name: 'tags_b' },
];

const scalar = fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom<unknown>(2.5, '', 'a', 'b', 'a\u0000', 'é', 'a\u{1F600}', 'a\uffef', true, false, null));
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ c: scalar }) },
);
const fields = fc.record(
  {
    a: value,
    b: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom<unknown>('x', null, [1, 2])),
    n: fc.oneof(fc.record({ c: value }, { requiredKeys: [] }), fc.constantFrom<unknown>(null, 5, [{ c: 1 }, { c: 'a' }], [])),
    tags: fc.oneof(fc.array(fc.constantFrom('t1', 't2', 't3'), { maxLength: 3 }), fc.constant('t1')),
    pad: fc.constantFrom('', 'x'.repeat(300)),
  },
  { requiredKeys: [] },
);
const id = fc.integer({ min: 0, max: 39 }).map((i) => `d${i}`);

// Beyond Latin-1: U+FFEF, and U+1F600 (two UTF-16 units, sorting before U+FFEF as JS and mingo sort).
const bound = fc.constantFrom<unknown>(-1, 0, 1, 2.5, 3, '', 'a', 'b', 'é', 'a\uffef', 'a\u{1F600}', true, null);
const filter: fc.Arbitrary<Filter> = fc.oneof(
  // Covered by an index: equality, $in, ranges, compound prefixes, null, nested paths, multikey.
  bound.map((v) => ({ a: v })),
  fc.array(bound, { maxLength: 3 }).map((vs) => ({ a: { $in: vs } })),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), bound).map(([op, v]) => ({ a: { [op]: v } })),
  fc.tuple(bound, bound).map(([lo, hi]) => ({ a: { $gt: lo, $lte: hi } })),
  fc.tuple(fc.integer({ min: -1, max: 6 }), fc.integer({ min: 0, max: 3 })).map(([lo, width]) => ({ a: { $gte: lo, $lt: lo + width } })),
  fc.tuple(bound, bound).map(([lo, hi]) => ({ $and: [{ a: { $gte: lo } }, { a: { $lt: hi } }] })),
  fc.tuple(fc.integer({ min: 0, max: 4 }), bound).map(([b, v]) => ({ b, a: { $gte: v } })),
  fc.tuple(fc.integer({ min: 0, max: 4 }), fc.array(bound, { maxLength: 2 })).map(([b, vs]) => ({ b, a: { $in: vs } })),
  // $in on a leading field, sorted on the next: one walk per value, merged.
  fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 4 }), fc.option(bound)).map(([bs, v]) => ({ b: { $in: bs }, ...(v === null ? {} : { a: { $gte: v } }) })),
  fc.integer({ min: -1, max: 5 }).map((b) => ({ b: { $lt: b } })),
  bound.map((v) => ({ 'n.c': v })),
  fc.tuple(fc.constantFrom('t1', 't2', 't4'), fc.integer({ min: 0, max: 4 })).map(([t, b]) => ({ tags: t, b: { $gte: b } })),
  fc.constantFrom('t1', 't2').map((t) => ({ tags: { $in: [t, 't3'] } })),
  fc.constantFrom(['t1'], ['t2', 't1'], ['t3', 't2', 't1']).map((ts) => ({ tags: { $all: ts } })),
  bound.map((v) => ({ a: { $all: [v] } })),
  // Covered in part, or not at all.
  fc.tuple(bound, bound).map(([v, w]) => ({ a: v, $or: [{ b: 1 }, { 'n.c': w }] })),
  fc.tuple(bound, bound).map(([v, w]) => ({ $or: [{ a: { $gt: v } }, { 'n.c': w }, { tags: 't2' }] })),
  fc.tuple(bound, fc.integer({ min: 0, max: 4 })).map(([v, b]) => ({ $or: [{ a: v }, { b }], 'n.c': { $ne: null } })),
  bound.map((v) => ({ a: { $ne: v } })),
  fc.constant({ a: { $exists: false } }),
  fc.constant({ a: [1, 2] }),
  fc.constant({ n: { c: 1 } }),
  fc.constant({}),
);
const sort = fc.constantFrom<FindOptions['sort'] | undefined>(
  undefined,
  { a: 1 },
  { a: -1 },
  { b: 1, a: -1 },
  { b: -1, a: 1 },
  { b: 1 },
  { 'n.c': 1, _id: 1 },
  { tags: 1 },
  { _id: -1 },
);
const options = fc.record({ sort, skip: fc.integer({ min: 0, max: 3 }), limit: fc.integer({ min: 0, max: 5 }) });

type Operation =
  | { kind: 'insert'; id: string; doc: Record<string, unknown> }
  | { kind: 'replace'; id: string; doc: Record<string, unknown> }
  | { kind: 'setTop'; id: string; b: number }
  | { kind: 'update'; filter: Filter; update: Update; many: boolean; upsert: number | undefined }
  | { kind: 'delete'; filter: Filter; many: boolean }
  | { kind: 'bulk'; docs: [string, Record<string, unknown>][]; filter: Filter }
  | { kind: 'transaction'; ops: Operation[]; fail: boolean; queries: Query[] }
  | { kind: 'query'; query: Query }
  | { kind: 'reopen' };

interface Query {
  filter: Filter;
  options: { sort?: Record<string, 1 | -1> | undefined; skip: number; limit: number };
}

const update = fc.oneof(
  fields.map((f) => ({ $set: Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'pad')) })),
  fc.constantFrom<Update>({ $unset: { a: '' } }, { $inc: { b: 1 } }, { $push: { tags: 't2' } }, { $set: { 'n.c': 'b' } }, { $pull: { tags: 't1' } }),
);
/** An $in on b sorted on a, drawn often enough that every run exercises the merged walks, not just most runs. */
const mergedQuery: fc.Arbitrary<Query> = fc.record({
  filter: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 4 }).map((bs) => ({ b: { $in: bs } })),
  options: fc.record({ sort: fc.constantFrom({ a: 1 as const }, { a: -1 as const }), skip: fc.integer({ min: 0, max: 3 }), limit: fc.integer({ min: 1, max: 5 }) }),
});
const query: fc.Arbitrary<Query> = fc.oneof({ weight: 8, arbitrary: fc.record({ filter, options }) }, { weight: 2, arbitrary: mergedQuery });
const write: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), id, doc: fields }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), id, doc: fields }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('setTop' as const), id, b: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), filter, update, many: fc.boolean(), upsert: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), filter, many: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bulk' as const), docs: fc.array(fc.tuple(id, fields), { maxLength: 6 }), filter }) },
);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 8, arbitrary: write },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('query' as const), query }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('transaction' as const),
      ops: fc.array(write, { minLength: 1, maxLength: 8 }),
      fail: fc.boolean(),
      queries: fc.array(query, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** Runs a query every way a collection can: find, findOne, count, a leading $match, and reports all of it. */
async function ask(store: DocumentStore, name: string, q: Query): Promise<unknown> {
  const col = store.collection(name);
  const opts = { ...(q.options.sort ? { sort: q.options.sort } : {}), skip: q.options.skip, limit: q.options.limit };
  return {
    find: await col.find(q.filter, opts),
    findOne: await col.findOne(q.filter, q.options.sort ? { sort: q.options.sort } : {}),
    count: await col.count(q.filter),
    aggregate: await col.aggregate([{ $match: q.filter }, { $project: { tags: 0 } }]),
  };
}

/** Applies a write; what it returned (or the error it threw), to compare. */
async function apply(store: DocumentStore, name: string, op: Operation): Promise<unknown> {
  const col = store.collection(name);
  try {
    switch (op.kind) {
      case 'insert':
        return await col.insertOne({ _id: op.id, ...op.doc });
      case 'replace':
        return await col.replaceOne({ _id: op.id }, { _id: op.id, ...op.doc }, { upsert: true });
      case 'setTop':
        return await col.updateOne({ _id: op.id }, { $set: { b: op.b } });
      case 'update': {
        // An upsert's new _id is given, not random, so both stores insert the same document.
        const change = op.upsert === undefined ? op.update : { ...op.update, $setOnInsert: { _id: `u${op.upsert}` } };
        const upsert = op.upsert !== undefined;
        return op.many ? await col.updateMany(op.filter, change, { upsert }) : await col.updateOne(op.filter, change, { upsert });
      }
      case 'delete':
        return op.many ? await col.deleteMany(op.filter) : await col.deleteOne(op.filter);
      case 'bulk':
        return await col.bulkWrite([
          ...op.docs.map(([_id, doc]) => ({ replaceOne: { filter: { _id }, replacement: { _id, ...doc }, upsert: true } })),
          { deleteMany: { filter: op.filter } },
        ]);
      default:
        throw new Error(`not a write: ${op.kind}`);
    }
  } catch (error) {
    return { error: (error as Error).name };
  }
}

describe('embedded document store: indexed queries return exactly what a scan returns', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-ds-index-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('property: random documents, writes, transactions and queries, with a tiny memory budget', async () => {
    let round = 0;
    let pagesRead = 0;
    const used = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 40 }), fc.boolean(), async (ops, indexFirst) => {
        round++;
        const indexedPath = join(dir, `indexed-${round}.db`);
        const plainPath = join(dir, `plain-${round}.db`);
        // Transactions of 4 documents or more go to the background writer, on both sides alike.
        // indexCacheBytes 1: every chunk of index keys but the last one used is written out to the pages' file.
        const openIndexed = () => new EmbeddedDocumentStore({ path: indexedPath, cacheBytes: 2000, indexCacheBytes: 1, backgroundCommitRows: 4 });
        const openPlain = () => new EmbeddedDocumentStore({ path: plainPath, backgroundCommitRows: 4 });
        let indexed = openIndexed();
        let plain = openPlain();
        const name = 'docs';
        const declare = async () => {
          for (const spec of INDEXES) await indexed.collection(name).createIndex(spec);
        };
        try {
          if (indexFirst) await declare();
          for (const [step, op] of ops.entries()) {
            // Indexes created over a non-empty collection too.
            if (!indexFirst && step === Math.floor(ops.length / 2)) await declare();
            const context = `step ${step}: ${JSON.stringify(op)}`;
            if (op.kind === 'reopen') {
              pagesRead += indexed.indexPages().reads;
              await indexed.close();
              await plain.close();
              indexed = openIndexed();
              plain = openPlain();
            } else if (op.kind === 'query') {
              const { result, plans } = await indexed.explain(() => ask(indexed, name, op.query));
              for (const plan of plans) used.set(plan, (used.get(plan) ?? 0) + 1);
              expect([context, result]).toEqual([context, await ask(plain, name, op.query)]);
            } else if (op.kind === 'transaction') {
              const run = async (store: DocumentStore) => {
                const seen: unknown[] = [];
                try {
                  await store.transaction(async (tx) => {
                    // A transaction's view: committed documents through the index, its own writes on top.
                    for (const [i, inner] of op.ops.entries()) {
                      seen.push(await apply(tx, name, inner));
                      const q = op.queries[i];
                      if (q) seen.push(await ask(tx, name, q));
                    }
                    if (op.fail) throw new Error('rolled back');
                  });
                } catch (error) {
                  seen.push((error as Error).message);
                }
                return seen;
              };
              const { result, plans } = await indexed.explain(() => run(indexed));
              for (const plan of plans) used.set(`tx ${plan}`, (used.get(`tx ${plan}`) ?? 0) + 1);
              expect([context, result]).toEqual([context, await run(plain)]);
            } else {
              expect([context, await apply(indexed, name, op)]).toEqual([context, await apply(plain, name, op)]);
            }
          }
          const everything: Query = { filter: {}, options: { skip: 0, limit: 0 } };
          expect(await ask(indexed, name, everything)).toEqual(await ask(plain, name, everything));
          expect(indexed.heldBodies().bytes).toBeLessThanOrEqual(2000 + 1000); // the last one read stays even if bigger
          expect(indexed.indexPages().resident).toBeLessThanOrEqual(1);
          pagesRead += indexed.indexPages().reads;
        } finally {
          await indexed.close();
          await plain.close();
        }
      }),
      { numRuns: 100 },
    );
    // Queries went through every index, in and out of transactions, walking in sort order too.
    const uses = (prefix: string) => [...used].filter(([plan]) => plan.startsWith(prefix)).reduce((n, [, k]) => n + k, 0);
    for (const plan of ['index a_b_partial', 'index a', 'index b_a', 'index n_c', 'index tags_b', 'tx index a', 'tx index b_a', 'count a', 'scan', 'index a or b_a', 'index b_a in sort order, merging']) {
      expect([plan, uses(plan) > 0]).toEqual([plan, true]);
    }
    expect(uses('index a in sort order') + uses('index b_a in sort order')).toBeGreaterThan(0);
    expect(pagesRead).toBeGreaterThan(0); // keys were read back from the file, not only written out
  }, 300_000);
});

describe('embedded document store: the planner', () => {
  let dir: string;
  let path: string;
  let store: EmbeddedDocumentStore;
  const open = (options: Partial<ConstructorParameters<typeof EmbeddedDocumentStore>[0]> = {}) => new EmbeddedDocumentStore({ path, ...options });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysops-ds-plan-'));
    path = join(dir, 'documents.db');
    store = open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const STATUSES = ['open', 'matched', 'closed', 'cancelled'];
  /** Tickets like the read model's: 1 in 4 open, opened one minute apart. */
  const ticket = (i: number) => ({
    _id: `t${String(i).padStart(5, '0')}`,
    status: STATUSES[i % 4]!,
    customerId: `c${i % 50}`,
    openedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    visits: [{ visitId: `v${i}a` }, { visitId: `v${i}b` }],
  });
  const ids = (docs: Document[]) => docs.map((d) => d._id);

  async function tickets(n: number, s: DocumentStore = store): Promise<void> {
    const col = s.collection('tickets');
    await col.createIndex({ keys: { status: 1, openedAt: -1 }, name: 'by_status' });
    await col.createIndex({ keys: { 'visits.visitId': 1 }, name: 'by_visit' });
    await col.createIndex({ keys: { customerId: 1 }, name: 'by_customer' });
    for (let i = 0; i < n; i += 500) {
      await col.bulkWrite(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ insertOne: { document: ticket(i + k) } })));
    }
  }

  it('equality, sort on the next key and a limit: walks the index in order and stops after the limit', async () => {
    await tickets(4000);
    const col = store.collection('tickets');
    const newestOpen = Array.from({ length: 4000 }, (_, i) => ticket(i))
      .filter((t) => t.status === 'open')
      .reverse();
    const first = await store.explain(() => col.find({ status: 'open' }, { sort: { openedAt: -1 }, limit: 20 }));
    expect(first.result).toEqual(newestOpen.slice(0, 20));
    expect(first.plans).toEqual(['index by_status in sort order']);
    expect(first.examined).toBe(20);
    // Ascending walks the same keys backwards; skip counts towards what the walk needs.
    const page = await store.explain(() => col.find({ status: 'open' }, { sort: { openedAt: 1 }, skip: 40, limit: 10 }));
    expect(ids(page.result)).toEqual(ids([...newestOpen].reverse().slice(40, 50)));
    expect(page.examined).toBe(50);
    const one = await store.explain(() => col.findOne({ status: 'closed' }, { sort: { openedAt: -1 } }));
    expect(one.result?._id).toBe('t03998');
    expect(one.examined).toBe(1);
  });

  it('$in on the leading field, sort on the next and a limit: one walk per value, merged, stopping after the limit', async () => {
    await tickets(4000);
    const col = store.collection('tickets');
    // A burst of open tickets last: the walks do not take turns.
    const burst = Array.from({ length: 15 }, (_, k) => ({ ...ticket(4000 + k), status: 'open' }));
    await col.bulkWrite(burst.map((document) => ({ insertOne: { document } })));
    const newestFirst = [...Array.from({ length: 4000 }, (_, i) => ticket(i)), ...burst]
      .filter((t) => t.status === 'open' || t.status === 'closed')
      .reverse();
    const newest = await store.explain(() => col.find({ status: { $in: ['open', 'closed'] } }, { sort: { openedAt: -1 }, limit: 20 }));
    expect(newest.result).toEqual(newestFirst.slice(0, 20));
    expect(newest.plans).toEqual(['index by_status in sort order, merging 2 walks']);
    expect(newest.examined).toBe(20);
    // Ascending, from a time on, with a value no document has.
    const from = ticket(1001).openedAt;
    const oldest = await store.explain(() => col.find({ status: { $in: ['closed', 'none', 'open'] }, openedAt: { $gte: from } }, { sort: { openedAt: 1 }, limit: 10 }));
    expect(ids(oldest.result)).toEqual(ids([...newestFirst].reverse().filter((t) => t.openedAt >= from).slice(0, 10)));
    expect(oldest.plans).toEqual(['index by_status in sort order, merging 3 walks']);
    expect(oldest.examined).toBe(10);
  });

  it('$in on the leading field and a sort that names it: the merged walks give no order, the documents are sorted', async () => {
    // Found by the property above: the walks, one per value, were merged on the next field only.
    const col = store.collection('docs');
    const plain = store.collection('docs_without_index');
    await col.createIndex({ keys: { b: 1, a: -1 }, name: 'b_a' });
    for (const doc of [{ _id: 'd0', b: 0 }, { _id: 'd1', a: 0, b: [1, 2] }, { _id: 'd2', a: 5, b: 1 }, { _id: 'd3', a: 1, b: 0 }]) {
      await col.insertOne(doc);
      await plain.insertOne(doc);
    }
    for (const sort of [{ b: -1, a: 1 }, { b: 1, a: 1 }, { b: 1, a: -1 }] as const) {
      const found = await store.explain(() => col.find({ b: { $in: [1, 0] } }, { sort }));
      expect(found.result).toEqual(await plain.find({ b: { $in: [1, 0] } }, { sort }));
      expect(await col.findOne({ b: { $in: [1, 0] } }, { sort })).toEqual(await plain.findOne({ b: { $in: [1, 0] } }, { sort }));
      expect(await col.find({ b: { $in: [0, 1] } }, { sort, limit: 2 })).toEqual(await plain.find({ b: { $in: [0, 1] } }, { sort, limit: 2 }));
    }
  });

  it('ranges, $in, multikey fields and a leading $match examine only what they match', async () => {
    await tickets(4000);
    const col = store.collection('tickets');
    const since = ticket(3990).openedAt;
    const recent = await store.explain(() => col.find({ status: 'open', openedAt: { $gte: since } }));
    expect(ids(recent.result)).toEqual(['t03992', 't03996']);
    expect(recent.examined).toBe(2);
    const listed = await store.explain(() => col.find({ 'visits.visitId': { $in: ['v7b', 'v12a', 'v-none'] } }));
    expect(ids(listed.result)).toEqual(['t00007', 't00012']);
    expect(listed).toMatchObject({ plans: ['index by_visit'], examined: 2 });
    const grouped = await store.explain(() => col.aggregate([{ $match: { customerId: 'c7' } }, { $group: { _id: '$status', n: { $sum: 1 } } }, { $sort: { _id: 1 } }]));
    expect(grouped.result).toEqual([{ _id: 'cancelled', n: 40 }, { _id: 'matched', n: 40 }]);
    expect(grouped).toMatchObject({ plans: ['index by_customer'], examined: 80 });
  });

  it('counts from the keys alone when the filter is all the index answers', async () => {
    await tickets(4000);
    const col = store.collection('tickets');
    expect(await store.explain(() => col.count({ status: 'open' }))).toEqual({ result: 1000, plans: ['count by_status'], examined: 0 });
    expect(await store.explain(() => col.count({ status: { $in: ['open', 'closed'] }, openedAt: { $lt: ticket(8).openedAt } }))).toEqual({
      result: 4,
      plans: ['count by_status'],
      examined: 0,
    });
    // Another condition, or an array in the field: the documents are tested (here those of the narrower index).
    expect(await store.explain(() => col.count({ status: 'open', customerId: 'c4' }))).toEqual({ result: 40, plans: ['index by_customer'], examined: 80 });
    expect(await store.explain(() => col.count({ 'visits.visitId': 'v9a' }))).toMatchObject({ result: 1, examined: 1 });
    // An array in a later field of the index: the document has a key per element, so its keys are not counted.
    const pairs = store.collection('pairs');
    await pairs.createIndex({ keys: { b: 1, a: 1 } });
    await pairs.insertOne({ _id: 'p', b: 0, a: [1, 2] });
    expect(await store.explain(() => pairs.count({ b: 0 }))).toMatchObject({ result: 1, plans: ['scan pairs'] });
    expect(await col.count()).toBe(4000);
  });

  it('updates and deletes find their targets through the index; the index follows what they change', async () => {
    await tickets(4000);
    const col = store.collection('tickets');
    const updated = await store.explain(() => col.updateMany({ customerId: 'c3' }, { $set: { status: 'archived' } }));
    expect(updated).toMatchObject({ result: { matchedCount: 80, modifiedCount: 80 }, plans: ['index by_customer'], examined: 80 });
    expect(await col.count({ status: 'archived' })).toBe(80);
    expect(await col.count({ status: 'matched', customerId: 'c3' })).toBe(0);
    const one = await store.explain(() => col.updateOne({ status: 'archived' }, { $set: { status: 'open' } }));
    expect(one.plans).toEqual(['index by_status']);
    expect(await col.findOne({ _id: 't00003' })).toMatchObject({ status: 'open' }); // the first in natural order
    const deleted = await store.explain(() => col.deleteMany({ status: 'archived' }));
    expect(deleted).toMatchObject({ result: { deletedCount: 79 }, examined: 79 });
    expect(await col.count({ customerId: 'c3' })).toBe(1);
    expect((await store.explain(() => col.deleteOne({ 'visits.visitId': 'v5a' }))).examined).toBe(1);
    expect(await col.find({ 'visits.visitId': 'v5b' })).toEqual([]);
    // The top-level fast path of updateOne by _id, and replaceOne by _id, move keys too.
    await col.updateOne({ _id: 't00008' }, { $set: { status: 'closed' } });
    await col.replaceOne({ _id: 't00009' }, { ...ticket(9), status: 'closed', visits: [{ visitId: 'moved' }] });
    expect(ids(await col.find({ status: 'closed', openedAt: { $lte: ticket(10).openedAt } }))).toEqual(['t00002', 't00006', 't00008', 't00009', 't00010']);
    expect(ids(await col.find({ 'visits.visitId': { $in: ['v9a', 'moved'] } }))).toEqual(['t00009']);
  });

  it('each index is built by the first query it may serve, from the documents as they are then', async () => {
    await tickets(1000);
    const col = store.collection('tickets');
    expect(store.builtIndexes()).toEqual([]); // writes alone build none
    expect(await store.explain(() => col.count({ customerId: 'c7' }))).toMatchObject({ result: 20, plans: ['count by_customer'] });
    expect(store.builtIndexes()).toEqual([{ collection: 'tickets', index: 'by_customer', keys: 1000 }]);
    // Written while only by_customer is built: by_status learns of it when it is built.
    await col.updateMany({ customerId: 'c7' }, { $set: { status: 'archived', customerId: 'c8' } });
    await col.insertOne({ ...ticket(5000), status: 'archived' });
    expect(await store.explain(() => col.count({ customerId: 'c7' }))).toMatchObject({ result: 0, plans: ['count by_customer'] });
    const archived = await store.explain(() => col.find({ status: 'archived' }, { sort: { openedAt: -1 }, limit: 3 }));
    expect(archived.plans).toEqual(['index by_status in sort order']);
    expect(ids(archived.result)).toEqual(['t05000', 't00957', 't00907']);
    expect(store.builtIndexes().map(({ index, keys }) => [index, keys])).toEqual([
      ['by_status', 1001],
      ['by_customer', 1001],
    ]);
    // A query no index may serve builds none.
    await col.find({ openedAt: { $gte: ticket(10).openedAt } });
    expect(store.builtIndexes()).toHaveLength(2);
  });

  it("a transaction's queries see its own writes through the committed index; big ones commit in the background", async () => {
    await store.close();
    store = open({ backgroundCommitRows: 10 });
    await tickets(2000);
    const col = store.collection('tickets');
    expect(await col.count({ status: 'open' })).toBe(500); // the index is built now, before the transactions
    const seen = await store.transaction(async (tx) => {
      const mine = tx.collection('tickets');
      await mine.updateMany({ customerId: 'c1' }, { $set: { status: 'open' } }); // 40, none of them open before
      await mine.insertOne({ ...ticket(5000), status: 'open' });
      await mine.deleteOne({ _id: 't01996' });
      return {
        newest: ids(await mine.find({ status: 'open' }, { sort: { openedAt: -1 }, limit: 3 })),
        count: await mine.count({ status: 'open' }),
      };
    });
    expect(seen).toEqual({ newest: ['t05000', 't01992', 't01988'], count: 540 });
    // Committed by the writer thread (41 documents): the index has them.
    expect(ids(await col.find({ status: 'open' }, { sort: { openedAt: -1 }, limit: 3 }))).toEqual(['t05000', 't01992', 't01988']);
    expect(await col.count({ status: 'open' })).toBe(540);
    // A transaction that fails leaves the index as it was.
    await expect(
      store.transaction(async (tx) => {
        await tx.collection('tickets').deleteMany({ status: 'open' });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await col.count({ status: 'open' })).toBe(540);
  });

  it('indexes are built again after a reopen, and when an index is added to a collection that has documents', async () => {
    await tickets(1000);
    const col = (s: DocumentStore) => s.collection('tickets');
    await col(store).createIndex({ keys: { openedAt: 1 }, name: 'by_time' });
    const query = () => col(store).find({ openedAt: { $gt: ticket(996).openedAt } });
    expect(ids((await store.explain(query)).result)).toEqual(['t00997', 't00998', 't00999']);
    expect((await store.explain(query)).plans).toEqual(['index by_time']);
    store = await (async () => {
      await store.close();
      return open();
    })();
    expect(await store.explain(query)).toMatchObject({ plans: ['index by_time'], examined: 3 });
    await col(store).insertOne({ ...ticket(1000) });
    expect(ids(await query())).toEqual(['t00997', 't00998', 't00999', 't01000']);
    await store.dropCollection('tickets');
    expect(await query()).toEqual([]);
    await col(store).insertOne(ticket(1));
    expect(await store.explain(query)).toMatchObject({ result: [], plans: ['scan tickets'] }); // the indexes went with the collection
  });

  it('a top-level $or is answered branch by branch when each branch has an index (the helpdesk queue)', async () => {
    const col = store.collection('queue');
    await col.createIndex({ keys: { flagged: 1 }, name: 'by_flagged' });
    await col.createIndex({ keys: { escalated: 1 }, name: 'by_escalated' });
    const doc = (i: number) => ({ _id: `q${String(i).padStart(4, '0')}`, flagged: i % 100 === 0, escalated: i % 150 === 0, openedAt: String(3000 - i).padStart(4, '0') });
    await col.bulkWrite(Array.from({ length: 3000 }, (_, i) => ({ insertOne: { document: doc(i) } })));
    const queue = await store.explain(() => col.find({ $or: [{ flagged: true }, { escalated: true }] }, { sort: { openedAt: 1 }, limit: 3 }));
    expect(ids(queue.result)).toEqual(['q2900', 'q2850', 'q2800']);
    expect(queue.plans).toEqual(['index by_flagged or by_escalated']);
    expect(queue.examined).toBe(40); // 30 flagged, 20 escalated, 10 both
    // A branch no index answers: the other branches cannot tell, so everything is tested.
    expect((await store.explain(() => col.count({ $or: [{ flagged: true }, { openedAt: '7' }] }))).plans).toEqual(['scan queue']);
  });

  it('a partial index holds only the documents its filter matches, and serves only the queries that imply it', async () => {
    const col = store.collection('messages');
    await col.createIndex({ keys: { status: 1, at: 1 }, name: 'due', partialFilterExpression: { status: { $in: ['pending', 'parked'] } } });
    const status = (i: number) => (i % 10 === 0 ? 'pending' : i % 10 === 1 ? 'parked' : 'sent');
    await col.bulkWrite(Array.from({ length: 1000 }, (_, i) => ({ insertOne: { document: { _id: `m${String(i).padStart(4, '0')}`, status: status(i), at: i } } })));
    const due = await store.explain(() => col.find({ status: 'pending', at: { $lte: 500 } }, { sort: { at: 1 }, limit: 5 }));
    expect(ids(due.result)).toEqual(['m0000', 'm0010', 'm0020', 'm0030', 'm0040']);
    expect(due.plans).toEqual(['index due in sort order']);
    expect(due.examined).toBe(5);
    expect(await store.explain(() => col.count({ status: 'parked' }))).toMatchObject({ result: 100, plans: ['count due'] });
    // Sent messages are not in it: a query for them scans, and so does one that may match them.
    expect(await store.explain(() => col.count({ status: 'sent' }))).toMatchObject({ result: 800, plans: ['scan messages'] });
    expect((await store.explain(() => col.find({ status: { $in: ['pending', 'sent'] } }, { limit: 1 }))).plans).toEqual(['scan messages']);
    expect((await store.explain(() => col.find({ at: 3 }))).plans).toEqual(['scan messages']);

    const index = new SecondaryIndex({ name: 'due', fields: ['status', 'at'], partial: [{ field: 'status', values: ['pending'] }] });
    index.write(1, { _id: 'a', status: 'pending', at: 1 });
    index.write(2, { _id: 'b', status: 'sent', at: 2 });
    index.write(3, { _id: 'c', status: ['sent', 'pending'], at: 3 }); // an element matches, as in MongoDB: a key per element
    expect(index.keys.size).toBe(3);
    index.write(1, { _id: 'a', status: 'sent', at: 1 }); // sent: leaves the index
    expect(index.keys.size).toBe(2);
  });

  it('null matches missing fields; values of different types sort as mingo sorts them', async () => {
    const col = store.collection('mixed');
    await col.createIndex({ keys: { v: 1 } });
    const values: unknown[] = ['b', 2, null, true, 'a', -1, false, undefined, 10, '', [3, 'z'], { x: 1 }];
    for (const [i, v] of values.entries()) await col.insertOne(v === undefined ? { _id: `m${i}` } : { _id: `m${i}`, v });
    expect(ids(await col.find({ v: null }))).toEqual(['m2', 'm7']);
    expect(ids(await col.find({ v: { $gt: 1 } }))).toEqual(['m1', 'm8', 'm10']);
    expect(ids(await col.find({ v: { $gte: 'a' } }))).toEqual(['m0', 'm4', 'm10']);
    expect(ids(await col.find({ v: { $in: [null, false, 'z'] } }))).toEqual(['m2', 'm6', 'm7', 'm10']);
    // An array in the field: mingo sorts it, not the index walk.
    expect(ids(await col.find({}, { sort: { v: 1 }, limit: 4 }))).toEqual(['m2', 'm7', 'm5', 'm1']);
    await col.deleteOne({ _id: 'm10' });
    await col.deleteOne({ _id: 'm11' });
    const sorted = await store.explain(() => col.find({}, { sort: { v: -1, _id: 1 }, limit: 5 }));
    expect(ids(sorted.result)).toEqual(['m3', 'm6', 'm0', 'm4', 'm9']);
    expect(sorted.plans).toEqual(['index v_1 in sort order']);
  });
});
