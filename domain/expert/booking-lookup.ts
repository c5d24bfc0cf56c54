/**
 * An expert's bookings looked up by visit and by time, instead of scanned. A calendar keeps
 * every booking the expert ever had, and each proposal, booking and match scanned them
 * all, some once per start: under a steady load every check cost more with each booking, and
 * those scans became the largest part of what grew.
 *
 * A list that is frozen, bookings and ranges included (aggregate states and read-only documents
 * are deep-frozen), cannot change: once it has been read a few times, its lookup is built and
 * kept beside it in a WeakMap that lets go of it with the list. A list that may still change is
 * scanned. Both answer exactly as the scans did: the first booking in list order.
 */
import { instantsOf, ms, TimeRange } from '../shared/time';
import { firstIndex } from './availability';

/** What the lookups need of a booking (calendar.ts's Booking, or a read model's copy of it). */
export interface BookedRange {
  readonly visitId: string;
  readonly range: TimeRange;
}

class BookingLookup<B extends BookedRange> {
  /** Each visit's first booking in the list. */
  private readonly byVisit = new Map<string, B>();
  /** Places in the list, by start (bookings with a malformed range left out: they overlap nothing). */
  private readonly byStart: Int32Array;
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** latestEnd[i]: the latest end of byStart[0..i] (bookings may nest in a list nobody checked). */
  private readonly latestEnd: Float64Array;

  constructor(private readonly bookings: readonly B[]) {
    // Lists are kept in start order (withBooking): filled in list order, and sorted only when
    // they are not. Sorting places through a comparator and copying through Array.from
    // callbacks was most of what building cost.
    const n = bookings.length;
    let byStart = new Int32Array(n);
    let starts = new Float64Array(n);
    let ends = new Float64Array(n);
    let count = 0;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const booking = bookings[i]!;
      if (!this.byVisit.has(booking.visitId)) this.byVisit.set(booking.visitId, booking);
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
    this.byStart = byStart.subarray(0, count);
    this.starts = starts.subarray(0, count);
    this.ends = ends.subarray(0, count);
    this.latestEnd = new Float64Array(count);
    let latest = -Infinity;
    for (let k = 0; k < count; k++) this.latestEnd[k] = latest = Math.max(latest, this.ends[k]!);
  }

  of(visitId: string): B | undefined {
    return this.byVisit.get(visitId);
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

/** The list's lookup, or undefined when the caller scans it (a list that may change, or one seldom read). */
function lookupOf<B extends BookedRange>(bookings: readonly B[]): BookingLookup<B> | undefined {
  const kept = lookups.get(bookings);
  if (typeof kept === 'object') return kept as unknown as BookingLookup<B>;
  if (kept === UNFIT || !Object.isFrozen(bookings)) return undefined;
  const scans = kept ?? 0;
  if (scans < SCANS_BEFORE_LOOKUP) {
    lookups.set(bookings, scans + 1);
    return undefined;
  }
  if (!bookings.every((b) => Object.isFrozen(b) && Object.isFrozen(b.range))) {
    lookups.set(bookings, UNFIT);
    return undefined;
  }
  const lookup = new BookingLookup(bookings);
  lookups.set(bookings, lookup as unknown as BookingLookup<BookedRange>);
  return lookup;
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
