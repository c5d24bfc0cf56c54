/**
 * An expert's calendar as the Expert decider and the Visit both check it: the weekly hours, time
 * off and bookings, what conflicts with a time, and the refusal that says why.
 */
import { DomainError } from '../decider';
import { bookingOfOnce, bookingOverlapping, noteListChange } from './booking-lookup';
import { instantsOf, overlaps, TimeRange } from '../shared/time';
import { describeSlots, localClock, OpenHours, openHoursOn, WeeklyAvailability, withinWeeklyAvailability } from './availability';

export interface Booking {
  visitId: string;
  range: TimeRange;
}

export interface TimeOff {
  timeOffId: string;
  range: TimeRange;
  reason: string;
}

/** What an expert's calendar holds, as the Expert state and the experts read model both carry it. */
export interface ExpertCalendar {
  availability: WeeklyAvailability;
  timeOff: readonly TimeOff[];
  bookings: readonly Booking[];
}

/**
 * The bookings, still in start order, with `booking` in place of the visit's old one: inserted
 * after the bookings that start no later (where a stable sort puts it), found by binary search.
 * Sorting them all again on every booking grew with the expert's history.
 */
export function withBooking(bookings: readonly Booking[], booking: Booking): Booking[] {
  // A new visit's booking (the usual case) copies the list without testing each booking.
  const old = bookingOfOnce(bookings, booking.visitId);
  const others = old ? bookings.filter((b) => b.visitId !== booking.visitId) : bookings.slice();
  const [start] = instantsOf(booking.range);
  let low = 0;
  let high = others.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (instantsOf(others[mid]!.range)[0] <= start) low = mid + 1;
    else high = mid;
  }
  others.splice(low, 0, booking);
  // The new list's lookup comes from the old one's (a visit booked twice is left to be built).
  if (!old || others.length === bookings.length) noteListChange(others, bookings, { removed: old ? bookings.indexOf(old) : -1, added: { booking, at: low } });
  return others;
}

/** The bookings without the visit's. */
export function withoutBooking(bookings: readonly Booking[], visitId: string): Booking[] {
  const rest = bookings.filter((b) => b.visitId !== visitId);
  if (rest.length === bookings.length - 1) noteListChange(rest, bookings, { removed: bookings.findIndex((b) => b.visitId === visitId) });
  return rest;
}

/** Why a time does not fit an expert's calendar. */
export type CalendarConflict =
  | { conflict: 'outside-availability'; openHours: OpenHours }
  | { conflict: 'time-off'; timeOff: TimeOff }
  | { conflict: 'booked'; booking: Booking };

/** The refusal codes of `calendarRefusal` when the caller wants one per kind of conflict. */
export const CONFLICT_CODES: Record<CalendarConflict['conflict'], string> = {
  'outside-availability': 'outside-availability',
  'time-off': 'expert-time-off',
  booked: 'expert-booked',
};

/**
 * Why `range` does not fit the calendar, or null when it does: outside the weekly hours (its
 * start's local day), over time off, or over a booking of another visit than `exceptVisitId`'s
 * (bookings are left out with `bookings: false`: an expert may propose a time they are booked
 * at, in case that booking goes; matching then leaves the proposal out while it stands).
 */
export function calendarConflict(calendar: ExpertCalendar, range: TimeRange, options: { bookings?: boolean; exceptVisitId?: string } = {}): CalendarConflict | null {
  if (!withinWeeklyAvailability(calendar.availability, range)) return { conflict: 'outside-availability', openHours: openHoursOn(calendar.availability, range.start) };
  const off = calendar.timeOff.find((t) => overlaps(t.range, range));
  if (off) return { conflict: 'time-off', timeOff: off };
  if (options.bookings !== false) {
    const booking = bookingOverlapping(calendar.bookings, range, options.exceptVisitId);
    if (booking) return { conflict: 'booked', booking };
  }
  return null;
}

/**
 * The refusal for a conflict: `code` (by default one per kind, CONFLICT_CODES), a sentence that
 * says why, and details for the caller — the kind, and the hours open that day or the time off
 * or booking in the way.
 */
export function calendarRefusal(expertId: string, range: TimeRange, found: CalendarConflict, code: string = CONFLICT_CODES[found.conflict]): DomainError {
  switch (found.conflict) {
    case 'outside-availability': {
      const { openHours } = found;
      const when = `${localClock(range.start, openHours.timeZone)}–${localClock(range.end, openHours.timeZone)}`;
      return new DomainError(
        code,
        `expert ${expertId} works ${describeSlots(openHours.slots)} on ${openHours.weekday} ${openHours.date} (${openHours.timeZone}): ${when} is outside those hours`,
        { conflict: found.conflict, openHours },
      );
    }
    case 'time-off':
      return new DomainError(code, `expert ${expertId} is off from ${found.timeOff.range.start} to ${found.timeOff.range.end} (${found.timeOff.reason})`, {
        conflict: found.conflict,
        timeOff: found.timeOff,
      });
    case 'booked':
      return new DomainError(code, `expert ${expertId} is booked for visit ${found.booking.visitId} then`, { conflict: found.conflict, booking: found.booking });
  }
}
