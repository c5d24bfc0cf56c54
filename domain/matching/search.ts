/**
 * The search behind `matchGroup`: the first consistent schedule in finalization order (see
 * schedule.ts), given each visit's usable starts. Pure: no clock, no I/O.
 *
 * Starts are chosen visit by visit in dependency order, earliest first; with every start chosen,
 * crews are chosen visit by visit in the same order, each visit's crews in finalization order. The
 * first complete choice found is therefore the one finalization picks, provided that no branch
 * that could be completed is ever cut. Branches are cut by checks that are polynomial and never
 * fail a branch that can be completed:
 * - `SeatCheck` (seat-check.ts): the seats under way at the same instant can be given distinct
 *   experts (a bipartite matching per instant), and where that is not exact — a visit overlapping
 *   two that do not overlap each other — a small exact count over the experts, when the seats are
 *   few;
 * - an expert that a visit cannot do without, at every start it has left, fits all such visits;
 * - a choice that led nowhere is not tried again in another form that shares its fate.
 * The problem itself is NP-hard (fixed-time jobs on machines with eligibility), so some groups
 * can still take exponential work. The search therefore counts its work and gives up at a budget:
 * the group is then treated as not full for now, and escalated at its deadline like any group
 * that is not full.
 */
import { Budget, SeatCheck, Seats } from './seat-check';

/** An expert who proposed a start; `proposedAt` (ms) is their earliest proposal of it. */
export interface Candidate {
  expertId: string;
  proposedAt: number;
}

/** A start of a visit (ms) with enough usable candidates, sorted by time priority. */
export interface Slot {
  start: number;
  end: number;
  candidates: Candidate[];
}

/** A dependency between positions in the dependency order (before < after), gaps in ms. */
export interface Edge {
  before: number;
  after: number;
  min: number;
  max: number | null;
}

export function gapHolds(edge: Edge, before: Slot, after: Slot): boolean {
  const gap = after.start - before.end;
  return gap >= edge.min && (edge.max === null || gap <= edge.max);
}

export type SearchResult =
  | { found: true; slots: Slot[]; crews: Candidate[][]; steps: number }
  /** `gaveUp`: the budget ran out before the search could tell; a schedule may exist. */
  | { found: false; gaveUp: boolean; steps: number };

/**
 * Steps the search may take for one group (a step: an expert, a start or a state of the exact
 * check looked at). Measured at 2–20 ns a step in a warm process, so giving up takes up to about
 * 20 ms (the first runs in a fresh process are several times slower). The matching bench's
 * adversarial groups need up to 0.4 M steps, the slowest groups a search for them found 0.5 M.
 */
export const SEARCH_BUDGET = 1_000_000;

/**
 * The first schedule in finalization order, for visits in dependency order needing `needs[i]`
 * experts, whose usable starts are `domains[i]` (earliest first, arc-consistent with `edges`).
 */
export function searchSchedule(needs: readonly number[], edges: readonly Edge[], domains: readonly Slot[][], budget = SEARCH_BUDGET): SearchResult {
  const experts = new Map<string, number>();
  for (const slot of domains.flat()) for (const c of slot.candidates) if (!experts.has(c.expertId)) experts.set(c.expertId, experts.size);
  const sets = new Map<string, number>();
  let ids = 0;
  const starts = domains.map((slots) =>
    slots.map((slot): Start => {
      const numbers = slot.candidates.map((c) => experts.get(c.expertId) as number);
      const set = [...numbers].sort((a, b) => a - b).join(',');
      if (!sets.has(set)) sets.set(set, sets.size);
      return { ...slot, experts: numbers, set: sets.get(set) as number, id: ids++ };
    }),
  );
  const work = new Budget(budget);
  const search = new Search(needs, edges, experts.size, new SeatCheck(experts.size, work));
  const found = search.run(starts);
  if (found) return { found: true, slots: found.starts.map(({ start, end, candidates }) => ({ start, end, candidates })), crews: found.crews, steps: work.steps };
  return { found: false, gaveUp: work.spent, steps: work.steps };
}

/** A slot with its candidates as expert numbers, a number naming its set of candidates, and its own number. */
interface Start extends Slot {
  experts: number[];
  set: number;
  id: number;
}

class Search {
  /** Choices that led nowhere, by `deadEndKey`. */
  private readonly deadEnds = new Set<string>();
  /** Per expert, how many slots name them (`deadEndKey`). */
  private readonly sightings: Int32Array;

  constructor(
    private readonly needs: readonly number[],
    private readonly edges: readonly Edge[],
    private readonly expertCount: number,
    private readonly check: SeatCheck,
  ) {
    this.sightings = new Int32Array(expertCount);
  }

  run(domains: Start[][]): { starts: Start[]; crews: Candidate[][] } | null {
    const chosen: Start[] = [];
    const go = (remaining: Start[][]): Candidate[][] | null => {
      const depth = chosen.length;
      if (depth === this.needs.length) return this.staff(chosen);
      for (const start of remaining[depth]) {
        chosen.push(start);
        const kept = this.keepDependencies(chosen, remaining);
        const key = kept && this.deadEndKey(chosen, kept);
        if (kept && key !== null && !this.deadEnds.has(key)) {
          const next = this.narrow(chosen, kept);
          const crews = next && go(next);
          if (crews) return crews;
          // A failure because the budget ran out proves nothing.
          if (!this.check.budget.spent) this.deadEnds.add(key);
        }
        chosen.pop();
        if (this.check.budget.spent) return null;
      }
      return null;
    };
    if (!this.viable([], domains)) return null;
    const crews = go(domains);
    return crews ? { starts: chosen, crews } : null;
  }

  /**
   * What decides whether the choices so far can be completed: which chosen visits overlap, and
   * of each chosen visit's candidates those who could be anywhere else (a chosen visit or a
   * remaining start), and how many others (they can only fill its seats); each later visit's
   * remaining starts, each with the chosen visits it overlaps (the dependencies with chosen visits
   * are applied already, those between later visits depend on the starts alone). Choices with the
   * same key share their fate: e.g. a visit at 08:00 or at 08:05 when both overlap the same visits
   * and exclude the same starts, even with another expert who proposed only one of them.
   */
  private deadEndKey(chosen: readonly Start[], remaining: readonly Start[][]): string {
    const later = remaining.slice(chosen.length);
    const slots = [...chosen, ...later.flat()];
    this.check.budget.charge(slots.length * (chosen.length + 1) + slots.reduce((sum, s) => sum + s.experts.length, 0));
    const seen = this.sightings;
    seen.fill(0);
    for (const s of slots) for (const e of s.experts) seen[e]++;
    const overlaps = (a: Slot, b: Slot) => a.start < b.end && b.start < a.end;
    const mask = (s: Slot) => chosen.map((c) => (overlaps(c, s) ? 1 : 0)).join('');
    const fixed = chosen.map((c) => {
      const shared = c.experts.filter((e) => seen[e] > 1).sort((a, b) => a - b);
      return `${shared.join('.')}+${c.experts.length - shared.length}:${mask(c)}`;
    });
    return [fixed.join(' '), ...later.map((starts) => starts.map((s) => `${s.id}:${mask(s)}`).join(' '))].join('|');
  }

  /** After choosing `chosen[depth]`: each later visit keeps the starts that keep the dependencies with it. Null for a dead end. */
  private keepDependencies(chosen: readonly Start[], remaining: readonly Start[][]): Start[][] | null {
    const depth = chosen.length - 1;
    const next = [...remaining];
    for (let j = depth + 1; j < this.needs.length; j++) {
      const linked = this.edges.filter((e) => e.before === depth && e.after === j);
      if (linked.length === 0) continue;
      this.check.budget.charge(remaining[j].length);
      next[j] = remaining[j].filter((s) => linked.every((e) => gapHolds(e, chosen[depth], s)));
      if (next[j].length === 0) return null;
    }
    return next;
  }

  /**
   * Then each later visit keeps the starts that leave seats that can be filled with the visits
   * chosen so far, and all of them together must leave such seats too. Null for a dead end.
   */
  private narrow(chosen: readonly Start[], remaining: readonly Start[][]): Start[][] | null {
    const seats = chosen.map((s, i) => this.seatsAt(i, s));
    const next = [...remaining];
    for (let j = chosen.length; j < this.needs.length; j++) {
      this.check.budget.charge(remaining[j].length);
      next[j] = remaining[j].filter((s) => {
        seats.push(this.seatsAt(j, s));
        const fits = this.check.fits(seats);
        seats.pop();
        return fits;
      });
      if (next[j].length === 0) return null;
    }
    return this.viable(chosen, next) ? next : null;
  }

  /** Checks that hold for the chosen starts and the later visits' remaining ones together. */
  private viable(chosen: readonly Start[], domains: readonly Start[][]): boolean {
    return this.check.fits(this.seats(chosen, domains)) && this.indispensableFit([...chosen.map((s) => [s]), ...domains.slice(chosen.length)]);
  }

  /**
   * An expert without whom a visit has too few candidates at every start it has left must be on
   * every such visit, at times that do not overlap: among those visits' starts there must be as
   * many pairwise disjoint ones as there are visits (as many as the earliest-end-first sweep
   * finds). E.g. four visits that each need the same expert, at starts in three clusters.
   */
  private indispensableFit(domains: readonly Start[][]): boolean {
    const visitsOf = new Map<number, number[]>();
    domains.forEach((starts, j) => {
      this.check.budget.charge(starts.reduce((sum, s) => sum + s.experts.length, 0));
      if (starts.some((s) => s.experts.length > this.needs[j])) return;
      for (const e of starts[0].experts) if (starts.every((s) => s.experts.includes(e))) visitsOf.set(e, [...(visitsOf.get(e) ?? []), j]);
    });
    for (const visits of visitsOf.values()) {
      if (visits.length < 2) continue;
      const times = visits.flatMap((j) => domains[j]).sort((a, b) => a.end - b.end);
      this.check.budget.charge(times.length);
      let disjoint = 0;
      let free = -Infinity;
      for (const t of times) {
        if (t.start < free) continue;
        disjoint++;
        free = t.end;
      }
      if (disjoint < visits.length) return false;
    }
    return true;
  }

  private seatsAt(i: number, s: Start): Seats {
    return { start: s.start, end: s.end, count: this.needs[i], experts: s.experts };
  }

  /**
   * The seats of chosen visits, and of each later visit the seats during the time all its starts
   * cover (if any), open to everyone who proposed one of them: the seats that overlap there
   * overlap whichever starts are chosen.
   */
  private seats(chosen: readonly Start[], domains: readonly Start[][]): Seats[] {
    const seats = chosen.map((s, i) => this.seatsAt(i, s));
    for (let j = chosen.length; j < this.needs.length; j++) {
      const starts = domains[j];
      const latest = starts[starts.length - 1];
      const earliest = starts[0];
      if (latest.start >= earliest.end) continue;
      const anyone = [...new Set(starts.flatMap((s) => s.experts))];
      seats.push({ start: latest.start, end: earliest.end, count: this.needs[j], experts: anyone });
    }
    return seats;
  }

  /** The first crews in finalization order for visits at these starts, or null. */
  private staff(starts: readonly Start[]): Candidate[][] | null {
    const n = starts.length;
    const overlapping = starts.map((a) => starts.map((b) => a.start < b.end && b.start < a.end));

    // busy[e * n + j]: how many visits expert e is on (crews chosen, or being chosen) that overlap visit j.
    const busy = new Int32Array(this.expertCount * n);
    const free = (e: number, j: number) => busy[e * n + j] === 0;
    const put = (e: number, i: number, by: 1 | -1) => {
      for (let j = 0; j < n; j++) if (overlapping[i][j]) busy[e * n + j] += by;
    };
    const crews: Candidate[][] = [];
    /** The later visits' seats, open to the experts still free for them. */
    const laterSeats = (i: number): Seats[] =>
      starts.slice(i + 1).map((s, k) => {
        this.check.budget.charge(s.experts.length);
        return { start: s.start, end: s.end, count: this.needs[i + 1 + k], experts: s.experts.filter((e) => free(e, i + 1 + k)) };
      });

    const staffFrom = (i: number): boolean => {
      if (i === n) return true;
      const here = starts[i];
      const seatsHere = (count: number, experts: number[]): Seats => ({ start: here.start, end: here.end, count, experts });
      // The free candidates in classes of equal proposedAt, in time-priority order.
      const classes: { candidate: Candidate; expert: number }[][] = [];
      here.candidates.forEach((candidate, k) => {
        const expert = here.experts[k];
        if (!free(expert, i)) return;
        const last = classes[classes.length - 1];
        if (last && last[0].candidate.proposedAt === candidate.proposedAt) last.push({ candidate, expert });
        else classes.push([{ candidate, expert }]);
      });
      const counts = classes.map(() => 0);
      const picked: Candidate[] = [];
      const expertsOf = (from: number) => classes.slice(from).flatMap((c) => c.map((m) => m.expert));

      // Finalization order: first how many a crew takes from each class (most from the earliest
      // class first: its proposedAt list is then earlier), then which ones (by id, class by class).
      const chooseCounts = (c: number, left: number): boolean => {
        if (left === 0 || c === classes.length) return left === 0 && chooseMembers(nextCounted(-1), 0, 0);
        const later = classes.slice(c + 1).reduce((sum, k) => sum + k.length, 0);
        for (let count = Math.min(left, classes[c].length); count >= Math.max(0, left - later); count--) {
          counts[c] = count;
          const seats = [...counted(c), seatsHere(left - count, expertsOf(c + 1)), ...laterSeats(i)];
          if (this.check.fits(seats) && chooseCounts(c + 1, left - count)) return true;
        }
        counts[c] = 0;
        return false;
      };
      const counted = (upTo: number): Seats[] =>
        classes.slice(0, upTo + 1).flatMap((members, c) => (counts[c] > 0 ? [seatsHere(counts[c], members.map((m) => m.expert))] : []));
      const nextCounted = (after: number) => counts.findIndex((count, c) => c > after && count > 0);

      /** Picks member `have` + 1 of class c's `counts[c]`, among its members from index `from`. */
      const chooseMembers = (c: number, from: number, have: number): boolean => {
        if (c === -1) {
          crews.push([...picked]);
          if (staffFrom(i + 1)) return true;
          crews.pop();
          return false;
        }
        if (have === counts[c]) return chooseMembers(nextCounted(c), 0, 0);
        const members = classes[c];
        for (let p = from; p <= members.length - (counts[c] - have); p++) {
          picked.push(members[p].candidate);
          put(members[p].expert, i, 1);
          const rest = members.slice(p + 1).map((m) => m.expert);
          const later = classes.flatMap((m, k) => (k > c && counts[k] > 0 ? [seatsHere(counts[k], m.map((x) => x.expert))] : []));
          const seats = [seatsHere(counts[c] - have - 1, rest), ...later, ...laterSeats(i)];
          if (this.check.fits(seats) && chooseMembers(c, p + 1, have + 1)) return true;
          put(members[p].expert, i, -1);
          picked.pop();
        }
        return false;
      };
      return chooseCounts(0, this.needs[i]);
    };

    return staffFrom(0) ? crews : null;
  }
}
