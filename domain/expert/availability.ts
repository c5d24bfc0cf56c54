/**
 * An expert's usual working week, in the expert's own local time. It is enforced: an expert is
 * shown, may propose, be assigned, booked or sent as a replacement only for times inside it (and
 * outside their time off and other bookings, in expert.ts). Slots are per local day: adjacent
 * slots of one day join ('08:00–12:00' and '12:00–16:00' take a visit at 11:00–13:00), but a
 * time never runs over local midnight into the next day's slots.
 */
import { instantsOf, ms, TimeRange } from '../shared/time';

/** 'HH:MM', 24-hour; `to` may be '24:00' (end of the day). */
export interface DailySlot {
  from: string;
  to: string;
}

export interface WeeklyAvailability {
  /** IANA time zone id the slots are expressed in, e.g. 'America/Chicago'. */
  timeZone: string;
  /** Exactly seven entries, index = weekday as in Date#getDay: 0 Sunday … 6 Saturday. */
  days: DailySlot[][];
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since local midnight, or null when not 'HH:MM' ('24:00' only when `allowEndOfDay`). */
export function minutesOf(hhmm: string, allowEndOfDay = false): number | null {
  if (allowEndOfDay && hhmm === '24:00') return 24 * 60;
  const m = HH_MM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function isTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Why an availability is not valid, or null when it is. */
export function availabilityProblem(availability: WeeklyAvailability): string | null {
  if (!isTimeZone(availability.timeZone)) return `unknown time zone '${availability.timeZone}'`;
  if (!Array.isArray(availability.days) || availability.days.length !== 7) return 'give slots for exactly seven weekdays (0 = Sunday … 6 = Saturday)';
  for (const [day, slots] of availability.days.entries()) {
    if (!Array.isArray(slots)) return `weekday ${day}: slots must be a list`;
    const spans: Array<[number, number]> = [];
    for (const slot of slots) {
      const from = minutesOf(slot.from);
      const to = minutesOf(slot.to, true);
      if (from === null || to === null) return `weekday ${day}: times must be 'HH:MM'`;
      if (from >= to) return `weekday ${day}: ${slot.from}–${slot.to} ends before it starts`;
      spans.push([from, to]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]![0] < spans[i - 1]![1]) return `weekday ${day}: slots overlap`;
    }
  }
  return null;
}

/** The same availability with each day's slots in start order (equal weeks compare equal). */
export function normalizeAvailability(availability: WeeklyAvailability): WeeklyAvailability {
  return {
    timeZone: availability.timeZone,
    days: availability.days.map((slots) =>
      [...slots].map((s) => ({ from: s.from, to: s.to })).sort((a, b) => (minutesOf(a.from) ?? 0) - (minutesOf(b.from) ?? 0)),
    ),
  };
}

interface LocalTime {
  /** 'YYYY-MM-DD' in the zone. */
  date: string;
  weekday: number;
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MINUTE = 60_000;

/** One formatter per zone: building one costs far more than using it (the feed asks per visit). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

/** The zone's wall clock read by Intl (the slow path: see offsetAt). */
function formattedWallClock(instant: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    weekday: WEEKDAYS[part('weekday')] ?? -1,
    hour: Number(part('hour')),
    minute: Number(part('minute')),
    second: Number(part('second')),
  };
}

/** Zones change their offset only at whole quarter hours: one offset per zone and quarter hour. */
const QUARTER_HOUR = 15 * MINUTE;
const OFFSETS_KEPT = 50_000;
const offsets = new Map<string, Map<number, number>>();

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms (remembered per quarter hour). */
function offsetAt(instant: number, timeZone: string): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) offsets.set(timeZone, (byQuarter = new Map()));
  const quarter = Math.floor(instant / QUARTER_HOUR);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    const at = quarter * QUARTER_HOUR;
    const w = formattedWallClock(at, timeZone);
    offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - at;
    if (byQuarter.size >= OFFSETS_KEPT) byQuarter.clear();
    byQuarter.set(quarter, offset);
  }
  return offset;
}

function wallClock(instant: number, timeZone: string): WallClock {
  const wall = new Date(instant + offsetAt(instant, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    weekday: wall.getUTCDay(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  };
}

function localTime(instant: number, timeZone: string): LocalTime {
  const w = wallClock(instant, timeZone);
  return { date: `${w.year}-${pad2(w.month)}-${pad2(w.day)}`, weekday: w.weekday, minutes: w.hour * 60 + w.minute };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const DAY = 24 * 60 * MINUTE;

/**
 * The zone's local date of an instant, as that date's UTC midnight in ms. Days are numbers here,
 * not 'YYYY-MM-DD': matching ranks every expert for every new visit, and formatting and parsing
 * dates was most of it.
 */
function localDay(instant: number, timeZone: string): number {
  const wall = instant + offsetAt(instant, timeZone);
  return wall - (((wall % DAY) + DAY) % DAY);
}

/**
 * The instant at which the zone's wall clock shows `minutes` after midnight of `day` (see
 * localDay; 1440 is the next midnight). A wall time skipped by a daylight-saving change maps to
 * the same time after the change (02:30 on the spring-forward night is 03:30).
 */
function instantOfLocal(day: number, minutes: number, timeZone: string): number {
  const wall = day + minutes * MINUTE;
  const guess = wall - offsetAt(wall, timeZone);
  const corrected = wall - offsetAt(guess, timeZone);
  return corrected === guess || wall - offsetAt(corrected, timeZone) === corrected ? corrected : Math.max(guess, corrected);
}

/** One local day's slots as instants, adjacent or overlapping slots joined, in start order. */
function dayStretches(availability: WeeklyAvailability, day: number): Array<[number, number]> {
  const spans = (availability.days[new Date(day).getUTCDay()] ?? [])
    .map((slot) => [minutesOf(slot.from), minutesOf(slot.to, true)] as const)
    .filter((s): s is readonly [number, number] => s[0] !== null && s[1] !== null && s[0] < s[1])
    .sort((a, b) => a[0] - b[0]);
  const joined: Array<[number, number]> = [];
  for (const [from, to] of spans) {
    const last = joined[joined.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else joined.push([from, to]);
  }
  return joined.map(([from, to]) => [instantOfLocal(day, from, availability.timeZone), instantOfLocal(day, to, availability.timeZone)]);
}

/** The parts of [start, end) inside the weekly slots, as instants in start order (see availableStretches). */
function stretchesBetween(availability: WeeklyAvailability, start: number, end: number): Array<[number, number]> {
  if (!(start < end)) return [];
  const last = localDay(end - 1, availability.timeZone);
  const stretches: Array<[number, number]> = [];
  for (let day = localDay(start, availability.timeZone); day <= last; day += DAY) {
    for (const [from, to] of dayStretches(availability, day)) {
      const a = Math.max(from, start);
      const b = Math.min(to, end);
      if (a < b) stretches.push([a, b]);
    }
  }
  return stretches;
}

/**
 * The parts of `range` inside the expert's weekly slots, in start order (one per joined slot
 * and local day: a stretch never runs over local midnight).
 */
export function availableStretches(availability: WeeklyAvailability, range: TimeRange): TimeRange[] {
  return stretchesBetween(availability, ms(range.start), ms(range.end)).map(([a, b]) => ({ start: new Date(a).toISOString(), end: new Date(b).toISOString() }));
}

/**
 * Does `range` lie inside the expert's weekly slots, in the expert's time zone? A range that
 * crosses local midnight is never inside (slots are per day); a range ending exactly at local
 * midnight fits a slot ending '24:00'.
 */
export function withinWeeklyAvailability(availability: WeeklyAvailability, range: TimeRange): boolean {
  const start = ms(range.start);
  const end = ms(range.end);
  return stretchesBetween(availability, start, end).some(([a, b]) => a === start && b === end);
}

/** The expert's hours on the local day of an instant: what a refusal tells them is open. */
export interface OpenHours {
  /** 'YYYY-MM-DD' in the expert's time zone. */
  date: string;
  weekday: (typeof WEEKDAY_NAMES)[number];
  timeZone: string;
  /** That weekday's slots, in start order (empty: a day off). */
  slots: DailySlot[];
}

export function openHoursOn(availability: WeeklyAvailability, instant: string): OpenHours {
  const local = localTime(ms(instant), availability.timeZone);
  const slots = [...(availability.days[local.weekday] ?? [])].sort((a, b) => (minutesOf(a.from) ?? 0) - (minutesOf(b.from) ?? 0));
  return { date: local.date, weekday: WEEKDAY_NAMES[local.weekday] ?? 'Sunday', timeZone: availability.timeZone, slots: slots.map((s) => ({ from: s.from, to: s.to })) };
}

/** "08:00–12:00, 13:00–17:00", or "no hours" for a day off. */
export function describeSlots(slots: readonly DailySlot[]): string {
  return slots.length === 0 ? 'no hours' : slots.map((s) => `${s.from}–${s.to}`).join(', ');
}

/** The wall-clock time of an instant in a zone, 'HH:MM'. */
export function localClock(instant: string, timeZone: string): string {
  const minutes = localTime(ms(instant), timeZone).minutes;
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/**
 * Busy ranges (bookings, time off) read once as milliseconds: a caller testing many windows
 * against one calendar (the feed, ranking) parses each range once instead of once per window.
 * A calendar keeps every booking its expert ever had, so a window finds its ranges by binary
 * search rather than by testing them all.
 */
export class BusyTimes {
  private constructor(
    /** [starts[i], ends[i]) in ms, by start. */
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    /** latestEnd[i]: the latest end among ranges 0..i (ranges may nest: time off around bookings). */
    private readonly latestEnd: Float64Array,
  ) {}

  static of(ranges: readonly TimeRange[]): BusyTimes {
    const parsed = ranges.map((r) => instantsOf(r)).sort((x, y) => x[0] - y[0]);
    return BusyTimes.from(
      Float64Array.from(parsed, ([start]) => start),
      Float64Array.from(parsed, ([, end]) => end),
    );
  }

  /**
   * `sorted` (instants by start, as a calendar's booking lookup keeps them) with `others` merged
   * in: a new version of a long calendar is not parsed and sorted again, only copied.
   */
  static merged(sorted: { starts: Float64Array; ends: Float64Array }, others: readonly TimeRange[]): BusyTimes {
    const extra = BusyTimes.of(others);
    const n = sorted.starts.length + extra.starts.length;
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    let i = 0;
    let j = 0;
    for (let k = 0; k < n; k++) {
      // Sorted ones first at equal starts, as a stable sort of them followed by the others.
      if (j >= extra.starts.length || (i < sorted.starts.length && sorted.starts[i]! <= extra.starts[j]!)) {
        starts[k] = sorted.starts[i]!;
        ends[k] = sorted.ends[i++]!;
      } else {
        starts[k] = extra.starts[j]!;
        ends[k] = extra.ends[j++]!;
      }
    }
    return BusyTimes.from(starts, ends);
  }

  private static from(starts: Float64Array, ends: Float64Array): BusyTimes {
    const latestEnd = new Float64Array(ends.length);
    let latest = -Infinity;
    for (let i = 0; i < ends.length; i++) latestEnd[i] = latest = Math.max(latest, ends[i]!);
    return new BusyTimes(starts, ends, latestEnd);
  }

  /** The ranges overlapping [from, to), by start. */
  overlapping(from: number, to: number): (readonly [number, number])[] {
    // Ranges before `first` all end by `from`; those from `last` on start at `to` or later.
    const first = firstIndex(this.latestEnd.length, (i) => this.latestEnd[i]! > from);
    const last = firstIndex(this.starts.length, (i) => this.starts[i]! >= to);
    const found: (readonly [number, number])[] = [];
    for (let i = first; i < last; i++) if (this.ends[i]! > from) found.push([this.starts[i]!, this.ends[i]!]);
    return found;
  }
}

/** The first index in [0, length) at which `holds` (false before it, true from it on), or length. */
export function firstIndex(length: number, holds: (i: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (holds(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

function busyIn(busy: readonly TimeRange[] | BusyTimes, start: number, end: number): (readonly [number, number])[] {
  return (busy instanceof BusyTimes ? busy : BusyTimes.of(busy)).overlapping(start, end);
}

/**
 * Could a visit of `durationMinutes` start somewhere in `window` inside the weekly slots and
 * clear of every `busy` range? (The feed shows a visit only when one of its windows has such a
 * start.)
 */
export function hasOpenStart(availability: WeeklyAvailability, busy: readonly TimeRange[] | BusyTimes, window: TimeRange, durationMinutes: number): boolean {
  return hasOpenStartBetween(availability, busy, ms(window.start), ms(window.end), durationMinutes);
}

/** `hasOpenStart` for a window given in ms. */
export function hasOpenStartBetween(availability: WeeklyAvailability, busy: readonly TimeRange[] | BusyTimes, start: number, end: number, durationMinutes: number): boolean {
  const length = durationMinutes * MINUTE;
  const blocked = busyIn(busy, start, end);
  for (const [from, to] of stretchesBetween(availability, start, end)) {
    let cursor = from;
    for (const [a, b] of blocked) {
      if (b <= cursor) continue;
      if (a >= to) break;
      if (a - cursor >= length) return true;
      cursor = Math.max(cursor, b);
    }
    if (to - cursor >= length) return true;
  }
  return false;
}

/**
 * The starts an expert can offer for a visit of `durationMinutes` in `window`: every
 * `stepMinutes` on the clock at which the whole visit lies inside the weekly slots and clear of
 * every `busy` range (what the proposal dialog lists; each one passes the Expert's checks).
 */
export function openStarts(availability: WeeklyAvailability, busy: readonly TimeRange[] | BusyTimes, window: TimeRange, durationMinutes: number, stepMinutes = 30): string[] {
  return openStartTimes(availability, busy, ms(window.start), ms(window.end), durationMinutes, stepMinutes).map((at) => new Date(at).toISOString());
}

/**
 * `openStarts` for a window given in ms, as ms, the first `limit` of them: a caller asking only
 * whether there is one (the feed, for each shape of the open visits) stops at the first.
 */
export function openStartTimes(availability: WeeklyAvailability, busy: readonly TimeRange[] | BusyTimes, start: number, end: number, durationMinutes: number, stepMinutes = 30, limit = Infinity): number[] {
  const length = durationMinutes * MINUTE;
  const step = stepMinutes * MINUTE;
  const blocked = busyIn(busy, start, end);
  const starts: number[] = [];
  for (const [from, to] of stretchesBetween(availability, start, end)) {
    for (let at = Math.ceil(from / step) * step; at + length <= to; at += step) {
      if (blocked.some(([a, b]) => a < at + length && at < b)) continue;
      starts.push(at);
      if (starts.length >= limit) return starts;
    }
  }
  return starts;
}
