import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreConformance, newEvent } from '../conformance';
import { SqliteEventStore } from '../sqlite';

describeEventStoreConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-'));
  const path = join(dir, 'events.db');
  return {
    open: async () => new SqliteEventStore({ path }),
    reopen: async (previous) => {
      await previous.close();
      return new SqliteEventStore({ path });
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite event store file', () => {
  it('a file made with the event-id index loses it on open, and re-appends are still recognised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysops-es-'));
    const path = join(dir, 'events.db');
    try {
      let store = new SqliteEventStore({ path });
      const batch = [newEvent('A', { n: 1 }, randomUUID())];
      const first = await store.appendToStream('s-1', batch);
      await store.close();
      const indexes = () => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all().map((r) => r.name);
        } finally {
          db.close();
        }
      };
      const old = new Database(path);
      old.exec('CREATE INDEX events_event_id ON events (event_id)');
      old.close();
      expect(indexes()).toContain('events_event_id');
      store = new SqliteEventStore({ path });
      expect(indexes()).not.toContain('events_event_id');
      expect(await store.appendToStream('s-1', batch, { expectedRevision: 'any' })).toEqual(first);
      expect(await store.readStream('s-1')).toHaveLength(1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
