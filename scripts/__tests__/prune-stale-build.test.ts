import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneStaleBuild } from '../prune-stale-build';

describe('pruneStaleBuild', () => {
  let root: string;
  const touch = (path: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'prune-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes what was compiled from a source that became a folder, and keeps the rest', () => {
    // store.ts was split into store/index.ts: dist/store.js would shadow dist/store/index.js.
    for (const path of ['store/index.ts', 'app/main.ts', 'ui/App.tsx']) touch(path);
    for (const path of ['dist/store.js', 'dist/store.js.map', 'dist/store.d.ts', 'dist/store/index.js', 'dist/store/index.js.map', 'dist/app/main.js', 'dist/ui/assets/index.js', 'dist/.tsbuildinfo']) touch(path);

    const removed = pruneStaleBuild(root, join(root, 'dist')).map((path) => path.slice(root.length + 1)).sort();

    expect(removed).toEqual(['dist/store.d.ts', 'dist/store.js', 'dist/store.js.map']);
    for (const kept of ['dist/store/index.js', 'dist/app/main.js', 'dist/ui/assets/index.js', 'dist/.tsbuildinfo']) expect(existsSync(join(root, kept))).toBe(true);
  });

  it('only lists them in a dry run', () => {
    touch('dist/gone.js');
    expect(pruneStaleBuild(root, join(root, 'dist'), { dryRun: true })).toHaveLength(1);
    expect(existsSync(join(root, 'dist/gone.js'))).toBe(true);
  });
});
