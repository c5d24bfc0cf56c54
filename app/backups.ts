/**
 * Backups of the embedded stores: `npm run backup` copies them while the server runs,
 * `npm run restore` puts a copy back with the server stopped. A backup is a folder: the two
 * SQLite files, the development secrets if any, and `backup.json` describing them.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Position } from '../event-store/port';
import { copyOnline, quickCheck } from '../sqlite/online-copy';

/** The files of DATA_DIR a backup holds (the development secrets only when there are some). */
export const STORE_FILES = { documents: 'documents.db', events: 'events.db' } as const;
export type StoreName = keyof typeof STORE_FILES;
const SECRETS = '.secrets.json';
export const MANIFEST = 'backup.json';

export interface BackupManifest {
  format: 1;
  /** When the event store's copy began: it holds every event committed before then. */
  takenAt: string;
  /** The event store's id (the same as the live store's: a backup is a copy of it). */
  storeId: string | null;
  /** The last event in the copy. */
  head: Position;
  headRecordedAt: string | null;
  files: { name: string; bytes: number; sha256: string }[];
}

/** A backup folder that cannot be restored: missing or altered files, a damaged copy. */
export class UnusableBackup extends Error {
  override readonly name = 'UnusableBackup';
}

export interface CopyProgress {
  (file: string, done: number, total: number): void;
}

/**
 * Copies the embedded stores of `dataDir` into the new folder `to`, each file as it was at one
 * moment (see copyOnline), the document store first: every read model and saga checkpoint in
 * the copy is then at or before the copied event store's head, so a restore finds them fitting.
 */
export async function backUp(dataDir: string, to: string, progress?: CopyProgress): Promise<BackupManifest> {
  for (const file of Object.values(STORE_FILES)) {
    if (!existsSync(join(dataDir, file))) throw new UnusableBackup(`${join(dataDir, file)} does not exist: nothing to back up`);
  }
  if (existsSync(to) && readdirSync(to).length > 0) throw new UnusableBackup(`${to} is not empty: back up into a new folder`);
  mkdirSync(to, { recursive: true });
  const copy = <T>(file: string, during: Parameters<typeof copyOnline<T>>[2]['during']) =>
    copyOnline(join(dataDir, file), join(to, file), { during, ...(progress ? { onProgress: (done: number, total: number) => progress(file, done, total) } : {}) });
  await copy(STORE_FILES.documents, () => undefined);
  const takenAt = new Date().toISOString();
  const { seen } = await copy(STORE_FILES.events, (db) => {
    const hasId = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'store'").get() !== undefined;
    const storeId = hasId ? (db.prepare<[], { value: string }>("SELECT value FROM store WHERE key = 'id'").get()?.value ?? null) : null;
    const head = db.prepare<[], { position: number; recorded_at: string }>('SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1').get();
    return { storeId, head: head?.position ?? 0, headRecordedAt: head?.recorded_at ?? null };
  });
  const names: string[] = [...Object.values(STORE_FILES)];
  if (existsSync(join(dataDir, SECRETS))) {
    copyFileSync(join(dataDir, SECRETS), join(to, SECRETS));
    chmodSync(join(to, SECRETS), 0o600);
    names.push(SECRETS);
  }
  const files = [];
  for (const name of names) {
    const path = join(to, name);
    if (name.endsWith('.db')) {
      const check = quickCheck(path);
      if (check !== 'ok') throw new UnusableBackup(`the copy ${path} is damaged (quick_check: ${check}): is ${join(dataDir, name)} itself? (npm start checks it)`);
    }
    syncFile(path);
    files.push({ name, bytes: statSync(path).size, sha256: await sha256(path) });
  }
  const manifest: BackupManifest = { format: 1, takenAt, ...seen, files };
  writeFileSync(join(to, `${MANIFEST}.partial`), `${JSON.stringify(manifest, null, 2)}\n`);
  syncFile(join(to, `${MANIFEST}.partial`));
  renameSync(join(to, `${MANIFEST}.partial`), join(to, MANIFEST)); // a folder without backup.json is not a backup
  syncFile(to);
  return manifest;
}

/** The backup's manifest, once every file it lists is there, unaltered and sound. */
export async function readBackup(from: string): Promise<BackupManifest> {
  const path = join(from, MANIFEST);
  if (!existsSync(path)) throw new UnusableBackup(`${from} holds no ${MANIFEST}: not a backup made by npm run backup (or one that did not finish)`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  if (manifest.format !== 1) throw new UnusableBackup(`${path}: unknown format ${String(manifest.format)}`);
  for (const file of manifest.files) {
    const copy = join(from, file.name);
    if (!existsSync(copy)) throw new UnusableBackup(`${copy} is missing`);
    if ((await sha256(copy)) !== file.sha256) throw new UnusableBackup(`${copy} is not the file that was backed up (its SHA-256 differs)`);
  }
  for (const name of Object.values(STORE_FILES)) {
    if (!manifest.files.some((f) => f.name === name)) throw new UnusableBackup(`${path} lists no ${name}`);
    const check = quickCheck(join(from, name));
    if (check !== 'ok') throw new UnusableBackup(`${join(from, name)} is damaged (quick_check: ${check})`);
  }
  return manifest;
}

/**
 * Puts the backup's copies of `stores` into `dataDir` (the server stopped: the caller holds the
 * data-dir lock). The files they replace, with their WAL side files, are moved into a folder
 * beside them, never deleted; the development secrets go back with the document store (its
 * sessions and survey tokens were made with them). Returns that folder.
 */
export async function putBack(from: string, dataDir: string, stores: readonly StoreName[], progress?: CopyProgress, now = new Date()): Promise<string> {
  const aside = join(dataDir, `before-restore-${now.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(aside, { recursive: true });
  const names = stores.map((store) => STORE_FILES[store] as string);
  if (stores.includes('documents') && existsSync(join(from, SECRETS))) names.push(SECRETS);
  for (const name of names) {
    for (const file of [name, `${name}-wal`, `${name}-shm`]) {
      if (existsSync(join(dataDir, file))) renameSync(join(dataDir, file), join(aside, file));
    }
  }
  for (const name of names) {
    const target = join(dataDir, name);
    await copyWithProgress(join(from, name), target, progress && ((done, total) => progress(name, done, total)));
    if (name === SECRETS) chmodSync(target, 0o600);
    syncFile(target);
  }
  syncFile(dataDir);
  return aside;
}

async function copyWithProgress(source: string, target: string, progress?: (done: number, total: number) => void): Promise<void> {
  const total = statSync(source).size;
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      progress?.(done, total);
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(source), counter, createWriteStream(target, { flags: 'wx' }));
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Makes a file's (or folder's) content durable before anyone is told it is there. */
function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
