import { DomainError } from '../../decider';
import { RIGHT_AFTER, VisitDependency, VisitSpec } from '../../shared/visit-plan';
import { Booking, dependencyOrder, matchGroup, MatchInput, MatchResult, Proposal, validateVisitPlan } from '../schedule';

const at = (hhmm: string, day = '2026-06-01') => `${day}T${hhmm}:00.000Z`;
const visit = (visitId: string, overrides: Partial<VisitSpec> = {}): VisitSpec => ({
  visitId,
  skills: ['plumbing'],
  expertsNeeded: 1,
  durationMinutes: 60,
  windows: [{ start: at('08:00'), end: at('17:00') }],
  ...overrides,
});
/** `proposedAt` as minutes after midnight the day before, so smaller is earlier. */
const propose = (visitId: string, expertId: string, start: string, proposedAtMinute = 0): Proposal => ({
  visitId,
  expertId,
  start: at(start),
  proposedAt: new Date(Date.parse('2026-05-31T00:00:00.000Z') + proposedAtMinute * 60_000).toISOString(),
});
const match = (input: Partial<MatchInput> & Pick<MatchInput, 'visits'>): MatchResult =>
  matchGroup({ dependencies: [], proposals: [], bookings: [], ...input });

function schedule(result: MatchResult) {
  if (!result.full) throw new Error(`expected a full group: ${result.reason}`);
  return result.schedule;
}
function notFull(result: MatchResult) {
  if (result.full) throw new Error('expected the group not to be full');
  return result;
}

describe('matchGroup', () => {
  it('schedules a single visit with the one expert who proposed', () => {
    expect(schedule(match({ visits: [visit('v1')], proposals: [propose('v1', 'e1', '09:00')] }))).toEqual([
      { visitId: 'v1', start: at('09:00'), end: at('10:00'), experts: ['e1'] },
    ]);
  });

  it('is not full without proposals', () => {
    expect(notFull(match({ visits: [visit('v1')] }))).toEqual({ full: false, reason: 'visit v1 has no proposals yet', unfit: [] });
  });

  it('picks the earliest start, whoever proposed first', () => {
    const result = match({ visits: [visit('v1')], proposals: [propose('v1', 'e1', '11:00', 1), propose('v1', 'e2', '09:00', 500)] });
    expect(schedule(result)[0]).toMatchObject({ start: at('09:00'), experts: ['e2'] });
  });

  it('gives the start to the expert who proposed it first, then by expert id', () => {
    const proposals = [propose('v1', 'e1', '09:00', 20), propose('v1', 'e2', '09:00', 10), propose('v1', 'e3', '09:00', 10)];
    expect(schedule(match({ visits: [visit('v1')], proposals }))[0].experts).toEqual(['e2']);
    expect(schedule(match({ visits: [visit('v1', { expertsNeeded: 2 })], proposals }))[0].experts).toEqual(['e2', 'e3']);
  });

  it('counts a repeated proposal once, with its earliest time', () => {
    const proposals = [propose('v1', 'e1', '09:00', 30), propose('v1', 'e2', '09:00', 20), propose('v1', 'e1', '09:00', 10)];
    expect(schedule(match({ visits: [visit('v1')], proposals }))[0].experts).toEqual(['e1']);
  });

  it('ranks crews by their proposal instants before their ids, also when instants tie', () => {
    // Given a one-hour visit needing two of a and b (proposed at minute 1), c (2) and d (3), and
    // two half-hour visits inside it that only {a, c} and {a, b} proposed for,
    const visits = [visit('v1', { expertsNeeded: 2 }), visit('v2', { durationMinutes: 30 }), visit('v3', { durationMinutes: 30 })];
    const proposals = [
      propose('v1', 'a', '09:00', 1),
      propose('v1', 'b', '09:00', 1),
      propose('v1', 'c', '09:00', 2),
      propose('v1', 'd', '09:00', 3),
      propose('v2', 'a', '09:00', 5),
      propose('v2', 'c', '09:00', 5),
      propose('v3', 'a', '09:30', 5),
      propose('v3', 'b', '09:30', 5),
    ];
    // when the group is matched,
    const result = schedule(match({ visits, proposals }));
    // then only {a, d} (minutes 1, 3) and {b, c} (minutes 1, 2) leave v2 and v3 an expert, and {b, c} wins on its second instant.
    expect(result.map((v) => [v.visitId, v.experts])).toEqual([
      ['v1', ['b', 'c']],
      ['v2', ['a']],
      ['v3', ['a']],
    ]);
  });

  describe('a visit needing two experts', () => {
    const v1 = visit('v1', { expertsNeeded: 2 });

    it('waits for the first start two distinct experts proposed', () => {
      const proposals = [propose('v1', 'e1', '09:00', 1), propose('v1', 'e1', '09:00', 2), propose('v1', 'e1', '10:00'), propose('v1', 'e2', '10:00')];
      expect(schedule(match({ visits: [v1], proposals }))).toEqual([{ visitId: 'v1', start: at('10:00'), end: at('11:00'), experts: ['e1', 'e2'] }]);
    });

    it('is not full with one expert, and says so', () => {
      const result = notFull(match({ visits: [v1], proposals: [propose('v1', 'e1', '09:00')] }));
      expect(result.reason).toBe("visit v1 has no proposed start with 2 available expert(s) inside the customer's windows");
      expect(result.unfit).toEqual([{ proposal: propose('v1', 'e1', '09:00'), reason: 'too-few-experts', detail: `only 1 of the 2 experts needed can come at ${at('09:00')}` }]);
    });
  });

  describe('dependencies', () => {
    const plumber = visit('plumber');
    const electrician = visit('electrician', { skills: ['electrical'], durationMinutes: 30 });

    it('starts the electrician right after the plumber ends', () => {
      const result = match({
        visits: [plumber, electrician],
        dependencies: [{ before: 'plumber', after: 'electrician', ...RIGHT_AFTER }],
        proposals: [propose('plumber', 'p1', '09:00'), propose('plumber', 'p1', '10:00'), propose('electrician', 'e1', '10:30'), propose('electrician', 'e1', '11:00')],
      });
      expect(schedule(result)).toEqual([
        { visitId: 'plumber', start: at('10:00'), end: at('11:00'), experts: ['p1'] },
        { visitId: 'electrician', start: at('11:00'), end: at('11:30'), experts: ['e1'] },
      ]);
    });

    it('keeps a gap between a minimum and a maximum', () => {
      const dependencies: VisitDependency[] = [{ before: 'plumber', after: 'electrician', minGapMinutes: 30, maxGapMinutes: 60 }];
      const electricianAt = [propose('electrician', 'e1', '10:15'), propose('electrician', 'e1', '11:15')];
      // The plumber would end at 10:00: 10:15 is too soon, 11:15 too late.
      const early = notFull(match({ visits: [plumber, electrician], dependencies, proposals: [propose('plumber', 'p1', '09:00'), ...electricianAt] }));
      expect(early.reason).toBe('no proposed start of visit plumber satisfies its dependencies');
      expect(early.unfit.map((u) => [u.proposal.visitId, u.proposal.start, u.reason])).toEqual([
        ['plumber', at('09:00'), 'dependency-conflict'],
        ['electrician', at('10:15'), 'dependency-conflict'],
        ['electrician', at('11:15'), 'dependency-conflict'],
      ]);
      expect(early.unfit[0].detail).toBe(`no usable start of visit electrician is 30–60 minutes after ${at('10:00')}`);
      // Ending at 10:30, 11:15 is 45 minutes after.
      const proposals = [propose('plumber', 'p1', '09:00'), propose('plumber', 'p1', '09:30'), ...electricianAt];
      expect(schedule(match({ visits: [plumber, electrician], dependencies, proposals })).map((v) => v.start)).toEqual([at('09:30'), at('11:15')]);
    });

    it('orders the visits by dependency, not by input, when comparing starts', () => {
      // "second" depends on nothing, "first" must come at least 0 minutes after "second": the order is second, first.
      const visits = [visit('first'), visit('second')];
      const dependencies: VisitDependency[] = [{ before: 'second', after: 'first', minGapMinutes: 0, maxGapMinutes: null }];
      expect(dependencyOrder(visits, dependencies).map((v) => v.visitId)).toEqual(['second', 'first']);
      const proposals = [propose('second', 'a', '08:00'), propose('second', 'b', '09:00'), propose('first', 'c', '10:00'), propose('first', 'c', '15:00')];
      expect(schedule(match({ visits, dependencies, proposals })).map((v) => [v.visitId, v.start])).toEqual([
        ['second', at('08:00')],
        ['first', at('10:00')],
      ]);
    });
  });

  describe('double-booking', () => {
    const visits = [visit('v1'), visit('v2')];

    it('does not put an expert on two overlapping visits of the group', () => {
      const proposals = [propose('v1', 'e1', '09:00'), propose('v2', 'e1', '09:30'), propose('v2', 'e1', '10:00')];
      expect(schedule(match({ visits, proposals })).map((v) => [v.start, v.experts])).toEqual([
        [at('09:00'), ['e1']],
        [at('10:00'), ['e1']],
      ]);
    });

    it('prefers earlier starts to time priority: the first proposer gives way to keep the other visit early', () => {
      // e1 proposed first for v1, but only e1 can do v2 at 09:00: e2 takes v1 so both visits start at 09:00.
      const proposals = [propose('v1', 'e1', '09:00', 1), propose('v1', 'e2', '09:00', 2), propose('v2', 'e1', '09:00', 3), propose('v2', 'e1', '12:00', 3)];
      expect(schedule(match({ visits, proposals })).map((v) => [v.start, v.experts])).toEqual([
        [at('09:00'), ['e2']],
        [at('09:00'), ['e1']],
      ]);
    });

    it('does not book an expert over an existing booking or time off', () => {
      const bookings: Booking[] = [{ expertId: 'e1', range: { start: at('09:00'), end: at('10:00') }, visitId: 'other-ticket-visit' }];
      const proposals = [propose('v1', 'e1', '09:30'), propose('v1', 'e1', '10:00')];
      const result = match({ visits: [visit('v1')], proposals, bookings });
      expect(schedule(result)[0].start).toBe(at('10:00'));
      const blocked = notFull(match({ visits: [visit('v1')], proposals: proposals.slice(0, 1), bookings }));
      expect(blocked.unfit).toEqual([{ proposal: proposals[0], reason: 'expert-booked', detail: `e1 is already booked ${at('09:00')}–${at('10:00')}` }]);
    });

    it('ignores a booking of a visit of the group only for that visit', () => {
      // Given e1 still booked on v1 at 09:00 (v1 is being matched again, e1 now offers 10:00 for it),
      const bookings: Booking[] = [{ expertId: 'e1', range: { start: at('09:00'), end: at('10:00') }, visitId: 'v1' }];
      const proposals = [propose('v1', 'e1', '10:00'), propose('v2', 'e1', '09:00', 1), propose('v2', 'e2', '09:00', 2)];
      // when the group is matched, then v2 at 09:00 goes to e2: e1's calendar would refuse it.
      expect(schedule(match({ visits, proposals, bookings })).map((v) => [v.visitId, v.start, v.experts])).toEqual([
        ['v1', at('10:00'), ['e1']],
        ['v2', at('09:00'), ['e2']],
      ]);
      // Without e2, e1's offer for v2 is unfit because of that booking.
      const alone = notFull(match({ visits, proposals: proposals.slice(0, 2), bookings }));
      expect(alone.unfit.map((u) => [u.proposal.visitId, u.reason])).toEqual([
        ['v1', 'no-consistent-schedule'],
        ['v2', 'expert-booked'],
      ]);
    });

    it("ignores bookings of the group's own visits, so a finalized group matches the same again", () => {
      const proposals = [propose('v1', 'e1', '09:00'), propose('v2', 'e1', '10:00')];
      const first = schedule(match({ visits, proposals }));
      const bookings: Booking[] = first.flatMap((v) => v.experts.map((expertId) => ({ expertId, range: { start: v.start, end: v.end }, visitId: v.visitId })));
      expect(schedule(match({ visits, proposals, bookings }))).toEqual(first);
    });
  });

  describe('unfit proposals', () => {
    it('lists proposals outside the windows, for unknown visits and with invalid times', () => {
      const v1 = visit('v1', { windows: [{ start: at('08:00'), end: at('12:00') }] });
      const proposals: Proposal[] = [
        propose('v1', 'e1', '11:30'),
        propose('v9', 'e1', '09:00'),
        { visitId: 'v1', expertId: 'e2', start: 'soon', proposedAt: at('07:00') },
        propose('v1', 'e3', '07:30'),
      ];
      const result = notFull(match({ visits: [v1], proposals }));
      expect(result.reason).toBe("visit v1 has no proposed start with 1 available expert(s) inside the customer's windows");
      expect(result.unfit.map((u) => [u.proposal.expertId, u.reason, u.detail])).toEqual([
        ['e3', 'outside-windows', `${at('07:30')}–${at('08:30')} is outside the customer's windows`],
        ['e1', 'outside-windows', `${at('11:30')}–${at('12:30')} is outside the customer's windows`],
        ['e2', 'invalid-time', 'start and proposedAt must be ISO-8601 instants'],
        ['e1', 'unknown-visit', 'visit v9 is not part of this group'],
      ]);
    });

    it('explains a start no complete schedule can use', () => {
      // One expert, two visits at the same single time: each start is fine alone, not together.
      const proposals = [propose('v1', 'e1', '09:00'), propose('v2', 'e1', '09:00')];
      const result = notFull(match({ visits: [visit('v1'), visit('v2')], proposals }));
      expect(result.reason).toBe('no combination of the proposed starts keeps every dependency without double-booking an expert');
      expect(result.unfit.map((u) => u.reason)).toEqual(['no-consistent-schedule', 'no-consistent-schedule']);
    });
  });

  describe('the plan', () => {
    const cyclic: VisitDependency[] = [
      { before: 'a', after: 'b', ...RIGHT_AFTER },
      { before: 'b', after: 'a', ...RIGHT_AFTER },
    ];

    it('rejects a cycle in the dependencies', () => {
      const visits = [visit('a'), visit('b'), visit('c')];
      expect(() => dependencyOrder(visits, cyclic)).toThrow(new DomainError('dependency-cycle', 'the dependencies between visits a, b form a cycle'));
      expect(validateVisitPlan(visits, cyclic)).toEqual(['the dependencies between visits a, b form a cycle']);
      expect(() => match({ visits, dependencies: cyclic, proposals: [propose('a', 'e1', '09:00')] })).toThrow(DomainError);
    });

    it('rejects a dependency on an unknown visit', () => {
      expect(() => dependencyOrder([visit('a')], [{ before: 'a', after: 'z', ...RIGHT_AFTER }])).toThrow(new DomainError('unknown-visit', 'dependency names unknown visit z'));
    });

    it('takes visits with no unmet predecessor first, ties in input order', () => {
      const visits = ['d', 'c', 'b', 'a'].map((id) => visit(id));
      const dependencies: VisitDependency[] = [
        { before: 'b', after: 'd', ...RIGHT_AFTER },
        { before: 'a', after: 'c', minGapMinutes: 0, maxGapMinutes: null },
      ];
      expect(dependencyOrder(visits, dependencies).map((v) => v.visitId)).toEqual(['b', 'd', 'a', 'c']);
    });

    it('accepts a sound plan', () => {
      expect(validateVisitPlan([visit('a'), visit('b')], [{ before: 'a', after: 'b', minGapMinutes: 0, maxGapMinutes: 30 }])).toEqual([]);
    });

    it('lists every problem of a broken plan', () => {
      const visits = [
        visit('a', { expertsNeeded: 0, durationMinutes: 0 }),
        visit('a', { windows: [] }),
        visit('b', { durationMinutes: 600, windows: [{ start: at('12:00'), end: at('11:00') }, { start: at('08:00'), end: at('09:00') }] }),
      ];
      const dependencies: VisitDependency[] = [{ before: 'b', after: 'x', minGapMinutes: -5, maxGapMinutes: null }, { before: 'a', after: 'b', minGapMinutes: 30, maxGapMinutes: 10 }];
      expect(validateVisitPlan(visits, dependencies)).toEqual([
        'visit a needs a whole number of experts, at least 1',
        'visit a needs a duration of whole minutes above 0',
        'visit a needs at least one customer window',
        'visit a appears twice',
        'visit b has a window that is not a valid time range',
        'visit b fits in none of its windows',
        'dependency b → x names unknown visit x',
        'dependency b → x needs a minimum gap of whole minutes, at least 0',
        'dependency a → b needs a maximum gap of whole minutes, at least the minimum',
      ]);
      expect(validateVisitPlan([], [])).toEqual(['a plan needs at least one visit']);
    });
  });

  it('gives the same result for any order of proposals, bookings and dependencies', () => {
    const visits = [visit('plumber', { expertsNeeded: 2 }), visit('electrician'), visit('painter', { durationMinutes: 120 })];
    const dependencies: VisitDependency[] = [
      { before: 'plumber', after: 'electrician', minGapMinutes: 0, maxGapMinutes: 60 },
      { before: 'plumber', after: 'painter', minGapMinutes: 0, maxGapMinutes: null },
      { before: 'electrician', after: 'painter', minGapMinutes: 0, maxGapMinutes: null },
    ];
    const proposals = [
      propose('plumber', 'a', '09:00', 5),
      propose('plumber', 'b', '09:00', 5),
      propose('plumber', 'c', '09:00', 1),
      propose('plumber', 'a', '08:00', 1),
      propose('plumber', 'd', '08:00', 9),
      propose('electrician', 'a', '10:00', 2),
      propose('electrician', 'c', '10:00', 1),
      propose('electrician', 'd', '09:30', 3),
      propose('painter', 'b', '11:00', 1),
      propose('painter', 'a', '10:30', 4),
      propose('painter', 'c', '10:30', 4),
      propose('painter', 'x', '16:30', 4),
    ];
    const bookings: Booking[] = [
      { expertId: 'd', range: { start: at('07:00'), end: at('08:30') } },
      { expertId: 'a', range: { start: at('12:00'), end: at('13:00') } },
      { expertId: 'c', range: { start: at('10:00'), end: at('11:00') }, visitId: 'elsewhere' },
    ];
    const expected = match({ visits, dependencies, proposals, bookings });
    expect(schedule(expected)).toEqual([
      { visitId: 'plumber', start: at('09:00'), end: at('10:00'), experts: ['c', 'a'] },
      { visitId: 'electrician', start: at('10:00'), end: at('11:00'), experts: ['a'] },
      { visitId: 'painter', start: at('11:00'), end: at('13:00'), experts: ['b'] },
    ]);
    const rotate = <T>(xs: T[], n: number) => [...xs.slice(n), ...xs.slice(0, n)];
    for (let n = 1; n < proposals.length; n += 3) {
      expect(match({ visits, dependencies: rotate(dependencies, n % 3).reverse(), proposals: rotate(proposals, n).reverse(), bookings: rotate(bookings, n % 3) })).toEqual(
        expected,
      );
    }
  });

  // How long these take is the bench's to measure (bench/scenarios/matching.ts, matching.worst_case_ms):
  // a wall-clock threshold here failed on a busy machine. A search that never ends still fails
  // here, at the test timeout.
  describe('decides with five visits and thirty proposals each', () => {
    const fiveVisits = ['v1', 'v2', 'v3', 'v4', 'v5'].map((id) => visit(id, { expertsNeeded: 2, durationMinutes: 30, windows: [{ start: at('06:00'), end: at('23:00') }] }));

    it('a chain whose last visit forces every earlier one later', () => {
      const dependencies = fiveVisits.slice(1).map((v, i): VisitDependency => ({ before: fiveVisits[i].visitId, after: v.visitId, minGapMinutes: 0, maxGapMinutes: 60 }));
      const experts = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
      const hours = ['08:00', '09:00', '10:00', '11:00', '12:00'];
      const lastAlone = ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '14:00', '14:30', '15:00'];
      const proposals = [
        ...fiveVisits.slice(0, 4).flatMap((v) => hours.flatMap((h) => experts.map((e, k) => propose(v.visitId, e, h, k)))),
        // Two experts together only at 13:30; every other start has a single expert.
        propose('v5', 'e5', '13:30'),
        propose('v5', 'e6', '13:30'),
        ...lastAlone.flatMap((h) => [propose('v5', 'e1', h), propose('v5', 'e1', h, 1)]),
      ];
      const result = schedule(match({ visits: fiveVisits, dependencies, proposals }));
      expect(result.map((v) => [v.start, v.experts])).toEqual([
        [at('09:00'), ['e1', 'e2']],
        [at('10:00'), ['e1', 'e2']],
        [at('11:00'), ['e1', 'e2']],
        [at('12:00'), ['e1', 'e2']],
        [at('13:30'), ['e5', 'e6']],
      ]);
    });

    it('two experts who cannot do five overlapping visits', () => {
      // Every visit needs both experts; the starts fall in four clusters of overlapping times.
      const starts = ['08:00', '08:10', '08:20', '09:00', '09:10', '09:20', '10:00', '10:10', '10:20', '11:00', '11:10', '11:20', '08:05', '09:05', '10:05'];
      const proposals = fiveVisits.flatMap((v) => starts.flatMap((h) => [propose(v.visitId, 'e1', h), propose(v.visitId, 'e2', h)]));
      const result = notFull(match({ visits: fiveVisits, proposals }));
      expect(result.unfit).toHaveLength(150);
      expect(result.unfit.every((u) => u.reason === 'no-consistent-schedule')).toBe(true);
    });
  });
  describe('a search that cannot decide within its budget', () => {
    // Only {a, d} and {b, c} complete v1's crew (see above): finding that takes some work.
    const visits = [visit('v1', { expertsNeeded: 2 }), visit('v2', { durationMinutes: 30 }), visit('v3', { durationMinutes: 30 })];
    const proposals = [
      propose('v1', 'a', '09:00', 1),
      propose('v1', 'b', '09:00', 1),
      propose('v1', 'c', '09:00', 2),
      propose('v1', 'd', '09:00', 3),
      propose('v2', 'a', '09:00', 5),
      propose('v2', 'c', '09:00', 5),
      propose('v3', 'a', '09:30', 5),
      propose('v3', 'b', '09:30', 5),
      propose('v3', 'b', '16:45', 5),
    ];

    it('treats the group as not full for now, and says the search gave up', () => {
      const result = notFull(matchGroup({ visits, dependencies: [], proposals, bookings: [] }, { searchBudget: 10 }));
      expect(result.undecided).toBe(true);
      expect(result.reason).toMatch(/^the search for a schedule gave up after \d+ steps \(its work budget\)/);
      // Proposals that are unfit on their own still say why; the others are undecided.
      expect(result.unfit.map((u) => [u.proposal.visitId, u.proposal.start, u.reason])).toEqual([
        ...['a', 'b', 'c', 'd'].map(() => ['v1', at('09:00'), 'undecided']),
        ['v2', at('09:00'), 'undecided'],
        ['v2', at('09:00'), 'undecided'],
        ['v3', at('09:30'), 'undecided'],
        ['v3', at('09:30'), 'undecided'],
        ['v3', at('16:45'), 'outside-windows'],
      ]);
    });

    it('decides with the default budget', () => {
      const result = schedule(matchGroup({ visits, dependencies: [], proposals, bookings: [] }));
      expect(result.map((v) => v.experts)).toEqual([['b', 'c'], ['a'], ['a']]);
    });
  });

  describe('decides groups where trying combinations one after the other takes long (timed in the bench)', () => {
    const fourVisits = (needed: number) => ['v1', 'v2', 'v3', 'v4'].map((id) => visit(id, { expertsNeeded: needed, windows: [{ start: at('06:00'), end: at('23:00') }] }));

    it('four overlapping visits needing four experts each, with fifteen experts', () => {
      // Was over a minute: every crew of the first three visits was tried before the fourth found none.
      const experts = Array.from({ length: 15 }, (_, k) => `p${k + 1}`);
      const proposals = fourVisits(4).flatMap((v) => ['09:00', '09:10'].flatMap((h) => experts.map((e, k) => propose(v.visitId, e, h, k % 3))));
      const result = notFull(match({ visits: fourVisits(4), proposals }));
      expect(result.undecided).toBeUndefined();
      expect(result.unfit.every((u) => u.reason === 'no-consistent-schedule')).toBe(true);
    });

    it('the same with a sixteenth expert for the last visit at its last start', () => {
      const experts = Array.from({ length: 15 }, (_, k) => `p${k + 1}`);
      const proposals = [
        ...fourVisits(4).flatMap((v) => ['09:00', '09:10'].flatMap((h) => experts.map((e, k) => propose(v.visitId, e, h, k % 3)))),
        propose('v4', 'p16', '09:10', 9),
      ];
      const result = schedule(match({ visits: fourVisits(4), proposals }));
      expect(result.map((v) => v.start)).toEqual([at('09:00'), at('09:00'), at('09:00'), at('09:10')]);
      expect(result[3].experts).toContain('p16');
      expect(new Set(result.flatMap((v) => v.experts)).size).toBe(16);
    });
  });
});
