import fc from 'fast-check';
import { deepFreeze } from '../../shared/frozen';
import { instantsOf, overlaps, TimeRange } from '../../shared/time';
import { bookingOf, bookingOfOnce, bookingOverlapping, bookingsOverlapping, isBookedAt } from '../booking-lookup';
import { Booking, withBooking, withoutBooking } from '../calendar';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 8);
/** Instants on a coarse grid, so that bookings touch, nest and overlap often. */
const instant = fc.integer({ min: 0, max: 48 }).map((h) => new Date(T0 + h * HOUR).toISOString());
const malformed = fc.constantFrom('tomorrow', '', '2026-13-01T00:00:00.000Z');
const range: fc.Arbitrary<TimeRange> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ start: instant, end: instant }) },
  { weight: 1, arbitrary: fc.record({ start: fc.oneof(instant, malformed), end: fc.oneof(instant, malformed) }) },
);
const visitId = fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8');
/** Any list, sorted or not, nested, with a visit twice: what the scans answered for any of them, the lookups answer. */
const bookings = fc.array(fc.record({ visitId, range }), { maxLength: 30 });

/** The scans the lookups replace. */
const scan = {
  of: (list: readonly Booking[], id: string) => list.find((b) => b.visitId === id),
  overlapping: (list: readonly Booking[], r: TimeRange, except?: string) => list.find((b) => b.visitId !== except && overlaps(b.range, r)),
  everyOverlapping: (list: readonly Booking[], r: TimeRange) => list.filter((b) => overlaps(b.range, r)),
};

/** bookingsOverlapping as matching calls it: the same objects, in list order, as the scan. */
function expectEveryOverlapping(list: readonly Booking[], r: TimeRange): void {
  const found = bookingsOverlapping(list, ...instantsOf(r));
  const scanned = scan.everyOverlapping(list, r);
  expect(found).toHaveLength(scanned.length);
  found.forEach((b, i) => expect(b).toBe(scanned[i]));
}

describe('booking lookups', () => {
  it('answer as the scans do, for lists that may change and for frozen ones', () => {
    fc.assert(
      fc.property(bookings, range, fc.option(visitId, { nil: undefined }), visitId, fc.boolean(), (list, r, except, id, frozen) => {
        const given = frozen ? deepFreeze(list.map((b) => ({ visitId: b.visitId, range: { ...b.range } }))) : list;
        // Scanned at first, then a frozen list is read through its lookup.
        for (let round = 0; round < 4; round++) {
          expect(bookingOf(given, id)).toBe(scan.of(given, id));
          expect(bookingOverlapping(given, r, except)).toBe(scan.overlapping(given, r, except));
          expectEveryOverlapping(given, r);
          const held = scan.of(given, id);
          const same = held !== undefined && instantsOf(held.range)[0] === instantsOf(r)[0] && instantsOf(held.range)[1] === instantsOf(r)[1];
          expect(isBookedAt(given, id, r)).toBe(same);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('of a calendar kept by withBooking answer for each version of it', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ visitId, range: fc.record({ start: instant, end: instant }) }), { maxLength: 40 }), range, (steps, r) => {
        let calendar: readonly Booking[] = deepFreeze([]);
        for (const step of steps) {
          calendar = deepFreeze(withBooking(calendar, step));
          for (let round = 0; round < 3; round++) {
            expect(bookingOf(calendar, step.visitId)).toBe(step);
            expect(bookingOverlapping(calendar, r)).toBe(scan.overlapping(calendar, r));
          }
        }
      }),
    );
  });

  it('of each version of a calendar, derived from the version before, answer as the scans do, however often each is read', () => {
    const step = fc.oneof(
      { weight: 4, arbitrary: fc.record({ add: fc.record({ visitId, range }) }) },
      { weight: 1, arbitrary: fc.record({ remove: visitId }) },
    );
    // How many times each version is read before the next: not at all, once (the decider), or more.
    const reads = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 60, maxLength: 60 });
    fc.assert(
      fc.property(bookings, fc.array(step, { maxLength: 60 }), reads, range, fc.option(visitId, { nil: undefined }), (start, steps, readsOf, r, except) => {
        let calendar: readonly Booking[] = deepFreeze(start.map((b) => ({ visitId: b.visitId, range: { ...b.range } })));
        for (let round = 0; round < 3; round++) bookingOf(calendar, 'v1'); // built: the next versions derive from it
        steps.forEach((s, i) => {
          const before = calendar;
          calendar = deepFreeze('add' in s ? withBooking(calendar, { visitId: s.add.visitId, range: { ...s.add.range } }) : withoutBooking(calendar, s.remove));
          if ('remove' in s) expect(calendar).toEqual(before.filter((b) => b.visitId !== s.remove));
          for (let round = 0; round < readsOf[i]!; round++) {
            for (const id of ['v1', 'v2', 'v3', 'v4']) expect(bookingOf(calendar, id)).toBe(scan.of(calendar, id));
            expect(bookingOverlapping(calendar, r, except)).toBe(scan.overlapping(calendar, r, except));
            expectEveryOverlapping(calendar, r);
          }
        });
        for (const id of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']) expect(bookingOf(calendar, id)).toBe(scan.of(calendar, id));
        expect(bookingOverlapping(calendar, r, except)).toBe(scan.overlapping(calendar, r, except));
        expectEveryOverlapping(calendar, r);
      }),
      { numRuns: 300 },
    );
  });

  it('of a long calendar, version after version, each derived from the one before, find every visit as the scans do', () => {
    // Many visits, so that the changes kept beside a shared map outgrow it and it is copied again.
    const many = fc.integer({ min: 0, max: 150 }).map((n) => `visit-${n}`);
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ add: fc.record({ visitId: many, at: fc.integer({ min: 0, max: 400 }) }) }) },
      { weight: 1, arbitrary: fc.record({ remove: many }) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 50, maxLength: 300 }), fc.array(many, { minLength: 1, maxLength: 10 }), (steps, probes) => {
        let calendar: readonly Booking[] = deepFreeze([{ visitId: 'first', range: { start: new Date(T0).toISOString(), end: new Date(T0 + HOUR).toISOString() } }]);
        for (let round = 0; round < 3; round++) bookingOf(calendar, 'first'); // built: each version after derives from the one before
        for (const s of steps) {
          calendar = deepFreeze(
            'add' in s
              ? withBooking(calendar, { visitId: s.add.visitId, range: { start: new Date(T0 + s.add.at * HOUR).toISOString(), end: new Date(T0 + (s.add.at + 1) * HOUR).toISOString() } })
              : withoutBooking(calendar, s.remove),
          );
          for (const id of probes) expect(bookingOf(calendar, id)).toBe(scan.of(calendar, id));
        }
        for (const b of calendar) expect(bookingOf(calendar, b.visitId)).toBe(b);
        for (const id of probes) expect(bookingOf(calendar, id)).toBe(scan.of(calendar, id));
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });

  it('of a version changed before it was frozen are built afresh, not derived', () => {
    const at = (h: number) => ({ start: new Date(T0 + h * HOUR).toISOString(), end: new Date(T0 + (h + 1) * HOUR).toISOString() });
    const base = deepFreeze([{ visitId: 'v1', range: at(0) }, { visitId: 'v2', range: at(2) }]);
    for (let round = 0; round < 3; round++) bookingOf(base, 'v1');
    // Another booking slipped in after withBooking, before the version was frozen.
    const changed = withBooking(base, { visitId: 'v3', range: at(4) });
    changed.splice(0, 0, { visitId: 'v4', range: at(6) });
    deepFreeze(changed);
    for (let round = 0; round < 4; round++) {
      expect(bookingOf(changed, 'v4')?.range).toEqual(at(6));
      expect(bookingOverlapping(changed, at(6))?.visitId).toBe('v4');
      expect(bookingOverlapping(changed, at(4))?.visitId).toBe('v3');
    }
    // A booking replaced in place.
    const replaced = withoutBooking(base, 'v2');
    replaced[0] = { visitId: 'v5', range: at(8) };
    deepFreeze(replaced);
    for (let round = 0; round < 4; round++) {
      expect(bookingOf(replaced, 'v1')).toBeUndefined();
      expect(bookingOverlapping(replaced, at(8))?.visitId).toBe('v5');
    }
    // An added booking whose range may still change.
    const open = { visitId: 'v6', range: at(10) };
    const unfrozen = Object.freeze(withBooking(base, open));
    Object.freeze(open);
    for (let round = 0; round < 4; round++) expect(bookingOverlapping(unfrozen, at(10))?.visitId).toBe('v6');
    open.range.end = at(12).end;
    expect(bookingOverlapping(unfrozen, at(11))?.visitId).toBe('v6');
  });

  it('see a change to a list that is not frozen', () => {
    const list: Booking[] = [{ visitId: 'v1', range: { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T10:00:00.000Z' } }];
    const at = { start: '2026-12-08T11:00:00.000Z', end: '2026-12-08T12:00:00.000Z' };
    expect(bookingOverlapping(list, at)).toBeUndefined();
    list.push({ visitId: 'v2', range: at });
    expect(bookingOverlapping(list, at)?.visitId).toBe('v2');
    expect(bookingOf(list, 'v2')?.range).toBe(at);
    // A frozen list of bookings that may still change is not indexed either.
    const shallow = Object.freeze([{ visitId: 'v3', range: { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T10:00:00.000Z' } }]);
    for (let round = 0; round < 4; round++) expect(bookingOverlapping(shallow, at)).toBeUndefined();
    shallow[0]!.range.end = '2026-12-08T11:30:00.000Z';
    expect(bookingOverlapping(shallow, at)?.visitId).toBe('v3');
    // Nor one whose bookings are frozen but not their ranges.
    const range = { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T10:00:00.000Z' };
    const rangesOpen = Object.freeze([Object.freeze({ visitId: 'v4', range })]);
    for (let round = 0; round < 4; round++) expect(bookingOverlapping(rangesOpen, at)).toBeUndefined();
    range.end = '2026-12-08T11:30:00.000Z';
    expect(bookingOverlapping(rangesOpen, at)?.visitId).toBe('v4');
  });
  it('answer once (withBooking) as the scans do, through a lookup only when one is built, never building one', () => {
    fc.assert(
      fc.property(bookings, visitId, (list, id) => {
        const given = deepFreeze(list.map((b) => ({ visitId: b.visitId, range: { ...b.range } })));
        for (let round = 0; round < 4; round++) expect(bookingOfOnce(given, id)).toBe(scan.of(given, id));
        for (let round = 0; round < 4; round++) expect(bookingOf(given, id)).toBe(scan.of(given, id));
        expect(bookingOfOnce(given, id)).toBe(scan.of(given, id));
      }),
      { numRuns: 300 },
    );
    // Counted by the elements read: a scan reads the list, a lookup does not.
    const frozen = deepFreeze(
      Array.from({ length: 6 }, (_, i) => ({ visitId: `v${i}`, range: { start: new Date(T0 + i * HOUR).toISOString(), end: new Date(T0 + (i + 1) * HOUR).toISOString() } })),
    );
    let reads = 0;
    const list = new Proxy(frozen, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const readsOf = (read: () => unknown) => {
      reads = 0;
      read();
      return reads;
    };
    expect(readsOf(() => bookingOf(list, 'v5'))).toBeGreaterThan(0);
    expect(readsOf(() => bookingOf(list, 'v5'))).toBeGreaterThan(0);
    // Reads once do not bring the lookup closer: the next counted read builds it.
    for (let round = 0; round < 3; round++) expect(readsOf(() => bookingOfOnce(list, 'v5'))).toBeGreaterThan(0);
    bookingOf(list, 'v5');
    expect(readsOf(() => bookingOf(list, 'v5'))).toBe(0);
    expect(readsOf(() => bookingOfOnce(list, 'v5'))).toBe(0);
    expect(bookingOfOnce(list, 'v5')).toBe(frozen[5]);
  });
});
