/**
 * An expert's usual working week, in the expert's own local time. It is advisory: it ranks
 * experts and filters the open visits they are shown, but a booking outside it is allowed (the
 * expert proposed that time, or helpdesk agreed it with them). The calendar (bookings and time
 * off, in expert.ts) is what is enforced.
 */
import { ms, TimeRange } from '../shared/time';

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
  date: string;
  weekday: number;
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localTime(instant: number, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    weekday: WEEKDAYS[part('weekday')] ?? -1,
    minutes: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/**
 * Does `range` lie inside one of the expert's weekly slots, in the expert's time zone?
 * A range that crosses local midnight is never inside (slots are per day); a range ending
 * exactly at local midnight fits a slot ending '24:00'.
 */
export function withinWeeklyAvailability(availability: WeeklyAvailability, range: TimeRange): boolean {
  const start = ms(range.start);
  const end = ms(range.end);
  if (!(start < end)) return false;
  const from = localTime(start, availability.timeZone);
  const lastMoment = localTime(end - 1, availability.timeZone);
  if (lastMoment.date !== from.date) return false;
  const endLocal = localTime(end, availability.timeZone);
  const to = endLocal.date === from.date ? endLocal.minutes : 24 * 60;
  const slots = availability.days[from.weekday] ?? [];
  return slots.some((slot) => (minutesOf(slot.from) ?? Infinity) <= from.minutes && to <= (minutesOf(slot.to, true) ?? -Infinity));
}
