/**
 * Removes compiled files whose source is gone (run after `tsc -b` by `npm run build`).
 *
 * tsc never deletes what it emitted for a source that was moved or removed, and Node resolves
 * `require('./x')` to a stale `x.js` before a newer `x/index.js`: after a source file became a
 * folder, `npm start` kept running the old compiled file.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

/** The compiled files under `outDir` (its web app folder `ui` aside) without a .ts/.tsx source under `rootDir`; removed unless `dryRun`. */
export function pruneStaleBuild(rootDir: string, outDir: string, options: { dryRun?: boolean } = {}): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir !== outDir || entry.name !== 'ui') walk(path);
      } else if (OUTPUT.test(entry.name)) {
        const source = join(rootDir, relative(outDir, path).replace(OUTPUT, ''));
        if (!existsSync(`${source}.ts`) && !existsSync(`${source}.tsx`)) stale.push(path);
      }
    }
  };
  if (existsSync(outDir)) walk(outDir);
  if (!options.dryRun) for (const path of stale) rmSync(path, { force: true });
  return stale;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..');
  const removed = pruneStaleBuild(root, join(root, 'dist'));
  if (removed.length > 0) console.log(`build: removed ${removed.length} compiled files whose source is gone`);
}
