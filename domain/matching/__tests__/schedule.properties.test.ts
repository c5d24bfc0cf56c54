/**
 * The matcher against a brute force on small random groups: 1–3 visits, 1–4 experts, starts on a
 * 30-minute grid over one day; and on crowded groups where proposal instants tie: 6–7 experts, up
 * to 3 needed per visit, visits that overlap. The brute force enumerates every (start, crew) per
 * visit, keeps the consistent schedules and takes the smallest under the finalization order,
 * written out again here from its definition in schedule.ts.
 */
import fc from 'fast-check';
import { TimeRange } from '../../shared/time';
import { VisitDependency, VisitSpec } from '../../shared/visit-plan';
import { Booking, matchGroup, MatchInput, MatchResult, Proposal, ScheduledVisit } from '../schedule';

const RUNS = 300;
/** A crowded group on which a crew order that mishandles ties goes wrong comes about once in 250 runs: more runs. */
const CROWDED_RUNS = 1500;
const MINUTE = 60_000;
const BASE = Date.parse('2026-06-01T08:00:00.000Z');
const slot = (i: number) => new Date(BASE + i * 30 * MINUTE).toISOString();

// ---- random groups ------------------------------------------------------------------------

const arbWindow = (minSlots: number) =>
  fc.record({ from: fc.integer({ min: 0, max: 4 }), length: fc.integer({ min: minSlots, max: 16 }) }).map(({ from, length }) => ({ start: slot(from), end: slot(from + length) }));

/** A visit with one window it fits in, maybe another too short for it. */
const arbVisit = (visitId: string, experts: number) =>
  fc.integer({ min: 1, max: 3 }).chain((slots) =>
    fc
      .record({
        expertsNeeded: experts > 1 ? fc.constantFrom(1, 1, 2) : fc.constant(1),
        windows: fc.tuple(arbWindow(Math.max(slots, 6)), fc.option(arbWindow(1), { nil: undefined })),
      })
      .map(({ expertsNeeded, windows: [fits, other] }): VisitSpec => ({
        visitId,
        skills: [],
        expertsNeeded,
        durationMinutes: slots * 30,
        windows: other === undefined ? [fits] : [other, fits],
      })),
  );

const arbInput: fc.Arbitrary<MatchInput> = fc
  .record({ visitCount: fc.integer({ min: 1, max: 3 }), expertCount: fc.integer({ min: 1, max: 4 }) })
  .chain(({ visitCount, expertCount }) => {
    const ids = ['v-c', 'v-a', 'v-b'].slice(0, visitCount);
    const experts = ['e1', 'e2', 'e3', 'e4'].slice(0, expertCount);
    return fc.record({
      visits: fc.tuple(...ids.map((id) => arbVisit(id, expertCount))),
      // Dependencies only go up a random ranking of the visits: never a cycle.
      ranking: fc.shuffledSubarray(ids, { minLength: visitCount, maxLength: visitCount }),
      links: fc.array(
        fc.record({
          a: fc.constantFrom(...ids),
          b: fc.constantFrom(...ids),
          min: fc.constantFrom(0, 0, 30),
          extra: fc.constantFrom<number | null>(null, null, 0, 30, 60, 90),
        }),
        { maxLength: 3 },
      ),
      // Per visit a few starts, each proposed by some of the experts (each with its own proposedAt).
      proposals: fc.tuple(
        ...ids.map((visitId) =>
          fc.array(
            fc.record({
              start: fc.integer({ min: 0, max: 11 }),
              by: fc.uniqueArray(fc.record({ expertId: fc.constantFrom(...experts), proposedAt: fc.integer({ min: 0, max: 4 }) }), {
                minLength: 1,
                maxLength: 3,
                selector: (p) => p.expertId,
              }),
            }),
            { minLength: 1, maxLength: 3 },
          ).map((starts) => starts.flatMap(({ start, by }) => by.map((p) => ({ ...p, visitId, start })))),
        ),
      ),
      // Proposals for a dependent visit that keep the gap with a proposal of the visit before it.
      echoes: fc.array(
        fc.record({ link: fc.nat(), pick: fc.nat(), expertId: fc.constantFrom(...experts), proposedAt: fc.integer({ min: 0, max: 4 }), later: fc.boolean() }),
        { maxLength: 4 },
      ),
      bookings: fc.array(
        fc.record({
          expertId: fc.constantFrom(...experts),
          from: fc.integer({ min: 0, max: 15 }),
          length: fc.integer({ min: 1, max: 4 }),
          visitId: fc.option(fc.constantFrom(...ids, 'elsewhere'), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    });
  })
  .map(({ visits, ranking, links, proposals, echoes, bookings }) => {
    const dependencies = links
      .filter(({ a, b }) => ranking.indexOf(a) < ranking.indexOf(b))
      .map(({ a, b, min, extra }): VisitDependency => ({ before: a, after: b, minGapMinutes: min, maxGapMinutes: extra === null ? null : min + extra }));
    const proposed = proposals.flat();
    const echoed = echoes.flatMap(({ link, pick, expertId, proposedAt, later }) => {
      const d = dependencies[link % Math.max(1, dependencies.length)];
      const befores = d ? proposed.filter((p) => p.visitId === d.before) : [];
      if (!d || befores.length === 0) return [];
      const before = befores[pick % befores.length];
      const duration = (visits.find((v) => v.visitId === d.before) as VisitSpec).durationMinutes;
      const gap = later && (d.maxGapMinutes === null || d.maxGapMinutes >= d.minGapMinutes + 30) ? d.minGapMinutes + 30 : d.minGapMinutes;
      return [{ visitId: d.after, expertId, proposedAt, start: before.start + (duration + gap) / 30 }];
    });
    return {
      visits,
      dependencies,
      proposals: [...proposed, ...echoed].map((p): Proposal => ({ ...p, start: slot(p.start), proposedAt: new Date(BASE - (10 - p.proposedAt) * MINUTE).toISOString() })),
      bookings: bookings.map(({ expertId, from, length, visitId }): Booking => ({
        expertId,
        range: { start: slot(from), end: slot(from + length) },
        ...(visitId === undefined ? {} : { visitId }),
      })),
    };
  });

/**
 * Crowded groups, ties on purpose: a long visit needing 2–3 of the 4–7 experts (of 6–7) who
 * proposed it, with proposal instants drawn from three values so that experts tie on time
 * priority; and 1–2 short visits, maybe inside it, mostly proposed by two of the long visit's
 * first three experts by time priority (and maybe someone else). Their needs decide which crews
 * of the long visit can be completed, so the order between those crews, ties included, decides
 * the result. Expert ids are not in proposal order.
 */
const arbCrowdedInput: fc.Arbitrary<MatchInput> = fc
  .record({ expertCount: fc.integer({ min: 6, max: 7 }), shortCount: fc.constantFrom(1, 2, 2) })
  .chain(({ expertCount, shortCount }) => {
    const experts = ['x', 'd', 'q', 'b', 'm', 'a', 'k'].slice(0, expertCount);
    const instant = fc.constantFrom(0, 0, 1, 2);
    return fc.record({
      long: fc.record({
        expertsNeeded: fc.integer({ min: 2, max: 3 }),
        slots: fc.integer({ min: 2, max: 3 }),
        starts: fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 }),
        crowd: fc.uniqueArray(fc.record({ expertId: fc.constantFrom(...experts), proposedAt: instant }), { minLength: 4, maxLength: expertCount, selector: (p) => p.expertId }),
      }),
      shorts: fc.tuple(
        ...Array.from({ length: shortCount }, () =>
          fc.record({
            expertsNeeded: fc.constantFrom(1, 1, 1, 2),
            slots: fc.constantFrom(1, 1, 1, 2),
            start: fc.integer({ min: 0, max: 2 }),
            picks: fc.uniqueArray(fc.nat({ max: 2 }), { minLength: 2, maxLength: 2 }),
            outsider: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...experts) }),
            proposedAt: instant,
          }),
        ),
      ),
      link: fc.option(fc.record({ min: fc.constantFrom(0, 30), extra: fc.constantFrom<number | null>(null, 0, 60) }), { nil: undefined, freq: 2 }),
      bookings: fc.array(
        fc.record({
          expertId: fc.constantFrom(...experts),
          from: fc.integer({ min: 0, max: 6 }),
          length: fc.integer({ min: 1, max: 2 }),
          visitId: fc.option(fc.constantFrom('v-long', 'v-s0', 'v-s1', 'elsewhere'), { nil: undefined }),
        }),
        { maxLength: 1 },
      ),
    });
  })
  .map(({ long, shorts, link, bookings }): MatchInput => {
    const windows = [{ start: slot(0), end: slot(8) }];
    const visits: VisitSpec[] = [
      { visitId: 'v-long', skills: [], expertsNeeded: long.expertsNeeded, durationMinutes: long.slots * 30, windows },
      ...shorts.map((s, i): VisitSpec => ({ visitId: `v-s${i}`, skills: [], expertsNeeded: s.expertsNeeded, durationMinutes: s.slots * 30, windows })),
    ];
    const first = [...long.crowd].sort((a, b) => a.proposedAt - b.proposedAt || (a.expertId < b.expertId ? -1 : 1)).slice(0, 3);
    const proposals = [
      ...long.starts.flatMap((start) => long.crowd.map((p) => ({ ...p, visitId: 'v-long', start }))),
      ...shorts.flatMap((s, i) =>
        [...new Set([...s.picks.map((k) => first[k].expertId), ...(s.outsider === undefined ? [] : [s.outsider])])].map((expertId) => ({
          visitId: `v-s${i}`,
          expertId,
          start: s.start,
          proposedAt: s.proposedAt,
        })),
      ),
    ];
    return {
      visits,
      // Maybe a dependency between the short visits (the long one stays first in dependency order).
      dependencies: link === undefined || shorts.length < 2 ? [] : [{ before: 'v-s0', after: 'v-s1', minGapMinutes: link.min, maxGapMinutes: link.extra === null ? null : link.min + link.extra }],
      proposals: proposals.map((p): Proposal => ({ ...p, start: slot(p.start), proposedAt: new Date(BASE - (10 - p.proposedAt) * MINUTE).toISOString() })),
      bookings: bookings.map(({ expertId, from, length, visitId }): Booking => ({
        expertId,
        range: { start: slot(from), end: slot(from + length) },
        ...(visitId === undefined ? {} : { visitId }),
      })),
    };
  });

/** The same input with proposals, bookings and dependencies in another order. */
const arbInputAndShuffle = arbInput.chain((input) =>
  fc.record({
    input: fc.constant(input),
    shuffled: fc.record({
      visits: fc.constant(input.visits),
      dependencies: fc.shuffledSubarray(input.dependencies, { minLength: input.dependencies.length }),
      proposals: fc.shuffledSubarray(input.proposals, { minLength: input.proposals.length }),
      bookings: fc.shuffledSubarray(input.bookings, { minLength: input.bookings.length }),
    }),
  }),
);

// ---- the rules, written out independently ----------------------------------------------------

const t = Date.parse;
const overlap = (a: TimeRange, b: TimeRange) => t(a.start) < t(b.end) && t(b.start) < t(a.end);

/** Why `schedule` breaks a rule (empty when it is consistent). */
function violations(input: MatchInput, schedule: ScheduledVisit[]): string[] {
  const problems: string[] = [];
  const ids = new Set(input.visits.map((v) => v.visitId));
  if (schedule.length !== input.visits.length || !schedule.every((s) => ids.has(s.visitId))) problems.push('not one entry per visit');
  const byId = new Map(schedule.map((s) => [s.visitId, s]));
  for (const visit of input.visits) {
    const s = byId.get(visit.visitId);
    if (!s) continue;
    if (t(s.end) - t(s.start) !== visit.durationMinutes * MINUTE) problems.push(`${s.visitId} has the wrong length`);
    if (!visit.windows.some((w) => t(w.start) <= t(s.start) && t(s.end) <= t(w.end))) problems.push(`${s.visitId} is outside its windows`);
    if (s.experts.length !== visit.expertsNeeded || new Set(s.experts).size !== s.experts.length) problems.push(`${s.visitId} has the wrong crew size`);
    for (const e of s.experts) {
      if (!input.proposals.some((p) => p.visitId === s.visitId && p.expertId === e && t(p.start) === t(s.start))) problems.push(`${e} never proposed ${s.visitId} at ${s.start}`);
    }
  }
  for (const d of input.dependencies) {
    const [before, after] = [byId.get(d.before), byId.get(d.after)];
    if (!before || !after) continue;
    const gap = (t(after.start) - t(before.end)) / MINUTE;
    if (gap < d.minGapMinutes || (d.maxGapMinutes !== null && gap > d.maxGapMinutes)) problems.push(`${d.before} → ${d.after} is broken`);
  }
  problems.push(...doubleBookings(input, schedule));
  return problems;
}

function doubleBookings(input: MatchInput, schedule: ScheduledVisit[]): string[] {
  const problems: string[] = [];
  for (const s of schedule) {
    for (const e of s.experts) {
      // A booking for the visit itself is where that visit stands now: it does not count against it.
      if (input.bookings.some((b) => b.expertId === e && b.visitId !== s.visitId && overlap(b.range, s))) problems.push(`${e} is booked during ${s.visitId}`);
      if (schedule.some((o) => o !== s && o.experts.includes(e) && overlap(o, s))) problems.push(`${e} is on two overlapping visits`);
    }
  }
  return problems;
}

function dependencyOrderOf(input: MatchInput): VisitSpec[] {
  const order: VisitSpec[] = [];
  while (order.length < input.visits.length) {
    const next = input.visits.find((v) => !order.includes(v) && input.dependencies.every((d) => d.after !== v.visitId || order.some((o) => o.visitId === d.before)));
    if (!next) throw new Error('cycle');
    order.push(next);
  }
  return order;
}

interface Crewed {
  start: number;
  crew: { expertId: string; proposedAt: number }[];
}

function* subsets<T>(items: T[], k: number): Generator<T[]> {
  if (k === 0) yield [];
  else for (let i = 0; i + k <= items.length; i++) for (const rest of subsets(items.slice(i + 1), k - 1)) yield [items[i], ...rest];
}

const lexicographic = (a: (number | string)[], b: (number | string)[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
};

/** The finalization order: starts in dependency order, then per visit the crews' proposedAt lists, then their expertId lists. */
function compareSchedules(a: Crewed[], b: Crewed[]): number {
  const starts = lexicographic(
    a.map((x) => x.start),
    b.map((x) => x.start),
  );
  if (starts !== 0) return starts;
  for (let i = 0; i < a.length; i++) {
    const [ca, cb] = [a[i].crew, b[i].crew].map((crew) => [...crew].sort((x, y) => x.proposedAt - y.proposedAt || (x.expertId < y.expertId ? -1 : 1)));
    const byTime = lexicographic(
      ca.map((c) => c.proposedAt),
      cb.map((c) => c.proposedAt),
    );
    if (byTime !== 0) return byTime;
    const byId = lexicographic(
      ca.map((c) => c.expertId),
      cb.map((c) => c.expertId),
    );
    if (byId !== 0) return byId;
  }
  return 0;
}

/** Every (start, crew) of every visit, every combination checked; the best consistent one, or null. */
function bruteForce(input: MatchInput): ScheduledVisit[] | null {
  const order = dependencyOrderOf(input);
  const options = order.map((visit) => {
    const mine = input.proposals.filter((p) => p.visitId === visit.visitId);
    const starts = [...new Set(mine.map((p) => t(p.start)))];
    return starts.flatMap((start) => {
      const experts = [...new Set(mine.filter((p) => t(p.start) === start).map((p) => p.expertId))].map((expertId) => ({
        expertId,
        proposedAt: Math.min(...mine.filter((p) => t(p.start) === start && p.expertId === expertId).map((p) => t(p.proposedAt))),
      }));
      return [...subsets(experts, visit.expertsNeeded)].map((crew): Crewed => ({ start, crew }));
    });
  });
  const toSchedule = (choice: Crewed[]) =>
    choice.map((c, i): ScheduledVisit => ({
      visitId: order[i].visitId,
      start: new Date(c.start).toISOString(),
      end: new Date(c.start + order[i].durationMinutes * MINUTE).toISOString(),
      experts: c.crew.map((e) => e.expertId),
    }));
  const found: { best: Crewed[] | null } = { best: null };
  // A choice that already breaks a rule among the visits chosen so far stays broken: not extended.
  const brokenSoFar = (choice: Crewed[]) => violations(input, toSchedule(choice)).some((problem) => problem !== 'not one entry per visit');
  const walk = (choice: Crewed[]) => {
    if (brokenSoFar(choice)) return;
    if (choice.length === order.length) {
      const { best } = found;
      if (best === null || compareSchedules(choice, best) < 0) found.best = choice;
      return;
    }
    for (const option of options[choice.length]) walk([...choice, option]);
  };
  walk([]);
  return found.best === null ? null : toSchedule(found.best);
}

/** A chosen crew listed by (earliest proposal of that start for that visit, expert id). */
function byTimePriority(input: MatchInput, s: ScheduledVisit): string[] {
  const proposedAt = (e: string) => Math.min(...input.proposals.filter((p) => p.visitId === s.visitId && p.expertId === e && t(p.start) === t(s.start)).map((p) => t(p.proposedAt)));
  return [...s.experts].sort((a, b) => proposedAt(a) - proposedAt(b) || (a < b ? -1 : 1));
}

/** Crews compared as sets: the matcher lists experts by time priority, the brute force by its own enumeration. */
const asSets = (schedule: ScheduledVisit[]) => schedule.map((s) => ({ ...s, experts: [...s.experts].sort() }));

// ---- properties ---------------------------------------------------------------------------

describe('matchGroup properties', () => {
  it('never double-books an expert, within the group or against their bookings', () =>
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = matchGroup(input);
        if (result.full) expect(doubleBookings(input, result.schedule)).toEqual([]);
      }),
      { numRuns: RUNS },
    ));

  it('respects windows, dependencies, the number of distinct experts and their proposals', () =>
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = matchGroup(input);
        if (result.full) expect(violations(input, result.schedule)).toEqual([]);
      }),
      { numRuns: RUNS },
    ));

  it('is full exactly when the brute force finds a schedule', () =>
    fc.assert(
      fc.property(arbInput, (input) => {
        expect(matchGroup(input).full).toBe(bruteForce(input) !== null);
      }),
      { numRuns: RUNS },
    ));

  it("picks the brute force's best schedule under the finalization order", () =>
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = matchGroup(input);
        const best = bruteForce(input);
        if (!result.full || best === null) return;
        expect(asSets(result.schedule)).toEqual(asSets(best));
        for (const s of result.schedule) expect(s.experts).toEqual(byTimePriority(input, s));
      }),
      { numRuns: RUNS },
    ));

  it("picks the brute force's best schedule when proposal instants tie, crews listed by time priority", () =>
    fc.assert(
      fc.property(arbCrowdedInput, (input) => {
        const best = bruteForce(input);
        const result = matchGroup(input);
        expect(result.full).toBe(best !== null);
        if (!result.full || best === null) return;
        expect(result.schedule).toEqual(best.map((s) => ({ ...s, experts: byTimePriority(input, s) })));
      }),
      { numRuns: CROWDED_RUNS },
    ));

  it('with a smaller work budget, decides the same or gives up', () =>
    fc.assert(
      fc.property(fc.oneof(arbInput, arbCrowdedInput), fc.integer({ min: 0, max: 3000 }), (input, searchBudget) => {
        const limited = matchGroup(input, { searchBudget });
        if (!limited.full && limited.undecided) {
          expect(limited.unfit).toHaveLength(input.proposals.length);
          return;
        }
        expect(limited).toEqual(matchGroup(input));
      }),
      { numRuns: RUNS },
    ));

  it('gives the same result for a shuffled copy of the input', () =>
    fc.assert(
      fc.property(arbInputAndShuffle, ({ input, shuffled }) => {
        expect(matchGroup(shuffled)).toEqual(matchGroup(input));
      }),
      { numRuns: RUNS },
    ));

  it("gives the same result with any bookings outside the windows' span added", () =>
    fc.assert(
      fc.property(
        arbInput,
        fc.array(
          fc.record({
            expertId: fc.constantFrom('e1', 'e2', 'e3', 'e4'),
            // Slots away from the span: days before it, or from its end on (a booking that ends
            // where the span starts, or starts where it ends, does not overlap it).
            before: fc.boolean(),
            gap: fc.integer({ min: 0, max: 2000 }),
            length: fc.integer({ min: 1, max: 8 }),
            visitId: fc.option(fc.constantFrom('v-a', 'v-b', 'v-c', 'elsewhere'), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (input, far) => {
          const windows = input.visits.flatMap((v) => v.windows);
          const from = Math.min(...windows.map((w) => Date.parse(w.start)));
          const to = Math.max(...windows.map((w) => Date.parse(w.end)));
          const outside = far.map(({ expertId, before, gap, length, visitId }): Booking => {
            const start = before ? from - (gap + length) * 30 * MINUTE : to + gap * 30 * MINUTE;
            return { expertId, range: { start: new Date(start).toISOString(), end: new Date(start + length * 30 * MINUTE).toISOString() }, ...(visitId === undefined ? {} : { visitId }) };
          });
          expect(matchGroup({ ...input, bookings: [...outside, ...input.bookings] })).toEqual(matchGroup(input));
        },
      ),
      { numRuns: RUNS },
    ));

  it('when not full, lists every proposal as unfit, with static reasons that hold', () =>
    fc.assert(
      fc.property(arbInput, (input) => {
        const result: MatchResult = matchGroup(input);
        if (result.full) return;
        expect(result.unfit.map((u) => u.proposal)).toEqual(expect.arrayContaining(input.proposals));
        expect(result.unfit).toHaveLength(input.proposals.length);
        for (const { proposal: p, reason } of result.unfit) {
          const visit = input.visits.find((v) => v.visitId === p.visitId) as VisitSpec;
          const range = { start: p.start, end: new Date(t(p.start) + visit.durationMinutes * MINUTE).toISOString() };
          const inWindow = visit.windows.some((w) => t(w.start) <= t(range.start) && t(range.end) <= t(w.end));
          const booked = input.bookings.some((b) => b.expertId === p.expertId && b.visitId !== p.visitId && overlap(b.range, range));
          expect(reason === 'outside-windows').toBe(!inWindow);
          if (inWindow) expect(reason === 'expert-booked').toBe(booked);
        }
      }),
      { numRuns: RUNS },
    ));
});
