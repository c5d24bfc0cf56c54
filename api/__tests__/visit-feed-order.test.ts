import fc from 'fast-check';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { openStarts } from '../../domain/expert/availability';
import { ExpertDoc } from '../../projections/experts/projection';
import { VisitDoc } from '../../projections/visits/projection';
import { Query } from 'mingo';
import { servesLocation } from '../../domain/expert/expert';
import { earliestFirst, inFeed, OpenStarts, withinReach } from '../routes/visits';

describe("the feed's open visits, earliest planned first, a chunk at a time", () => {
  let store: EmbeddedDocumentStore;
  beforeEach(() => (store = new EmbeddedDocumentStore({ path: ':memory:' })));
  afterEach(() => store.close());

  it('yields every selected visit once, in planned order, when groups planned at the same time straddle chunks', async () => {
    const visits = store.collection<VisitDoc>('visits');
    await visits.createIndex({ keys: { status: 1, plannedAt: 1 }, name: 'by_status_planned' });
    // 1,000 visits, planned in groups of 7 at the same minute (so chunks of 200 end inside groups), every fifth closed.
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      _id: `v-${String(i).padStart(4, '0')}`,
      status: i % 5 === 0 ? 'completed' : 'open',
      plannedAt: new Date(Date.UTC(2026, 2, 2) + Math.floor(i / 7) * 60_000).toISOString(),
    }));
    await visits.bulkWrite([...docs].reverse().map((document) => ({ insertOne: { document: document as unknown as VisitDoc } })));
    // Chunks of 200 (the most), and of a small page's size.
    for (const page of [undefined, 5]) {
      const seen: VisitDoc[] = [];
      for await (const visit of earliestFirst(visits, { status: 'open' }, page)) seen.push(visit);
      expect(seen.map((v) => v._id).sort()).toEqual(docs.filter((d) => d.status === 'open').map((d) => d._id));
      expect(seen.map((v) => v.plannedAt)).toEqual([...seen.map((v) => v.plannedAt)].sort());
    }
  });

  it('stops reading when the caller stops', async () => {
    const visits = store.collection<VisitDoc>('visits');
    await visits.bulkWrite(Array.from({ length: 500 }, (_, i) => ({ insertOne: { document: { _id: `v-${i}`, status: 'open', plannedAt: new Date(Date.UTC(2026, 2, 2) + i * 60_000).toISOString() } as unknown as VisitDoc } })));
    const find = jest.spyOn(visits, 'findReadOnly');
    for await (const visit of earliestFirst(visits, { status: 'open' })) if (visit._id === 'v-10') break;
    expect(find).toHaveBeenCalledTimes(1);
  });
});

describe("the feed's open starts, worked out once per distinct windows and duration", () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const monday = Date.UTC(2026, 2, 2);
  const at = (day: number, hour: number) => new Date(monday + day * DAY + hour * HOUR).toISOString();
  const nineToFive = [[], ...Array.from({ length: 5 }, () => [{ from: '09:00', to: '17:00' }]), []];
  const window = fc.record({ day: fc.integer({ min: 0, max: 4 }), from: fc.integer({ min: 6, max: 15 }), hours: fc.integer({ min: 1, max: 6 }) }).map(({ day, from, hours }) => ({ start: at(day, from), end: at(day, from + hours) }));
  const visit = fc.record({ windows: fc.array(window, { minLength: 1, maxLength: 2 }), durationMinutes: fc.constantFrom(30, 60, 90, 120) });
  const busy = fc.array(window, { maxLength: 6 });

  it('answers for every visit what its own windows, duration and the calendar give (the starts, or whether there is one), whatever was asked before', () => {
    fc.assert(
      fc.property(fc.array(visit, { minLength: 1, maxLength: 30 }), busy, busy, fc.integer({ min: 0, max: 5 * 24 }), (visits, bookings, timeOff, nowHours) => {
        const expert = {
          availability: { timeZone: 'UTC', days: nineToFive },
          bookings: bookings.map((range, i) => ({ visitId: `b-${i}`, range })),
          timeOff: timeOff.map((range) => ({ range })),
        } as unknown as ExpertDoc;
        const now = new Date(monday + nowHours * HOUR);
        const starts = new OpenStarts(expert, now);
        const calendar = [...bookings, ...timeOff];
        const expected = (v: (typeof visits)[number]) => {
          const ahead = v.windows.map((w) => ({ start: new Date(Math.max(Date.parse(w.start), now.getTime())).toISOString(), end: w.end })).filter((w) => w.start < w.end);
          return [...new Set(ahead.flatMap((w) => openStarts(expert.availability, calendar, w, v.durationMinutes)))].sort();
        };
        // Whether there is a start (the shapes' test) before and after the starts are listed, in any order.
        visits.forEach((v, i) => {
          if (i % 2 === 1) expect(starts.of(v)).toEqual(expected(v));
          expect(starts.fits(v)).toBe(expected(v).length > 0);
        });
        for (const v of visits) {
          expect(starts.of(v)).toEqual(expected(v));
          expect(starts.fits(v)).toBe(expected(v).length > 0);
        }
      }),
    );
  });

  it("property: the store's condition on where a visit is leaves out no visit in the expert's service area", () => {
    const near = fc.double({ min: -3, max: 3, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({ lat: fc.double({ min: -80, max: 80, noNaN: true }), lon: fc.double({ min: -170, max: 170, noNaN: true }) }),
        fc.double({ min: 1, max: 300, noNaN: true }),
        near,
        near,
        (home, radiusKm, dLat, dLon) => {
          const expert = { active: true, skills: ['washer'], home, serviceArea: { kind: 'radius', radiusKm } } as unknown as ExpertDoc;
          const visit = { status: 'open', skills: ['washer'], location: { lat: home.lat + dLat, lon: home.lon + dLon } } as unknown as VisitDoc;
          const served = servesLocation({ homeLocation: home, serviceArea: { kind: 'radius', radiusKm } }, visit);
          const kept = new Query(withinReach(expert)).test(visit);
          if (served) expect([home, radiusKm, visit.location, kept]).toEqual([home, radiusKm, visit.location, true]);
          expect(inFeed(visit, expert)).toBe(served);
        },
      ),
      { numRuns: 3000 },
    );
    // And it does leave out what is far.
    const expert = { active: true, skills: [], home: { lat: 42, lon: -72 }, serviceArea: { kind: 'radius', radiusKm: 50 } } as unknown as ExpertDoc;
    expect(new Query(withinReach(expert)).test({ location: { lat: 43, lon: -72 } })).toBe(false);
    expect(new Query(withinReach(expert)).test({ location: { lat: 42.4, lon: -72.4 } })).toBe(true);
  });
});
