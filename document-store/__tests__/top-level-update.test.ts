import fc from 'fast-check';
import { EmbeddedDocumentStore } from '../embedded';
import { Document, Filter, Update } from '../port';
import { applyTopLevel, matchesTopLevel } from '../embedded/top-level-update';

describe('updates of top-level fields without mingo', () => {
  const fields = ['a', 'b', 'n', 'c.d', '$x', 'toString', '__proto__'];
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.double({ noNaN: false }),
    fc.constantFrom('x', 'y', '', null, true, false, -0),
    fc.constant(undefined),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    fc.record({ d: fc.integer({ min: 0, max: 3 }) }),
  );
  // Tallies inside objects (what `$inc` of `t.k` meets): counts, something else, or nothing.
  const tally = fc.oneof(
    fc.dictionary(fc.constantFrom('k', 'j'), fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('x', null, 2.5)), { maxKeys: 2 }),
    fc.record({ k: fc.record({ deep: fc.integer({ min: 0, max: 3 }) }) }),
    fc.constantFrom(null, 3, [1, 2], [{ k: 1 }]),
  );
  const doc = fc.oneof(
    fc.record({ a: fc.constantFrom('x', 1), n: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ n: fc.integer({ min: 0, max: 9 }), t: tally }, { requiredKeys: ['n'] }),
    fc.dictionary(fc.constantFrom('a', 'b', 'n', 'c', 't'), value.filter((v) => v !== undefined), { maxKeys: 4 }),
  );
  const operator = fc.constantFrom('$set', '$unset', '$inc', '$push', '$max');
  const anyModifier = fc.dictionary(operator, fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 3 }), { minKeys: 1, maxKeys: 3 });
  // Mostly updates the fast path takes: plain values on top-level fields.
  const plainModifier = fc.record(
    {
      $set: fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom('x', 'y', null, true)), { maxKeys: 2 }),
      $inc: fc.dictionary(fc.constantFrom('n', 'c', 't', 't.k', 't.j', 't.k.deep', 'u.v', 't.0', 't.$k', 't.toString'), fc.integer({ min: -2, max: 2 }), { maxKeys: 3 }),
      $unset: fc.dictionary(fc.constantFrom('b', 'c', 't'), fc.constant(''), { maxKeys: 1 }),
    },
    { requiredKeys: [] },
  ).filter((m) => Object.keys(m).length > 0);
  const modifier = fc.oneof({ arbitrary: plainModifier, weight: 3 }, { arbitrary: anyModifier, weight: 1 });
  const conditions = fc.oneof(
    fc.constant({}),
    fc.dictionary(fc.constantFrom('a', 'b', 'n', 'c.d'), value.filter((v) => v !== undefined), { maxKeys: 2 }),
  );

  it('property: an update by _id gives what the general (mingo) path gives, result and document alike', async () => {
    const store = new EmbeddedDocumentStore({ path: ':memory:' });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(doc, modifier, conditions, async (fieldsOf, update, extra) => {
        const _id = `d${round++}`;
        const stored = { ...JSON.parse(JSON.stringify(fieldsOf)), _id } as Document;
        const fast = store.collection('fast');
        const general = store.collection('general');
        await fast.insertOne(stored);
        await general.insertOne(stored);
        const outcome = async (run: () => Promise<unknown>) => {
          try {
            return { result: await run() };
          } catch (error) {
            return { error: true };
          }
        };
        // `{ _id: { $eq } }` is not a plain id lookup: the general path.
        const viaFast = await outcome(() => fast.updateOne({ _id, ...extra } as Filter, update as Update));
        const viaGeneral = await outcome(() => general.updateOne({ _id: { $eq: _id }, ...extra } as Filter, update as Update));
        expect(viaFast).toEqual(viaGeneral);
        expect(await fast.findOne({ _id })).toEqual(await general.findOne({ _id }));
      }),
      { numRuns: 1500 },
    );
    await store.close();
  });

  it('counters inside objects: copies on the way, the stored objects untouched', () => {
    const target = { _id: 'a', byType: { A: 1 }, other: { k: 1 } };
    const next = applyTopLevel(target, { $inc: { 'byType.A': 1, 'byType.B': 1, 'fresh.C': 2 } });
    expect(next).toEqual({ _id: 'a', byType: { A: 2, B: 1 }, other: { k: 1 }, fresh: { C: 2 } });
    expect(target).toEqual({ _id: 'a', byType: { A: 1 }, other: { k: 1 } });
    expect(next!.other).toBe(target.other);
    expect(applyTopLevel(target, { $inc: { 'byType.A': 0 } })).toBeNull();
    expect(applyTopLevel(target, { $inc: { byType: 1, 'byType.A': 1 } })).toBeUndefined(); // a conflict
    expect(applyTopLevel({ _id: 'a', byType: null }, { $inc: { 'byType.A': 1 } })).toBeUndefined(); // MongoDB's error
    expect(applyTopLevel({ _id: 'a', list: [1] }, { $inc: { 'list.0': 1 } })).toBeUndefined(); // an array position
  });

  it('hands back a new object and never touches the stored one; null when nothing changes', () => {
    const target = { _id: 'a', n: 1, s: 'x', nested: { k: 1 } };
    const next = applyTopLevel(target, { $inc: { n: 2 }, $set: { s: 'y', added: true }, $unset: { nested: '' } });
    expect(next).toEqual({ _id: 'a', n: 3, s: 'y', added: true });
    expect(target).toEqual({ _id: 'a', n: 1, s: 'x', nested: { k: 1 } });
    expect(applyTopLevel(target, { $set: { s: 'x' }, $inc: { n: 0 }, $unset: { missing: '' } })).toBeNull();
  });

  it('leaves to the general path what it does not decide', () => {
    const target = { _id: 'a', n: 'text', list: [1, 2] };
    expect(applyTopLevel(target, { $inc: { n: 1 } })).toBeUndefined(); // MongoDB's error, not ours
    expect(applyTopLevel(target, { $set: { 'a.b': 1 } })).toBeUndefined();
    expect(applyTopLevel(target, { $set: { o: { k: 1 } } })).toBeUndefined();
    expect(applyTopLevel(target, { $set: { n: 1 }, $unset: { n: '' } })).toBeUndefined(); // a conflict
    expect(applyTopLevel(target, { $push: { list: 3 } })).toBeUndefined();
    expect(matchesTopLevel(target, { _id: 'a', list: 1 })).toBeUndefined(); // equality on an array matches elements
    expect(matchesTopLevel(target, { _id: 'a', n: null })).toBeUndefined(); // null also matches a missing field
    expect(matchesTopLevel(target, { _id: 'a', n: 'text' })).toBe(true);
    expect(matchesTopLevel(target, { _id: 'a', n: 'other' })).toBe(false);
  });
});
