/**
 * The expert's commands, kept in IndexedDB until the server has answered them.
 *
 * Every command is written to the outbox first, with its Idempotency-Key fixed then, and sent
 * from there in the order given: online, at once; offline (or the server unreachable), when the
 * connection returns. Sending one twice (an answer lost on the way, two tabs) is harmless: the
 * server answers the second with the first answer and applies nothing new.
 *
 * Outcomes: applied → removed. Refused (a 4xx problem) while the expert waits for it → removed and
 * thrown to the caller, which shows it next to the button. Refused later, after reconnecting →
 * kept as `refused` with the server's reason, shown until the expert dismisses it: never dropped
 * silently. No answer (offline, 5xx, 429, a conflict) → kept, tried again with backoff; the
 * commands after it wait (a visit's steps only make sense in order).
 */
import { onlineManager, QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { actionKey, ApiError, Problem } from '../api/client';
import { offlineDb, QueuedCommand } from './db';
import { deliver, ExpertCommand, refreshAfter } from './commands';

export type { QueuedCommand } from './db';

/** What `submit` tells the caller. */
export type Outcome = { status: 'sent'; data: unknown } | { status: 'queued' };

const MAX_BACKOFF_MS = 60_000;
/** A conflict (the resource kept changing) is worth a few more tries; then it is a refusal. */
const MAX_CONFLICT_ATTEMPTS = 3;

type Result = { kind: 'sent'; data: unknown } | { kind: 'refused'; problem: Problem } | { kind: 'retry'; why: string };

export class Outbox {
  private items: readonly QueuedCommand[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly waiters = new Map<number, { resolve: (outcome: Outcome) => void; reject: (error: ApiError) => void }>();
  private flushing: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('sysops-outbox');
  private closed = false;
  private readonly stopFollowing: () => void;

  constructor(
    private readonly userId: string,
    private readonly queries: QueryClient,
  ) {
    // Other tabs of the app change the same outbox: read it again when they say so.
    if (this.channel) this.channel.onmessage = () => void this.reload();
    this.stopFollowing = onlineManager.subscribe((online) => {
      if (online) void this.flush();
    });
    void this.reload().then(() => this.flush());
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopFollowing();
    this.channel?.close();
    for (const waiter of this.waiters.values()) waiter.resolve({ status: 'queued' });
    this.waiters.clear();
  }

  /** The queued commands, oldest first (a stable array until the next change: for useSyncExternalStore). */
  snapshot = (): readonly QueuedCommand[] => this.items;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Queues the command and sends it if it can: resolves `sent` with the answer, or `queued` when
   * it waits for the network (or behind earlier commands that do); rejects with the problem when
   * the server refuses it now.
   */
  async submit(command: ExpertCommand, label: string): Promise<Outcome> {
    const item: QueuedCommand = { userId: this.userId, key: actionKey(), command, label, queuedAt: new Date().toISOString(), attempts: 0, state: 'waiting' };
    const db = await offlineDb();
    item.id = await db.add('outbox', item);
    this.items = [...this.items, item];
    this.changed();
    const outcome = new Promise<Outcome>((resolve, reject) => this.waiters.set(item.id!, { resolve, reject }));
    void this.flush();
    return outcome;
  }

  /** Whether the expert is waiting for this command's answer now (it is not "queued" to them yet). */
  isAwaited(id: number | undefined): boolean {
    return id !== undefined && this.waiters.has(id);
  }

  /** The expert has read why the server refused it. */
  async dismiss(id: number): Promise<void> {
    await (await offlineDb()).delete('outbox', id);
    this.items = this.items.filter((i) => i.id !== id);
    this.changed();
  }

  /** Sends what waits, in order, one pass at a time (across tabs too, with a Web Lock). */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    const run = async () => {
      do {
        this.again = false;
        if (navigator.locks) await navigator.locks.request(`sysops-outbox:${this.userId}`, () => this.pass());
        else await this.pass();
      } while (this.again && !this.closed);
    };
    this.flushing = run().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async pass(): Promise<void> {
    await this.reload();
    clearTimeout(this.retryTimer);
    const db = await offlineDb();
    let changed = false;
    let stopped = false;
    for (const item of this.items.filter((i) => i.state === 'waiting')) {
      if (this.closed) return;
      if (!onlineManager.isOnline()) {
        stopped = true;
        break;
      }
      const result = await this.send(item);
      const waiter = this.waiters.get(item.id!);
      if (result.kind === 'sent') {
        await db.delete('outbox', item.id!);
        this.items = this.items.filter((i) => i.id !== item.id);
        this.waiters.delete(item.id!);
        refreshAfter(this.queries, item.command);
        waiter?.resolve({ status: 'sent', data: result.data });
        changed = true;
        this.changed();
        continue;
      }
      if (result.kind === 'refused') {
        if (waiter) {
          // The expert is waiting for this answer: shown where they acted, not kept.
          await db.delete('outbox', item.id!);
          this.items = this.items.filter((i) => i.id !== item.id);
          this.waiters.delete(item.id!);
          waiter.reject(new ApiError(result.problem));
        } else {
          const refused: QueuedCommand = { ...item, state: 'refused', refusal: result.problem, attempts: item.attempts + 1 };
          await db.put('outbox', refused);
          this.items = this.items.map((i) => (i.id === item.id ? refused : i));
        }
        refreshAfter(this.queries, item.command);
        changed = true;
        this.changed();
        continue;
      }
      // No answer: this one and those after it wait.
      const waiting: QueuedCommand = { ...item, attempts: item.attempts + 1, lastError: result.why };
      await db.put('outbox', waiting);
      this.items = this.items.map((i) => (i.id === item.id ? waiting : i));
      this.changed();
      // Offline: sent when the connection is back. The server busy: tried again a little later.
      if (onlineManager.isOnline()) this.retryTimer = setTimeout(() => void this.flush(), Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(waiting.attempts, 6)));
      stopped = true;
      break;
    }
    // Stopped for want of an answer: what waits behind is queued, and its caller stops waiting.
    // (Commands queued during a pass that went through are sent by the next pass.)
    if (stopped) {
      for (const [id, waiter] of this.waiters) {
        if (this.items.some((i) => i.id === id && i.state === 'waiting')) {
          waiter.resolve({ status: 'queued' });
          this.waiters.delete(id);
        }
      }
      this.items = [...this.items]; // a new snapshot: what is awaited changed
      this.changed();
    }
    if (changed) this.channel?.postMessage('changed');
  }

  private async send(item: QueuedCommand): Promise<Result> {
    let answer;
    try {
      answer = await deliver(item.command, item.key);
    } catch (error) {
      return { kind: 'retry', why: `No answer from the server (${(error as Error).message})` };
    }
    const { response } = answer;
    if (response.ok) return { kind: 'sent', data: answer.data };
    const problem = { title: response.statusText || `HTTP ${response.status}`, status: response.status, ...(answer.error as Partial<Problem> | undefined) } as Problem;
    // 401: the session is renewed or ended (the command waits for the next login);
    // 408/429/5xx: the server could not take it now.
    if (response.status === 401 || response.status === 408 || response.status === 429 || response.status >= 500) return { kind: 'retry', why: `${problem.title} (${response.status})` };
    if (response.status === 409 && item.attempts + 1 < MAX_CONFLICT_ATTEMPTS) return { kind: 'retry', why: problem.detail ?? problem.title };
    return { kind: 'refused', problem };
  }

  private async reload(): Promise<void> {
    const stored = await (await offlineDb()).getAllFromIndex('outbox', 'by-user', this.userId);
    stored.sort((a, b) => a.id! - b.id!);
    const same = stored.length === this.items.length && stored.every((s, i) => s.id === this.items[i]!.id && s.state === this.items[i]!.state && s.attempts === this.items[i]!.attempts);
    if (!same) {
      this.items = stored;
      this.changed();
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The outbox's commands, re-rendering on every change. */
export function useQueued(outbox: Outbox): readonly QueuedCommand[] {
  return useSyncExternalStore(outbox.subscribe, outbox.snapshot);
}
