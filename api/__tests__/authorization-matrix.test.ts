/**
 * Authorization matrix, generated from the route table: every route in `allRoutes` × every role
 * (+ anonymous). New routes are covered automatically.
 *
 * - anonymous on a non-public route → 401;
 * - a role outside `roles` → 403 with the role problem ("This needs one of the roles: …");
 * - a role inside `roles` → never 401, and never the role 403. Made-up ids may give 400/404/409/422,
 *   and routes that check ownership may answer 403 — but then with an ownership problem, not the role one.
 */
import { allRoutes } from '../routes';
import { startTestSystem, TestSystem } from './harness';

const ROLES = ['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const;
type Caller = (typeof ROLES)[number] | 'anonymous';
const CALLERS: Caller[] = ['anonymous', ...ROLES];
const ROLE_PROBLEM = /needs one of the roles/i;

/** Syntactically plausible but non-existent values for path parameters. */
function fillPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (/token/i.test(name)) return 'zzzz-not-a-real-token-0000';
    if (/date|day/i.test(name)) return '2026-03-02';
    return `zz-missing-${name.toLowerCase()}-0000`;
  });
}

const cases = allRoutes.flatMap((r) => CALLERS.map((caller) => ({ method: r.method, path: r.path, roles: r.roles, caller })));

describe('authorization matrix (from allRoutes)', () => {
  let sys: TestSystem;
  const tokens = new Map<Caller, string | undefined>();
  beforeAll(async () => {
    sys = await startTestSystem();
    tokens.set('anonymous', undefined);
    for (const role of ROLES) tokens.set(role, await sys.token(role));
  });
  afterAll(() => sys.stop());

  it('the route table is not empty', () => {
    expect(allRoutes.length).toBeGreaterThan(0);
  });

  it.each(cases)('$method $path as $caller', async ({ method, path, roles, caller }) => {
    const token = tokens.get(caller);
    const hasBody = method !== 'get' && method !== 'delete';
    const r = await sys.call(method.toUpperCase(), fillPath(path), { token, ...(hasBody ? { body: {} } : {}) });
    const problem = `${r.body?.title ?? ''} ${r.body?.detail ?? ''}`;
    expect(r.status).toBeLessThan(500);
    if (roles === 'public') {
      // public routes may still answer 401 for bad credentials in the body (login, refresh), never 403 for a role
      expect(r.status === 403 && ROLE_PROBLEM.test(problem)).toBe(false);
      return;
    }
    if (caller === 'anonymous') {
      expect(r.status).toBe(401);
      return;
    }
    if (!roles.includes(caller)) {
      expect(r.status).toBe(403);
      expect(problem).toMatch(ROLE_PROBLEM);
      return;
    }
    expect(r.status).not.toBe(401);
    if (r.status === 403) {
      // an ownership check on a made-up id, never the role check
      expect(problem).not.toMatch(ROLE_PROBLEM);
    }
  });
});
