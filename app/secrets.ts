import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from 'pino';

/**
 * A secret from the environment, or — in development only — one generated once and kept in
 * DATA_DIR/.secrets.json (not in the repository), so links and tokens survive a restart.
 */
export function secretOrDevelopmentDefault(
  name: string,
  fromEnv: string | undefined,
  options: {
    dataDir: string;
    production: boolean;
    logger: Logger;
    /** Collects the names of the development secrets used (for the start-up banner). */
    used?: Set<string>;
  },
): string {
  if (fromEnv) return fromEnv;
  if (options.production) throw new Error(`${name} must be set in production (see .env.example)`);
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, '.secrets.json');
  const secrets: Record<string, string> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  if (!secrets[name]) {
    secrets[name] = randomBytes(32).toString('base64url');
    writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  // One line of the start-up banner says so for every such secret, instead of a warning each.
  options.used?.add(name);
  options.logger.debug({ variable: name, path }, `${name} is not set: using a development secret`);
  return secrets[name]!;
}
