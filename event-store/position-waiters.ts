import { Position } from './port';

/**
 * Callers waiting for a consumer (a projection, a saga) to reach a position: read-your-writes
 * and tests wait on this instead of sleeping.
 */
export class PositionWaiters {
  private waiters: { position: Position; resolve: (reached: boolean) => void }[] = [];

  /** Resolves true once `release` reports `position` or beyond, false after `timeoutMs`. */
  wait(current: Position, position: Position, timeoutMs: number): Promise<boolean> {
    if (current >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs).unref();
    });
  }

  release(position: Position): void {
    const ready = this.waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const w of ready) w.resolve(true);
  }
}
