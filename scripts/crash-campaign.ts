/**
 * The kill drill (scripts/crash-drill.ts) for many cycles: the server, run from dist/ on a fresh
 * temporary data folder, is killed (SIGKILL) at a seeded random moment while concurrent clients
 * sign customers up and open tickets, started again, and the clients retry every unanswered
 * request with the same Idempotency-Key; then every acknowledged request is looked for.
 *
 *   npm run crash-campaign -- --cycles 10
 *
 * Options: --cycles N (default 10), --clients N (8), --seed N (1: the same seed kills at the
 * same moments), --keep (leave the data folder and say where). Prints per cycle and in total:
 * requests acknowledged, retried, lost, duplicated (and refused, none expected); exits 1 when
 * anything was lost, duplicated or refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar } from 'cli-progress';
import { crashCycle, CycleFigures, DrillServer, seededRandom, totals } from './crash-drill';
import { serverEntry } from '../bench/http/server-process';

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number of at least 1, not ${raw}`);
    process.exit(2);
  }
  return n;
}

function line(label: string, f: { acknowledged: number; retried: number; lost: number; duplicated: number; refused: number }): string {
  return `${label.padEnd(10)} acknowledged ${String(f.acknowledged).padStart(5)}  retried ${String(f.retried).padStart(4)}  lost ${f.lost}  duplicated ${f.duplicated}  refused ${f.refused}`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { cycles: { type: 'string' }, clients: { type: 'string' }, seed: { type: 'string' }, keep: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const cycles = positive('cycles', values.cycles, 10);
  const clients = positive('clients', values.clients, 8);
  const seed = positive('seed', values.seed, 1);

  const dir = mkdtempSync(join(tmpdir(), 'sysops-crash-campaign-'));
  const server = await DrillServer.create(serverEntry(), join(dir, 'data'));
  const random = seededRandom(seed);
  const done: CycleFigures[] = [];
  const bars = new MultiBar({
    format: 'crash cycles   {bar} {value}/{total} | acknowledged {acknowledged} | lost {lost} | duplicated {duplicated} | ETA {eta_formatted}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
  const bar = bars.create(cycles, 0, { acknowledged: 0, lost: 0, duplicated: 0 });
  // Above the bar on a terminal; straight to stdout otherwise (the bar's buffered log would drop the last lines).
  const say = (text: string) => (process.stderr.isTTY ? bars.log(`${text}\n`) : process.stdout.write(`${text}\n`));
  try {
    await server.start();
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const figures = await crashCycle(server, { cycle, run: `campaign-${seed}`, random, clients });
      done.push(figures);
      say(`${line(`cycle ${cycle}`, { ...figures, refused: figures.refused.length })}  (${figures.signUps} sign-ups, ${figures.tickets} tickets; killed at ${figures.killedAtMs} ms)`);
      for (const problem of figures.problems) say(`  ${problem}`);
      const t = totals(done);
      bar.update(cycle, { acknowledged: t.acknowledged, lost: t.lost, duplicated: t.duplicated });
    }
  } finally {
    bars.stop();
    await server.stop();
    if (values.keep) console.log(`data folder kept: ${join(dir, 'data')}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  const t = totals(done);
  console.log(`${line('total', t)}  over ${t.cycles} cycles (seed ${seed}, ${clients} clients)`);
  if (t.lost + t.duplicated + t.refused > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
