import fc from 'fast-check';
import { RowPlaces } from '../embedded/row-places';

describe('a number per row, in typed arrays', () => {
  it('property: sets, deletes and clears agree with a Map, through doublings and the shifts of deletion', () => {
    // Rows from a small range and a few beyond 4-byte rows, so clusters, overwrites, deletions
    // inside clusters and the widening of the row array all happen.
    const row = fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0, max: 600 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0xffff_fff0, max: 0x1_0000_0010 }) },
    );
    const op = fc.oneof(
      { weight: 10, arbitrary: fc.record({ kind: fc.constant('set' as const), row, place: fc.integer({ min: -5, max: 1_000_000 }) }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), row, place: fc.constant(0) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), row, place: fc.constant(0) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const table = new RowPlaces();
        const model = new Map<number, number>();
        for (const { kind, row: r, place } of ops) {
          if (kind === 'set') {
            table.set(r, place);
            model.set(r, place);
          } else if (kind === 'delete') {
            expect(table.delete(r)).toBe(model.delete(r));
            // At once: a later set into the same cluster could hide an entry a deletion cut off.
            for (const [other, at] of model) expect(table.get(other)).toBe(at);
          } else {
            table.clear();
            model.clear();
          }
        }
        expect(table.size).toBe(model.size);
        for (const [r, place] of model) expect(table.get(r)).toBe(place);
        for (let r = 0; r <= 600; r++) if (!model.has(r)) expect(table.get(r)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});
