import fc from 'fast-check';
import { encodeSeq, seqOf } from '../embedded/index-keys';
import { IndexPages } from '../embedded/index-pages';
import { SortedKeys } from '../embedded/sorted-keys';

/**
 * Where the keys live: all in memory, or within a budget of pages (1 byte: every chunk but the
 * last one used goes out to the file; 40 kB: a few chunks stay).
 */
const budget = fc.constantFrom(Infinity, 1, 40_000);

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
  /** Chunks read back from the pages' file, over all runs with a budget. */
  let pagesRead = 0;
  afterAll(() => expect(pagesRead).toBeGreaterThan(0));

  /** After a run: within its budget, the pages held nothing more once the keys are cleared, and their file is closed. */
  function paged(pages: IndexPages, keys: SortedKeys): void {
    const { bytes, resident, reads } = pages.reading();
    if (Number.isFinite(pages.budget)) expect(resident <= 1 || bytes <= pages.budget).toBe(true);
    pagesRead += reads;
    keys.clear();
    expect(keys.size).toBe(0);
    expect(pages.reading()).toMatchObject({ bytes: 0, resident: 0 });
    pages.close();
  }
  // The runs must reach many chunks (128 keys at most each, 64 after a load) for the counts across chunks to be tested:
  // about half of them end with a bulk of 1,600 distinct inserts, so this cannot depend on what the random operations happen to do.
  afterAll(() => expect(largest).toBeGreaterThan(1500));

  it('property: after any inserts, deletes and reloads, every range holds and counts exactly the keys a sorted list does', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 5000, size: 'max' }), bulk, fc.array(fc.tuple(key, key), { minLength: 1, maxLength: 20 }), budget, (ops, tail, ranges, bytes) => {
        const pages = new IndexPages(bytes);
        const keys = new SortedKeys(undefined, pages);
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
        paged(pages, keys);
      }),
      { numRuns: 60 },
    );
  });

  it("property: a row's key is found again after any writes of rows, reloads and the splits they cause", () => {
    // Rows from a small range are written again and again (their one key, several keys, or none),
    // as an index's documents are: each write takes out what keyOf and the row's other keys say.
    type Write = { row: number; values: string[] } | { reload: true };
    const write: fc.Arbitrary<Write> = fc.oneof(
      { weight: 300, arbitrary: fc.record({ row: fc.integer({ min: 0, max: 3000 }), values: fc.array(key, { maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.constant({ reload: true as const }) },
    );
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 6000, size: 'max' }), budget, (writes, bytes) => {
        const pages = new IndexPages(bytes);
        const keys = new SortedKeys(seqOf, pages);
        const model = new Map<number, string[]>();
        const several = new Map<number, string[]>();
        for (const w of writes) {
          if ('reload' in w) {
            keys.load(
              [...model.values()].flat(),
              (row) => !several.has(row),
            );
            continue;
          }
          const before = several.get(w.row) ?? (keys.keyOf(w.row) === undefined ? [] : [keys.keyOf(w.row)!]);
          expect([...before].sort()).toEqual([...(model.get(w.row) ?? [])].sort());
          for (const k of before) expect(keys.delete(k)).toBe(true);
          const next = [...new Set(w.values)].map((v) => v + encodeSeq(w.row));
          if (next.length === 1) keys.insert(next[0]!, true);
          else for (const k of next) keys.insert(k);
          if (next.length > 1) several.set(w.row, next);
          else several.delete(w.row);
          if (next.length === 0) model.delete(w.row);
          else model.set(w.row, next);
        }
        const all = [...model.values()].flat().sort();
        expect(keys.size).toBe(all.length);
        expect([...keys.between('', '\uffff')]).toEqual(all);
        expect(keys.trackedRows).toBe([...model.values()].filter((k) => k.length === 1).length);
        for (const [row, k] of model) expect(keys.keyOf(row)).toBe(k.length === 1 ? k[0] : undefined);
        paged(pages, keys);
      }),
      // Shrinking thousands of writes takes many minutes: the first failing run is reported as it is.
      { numRuns: 40, endOnFailure: true },
    );
  });
});
