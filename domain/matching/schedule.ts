/**
 * Matching a group of visits ("Uber model"): experts propose start times, and the group is FULL
 * when the proposals allow a consistent schedule. Pure: no clock, no I/O.
 *
 * A schedule is consistent when every visit gets a start S with [S, S + duration) inside one of its
 * customer windows and exactly `expertsNeeded` distinct experts who each proposed S for that visit;
 * every dependency holds (after.start - before.end within [min, max] minutes); and no expert is
 * double-booked, neither against their bookings nor across the group's visits. A booking for one of
 * the group's visits does not count against that same visit (matching a finalized visit again gives
 * the same schedule, and the calendar moves a visit's booking), but it does against the others:
 * until it is moved, the calendar refuses to book that expert on top of it.
 * Ranges are half-open: a visit may start the minute another ends. Travel time is not modelled.
 *
 * FINALIZATION ORDER — a total order on consistent schedules; finalization picks the smallest.
 *  1. Visit order: the dependency order (`dependencyOrder`): repeatedly take, among the visits whose
 *     `before` visits are all taken, the one that comes first in the input.
 *  2. Starts: compare the two schedules' start instants visit by visit in that order; the first
 *     difference decides, the earlier start wins.
 *  3. Experts (starts all equal): go through the visits in the same order; the first visit whose
 *     crews differ decides. For each crew, list its experts by (proposedAt, expertId) ascending, where
 *     proposedAt is the expert's earliest proposal of that start for that visit. Compare the two lists'
 *     proposedAt instants position by position (earlier wins); if they are all equal, compare the
 *     lists' expertIds position by position (plain code-unit order, as JavaScript's `<`).
 * Instants compare as instants (Date.parse), never as strings. When proposal instants tie, step 3 is
 * NOT the lexicographic order of index combinations of the candidates sorted by (proposedAt,
 * expertId): {a, d} at instants (1, 3) comes before {b, c} at (1, 2) as indices, after it by the rule.
 * search.ts enumerates crews in the rule's order.
 *
 * The search is bounded: a group it cannot decide within its work budget (`SEARCH_BUDGET`) is not
 * full for now (`undecided`), and is escalated at its deadline like any group that is not full.
 *
 * The result depends on the order of `visits` (tie-break of step 1) but not on the order of
 * proposals, bookings or dependencies.
 */
import { DomainError } from '../decider';
import { instantsOf, isInstant, isValidRange, ms, TimeRange } from '../shared/time';
import { VisitDependency, VisitSpec } from '../shared/visit-plan';
import { Candidate, Edge, gapHolds, SEARCH_BUDGET, searchSchedule, Slot } from './search';

export interface Proposal {
  visitId: string;
  expertId: string;
  /** The start the expert offers (ISO instant). */
  start: string;
  /** When the expert proposed it (ISO instant): earlier proposals have time priority. */
  proposedAt: string;
}

/** Time an expert is not free: a finalized visit (with its visitId), another booking, or time off. */
export interface Booking {
  expertId: string;
  range: TimeRange;
  visitId?: string;
}

export interface MatchInput {
  visits: VisitSpec[];
  dependencies: VisitDependency[];
  proposals: Proposal[];
  bookings: Booking[];
}

export interface ScheduledVisit {
  visitId: string;
  /** Normalized ISO instants (`toISOString`). */
  start: string;
  end: string;
  /** The chosen experts by time priority: (proposedAt, expertId) ascending. */
  experts: string[];
}

export type UnfitReason =
  /** The proposal names a visit outside this group. */
  | 'unknown-visit'
  /** `start` or `proposedAt` is not an ISO instant. */
  | 'invalid-time'
  /** [start, start + duration) fits none of the customer's windows. */
  | 'outside-windows'
  /** The expert has another booking or time off overlapping the visit. */
  | 'expert-booked'
  /** Fewer than `expertsNeeded` usable experts proposed this start. */
  | 'too-few-experts'
  /** No usable start of a dependent visit keeps the dependency with this start. */
  | 'dependency-conflict'
  /** Usable on its own, but no complete schedule includes it. */
  | 'no-consistent-schedule'
  /** Usable on its own; the search gave up (work budget) before it could tell whether a schedule includes it. */
  | 'undecided';

/**
 * The verdict on one proposal that no schedule can use: which, why, and the words for helpdesk.
 * (The Ticket's escalation records them folded per visit and expert: the Ticket's `UnfitProposal`.)
 */
export interface UnfitVerdict {
  proposal: Proposal;
  reason: UnfitReason;
  /** For helpdesk, who shows these when the group is escalated. */
  detail: string;
}

/**
 * Full: the schedule finalization picks, in dependency order. Not full: why, and every proposal
 * with the reason it cannot be used (when no schedule exists, none can).
 */
export type MatchResult =
  | { full: true; schedule: ScheduledVisit[] }
  /** `undecided`: the search gave up at its work budget, so a schedule may exist. */
  | { full: false; reason: string; unfit: UnfitVerdict[]; undecided?: true };

export interface MatchOptions {
  /** The search's work budget in steps (default `SEARCH_BUDGET`). */
  searchBudget?: number;
}

const MINUTE = 60_000;

// ---- the plan: validation and dependency order ----------------------------------------------

/** Problems that make a group plan unusable (empty when it is fine); checked when a ticket opens. */
export function validateVisitPlan(visits: VisitSpec[], dependencies: VisitDependency[]): string[] {
  const problems: string[] = [];
  if (visits.length === 0) problems.push('a plan needs at least one visit');
  const seen = new Set<string>();
  for (const visit of visits) {
    problems.push(...visitProblems(visit));
    if (seen.has(visit.visitId)) problems.push(`visit ${visit.visitId} appears twice`);
    seen.add(visit.visitId);
  }
  for (const dep of dependencies) problems.push(...dependencyProblems(dep, seen));
  const order = topologicalOrder(visits, dependencies);
  // An unknown id is reported above already; a cycle is only worth reporting on known visits.
  if ('problem' in order && order.problem.code === 'dependency-cycle') problems.push(order.problem.message);
  return problems;
}

function visitProblems(visit: VisitSpec): string[] {
  const problems: string[] = [];
  const id = visit.visitId;
  if (!id) problems.push('a visit needs an id');
  if (!Number.isInteger(visit.expertsNeeded) || visit.expertsNeeded < 1) problems.push(`visit ${id} needs a whole number of experts, at least 1`);
  if (!Number.isInteger(visit.durationMinutes) || visit.durationMinutes <= 0) problems.push(`visit ${id} needs a duration of whole minutes above 0`);
  if (visit.windows.length === 0) problems.push(`visit ${id} needs at least one customer window`);
  const valid = visit.windows.filter(isValidRange);
  if (valid.length < visit.windows.length) problems.push(`visit ${id} has a window that is not a valid time range`);
  if (valid.length > 0 && visit.durationMinutes > 0 && !valid.some((w) => ms(w.end) - ms(w.start) >= visit.durationMinutes * MINUTE)) {
    problems.push(`visit ${id} fits in none of its windows`);
  }
  return problems;
}

function dependencyProblems(dep: VisitDependency, known: Set<string>): string[] {
  const problems: string[] = [];
  const name = `dependency ${dep.before} → ${dep.after}`;
  if (!known.has(dep.before)) problems.push(`${name} names unknown visit ${dep.before}`);
  if (!known.has(dep.after)) problems.push(`${name} names unknown visit ${dep.after}`);
  if (!Number.isInteger(dep.minGapMinutes) || dep.minGapMinutes < 0) problems.push(`${name} needs a minimum gap of whole minutes, at least 0`);
  if (dep.maxGapMinutes !== null && (!Number.isInteger(dep.maxGapMinutes) || dep.maxGapMinutes < dep.minGapMinutes)) {
    problems.push(`${name} needs a maximum gap of whole minutes, at least the minimum`);
  }
  return problems;
}

/**
 * The visits in dependency order: repeatedly the first visit (in input order) whose `before` visits
 * all came already. Throws `unknown-visit` or `dependency-cycle`.
 */
export function dependencyOrder(visits: VisitSpec[], dependencies: VisitDependency[]): VisitSpec[] {
  const result = topologicalOrder(visits, dependencies);
  if ('problem' in result) throw new DomainError(result.problem.code, result.problem.message);
  return result.order;
}

type OrderResult = { order: VisitSpec[] } | { problem: { code: 'unknown-visit' | 'dependency-cycle'; message: string } };

function topologicalOrder(visits: VisitSpec[], dependencies: VisitDependency[]): OrderResult {
  const ids = new Set(visits.map((v) => v.visitId));
  const unknown = dependencies.flatMap((d) => [d.before, d.after]).find((id) => !ids.has(id));
  if (unknown !== undefined) return { problem: { code: 'unknown-visit', message: `dependency names unknown visit ${unknown}` } };
  const order: VisitSpec[] = [];
  const placed = new Set<string>();
  let remaining = visits;
  while (remaining.length > 0) {
    const ready = remaining.find((v) => dependencies.every((d) => d.after !== v.visitId || placed.has(d.before)));
    if (!ready) {
      const stuck = remaining.map((v) => v.visitId).join(', ');
      return { problem: { code: 'dependency-cycle', message: `the dependencies between visits ${stuck} form a cycle` } };
    }
    order.push(ready);
    placed.add(ready.visitId);
    remaining = remaining.filter((v) => v !== ready);
  }
  return { order };
}

// ---- matching -----------------------------------------------------------------------------

type Verdict = { usable: true; position: number; start: number; proposedAt: number } | { usable: false; reason: UnfitReason; detail: string };

/** Is the group full, and with which schedule? Throws `invalid-visit-plan` for a plan that fails validation. */
export function matchGroup(input: MatchInput, options: MatchOptions = {}): MatchResult {
  const problems = validateVisitPlan(input.visits, input.dependencies);
  if (problems.length > 0) throw new DomainError('invalid-visit-plan', problems.join('; '));
  const visits = dependencyOrder(input.visits, input.dependencies);
  const position = new Map(visits.map((v, i) => [v.visitId, i]));
  const edges = toEdges(input.dependencies, position);
  const busy = bookingsByExpert(input.bookings, visits);

  const judged = input.proposals.map((proposal) => ({ proposal, verdict: judge(proposal, visits, position, busy) }));
  const { domains, tooFew } = slotsPerVisit(visits, judged);
  const { consistent, conflicts } = enforceDependencies(visits, domains, edges);

  const needs = visits.map((v) => v.expertsNeeded);
  const found = consistent.every((d) => d.length > 0) ? searchSchedule(needs, edges, consistent, options.searchBudget ?? SEARCH_BUDGET) : null;
  if (found?.found) {
    return {
      full: true,
      schedule: visits.map((visit, i) => ({
        visitId: visit.visitId,
        start: iso(found.slots[i].start),
        end: iso(found.slots[i].end),
        experts: found.crews[i].map((c) => c.expertId),
      })),
    };
  }

  const undecided = found !== null && !found.found && found.gaveUp;
  const unfit = judged.map(({ proposal, verdict }): UnfitVerdict => {
    if (!verdict.usable) return { proposal, reason: verdict.reason, detail: verdict.detail };
    const key = slotKey(verdict.position, verdict.start);
    const few = tooFew.get(key);
    if (few !== undefined) return { proposal, reason: 'too-few-experts', detail: few };
    const conflict = conflicts.get(key);
    if (conflict !== undefined) return { proposal, reason: 'dependency-conflict', detail: conflict };
    if (undecided) return { proposal, reason: 'undecided', detail: `the search for a schedule gave up before it could tell whether ${iso(verdict.start)} fits one` };
    return {
      proposal,
      reason: 'no-consistent-schedule',
      detail: `${iso(verdict.start)} leaves the other visits no schedule that keeps every dependency without double-booking an expert`,
    };
  });
  unfit.sort((a, b) => compareProposals(a.proposal, b.proposal, position));
  if (undecided) {
    const reason = `the search for a schedule gave up after ${found.steps} steps (its work budget) without finding one; a schedule may still exist`;
    return { full: false, reason, unfit, undecided: true };
  }
  return { full: false, reason: whyNotFull(visits, input.proposals, domains, consistent), unfit };
}

function toEdges(dependencies: VisitDependency[], position: Map<string, number>): Edge[] {
  const edges = dependencies.map((d) => ({
    before: position.get(d.before) as number,
    after: position.get(d.after) as number,
    min: d.minGapMinutes * MINUTE,
    max: d.maxGapMinutes === null ? null : d.maxGapMinutes * MINUTE,
  }));
  // Sorted so that the first dependency to rule a start out (named in `unfit`) never depends on input order.
  return edges.sort((a, b) => a.before - b.before || a.after - b.after || a.min - b.min || compareNumbers(a.max ?? Infinity, b.max ?? Infinity));
}

/**
 * Each expert's bookings that could clash with a start inside the visits' windows, earliest first
 * (then by visit, so the one named in `unfit` never depends on input order). A calendar keeps
 * every booking the expert ever had: one outside the windows' span can never clash, and sorting
 * all of them grew with each expert's history.
 */
function bookingsByExpert(bookings: Booking[], visits: VisitSpec[]): Map<string, Booking[]> {
  const windows = visits.flatMap((v) => v.windows).filter(isValidRange);
  const from = Math.min(...windows.map((w) => ms(w.start)));
  const to = Math.max(...windows.map((w) => ms(w.end)));
  const byExpert = new Map<string, { booking: Booking; start: number; end: number }[]>();
  for (const booking of bookings) {
    const [start, end] = instantsOf(booking.range);
    // A malformed range (NaN fails every test) blocks nothing, and would make the order below depend on the input.
    if (!(start < end) || !(start < to && from < end)) continue;
    const list = byExpert.get(booking.expertId);
    if (list) list.push({ booking, start, end });
    else byExpert.set(booking.expertId, [{ booking, start, end }]);
  }
  const sorted = new Map<string, Booking[]>();
  for (const [expertId, list] of byExpert) {
    list.sort((a, b) => a.start - b.start || a.end - b.end || compareStrings(a.booking.visitId ?? '', b.booking.visitId ?? ''));
    sorted.set(expertId, list.map((entry) => entry.booking));
  }
  return sorted;
}

/** What can be said about a proposal on its own. */
function judge(p: Proposal, visits: VisitSpec[], position: Map<string, number>, busy: Map<string, Booking[]>): Verdict {
  const at = position.get(p.visitId);
  if (at === undefined) return { usable: false, reason: 'unknown-visit', detail: `visit ${p.visitId} is not part of this group` };
  if (!isInstant(p.start) || !isInstant(p.proposedAt)) return { usable: false, reason: 'invalid-time', detail: 'start and proposedAt must be ISO-8601 instants' };
  const visit = visits[at];
  const start = ms(p.start);
  const end = start + visit.durationMinutes * MINUTE;
  if (!visit.windows.some((w) => ms(w.start) <= start && end <= ms(w.end))) {
    return { usable: false, reason: 'outside-windows', detail: `${iso(start)}–${iso(end)} is outside the customer's windows` };
  }
  // The visit's own booking is where it stands now, not a reason against its new schedule.
  const clash = (busy.get(p.expertId) ?? []).find((b) => {
    const [bookedStart, bookedEnd] = instantsOf(b.range);
    return b.visitId !== p.visitId && bookedStart < end && start < bookedEnd;
  });
  if (clash) return { usable: false, reason: 'expert-booked', detail: `${p.expertId} is already booked ${clash.range.start}–${clash.range.end}` };
  return { usable: true, position: at, start, proposedAt: ms(p.proposedAt) };
}

function slotKey(position: number, start: number): string {
  return `${position}@${start}`;
}

/**
 * Per visit, the starts that enough usable experts proposed, earliest first. Duplicate proposals
 * (same visit, expert and start) count once, with the earliest proposedAt.
 */
function slotsPerVisit(visits: VisitSpec[], judged: { proposal: Proposal; verdict: Verdict }[]): { domains: Slot[][]; tooFew: Map<string, string> } {
  const byStart = visits.map(() => new Map<number, Map<string, number>>());
  for (const { proposal: p, verdict: v } of judged) {
    if (!v.usable) continue;
    const experts = byStart[v.position].get(v.start) ?? new Map<string, number>();
    experts.set(p.expertId, Math.min(experts.get(p.expertId) ?? Infinity, v.proposedAt));
    byStart[v.position].set(v.start, experts);
  }
  const tooFew = new Map<string, string>();
  const domains = visits.map((visit, i) => {
    const slots: Slot[] = [];
    for (const [start, experts] of byStart[i]) {
      const candidates = [...experts].map(([expertId, proposedAt]) => ({ expertId, proposedAt })).sort(byPriority);
      if (candidates.length >= visit.expertsNeeded) {
        slots.push({ start, end: start + visit.durationMinutes * MINUTE, candidates });
      } else {
        tooFew.set(slotKey(i, start), `only ${candidates.length} of the ${visit.expertsNeeded} experts needed can come at ${iso(start)}`);
      }
    }
    return slots.sort((a, b) => a.start - b.start);
  });
  return { domains, tooFew };
}

function byPriority(a: Candidate, b: Candidate): number {
  return a.proposedAt - b.proposedAt || (a.expertId < b.expertId ? -1 : a.expertId > b.expertId ? 1 : 0);
}

/**
 * Drops starts that no start of a dependent visit can pair with, until nothing changes (arc
 * consistency): cheap, and it names the dependency that rules a start out.
 */
function enforceDependencies(visits: VisitSpec[], domains: Slot[][], edges: Edge[]): { consistent: Slot[][]; conflicts: Map<string, string> } {
  const consistent = domains.map((d) => [...d]);
  const conflicts = new Map<string, string>();
  const drop = (position: number, keep: (s: Slot) => boolean, detail: (s: Slot) => string): boolean => {
    const kept = consistent[position].filter(keep);
    for (const s of consistent[position]) if (!kept.includes(s)) conflicts.set(slotKey(position, s.start), detail(s));
    const changed = kept.length < consistent[position].length;
    consistent[position] = kept;
    return changed;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of edges) {
      const gap = `${e.min / MINUTE}–${e.max === null ? '∞' : e.max / MINUTE} minutes`;
      const [before, after] = [visits[e.before].visitId, visits[e.after].visitId];
      changed =
        drop(e.before, (s) => consistent[e.after].some((t) => gapHolds(e, s, t)), (s) => `no usable start of visit ${after} is ${gap} after ${iso(s.end)}`) || changed;
      changed =
        drop(e.after, (t) => consistent[e.before].some((s) => gapHolds(e, s, t)), (t) => `no usable end of visit ${before} is ${gap} before ${iso(t.start)}`) || changed;
    }
  }
  return { consistent, conflicts };
}

function whyNotFull(visits: VisitSpec[], proposals: Proposal[], domains: Slot[][], consistent: Slot[][]): string {
  for (const [i, visit] of visits.entries()) {
    if (!proposals.some((p) => p.visitId === visit.visitId)) return `visit ${visit.visitId} has no proposals yet`;
    if (domains[i].length === 0) {
      return `visit ${visit.visitId} has no proposed start with ${visit.expertsNeeded} available expert(s) inside the customer's windows`;
    }
  }
  const starved = visits.find((_, i) => consistent[i].length === 0);
  if (starved) return `no proposed start of visit ${starved.visitId} satisfies its dependencies`;
  return 'no combination of the proposed starts keeps every dependency without double-booking an expert';
}

/** Unfit proposals are listed by visit (dependency order, unknown visits last), start, expert, proposedAt. */
function compareProposals(a: Proposal, b: Proposal, position: Map<string, number>): number {
  const rank = (p: Proposal) => position.get(p.visitId) ?? position.size;
  const instant = (s: string) => (isInstant(s) ? ms(s) : Infinity);
  return (
    rank(a) - rank(b) ||
    compareStrings(a.visitId, b.visitId) ||
    compareNumbers(instant(a.start), instant(b.start)) ||
    compareStrings(a.start, b.start) ||
    compareStrings(a.expertId, b.expertId) ||
    compareNumbers(instant(a.proposedAt), instant(b.proposedAt)) ||
    compareStrings(a.proposedAt, b.proposedAt)
  );
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}
