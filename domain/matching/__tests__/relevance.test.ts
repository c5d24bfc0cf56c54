import fc from 'fast-check';
import { distanceKm, GeoPoint } from '../../shared/geo';
import { VisitSpec } from '../../shared/visit-plan';
import {
  AVAILABILITY_WEIGHT,
  DISTANCE_WEIGHT,
  ExpertProfile,
  LOAD_WEIGHT,
  RankedExpert,
  rankExperts,
  RATING_WEIGHT,
  SKILLS_WEIGHT,
} from '../relevance';

const customer: GeoPoint = { lat: 42.1, lon: -72.59 };
/** About `km` kilometres north of the customer. */
const north = (km: number): GeoPoint => ({ lat: customer.lat + km / 111.195, lon: customer.lon });
const now = '2026-05-30T08:00:00.000Z';
const visit: VisitSpec = {
  visitId: 'v1',
  skills: ['plumbing', 'gas'],
  expertsNeeded: 1,
  durationMinutes: 60,
  windows: [
    { start: '2026-06-02T09:00:00.000Z', end: '2026-06-02T12:00:00.000Z' },
    { start: '2026-06-01T09:00:00.000Z', end: '2026-06-01T12:00:00.000Z' },
  ],
};
const expert = (expertId: string, overrides: Partial<ExpertProfile> = {}): ExpertProfile => ({
  expertId,
  skills: ['plumbing', 'gas', 'electrical'],
  home: customer,
  serviceRadiusKm: 20,
  bookings: [],
  rating: 5,
  active: true,
  ...overrides,
});
const rankOne = (profile: ExpertProfile, at = now): RankedExpert => rankExperts(visit, customer, [profile], at)[0];

describe('rankExperts', () => {
  it('weights sum to 1, so a perfect expert scores 1', () => {
    expect(SKILLS_WEIGHT + DISTANCE_WEIGHT + AVAILABILITY_WEIGHT + LOAD_WEIGHT + RATING_WEIGHT).toBeCloseTo(1, 10);
    expect(rankOne(expert('e1'))).toEqual({
      expertId: 'e1',
      eligible: true,
      ineligible: [],
      score: expect.closeTo(1, 10),
      factors: { skills: 1, distance: 1, availability: 1, load: 1, rating: 1 },
      missingSkills: [],
      distanceKm: 0,
    });
  });

  it('orders eligible experts first, then by score, then by expert id', () => {
    const ranked = rankExperts(
      visit,
      customer,
      [
        expert('far', { home: north(10) }),
        expert('inactive', { active: false }),
        expert('b-near'),
        expert('a-near'),
        expert('low-rated', { rating: 1 }),
      ],
      now,
    );
    expect(ranked.map((r) => r.expertId)).toEqual(['a-near', 'b-near', 'far', 'low-rated', 'inactive']);
    expect(ranked[4].score).toBeGreaterThan(ranked[3].score);
  });

  describe('eligibility', () => {
    it('requires every skill, but scores the coverage', () => {
      const partial = rankOne(expert('e1', { skills: ['plumbing'] }));
      expect(partial).toMatchObject({ eligible: false, ineligible: ['missing-skills'], missingSkills: ['gas'] });
      expect(partial.factors.skills).toBe(0.5);
      expect(partial.score).toBeCloseTo(1 - SKILLS_WEIGHT / 2, 10);
    });

    it('requires the customer inside the service radius, scoring closer experts higher', () => {
      const inside = rankOne(expert('e1', { home: north(10) }));
      expect(inside.eligible).toBe(true);
      expect(inside.distanceKm).toBeCloseTo(10, 1);
      expect(inside.factors.distance).toBeCloseTo(0.5, 2);
      const outside = rankOne(expert('e2', { home: north(25) }));
      expect(outside).toMatchObject({ eligible: false, ineligible: ['outside-service-area'] });
      expect(outside.factors.distance).toBe(0);
    });

    it('excludes inactive experts and lists every reason', () => {
      expect(rankOne(expert('e1', { active: false, skills: [], home: north(50) })).ineligible).toEqual(['inactive', 'missing-skills', 'outside-service-area']);
    });
  });

  it('counts an unknown rating as a neutral 3', () => {
    const unrated = rankOne(expert('e1', { rating: null }));
    expect(unrated.factors.rating).toBe(0.5);
    expect(unrated.score).toBe(rankOne(expert('e1', { rating: 3 })).score);
    expect(rankOne(expert('e1', { rating: 1 })).factors.rating).toBe(0);
  });

  describe('availability', () => {
    const firstWindow = { start: '2026-06-01T09:00:00.000Z', end: '2026-06-01T12:00:00.000Z' };

    it('is full when the expert is free for the visit in the earliest window', () => {
      const mostlyBooked = [{ start: '2026-06-01T09:00:00.000Z', end: '2026-06-01T10:00:00.000Z' }, { start: '2026-06-01T11:00:00.000Z', end: '2026-06-01T13:00:00.000Z' }];
      expect(rankOne(expert('e1', { bookings: mostlyBooked })).factors.availability).toBe(1);
    });

    it('is half when only a later window is free, none when no window is', () => {
      expect(rankOne(expert('e1', { bookings: [firstWindow] })).factors.availability).toBe(0.5);
      const allWeek = { start: '2026-06-01T00:00:00.000Z', end: '2026-06-03T00:00:00.000Z' };
      expect(rankOne(expert('e1', { bookings: [allWeek] })).factors.availability).toBe(0);
    });

    it("counts only the expert's weekly hours as free time", () => {
      const days = (slots: Record<number, { from: string; to: string }[]>) => [0, 1, 2, 3, 4, 5, 6].map((d) => slots[d] ?? []);
      // June 1st 2026 is a Monday, the 2nd a Tuesday.
      expect(rankOne(expert('e1', { weeklyHours: { timeZone: 'UTC', days: days({ 1: [{ from: '10:00', to: '11:00' }] }) } })).factors.availability).toBe(1);
      expect(rankOne(expert('e1', { weeklyHours: { timeZone: 'UTC', days: days({ 1: [{ from: '13:00', to: '17:00' }], 2: [{ from: '08:00', to: '12:00' }] }) } })).factors.availability).toBe(0.5);
      expect(rankOne(expert('e1', { weeklyHours: { timeZone: 'UTC', days: days({ 1: [{ from: '10:00', to: '11:00' }] }) }, bookings: [firstWindow] })).factors.availability).toBe(0);
      expect(rankOne(expert('e1', { weeklyHours: { timeZone: 'UTC', days: days({}) } })).factors.availability).toBe(0);
    });

    it('looks only at what is still ahead', () => {
      // At 10:30 on June 1st the first window has 90 minutes left; at 11:30, too little.
      expect(rankOne(expert('e1', { bookings: [{ start: '2026-06-02T08:00:00.000Z', end: '2026-06-02T12:00:00.000Z' }] }), '2026-06-01T10:30:00.000Z').factors.availability).toBe(1);
      expect(rankOne(expert('e1', { bookings: [{ start: '2026-06-02T08:00:00.000Z', end: '2026-06-02T12:00:00.000Z' }] }), '2026-06-01T11:30:00.000Z').factors.availability).toBe(0);
    });
  });

  it('lowers the score with the hours booked in the next seven days, overlaps counted once', () => {
    const day = (d: number, from: number, to: number) => ({ start: `2026-06-0${d}T${String(from).padStart(2, '0')}:00:00.000Z`, end: `2026-06-0${d}T${to}:00:00.000Z` });
    const twentyHours = [day(3, 8, 18), day(4, 8, 18), day(4, 9, 17), day(9, 8, 18)];
    const loaded = rankOne(expert('e1', { bookings: twentyHours }));
    expect(loaded.factors.load).toBe(0.5);
    expect(loaded.score).toBeCloseTo(1 - LOAD_WEIGHT / 2, 10);
  });

  it('keeps every score in [0, 1] and the order total', () => {
    const arbExpert = fc.record({
      expertId: fc.constantFrom('a', 'b', 'c', 'd'),
      skills: fc.subarray(['plumbing', 'gas', 'electrical']),
      home: fc.record({ lat: fc.double({ min: 41, max: 43, noNaN: true }), lon: fc.double({ min: -73, max: -72, noNaN: true }) }),
      serviceRadiusKm: fc.double({ min: 0, max: 100, noNaN: true }),
      bookings: fc.array(
        fc.record({ day: fc.integer({ min: 1, max: 9 }), from: fc.integer({ min: 0, max: 20 }), hours: fc.integer({ min: 1, max: 30 }) }).map(({ day, from, hours }) => {
          const start = Date.parse(`2026-06-0${day}T00:00:00.000Z`) + from * 3_600_000;
          return { start: new Date(start).toISOString(), end: new Date(start + hours * 3_600_000).toISOString() };
        }),
        { maxLength: 5 },
      ),
      rating: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: null }),
      active: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(arbExpert, { maxLength: 4, selector: (e) => e.expertId }), (experts) => {
        const ranked = rankExperts(visit, customer, experts, now);
        expect(ranked).toHaveLength(experts.length);
        for (const [i, r] of ranked.entries()) {
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1 + 1e-12);
          expect(r.eligible).toBe(r.ineligible.length === 0);
          const next = ranked[i + 1];
          if (next && next.eligible === r.eligible) expect(r.score).toBeGreaterThanOrEqual(next.score);
          if (next) expect(Number(r.eligible)).toBeGreaterThanOrEqual(Number(next.eligible));
        }
        expect(rankExperts(visit, customer, [...experts].reverse(), now)).toEqual(ranked);
        for (const r of ranked) {
          const profile = experts.find((e) => e.expertId === r.expertId) as ExpertProfile;
          expect(r.distanceKm).toBe(distanceKm(profile.home, customer));
        }
      }),
      { numRuns: 200 },
    );
  });
});
