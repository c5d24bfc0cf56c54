import fc from 'fast-check';
import { deepFreeze } from '../frozen';
import { instantsOf, overlaps, TimeRange } from '../time';

const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).map((t) => new Date(t).toISOString());
const range = fc.record({ start: instant, end: instant });

describe('instants of a range', () => {
  it('are its start and end parsed, whether the range is frozen or not', () => {
    fc.assert(
      fc.property(range, fc.boolean(), (r, frozen) => {
        const given = frozen ? deepFreeze({ ...r }) : { ...r };
        expect(instantsOf(given)).toEqual([Date.parse(r.start), Date.parse(r.end)]);
        expect(instantsOf(given)).toEqual([Date.parse(r.start), Date.parse(r.end)]);
      }),
    );
  });

  it('of a range that can still change are read afresh each time', () => {
    const open: TimeRange = { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T10:00:00.000Z' };
    expect(instantsOf(open)).toEqual([Date.parse(open.start), Date.parse(open.end)]);
    open.end = '2026-12-08T12:00:00.000Z';
    expect(instantsOf(open)[1]).toBe(Date.parse('2026-12-08T12:00:00.000Z'));
    expect(overlaps(open, { start: '2026-12-08T11:00:00.000Z', end: '2026-12-08T11:30:00.000Z' })).toBe(true);
  });

  it('of a malformed range are NaN, which overlaps nothing', () => {
    const bad = deepFreeze({ start: 'tomorrow', end: '2026-12-08T10:00:00.000Z' });
    expect(Number.isNaN(instantsOf(bad)[0])).toBe(true);
    expect(overlaps(bad, { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T09:30:00.000Z' })).toBe(false);
  });
});

describe('overlaps', () => {
  it('holds when each range starts before the other ends (half-open)', () => {
    fc.assert(
      fc.property(range, range, fc.boolean(), (a, b, frozen) => {
        const [x, y] = frozen ? [deepFreeze({ ...a }), deepFreeze({ ...b })] : [a, b];
        expect(overlaps(x, y)).toBe(Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end));
      }),
    );
  });
});
