/**
 * Ranking experts for a visit, besides self-selection: the best matches are notified of an open
 * visit first, and helpdesk sees the ranking when it assigns an expert directly. Pure.
 *
 * Score in [0, 1]: the weighted sum of five factors, each in [0, 1] (the weights sum to 1):
 *  - skills: the fraction of the visit's required skills the expert has (1 when none are required);
 *  - distance: 1 - distance / service radius, from the expert's home to the customer (0 outside);
 *  - availability: 1 when the expert is free for the whole visit somewhere in the visit's earliest
 *    window still ahead of `at` (inside their weekly hours, when the profile has them), 0.5 when
 *    only in a later window, 0 when in none;
 *  - load: 1 - hours booked in the LOAD_HORIZON_DAYS after `at` / FULL_LOAD_HOURS (at least 0);
 *  - rating: (average survey rating - 1) / 4, an unknown rating counting as NEUTRAL_RATING.
 * An expert is eligible when active, having every required skill and the customer inside their
 * service radius; ineligible experts are still scored so helpdesk can see how close they come.
 */
import { BusyTimes, hasOpenStartBetween, WeeklyAvailability } from '../expert/availability';
import { distanceKm, GeoPoint } from '../shared/geo';
import { ms, TimeRange } from '../shared/time';
import { VisitSpec } from '../shared/visit-plan';

export interface ExpertProfile {
  expertId: string;
  skills: string[];
  home: GeoPoint;
  serviceRadiusKm: number;
  /** Finalized visits, other bookings and time off (or them parsed already). */
  bookings: TimeRange[] | BusyTimes;
  /** The expert's weekly hours; without them every hour counts as working time. */
  weeklyHours?: WeeklyAvailability;
  /** Average survey rating 1–5; null when the expert has no rated visits yet. */
  rating: number | null;
  active: boolean;
}

export type Ineligibility = 'inactive' | 'missing-skills' | 'outside-service-area';

export interface RankFactors {
  skills: number;
  distance: number;
  availability: number;
  load: number;
  rating: number;
}

export interface RankedExpert {
  expertId: string;
  eligible: boolean;
  /** Why not eligible (empty when eligible). */
  ineligible: Ineligibility[];
  score: number;
  factors: RankFactors;
  missingSkills: string[];
  distanceKm: number;
}

export const SKILLS_WEIGHT = 0.35;
export const DISTANCE_WEIGHT = 0.2;
export const AVAILABILITY_WEIGHT = 0.2;
export const LOAD_WEIGHT = 0.1;
export const RATING_WEIGHT = 0.15;

export const LOAD_HORIZON_DAYS = 7;
/** A full working week: booked hours beyond this count as fully loaded. */
export const FULL_LOAD_HOURS = 40;
export const NEUTRAL_RATING = 3;
/** Availability when the expert is free only in a window after the earliest one. */
export const LATER_WINDOW_AVAILABILITY = 0.5;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Experts for `visit` at the customer's location, best first: eligible, then score desc, then expertId. */
export function rankExperts(visit: VisitSpec, customerLocation: GeoPoint, candidates: ExpertProfile[], at: string): RankedExpert[] {
  return candidates.map((expert) => rank(visit, customerLocation, expert, ms(at))).sort(bestFirst);
}

/** Whether rankExperts would rank the expert eligible (without walking their calendar). */
export function isEligible(visit: VisitSpec, customerLocation: GeoPoint, expert: Pick<ExpertProfile, 'skills' | 'home' | 'serviceRadiusKm' | 'active'>): boolean {
  return eligibility(visit, customerLocation, expert).ineligible.length === 0;
}

function eligibility(visit: VisitSpec, customer: GeoPoint, expert: Pick<ExpertProfile, 'skills' | 'home' | 'serviceRadiusKm' | 'active'>) {
  const required = [...new Set(visit.skills)];
  const missingSkills = required.filter((s) => !expert.skills.includes(s));
  const km = distanceKm(expert.home, customer);
  const radius = Number.isFinite(expert.serviceRadiusKm) ? Math.max(0, expert.serviceRadiusKm) : 0;
  const ineligible: Ineligibility[] = [];
  if (!expert.active) ineligible.push('inactive');
  if (missingSkills.length > 0) ineligible.push('missing-skills');
  if (km > radius) ineligible.push('outside-service-area');
  return { required, missingSkills, km, radius, ineligible };
}

function rank(visit: VisitSpec, customer: GeoPoint, expert: ExpertProfile, now: number): RankedExpert {
  const { required, missingSkills, km, radius, ineligible } = eligibility(visit, customer, expert);
  // The bookings parsed once for all the factors: per window and again for the load, parsing
  // every booking's times was most of ranking an expert with a full calendar.
  const busy = expert.bookings instanceof BusyTimes ? expert.bookings : BusyTimes.of(expert.bookings);
  const factors: RankFactors = {
    skills: required.length === 0 ? 1 : (required.length - missingSkills.length) / required.length,
    distance: km > radius ? 0 : radius === 0 ? 1 : 1 - km / radius,
    availability: availability(visit, busy, now, expert.weeklyHours),
    load: 1 - Math.min(1, bookedMs(busy, now, now + LOAD_HORIZON_DAYS * DAY) / (FULL_LOAD_HOURS * HOUR)),
    rating: (clampRating(expert.rating) - 1) / 4,
  };
  const score =
    SKILLS_WEIGHT * factors.skills +
    DISTANCE_WEIGHT * factors.distance +
    AVAILABILITY_WEIGHT * factors.availability +
    LOAD_WEIGHT * factors.load +
    RATING_WEIGHT * factors.rating;
  return { expertId: expert.expertId, eligible: ineligible.length === 0, ineligible, score, factors, missingSkills, distanceKm: km };
}

function bestFirst(a: RankedExpert, b: RankedExpert): number {
  if (a.eligible !== b.eligible) return a.eligible ? -1 : 1;
  return b.score - a.score || (a.expertId < b.expertId ? -1 : a.expertId > b.expertId ? 1 : 0);
}

function clampRating(rating: number | null): number {
  return rating === null || !Number.isFinite(rating) ? NEUTRAL_RATING : Math.min(5, Math.max(1, rating));
}

/** The windows' parts still ahead of `now` that can hold the visit, earliest first. */
function windowsAhead(visit: VisitSpec, now: number): { start: number; end: number }[] {
  const length = visit.durationMinutes * MINUTE;
  return visit.windows
    .map((w) => ({ start: Math.max(ms(w.start), now), end: ms(w.end) }))
    .filter((w) => w.end - w.start >= length)
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

function availability(visit: VisitSpec, busy: BusyTimes, now: number, weeklyHours: WeeklyAvailability | undefined): number {
  const windows = windowsAhead(visit, now);
  const length = visit.durationMinutes * MINUTE;
  const free = (w: { start: number; end: number }) =>
    weeklyHours
      ? hasOpenStartBetween(weeklyHours, busy, w.start, w.end, visit.durationMinutes)
      : hasGap(w, length, busy);
  if (windows.length === 0) return 0;
  if (free(windows[0]!)) return 1;
  return windows.slice(1).some(free) ? LATER_WINDOW_AVAILABILITY : 0;
}

/** Is there a free stretch of `length` ms inside `window`? */
function hasGap(window: { start: number; end: number }, length: number, busy: BusyTimes): boolean {
  let cursor = window.start;
  for (const b of clipped(busy, window.start, window.end)) {
    if (b.start - cursor >= length) return true;
    cursor = Math.max(cursor, b.end);
  }
  return window.end - cursor >= length;
}

/** Booked time in [from, to), overlapping bookings counted once. */
function bookedMs(busy: BusyTimes, from: number, to: number): number {
  let total = 0;
  let cursor = from;
  for (const b of clipped(busy, from, to)) {
    const start = Math.max(b.start, cursor);
    if (b.end > start) total += b.end - start;
    cursor = Math.max(cursor, b.end);
  }
  return total;
}

/** Bookings overlapping [from, to), cut to it, earliest first (cutting keeps BusyTimes' order by start). */
function clipped(busy: BusyTimes, from: number, to: number): { start: number; end: number }[] {
  return busy
    .overlapping(from, to)
    .map(([start, end]) => ({ start: Math.max(start, from), end: Math.min(end, to) }))
    .filter((b) => b.start < b.end);
}
