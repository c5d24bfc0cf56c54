import { BusyTimes } from '../domain/expert/availability';
import { bookingOf, sortedInstants } from '../domain/expert/booking-lookup';
import { Booking, withBooking } from '../domain/expert/calendar';
import { ExpertProfile as RankProfile, isEligible, rankExperts, RankedExpert } from '../domain/matching/relevance';
import { deepFreeze } from '../domain/shared/frozen';
import { GeoPoint } from '../domain/shared/geo';
import { ms } from '../domain/shared/time';
import { VisitSpec } from '../domain/shared/visit-plan';
import { Collection } from '../document-store/port';
import { EXPERT_BOOKINGS, ExpertBookingDoc, ExpertDoc, ExpertProfileDoc, EXPERTS } from '../projections/experts/projection';
import { ReadModelSource } from './read-models';

/** The experts read model as matching needs it: experts with their calendars. */
export interface ExpertDirectory {
  /** Experts who have every one of `skills` (active or not). */
  withSkills(skills: readonly string[]): Promise<ExpertDoc[]>;
  /** Experts whose projected calendar holds a booking for one of `visitIds`. */
  holdingBookings(visitIds: readonly string[]): Promise<ExpertDoc[]>;
  /** One expert, or null. */
  get(expertId: string): Promise<ExpertDoc | null>;
}

/**
 * Experts from the `experts` read model, each with their bookings from `expert_bookings`. When
 * this process's projection engine writes it, the experts are read once per change
 * (ReadModelSource.changeToken) and shared, frozen, until the next: matching ranks every expert
 * for every new visit, and re-reading and copying the 50 calendars each time was a fifth of the
 * server's time under a burst of new tickets. The API reads the calling expert's from it too
 * (the feed, proposals), for the same reason.
 *
 * After a change only what was written since is read again (`projectedThrough`, through an
 * index): the profiles changed, and the bookings made, moved or extended, each put into its
 * expert's calendar (withBooking). A booking released deletes its document and marks its
 * expert's profile (`releasedThrough`), so that expert's bookings are read again whole; a
 * profile changed otherwise (a survey rating, new skills) keeps the calendar held. The read model
 * never deletes an expert; a rebuild is a new collection (another name), read in full.
 */
export class ReadModelExpertDirectory implements ExpertDirectory {
  private kept: KeptExperts | undefined;

  constructor(private readonly readModels: ReadModelSource) {}

  async withSkills(skills: readonly string[]): Promise<ExpertDoc[]> {
    const all = await this.keptExperts();
    if (all) return all.filter((e) => skills.every((skill) => e.skills.includes(skill)));
    const filter = skills.length > 0 ? { skills: { $all: [...skills] } } : {};
    return withCalendars(this.readModels, await (await this.profiles()).find(filter, { sort: { _id: 1 } }));
  }

  async holdingBookings(visitIds: readonly string[]): Promise<ExpertDoc[]> {
    if (visitIds.length === 0) return [];
    const all = await this.keptExperts();
    if (all) return all.filter((e) => visitIds.some((visitId) => bookingOf(e.bookings, visitId) !== undefined));
    const bookings = await (await this.readModels.collection<ExpertBookingDoc>(EXPERT_BOOKINGS)).find({ visitId: { $in: [...visitIds] } });
    const ids = [...new Set(bookings.map((b) => b.expertId))];
    if (ids.length === 0) return [];
    return withCalendars(this.readModels, await (await this.profiles()).find({ _id: { $in: ids } }, { sort: { _id: 1 } }));
  }

  async get(expertId: string): Promise<ExpertDoc | null> {
    const all = await this.keptExperts();
    if (all) return all.find((e) => e.expertId === expertId) ?? null;
    const profile = await (await this.profiles()).findOne({ _id: expertId });
    return profile ? ((await withCalendars(this.readModels, [profile]))[0] ?? null) : null;
  }

  private profiles(): Promise<Collection<ExpertProfileDoc>> {
    return this.readModels.collection<ExpertProfileDoc>(EXPERTS);
  }

  /** Every expert by id, as of the read model's current change token; undefined when it has none. */
  private async keptExperts(): Promise<ExpertDoc[] | undefined> {
    // The token is taken before reading: a change landing meanwhile moves it, so the next call reads again.
    // Both collections are the experts projection's: one token.
    const token = this.readModels.changeToken?.(EXPERTS);
    if (token === undefined) return undefined;
    if (this.kept?.token !== token) {
      const base = this.kept;
      const profiles = await this.profiles();
      const bookings = await this.readModels.collection<ExpertBookingDoc>(EXPERT_BOOKINGS);
      const names = `${profiles.name} ${bookings.name}`;
      if (base && base.collections === names) {
        const changed = await profiles.findReadOnly({ projectedThrough: { $gt: base.through } });
        const booked = await bookings.findReadOnly({ projectedThrough: { $gt: base.bookingsThrough } });
        // Calendars read again whole: a new expert's, and those a booking was released from since.
        const known = new Set(base.experts.map((e) => e.expertId));
        const rereadIds = changed.filter((p) => !known.has(p.expertId) || p.releasedThrough > base.through).map((p) => p.expertId);
        const reread = rereadIds.length === 0 ? [] : await bookings.findReadOnly({ expertId: { $in: rereadIds } });
        this.kept = withChanged(base, token, changed, new Set(rereadIds), reread, booked);
      } else {
        this.kept = keptFrom(token, names, await profiles.findReadOnly({}, { sort: { _id: 1 } }), await bookings.findReadOnly({}));
      }
    }
    return [...this.kept.experts];
  }
}

interface KeptExperts {
  token: string;
  /** The physical collections read: others after a rebuild. */
  collections: string;
  /** The highest `projectedThrough` read of the profiles, and of the bookings (-1: none). */
  through: number;
  bookingsThrough: number;
  /** By id. */
  experts: readonly ExpertDoc[];
}

/** Each expert's bookings, earliest first (by start, then visit: the order withBooking keeps), frozen. */
function calendarsOf(bookings: readonly Readonly<ExpertBookingDoc>[]): Map<string, Booking[]> {
  const calendars = new Map<string, Booking[]>();
  for (const [expertId, list] of byExpert(bookings)) {
    const sorted = list
      .map((b) => ({ b, start: ms(b.range.start) }))
      .sort((x, y) => x.start - y.start || (x.b.visitId < y.b.visitId ? -1 : x.b.visitId > y.b.visitId ? 1 : 0));
    calendars.set(expertId, deepFreeze(sorted.map(({ b }) => asBooking(b))));
  }
  return calendars;
}

/** The bookings by expert, in the order given. */
function byExpert(bookings: readonly Readonly<ExpertBookingDoc>[]): Map<string, Readonly<ExpertBookingDoc>[]> {
  const grouped = new Map<string, Readonly<ExpertBookingDoc>[]>();
  for (const b of bookings) {
    const list = grouped.get(b.expertId);
    if (list) list.push(b);
    else grouped.set(b.expertId, [b]);
  }
  return grouped;
}

function asBooking(doc: Readonly<ExpertBookingDoc>): Booking {
  return { visitId: doc.visitId, range: { start: doc.range.start, end: doc.range.end } };
}

function withCalendar(profile: Readonly<ExpertProfileDoc>, bookings: readonly Booking[]): ExpertDoc {
  return deepFreeze({ ...profile, bookings }) as ExpertDoc;
}

/** The profiles with their calendars (as a reader without a change token reads them: afresh each time). */
export async function withCalendars(readModels: ReadModelSource, profiles: readonly ExpertProfileDoc[]): Promise<ExpertDoc[]> {
  if (profiles.length === 0) return [];
  const bookings = await (await readModels.collection<ExpertBookingDoc>(EXPERT_BOOKINGS)).find({ expertId: { $in: profiles.map((p) => p.expertId) } });
  const calendars = calendarsOf(bookings);
  return profiles.map((p) => ({ ...p, bookings: calendars.get(p.expertId) ?? [] }));
}

function keptFrom(token: string, collections: string, profiles: readonly Readonly<ExpertProfileDoc>[], bookings: readonly Readonly<ExpertBookingDoc>[]): KeptExperts {
  const calendars = calendarsOf(bookings);
  return {
    token,
    collections,
    through: highestThrough(profiles, -1),
    bookingsThrough: highestThrough(bookings, -1),
    experts: profiles.map((p) => withCalendar(p, calendars.get(p.expertId) ?? deepFreeze([]))),
  };
}

/**
 * `kept` with what was written since it was read: the profiles changed, the calendars of
 * `rereadIds` read again whole (`reread`), and the bookings made, moved or extended (`booked`)
 * put into the other calendars. The experts nothing was written for stay the same objects.
 */
function withChanged(
  kept: KeptExperts,
  token: string,
  changed: readonly Readonly<ExpertProfileDoc>[],
  rereadIds: ReadonlySet<string>,
  reread: readonly Readonly<ExpertBookingDoc>[],
  booked: readonly Readonly<ExpertBookingDoc>[],
): KeptExperts {
  // Only the bookings read since `bookingsThrough` move it: those read again whole may be newer
  // than another expert's booking not read yet.
  const bookingsThrough = highestThrough(booked, kept.bookingsThrough);
  if (changed.length === 0 && booked.length === 0) return { ...kept, token };
  const byId = new Map(kept.experts.map((e) => [e._id, e]));
  const calendars = calendarsOf(reread);
  for (const profile of changed) {
    const calendar = rereadIds.has(profile.expertId) ? calendars.get(profile.expertId) : byId.get(profile._id)?.bookings;
    byId.set(profile._id, withCalendar(profile, calendar ?? deepFreeze([])));
  }
  for (const [expertId, docs] of byExpert(booked)) {
    if (rereadIds.has(expertId)) continue; // already in the calendar read again
    const expert = byId.get(expertId);
    if (!expert) continue; // a profile not read yet: its calendar is read whole with it
    let bookings: readonly Booking[] = expert.bookings;
    // Only the new booking and the list are not frozen yet: the others are the held calendar's.
    for (const doc of docs) bookings = Object.freeze(withBooking(bookings, deepFreeze(asBooking(doc))));
    byId.set(expertId, withCalendar(expert, bookings));
  }
  const experts = [...byId.values()].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  return { token, collections: kept.collections, through: highestThrough(changed, kept.through), bookingsThrough, experts };
}

function highestThrough(docs: readonly { projectedThrough?: number }[], from: number): number {
  return docs.reduce((highest, doc) => Math.max(highest, doc.projectedThrough ?? -1), from);
}

/** What ranking needs of an expert document. */
export function rankProfile(doc: ExpertDoc): RankProfile {
  return {
    expertId: doc.expertId,
    skills: doc.skills,
    home: doc.home,
    serviceRadiusKm: doc.serviceRadiusKm,
    bookings: busyTimesOf(doc),
    weeklyHours: doc.availability,
    rating: doc.rating,
    active: doc.active,
  };
}

/**
 * An expert's bookings and time off, parsed. The directory's documents are frozen until the
 * experts change, and every new visit ranks every candidate expert (every feed request tests the
 * expert's): each one's calendar is parsed once per version of the document, not once per visit
 * or request. A version made by a booking gets the bookings' instants from its calendar's lookup,
 * derived from the version before (a calendar keeps every booking the expert ever had). A
 * document that is not frozen may still change, so it is parsed afresh.
 */
const parsedCalendars = new WeakMap<ExpertDoc, BusyTimes>();
export function busyTimesOf(doc: ExpertDoc): BusyTimes {
  const kept = parsedCalendars.get(doc);
  if (kept) return kept;
  const frozen = Object.isFrozen(doc) && Object.isFrozen(doc.bookings) && Object.isFrozen(doc.timeOff);
  const instants = frozen ? sortedInstants(doc.bookings) : undefined;
  const timeOff = doc.timeOff.map((t) => t.range);
  const busy = instants ? BusyTimes.merged(instants, timeOff) : BusyTimes.of([...doc.bookings.map((b) => b.range), ...timeOff]);
  if (frozen) parsedCalendars.set(doc, busy);
  return busy;
}

export interface Candidate {
  expert: ExpertDoc;
  rank: RankedExpert;
}

/** The experts who could do `visit` at `location`, best first (rankExperts), eligible ones only. */
export async function eligibleExperts(directory: ExpertDirectory, visit: VisitSpec, location: GeoPoint, at: Date): Promise<Candidate[]> {
  // Only eligible experts are returned, and ranking one expert does not depend on the others:
  // ranking (a calendar walk each) only those who can be eligible gives the same list.
  const docs = (await directory.withSkills(visit.skills)).filter((doc) => isEligible(visit, location, doc));
  const byId = new Map(docs.map((d) => [d.expertId, d]));
  const candidates: Candidate[] = [];
  for (const rank of rankExperts(visit, location, docs.map((doc) => rankProfile(doc)), at.toISOString())) {
    const expert = byId.get(rank.expertId);
    if (rank.eligible && expert) candidates.push({ expert, rank });
  }
  return candidates;
}
