/**
 * `npm run docs:config`: rewrites the README's configuration table (between its markers) and
 * `.env.example` from the zod schema in config/config.ts. `-- --check` changes nothing and exits 1
 * when either is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configVariables, README_MARKERS, renderConfigTable, renderEnvExample, replaceBetweenMarkers } from '../config/reference';

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const variables = configVariables();
const files = [
  { path: join(root, 'README.md'), render: (text: string) => replaceBetweenMarkers(text, README_MARKERS, renderConfigTable(variables)) },
  { path: join(root, '.env.example'), render: () => renderEnvExample(variables) },
];

let stale = 0;
for (const file of files) {
  const text = readFileSync(file.path, 'utf8');
  const generated = file.render(text);
  if (generated === text) continue;
  stale++;
  if (check) console.error(`${file.path} is out of date: run npm run docs:config`);
  else {
    writeFileSync(file.path, generated);
    console.log(`rewrote ${file.path}`);
  }
}
if (!check && stale === 0) console.log(`README.md and .env.example already match the schema (${variables.length} variables)`);
process.exit(check && stale > 0 ? 1 : 0);
