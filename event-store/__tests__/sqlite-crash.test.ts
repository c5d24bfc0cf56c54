import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../sqlite';

describe('sqlite event store: killed with SIGKILL while appending', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged append and shows nothing half-written after reopening', async () => {
    const path = join(dir, 'events.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/append-until-killed.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<string>();
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) acked.add(line.slice(4));
        if (acked.size >= 2000 && !child.killed) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');

    const store = new SqliteEventStore({ path });
    try {
      const all = await store.readAll();
      const parts = new Map<string, number[]>();
      for (const e of all) {
        const { batch, part } = e.data as { batch: string; part: number };
        parts.set(batch, [...(parts.get(batch) ?? []), part]);
      }
      for (const id of acked) expect(parts.get(id)).toEqual([0, 1, 2]);
      for (const [, p] of parts) expect(p).toEqual([0, 1, 2]); // all or nothing, in order
      for (let w = 0; w < 5; w++) {
        const stream = await store.readStream(`crash-${w}`);
        expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
      }
      for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      expect(all.length).toBeGreaterThanOrEqual(acked.size * 3);
    } finally {
      await store.close();
    }
  });
});
