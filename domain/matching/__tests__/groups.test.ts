import fc from 'fast-check';
import { VisitSpec } from '../../shared/visit-plan';
import { groupsOf } from '../groups';

const visit = (visitId: string): VisitSpec => ({ visitId, skills: ['plumbing'], expertsNeeded: 1, durationMinutes: 60, windows: [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T17:00:00.000Z' }] });
const dep = (before: string, after: string) => ({ before, after, minGapMinutes: 0, maxGapMinutes: 0 });

describe('groupsOf', () => {
  it('a visit without dependencies is a group of one', () => {
    expect(groupsOf([visit('a'), visit('b')], []).map((g) => g.visits.map((v) => v.visitId))).toEqual([['a'], ['b']]);
  });

  it('connected visits form one group with their dependencies, named after the first visit', () => {
    const groups = groupsOf([visit('a'), visit('b'), visit('c'), visit('d')], [dep('c', 'b'), dep('b', 'd')]);
    expect(groups.map((g) => [g.groupId, g.visits.map((v) => v.visitId), g.dependencies.length])).toEqual([
      ['a', ['a'], 0],
      ['b', ['b', 'c', 'd'], 2],
    ]);
  });

  it('property: every visit lands in exactly one group and no dependency crosses groups', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 10 }), (n, pairs) => {
        const visits = Array.from({ length: n }, (_, i) => visit(`v${i}`));
        const deps = pairs.filter(([a, b]) => a < n && b < n && a !== b).map(([a, b]) => dep(`v${a}`, `v${b}`));
        const groups = groupsOf(visits, deps);
        const ids = groups.flatMap((g) => g.visits.map((v) => v.visitId));
        expect([...ids].sort()).toEqual(visits.map((v) => v.visitId).sort());
        const groupOf = new Map(groups.flatMap((g) => g.visits.map((v) => [v.visitId, g.groupId] as const)));
        for (const d of deps) expect(groupOf.get(d.before)).toBe(groupOf.get(d.after));
        expect(groups.reduce((s, g) => s + g.dependencies.length, 0)).toBe(deps.length);
      }),
    ));
});
