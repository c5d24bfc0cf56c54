/**
 * The expert app's IndexedDB database (through idb): the commands waiting to reach the server
 * (`outbox`) and the last synced answers of the expert's schedule and visits (`queries`), each
 * per user, so a shared device never shows one expert another's day.
 */
import type { DehydratedState } from '@tanstack/react-query';
import { DBSchema, IDBPDatabase, openDB } from 'idb';
import type { Problem } from '../api/client';
import type { ExpertCommand } from './commands';

/** A command of the expert, kept until the server has answered it. */
export interface QueuedCommand {
  /** Auto-increment: the order the expert gave them in, which is the order they are sent in. */
  id?: number;
  userId: string;
  /** The Idempotency-Key, fixed when queued: sent twice, the command is applied once. */
  key: string;
  command: ExpertCommand;
  /** What the expert did, in their words ("I have arrived: washer, Tue 3 Mar 09:00"). */
  label: string;
  queuedAt: string;
  attempts: number;
  /** `waiting`: to send; `refused`: the server said no (kept, with its reason, until the expert has read it). */
  state: 'waiting' | 'refused';
  refusal?: Problem;
  /** Why the last attempt did not get an answer (offline, server unavailable…). */
  lastError?: string;
}

export interface SavedQueries {
  userId: string;
  savedAt: number;
  /** The build that saved them: another build's answers may not have the same shape. */
  build: string;
  state: DehydratedState;
}

interface OfflineSchema extends DBSchema {
  outbox: { key: number; value: QueuedCommand; indexes: { 'by-user': string } };
  queries: { key: string; value: SavedQueries };
}

let opening: Promise<IDBPDatabase<OfflineSchema>> | null = null;

export function offlineDb(): Promise<IDBPDatabase<OfflineSchema>> {
  opening ??= openDB<OfflineSchema>('sysops-offline', 1, {
    upgrade(db) {
      const outbox = db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
      outbox.createIndex('by-user', 'userId');
      db.createObjectStore('queries', { keyPath: 'userId' });
    },
  });
  return opening;
}
