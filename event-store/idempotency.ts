import { AppendResult, ExpectedRevision, NewEvent, WrongExpectedVersion } from './port';

export interface StoredRef {
  revision: number;
  position: number;
}

/**
 * EventStoreDB's rule for re-appends: if every event of the batch is already in the stream
 * (same ids), the append succeeds without writing anything and reports where they are.
 * A batch that is only partly there is a conflict. Returns null for a batch that is new.
 */
export function alreadyAppended(
  stream: string,
  events: readonly NewEvent[],
  found: readonly (StoredRef | undefined)[],
  expected: ExpectedRevision,
  current: number | 'no_stream',
): AppendResult | null {
  const present = found.filter((f): f is StoredRef => f !== undefined);
  if (present.length === 0) return null;
  if (present.length !== events.length) throw new WrongExpectedVersion(stream, expected, current);
  const last = present.reduce((a, b) => (b.revision > a.revision ? b : a));
  return { nextExpectedRevision: last.revision, position: last.position };
}
