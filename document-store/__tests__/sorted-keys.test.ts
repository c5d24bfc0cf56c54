import fc from 'fast-check';
import { SortedKeys } from '../embedded/sorted-keys';

/** Keys from a small alphabet: thousands of them fill many chunks, and ranges often meet keys exactly. */
const key = fc.string({ minLength: 1, maxLength: 6 }).map((s) => [...s].map((ch) => 'abcdefgh'[ch.charCodeAt(0) % 8]).join(''));

type Op = { insert: string } | { remove: string } | { reload: string[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 400, arbitrary: key.map((k) => ({ insert: k })) },
  { weight: 60, arbitrary: key.map((k) => ({ remove: k })) },
  { weight: 1, arbitrary: fc.array(key, { maxLength: 1500, size: 'max' }).map((keys) => ({ reload: keys })) },
);

/** Nothing, or 1,600 distinct keys inserted after the random operations. */
const bulk = fc.oneof(fc.constant<string[]>([]), fc.uniqueArray(key, { minLength: 1600, maxLength: 1600 }));

function countIn(model: Set<string>, from: string, to: string): string[] {
  return [...model].filter((k) => k >= from && k < to).sort();
}

describe('sorted index keys', () => {
  let largest = 0;
  // The runs must reach many chunks (512 keys at most each, 256 after a load) for the counts across chunks to be tested:
  // about half of them end with a bulk of 1,600 distinct inserts, so this cannot depend on what the random operations happen to do.
  afterAll(() => expect(largest).toBeGreaterThan(1500));

  it('property: after any inserts, deletes and reloads, every range holds and counts exactly the keys a sorted list does', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 5000, size: 'max' }), bulk, fc.array(fc.tuple(key, key), { minLength: 1, maxLength: 20 }), (ops, tail, ranges) => {
        const keys = new SortedKeys();
        const model = new Set<string>();
        for (const o of [...ops, ...tail.map((k): Op => ({ insert: k }))]) {
          if ('insert' in o) {
            if (model.has(o.insert)) continue; // keys are unique (each ends with its row)
            keys.insert(o.insert);
            model.add(o.insert);
          } else if ('remove' in o) {
            expect(keys.delete(o.remove)).toBe(model.delete(o.remove));
          } else {
            const distinct = [...new Set(o.reload)];
            keys.load([...distinct]);
            model.clear();
            for (const k of distinct) model.add(k);
          }
        }
        expect(keys.size).toBe(model.size);
        largest = Math.max(largest, model.size);
        for (const [a, b] of [...ranges, ['', '\uffff'] as [string, string]]) {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const expected = countIn(model, from, to);
          expect(keys.countBetween(from, to)).toBe(expected.length);
          expect([...keys.between(from, to)]).toEqual(expected);
          expect([...keys.between(from, to, true)]).toEqual(expected.reverse());
        }
      }),
      { numRuns: 60 },
    );
  });
});
