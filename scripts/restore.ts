/**
 * Puts a backup made by `npm run backup` back into DATA_DIR, with the server stopped.
 *
 *   npm run restore -- --from /backups/sysops-2026-03-02
 *   npm run restore -- --from /backups/sysops-2026-03-02 --only events      (events.db damaged, documents.db sound)
 *
 * The backup is checked first (every file listed in backup.json there, unaltered, sound). The
 * files it replaces are moved into DATA_DIR/before-restore-<time>/, never deleted. Then every
 * read model's and saga's checkpoint is checked against the restored event store (README: "When
 * the event store lost events"): read models that do not fit are rebuilt from it; sagas that do
 * not fit are reported with the command that decides where they resume.
 * Exit codes: 0 restored and everything fits, 2 bad arguments or nothing restored (the server
 * runs, the backup is unusable), 3 restored, but the sagas need that decision.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { putBack, readBackup, StoreName, UnusableBackup } from '../app/backups';
import { createContainer } from '../app/container';
import { lockDataDir } from '../app/data-lock';
import { checkContinuity, describeContinuity } from '../app/store-continuity';
import { TOKENS } from '../app/tokens';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { allProjections } from '../projections/all';
import { DEFAULT_REBUILD_ATTEMPTS } from '../projections/rebuild';
import { allSagaNames } from '../sagas/all';
import { FileProgress } from './progress';
import { replaceReadModel } from './read-model-rebuild';

const USAGE = `usage: npm run restore -- --from FOLDER [--only events|documents]   (the server stopped)
  --only events     put back events.db only, keeping documents.db (read models ahead of the
                    restored store are rebuilt, sagas ahead of it need a decision)
  --only documents  put back documents.db only (read models and sagas catch up from there)
exit codes: 0 restored and every checkpoint fits, 2 bad arguments or nothing restored,
            3 restored, but the sagas need a decision (printed: npm run replay -- --reset-sagas-to ...)`;

const Args = z.object({
  from: z.string().min(1).optional(),
  only: z.enum(['events', 'documents']).optional(),
  help: z.boolean().default(false),
});

async function main(): Promise<number> {
  const parsed = Args.safeParse(
    parseArgs({ options: { from: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values,
  );
  if (!parsed.success || (!parsed.data.help && !parsed.data.from)) {
    const why = parsed.success ? '--from FOLDER is required' : parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
    console.error(`error: ${why}\n${USAGE}`);
    return 2;
  }
  const args = parsed.data;
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (config.EVENTSTORE_URL || config.MONGO_URL) {
    console.error('error: npm run restore puts back the embedded stores; EventStoreDB and MongoDB are restored with their own tools (README: "Backups")');
    return 2;
  }
  const from = args.from!;
  const stores: StoreName[] = args.only ? [args.only] : ['documents', 'events'];

  let manifest;
  try {
    manifest = await readBackup(from);
  } catch (error) {
    if (!(error instanceof UnusableBackup)) throw error;
    console.error(`error: ${error.message}; nothing restored`);
    return 2;
  }
  try {
    lockDataDir(config.DATA_DIR, 'npm run restore');
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)} Nothing restored.`);
    return 2;
  }
  const bars = new FileProgress();
  const aside = await putBack(from, config.DATA_DIR, stores, (file, done, total) => bars.update(file, done, total));
  bars.stop();
  console.log(
    `restored ${stores.map((s) => `${s}.db`).join(' and ')} from ${from} (backed up ${manifest.takenAt}: events up to position ${manifest.head}); ` +
      `the files they replace are in ${aside}`,
  );

  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const container = createContainer(config, logger);
  const eventStore = container.get<EventStore>(TOKENS.EventStore);
  const documents = container.get<DocumentStore>(TOKENS.DocumentStore);
  try {
    let report = await checkContinuity(eventStore, documents, allProjections, allSagaNames);
    const stale = allProjections.filter((p) => report.readModels.some((r) => r.name === p.name && r.divergence));
    if (stale.length > 0) {
      console.log(`read models ahead of the restored event store, or made from another: ${stale.map((p) => p.name).join(', ')}; rebuilding them`);
      for (const projection of stale) await replaceReadModel(eventStore, documents, projection, DEFAULT_REBUILD_ATTEMPTS);
      report = await checkContinuity(eventStore, documents, allProjections, allSagaNames);
    }
    for (const line of describeContinuity(report)) console.log(line);
    return report.sagas.some((s) => s.divergence) ? 3 : 0;
  } finally {
    await eventStore.close();
    await documents.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? error.message : `error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
