/**
 * Backs up the embedded stores while the server runs (it takes no lock: the server keeps
 * serving and writing).
 *
 *   npm run backup -- --to /backups/sysops-2026-03-02
 *
 * The folder gets `documents.db` and `events.db` (each file as it was at one moment, the document
 * store first, so every checkpoint in the backup fits the event store in it), the development
 * secrets if DATA_DIR has any, and `backup.json` (the event store's id and head, each file's
 * size and SHA-256), written last. `npm run restore -- --from <folder>` puts it back.
 * EventStoreDB and MongoDB have their own tools (README: "Backups").
 * Exit codes: 0 backed up, 2 bad arguments or nothing backed up.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { backUp, UnusableBackup } from '../app/backups';
import { ConfigError, loadConfig } from '../config/config';
import { FileProgress } from './progress';

const USAGE = `usage: npm run backup -- --to FOLDER   (a new or empty folder; the server may run meanwhile)
exit codes: 0 backed up, 2 bad arguments or nothing backed up`;

const Args = z.object({ to: z.string().min(1, 'name the folder to back up into').optional(), help: z.boolean().default(false) });

async function main(): Promise<number> {
  const parsed = Args.safeParse(parseArgs({ options: { to: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values);
  if (!parsed.success || (!parsed.data.help && !parsed.data.to)) {
    console.error(`error: ${parsed.success ? '--to FOLDER is required' : parsed.error.issues.map((i) => i.message).join('; ')}\n${USAGE}`);
    return 2;
  }
  if (parsed.data.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (config.EVENTSTORE_URL || config.MONGO_URL) {
    console.error('error: npm run backup copies the embedded stores; EventStoreDB and MongoDB are backed up with their own tools (README: "Backups")');
    return 2;
  }
  const started = Date.now();
  const bars = new FileProgress();
  try {
    const manifest = await backUp(config.DATA_DIR, parsed.data.to!, (file, done, total) => bars.update(file, done, total));
    bars.stop();
    const sizes = manifest.files.map((f) => `${f.name} ${f.bytes < 1024 * 1024 ? `${Math.ceil(f.bytes / 1024)} KiB` : `${(f.bytes / 1024 / 1024).toFixed(1)} MiB`}`).join(', ');
    console.log(
      `backed up ${config.DATA_DIR} into ${parsed.data.to} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        `events up to position ${manifest.head}${manifest.headRecordedAt ? ` (recorded ${manifest.headRecordedAt})` : ''}; ${sizes}`,
    );
    return 0;
  } catch (error) {
    bars.stop();
    if (error instanceof UnusableBackup) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? error.message : `error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
