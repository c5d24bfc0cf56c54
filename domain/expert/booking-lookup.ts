/**
 * An expert's bookings looked up by visit and by time, instead of scanned. A calendar keeps
 * every booking the expert ever had, and each proposal, booking and match scanned them
 * all, some once per start: under a steady load every check cost more with each booking, and
 * those scans became the largest part of what grew.
 *
 * A list that is frozen, bookings and ranges included (aggregate states and read-only documents
 * are deep-frozen), cannot change: once it has been read a few times, its lookup is built and
 * kept beside it in a WeakMap that lets go of it with the list. A version withBooking or
 * withoutBooking made of a list with a lookup gets its own from that one, moved over, when first
 * read (once it is frozen and checked to hold the same bookings but the change). A list that may
 * still change is scanned. All answer exactly as the scans did: the first booking in list order.
 */
import { instantsOf, ms, TimeRange } from '../shared/time';
import { firstIndex } from './availability';

/** What the lookups need of a booking (calendar.ts's Booking, or a read model's copy of it). */
export interface BookedRange {
  readonly visitId: string;
  readonly range: TimeRange;
}

/**
 * Each visit's first booking in a list: a map shared by versions of a calendar, and the changes
 * made since it was copied. Copying the whole map for each version (one per booking) cost more
 * with every booking the expert ever had; it is copied once every MAX_CHANGES changes instead.
 */
class FirstByVisit<B> {
  constructor(
    private readonly base: ReadonlyMap<string, B>,
    /** Set since `base` (null: none). */
    private readonly changes: ReadonlyMap<string, B | null> = new Map(),
  ) {}

  get(visitId: string): B | undefined {
    const changed = this.changes.get(visitId);
    return changed === undefined ? this.base.get(visitId) : (changed ?? undefined);
  }

  /** With `edits` made in order (null: the visit has none). */
  with(edits: readonly (readonly [string, B | null])[]): FirstByVisit<B> {
    if (this.changes.size + edits.length <= MAX_CHANGES) {
      const changes = new Map(this.changes);
      for (const [visitId, booking] of edits) changes.set(visitId, booking);
      return new FirstByVisit(this.base, changes);
    }
    const base = new Map(this.base);
    for (const [visitId, booking] of [...this.changes, ...edits]) {
      if (booking === null) base.delete(visitId);
      else base.set(visitId, booking);
    }
    return new FirstByVisit(base);
  }
}

const MAX_CHANGES = 32;

class BookingLookup<B extends BookedRange> {
  private constructor(
    private readonly bookings: readonly B[],
    /** Each visit's first booking in the list. */
    private readonly byVisit: FirstByVisit<B>,
    /** Places in the list, by start (bookings with a malformed range left out: they overlap nothing). */
    private readonly byStart: Int32Array,
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
  ) {
    /** latestEnd[i]: the latest end of byStart[0..i] (bookings may nest in a list nobody checked). */
    this.latestEnd = new Float64Array(ends.length);
    let latest = -Infinity;
    for (let k = 0; k < ends.length; k++) this.latestEnd[k] = latest = Math.max(latest, ends[k]!);
  }

  private readonly latestEnd: Float64Array;

  static of<B extends BookedRange>(bookings: readonly B[]): BookingLookup<B> {
    // Lists are kept in start order (withBooking): filled in list order, and sorted only when
    // they are not. Sorting places through a comparator and copying through Array.from
    // callbacks was most of what building cost.
    const byVisit = new Map<string, B>();
    const n = bookings.length;
    let byStart = new Int32Array(n);
    let starts = new Float64Array(n);
    let ends = new Float64Array(n);
    let count = 0;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const booking = bookings[i]!;
      if (!byVisit.has(booking.visitId)) byVisit.set(booking.visitId, booking);
      const start = ms(booking.range.start);
      const end = ms(booking.range.end);
      if (Number.isNaN(start) || Number.isNaN(end)) continue;
      if (count > 0 && start < starts[count - 1]!) sorted = false;
      byStart[count] = i;
      starts[count] = start;
      ends[count] = end;
      count++;
    }
    if (!sorted) {
      const places = Array.from(byStart.subarray(0, count)).sort((a, b) => ms(bookings[a]!.range.start) - ms(bookings[b]!.range.start) || a - b);
      byStart = Int32Array.from(places);
      starts = Float64Array.from(places, (i) => ms(bookings[i]!.range.start));
      ends = Float64Array.from(places, (i) => ms(bookings[i]!.range.end));
    }
    return new BookingLookup(bookings, new FirstByVisit(byVisit), byStart.subarray(0, count), starts.subarray(0, count), ends.subarray(0, count));
  }

  /**
   * The lookup of `list`, which is this one's list with `change` made: entries moved over, the
   * added booking's instants the only ones parsed. `change` was checked against both lists.
   */
  derive(list: readonly B[], change: ListChange<B>): BookingLookup<B> {
    const { removed, added } = change;
    const edits: [string, B | null][] = [];
    const removedVisit = removed >= 0 ? this.bookings[removed]!.visitId : undefined;
    if (removedVisit !== undefined) edits.push([removedVisit, null]); // the visit's only booking
    // Its place in `list`, where the parent's places after the removed one moved down by one.
    const childPlace = (place: number): number => {
      const kept = removed >= 0 && place > removed ? place - 1 : place;
      return added && kept >= added.at ? kept + 1 : kept;
    };
    const newStart = added ? ms(added.booking.range.start) : Number.NaN;
    const newEnd = added ? ms(added.booking.range.end) : Number.NaN;
    const adding = added !== undefined && !Number.isNaN(newStart) && !Number.isNaN(newEnd);
    if (added && (added.booking.visitId === removedVisit || this.byVisit.get(added.booking.visitId) === undefined)) edits.push([added.booking.visitId, added.booking]);
    const byVisit = this.byVisit.with(edits);
    const room = this.byStart.length + (adding ? 1 : 0);
    const byStart = new Int32Array(room);
    const starts = new Float64Array(room);
    const ends = new Float64Array(room);
    let k = 0;
    const put = (place: number, start: number, end: number) => {
      byStart[k] = place;
      starts[k] = start;
      ends[k] = end;
      k++;
    };
    let pending = adding;
    for (let j = 0; j < this.byStart.length; j++) {
      const place = this.byStart[j]!;
      if (place === removed) continue;
      const at = childPlace(place);
      const start = this.starts[j]!;
      // By start, then place, as BookingLookup.of sorts them.
      if (pending && (newStart < start || (newStart === start && added!.at < at))) {
        put(added!.at, newStart, newEnd);
        pending = false;
      }
      put(at, start, this.ends[j]!);
    }
    if (pending) put(added!.at, newStart, newEnd);
    return new BookingLookup(list, byVisit, byStart.subarray(0, k), starts.subarray(0, k), ends.subarray(0, k));
  }

  of(visitId: string): B | undefined {
    return this.byVisit.get(visitId);
  }

  /** The bookings' instants, by start (malformed ranges left out). Shared: not to be changed. */
  instants(): { starts: Float64Array; ends: Float64Array } {
    return { starts: this.starts, ends: this.ends };
  }

  /** The bookings overlapping [from, to), by their place in the list. */
  *overlapping(from: number, to: number): IterableIterator<{ place: number; booking: B }> {
    if (Number.isNaN(from) || Number.isNaN(to)) return;
    // Before `first` every booking ends by `from`; from `last` on, each starts at `to` or later.
    const first = firstIndex(this.latestEnd.length, (k) => this.latestEnd[k]! > from);
    const last = firstIndex(this.starts.length, (k) => this.starts[k]! >= to);
    for (let k = first; k < last; k++) {
      if (this.ends[k]! > from) yield { place: this.byStart[k]!, booking: this.bookings[this.byStart[k]!]! };
    }
  }
}

/**
 * Scans of a frozen list before its lookup is built. Building one costs about two scans, and
 * many versions of a calendar are read only once or twice (the check after each booking).
 */
const SCANS_BEFORE_LOOKUP = 2;
/** Never built: a frozen list whose bookings may still change. */
const UNFIT = -1;

/** Each frozen list's lookup, or how many times it was scanned so far (UNFIT: it always is). */
const lookups = new WeakMap<readonly BookedRange[], BookingLookup<BookedRange> | number>();

/** What withBooking or withoutBooking changed in a list: the place removed (-1: none), and the booking added at its place in the new list. */
export interface ListChange<B extends BookedRange> {
  removed: number;
  added?: { booking: B; at: number };
}

/**
 * Lists made from a list with a lookup (or with one of these), and how: each version of an
 * aggregate's calendar is read a few times and then replaced by the next booking, so building
 * each one's lookup afresh (every booking's instants parsed again) was most of what the Expert
 * decider's checks cost. A version's lookup is derived from its parent's when it is first read.
 */
const derivations = new WeakMap<readonly BookedRange[], { parent: readonly BookedRange[]; change: ListChange<BookedRange>; depth: number }>();
/** Versions noted in a row that nobody read: each holds its parent, so the chain is kept short. */
const MAX_UNREAD_VERSIONS = 4;

/** Notes that `list` is `parent` with `change` made, when the parent's lookup is known or can be derived. */
export function noteListChange<B extends BookedRange>(list: readonly B[], parent: readonly B[], change: ListChange<B>): void {
  if (typeof lookups.get(parent) === 'object') {
    derivations.set(list, { parent, change, depth: 1 });
    return;
  }
  const pending = derivations.get(parent);
  if (pending && pending.depth < MAX_UNREAD_VERSIONS) derivations.set(list, { parent, change, depth: pending.depth + 1 });
}

/** A frozen list's lookup derived from its parent's, if it was noted and holds exactly the parent's bookings with the change made. */
function derivedLookup<B extends BookedRange>(list: readonly B[]): BookingLookup<B> | undefined {
  const derivation = derivations.get(list);
  if (!derivation) return undefined;
  derivations.delete(list);
  const { parent, change } = derivation;
  const kept = lookups.get(parent);
  const base = typeof kept === 'object' ? kept : Object.isFrozen(parent) ? derivedLookup(parent) : undefined;
  if (!base || !holdsChange(list, parent, change)) return undefined;
  const lookup = (base as unknown as BookingLookup<B>).derive(list, change as ListChange<B>);
  lookups.set(list, lookup as unknown as BookingLookup<BookedRange>);
  return lookup;
}

/** Whether `list` is `parent` with `change` made, the same booking objects in the same order (the added one frozen). */
function holdsChange(list: readonly BookedRange[], parent: readonly BookedRange[], { removed, added }: ListChange<BookedRange>): boolean {
  if (added && !(Object.isFrozen(added.booking) && Object.isFrozen(added.booking.range))) return false;
  if (list.length !== parent.length - (removed >= 0 ? 1 : 0) + (added ? 1 : 0)) return false;
  let j = 0;
  for (let i = 0; i < list.length; i++) {
    if (added && i === added.at) {
      if (list[i] !== added.booking) return false;
      continue;
    }
    if (j === removed) j++;
    if (list[i] !== parent[j]) return false;
    j++;
  }
  return true;
}

/**
 * The list's lookup, or undefined when the caller scans it (a list that may change, or one seldom
 * read; `now`: read once only, so build it at once unless it can be derived).
 */
function lookupOf<B extends BookedRange>(bookings: readonly B[], now = false): BookingLookup<B> | undefined {
  const kept = lookups.get(bookings);
  if (typeof kept === 'object') return kept as unknown as BookingLookup<B>;
  if (kept === UNFIT || !Object.isFrozen(bookings)) return undefined;
  const derived = derivedLookup(bookings);
  if (derived) return derived;
  const scans = kept ?? 0;
  if (scans < SCANS_BEFORE_LOOKUP && !now) {
    lookups.set(bookings, scans + 1);
    return undefined;
  }
  if (!bookings.every((b) => Object.isFrozen(b) && Object.isFrozen(b.range))) {
    lookups.set(bookings, UNFIT);
    return undefined;
  }
  const lookup = BookingLookup.of(bookings);
  lookups.set(bookings, lookup as unknown as BookingLookup<BookedRange>);
  return lookup;
}

/**
 * A frozen list's instants by start (malformed ranges left out), through its lookup: a version
 * made by withBooking from one with a lookup gets them moved over, not parsed again. Undefined
 * for a list that may change. Shared: not to be changed.
 */
export function sortedInstants(bookings: readonly BookedRange[]): { starts: Float64Array; ends: Float64Array } | undefined {
  return lookupOf(bookings, true)?.instants();
}

/** The first booking of `visitId` in the list, as `bookings.find((b) => b.visitId === visitId)`. */
export function bookingOf<B extends BookedRange>(bookings: readonly B[], visitId: string): B | undefined {
  const lookup = lookupOf(bookings);
  return lookup ? lookup.of(visitId) : bookings.find((b) => b.visitId === visitId);
}

/**
 * As `bookingOf`, through the list's lookup if it has one, without counting as a read of the
 * list: for withBooking, which reads a calendar's list once more only to copy it. Counted, that
 * read was the third of every booking command's list, so each built a lookup nobody used.
 */
export function bookingOfOnce<B extends BookedRange>(bookings: readonly B[], visitId: string): B | undefined {
  const kept = lookups.get(bookings);
  return typeof kept === 'object' ? (kept as unknown as BookingLookup<B>).of(visitId) : bookings.find((b) => b.visitId === visitId);
}

/**
 * The first booking in the list that overlaps `range`, leaving out `exceptVisitId`'s, as
 * `bookings.find((b) => b.visitId !== exceptVisitId && overlaps(b.range, range))`.
 */
export function bookingOverlapping<B extends BookedRange>(bookings: readonly B[], range: TimeRange, exceptVisitId?: string): B | undefined {
  const lookup = lookupOf(bookings);
  const [from, to] = instantsOf(range);
  if (!lookup) return Number.isNaN(from) || Number.isNaN(to) ? undefined : bookings.find((b) => b.visitId !== exceptVisitId && overlapsInstants(b.range, from, to));
  let found: { place: number; booking: B } | undefined;
  for (const hit of lookup.overlapping(from, to)) {
    if (hit.booking.visitId !== exceptVisitId && (found === undefined || hit.place < found.place)) found = hit;
  }
  return found?.booking;
}

/**
 * Every booking in the list that overlaps [from, to) (instants in ms), in list order, as
 * `bookings.filter((b) => overlaps(b.range, [from, to)))`: matching reads only the bookings its
 * visits' windows could clash with, and a calendar keeps every booking the expert ever had.
 */
export function bookingsOverlapping<B extends BookedRange>(bookings: readonly B[], from: number, to: number): B[] {
  if (Number.isNaN(from) || Number.isNaN(to)) return [];
  const lookup = lookupOf(bookings);
  if (!lookup) return bookings.filter((b) => overlapsInstants(b.range, from, to));
  const places = [...lookup.overlapping(from, to)].map((hit) => hit.place).sort((a, b) => a - b);
  return places.map((place) => bookings[place]!);
}

function overlapsInstants(range: TimeRange, from: number, to: number): boolean {
  const [start, end] = instantsOf(range);
  return start < to && from < end;
}

/**
 * Whether the list books `visitId` at exactly `range` (a list holds one booking per visit:
 * withBooking replaces the old one).
 */
export function isBookedAt(bookings: readonly BookedRange[], visitId: string, range: TimeRange): boolean {
  const booking = bookingOf(bookings, visitId);
  if (!booking) return false;
  const [start, end] = instantsOf(booking.range);
  const [wantedStart, wantedEnd] = instantsOf(range);
  return start === wantedStart && end === wantedEnd;
}
