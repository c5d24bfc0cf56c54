/**
 * Rebuilds read models from the event store.
 *
 *   npm run replay -- --all                          rebuild every read model, then switch readers to it
 *   npm run replay -- --projection audit-trail       one read model
 *   npm run replay -- --all --until 2026-03-01T00:00:00Z
 *                                                    build them as they were then (kept aside for audits)
 *   npm run replay -- --all --verify                 rebuild up to the live checkpoint and diff with the live read model
 *   npm run replay -- --check                        does every read model and saga checkpoint fit the event store?
 *   npm run replay -- --reset-sagas-to 146           the sagas resume after position 146 (after the store lost events)
 *
 * Interrupted runs resume where they stopped when the same command is run again. Works against
 * the embedded stores and against EventStoreDB + MongoDB (EVENTSTORE_URL / MONGO_URL) alike.
 *
 * An event a read model's handler keeps failing on is retried a few times (--max-attempts),
 * then that read model's rebuild stops (readers keep the read model they had), the event is
 * reported, and the command exits 2 once the other read models are done.
 *
 * When the event store lost events (a write-ahead log cut by a crash, an older backup put back),
 * read models and sagas whose checkpoints no longer fit it are stopped (README: "When the event
 * store lost events"): `--all` rebuilds the read models from the store as it is; sagas resume
 * where the operator decides, with `--reset-sagas-to <position|head>` (`--saga NAME` for one).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createContainer } from '../app/container';
import { lockDataDir } from '../app/data-lock';
import { checkContinuity, describeContinuity } from '../app/store-continuity';
import { TOKENS } from '../app/tokens';
import { loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { positionAt } from '../event-store/position-at';
import { EventStore, Position } from '../event-store/port';
import { allProjections } from '../projections/all';
import { Projection } from '../projections/projection';
import { compareTargets, DEFAULT_REBUILD_ATTEMPTS, rebuild } from '../projections/rebuild';
import { ProjectionRegistry } from '../projections/registry';
import { ProjectionFailed } from '../projections/runner';
import { StoreContinuity } from '../event-store/continuity';
import { allSagaNames } from '../sagas/all';
import { NoSuchPosition, resetSagas } from '../sagas/reset';
import { withProgress } from './progress';
import { collectionNames, replaceReadModel } from './read-model-rebuild';

const SAGAS = allSagaNames;

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
    check: z.boolean().default(false),
    'reset-sagas-to': z
      .string()
      .regex(/^(\d+|head)$/, 'must be an event position (a whole number) or head')
      .transform((v) => (v === 'head' ? ('head' as const) : Number(v)))
      .optional(),
    saga: z.array(z.enum(SAGAS as [string, ...string[]])).default([]),
    help: z.boolean().default(false),
  })
  .refine((a) => a.help || a.all || a.projection.length > 0 || a.check || a['reset-sagas-to'] !== undefined, {
    message: 'name a read model with --projection NAME, or use --all (or --check, or --reset-sagas-to POSITION)',
  })
  .refine((a) => a.saga.length === 0 || a['reset-sagas-to'] !== undefined, { message: '--saga names the sagas --reset-sagas-to moves' })
  .refine((a) => !(a.check && (a.all || a.projection.length > 0 || a['reset-sagas-to'] !== undefined)), { message: '--check only reports: run it alone' })
  .refine((a) => !(a.verify && a.until), { message: '--verify compares with the live read model; it cannot be combined with --until' });

const USAGE = `usage: npm run replay -- (--projection NAME ... | --all) [--until POSITION|ISO-DATE] [--verify] [--max-attempts N]
       npm run replay -- --check
       npm run replay -- --reset-sagas-to POSITION|head [--saga NAME ...]   (with --all to rebuild the read models too)
  --max-attempts N  attempts at an event a read model's handler fails on before its rebuild
                    gives up (default ${DEFAULT_REBUILD_ATTEMPTS}); the other read models are still rebuilt
  --check           whether every read model's and saga's checkpoint fits the event store (the
                    same store, not past its head, the same event at its position), and what to do
  --reset-sagas-to  where the sagas resume once the event store lost events: they handle every event
                    after POSITION again (idempotent commands; a message may go out twice); head: none
exit codes: 0 done (and --verify found no difference, --check found every checkpoint fitting),
            1 --verify found differences, or --check found checkpoints that do not fit,
            2 bad arguments, or a rebuild failed (a handler kept failing on an event, a store error)
read models: ${allProjections.map((p) => p.name).join(', ')}
sagas: ${SAGAS.join(', ')}`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      projection: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      until: { type: 'string' },
      verify: { type: 'boolean' },
      'max-attempts': { type: 'string' },
      check: { type: 'boolean' },
      'reset-sagas-to': { type: 'string' },
      saga: { type: 'string', multiple: true },
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
    if (args.check) {
      const report = await checkContinuity(eventStore, documents, allProjections, SAGAS);
      for (const line of describeContinuity(report)) console.log(line);
      return [...report.readModels, ...report.sagas].every((c) => !c.divergence) ? 0 : 1;
    }
    const resetTo = args['reset-sagas-to'];
    if (resetTo !== undefined) {
      try {
        for (const reset of await resetSagas(eventStore, documents, args.saga.length > 0 ? args.saga : SAGAS, resetTo)) {
          console.log(
            `saga ${reset.name}: checkpoint moved ${reset.from === undefined ? 'to' : `from ${reset.from} to`} position ${reset.to}: ` +
              `it handles the events after ${reset.to} when the server starts`,
          );
        }
      } catch (error) {
        if (!(error instanceof NoSuchPosition)) throw error;
        console.error(`error: --reset-sagas-to: ${error.message}`);
        return 2;
      }
    }
    const until = args.until === undefined ? undefined : /^\d+$/.test(args.until) ? Number(args.until) : await positionAt(eventStore, new Date(args.until));
    if (args.until !== undefined) console.log(`--until ${args.until} → position ${until}`);
    const maxAttempts = args['max-attempts'];
    let differences = 0;
    const failed: string[] = [];
    for (const projection of selected) {
      try {
        if (args.verify) differences += await verify(eventStore, documents, projection, maxAttempts);
        else if (until !== undefined) await audit(eventStore, documents, projection, until, maxAttempts);
        else await replaceReadModel(eventStore, documents, projection, maxAttempts);
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

async function audit(eventStore: EventStore, documents: DocumentStore, projection: Projection, until: Position, maxAttempts: number): Promise<void> {
  const result = await withProgress(projection.name, until, 'events', (onProgress) =>
    rebuild(eventStore, documents, projection, 'audit', { until, onProgress, maxAttempts }),
  );
  console.log(`${projection.name}: as of position ${result.position} in ${collectionNames(projection, result.target.suffix)} (live read model untouched)`);
}

async function verify(eventStore: EventStore, documents: DocumentStore, projection: Projection, maxAttempts: number): Promise<number> {
  const registry = new ProjectionRegistry(documents);
  const active = await registry.active(projection.name);
  if (!active) {
    console.log(`${projection.name}: no live read model to verify yet`);
    return 0;
  }
  const live = { name: projection.name, version: active.version, suffix: active.suffix };
  const stored = await registry.checkpoint(live);
  const divergence = stored && (await new StoreContinuity(eventStore).check(stored));
  if (divergence) {
    console.log(`${projection.name}: the live read model does not fit the event store (${divergence.detail}): rebuild it with --all (without --verify)`);
    return 1;
  }
  const checkpoint = stored?.position ?? 0;
  const result = await withProgress(projection.name, checkpoint, 'events', (onProgress) =>
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${describe(error)}`);
    process.exit(2);
  },
);
