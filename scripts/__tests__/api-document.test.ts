/**
 * The web app's typed client is generated from the API's OpenAPI document (`npm run gen:api`);
 * these fail when a route changed and the committed document or types were not regenerated.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_DOCUMENT_FILE, apiDocumentText } from '../api-document';

const SCHEMA_FILE = join('ui', 'src', 'api', 'schema.d.ts');

describe('the API document the web app is built against', () => {
  it('ui/src/api/openapi.json is the document the routes describe (else: npm run gen:api)', () => {
    expect(readFileSync(API_DOCUMENT_FILE, 'utf8')).toBe(apiDocumentText());
  });

  it('ui/src/api/schema.d.ts is what openapi-typescript makes of it (else: npm run gen:api)', () => {
    const cli = join('node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const generated = execFileSync(process.execPath, [cli, API_DOCUMENT_FILE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(generated).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('every operation is named and every answer with a body is described', () => {
    const doc = JSON.parse(apiDocumentText()) as { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: unknown }> }>> };
    const unnamed: string[] = [];
    const undescribed: string[] = [];
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.operationId || ids.has(op.operationId)) unnamed.push(`${method} ${path}`);
        else ids.add(op.operationId);
        const success = Object.entries(op.responses).find(([status]) => /^2\d\d$/.test(status));
        if (success && success[0] !== '204' && !success[1].content) undescribed.push(`${method} ${path}`);
      }
    }
    expect({ unnamed, undescribed }).toEqual({ unnamed: [], undescribed: [] });
  });
});
