/**
 * Durations as the reports read model keeps them: how many values were each whole number of
 * minutes, one key per distinct value (`m<minutes>`), so a busy day's document stays small and a
 * range of days still has exact nearest-rank percentiles and histograms.
 */

/** How many values were each number of minutes, by `minuteKey`. */
export type MinuteCounts = Record<string, number>;

/** The key of a number of minutes (a letter first: a numeric key would read as an array index in an update path). */
export function minuteKey(minutes: number): string {
  return `m${minutes}`;
}

/** The number of minutes of a `minuteKey`; undefined for any other key. */
export function minutesOfKey(key: string): number | undefined {
  const minutes = /^m\d+$/.test(key) ? Number(key.slice(1)) : Number.NaN;
  return Number.isSafeInteger(minutes) ? minutes : undefined;
}

function tally(n: unknown): number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The minutes counted, ascending, each with how many values had it (other keys and counts left out). */
function counted(counts: MinuteCounts | undefined): [minutes: number, values: number][] {
  const found: [number, number][] = [];
  for (const [key, n] of Object.entries(counts ?? {})) {
    const minutes = minutesOfKey(key);
    if (minutes !== undefined && tally(n) > 0) found.push([minutes, tally(n)]);
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/** Values listed one by one (as a v2 day document lists them) as counts. */
export function countsOfList(values: readonly unknown[] | undefined): MinuteCounts {
  const counts: MinuteCounts = {};
  for (const minutes of values ?? []) if (typeof minutes === 'number' && Number.isSafeInteger(minutes) && minutes >= 0) counts[minuteKey(minutes)] = tally(counts[minuteKey(minutes)]) + 1;
  return counts;
}

/** Several days' counts added up. */
export function addedCounts(counts: readonly (MinuteCounts | undefined)[]): MinuteCounts {
  const total: MinuteCounts = {};
  for (const each of counts) for (const [key, n] of Object.entries(each ?? {})) if (minutesOfKey(key) !== undefined) total[key] = tally(total[key]) + tally(n);
  return total;
}

export interface MinutePercentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

/** How many values, their nearest-rank p50 and p90, and the largest (null without values). */
export function percentilesOf(counts: MinuteCounts | undefined): MinutePercentiles {
  const values = counted(counts);
  const total = values.reduce((s, [, n]) => s + n, 0);
  const percentile = (p: number): number | null => {
    const rank = Math.min(total - 1, Math.max(0, Math.ceil((p / 100) * total) - 1));
    let upTo = 0;
    for (const [minutes, n] of values) {
      upTo += n;
      if (rank < upTo) return minutes;
    }
    return null; // no values
  };
  return { count: total, p50: percentile(50), p90: percentile(90), max: values.at(-1)?.[0] ?? null };
}

/** How many values fall in each bucket: from each bound (included) to the next (excluded), the last open. */
export function histogramOf(counts: MinuteCounts | undefined, bounds: readonly number[]): { fromMinutes: number; toMinutes: number | null; tickets: number }[] {
  const values = counted(counts);
  return bounds.map((from, i) => {
    const to = i + 1 < bounds.length ? bounds[i + 1]! : null;
    const tickets = values.filter(([minutes]) => minutes >= from && (to === null || minutes < to)).reduce((s, [, n]) => s + n, 0);
    return { fromMinutes: from, toMinutes: to, tickets };
  });
}
