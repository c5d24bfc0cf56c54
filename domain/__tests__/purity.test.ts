import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// domain/ is pure: it may import only other domain files. No node: modules, no packages
// (no I/O, no clock source, no framework), so deciders stay testable and replayable.
const root = resolve(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__tests__' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('domain purity', () => {
  const files = sources(root);

  it('has source files to check', () => expect(files.length).toBeGreaterThan(3));

  it.each(files.map((f) => [relative(root, f), f]))('%s imports only domain code', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
      (m) => m[1] ?? m[2] ?? m[3]!,
    );
    for (const specifier of specifiers) {
      expect(specifier.startsWith('.')).toBe(true);
      expect(resolve(file, '..', specifier).startsWith(root)).toBe(true);
    }
    // No ambient clock or randomness either: time and ids arrive in commands.
    expect(text).not.toMatch(/\bDate\.now\(|new Date\(\)|Math\.random\(|process\.|setTimeout\(/);
  });
});
