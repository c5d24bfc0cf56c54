/**
 * Rebuilds read models from the event store.
 *
 *   npm run replay -- --all                          rebuild every read model, then switch readers to it
 *   npm run replay -- --projection audit-trail       one read model
 *   npm run replay -- --all --until 2026-03-01T00:00:00Z
 *                                                    build them as they were then (kept aside for audits)
 *   npm run replay -- --all --verify                 rebuild up to the live checkpoint and diff with the live read model
 *
 * Interrupted runs resume where they stopped when the same command is run again. Works against
 * the embedded stores and against EventStoreDB + MongoDB (EVENTSTORE_URL / MONGO_URL) alike.
 *
 * An event a read model's handler keeps failing on is retried a few times (--max-attempts),
 * then that read model's rebuild stops (readers keep the read model they had), the event is
 * reported, and the command exits 2 once the other read models are done.
 */
import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createContainer } from '../app/container';
import { lockDataDir } from '../app/data-lock';
import { TOKENS } from '../app/tokens';
import { loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { positionAt } from '../event-store/position-at';
import { EventStore, Position } from '../event-store/port';
import { allProjections } from '../projections/catalog';
import { Projection } from '../projections/projection';
import { compareTargets, DEFAULT_REBUILD_ATTEMPTS, rebuild, switchTo } from '../projections/rebuild';
import { physicalName, ProjectionRegistry } from '../projections/registry';
import { ProjectionFailed } from '../projections/runner';

const Args = z
  .object({
    projection: z.array(z.string().min(1)).default([]),
    all: z.boolean().default(false),
    until: z
      .string()
      .refine((v) => /^\d+$/.test(v) || !Number.isNaN(Date.parse(v)), 'must be an event position (a whole number) or an ISO date')
      .optional(),
    verify: z.boolean().default(false),
    'max-attempts': z
      .string()
      .regex(/^[1-9]\d*$/, 'must be a whole number of at least 1')
      .transform(Number)
      .default(DEFAULT_REBUILD_ATTEMPTS),
    help: z.boolean().default(false),
  })
  .refine((a) => a.help || a.all || a.projection.length > 0, { message: 'name a read model with --projection NAME, or use --all' })
  .refine((a) => !(a.verify && a.until), { message: '--verify compares with the live read model; it cannot be combined with --until' });

const USAGE = `usage: npm run replay -- (--projection NAME ... | --all) [--until POSITION|ISO-DATE] [--verify] [--max-attempts N]
  --max-attempts N  attempts at an event a read model's handler fails on before its rebuild
                    gives up (default ${DEFAULT_REBUILD_ATTEMPTS}); the other read models are still rebuilt
exit codes: 0 done (and --verify found no difference), 1 --verify found differences,
            2 bad arguments, or a rebuild failed (a handler kept failing on an event, a store error)
read models: ${allProjections.map((p) => p.name).join(', ')}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      projection: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      until: { type: 'string' },
      verify: { type: 'boolean' },
      'max-attempts': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((i) => `error: ${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('\n')}\n${USAGE}`);
    return 2;
  }
  const args = parsed.data;
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.projection.filter((name) => !allProjections.some((p) => p.name === name));
  if (unknown.length > 0) {
    console.error(`error: unknown read model ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = args.all ? allProjections : allProjections.filter((p) => args.projection.includes(p.name));

  const config = loadConfig();
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  if (!config.MONGO_URL) lockDataDir(config.DATA_DIR, 'npm run replay');
  const container = createContainer(config, logger);
  const eventStore = container.get<EventStore>(TOKENS.EventStore);
  const documents = container.get<DocumentStore>(TOKENS.DocumentStore);

  try {
    const until = args.until === undefined ? undefined : /^\d+$/.test(args.until) ? Number(args.until) : await positionAt(eventStore, new Date(args.until));
    if (args.until !== undefined) console.log(`--until ${args.until} → position ${until}`);
    const maxAttempts = args['max-attempts'];
    let differences = 0;
    const failed: string[] = [];
    for (const projection of selected) {
      try {
        if (args.verify) differences += await verify(eventStore, documents, projection, maxAttempts);
        else if (until !== undefined) await audit(eventStore, documents, projection, until, maxAttempts);
        else await replace(eventStore, documents, projection, maxAttempts);
      } catch (error) {
        if (!(error instanceof ProjectionFailed)) throw error;
        failed.push(projection.name);
        console.error(
          `error: ${error.projection}: the handler failed ${error.attempts} time(s) on the event at position ${error.event.position} ` +
            `(type ${error.event.type}, stream ${error.event.stream}, id ${error.event.id}): ${describe(error.cause)}\n` +
            `  ${error.projection}: the rebuild stopped before that event (running the command again resumes it); readers keep the read model they had`,
        );
      }
    }
    if (failed.length > 0) {
      console.error(`error: not rebuilt: ${failed.join(', ')}`);
      return 2;
    }
    return differences > 0 ? 1 : 0;
  } finally {
    await eventStore.close();
    await documents.close();
  }
}

async function replace(eventStore: EventStore, documents: DocumentStore, projection: Projection, maxAttempts: number): Promise<void> {
  const head = await eventStore.headPosition();
  const result = await withProgress(projection.name, head, (onProgress) =>
    rebuild(eventStore, documents, projection, 'rebuild', { onProgress, maxAttempts }),
  );
  const old = await switchTo(documents, projection, result.target, new Date());
  console.log(
    `${projection.name}: rebuilt to position ${result.position}${result.resumedFrom ? ` (resumed from ${result.resumedFrom})` : ''}; ` +
      `readers now use ${names(projection, result.target.suffix)}${old ? `; dropped ${old.suffix}` : ''}`,
  );
}

async function audit(eventStore: EventStore, documents: DocumentStore, projection: Projection, until: Position, maxAttempts: number): Promise<void> {
  const result = await withProgress(projection.name, until, (onProgress) =>
    rebuild(eventStore, documents, projection, 'audit', { until, onProgress, maxAttempts }),
  );
  console.log(`${projection.name}: as of position ${result.position} in ${names(projection, result.target.suffix)} (live read model untouched)`);
}

async function verify(eventStore: EventStore, documents: DocumentStore, projection: Projection, maxAttempts: number): Promise<number> {
  const registry = new ProjectionRegistry(documents);
  const active = await registry.active(projection.name);
  if (!active) {
    console.log(`${projection.name}: no live read model to verify yet`);
    return 0;
  }
  const live = { name: projection.name, version: active.version, suffix: active.suffix };
  const checkpoint = (await registry.checkpoint(live))?.position ?? 0;
  const result = await withProgress(projection.name, checkpoint, (onProgress) =>
    rebuild(eventStore, documents, projection, 'verify', { until: checkpoint, onProgress, maxAttempts }),
  );
  const differences = await compareTargets(documents, projection, live, result.target);
  await registry.drop(result.target, Object.keys(projection.collections));
  if (differences.length === 0) {
    console.log(`${projection.name}: verified at position ${checkpoint}: the live read model equals a rebuild from history`);
    return 0;
  }
  console.log(`${projection.name}: ${differences.length} difference(s) at position ${checkpoint}:`);
  for (const d of differences.slice(0, 50)) console.log(`  ${d.collection} ${d.id}: ${d.kind}${d.fields ? ` (${d.fields.join(', ')})` : ''}`);
  if (differences.length > 50) console.log(`  … and ${differences.length - 50} more`);
  return differences.length;
}

/** Runs a rebuild with a progress bar: positions done / total, events/s, ETA. */
async function withProgress<R>(label: string, goal: Position, work: (onProgress: (p: Position) => void) => Promise<R>): Promise<R> {
  const bar = new SingleBar({
    format: `${label.padEnd(14)} {bar} {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
  });
  const started = Date.now();
  let base: Position | undefined;
  bar.start(Math.max(goal, 1), 0, { rate: 0 });
  try {
    const result = await work((position) => {
      base ??= position;
      const seconds = (Date.now() - started) / 1000;
      bar.update(Math.min(position, goal), { rate: seconds > 0 ? Math.round((position - base) / seconds) : 0 });
    });
    bar.update(Math.max(goal, 1));
    return result;
  } finally {
    bar.stop();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function names(projection: Projection, suffix: string): string {
  return Object.keys(projection.collections).map((logical) => physicalName(logical, suffix)).join(', ');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${describe(error)}`);
    process.exit(2);
  },
);
