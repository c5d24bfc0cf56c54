/**
 * Writes the API's OpenAPI document (the one GET /openapi.json serves) to a file, or checks that
 * the file is current (`--check`): the web app's typed client is generated from it
 * (`npm run gen:api`), so a route changed without regenerating fails CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '../api/openapi';
import { documentedRoutes } from '../api/app';

/** Relative to the project folder (where npm runs scripts and Jest runs tests). */
export const API_DOCUMENT_FILE = resolve('ui', 'src', 'api', 'openapi.json');

/**
 * The document as committed: a development server's (the development outbox included), stable
 * across servers (no server URL), one trailing newline.
 */
export function apiDocumentText(): string {
  return `${JSON.stringify(openApiDocument(documentedRoutes(true), { version: '1.0.0', serverUrl: '/' }), null, 2)}\n`;
}

if (require.main === module) {
  const file = process.argv[3] ?? API_DOCUMENT_FILE;
  if (process.argv[2] === '--check') {
    const current = readFileSync(file, 'utf8') === apiDocumentText();
    if (!current) console.error(`${file} is stale: run npm run gen:api`);
    process.exit(current ? 0 : 1);
  }
  writeFileSync(file, apiDocumentText());
  console.log(`wrote ${file}`);
}
