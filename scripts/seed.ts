/**
 * `npm run seed [-- --customers 500 --experts 50 --tickets 2000 --seed 20260302]`
 * Writes the demo data through the commands into the configured stores (DATA_DIR, or Mongo /
 * EventStoreDB when configured). Idempotent: a second run writes nothing new; a run after an
 * interrupted one finishes it.
 * Stop the app first when it runs on the embedded stores (they are locked to one process).
 */
import { SingleBar, Presets } from 'cli-progress';
import { createContainer, seedSystemDependencies } from '../app/container';
import { lockDataDir } from '../app/data-lock';
import { TOKENS } from '../app/tokens';
import { loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { ProjectionEngine } from '../projections/engine';
import { DEFAULT_SIZE, seedDemo } from '../seed/demo';
import { SeedProgress } from '../seed/marker';
import { startSeedSystem } from '../seed/system';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = inline ? inline.split('=')[1] : i >= 0 ? process.argv[i + 1] : undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const logger = createLogger(config);
  if (!config.MONGO_URL) lockDataDir(config.DATA_DIR, 'npm run seed');
  const container = createContainer(config, logger);
  const engine = container.get<ProjectionEngine>(TOKENS.ProjectionEngine);
  await engine.start();
  const progress = new SeedProgress(container.get<DocumentStore>(TOKENS.DocumentStore));
  const resume = await progress.interrupted();
  if (resume) console.log('An earlier seed was interrupted: finishing it.');
  await progress.running();
  const sys = await startSeedSystem(seedSystemDependencies(container, engine));
  const bar = new SingleBar({ format: '{phase} |{bar}| {value}/{total}', hideCursor: true }, Presets.shades_classic);
  let phase = '';
  const started = Date.now();
  const summary = await seedDemo(sys, {
    customers: arg('customers', DEFAULT_SIZE.customers),
    experts: arg('experts', DEFAULT_SIZE.experts),
    tickets: arg('tickets', DEFAULT_SIZE.tickets),
    seed: arg('seed', 20260302),
    resume,
    onProgress(p, done, total) {
      if (p !== phase) {
        if (phase) bar.stop();
        phase = p;
        bar.start(Math.max(total, 1), done, { phase: p.padEnd(22) });
      } else bar.update(done);
    },
  });
  bar.stop();
  await sys.stop();
  await progress.done();
  await engine.stop();
  await container.get<EventStore>(TOKENS.EventStore).close();
  await container.get<DocumentStore>(TOKENS.DocumentStore).close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nSeeded in ${seconds}s: ${summary.size.customers} customers, ${summary.size.experts} experts, ${summary.catalogModels} appliance models, ${summary.articles} knowledge-base articles.`);
  console.log(`Tickets written: ${JSON.stringify(summary.tickets)}; already there: ${summary.skippedTickets}; refused commands: ${summary.failures}`);
  for (const f of summary.failureSamples) console.log(`  refused: ${f}`);
  console.log(`\nOpen ${config.PUBLIC_URL ?? `http://localhost:${config.PORT}`} (npm start) and log in with:`);
  for (const [role, login] of Object.entries(summary.logins)) console.log(`  ${role.padEnd(9)} ${login.email}  /  ${login.password}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
