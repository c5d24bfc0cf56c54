import { VisitDependency, VisitSpec } from '../shared/visit-plan';

export interface VisitGroup {
  /** The group's id: its first visit's id, so it is stable for the same plan. */
  groupId: string;
  visits: VisitSpec[];
  dependencies: VisitDependency[];
}

/**
 * Splits a ticket's visits into groups: visits connected by dependencies are matched and
 * finalized together; a visit without dependencies is a group of one. Groups and their visits
 * keep the plan's order.
 */
export function groupsOf(visits: VisitSpec[], dependencies: VisitDependency[]): VisitGroup[] {
  const root = new Map(visits.map((v) => [v.visitId, v.visitId]));
  const find = (id: string): string => {
    let r = id;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(id, r);
    return r;
  };
  const index = new Map(visits.map((v, i) => [v.visitId, i]));
  for (const d of dependencies) {
    if (!root.has(d.before) || !root.has(d.after)) continue; // validateVisitPlan reports unknown ids
    const [a, b] = [find(d.before), find(d.after)];
    // The earlier visit in the plan becomes the root, so the group id is its first visit.
    if (a !== b) (index.get(a)! < index.get(b)! ? root.set(b, a) : root.set(a, b));
  }
  const groups = new Map<string, VisitGroup>();
  for (const v of visits) {
    const id = find(v.visitId);
    if (!groups.has(id)) groups.set(id, { groupId: id, visits: [], dependencies: [] });
    groups.get(id)!.visits.push(v);
  }
  for (const d of dependencies) if (root.has(d.before)) groups.get(find(d.before))?.dependencies.push(d);
  return [...groups.values()];
}
