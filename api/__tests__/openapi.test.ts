/**
 * The OpenAPI document served at /openapi.json describes every route of the route table, from
 * the same zod schemas the routes validate with, and the probes and the development outbox,
 * declared the same way; /docs renders it.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createApi } from '../app';
import { RouteDefinition } from '../http/route';
import { probeRoutes } from '../probes';
import { allRoutes } from '../routes';
import { devOutboxRoutes } from '../routes/ops';
import { startTestSystem, TestSystem } from './harness';

/** What the harness serves (it runs with the development outbox). */
const served: readonly RouteDefinition[] = [...probeRoutes, ...devOutboxRoutes, ...allRoutes];

describe('OpenAPI over HTTP', () => {
  let sys: TestSystem;
  let doc: any;
  beforeAll(async () => {
    sys = await startTestSystem();
    const r = await sys.call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body;
  });
  afterAll(() => sys.stop());

  it('is OpenAPI 3.1 with bearer security by default', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it.each(served.map((r) => [r.method.toUpperCase(), r.path, r] as const))('%s %s is documented', (_m, _p, route) => {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op = doc.paths[path]?.[route.method];
    expect(op).toBeDefined();
    expect(op.summary).toBe(route.summary);
    if (route.roles === 'public') expect(op.security).toEqual([]);
    // every path parameter is declared, required, in the path
    const names = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]);
    const declared = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string; required: boolean }) => [p.name, p.required]);
    expect(declared).toEqual(names.map((n) => [n, true]));
    if (route.body) expect(op.requestBody.content['application/json'].schema).toEqual(expect.objectContaining({ type: 'object' }));
    expect(op.responses[String(route.success)]).toBeDefined();
    expect(op.responses['4XX'].content['application/problem+json']).toBeDefined();
  });

  it('lists nothing the route table does not have, and every $ref resolves', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`));
    const routes = served.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) {
      const target = ref.split('/').reduce((node: any, key) => node?.[key], doc);
      expect([ref, target]).toEqual([ref, expect.anything()]);
    }
  });

  it('documents the probes and the development outbox, with who may call them and what each answer means', () => {
    for (const path of ['/health', '/ready', '/projections', '/metrics', '/notifications/dev-outbox']) {
      const op = doc.paths[path]?.get;
      const access = path === '/health' || path === '/ready' ? { security: [], 'x-roles': 'public' } : { 'x-roles': ['admin'] };
      expect([path, op]).toEqual([path, expect.objectContaining(access)]);
      expect([path, op.responses['200'].description]).toEqual([path, expect.not.stringMatching(/^Success$/)]);
    }
    for (const path of ['/projections', '/metrics']) expect([path, doc.paths[path].get.summary]).toEqual([path, expect.stringContaining('METRICS_TOKEN')]);
    expect(doc.paths['/ready'].get.responses['503']).toMatchObject({ description: expect.stringMatching(/^Not ready/), content: { 'application/problem+json': expect.anything() } });
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual([expect.stringMatching(/^text\/plain/)]);
    expect(doc.paths['/notifications/dev-outbox'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['ticketId', 'to', 'channel', 'limit']);
  });

  it('leaves the development outbox out where it is not served (production)', async () => {
    const app = createApi(sys.services, { devOutbox: false, publicUrl: 'http://localhost' });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const production = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(production.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/projections', '/metrics']));
      expect(Object.keys(production.paths)).not.toContain('/notifications/dev-outbox');
      expect((await fetch(`${base}/notifications/dev-outbox`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('/docs is an HTML page reading /openapi.json', async () => {
    const r = await sys.call('GET', '/docs');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.body).toContain('/openapi.json');
  });
});
