import { spawn } from 'node:child_process';
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

describe('sqlite event store: the writer thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-es-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given appends not yet committed, when the store closes, then they are committed and answered, and the process exits by itself', async () => {
    const path = join(dir, 'closing.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/append-then-close.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      // An idle writer thread must not keep a process alive: the child would hang here.
      const timer = setTimeout(() => reject(new Error(`the child did not exit; it printed: ${out}`)), 20_000);
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ answered: 20, stored: 20 });
  });

  it('given appends to one stream from many callers at once, then they are committed in batches and each caller is told its own revision and position', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'batches.db') });
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendToStream('busy', [newEvent('Made', { i }), newEvent('Made', { i })])));
      const events = await store.readStream('busy');
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      for (const [i, result] of results.entries()) {
        const last = events.find((e) => e.position === result.position)!;
        expect(last.revision).toBe(result.nextExpectedRevision);
        expect(last.data).toEqual({ i });
        // The event before it is the same append's first.
        expect(events[result.nextExpectedRevision - 1]).toMatchObject({ position: result.position - 1, data: { i } });
      }
      // The subscription's view of the batch (what RecentEvents holds) is the file's.
      expect(await store.readAll()).toEqual(events);
    } finally {
      await store.close();
    }
  });
});
