/**
 * The configuration's documentation cannot drift from the schema: the README's table and
 * `.env.example` must be what `npm run docs:config` generates from the zod schema's descriptions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvSchema, loadConfig } from '../config';
import { configVariables, README_MARKERS, renderConfigTable, renderEnvExample, replaceBetweenMarkers } from '../reference';

const root = join(__dirname, '..', '..');
const FIX = 'run `npm run docs:config` (and describe every variable in config/config.ts)';

describe('configuration reference (README table, .env.example)', () => {
  const variables = configVariables();

  it('describes every variable of the schema', () => {
    expect(variables.map((v) => v.name)).toEqual(Object.keys(EnvSchema.shape));
    for (const v of variables) expect([v.name, v.description.length]).toEqual([v.name, expect.any(Number)]);
    expect(variables.find((v) => v.name === 'SQLITE_SYNCHRONOUS')).toEqual({ name: 'SQLITE_SYNCHRONOUS', description: expect.any(String), default: 'FULL', values: ['FULL', 'NORMAL'] });
    expect(variables.find((v) => v.name === 'SEED_DEMO')).toMatchObject({ default: 'true', values: ['true', 'false'] });
    expect(variables.find((v) => v.name === 'MONGO_URL')).toMatchObject({ default: null, values: null });
  });

  it(`the README's table is the generated one (${FIX})`, () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(README_MARKERS.start);
    expect(replaceBetweenMarkers(readme, README_MARKERS, renderConfigTable(variables))).toBe(readme);
  });

  it(`.env.example is the generated one (${FIX})`, () => {
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toBe(renderEnvExample(variables));
  });

  it('.env.example, loaded as it is, is a valid configuration of the defaults', () => {
    const env = Object.fromEntries(
      renderEnvExample(variables)
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(env)).toEqual(variables.map((v) => v.name));
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });

  it('names each priority of the match timeouts, and the sign-up limit', () => {
    const table = renderConfigTable(variables);
    for (const priority of ['urgent', 'high', 'normal', 'low']) expect(table).toMatch(new RegExp(`\\| \`MATCH_TIMEOUT_${priority.toUpperCase()}_MIN\` \\| \`\\d+\` \\| Tickets of priority \`${priority}\``));
    expect(table).toMatch(/\| `SIGNUP_LIMIT_PER_MINUTE` \| `10` \| Customer sign-ups/);
  });

  it('refuses a README without the markers', () => {
    expect(() => replaceBetweenMarkers('# no table here', README_MARKERS, 'x')).toThrow(/markers not found/);
  });
});
