/**
 * Time in the domain. Events and command data carry instants as ISO-8601 strings (they are
 * JSON); only command metadata carries a Date (`now`). Durations are whole minutes.
 */

/** A half-open interval [start, end) of ISO-8601 instants. */
export interface TimeRange {
  start: string;
  end: string;
}

export function ms(iso: string): number {
  return Date.parse(iso);
}

export function isInstant(iso: string): boolean {
  return typeof iso === 'string' && !Number.isNaN(Date.parse(iso));
}

export function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

export function isValidRange(range: TimeRange): boolean {
  return isInstant(range.start) && isInstant(range.end) && ms(range.start) < ms(range.end);
}

/** Half-open ranges overlap when each starts before the other ends. */
export function overlaps(a: TimeRange, b: TimeRange): boolean {
  return ms(a.start) < ms(b.end) && ms(b.start) < ms(a.end);
}

/** Does [start, start + minutes) fit entirely inside `window`? */
export function fitsIn(window: TimeRange, start: string, minutes: number): boolean {
  return ms(window.start) <= ms(start) && ms(start) + minutes * 60_000 <= ms(window.end);
}

export function rangeOf(start: string, minutes: number): TimeRange {
  return { start, end: addMinutes(start, minutes) };
}
