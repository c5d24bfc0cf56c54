import { z, ZodType } from 'zod';
import { RouteDefinition } from './http/route';

/** OpenAPI 3.1, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: readonly RouteDefinition[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters = [
      ...objectParams(r.params, 'path'),
      ...objectParams(r.query, 'query'),
      ...(r.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' }, description: 'Retrying with the same key returns the first answer and writes nothing new.' }] : []),
    ];
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      'x-roles': r.roles,
      ...(r.roles === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } } : {}),
      ...(r.operationId ? { operationId: r.operationId } : {}),
      responses: responsesOf(r),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sysops Squad API', version: info.version, description: 'Trouble tickets and field-expert dispatch. Log in with POST /auth/login, then send Authorization: Bearer <accessToken>.' },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string', description: "A domain rule's refusal, e.g. card-expired or product-already-covered" },
            errors: {
              type: 'array',
              description: 'What is wrong with which field of the request (400 Invalid request)',
              items: { type: 'object', properties: { field: { type: 'string', description: "The field's path, dot-separated" }, message: { type: 'string' } }, required: ['field', 'message'] },
            },
          },
          required: ['type', 'title', 'status'],
        },
      },
    },
  };
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function successContent(r: RouteDefinition): Record<string, unknown> {
  // Text is a string; anything else (a PDF) is bytes.
  if (r.successType) return { content: { [r.successType]: { schema: r.successType.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' } } } };
  if (r.response) return { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } };
  return {};
}

/** The success answer (described, and typed when it is not JSON), any other deliberate answer, and the problems. */
function responsesOf(r: RouteDefinition): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    [String(r.success)]: { description: r.responses?.[r.success] ?? 'Success', ...successContent(r) },
  };
  for (const [status, description] of Object.entries(r.responses ?? {})) {
    if (Number(status) === r.success) continue;
    responses[status] = { description, ...(Number(status) >= 400 ? { content: PROBLEM_CONTENT } : {}) };
  }
  responses['4XX'] = { description: 'Problem (RFC 9457)', content: PROBLEM_CONTENT };
  return responses;
}

/** Requests as callers may send them (defaults optional), answers as they come (io: output). */
function schemaOf(schema: ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function objectParams(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = schemaOf(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s }));
}

/** A self-contained API browser (no CDN: this page works offline). */
export function docsPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sysops Squad API</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}h2{margin-top:2rem}.op{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:4rem;font-weight:600;text-transform:uppercase}.get{color:#0a7}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c33}
code{background:#f4f4f4;padding:0 .3rem}details pre{background:#f8f8f8;padding:.5rem;overflow:auto}.roles{color:#666;font-size:12px}.answers{margin:.3rem 0;padding-left:1.2rem;color:#444;font-size:13px}</style></head>
<body><h1>Sysops Squad API</h1><p>Generated from <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>POST /auth/login</code>, then send <code>Authorization: Bearer &lt;accessToken&gt;</code>.</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{const byTag={};
for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))(byTag[op.tags[0]]??=[]).push({path,method,op});
const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
document.getElementById('ops').innerHTML=Object.entries(byTag).map(([tag,list])=>'<h2>'+esc(tag)+'</h2>'+list.map(({path,method,op})=>
'<div class="op"><span class="m '+method+'">'+method+'</span> <code>'+esc(path)+'</code> — '+esc(op.summary)+
' <span class="roles">['+esc(Array.isArray(op['x-roles'])?op['x-roles'].join(', '):op['x-roles'])+']</span>'+
'<ul class="answers">'+Object.entries(op.responses).filter(([s,r])=>s!=='4XX'&&r.description!=='Success').map(([s,r])=>'<li><code>'+esc(s)+'</code> '+esc(r.description)+'</li>').join('')+'</ul>'+
(op.parameters||op.requestBody?'<details><summary>schema</summary><pre>'+esc(JSON.stringify({parameters:op.parameters,body:op.requestBody&&op.requestBody.content['application/json'].schema},null,2))+'</pre></details>':'')+'</div>').join('')).join('');});
</script></body></html>`;
}
