/**
 * Events per second over the last complete window. Unlike a rate updated only when events
 * arrive, it falls to zero once a whole window passes without any: a saga that stopped moving
 * must not keep showing the speed it had before.
 */
export class EventRate {
  private windowStart: number;
  private count = 0;
  private lastRate = 0;

  constructor(
    private readonly windowMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  record(events = 1): void {
    this.roll();
    this.count += events;
  }

  perSecond(): number {
    this.roll();
    return this.lastRate;
  }

  private roll(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    // More than a window since the last roll: the most recent full window saw nothing.
    const rate = elapsed < 2 * this.windowMs ? (this.count * 1000) / elapsed : 0;
    this.lastRate = Math.round(rate * 10) / 10;
    this.windowStart = now;
    this.count = 0;
  }
}
