/**
 * Fuzzing every route that takes a body (generated from `allRoutes`): random JSON values, wrong
 * types, huge strings, deep nesting and invalid JSON text, posted as an authorized role, also
 * under a Content-Encoding (gzip, deflate, br, unknown ones) the bytes may or may not honour; and
 * every route's query string and path parameters (random, repeated, encoded, malformed
 * percent-encoding and oversized values). Never a 5xx, /health keeps answering, and a rejected
 * (4xx) request writes no event.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { allRoutes } from '../routes';
import { startTestSystem, TestSystem } from './harness';

const ROLES = ['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const;
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

function fillPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => `zz-fuzz-${name.toLowerCase()}`);
}

const deep = fc.integer({ min: 50, max: 2000 }).map((n) => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
});
const invalidJsonText = fc.constantFrom('{', '{"a":', '[1,2', 'nul', '{"a":1,}', "{'a':1}", '\u0000', '{"__proto__":{"x":1}}', '"\\ud800"');
const wrongTypes = fc.record(
  {
    email: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())),
    password: fc.oneof(fc.integer(), fc.object()),
    customerId: fc.oneof(fc.integer(), fc.constant({})),
    data: fc.anything(),
    location: fc.record({ lat: fc.oneof(fc.double(), fc.string()), lon: fc.oneof(fc.double(), fc.string()) }),
  },
  { requiredKeys: [] },
);
const huge = fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({ text: 'x'.repeat(n), name: 'y'.repeat(n) }));
/** A body as sent on the wire: a JSON value (serialized by the harness) or raw text. */
const bodyArb = fc.oneof(
  fc.jsonValue().map((v) => ({ raw: false as const, value: v as unknown })),
  fc.anything().map((v) => ({ raw: false as const, value: v as unknown })),
  wrongTypes.map((v) => ({ raw: false as const, value: v as unknown })),
  huge.map((v) => ({ raw: false as const, value: v as unknown })),
  deep.map((v) => ({ raw: false as const, value: v })),
  invalidJsonText.map((t) => ({ raw: true as const, value: t as unknown })),
);

/** A query string as a client might mangle it: random keys and values, repeats, arrays, encodings. */
const queryKeys = (names: string[]) => fc.oneof(fc.constantFrom(...names, 'limit', 'skip', 'from', 'to', 'q'), fc.string({ maxLength: 20 }));
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('-1', '0', '1e309', 'NaN', 'true', '2026-02-30', '9999-99-99', '%', '%zz', '[]', '{}', '__proto__', 'x'.repeat(5000)),
  fc.integer().map(String),
  fc.double().map(String),
);
/** Escapes that are not percent-encoding of UTF-8. */
const malformedEscape = fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%80', '%ED%A0%80', '%FF', '%E0%A4', '%%', '%u00e9', 'a%2', '%00%', '%F4%90%80%80');
const queryArb = (names: string[]) =>
  fc.array(fc.tuple(queryKeys(names), fc.oneof(queryValue.map(encodeURIComponent), malformedEscape), fc.boolean()), { maxLength: 6 }).map((pairs) =>
    pairs.map(([k, v, asArray]) => `${encodeURIComponent(k)}${asArray ? '[]' : ''}=${v}`).join('&'),
  );
/** A path segment as sent: encoded text, or text around an escape that is not percent-encoding of UTF-8. */
const pathValue = fc.oneof(
  fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('..', '%2e%2e', '%00', 'a'.repeat(3000), '2026-13-01', ' ')).map(encodeURIComponent),
  fc.tuple(fc.string({ maxLength: 10 }), malformedEscape, fc.string({ maxLength: 10 })).map(([before, escape, after]) => `${encodeURIComponent(before)}${escape}${encodeURIComponent(after)}`),
);

/** A body under a Content-Encoding: bytes that honour it, that do not, or that stop half-way. */
const compress: Record<string, (bytes: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
const encodedBodyArb = fc
  .tuple(
    fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'GZIP', 'x-made-up', 'gzip, deflate', 'compress', ''),
    fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), invalidJsonText),
    fc.constantFrom('honoured', 'raw', 'truncated', 'random'),
    fc.uint8Array({ maxLength: 200 }),
  )
  .map(([encoding, text, how, noise]) => {
    const plain = Buffer.from(text);
    const honoured = compress[encoding.toLowerCase()]?.(plain) ?? plain;
    const bytes = how === 'honoured' ? honoured : how === 'raw' ? plain : how === 'truncated' ? honoured.subarray(0, Math.max(1, honoured.length >> 1)) : Buffer.from(noise);
    return { encoding, how, bytes };
  });

const bodyRoutes = allRoutes.filter((r) => r.body !== undefined && r.method !== 'get');

describe('fuzzing (from allRoutes)', () => {
  let sys: TestSystem;
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    sys = await startTestSystem();
    for (const role of ROLES) tokens.set(role, await sys.token(role));
  });
  afterAll(() => sys.stop());

  describe('request bodies', () => {
    it('there are routes with a body to fuzz', () => {
      expect(bodyRoutes.length).toBeGreaterThan(0);
    });

    it.each(bodyRoutes.map((r) => ({ method: r.method, path: r.path, roles: r.roles })))('$method $path', async ({ method, path, roles }) => {
      const role = roles === 'public' ? undefined : roles[0];
      const token = role ? tokens.get(role) : undefined;
      await fc.assert(
        fc.asyncProperty(bodyArb, async (body) => {
          await sys.settle();
          const head = await sys.services.events.headPosition();
          let serialized: string;
          if (body.raw) serialized = body.value as string;
          else {
            try {
              serialized = JSON.stringify(body.value) ?? 'null';
            } catch {
              serialized = '{"unserializable":true}';
            }
          }
          const r = await sys.call(method.toUpperCase(), fillPath(path), { token, body: serialized });
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) {
            await sys.settle();
            expect(await sys.services.events.headPosition()).toBe(head);
          }
          const health = await sys.call('GET', '/health');
          expect(health.status).toBeLessThan(500);
        }),
        { numRuns: RUNS, seed: 4242 },
      );
    }, 120_000);

    it.each(bodyRoutes.map((r) => ({ method: r.method, path: r.path, roles: r.roles })))('$method $path under a Content-Encoding', async ({ method, path, roles }) => {
      const role = roles === 'public' ? undefined : roles[0];
      const token = role ? tokens.get(role) : undefined;
      await fc.assert(
        fc.asyncProperty(encodedBodyArb, async ({ encoding, bytes }) => {
          await sys.settle();
          const head = await sys.services.events.headPosition();
          const response = await fetch(`${sys.url}${fillPath(path)}`, {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: bytes,
          });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
            await sys.settle();
            expect(await sys.services.events.headPosition()).toBe(head);
          }
          expect((await sys.call('GET', '/health')).status).toBe(200);
        }),
        { numRuns: Math.max(5, Math.round(RUNS / 2)), seed: 4545 },
      );
    }, 120_000);
  });

  describe('query strings and path parameters', () => {
    it.each(allRoutes.map((r) => ({ method: r.method, path: r.path, roles: r.roles, query: r.query })))('$method $path', async ({ method, path, roles, query }) => {
      const role = roles === 'public' ? undefined : roles[0];
      const token = role ? tokens.get(role) : undefined;
      const names = query && 'shape' in query ? Object.keys((query as unknown as { shape: Record<string, unknown> }).shape) : [];
      await fc.assert(
        fc.asyncProperty(queryArb(names), fc.array(pathValue, { minLength: 4, maxLength: 4 }), async (qs, values) => {
          await sys.settle();
          const head = await sys.services.events.headPosition();
          let i = 0;
          const filled = path.replace(/:([A-Za-z0-9_]+)/g, () => values[i++ % values.length]!);
          const hasBody = method !== 'get' && method !== 'delete';
          const r = await sys.call(method.toUpperCase(), `${filled}${qs ? `?${qs}` : ''}`, { token, ...(hasBody ? { body: {} } : {}) });
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) {
            await sys.settle();
            expect(await sys.services.events.headPosition()).toBe(head);
          }
          expect((await sys.call('GET', '/health')).status).toBe(200);
        }),
        { numRuns: Math.max(5, Math.round(RUNS / 2)), seed: 4343 },
      );
    }, 120_000);
  });
});
