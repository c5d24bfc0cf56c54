import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreConformance } from '../conformance';
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
