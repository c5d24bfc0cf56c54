/**
 * Who the bench and the soak log in as. The demo seed gives one login per role; the demo store the
 * bench builds adds logins for many demo customers and every demo expert, listed in
 * `bench-logins.json` beside the stores.
 */
import { readFileSync } from 'node:fs';
import { DEMO_LOGINS } from '../../seed/demo';
import { UserRole } from '../../domain/user-account/user-account';

export const BENCH_LOGINS_FILE = 'bench-logins.json';

export interface Login {
  role: UserRole;
  email: string;
  password: string;
}

export function readLogins(path: string): Login[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { logins?: Login[] };
  if (!Array.isArray(parsed.logins) || parsed.logins.length === 0) throw new Error(`${path}: expected { "logins": [{ "role", "email", "password" }, ...] }`);
  return parsed.logins;
}

/** The demo seed's customer, expert and helpdesk logins (a server started by `npm start`). */
export function demoLogins(): Login[] {
  return (['customer', 'expert', 'helpdesk'] as const).map((role) => ({ role, ...DEMO_LOGINS[role] }));
}

export function withRole(logins: readonly Login[], role: UserRole): Login[] {
  return logins.filter((l) => l.role === role);
}
