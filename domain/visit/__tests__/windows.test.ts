import fc from 'fast-check';
import { ms } from '../../shared/time';
import { nextDaysWindows } from '../windows';

describe('nextDaysWindows', () => {
  const windows = [
    { start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T12:00:00.000Z' },
    { start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T12:00:00.000Z' },
    { start: '2026-03-04T14:00:00.000Z', end: '2026-03-04T17:00:00.000Z' },
  ];

  it('keeps the times of day, on the days after the failed visit', () => {
    expect(nextDaysWindows(windows, new Date('2026-03-02T08:00:00Z'), '2026-03-03T10:00:00.000Z', 2)).toEqual([
      { start: '2026-03-04T09:00:00.000Z', end: '2026-03-04T12:00:00.000Z' },
      { start: '2026-03-04T14:00:00.000Z', end: '2026-03-04T17:00:00.000Z' },
      { start: '2026-03-05T09:00:00.000Z', end: '2026-03-05T12:00:00.000Z' },
      { start: '2026-03-05T14:00:00.000Z', end: '2026-03-05T17:00:00.000Z' },
    ]);
  });

  it('starts after now when the visit is long past', () => {
    expect(nextDaysWindows(windows.slice(0, 1), new Date('2026-03-20T10:00:00Z'), '2026-03-03T10:00:00.000Z', 1)).toEqual([
      { start: '2026-03-21T09:00:00.000Z', end: '2026-03-21T12:00:00.000Z' },
    ]);
  });

  it('every window is in the future, as long as an original one, and sorted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 10 * 86_400_000 }), length: fc.integer({ min: 30, max: 600 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 20 * 86_400_000 }),
        (raw, nowOffset) => {
          const base = Date.parse('2026-03-01T00:00:00Z');
          const original = raw.map((w) => ({ start: new Date(base + w.start).toISOString(), end: new Date(base + w.start + w.length * 60_000).toISOString() }));
          const now = new Date(base + nowOffset);
          const moved = nextDaysWindows(original, now);
          expect(moved.length).toBeGreaterThan(0);
          const lengths = new Set(original.map((w) => ms(w.end) - ms(w.start)));
          for (const w of moved) {
            expect(ms(w.start)).toBeGreaterThan(now.getTime());
            expect(lengths.has(ms(w.end) - ms(w.start))).toBe(true);
          }
          for (let i = 1; i < moved.length; i++) expect(ms(moved[i]!.start)).toBeGreaterThanOrEqual(ms(moved[i - 1]!.start));
        },
      ),
    );
  });
});
