import { describeStores, localUrl, StartupFacts, startupBanner, withoutCredentials } from '../banner';
import { DEMO_LOGINS } from '../../seed/demo';

const embedded = describeStores({ DATA_DIR: './data', SQLITE_SYNCHRONOUS: 'FULL' });

const facts: StartupFacts = {
  role: 'all',
  url: 'http://localhost:3000',
  stores: embedded,
  demoLogins: DEMO_LOGINS,
  bootstrapAdmin: null,
  noAdmin: false,
  recordedChannels: ['sms', 'email'],
  paymentGateway: 'sandbox',
  devOutboxServed: true,
  developmentSecrets: { names: ['JWT_SECRET', 'SURVEY_TOKEN_SECRET'], path: 'data/.secrets.json' },
};

describe('the start-up banner', () => {
  it('says where to go, how to log in, which stores, and what is not for real, one line each', () => {
    const lines = startupBanner(facts).split('\n');
    expect(lines[1]).toBe(' Sysops Squad is ready: http://localhost:3000');
    expect(lines).toContain(' Web app      http://localhost:3000/  (customers and experts log in here)');
    expect(lines).toContain(' API docs     http://localhost:3000/docs');
    expect(lines).toContain(' Event store  embedded SQLite data/events.db (synchronous=FULL)');
    expect(lines).toContain(' Documents    embedded SQLite + mingo data/documents.db');
    expect(lines).toContain(' Demo logins  customer  customer@demo.sysops.local  /  demo-customer-pass');
    expect(lines).toContain('              manager   manager@demo.sysops.local  /  demo-manager-pass');
    expect(lines).toContain(' Messages     SMS and e-mail are recorded, not sent (TWILIO_*, SENDGRID_* not set): http://localhost:3000/notifications/dev-outbox');
    expect(lines).toContain(' Payments     sandbox gateway, nothing real is charged (STRIPE_SECRET_KEY not set): test card 4242 4242 4242 4242 pays,');
    // The two development-secret warnings, merged into one line.
    expect(lines.filter((l) => /_SECRET /.test(l))).toEqual([
      ' Secrets      JWT_SECRET and SURVEY_TOKEN_SECRET not set: development values from data/.secrets.json; set them in production',
    ]);
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toMatch(/^=+$/);
  });

  it('leaves out what does not apply: real providers, set secrets, no demo data', () => {
    const text = startupBanner({ ...facts, demoLogins: null, recordedChannels: [], paymentGateway: 'stripe', developmentSecrets: { names: [], path: 'x' } });
    expect(text).not.toMatch(/Demo logins|Messages|Payments|Secrets|First admin/);
  });

  it('tells how to make the first admin when there is none, and what BOOTSTRAP_ADMIN_* did', () => {
    expect(startupBanner({ ...facts, demoLogins: null, noAdmin: true })).toMatch(/First admin {2}none yet: stop the server and run `npm run admin -- create --email you@example\.com`/);
    expect(startupBanner({ ...facts, bootstrapAdmin: { email: 'ops@example.com', outcome: 'created' } })).toMatch(/First admin {2}ops@example\.com created from BOOTSTRAP_ADMIN_EMAIL/);
    expect(startupBanner({ ...facts, bootstrapAdmin: { email: 'ops@example.com', outcome: 'taken' } })).toMatch(/none made: ops@example\.com belongs to another account/);
  });

  it('names one channel recorded, and a process without an API by its role', () => {
    expect(startupBanner({ ...facts, recordedChannels: ['email'] })).toMatch(/E-mails are recorded, not sent \(SENDGRID_\* not set\)/);
    const workers = startupBanner({ ...facts, role: 'workers', url: null, demoLogins: null });
    expect(workers.split('\n')[1]).toBe(' Sysops Squad is running: workers');
    expect(workers).not.toMatch(/API docs|dev-outbox/);
  });

  it('shows production stores without credentials or options', () => {
    const stores = describeStores({
      DATA_DIR: './data',
      SQLITE_SYNCHRONOUS: 'FULL',
      EVENTSTORE_URL: 'esdb://admin:changeit@es1:2113,es2:2113?tls=false',
      MONGO_URL: 'mongodb://sysops:s3cret@mongo1:27017,mongo2:27017/sysops?replicaSet=rs0&authSource=admin',
    });
    expect(stores).toEqual({ events: 'EventStoreDB esdb://es1:2113,es2:2113', documents: 'MongoDB mongodb://mongo1:27017,mongo2:27017/sysops' });
    expect(withoutCredentials('not a url')).toBe('(unreadable URL)');
  });

  it('shows the URL people open', () => {
    expect(localUrl('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(localUrl('::', 8080)).toBe('http://localhost:8080');
    expect(localUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(localUrl('::1', 3000)).toBe('http://[::1]:3000');
  });
});
