import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which proxies Express trusts to say who the client is (X-Forwarded-For): none (`false`), the
 * last N hops, or the proxies' addresses, subnets and Express's names for address ranges.
 */
export type TrustProxy = false | number | string[];

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** One trusted proxy: an IP address, a subnet (`10.0.0.0/8`), or `loopback`, `linklocal`, `uniquelocal`. */
function isProxyAddress(item: string): boolean {
  if (PROXY_RANGES.includes(item)) return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

const TrustProxySchema = z
  .string()
  .trim()
  .default('false')
  .transform((value, context): TrustProxy => {
    if (value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (value === 'true') {
      context.addIssue({ code: 'custom', message: 'true would let any client name its own address (rate limits bypassed): name the proxies or give a hop count' });
      return z.NEVER;
    }
    const items = value.split(',').map((item) => item.trim());
    const bad = items.filter((item) => !isProxyAddress(item));
    if (bad.length > 0) {
      context.addIssue({ code: 'custom', message: `not an address, subnet, hop count, loopback, linklocal or uniquelocal: ${bad.join(', ')}` });
      return z.NEVER;
    }
    return items;
  });

/** Whether the runtime knows `timeZone` as an IANA zone ("America/New_York", "UTC"). */
function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const minutes = (fallback: number, description: string) => z.coerce.number().int().min(1).default(fallback).describe(description);
const matchTimeout = (priority: string, fallback: number) =>
  minutes(fallback, `Tickets of priority \`${priority}\`: minutes a group of their visits may wait for a full match before the ticket is escalated to helpdesk`);

/**
 * Every setting comes from the environment and is validated once, at start-up. Each variable's
 * `.describe()` text is its documentation: the README's configuration table and `.env.example`
 * are generated from this schema (`npm run docs:config`), and a test fails when they drift.
 */
export const EnvSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'test', 'production'])
      .default('development')
      .describe('`production` requires JWT_SECRET and SURVEY_TOKEN_SECRET and does not serve the development outbox'),
    HOST: z.string().min(1).default('0.0.0.0').describe('Interface the HTTP server listens on'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port (0: any free port; the start-up banner shows it)'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino level; logs are JSON lines on stdout (pretty on a terminal in development)'),
    DATA_DIR: z.string().min(1).default('./data').describe('Folder of the embedded SQLite stores (`events.db`, `documents.db`) and of the development secrets'),
    SQLITE_SYNCHRONOUS: z
      .enum(['FULL', 'NORMAL'])
      .default('FULL')
      .describe('`FULL`: every acknowledged append survives power loss; `NORMAL`: faster, may lose the last commits'),
    SQLITE_CHECK_ON_OPEN: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true')
      .describe(
        '`true`: both SQLite files are checked when they open (PRAGMA quick_check reads each once: on the 100 MB of demo data about 50 ms with the files in the page cache, 1 s without) and a damaged one is refused, naming it and what to do; `false` skips the check (damage is still reported when a read comes across it)',
      ),
    DOCUMENT_INDEX_MEMORY_MB: z.coerce
      .number()
      .positive()
      .default(16)
      .describe(
        'Megabytes of index keys the embedded document store keeps in memory, all indexes together: the chunks of keys used least lately go to a temporary file, deleted when the process ends, and are read back when a query or a write needs them (a larger budget reads them back less often)',
      ),
    EVENTSTORE_URL: z
      .string()
      .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/.+/, 'must be an esdb:// or esdb+discover:// connection string')
      .optional()
      .describe('Use EventStoreDB instead of the embedded SQLite event store, e.g. `esdb://localhost:2113?tls=false` or `esdb://es1:2113,es2:2113,es3:2113?tls=false`'),
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// or mongodb+srv:// connection string')
      .optional()
      .describe('Use MongoDB instead of the embedded document store, e.g. `mongodb://localhost:27017/sysops?replicaSet=rs0`'),
    PROCESS_ROLE: z
      .enum(['all', 'api', 'projector', 'workers'])
      .default('all')
      .describe('Which parts this process runs: `all` in one process, or for the production stack `api`, `projector` (read models) or `workers` (sagas and message delivery)'),
    READY_MAX_LAG: z.coerce.number().int().min(0).default(1000).describe('`/ready` answers 503 while a read model is more than this many events behind'),
    READY_MAX_SAGA_LAG: z.coerce.number().int().min(0).default(1000).describe('`/ready` answers 503 while a saga is more than this many events behind'),
    SERVICE_TIME_ZONE: z
      .string()
      .refine(isTimeZone, 'must be an IANA time zone such as America/New_York or UTC')
      .default('America/New_York')
      .describe('IANA time zone of the service area: times in SMS and e-mails are shown in it, with its abbreviation (`09:00 EST`)'),
    PUBLIC_URL: z.string().url().optional().describe('Base URL of links in messages (survey links); `http://localhost:$PORT` when unset'),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
      .optional()
      .describe('Twilio account (`AC` and 32 hex digits). With TWILIO_AUTH_TOKEN and TWILIO_FROM, SMS are sent; without all three they are recorded in the development outbox'),
    TWILIO_AUTH_TOKEN: z.string().min(16).optional().describe('Twilio auth token'),
    TWILIO_FROM: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number like +15550100')
      .optional()
      .describe('Twilio sender number, E.164 (`+15550100`)'),
    SENDGRID_API_KEY: z
      .string()
      .startsWith('SG.', 'must start with SG.')
      .optional()
      .describe('SendGrid API key (`SG.…`). With SENDGRID_FROM, e-mails are sent; without both they are recorded in the development outbox'),
    SENDGRID_FROM: z.string().email().optional().describe('Sender address of e-mails'),
    DUNNING_RETRY_DAYS: z
      .string()
      .regex(/^\d{1,2}(,\d{1,2})*$/, 'must be whole days separated by commas, e.g. 1,3,7')
      .default('1,3,7')
      .transform((days) => days.split(',').map(Number))
      .describe('Dunning: days after each declined charge before the next attempt (the customer is told each time); after the last one the invoice stays unpaid (past due)'),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_[0-9A-Za-z]+$/, 'must look like sk_test_…, sk_live_… or a restricted rk_… key')
      .optional()
      .describe('Stripe secret key: invoices are charged through Stripe. Without it the embedded sandbox gateway charges its test cards (nothing real is charged)'),
    STRIPE_PUBLISHABLE_KEY: z
      .string()
      .regex(/^pk_(test|live)_[0-9A-Za-z]+$/, 'must look like pk_test_… or pk_live_…')
      .optional()
      .describe("Stripe publishable key (`pk_…`): the customers' card form loads Stripe.js with it, so card data goes from the browser to Stripe only. Required with STRIPE_SECRET_KEY"),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', 'must start with whsec_').optional().describe("Signing secret of the Stripe webhook endpoint (`whsec_…`): verifies the outcomes Stripe reports later"),
    STRIPE_API_URL: z.string().url().optional().describe("Another address for Stripe's API (a proxy, or a local fake in tests); Stripe's own when unset"),
    JWT_SECRET: z
      .string()
      .min(32, 'use at least 32 random characters')
      .optional()
      .describe('Signs access tokens (HS256), at least 32 random characters. Required in production; in development one is generated once into `DATA_DIR/.secrets.json`'),
    SURVEY_TOKEN_SECRET: z
      .string()
      .min(16)
      .optional()
      .describe('Signs survey links (HMAC), at least 16 characters. Required in production; in development one is generated once into `DATA_DIR/.secrets.json`'),
    HELPDESK_EMAIL: z.string().email().default('helpdesk@sysops-squad.local').describe('Where helpdesk alerts (flags, escalations, parked messages) are e-mailed'),
    COMPANY_NAME: z.string().trim().min(1).max(200).default('Penultimate Electronics').describe('Company name at the head of invoices and statements (PDF)'),
    COMPANY_ADDRESS: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .default('1 Commerce Way;Springfield, MA 01103;United States')
      .transform((address) => address.split(';').map((line) => line.trim()).filter((line) => line !== ''))
      .describe("Company's postal address on invoices and statements, its lines separated by `;`"),
    COMPANY_EMAIL: z.string().email().default('billing@sysops-squad.local').describe('Billing contact printed on invoices and statements'),
    TAX_RATE_PERCENT: z
      .string()
      .regex(/^(100|\d{1,2}(\.\d{1,2})?)$/, 'must be a percentage from 0 to 100 with at most two decimals, e.g. 8.25')
      .transform(Number)
      .optional()
      .describe('Sales tax rate contained in the (tax-inclusive) plan prices, e.g. `8.25`: invoices and statements show the tax in each total. Unset: no tax lines'),
    MATCH_TIMEOUT_URGENT_MIN: matchTimeout('urgent', 30),
    MATCH_TIMEOUT_HIGH_MIN: matchTimeout('high', 120),
    MATCH_TIMEOUT_NORMAL_MIN: matchTimeout('normal', 480),
    MATCH_TIMEOUT_LOW_MIN: matchTimeout('low', 1440),
    NO_ACCESS_WAIT_MIN: minutes(20, "Minutes an expert waits at a locked door (can't enter) before being released and the visit rescheduled"),
    FLAG_REMINDER_MIN: minutes(60, 'Minutes a flagged ticket may stay untouched before helpdesk is reminded'),
    NOTIFY_FIRST_EXPERTS: z.coerce.number().int().min(1).default(5).describe('How many best-ranked experts are told about a new visit at once'),
    FEED_WIDEN_MIN: minutes(15, 'Minutes after which every other qualified expert is told about a visit still open'),
    EN_ROUTE_LEAD_MIN: z.coerce.number().int().min(1).max(24 * 60).default(120).describe('An expert may go en route ("on my way": the customer is told) at most this many minutes before the visit starts'),
    MAP_TILE_URL: z
      .string()
      .trim()
      .refine((url) => url === 'off' || (/^(https?:\/\/|\/)/.test(url) && ['{z}', '{x}', '{y}'].every((part) => url.includes(part))), 'must be a tile URL template with {z}, {x} and {y} (http(s):// or a path on this server), or off')
      .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png')
      .describe(
        "Map tiles of the expert app's visit maps: a Leaflet URL template with `{z}`, `{x}` and `{y}` (and `{s}` for subdomains), or a path on this server; `off` shows the address without a map. The default, OpenStreetMap's own server, is for light use only (its tile usage policy): use your tile server or provider in production. The web app reads it from `GET /web-app/config`",
      ),
    MAP_TILE_ATTRIBUTION: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .default('© OpenStreetMap contributors')
      .describe('Credit shown on the maps for their tiles and data, as the tile provider requires (plain text)'),
    NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(6).describe('Delivery attempts of an SMS or e-mail before it is parked for helpdesk'),
    COMMAND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8).describe('Attempts of a command on a concurrency conflict before answering 409'),
    LOGIN_LIMIT_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        'Failed logins per minute before 429, counted both per client address and per account e-mail (unknown e-mails alike); failed token refreshes per client address. Successful ones do not count. A limited address or account is refused for the rest of the minute whatever the password',
      ),
    PASSWORD_HASH_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Password hashes (scrypt, about 32 MB and a tenth of a second of a core each) the API runs at once for logins, sign-ups and password changes; the rest wait their turn, and a request that would wait behind more than 32 per slot is answered 503 with Retry-After. Unset: one less than the CPU cores, at least 1, so a burst of logins leaves the API a core',
      ),
    SIGNUP_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10).describe('Customer sign-ups (`POST /auth/register`) per client address and minute before 429'),
    TRUST_PROXY: TrustProxySchema.describe(
      "Proxies trusted to name the client's address in X-Forwarded-For (the login and sign-up limits count per client address). `false`: none, the client is the connection's peer (clients connect directly); a hop count (`1`: one proxy in front of the API); or a comma-separated list of the proxies' addresses and subnets (`10.0.0.0/8, 127.0.0.1`) and `loopback`, `linklocal`, `uniquelocal`. Never `true`: any client could name itself and escape the limits",
    ),
    METRICS_TOKEN: z
      .string()
      .min(32, 'use at least 32 random characters')
      .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces')
      .optional()
      .describe(
        'Bearer token a scraper without an account (Prometheus) sends to read `/metrics` and `/projections` (`Authorization: Bearer <token>`), at least 32 random characters. Unset: only admins read them (`/health` and `/ready` are public)',
      ),
    SEED_DEMO: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true')
      .describe('`true`: the all-in-one process writes demo data on its first start (empty event store); `false` starts empty (see BOOTSTRAP_ADMIN_EMAIL)'),
    BOOTSTRAP_ADMIN_EMAIL: z
      .string()
      .trim()
      .toLowerCase()
      .email()
      .max(254)
      .optional()
      .describe('E-mail of the first admin account, which the API process creates once on start (with BOOTSTRAP_ADMIN_PASSWORD); later starts change nothing'),
    BOOTSTRAP_ADMIN_PASSWORD: z
      .string()
      .min(10, 'at least 10 characters')
      .max(200)
      .optional()
      .describe('Password of that first admin, at least 10 characters; remove both variables after the first start'),
  })
  .superRefine((env, context) => {
    if ((env.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (env.BOOTSTRAP_ADMIN_PASSWORD === undefined)) {
      const missing = env.BOOTSTRAP_ADMIN_EMAIL === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD';
      context.addIssue({ code: 'custom', path: [missing], message: 'set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD together' });
    }
    if (env.STRIPE_SECRET_KEY && !env.STRIPE_PUBLISHABLE_KEY) {
      context.addIssue({ code: 'custom', path: ['STRIPE_PUBLISHABLE_KEY'], message: "required with STRIPE_SECRET_KEY: customers enter their cards in Stripe's card form, which loads with it" });
    }
    // Test and live keys of one account go together: a test card form cannot save cards for live charges.
    if (env.STRIPE_SECRET_KEY && env.STRIPE_PUBLISHABLE_KEY && env.STRIPE_SECRET_KEY.includes('_live_') !== env.STRIPE_PUBLISHABLE_KEY.includes('_live_')) {
      context.addIssue({ code: 'custom', path: ['STRIPE_PUBLISHABLE_KEY'], message: 'a test key with a live one: use the two keys of the same mode (test or live)' });
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

/** The web app's map tiles from MAP_TILE_URL and MAP_TILE_ATTRIBUTION; null when maps are `off`. */
export function mapTilesOf(config: Pick<Config, 'MAP_TILE_URL' | 'MAP_TILE_ATTRIBUTION'>): { url: string; attribution: string } | null {
  return config.MAP_TILE_URL === 'off' ? null : { url: config.MAP_TILE_URL, attribution: config.MAP_TILE_ATTRIBUTION };
}
