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
  return canonicalMs(iso) ?? Date.parse(iso);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two decimal digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const units = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1–12). */
function daysFromEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

/**
 * The instant of the form every stored instant has ('YYYY-MM-DDTHH:MM:SS.sssZ', what
 * toISOString writes), read by hand; undefined for any other text (Date.parse reads it). Calendars
 * read every booking's instants whenever a new version of them is read, and Date.parse took about
 * three times as long.
 */
function canonicalMs(iso: string): number | undefined {
  if (typeof iso !== 'string' || iso.length !== 24) return undefined;
  if (iso[4] !== '-' || iso[7] !== '-' || iso[10] !== 'T' || iso[13] !== ':' || iso[16] !== ':' || iso[19] !== '.' || iso[23] !== 'Z') return undefined;
  const century = twoDigits(iso, 0);
  const yearOfCentury = twoDigits(iso, 2);
  const month = twoDigits(iso, 5);
  const day = twoDigits(iso, 8);
  const hour = twoDigits(iso, 11);
  const minute = twoDigits(iso, 14);
  const second = twoDigits(iso, 17);
  const centis = twoDigits(iso, 20);
  const millis = iso.charCodeAt(22) - 48;
  if (century < 0 || yearOfCentury < 0 || centis < 0 || !(millis >= 0 && millis <= 9)) return undefined;
  if (!(month >= 1 && month <= 12) || day < 1 || !(hour >= 0 && hour <= 23) || !(minute >= 0 && minute <= 59) || !(second >= 0 && second <= 59)) return undefined;
  const year = century * 100 + yearOfCentury;
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (day > DAYS_IN_MONTH[month - 1]! + leapDay) return undefined;
  return ((daysFromEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + centis * 10 + millis;
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
 * A range's start and end in epoch milliseconds (NaN for a malformed instant), read each time.
 * They were kept per frozen range in a WeakMap: with a range per booking of every calendar
 * version read, the map held about a million entries, and a lookup in it (200–300 ns) cost more
 * than reading the stored form again (about 60 ns, canonicalMs); adding an entry cost microseconds
 * and the collector had to sweep them all.
 */
export function instantsOf(range: TimeRange): readonly [start: number, end: number] {
  return [ms(range.start), ms(range.end)];
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
