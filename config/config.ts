import { z } from 'zod';

/** Whether the runtime knows `timeZone` as an IANA zone ("America/New_York", "UTC"). */
function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

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
  /** /ready answers 503 while any saga is more than this many events behind. */
  READY_MAX_SAGA_LAG: z.coerce.number().int().min(0).default(1000),
  /** IANA time zone of the service area: times in SMS and e-mails are shown in it (with its abbreviation). */
  SERVICE_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York or UTC').default('America/New_York'),
  /** Public base URL of the web app, for links in messages (survey links); default http://localhost:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** Twilio SMS: all three set → real SMS; otherwise the development outbox records them. */
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
  TWILIO_FROM: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number like +15550100').optional(),
  /** SendGrid e-mail: both set → real e-mail; otherwise the development outbox records them. */
  SENDGRID_API_KEY: z.string().startsWith('SG.', 'must start with SG.').optional(),
  SENDGRID_FROM: z.string().email().optional(),
  /** Signs access tokens (HS256). Required in production; a development secret is generated under DATA_DIR otherwise. */
  JWT_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),
  /** Signs survey links (HMAC). Required in production; a development secret is generated under DATA_DIR otherwise. */
  SURVEY_TOKEN_SECRET: z.string().min(16).optional(),
  /** Where helpdesk alerts (flags, escalations, parked messages) are e-mailed. */
  HELPDESK_EMAIL: z.string().email().default('helpdesk@sysops-squad.local'),
  /** Minutes a group may wait for a match before it is escalated to helpdesk, per ticket priority. */
  MATCH_TIMEOUT_URGENT_MIN: z.coerce.number().int().min(1).default(30),
  MATCH_TIMEOUT_HIGH_MIN: z.coerce.number().int().min(1).default(120),
  MATCH_TIMEOUT_NORMAL_MIN: z.coerce.number().int().min(1).default(480),
  MATCH_TIMEOUT_LOW_MIN: z.coerce.number().int().min(1).default(1440),
  /** Minutes an expert waits at a locked door before being released. */
  NO_ACCESS_WAIT_MIN: z.coerce.number().int().min(1).default(20),
  /** Minutes a flagged ticket may stay untouched before helpdesk is reminded. */
  FLAG_REMINDER_MIN: z.coerce.number().int().min(1).default(60),
  /** How many best-ranked experts hear about a new visit first; the rest after FEED_WIDEN_MIN. */
  NOTIFY_FIRST_EXPERTS: z.coerce.number().int().min(1).default(5),
  FEED_WIDEN_MIN: z.coerce.number().int().min(1).default(15),
  /** Delivery attempts of a message before it is parked for helpdesk. */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6),
  /** Attempts of a command on a revision conflict before answering 409. */
  COMMAND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  LOGIN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  SIGNUP_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** Demo data on the first start (empty event store) of the all-in-one process. */
  SEED_DEMO: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /** The first admin account, created once by an API process on start (both or neither). */
  BOOTSTRAP_ADMIN_EMAIL: z.string().trim().toLowerCase().email().max(254).optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(10, 'at least 10 characters').max(200).optional(),
}).superRefine((env, context) => {
  if ((env.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (env.BOOTSTRAP_ADMIN_PASSWORD === undefined)) {
    const missing = env.BOOTSTRAP_ADMIN_EMAIL === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD';
    context.addIssue({ code: 'custom', path: [missing], message: 'set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD together' });
  }
});

/** Variables whose values are never printed. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|API_KEY/;

/** The settings, with defaults that depend on other settings filled in. */
export type Config = z.infer<typeof EnvSchema> & { PUBLIC_URL: string };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Empty strings count as unset, so `FOO=` in a .env file means "use the default". */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (parsed.success) return { ...parsed.data, PUBLIC_URL: parsed.data.PUBLIC_URL ?? `http://localhost:${parsed.data.PORT}` };
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    // A secret's value stays out of the message (it ends up in logs): its length says enough.
    const value = env[name] ?? '';
    const shown = SECRET_NAME.test(name) && value !== '' ? `(${value.length} characters, hidden)` : JSON.stringify(value);
    return `  ${name}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration (environment variables):\n${lines.join('\n')}`);
}
