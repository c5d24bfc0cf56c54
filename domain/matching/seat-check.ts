/**
 * The seat check that cuts the schedule search (search.ts): can the seats under way at the same
 * instants be given distinct experts? A bipartite matching per instant, and a small exact count
 * where that is not enough; both charge the search's work budget.
 */

/** Seats to fill during [start, end), each by a different expert of `experts` (expert numbers). */
export interface Seats {
  start: number;
  end: number;
  count: number;
  experts: readonly number[];
}

/** The exact check (`SeatCheck.exactly`) runs up to this many states, over up to this many seat ranges. */
const EXACT_STATES = 2048;
const EXACT_RANGES = 8;

/** Work done so far, in steps of roughly equal cost. */
export class Budget {
  steps = 0;
  constructor(private readonly limit: number) {}
  charge(steps: number): void {
    this.steps += steps;
  }
  get spent(): boolean {
    return this.steps > this.limit;
  }
}

/**
 * Can seats be filled without putting an expert in two places at once, as far as a bipartite
 * matching per instant can tell: at every instant, the seats under way then get distinct experts.
 * Necessary for a schedule; also sufficient when no seat range spans two that do not overlap each
 * other. Answers false once the budget is spent, so that the search unwinds.
 */
export class SeatCheck {
  // Per expert: the group holding them in the current matching (valid when heldIn is this
  // matching's number), and the last augmenting path that looked at them. Numbers instead of
  // clearing arrays: the search makes many small checks.
  private readonly holder: Int32Array;
  private readonly heldIn: Int32Array;
  private readonly seen: Int32Array;
  private matching = 0;
  private path = 0;
  private readonly under: Seats[] = [];
  // The exact check's tables, reused: per state, the ranges with seats open, and two reachability tables.
  private readonly unfilled = new Uint8Array(EXACT_STATES);
  private readonly reachable = [new Uint8Array(EXACT_STATES), new Uint8Array(EXACT_STATES)];

  constructor(
    expertCount: number,
    readonly budget: Budget,
  ) {
    this.holder = new Int32Array(expertCount);
    this.heldIn = new Int32Array(expertCount);
    this.seen = new Int32Array(expertCount);
  }

  fits(seats: readonly Seats[]): boolean {
    this.budget.charge(seats.length * seats.length);
    const under = this.under;
    for (let a = 0; a < seats.length; a++) {
      // The sets of seats under way together are largest at some seat's start: check those.
      const at = seats[a].start;
      if (seats[a].count === 0 || seats.some((s, b) => b < a && s.count > 0 && s.start === at)) continue;
      under.length = 0;
      let firstEnd = Infinity;
      for (const s of seats) {
        if (s.count === 0 || s.start > at || at >= s.end) continue;
        under.push(s);
        firstEnd = Math.min(firstEnd, s.end);
      }
      // All still under way at a later start: checked there, with more.
      if (seats.some((s) => s.count > 0 && s.start > at && s.start < firstEnd)) continue;
      if (!this.matchable(under)) return false;
    }
    return this.exactly(seats) && !this.budget.spent;
  }

  /**
   * Exact where the matchings are not: experts one at a time, each filling seats of any seat
   * ranges that list them and do not overlap each other; the state is how many seats each range
   * still has open. States number ∏(count + 1): only for few seats (true, "cannot tell", beyond).
   */
  private exactly(all: readonly Seats[]): boolean {
    const seats = all.filter((s) => s.count > 0);
    const n = seats.length;
    if (n > EXACT_RANGES) return true;
    this.budget.charge(n * n * n);
    const overlap = (a: number, b: number) => seats[a].start < seats[b].end && seats[b].start < seats[a].end;
    // The matchings are exact unless a range overlaps two that do not overlap each other.
    const spans = seats.some((_, a) => seats.some((__, b) => b !== a && overlap(a, b) && seats.some((___, c) => c !== a && c !== b && overlap(a, c) && !overlap(b, c))));
    if (!spans) return true;
    const radix: number[] = [];
    let states = 1;
    for (const s of seats) {
      radix.push(states);
      states *= s.count + 1;
      if (states > EXACT_STATES) return true;
    }
    // The experts by the ranges that list them: experts listed by the same ranges help the same ways.
    const rangesOf = new Map<number, number[]>();
    seats.forEach((s, g) => {
      for (const e of s.experts) {
        const ranges = rangesOf.get(e);
        if (ranges) ranges.push(g);
        else rangesOf.set(e, [g]);
      }
    });
    const helpers = new Map<string, { ranges: number[]; experts: number }>();
    for (const ranges of rangesOf.values()) {
      const key = ranges.join(',');
      const same = helpers.get(key);
      if (same) same.experts++;
      else helpers.set(key, { ranges, experts: 1 });
    }
    // Per state, the ranges with seats still open (a bit each).
    const unfilled = this.unfilled;
    for (let state = 0; state < states; state++) {
      unfilled[state] = 0;
      for (let g = 0; g < n; g++) if (Math.floor(state / radix[g]) % (seats[g].count + 1) > 0) unfilled[state] |= 1 << g;
    }
    this.budget.charge(states * n + rangesOf.size * n);
    let [open, next] = this.reachable;
    open.fill(0, 0, states);
    open[states - 1] = 1; // every seat open
    for (const { ranges, experts } of helpers.values()) {
      // The ways one of these experts can help: sets of their ranges that do not overlap, as bits and as the state change.
      const bits: number[] = [];
      const deltas: number[] = [];
      for (let subset = 1; subset < 1 << ranges.length; subset++) {
        const taken = ranges.filter((_, k) => subset & (1 << k));
        if (taken.some((a, k) => taken.some((b, l) => l > k && overlap(a, b)))) continue;
        bits.push(taken.reduce((sum, g) => sum | (1 << g), 0));
        deltas.push(taken.reduce((sum, g) => sum + radix[g], 0));
      }
      for (let expert = 0; expert < experts; expert++) {
        if (this.budget.spent) return false;
        next.set(open.subarray(0, states));
        let reached = 0;
        for (let state = 0; state < states; state++) {
          if (!open[state]) continue;
          reached++;
          for (let t = 0; t < bits.length; t++) if ((unfilled[state] & bits[t]) === bits[t]) next[state - deltas[t]] = 1;
        }
        this.budget.charge((states >> 3) + reached * bits.length);
        [open, next] = [next, open];
        if (open[0]) return true;
      }
    }
    return open[0] === 1;
  }

  private matchable(groups: readonly Seats[]): boolean {
    this.matching++;
    for (let g = 0; g < groups.length; g++) {
      for (let seat = 0; seat < groups[g].count; seat++) {
        this.path++;
        if (!this.augment(groups, g) || this.budget.spent) return false;
      }
    }
    return true;
  }

  /** Finds group `g` one more expert, moving others along an augmenting path if need be. */
  private augment(groups: readonly Seats[], g: number): boolean {
    for (const e of groups[g].experts) {
      this.budget.charge(1);
      if (this.seen[e] === this.path) continue;
      this.seen[e] = this.path;
      if (this.heldIn[e] !== this.matching || this.augment(groups, this.holder[e])) {
        this.holder[e] = g;
        this.heldIn[e] = this.matching;
        return true;
      }
    }
    return false;
  }
}
