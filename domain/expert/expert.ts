/**
 * Expert: the profile admin maintains (contact, locale, service area, skills, weekly
 * availability, fee per completed visit) and the expert's CALENDAR (bookings per visit and time
 * off). The calendar is the consistency boundary that makes double booking impossible: every
 * booking is decided against the whole calendar and appended with the expected revision, so two
 * racing bookings for one expert cannot both land.
 *
 * Calendar rules:
 * - Ranges are half-open [start, end): a booking ending at 10:00 and one starting at 10:00 do
 *   not overlap.
 * - `bookTime` for a visit already booked with the same range changes nothing (a saga may
 *   repeat it); with a different range it MOVES the booking (checked against the rest of the
 *   calendar), so "book visit V at R" always means "V is booked at R afterwards".
 * - A booking must not be over already (end > now); time off may be recorded after the fact.
 * - Time off never overlaps a booking (release or move the booking first); time-off entries may
 *   overlap each other.
 * - A booking (or a move) must lie inside the weekly availability (availability.ts), clear of
 *   time off and of other bookings: `bookTime` refuses it with `calendar-conflict`, saying which
 *   (`conflict` in the error's details) and, outside the hours, which hours are open that day.
 *   An extension is the work running over, not a choice of time: it is checked against time off
 *   and other bookings only, so a visit may run past the end of the expert's day.
 * - Deactivation needs no unfinished bookings (end > now); an admin may force it, and the event
 *   then lists the released bookings, whose visits need another expert.
 */
import { Command, Decider, DomainError, DomainEvent } from '../decider';
import { distanceKm, GeoPoint, isGeoPoint } from '../shared/geo';
import { isInstant, isValidRange, ms, overlaps, TimeRange } from '../shared/time';
import { availabilityProblem, normalizeAvailability, WeeklyAvailability, withinWeeklyAvailability } from './availability';
import { bookingOf, bookingOverlapping } from './booking-lookup';
import { Booking, calendarConflict, calendarRefusal, TimeOff, withBooking, withoutBooking } from './calendar';
import { isValidSkillList, normalizeSkills } from './skills';

export type { DailySlot, WeeklyAvailability } from './availability';

export interface ExpertContact {
  email: string;
  phone: string;
}

/** Where the expert works: a radius around their home, or a list of named areas (postal codes, districts). */
export type ServiceArea = { kind: 'radius'; radiusKm: number } | { kind: 'areas'; areas: string[] };

/** A service radius beyond this is a typo, not a service area. */
export const MAX_RADIUS_KM = 500;

// ---- events -------------------------------------------------------------------------------

/** What admin enters to onboard an expert (the command), and what the event records. */
export interface Onboarding {
  expertId: string;
  name: string;
  contact: ExpertContact;
  locale: string;
  homeLocation: GeoPoint;
  serviceArea: ServiceArea;
  skills: string[];
  availability: WeeklyAvailability;
  feePerVisitCents: number;
}

export type ExpertEvent =
  | DomainEvent<
      'ExpertOnboarded',
      Onboarding & { onboardedAt: string }
    >
  | DomainEvent<'ExpertProfileUpdated', { expertId: string; name: string; contact: ExpertContact; locale: string; feePerVisitCents: number }>
  | DomainEvent<'ExpertSkillsUpdated', { expertId: string; skills: string[] }>
  | DomainEvent<'ExpertServiceAreaUpdated', { expertId: string; homeLocation: GeoPoint; serviceArea: ServiceArea }>
  | DomainEvent<'ExpertAvailabilityUpdated', { expertId: string; availability: WeeklyAvailability }>
  | DomainEvent<'ExpertTimeOffAdded', { expertId: string; timeOffId: string; range: TimeRange; reason: string }>
  | DomainEvent<'ExpertTimeOffRemoved', { expertId: string; timeOffId: string }>
  | DomainEvent<'ExpertDeactivated', { expertId: string; reason: string; deactivatedAt: string; releasedBookings: Booking[] }>
  | DomainEvent<'ExpertReactivated', { expertId: string; reactivatedAt: string }>
  | DomainEvent<'ExpertTimeBooked', { expertId: string; visitId: string; range: TimeRange }>
  | DomainEvent<'ExpertBookingMoved', { expertId: string; visitId: string; from: TimeRange; to: TimeRange }>
  | DomainEvent<'ExpertBookingExtended', { expertId: string; visitId: string; previousEnd: string; range: TimeRange }>
  | DomainEvent<'ExpertBookingReleased', { expertId: string; visitId: string; range: TimeRange }>;

// ---- commands -----------------------------------------------------------------------------

export type ExpertCommand =
  | Command<
      'onboardExpert',
      Onboarding
    >
  | Command<'updateExpertProfile', { expertId: string; name: string; contact: ExpertContact; locale: string; feePerVisitCents: number }>
  | Command<'updateSkills', { expertId: string; skills: string[] }>
  | Command<'updateServiceArea', { expertId: string; homeLocation: GeoPoint; serviceArea: ServiceArea }>
  | Command<'updateAvailability', { expertId: string; availability: WeeklyAvailability }>
  | Command<'addTimeOff', { expertId: string; timeOffId: string; range: TimeRange; reason: string }>
  | Command<'removeTimeOff', { expertId: string; timeOffId: string }>
  | Command<'deactivateExpert', { expertId: string; reason: string; force?: boolean }>
  | Command<'reactivateExpert', { expertId: string }>
  | Command<'bookTime', { expertId: string; visitId: string; range: TimeRange }>
  | Command<'releaseBooking', { expertId: string; visitId: string }>
  | Command<'extendBooking', { expertId: string; visitId: string; newEnd: string }>;

// ---- state --------------------------------------------------------------------------------

/** The profile in state is exactly what onboarding records (later updates replace parts of it). */
export type ExpertProfile = Onboarding;

export type ExpertState =
  | { status: 'unknown' }
  | (ExpertProfile & {
      status: 'active' | 'inactive';
      /** Sorted by start; never two overlapping. */
      bookings: Booking[];
      /** Sorted by start; never overlapping a booking. */
      timeOff: TimeOff[];
      deactivation: { reason: string; at: string } | null;
    });

type Onboarded = Exclude<ExpertState, { status: 'unknown' }>;

// ---- decider ------------------------------------------------------------------------------

export const expertDecider: Decider<ExpertState, ExpertCommand, ExpertEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'ExpertOnboarded') {
      const { onboardedAt: _at, ...profile } = event.data;
      return { status: 'active', ...profile, bookings: [], timeOff: [], deactivation: null };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'ExpertProfileUpdated': {
        const { name, contact, locale, feePerVisitCents } = event.data;
        return { ...state, name, contact, locale, feePerVisitCents };
      }
      case 'ExpertSkillsUpdated':
        return { ...state, skills: event.data.skills };
      case 'ExpertServiceAreaUpdated':
        return { ...state, homeLocation: event.data.homeLocation, serviceArea: event.data.serviceArea };
      case 'ExpertAvailabilityUpdated':
        return { ...state, availability: event.data.availability };
      case 'ExpertTimeOffAdded': {
        const { timeOffId, range, reason } = event.data;
        return { ...state, timeOff: sortByStart([...state.timeOff.filter((t) => t.timeOffId !== timeOffId), { timeOffId, range, reason }]) };
      }
      case 'ExpertTimeOffRemoved':
        return { ...state, timeOff: state.timeOff.filter((t) => t.timeOffId !== event.data.timeOffId) };
      case 'ExpertDeactivated': {
        const released = new Set(event.data.releasedBookings.map((b) => b.visitId));
        return {
          ...state,
          status: 'inactive',
          bookings: state.bookings.filter((b) => !released.has(b.visitId)),
          deactivation: { reason: event.data.reason, at: event.data.deactivatedAt },
        };
      }
      case 'ExpertReactivated':
        return { ...state, status: 'active', deactivation: null };
      case 'ExpertTimeBooked':
        return { ...state, bookings: withBooking(state.bookings, { visitId: event.data.visitId, range: event.data.range }) };
      case 'ExpertBookingMoved':
        return { ...state, bookings: withBooking(state.bookings, { visitId: event.data.visitId, range: event.data.to }) };
      case 'ExpertBookingExtended':
        return { ...state, bookings: withBooking(state.bookings, { visitId: event.data.visitId, range: event.data.range }) };
      case 'ExpertBookingReleased':
        return { ...state, bookings: withoutBooking(state.bookings, event.data.visitId) };
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    if (command.type === 'onboardExpert') {
      if (state.status !== 'unknown') throw new DomainError('expert-already-onboarded', `expert ${command.data.expertId} is already onboarded`);
      const d = command.data;
      assertProfile(d);
      assertHomeLocation(d.homeLocation);
      const serviceArea = validServiceArea(d.serviceArea);
      const skills = validSkills(d.skills);
      const availability = validAvailability(d.availability);
      return [
        {
          type: 'ExpertOnboarded',
          data: {
            expertId: d.expertId,
            name: d.name.trim(),
            contact: { email: d.contact.email.trim(), phone: d.contact.phone.trim() },
            locale: d.locale,
            homeLocation: { lat: d.homeLocation.lat, lon: d.homeLocation.lon },
            serviceArea,
            skills,
            availability,
            feePerVisitCents: d.feePerVisitCents,
            onboardedAt: now,
          },
        },
      ];
    }
    const expert = onboarded(state, command.data.expertId);
    const { expertId } = expert;
    switch (command.type) {
      case 'updateExpertProfile': {
        const d = command.data;
        assertProfile(d);
        const next = { name: d.name.trim(), contact: { email: d.contact.email.trim(), phone: d.contact.phone.trim() }, locale: d.locale, feePerVisitCents: d.feePerVisitCents };
        const current = { name: expert.name, contact: expert.contact, locale: expert.locale, feePerVisitCents: expert.feePerVisitCents };
        if (sameJson(next, current)) return [];
        return [{ type: 'ExpertProfileUpdated', data: { expertId, ...next } }];
      }
      case 'updateSkills': {
        const skills = validSkills(command.data.skills);
        if (sameJson(skills, expert.skills)) return [];
        return [{ type: 'ExpertSkillsUpdated', data: { expertId, skills } }];
      }
      case 'updateServiceArea': {
        assertHomeLocation(command.data.homeLocation);
        const homeLocation = { lat: command.data.homeLocation.lat, lon: command.data.homeLocation.lon };
        const serviceArea = validServiceArea(command.data.serviceArea);
        if (sameJson({ homeLocation, serviceArea }, { homeLocation: expert.homeLocation, serviceArea: expert.serviceArea })) return [];
        return [{ type: 'ExpertServiceAreaUpdated', data: { expertId, homeLocation, serviceArea } }];
      }
      case 'updateAvailability': {
        const availability = validAvailability(command.data.availability);
        if (sameJson(availability, expert.availability)) return [];
        return [{ type: 'ExpertAvailabilityUpdated', data: { expertId, availability } }];
      }
      case 'addTimeOff': {
        const { timeOffId } = command.data;
        const range = validRange(command.data.range);
        const reason = command.data.reason.trim();
        if (!reason) throw new DomainError('invalid-reason', 'time off needs a reason');
        const existing = expert.timeOff.find((t) => t.timeOffId === timeOffId);
        if (existing) {
          if (sameRange(existing.range, range) && existing.reason === reason) return [];
          throw new DomainError('time-off-already-exists', `time off ${timeOffId} already exists with other details`);
        }
        const hit = bookingOverlapping(expert.bookings, range);
        if (hit) throw new DomainError('time-off-overlaps-booking', `the time off overlaps the booking for visit ${hit.visitId}`);
        return [{ type: 'ExpertTimeOffAdded', data: { expertId, timeOffId, range, reason } }];
      }
      case 'removeTimeOff':
        if (!expert.timeOff.some((t) => t.timeOffId === command.data.timeOffId)) return [];
        return [{ type: 'ExpertTimeOffRemoved', data: { expertId, timeOffId: command.data.timeOffId } }];
      case 'deactivateExpert': {
        const reason = command.data.reason.trim();
        if (!reason) throw new DomainError('invalid-reason', 'deactivation needs a reason');
        if (expert.status === 'inactive') return [];
        const unfinished = expert.bookings.filter((b) => ms(b.range.end) > command.metadata.now.getTime());
        if (unfinished.length > 0) {
          if (!command.data.force) {
            throw new DomainError('expert-has-future-bookings', `expert ${expertId} still has ${unfinished.length} booking(s); release them or force`);
          }
          if (command.metadata.actor.role !== 'admin') throw new DomainError('force-requires-admin', 'only an admin may force a deactivation');
        }
        return [{ type: 'ExpertDeactivated', data: { expertId, reason, deactivatedAt: now, releasedBookings: unfinished } }];
      }
      case 'reactivateExpert':
        if (expert.status === 'active') return [];
        return [{ type: 'ExpertReactivated', data: { expertId, reactivatedAt: now } }];
      case 'bookTime': {
        const { visitId } = command.data;
        const range = validRange(command.data.range);
        const current = bookingOf(expert.bookings, visitId);
        if (current && sameRange(current.range, range)) return [];
        assertActive(expert);
        if (ms(range.end) <= command.metadata.now.getTime()) throw new DomainError('range-in-past', 'a booking must not be over already');
        const conflict = calendarConflict(expert, range, { exceptVisitId: visitId });
        if (conflict) throw calendarRefusal(expertId, range, conflict, 'calendar-conflict');
        if (current) return [{ type: 'ExpertBookingMoved', data: { expertId, visitId, from: current.range, to: range } }];
        return [{ type: 'ExpertTimeBooked', data: { expertId, visitId, range } }];
      }
      case 'releaseBooking': {
        const current = bookingOf(expert.bookings, command.data.visitId);
        if (!current) return [];
        return [{ type: 'ExpertBookingReleased', data: { expertId, visitId: current.visitId, range: current.range } }];
      }
      case 'extendBooking': {
        const { visitId } = command.data;
        const current = bookingOf(expert.bookings, visitId);
        if (!current) throw new DomainError('booking-not-found', `expert ${expertId} has no booking for visit ${visitId}`);
        if (!isInstant(command.data.newEnd)) throw new DomainError('invalid-range', 'the new end must be an ISO instant');
        const newEnd = canonical(command.data.newEnd);
        if (ms(newEnd) === ms(current.range.end)) return [];
        if (ms(newEnd) < ms(current.range.end)) throw new DomainError('invalid-extension', 'an extension must end later than the booking does');
        assertActive(expert);
        const range = { start: current.range.start, end: newEnd };
        assertFree(expert, range, visitId);
        return [{ type: 'ExpertBookingExtended', data: { expertId, visitId, previousEnd: current.range.end, range } }];
      }
    }
  },
};

// ---- rules --------------------------------------------------------------------------------

function onboarded(state: ExpertState, expertId: string): Onboarded {
  if (state.status === 'unknown') throw new DomainError('expert-not-found', `no expert ${expertId}`);
  return state;
}

function assertActive(expert: Onboarded): void {
  if (expert.status !== 'active') throw new DomainError('expert-inactive', `expert ${expert.expertId} is deactivated`);
}

function assertFree(expert: Onboarded, range: TimeRange, visitId: string): void {
  const booking = bookingOverlapping(expert.bookings, range, visitId);
  if (booking) throw new DomainError('calendar-conflict', `expert ${expert.expertId} is booked for visit ${booking.visitId} then`);
  const off = expert.timeOff.find((t) => overlaps(t.range, range));
  if (off) throw new DomainError('calendar-conflict', `expert ${expert.expertId} is off then (${off.reason})`);
}

function assertProfile(d: { name: string; contact: ExpertContact; locale: string; feePerVisitCents: number }): void {
  if (!d.name.trim()) throw new DomainError('invalid-contact', 'an expert needs a name');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(d.contact.email.trim())) throw new DomainError('invalid-contact', 'the e-mail address is not valid');
  if (!/^\+?[0-9 ()-]{6,20}$/.test(d.contact.phone.trim())) throw new DomainError('invalid-contact', 'the phone number is not valid');
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(d.locale)) throw new DomainError('invalid-locale', `'${d.locale}' is not a locale like 'en-US'`);
  if (!Number.isInteger(d.feePerVisitCents) || d.feePerVisitCents <= 0) throw new DomainError('invalid-fee', 'the fee per visit is a positive whole number of cents');
}

function assertHomeLocation(location: GeoPoint): void {
  if (!isGeoPoint(location)) throw new DomainError('invalid-location', 'the home location needs valid coordinates');
}

function validServiceArea(area: ServiceArea): ServiceArea {
  if (area.kind === 'radius') {
    if (!Number.isFinite(area.radiusKm) || area.radiusKm <= 0 || area.radiusKm > MAX_RADIUS_KM) {
      throw new DomainError('invalid-service-area', `the radius must be more than 0 and at most ${MAX_RADIUS_KM} km`);
    }
    return { kind: 'radius', radiusKm: area.radiusKm };
  }
  if (area.kind === 'areas') {
    if (!Array.isArray(area.areas) || area.areas.some((a) => !normalizeArea(a))) throw new DomainError('invalid-service-area', 'an area name must not be blank');
    const areas = [...new Set(area.areas.map(normalizeArea))].sort();
    if (areas.length === 0) throw new DomainError('invalid-service-area', 'give at least one area');
    return { kind: 'areas', areas };
  }
  throw new DomainError('invalid-service-area', 'a service area is a radius or a list of areas');
}

function validSkills(skills: string[]): string[] {
  if (!isValidSkillList(skills)) throw new DomainError('invalid-skills', 'give at least one skill, none blank');
  return normalizeSkills(skills);
}

function validAvailability(availability: WeeklyAvailability): WeeklyAvailability {
  const problem = availabilityProblem(availability);
  if (problem) throw new DomainError('invalid-availability', problem);
  return normalizeAvailability(availability);
}

function validRange(range: TimeRange): TimeRange {
  if (!isValidRange(range)) throw new DomainError('invalid-range', 'a range needs ISO instants with start before end');
  return { start: canonical(range.start), end: canonical(range.end) };
}

function canonical(iso: string): string {
  return new Date(ms(iso)).toISOString();
}

function sameRange(a: TimeRange, b: TimeRange): boolean {
  return ms(a.start) === ms(b.start) && ms(a.end) === ms(b.end);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sortByStart<T extends { range: TimeRange }>(items: T[]): T[] {
  return items.sort((a, b) => ms(a.range.start) - ms(b.range.start));
}

// ---- queries (pure, for sagas, ranking and read models) -----------------------------------

/** Area names compare trimmed, upper-case, single-spaced ("sw1a  1aa" is "SW1A 1AA"). */
export function normalizeArea(area: string): string {
  return typeof area === 'string' ? area.trim().toUpperCase().replace(/\s+/g, ' ') : '';
}

/**
 * Could `range` be booked now? False for an unknown or deactivated expert, or when it overlaps
 * a booking (other than `exceptVisitId`'s, for a move or extension) or time off.
 */
export function isFreeFor(state: ExpertState, range: TimeRange, exceptVisitId?: string): boolean {
  if (state.status !== 'active' || !isValidRange(range)) return false;
  return bookingOverlapping(state.bookings, range, exceptVisitId) === undefined && !state.timeOff.some((t) => overlaps(t.range, range));
}

/**
 * Could the expert be booked for `range` now (`exceptVisitId`'s own booking aside)? Active, and
 * the time fits their calendar: inside the weekly hours, clear of time off and other bookings.
 */
export function canTake(state: ExpertState, range: TimeRange, exceptVisitId?: string): boolean {
  if (state.status !== 'active' || !isValidRange(range)) return false;
  return calendarConflict(state, range, exceptVisitId === undefined ? {} : { exceptVisitId }) === null;
}

/** The expert's bookings in start order (empty for an unknown expert). */
export function bookingsOf(state: ExpertState): Booking[] {
  return state.status === 'unknown' ? [] : [...state.bookings];
}

/** The booking that follows `visitId`'s booking in the calendar, or null (none, or the visit is not booked). */
export function nextBookingAfter(state: ExpertState, visitId: string): Booking | null {
  if (state.status === 'unknown') return null;
  const current = bookingOf(state.bookings, visitId);
  if (!current) return null;
  const later = state.bookings.filter((b) => b.visitId !== visitId && ms(b.range.start) >= ms(current.range.start));
  return later.sort((a, b) => ms(a.range.start) - ms(b.range.start))[0] ?? null;
}

/**
 * How far `visitId`'s booking could be extended: the start of the next booking or time off
 * after it (an extension may end exactly there). Null when nothing follows, or when the visit
 * is not booked (check `bookingsOf` first). extendBooking remains the authority.
 */
export function extensionLimit(state: ExpertState, visitId: string): string | null {
  if (state.status === 'unknown') return null;
  const current = bookingOf(state.bookings, visitId);
  if (!current) return null;
  const end = ms(current.range.end);
  const starts = [...state.bookings.filter((b) => b.visitId !== visitId).map((b) => b.range.start), ...state.timeOff.map((t) => t.range.start)].filter(
    (s) => ms(s) >= end,
  );
  if (starts.length === 0) return null;
  return starts.reduce((a, b) => (ms(a) <= ms(b) ? a : b));
}

/** Is a place inside the expert's service area? Radius areas need `location`, named areas need `areaCode`. */
export function servesLocation(expert: Pick<ExpertProfile, 'homeLocation' | 'serviceArea'>, target: { location?: GeoPoint; areaCode?: string }): boolean {
  if (expert.serviceArea.kind === 'radius') {
    return target.location !== undefined && isGeoPoint(target.location) && distanceKm(expert.homeLocation, target.location) <= expert.serviceArea.radiusKm;
  }
  return target.areaCode !== undefined && expert.serviceArea.areas.includes(normalizeArea(target.areaCode));
}
