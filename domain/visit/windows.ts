import { ms, TimeRange } from '../shared/time';

const DAY = 86_400_000;

/** How many following days get windows when a visit is rescheduled or followed up. */
export const RESCHEDULE_DAYS = 3;

/**
 * The customer's windows moved to the following days: the same times of day (UTC, so a DST
 * change may shift them by an hour in local time) on each of the `days` days after the day of
 * `after` (the visit that did not happen; `now` when later), earliest first. Every window starts
 * after `now`. Used when a visit goes back to matching without the customer having picked new
 * windows yet (no access, nobody free to replace an expert, a follow-up visit): helpdesk or the
 * customer may still change them.
 */
export function nextDaysWindows(windows: readonly TimeRange[], now: Date, after: string | null = null, days = RESCHEDULE_DAYS): TimeRange[] {
  const shapes = new Map<string, { offset: number; length: number }>();
  for (const w of windows) {
    const start = ms(w.start);
    const offset = ((start % DAY) + DAY) % DAY;
    const length = ms(w.end) - start;
    if (length > 0) shapes.set(`${offset}/${length}`, { offset, length });
  }
  const base = Math.max(now.getTime(), after === null ? -Infinity : ms(after));
  const today = Math.floor(base / DAY) * DAY;
  const result: TimeRange[] = [];
  for (let d = 1; d <= days; d++) {
    for (const { offset, length } of shapes.values()) {
      const start = today + d * DAY + offset;
      if (start <= now.getTime()) continue;
      result.push({ start: new Date(start).toISOString(), end: new Date(start + length).toISOString() });
    }
  }
  return result.sort((a, b) => ms(a.start) - ms(b.start) || ms(a.end) - ms(b.end));
}
