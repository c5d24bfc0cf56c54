import fc from 'fast-check';
import { idHash, RowsById } from '../embedded/rows-by-id';

describe('rows by id hash: every document’s row without an object per document', () => {
  it('property: adds, moves and removes agree with a Map, also when ids share a hash', () => {
    // Hashes squeezed into a few values, so clusters, collisions and the shifts of removal happen.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('move' as const), id: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.constantFrom(1, 3, 7, 0x7fffffff), (ops, squeeze) => {
        const table = new RowsById();
        const model = new Map<number, number>();
        const hash = (id: number) => (idHash(`d${id}`) & squeeze) || 1;
        let nextRow = 1;
        for (const { kind, id } of ops) {
          const row = model.get(id);
          if (kind === 'add' && row === undefined) {
            table.add(hash(id), nextRow);
            model.set(id, nextRow++);
          } else if (kind === 'move' && row !== undefined) {
            table.move(hash(id), row, nextRow);
            model.set(id, nextRow++);
          } else if (kind === 'remove') {
            expect(table.remove(hash(id), row ?? -1)).toBe(row !== undefined);
            model.delete(id);
            // At once: a later add to the same cluster could hide an entry a removal cut off.
            for (const [other, at] of model) expect(table.find(hash(other), (r) => r === at)).toBe(at);
          }
        }
        expect(table.size).toBe(model.size);
        // Each id is found by its hash, told apart from the others sharing it by its row.
        const rowOwner = new Map([...model].map(([id, row]) => [row, id]));
        for (let id = 0; id <= 300; id++) {
          expect(table.find(hash(id), (row) => rowOwner.get(row) === id)).toBe(model.get(id));
          if (model.has(id)) expect(table.mayHold(hash(id))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its first capacity and keeps every entry', () => {
    const table = new RowsById();
    for (let i = 1; i <= 100_000; i++) table.add(idHash(`id-${i}`), i);
    expect(table.size).toBe(100_000);
    for (let i = 1; i <= 100_000; i += 997) expect(table.find(idHash(`id-${i}`), (row) => row === i)).toBe(i);
    expect(table.mayHold(idHash('never-added'))).toBe(false);
  });

  it('keeps rows past 2^32 exactly, added or moved to, with the smaller ones', () => {
    const table = new RowsById();
    const big = 2 ** 32 + 7;
    for (let i = 1; i <= 1000; i++) table.add(idHash(`id-${i}`), i);
    table.add(idHash('id-big'), big);
    table.move(idHash('id-5'), 5, 2 ** 40);
    for (let i = 1001; i <= 2000; i++) table.add(idHash(`id-${i}`), i); // and through a resize
    expect(table.find(idHash('id-big'), (row) => row === big)).toBe(big);
    expect(table.find(idHash('id-5'), (row) => row === 2 ** 40)).toBe(2 ** 40);
    expect(table.find(idHash('id-5'), (row) => row === 5)).toBeUndefined();
    for (let i = 1; i <= 2000; i += 37) if (i !== 5) expect(table.find(idHash(`id-${i}`), (row) => row === i)).toBe(i);
    expect(table.remove(idHash('id-big'), big)).toBe(true);
    expect(table.size).toBe(2000);
  });

  it('the hash is never 0, the empty slot', () => {
    fc.assert(fc.property(fc.string(), (id) => idHash(id) !== 0));
  });
});
