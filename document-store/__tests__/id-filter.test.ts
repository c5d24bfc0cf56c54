import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { IdFilter } from '../embedded/id-filter';

describe('the filter of ids a cache may hold', () => {
  it('property: an id held is never answered "no", through growth and deletions', () => {
    const id = fc.oneof(
      fc.uuid(),
      fc.string({ maxLength: 14 }),
      fc.integer({ min: 0, max: 5000 }).map((n) => `ticket-${n}`),
      fc.integer({ min: 0, max: 5000 }).map((n) => `2026-${n}:expert-7`), // differ only in the middle
    );
    const step = fc.oneof({ arbitrary: fc.record({ add: id }), weight: 3 }, { arbitrary: fc.record({ remove: fc.nat() }), weight: 1 });
    fc.assert(
      fc.property(fc.array(step, { minLength: 400, maxLength: 2500, size: 'max' }), (steps) => {
        const held = new Set<string>();
        const list: string[] = [];
        const filter = new IdFilter(() => held.keys());
        for (const s of steps) {
          if ('add' in s) {
            if (held.has(s.add)) continue;
            // As the cache does: the filter hears of an id before it is held.
            filter.add(s.add);
            held.add(s.add);
            list.push(s.add);
          } else if (list.length > 0) {
            const at = s.remove % list.length;
            held.delete(list[at]!);
            list[at] = list[list.length - 1]!;
            list.pop();
          }
        }
        for (const h of held) expect(filter.mayHold(h)).toBe(true);
      }),
      // Shrinking hundreds of steps takes long: a failure is reported after at most 20 s.
      { numRuns: 40, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });

  it('answers "no" for most absent ids, so lookups of new ones skip the map', () => {
    const held = new Set(Array.from({ length: 50_000 }, () => randomUUID()));
    const filter = new IdFilter(() => held.keys());
    for (const id of held) filter.add(id);
    const absent = Array.from({ length: 20_000 }, () => randomUUID());
    const maybe = absent.filter((id) => filter.mayHold(id)).length / absent.length;
    expect(maybe).toBeLessThan(0.1); // about 5% by design (8 bits and 2 hashes per id)
    // Sequential ids (the end varies) are told apart as well.
    const tickets = new Set(Array.from({ length: 20_000 }, (_, i) => `ticket-${String(i).padStart(6, '0')}`));
    const ticketFilter = new IdFilter(() => tickets.keys());
    for (const id of tickets) ticketFilter.add(id);
    const otherTickets = Array.from({ length: 20_000 }, (_, i) => `ticket-${String(i + 50_000).padStart(6, '0')}`);
    expect(otherTickets.filter((id) => ticketFilter.mayHold(id)).length / otherTickets.length).toBeLessThan(0.1);
  });
});
