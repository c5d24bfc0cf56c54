import { IndexesOnFirstUse } from '../document-store/indexes-on-first-use';
import { DocumentStore, DuplicateKey } from '../document-store/port';

/**
 * Durable timers, kept as documents (`_deadlines`) rather than events: they are scheduling
 * state of the sagas, not business facts, and the facts they lead to (an escalation, a released
 * expert) are recorded as events by the commands the deadline sends. Documents survive restarts;
 * a deadline whose time passed while nothing ran fires at the next start: late rather than never.
 */
export interface Deadline {
  _id: string;
  saga: string;
  kind: string;
  dueAt: string;
  payload: Record<string, unknown>;
  status: 'pending' | 'fired' | 'cancelled';
  createdAt: string;
  /** After a failed attempt: when to try again. */
  retryAt?: string;
  attempts: number;
  lastError?: string;
  firedAt?: string;
  [field: string]: unknown;
}

export const DEADLINES = '_deadlines';

export function deadlineId(saga: string, kind: string, key: string): string {
  return `${saga}:${kind}:${key}`;
}

export class Deadlines {
  private listeners: (() => void)[] = [];
  /** For the due deadlines, and for sagas cancelling the deadlines of a ticket or a visit. */
  private readonly indexes: IndexesOnFirstUse;

  constructor(private readonly documents: DocumentStore) {
    this.indexes = new IndexesOnFirstUse(
      documents,
      DEADLINES,
      [
        // Only pending deadlines: every query for due ones asks for pending ones, and the fired
        // and cancelled ones (most of them, growing with every ticket) cost memory and writes.
        { keys: { status: 1, dueAt: 1 }, name: 'pending_by_due', partialFilterExpression: { status: 'pending' } },
        // The sagas cancel pending deadlines only: the fired and cancelled ones stay out of these too.
        { keys: { 'payload.ticketId': 1 }, name: 'pending_by_ticket', partialFilterExpression: { status: 'pending' } },
        { keys: { 'payload.visitId': 1 }, name: 'pending_by_visit', partialFilterExpression: { status: 'pending' } },
      ],
      // 'due': the same keys over every deadline; by_ticket and by_visit held every deadline ever scheduled.
      ['due', 'by_ticket', 'by_visit'],
    );
  }

  /**
   * Schedules a deadline once: scheduling the same (saga, kind, key) again changes nothing, so
   * re-handling the event that scheduled it is harmless. Use a new key for a new occurrence.
   * Answers whether this call scheduled it (false: it was scheduled before, perhaps otherwise).
   */
  async schedule(saga: string, kind: string, key: string, dueAt: Date, payload: Record<string, unknown>, now: Date): Promise<boolean> {
    const deadline: Deadline = {
      _id: deadlineId(saga, kind, key),
      saga,
      kind,
      dueAt: dueAt.toISOString(),
      payload,
      status: 'pending',
      createdAt: now.toISOString(),
      attempts: 0,
    };
    await this.indexes.ensure();
    // An insert, not an upsert with $setOnInsert: the same outcome, and about half the work in
    // the embedded store, for a write every new visit makes twice.
    let inserted = true;
    try {
      await this.documents.collection<Deadline>(DEADLINES).insertOne(deadline);
    } catch (error) {
      if (!(error instanceof DuplicateKey)) throw error;
      inserted = false;
    }
    for (const wake of this.listeners) wake();
    return inserted;
  }

  /** The situation resolved: a pending deadline will not fire. */
  async cancel(saga: string, kind: string, key: string): Promise<boolean> {
    const r = await this.documents
      .collection<Deadline>(DEADLINES)
      .updateOne({ _id: deadlineId(saga, kind, key), status: 'pending' }, { $set: { status: 'cancelled' } });
    return r.modifiedCount > 0;
  }

  get(saga: string, kind: string, key: string): Promise<Deadline | null> {
    return this.documents.collection<Deadline>(DEADLINES).findOne({ _id: deadlineId(saga, kind, key) });
  }

  /** Pending deadlines due at `now` (and not waiting for a retry), earliest first. */
  async due(now: Date): Promise<Deadline[]> {
    const at = now.toISOString();
    await this.indexes.ensure();
    return this.documents.collection<Deadline>(DEADLINES).find(
      { status: 'pending', dueAt: { $lte: at }, $or: [{ retryAt: { $exists: false } }, { retryAt: { $lte: at } }] },
      { sort: { dueAt: 1, _id: 1 } },
    );
  }

  /**
   * Pending deadlines whose time has come (not fired yet, retries included), and when the
   * earliest of them came due: how late the sagas' timers are running.
   */
  async overdue(now: Date): Promise<{ due: number; earliestDueAt: Date | null }> {
    const filter = { status: 'pending', dueAt: { $lte: now.toISOString() } };
    const collection = this.documents.collection<Deadline>(DEADLINES);
    const [due, [earliest]] = await Promise.all([
      collection.count(filter),
      collection.find(filter, { sort: { dueAt: 1 }, limit: 1, projection: { dueAt: 1 } }),
    ]);
    return { due, earliestDueAt: earliest ? new Date(earliest.dueAt) : null };
  }

  /** When the next pending deadline is due, if any. */
  async next(): Promise<Date | null> {
    await this.indexes.ensure();
    const [first] = await this.documents.collection<Deadline>(DEADLINES).find({ status: 'pending' }, { sort: { dueAt: 1 }, limit: 1 });
    if (!first) return null;
    return new Date(Math.max(Date.parse(first.dueAt), first.retryAt ? Date.parse(first.retryAt) : 0));
  }

  async markFired(id: string, now: Date): Promise<void> {
    await this.documents.collection<Deadline>(DEADLINES).updateOne({ _id: id, status: 'pending' }, { $set: { status: 'fired', firedAt: now.toISOString() } });
  }

  async markFailed(id: string, error: string, retryAt: Date): Promise<void> {
    await this.documents.collection<Deadline>(DEADLINES).updateOne({ _id: id }, { $set: { lastError: error, retryAt: retryAt.toISOString() }, $inc: { attempts: 1 } });
  }

  /** In-process wake-up when something is scheduled (the scheduler re-plans its timer). */
  onScheduled(listener: () => void): void {
    this.listeners.push(listener);
  }
}
