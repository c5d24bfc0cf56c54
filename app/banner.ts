/**
 * The start-up banner: plain text on stdout, printed once when the system is really usable (the
 * demo data written, read models and sagas caught up: what /ready checks), besides the structured
 * logs. What a person starting the system needs at a glance: where it answers, how to log in,
 * which stores it uses, and what is not for real (messages recorded instead of sent, development
 * secrets) — in one place instead of warnings scattered through the log.
 */
import { join } from 'node:path';
import { Config } from '../config/config';

export interface StartupFacts {
  role: Config['PROCESS_ROLE'];
  /** Where the API answers; null when this process serves none. */
  url: string | null;
  stores: { events: string; documents: string };
  /** The demo logins, when the demo data is there. */
  demoLogins: Readonly<Record<string, { email: string; password: string }>> | null;
  /** The first admin made from BOOTSTRAP_ADMIN_EMAIL on this start or an earlier one. */
  bootstrapAdmin: { email: string; outcome: 'created' | 'exists' | 'taken' } | null;
  /** No admin account exists yet (and no demo data): say how to make one. */
  noAdmin: boolean;
  /** Channels whose messages are recorded in the development outbox instead of sent. */
  recordedChannels: readonly ('sms' | 'email')[];
  /** The payment gateway in use ('sandbox' is announced: nothing real is charged). */
  paymentGateway?: string;
  /** Whether GET /notifications/dev-outbox is served (outside production). */
  devOutboxServed: boolean;
  /** Secrets not set, generated for development and kept in `path`. */
  developmentSecrets: { names: readonly string[]; path: string } | null;
}

const ROLE_PARTS: Record<Config['PROCESS_ROLE'], string> = {
  all: 'API, read models, sagas and message delivery in one process',
  api: 'API only (read models and sagas run in other processes)',
  projector: 'read models only (PROCESS_ROLE=projector)',
  workers: 'sagas and message delivery only (PROCESS_ROLE=workers)',
};

/** The stores in use, for people: adapter and file, or server without credentials. */
export function describeStores(config: Pick<Config, 'EVENTSTORE_URL' | 'MONGO_URL' | 'DATA_DIR' | 'SQLITE_SYNCHRONOUS'>): StartupFacts['stores'] {
  return {
    events: config.EVENTSTORE_URL
      ? `EventStoreDB ${withoutCredentials(config.EVENTSTORE_URL)}`
      : `embedded SQLite ${join(config.DATA_DIR, 'events.db')} (synchronous=${config.SQLITE_SYNCHRONOUS})`,
    documents: config.MONGO_URL ? `MongoDB ${withoutCredentials(config.MONGO_URL)}` : `embedded SQLite + mingo ${join(config.DATA_DIR, 'documents.db')}`,
  };
}

/** `scheme://user:pass@host1,host2/db?options` → `scheme://host1,host2/db`: no password, no options in a banner. */
export function withoutCredentials(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/i.exec(url);
  return match ? `${match[1]}${match[2]}${match[3]}` : '(unreadable URL)';
}

/** The URL people open: the listening port, on localhost when listening on every interface. */
export function localUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function startupBanner(facts: StartupFacts): string {
  const rows: [string, string][] = [];
  const add = (label: string, ...lines: string[]) => lines.forEach((line, i) => rows.push([i === 0 ? label : '', line]));
  if (facts.url) {
    add('Web app', `${facts.url}/  (customers and experts log in here)`);
    add('API docs', `${facts.url}/docs`);
    add('Probes', '/health  /ready  /projections  /metrics');
  }
  add('Process', ROLE_PARTS[facts.role]);
  add('Event store', facts.stores.events);
  add('Documents', facts.stores.documents);
  if (facts.demoLogins) {
    const logins = Object.entries(facts.demoLogins);
    const width = Math.max(...logins.map(([role]) => role.length));
    add('Demo logins', ...logins.map(([role, login]) => `${role.padEnd(width)}  ${login.email}  /  ${login.password}`));
  }
  if (facts.bootstrapAdmin) {
    const { email, outcome } = facts.bootstrapAdmin;
    add(
      'First admin',
      outcome === 'created'
        ? `${email} created from BOOTSTRAP_ADMIN_EMAIL (remove BOOTSTRAP_ADMIN_* now)`
        : outcome === 'exists'
          ? `${email} (made on an earlier start; BOOTSTRAP_ADMIN_* changes nothing now)`
          : `none made: ${email} belongs to another account`,
    );
  } else if (facts.noAdmin) {
    add('First admin', 'none yet: stop the server and run `npm run admin -- create --email you@example.com`,', 'or start once with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD');
  }
  if (facts.recordedChannels.length > 0) {
    const which = facts.recordedChannels.length === 2 ? 'SMS and e-mail are' : facts.recordedChannels[0] === 'sms' ? 'SMS are' : 'E-mails are';
    const unset = facts.recordedChannels.map((c) => (c === 'sms' ? 'TWILIO_*' : 'SENDGRID_*')).join(', ');
    add('Messages', `${which} recorded, not sent (${unset} not set)${facts.devOutboxServed && facts.url ? `: ${facts.url}/notifications/dev-outbox` : ''}`);
  }
  if (facts.paymentGateway === 'sandbox') {
    add('Payments', 'sandbox gateway, nothing real is charged (STRIPE_SECRET_KEY not set): test card 4242 4242 4242 4242 pays,', '4000 0000 0000 9995 is declined (insufficient funds); the README lists the others');
  }
  if (facts.developmentSecrets && facts.developmentSecrets.names.length > 0) {
    const { names, path } = facts.developmentSecrets;
    add('Secrets', `${names.join(' and ')} not set: development values from ${path}; set ${names.length > 1 ? 'them' : 'it'} in production`);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const body = rows.map(([label, text]) => ` ${label.padEnd(width)}  ${text}`);
  const title = facts.url ? ` Sysops Squad is ready: ${facts.url}` : ` Sysops Squad is running: ${facts.role}`;
  const rule = '='.repeat(Math.min(100, Math.max(title.length, ...body.map((line) => line.length)) + 1));
  return [rule, title, rule, ...body, rule, ''].join('\n');
}
