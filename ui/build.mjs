// Builds the web app into dist/ui with Vite, unless nothing it is built from changed since the
// last build (a fingerprint of its sources, the lock file and the Vite config is kept beside it).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ui = fileURLToPath(new URL('.', import.meta.url));
const root = join(ui, '..');
const out = join(root, 'dist', 'ui');
const stamp = join(out, '.fingerprint');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'e2e' ? [] : files(path);
    return [path];
  });
}

const hash = createHash('sha256');
for (const file of [...files(ui), join(root, 'package-lock.json')].sort()) {
  hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
}
const fingerprint = hash.digest('hex');
if (existsSync(stamp) && existsSync(join(out, 'index.html')) && readFileSync(stamp, 'utf8') === fingerprint) {
  console.log('web app: up to date (dist/ui)');
} else {
  const started = Date.now();
  await build({ configFile: join(ui, 'vite.config.mts'), logLevel: 'warn' });
  writeFileSync(stamp, fingerprint);
  console.log(`web app: built into dist/ui in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
