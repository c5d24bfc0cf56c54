import { AllSubscription, EventFilter, Position, ReadAllOptions, RecordedEvent, START, SubscribeToAllOptions } from './port';

/** Wakes waiting subscribers when new events are committed: no busy polling. */
export class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify() (or when aborted). Register before checking, to miss nothing. */
  next(abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (abort.aborted) return resolve();
      const wake = () => {
        abort.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      abort.addEventListener('abort', wake, { once: true });
    });
  }
}

export interface CatchUpSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  headPosition(): Promise<Position>;
  signal: AppendSignal;
}

const PAGE = 1000;

/**
 * A catch-up subscription over a store whose commits become visible in position order
 * (true for the in-memory and SQLite adapters: one writer at a time assigns positions inside
 * its transaction). It reads pages until it has seen the head, then sleeps on the append signal.
 */
export function catchUpSubscription(source: CatchUpSource, options: SubscribeToAllOptions = {}): AllSubscription {
  const abort = new AbortController();
  const filter: EventFilter | undefined = options.filter;
  let position = options.fromPosition ?? START;

  async function* events(): AsyncGenerator<RecordedEvent> {
    while (!abort.signal.aborted) {
      const head = await source.headPosition();
      const page = await source.readAll({ fromPosition: position, maxCount: PAGE, filter });
      if (page.length > 0) {
        for (const event of page) {
          if (abort.signal.aborted) return;
          position = event.position;
          yield event;
        }
        continue;
      }
      // Nothing (matching) after `position` up to `head`: skip the non-matching range, then sleep.
      position = Math.max(position, head);
      const woken = source.signal.next(abort.signal);
      if ((await source.headPosition()) > position) continue; // committed while we were reading
      await woken;
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async stop() {
      abort.abort();
      await iterator.return(undefined);
    },
  };
}
