import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * The source folders are layers: a module may import its own folder and the folders below it,
 * never one above it nor a sibling on its own layer. Arrows that point up hide a dependency the
 * composition root should pass in (e.g. a callback) and make a layer impossible to test alone.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['domain', 'config'], // the pure model; the environment's schema
  ['sqlite'], // store-file handling shared by the embedded stores
  ['event-store', 'document-store'],
  ['commands', 'notifications', 'payments'], // decide and append; the outbox and its channels; the payment gateways
  ['projections'],
  ['read-models', 'statements'], // reads the builds the projections registered; invoices and statements as documents
  ['flows'], // use cases over commands and read models
  ['sagas'],
  ['api'],
  ['seed'],
  ['app'], // the composition root
  ['bench'],
  ['scripts'],
  ['testing'], // test support: may use anything, and nothing but tests may use it
];

/** Imports that point up on purpose, each with its reason. A stale entry fails the test too. */
const EXCEPTIONS: readonly { from: string; to: string; reason: string }[] = [];

const root = resolve(__dirname, '..', '..');
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((folder) => [folder, i] as const)));
/** Folders of the repository that are not server source (the web app has its own build). */
const NOT_LAYERED = new Set(['node_modules', 'ui', 'dist', 'data', 'docs', 'coverage']);

const isTest = (path: string) => path.split(sep).includes('__tests__') || path.endsWith('.test.ts');
const folderOf = (path: string) => relative(root, path).split(sep)[0]!;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function topFolders(): string[] {
  return readdirSync(root).filter((name) => !name.startsWith('.') && !NOT_LAYERED.has(name) && statSync(join(root, name)).isDirectory());
}

/** Relative imports of a file (static, re-exports, dynamic and require), resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(file, '..', s)));
}

interface Arrow {
  from: string;
  to: string;
}

/** Every import between two top-level folders, from non-test source. */
function arrows(): Arrow[] {
  // Tests are left out: each test is a composition root of its own and builds whatever it drives.
  const files = topFolders().flatMap((folder) => sources(join(root, folder))).filter((f) => !isTest(f));
  return files.flatMap((file) =>
    importsOf(file)
      .filter((target) => target.split(sep)[0] !== folderOf(file))
      .map((target) => ({ from: relative(root, file).split(sep).join('/'), to: `${target.split(sep).join('/')}.ts` })),
  );
}

const excepted = (a: Arrow) => EXCEPTIONS.some((e) => e.from === a.from && e.to === a.to);
const layerOf = (path: string) => rank.get(path.split('/')[0]!);

describe('import layers', () => {
  const all = arrows();

  it('places every source folder on a layer', () => {
    expect(topFolders().filter((folder) => sources(join(root, folder)).length > 0 && !rank.has(folder))).toEqual([]);
  });

  it('finds imports between folders to check', () => expect(all.length).toBeGreaterThan(100));

  it('has no import that points to a layer above or beside its own', () => {
    const upward = all.filter((a) => !excepted(a) && !(layerOf(a.to)! < layerOf(a.from)!));
    expect(upward.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  it('keeps test support and tests out of the shipped code', () => {
    const intoTests = all.filter((a) => a.to.startsWith('testing/') || a.to.includes('/__tests__/'));
    expect(intoTests.map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  it('lists no exception that is not needed any more', () => {
    const unused = EXCEPTIONS.filter((e) => !all.some((a) => a.from === e.from && a.to === e.to));
    expect(unused).toEqual([]);
  });
});
