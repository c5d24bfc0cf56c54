import fc from 'fast-check';
import { DocumentCache, HeldBodies, RowReader } from '../embedded/cache';
import { Document } from '../port';

/** The collection's rows as the file holds them: seq → [id, text]. */
class FakeFile implements RowReader {
  readonly rows = new Map<number, [string, string]>();
  row(seq: number): string | undefined {
    return this.rows.get(seq)?.[1];
  }
  rowAt(seq: number): [string, string] | undefined {
    return this.rows.get(seq);
  }
  idAt(seq: number): string | undefined {
    return this.rows.get(seq)?.[0];
  }
  page(_collection: string, afterSeq: number, limit: number): [number, string, string][] {
    return [...this.rows]
      .filter(([seq]) => seq > afterSeq)
      .sort(([a], [b]) => a - b)
      .slice(0, limit)
      .map(([seq, [id, text]]) => [seq, id, text]);
  }
  settle(): void {}
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), id: fc.integer({ min: 0, max: 40 }), n: fc.nat(1000), inFile: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('read' as const), id: fc.integer({ min: 0, max: 40 }) }),
  // As an index's reader does: a row (any, maybe deleted or never written), then its document.
  fc.record({ kind: fc.constant('readAt' as const), id: fc.constant(0), row: fc.integer({ min: 1, max: 60 }) }),
);

describe('document cache: rows by a hash of the id, bodies within a budget', () => {
  it('property: answers as the file does, when ids share hashes and bodies are let go', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.constantFrom(1, 3, 0xffff), fc.constantFrom(0, 400, 100_000), (ops, squeeze, budget) => {
        const file = new FakeFile();
        const cache = new DocumentCache('docs', file, new HeldBodies(budget), (id) => (id.length & squeeze) + 1);
        const model = new Map<string, { seq: number; doc: Document }>();
        let nextSeq = 1;
        for (const step of ops) {
          const id = `doc-${step.id}`;
          const known = model.get(id);
          if (step.kind === 'write') {
            // As a commit does: the row is written first (a new one appended), then the cache told.
            const doc = { _id: id, n: step.n, pad: 'x'.repeat(step.n % 50) };
            const seq = known?.seq ?? nextSeq++;
            file.rows.set(seq, [id, JSON.stringify(doc)]);
            model.set(id, { seq, doc });
            if (!step.inFile) cache.put(id, seq, { ...doc });
            else if (known) cache.putInFile(id, seq);
            else cache.putNew(id, seq);
          } else if (step.kind === 'delete' && known) {
            file.rows.delete(known.seq);
            model.delete(id);
            cache.delete(id);
            expect(cache.idAt(known.seq)).toBeUndefined();
          } else if (step.kind === 'read') {
            expect(cache.get(id)).toEqual(known?.doc);
          } else if (step.kind === 'readAt') {
            const at = [...model].find(([, { seq }]) => seq === step.row);
            const found = cache.idAt(step.row);
            expect(found).toBe(at?.[0]);
            if (found !== undefined) expect(cache.get(found)).toEqual(at![1].doc);
          }
          expect(cache.size).toBe(model.size);
        }
        for (let i = 0; i <= 40; i++) {
          const id = `doc-${i}`;
          expect(cache.seq(id)).toBe(model.get(id)?.seq);
          expect(cache.has(id)).toBe(model.has(id));
          expect(cache.get(id)).toEqual(model.get(id)?.doc);
        }
        const inOrder = [...model].sort(([, a], [, b]) => a.seq - b.seq);
        expect([...cache.rows()].map(({ id, seq, doc }) => [id, seq, doc])).toEqual(inOrder.map(([id, { seq, doc }]) => [id, seq, doc]));
        for (const [id, { seq }] of inOrder) expect(cache.idAt(seq)).toBe(id);
      }),
      { numRuns: 300 },
    );
  });

  it('the id at a row is read with the body, so the read of the document that follows does not go to the file again', () => {
    const file = new FakeFile();
    const cache = new DocumentCache('docs', file, new HeldBodies(100_000));
    for (let seq = 1; seq <= 3; seq++) {
      file.rows.set(seq, [`doc-${seq}`, JSON.stringify({ _id: `doc-${seq}`, n: seq })]);
      cache.putNew(`doc-${seq}`, seq);
    }
    const rowAt = jest.spyOn(file, 'rowAt');
    const idAt = jest.spyOn(file, 'idAt');
    expect(cache.idAt(2)).toBe('doc-2');
    expect(cache.get('doc-2')).toEqual({ _id: 'doc-2', n: 2 });
    expect(cache.idAt(2)).toBe('doc-2');
    expect(rowAt).toHaveBeenCalledTimes(1);
    expect(idAt).not.toHaveBeenCalled();
    // A row a commit under way has deleted (the cache not told yet) holds no document.
    file.rows.delete(3);
    expect(cache.idAt(3)).toBeUndefined();
  });
});
