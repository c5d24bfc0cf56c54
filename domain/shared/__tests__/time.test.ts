import fc from 'fast-check';
import { deepFreeze } from '../frozen';
import { instantsOf, ms, overlaps, TimeRange } from '../time';

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

describe('ms', () => {
  // Every instant toISOString writes in four-digit years, leap days and the last millisecond of a year among them.
  const anyCanonical = fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }).map((t) => new Date(t).toISOString());
  const canonicalChars = fc.constantFrom(...'0123456789-T:.Z+ '.split(''));

  it('reads every instant of the stored form as Date.parse does', () => {
    fc.assert(
      fc.property(anyCanonical, (iso) => {
        expect(ms(iso)).toBe(Date.parse(iso));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads any other text as Date.parse does (NaN for what is not an instant)', () => {
    // Instants with one character changed: impossible dates, hours and minutes, other separators.
    const changed = fc.tuple(anyCanonical, fc.nat({ max: 23 }), canonicalChars).map(([iso, at, c]) => iso.slice(0, at) + c + iso.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(changed, fc.string(), anyCanonical.map((iso) => iso.slice(0, 19) + 'Z')), (text) => {
        expect(Object.is(ms(text), Date.parse(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    for (const text of ['2024-02-29T12:00:00.000Z', '2023-02-29T12:00:00.000Z', '2100-02-29T12:00:00.000Z', '2000-02-29T12:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-12-08T24:00:00.000Z', '2026-00-08T10:00:00.000Z', '0000-01-01T00:00:00.000Z']) {
      expect(Object.is(ms(text), Date.parse(text))).toBe(true);
    }
  });
});
