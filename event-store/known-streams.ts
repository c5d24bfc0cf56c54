import { Position } from './port';

/**
 * What an embedded store that no other process appends to (its data folder's lock is held:
 * app/data-lock.ts) knows without asking its file: the position of its last committed event,
 * and the last revision of the streams it appended to or read lately.
 *
 * Every command loads its aggregates by asking for the events after the revision it holds,
 * nearly always none, and every runner asks for the head before reading: under the HTTP
 * bench's create load those queries (`readStream`, `SELECT MAX(position)`) were about 6% of
 * the main thread. A stream with an append on its way is not known: the file may hold the
 * append before its answer comes, and reads of it go to the file, as before.
 */
export class KnownStreams {
  private readonly revisions = new Map<string, number>();
  /** Streams with appends sent to the writer and not answered yet, with how many. */
  private readonly appending = new Map<string, number>();

  constructor(
    /** The position of the last event committed (and answered). */
    public head: Position,
    private readonly capacity = 16_384,
  ) {}

  /** An append to the stream is on its way to the writer. */
  sending(stream: string): void {
    this.appending.set(stream, (this.appending.get(stream) ?? 0) + 1);
  }

  /**
   * The writer answered an append to the stream: `revision` is then the stream's last revision
   * (written, or found by a conflict), undefined when the answer does not say (a repeat, a failure).
   */
  answered(stream: string, revision: number | undefined): void {
    const left = (this.appending.get(stream) ?? 1) - 1;
    if (left > 0) this.appending.set(stream, left);
    else this.appending.delete(stream);
    if (revision === undefined) this.revisions.delete(stream);
    else this.remember(stream, revision);
  }

  /** The stream's last revision as read from the file (-1: it has none), when no append to it is on its way. */
  read(stream: string, revision: number): void {
    if (!this.appending.has(stream)) this.remember(stream, revision);
  }

  /** Whether the stream surely has no event at or after `fromRevision`. */
  endsBefore(stream: string, fromRevision: number): boolean {
    if (this.appending.has(stream)) return false;
    const revision = this.revisions.get(stream);
    return revision !== undefined && fromRevision > revision;
  }

  /** Kept as the most recently used; the least recently used goes beyond `capacity`. */
  private remember(stream: string, revision: number): void {
    this.revisions.delete(stream);
    this.revisions.set(stream, revision);
    if (this.revisions.size > this.capacity) this.revisions.delete(this.revisions.keys().next().value!);
  }
}
