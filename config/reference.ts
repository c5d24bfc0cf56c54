/**
 * The configuration's documentation, generated from the zod schema that validates it: the
 * README's table (between markers) and `.env.example`. `npm run docs:config` rewrites both; a
 * test fails when either differs from what this generates.
 */
import { z } from 'zod';
import { EnvSchema } from './config';

export interface ConfigVariable {
  name: string;
  description: string;
  /** The default as written in the environment; null when unset means "not used". */
  default: string | null;
  /** The values an enumerated variable takes. */
  values: readonly string[] | null;
}

export const README_MARKERS = { start: '<!-- config-table:start (npm run docs:config) -->', end: '<!-- config-table:end -->' } as const;

interface PropertySchema {
  description?: string;
  default?: unknown;
  enum?: unknown[];
}

/** Every variable of the schema, in its order; throws if one has no `.describe()` text. */
export function configVariables(): ConfigVariable[] {
  const json = z.toJSONSchema(EnvSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, PropertySchema> };
  return Object.entries(json.properties).map(([name, schema]) => {
    if (!schema.description) throw new Error(`config/config.ts: ${name} has no .describe() text`);
    return {
      name,
      description: schema.description,
      default: schema.default === undefined ? null : String(schema.default),
      values: schema.enum ? schema.enum.map(String) : null,
    };
  });
}

/** The README's table: variable, default, meaning (with the allowed values of an enumeration). */
export function renderConfigTable(variables: readonly ConfigVariable[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = variables.map((v) => {
    const values = v.values ? ` One of ${v.values.map((value) => `\`${value}\``).join(', ')}.` : '';
    return `| \`${v.name}\` | ${v.default === null ? '–' : `\`${cell(v.default)}\``} | ${cell(withFullStop(v.description))}${cell(values)} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

const ENV_EXAMPLE_HEADER = `# Generated from config/config.ts by \`npm run docs:config\`: edit the schema's .describe() texts, not this file.
# Copy to .env (never commit it) or export these in the environment. Every value is optional:
# with none set, \`npm start\` runs everything in one process on the embedded SQLite stores.
# An empty value means unset (the default).`;

/** `.env.example`: each variable with its description (and allowed values) as a comment, set to its default. */
export function renderEnvExample(variables: readonly ConfigVariable[]): string {
  const blocks = variables.map((v) => {
    const values = v.values ? `\n# ${v.values.join(' | ')}` : '';
    return `# ${withFullStop(v.description).replace(/`/g, '')}${values}\n${v.name}=${v.default ?? ''}`;
  });
  return `${ENV_EXAMPLE_HEADER}\n\n${blocks.join('\n\n')}\n`;
}

/** `text` with what lies between the two marker lines replaced by `content`. */
export function replaceBetweenMarkers(text: string, markers: { start: string; end: string }, content: string): string {
  const start = text.indexOf(markers.start);
  const end = text.indexOf(markers.end);
  if (start < 0 || end < start) throw new Error(`markers not found: ${markers.start} … ${markers.end}`);
  return `${text.slice(0, start + markers.start.length)}\n${content}\n${text.slice(end)}`;
}

function withFullStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
