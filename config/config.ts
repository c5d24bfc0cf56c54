import { z } from 'zod';

/** Every setting comes from the environment and is validated once, at start-up. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Folder of the embedded stores (SQLite files). */
  DATA_DIR: z.string().min(1).default('./data'),
  /** FULL: every acknowledged append survives power loss. NORMAL: faster, may lose the last commits. */
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /** Set to use EventStoreDB instead of the embedded SQLite event store. */
  EVENTSTORE_URL: z
    .string()
    .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/.+/, 'must be an esdb:// or esdb+discover:// connection string')
    .optional(),
  /** Set to use MongoDB instead of the embedded document store. */
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// or mongodb+srv:// connection string')
    .optional(),
  /** Which parts this process runs; `all` is the single-process default. */
  PROCESS_ROLE: z.enum(['all', 'api', 'projector', 'workers']).default('all'),
  /** /ready answers 503 while any read model is more than this many events behind. */
  READY_MAX_LAG: z.coerce.number().int().min(0).default(1000),
  /** Attempts of a command on a revision conflict before answering 409. */
  COMMAND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Empty strings count as unset, so `FOO=` in a .env file means "use the default". */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration (environment variables):\n${lines.join('\n')}`);
}
