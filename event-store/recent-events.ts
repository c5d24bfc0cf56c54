import { deepFreeze } from '../domain/shared/frozen';
import { EventFilter, matchesFilter, Position, RecordedEvent } from './port';

/**
 * The latest events this process appended, parsed once and shared, frozen, by every reader that
 * catches up on them. Every projection and saga runner reads every new event: each one querying
 * and parsing it again was about a tenth of the server's time under load.
 *
 * It holds every event after `after` up to its last one, and answers a read only when that is
 * still the head of the file: when another process appends, reads go to the file until this
 * process appends on top of the new head (which starts over from there).
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];
  /** Every event after this position, up to the last held, is held; undefined: none held. */
  private after: Position | undefined;

  constructor(private readonly capacity: number) {}

  /** After a commit that appended `appended` (in position order) on top of `headBefore`. */
  add(headBefore: Position, appended: readonly RecordedEvent[]): void {
    if (this.capacity <= 0 || appended.length === 0) return;
    if (this.after === undefined || this.last() !== headBefore) {
      this.events = [];
      this.after = headBefore;
    }
    for (const event of appended) this.events.push(deepFreeze(event));
    // Dropped in chunks: shifting one off the front per append would copy the array each time.
    if (this.events.length > 2 * this.capacity) {
      const dropped = this.events.splice(0, this.events.length - this.capacity);
      this.after = dropped[dropped.length - 1]!.position;
    }
  }

  /**
   * What readAll would answer (events after `from`, at most `maxCount`, matching `filter`), or
   * undefined when the events after `from` are not all held or `head` says another process appended.
   *
   * `unsettled`: events this process's writer has sent and whose commit has not been answered
   * yet. The file may hold them already (the writer commits, then answers); a head at most that
   * far ahead is this process's own, and the read is answered with what is held, the events
   * before them. They are added, and readers woken, when the answer comes. Under load a batch is
   * nearly always on its way, and every reader that ran meanwhile queried and parsed the file.
   */
  read(from: Position, maxCount: number | undefined, filter: EventFilter | undefined, head: () => Position, unsettled = 0): RecordedEvent[] | undefined {
    if (this.after === undefined || from < this.after || !this.holdsUpTo(head(), unsettled)) return undefined;
    const limit = maxCount === undefined || maxCount < 0 ? Infinity : maxCount;
    const found: RecordedEvent[] = [];
    for (let i = this.firstAfter(from); i < this.events.length && found.length < limit; i++) {
      const event = this.events[i]!;
      if (matchesFilter(filter, event.stream, event.type)) found.push(event);
    }
    return found;
  }

  /**
   * The head as readers see it: the last event held when the file's `head` is ahead of it by
   * this process's unsettled events only, else `head`. A reader given the file's head would
   * take the events it was not given as read.
   */
  visibleHead(head: Position, unsettled: number): Position {
    return this.after !== undefined && this.holdsUpTo(head, unsettled) ? this.last()! : head;
  }

  /** Whether everything up to `head`, except this process's `unsettled` events, is held. */
  private holdsUpTo(head: Position, unsettled: number): boolean {
    const ahead = head - this.last()!;
    return ahead >= 0 && ahead <= unsettled;
  }

  private last(): Position | undefined {
    return this.events.length > 0 ? this.events[this.events.length - 1]!.position : this.after;
  }

  /** Index of the first held event with a position after `from`. */
  private firstAfter(from: Position): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.events[mid]!.position <= from) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
