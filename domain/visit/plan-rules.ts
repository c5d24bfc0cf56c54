/**
 * Rules for the visit plan, shared by the Ticket (which validates the whole plan when it is
 * opened) and the Visit (which validates its own spec and any new windows).
 */
import { Actor, DomainError, Role } from '../decider';
import { fitsIn, isInstant, isValidRange, ms, TimeRange } from '../shared/time';
import { VisitDependency, VisitSpec } from '../shared/visit-plan';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

/** One spelling per instant (`2026-03-03T09:00Z` and `…09:00:00.000Z` are the same start). */
export function canonicalInstant(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

export function canonicalWindows(windows: TimeRange[]): TimeRange[] {
  return windows.map((w) => ({ start: canonicalInstant(w.start), end: canonicalInstant(w.end) }));
}

export function canonicalSpec(spec: VisitSpec): VisitSpec {
  return { ...spec, skills: [...spec.skills], windows: canonicalWindows(spec.windows) };
}

/** Does the whole visit, starting at `start`, fit inside one of the windows? */
export function fitsSomeWindow(windows: TimeRange[], start: string, durationMinutes: number): boolean {
  return windows.some((w) => fitsIn(w, start, durationMinutes));
}

/** Does `skills` include every skill in `required`? */
export function hasSkills(required: string[], skills: string[]): boolean {
  return required.every((s) => skills.includes(s));
}

/**
 * The customer's windows: at least one, each a valid range long enough for the visit. With
 * `now`, a window that has already ended is refused too (Visit.planVisit omits `now`: a ticket
 * held for helpdesk may be released after its windows passed; the visit then escalates and
 * helpdesk agrees new windows).
 */
export function assertWindows(windows: TimeRange[], durationMinutes: number, now?: Date): void {
  if (!Array.isArray(windows) || windows.length === 0) throw new DomainError('invalid-windows', 'a visit needs at least one time window');
  for (const w of windows) {
    if (!isValidRange(w)) throw new DomainError('invalid-windows', `window ${w.start} – ${w.end} is not a valid time range`);
    if (ms(w.end) - ms(w.start) < durationMinutes * 60_000) {
      throw new DomainError('invalid-windows', `window ${w.start} – ${w.end} is shorter than the ${durationMinutes}-minute visit`);
    }
    if (now && ms(w.end) <= now.getTime()) throw new DomainError('window-in-past', `window ${w.start} – ${w.end} has already ended`);
  }
}

export function assertVisitSpec(spec: VisitSpec, now?: Date): void {
  if (typeof spec.visitId !== 'string' || !spec.visitId.trim()) throw new DomainError('invalid-visit-id', 'a visit needs an id');
  if (!Array.isArray(spec.skills) || spec.skills.some((s) => typeof s !== 'string' || !s.trim()) || new Set(spec.skills).size !== spec.skills.length) {
    throw new DomainError('invalid-skills', `visit ${spec.visitId}: skills must be distinct, non-empty names`);
  }
  if (!Number.isInteger(spec.expertsNeeded) || spec.expertsNeeded < 1) {
    throw new DomainError('invalid-experts-needed', `visit ${spec.visitId} needs a whole number of experts, at least one`);
  }
  if (!Number.isInteger(spec.durationMinutes) || spec.durationMinutes <= 0) {
    throw new DomainError('invalid-duration', `visit ${spec.visitId} needs a positive whole number of minutes`);
  }
  assertWindows(spec.windows, spec.durationMinutes, now);
}

/**
 * A ticket's plan: 1..N visits with distinct ids, each valid; dependencies between known visits,
 * with 0 <= min <= max gaps (max null: unbounded), forming no cycle.
 */
export function assertPlan(visits: VisitSpec[], dependencies: VisitDependency[], now?: Date): void {
  if (!Array.isArray(visits) || visits.length === 0) throw new DomainError('no-visits', 'a ticket needs at least one visit');
  const ids = new Set<string>();
  for (const spec of visits) {
    assertVisitSpec(spec, now);
    if (ids.has(spec.visitId)) throw new DomainError('duplicate-visit-id', `visit id ${spec.visitId} is used twice`);
    ids.add(spec.visitId);
  }
  assertDependencies(ids, dependencies);
}

export function assertDependencies(visitIds: Set<string>, dependencies: VisitDependency[]): void {
  if (!Array.isArray(dependencies)) throw new DomainError('invalid-dependency-gap', 'dependencies must be a list');
  for (const d of dependencies) {
    if (!visitIds.has(d.before) || !visitIds.has(d.after)) {
      throw new DomainError('unknown-dependency-visit', `dependency ${d.before} → ${d.after} names a visit that is not in the plan`);
    }
    if (!Number.isInteger(d.minGapMinutes) || d.minGapMinutes < 0) {
      throw new DomainError('invalid-dependency-gap', `dependency ${d.before} → ${d.after}: the minimum gap must be a whole number of minutes >= 0`);
    }
    if (d.maxGapMinutes !== null && (!Number.isInteger(d.maxGapMinutes) || d.maxGapMinutes < d.minGapMinutes)) {
      throw new DomainError('invalid-dependency-gap', `dependency ${d.before} → ${d.after}: the maximum gap must be a whole number >= the minimum`);
    }
  }
  if (hasCycle(visitIds, dependencies)) throw new DomainError('dependency-cycle', 'the visit dependencies form a cycle');
}

/** Kahn's algorithm: a cycle (a self-dependency included) leaves nodes that never reach in-degree 0. */
export function hasCycle(visitIds: Set<string>, dependencies: VisitDependency[]): boolean {
  const indegree = new Map<string, number>([...visitIds].map((id) => [id, 0]));
  for (const d of dependencies) indegree.set(d.after, (indegree.get(d.after) ?? 0) + 1);
  const ready = [...indegree].filter(([, n]) => n === 0).map(([id]) => id);
  let done = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    done += 1;
    for (const d of dependencies) {
      if (d.before !== id) continue;
      const n = (indegree.get(d.after) ?? 0) - 1;
      indegree.set(d.after, n);
      if (n === 0) ready.push(d.after);
    }
  }
  return done < indegree.size;
}

export function assertInstant(iso: string, code: string, what: string): void {
  if (!isInstant(iso)) throw new DomainError(code, `${what} must be an ISO date-time`);
}

/** Refuses the command unless the actor's role is one of `roles`. */
export function allowRoles(actor: Actor, roles: readonly Role[], what: string): void {
  if (!roles.includes(actor.role)) throw new DomainError('forbidden', `a ${actor.role} may not ${what}`);
}
