import fc from 'fast-check';
import { Query } from 'mingo';
import { Matcher } from '../embedded/matcher';

describe('the embedded store matcher', () => {
  const word = fc.constantFrom('a', 'b', 'c', 'd', 'é', '', 'a.b', '1');
  const value = fc.oneof(
    word,
    fc.constantFrom<unknown>(1, 0, null, true, undefined, {}, { a: 'a' }),
    fc.array(fc.oneof(word, fc.constantFrom<unknown>(1, null, ['a'], { a: 'a' })), { maxLength: 3 }),
  );
  const doc = fc.record({ _id: fc.string(), k: value, other: value }, { requiredKeys: ['_id'] });
  // Long lists and short ones, with other conditions beside.
  const list = fc.array(word, { minLength: 0, maxLength: 20 }).map((words) => [...words, ...Array.from({ length: words.length > 3 ? 16 : 0 }, (_, i) => `w${i}`)]);
  const filter = fc.oneof(
    list.map((l) => ({ k: { $in: l } })),
    fc.tuple(list, word).map(([l, w]) => ({ k: { $in: l }, other: w })),
    fc.tuple(list, list).map(([l, m]) => ({ k: { $in: l }, other: { $in: m } })),
    fc.tuple(list, word).map(([l, w]) => ({ k: { $in: [...l, null] }, other: { $ne: w } })),
    list.map((l) => ({ 'k.a': { $in: l } })),
    // Equality with a scalar, alone and beside other conditions.
    word.map((w) => ({ k: w })),
    fc.constantFrom<unknown>(1, 0, true, false).map((v) => ({ k: v })),
    fc.tuple(word, list).map(([w, l]) => ({ other: w, k: { $in: l } })),
    fc.tuple(word, word).map(([w, v]) => ({ k: w, other: { $ne: v } })),
    fc.tuple(word, fc.constantFrom<unknown>(1, true)).map(([w, v]) => ({ k: w, other: v, $or: [{ k: 'a' }, { other: 1 }] })),
    word.map((w) => ({ 'k.a': w })),
  );

  it('matches exactly what mingo matches: $in lists short and long, equalities, and what is left to mingo', () => {
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 12 }), filter, (docs, f) => {
        const mingo = new Query(f, {});
        const matcher = new Matcher(f);
        for (const d of docs) expect([f, d, matcher.test(d)]).toEqual([f, d, mingo.test(d)]);
        expect(matcher.find(docs, {}).all()).toEqual(mingo.find(docs, {}).all());
        // The cursor: sorted, skipped, limited and projected as mingo's own.
        const cursor = (c: ReturnType<Matcher['find']>) => c.sort({ k: -1, _id: 1 }).skip(1).limit(5).all();
        expect(cursor(matcher.find(docs, { k: 1 }))).toEqual(cursor(mingo.find(docs, { k: 1 })));
      }),
      { numRuns: 500 },
    );
  });
});
