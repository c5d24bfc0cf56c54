import fc from 'fast-check';
import { addedCounts, countsOfList, histogramOf, MinuteCounts, minuteKey, minutesOfKey, percentilesOf } from '../minute-counts';

/** The days' values counted as the projection counts them (one `$inc` of the value's key each). */
function countsOf(values: readonly number[]): MinuteCounts {
  const counts: MinuteCounts = {};
  for (const minutes of values) counts[minuteKey(minutes)] = (counts[minuteKey(minutes)] ?? 0) + 1;
  return counts;
}

/** Nearest-rank percentile of the values themselves, as the reports computed it from lists. */
function nearestRank(values: readonly number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const minutes = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20_000 }));
const days = fc.array(fc.array(minutes, { maxLength: 60 }), { maxLength: 5 });
const BOUNDS = [0, 15, 30, 60, 120, 1440];

describe('durations counted per number of minutes', () => {
  it('gives a range of days the percentiles, count, max and histogram of all their values', () => {
    fc.assert(
      fc.property(days, (perDay) => {
        const all = perDay.flat();
        const total = addedCounts(perDay.map(countsOf));
        expect(countsOfList(all)).toEqual(total); // a v2 day's list reads as the counts v3 keeps
        expect(percentilesOf(total)).toEqual({ count: all.length, p50: nearestRank(all, 50), p90: nearestRank(all, 90), max: all.length > 0 ? Math.max(...all) : null });
        const histogram = histogramOf(total, BOUNDS);
        expect(histogram.map((b) => b.tickets)).toEqual(BOUNDS.map((from, i) => all.filter((v) => v >= from && (i + 1 === BOUNDS.length || v < BOUNDS[i + 1]!)).length));
        expect(histogram.at(-1)!.toMinutes).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('keeps one key per distinct value, however many values', () => {
    const counts = countsOf(Array.from({ length: 9_000 }, (_, i) => i % 12));
    expect(Object.keys(counts)).toHaveLength(12);
    expect(percentilesOf(counts)).toEqual({ count: 9_000, p50: 5, p90: 10, max: 11 });
  });

  it('reads only its own keys back', () => {
    expect(minutesOfKey(minuteKey(0))).toBe(0);
    expect(minutesOfKey(minuteKey(10_080))).toBe(10_080);
    for (const other of ['m', 'm-1', 'm1.5', '12', 'r5', 'm1e3', '__proto__']) expect(minutesOfKey(other)).toBeUndefined();
    expect(percentilesOf({ m30: 2, r5: 7, m10: 0, m20: -1 } as MinuteCounts)).toEqual({ count: 2, p50: 30, p90: 30, max: 30 });
    expect(percentilesOf(undefined)).toEqual({ count: 0, p50: null, p90: null, max: null });
    expect(addedCounts([{ m5: 1, x: 3 }, undefined, { m5: 2 }])).toEqual({ m5: 3 });
  });
});
