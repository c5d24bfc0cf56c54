/**
 * The real server killed (SIGKILL) while 8 clients sign customers up and open tickets, started
 * again on the same data folder, the clients retrying every unanswered request with the same
 * Idempotency-Key: nothing acknowledged is lost, nothing is written twice. Three cycles with
 * seeded kill moments (scripts/crash-drill.ts; `npm run crash-campaign` runs many more).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashCycle, CycleFigures, DrillServer, seededRandom } from '../../scripts/crash-drill';

const root = join(__dirname, '..', '..');

describe('the server killed under concurrent sign-ups and tickets, restarted, clients retrying', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-kill-'));
  let server: DrillServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged sign-up or ticket and duplicates none, over 3 kill cycles', async () => {
    // Run through tsx like the start-up test: no build needed.
    server = await DrillServer.create({ entry: join(root, 'app', 'main.ts'), execArgv: ['--import', 'tsx'] }, join(dir, 'data'));
    await server.start();
    const random = seededRandom(19);
    const cycles: CycleFigures[] = [];
    for (let cycle = 1; cycle <= 3; cycle++) cycles.push(await crashCycle(server, { cycle, run: 'kill-test', random, clients: 8 }));
    for (const c of cycles) {
      expect({ cycle: c.cycle, problems: c.problems }).toEqual({ cycle: c.cycle, problems: [] });
      expect([c.lost, c.duplicated, c.refused]).toEqual([0, 0, []]);
      // The kill hit work: something was acknowledged in each cycle.
      expect(c.signUps).toBeGreaterThan(0);
    }
    // Over the cycles, some requests went unanswered and were retried (the kill landed mid-request).
    expect(cycles.reduce((n, c) => n + c.retried, 0)).toBeGreaterThan(0);
  }, 120_000);
});
