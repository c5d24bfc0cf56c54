import { Position } from './port';

/**
 * Callers waiting for a consumer (a projection, a saga) to reach a position: read-your-writes
 * and tests wait on this instead of sleeping.
 */
export class PositionWaiters {
  private waiters: { position: Position; resolve: (reached: boolean) => void; timer: NodeJS.Timeout }[] = [];

  /** Resolves true once `release` reports `position` or beyond, false after `timeoutMs`. */
  wait(current: Position, position: Position, timeoutMs: number): Promise<boolean> {
    if (current >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
      const waiter = { position, resolve, timer };
      this.waiters.push(waiter);
    });
  }

  release(position: Position): void {
    const ready = this.waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > position);
    // Every command answer waits on a few of these: left running, their timers (and what they
    // hold) stayed for the whole timeout after the wait was over, and each then copied the list.
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}
