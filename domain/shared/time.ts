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

/**
 * The instants of frozen ranges, parsed once. Calendars keep every booking the expert has and are
 * checked booking by booking at each proposal, booking and match: parsing four ISO strings per
 * booking each time (about 270 ns apiece) cost more with every booking, while the ranges of a
 * calendar's state are frozen and the same objects from one version of it to the next.
 */
const instantsOfFrozen = new WeakMap<TimeRange, readonly [start: number, end: number]>();

/** A range's start and end in epoch milliseconds (NaN for a malformed instant). */
export function instantsOf(range: TimeRange): readonly [start: number, end: number] {
  const known = instantsOfFrozen.get(range);
  if (known) return known;
  const instants = [ms(range.start), ms(range.end)] as const;
  // Only a frozen range cannot change after it was parsed.
  if (Object.isFrozen(range)) instantsOfFrozen.set(range, instants);
  return instants;
}

/** Half-open ranges overlap when each starts before the other ends. */
export function overlaps(a: TimeRange, b: TimeRange): boolean {
  const [aStart, aEnd] = instantsOf(a);
  const [bStart, bEnd] = instantsOf(b);
  return aStart < bEnd && bStart < aEnd;
}

/** Does [start, start + minutes) fit entirely inside `window`? */
export function fitsIn(window: TimeRange, start: string, minutes: number): boolean {
  return ms(window.start) <= ms(start) && ms(start) + minutes * 60_000 <= ms(window.end);
}

export function rangeOf(start: string, minutes: number): TimeRange {
  return { start, end: addMinutes(start, minutes) };
}
