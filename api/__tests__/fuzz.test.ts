/**
 * Fuzzing every route that takes a body (generated from `allRoutes`): random JSON values, wrong
 * types, huge strings, deep nesting and invalid JSON text, posted as an authorized role.
 * Never a 5xx, /health keeps answering, and a rejected (4xx) request writes no event.
 */
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

const bodyRoutes = allRoutes.filter((r) => r.body !== undefined && r.method !== 'get');

describe('fuzzing request bodies (from allRoutes)', () => {
  let sys: TestSystem;
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    sys = await startTestSystem();
    for (const role of ROLES) tokens.set(role, await sys.token(role));
  });
  afterAll(() => sys.stop());

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
});
