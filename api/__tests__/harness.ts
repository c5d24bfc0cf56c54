/**
 * A whole system in one test process: in-memory event store, embedded document store, every
 * projection and saga, and the HTTP API on an ephemeral port. Tests drive it over real HTTP.
 */
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import pino from 'pino';
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { CommandHandler } from '../../commands/handler';
import { userAccounts } from '../../commands/user-account';
import { loadConfig, mapTilesOf, TrustProxy } from '../../config/config';
import { UserRole } from '../../domain/user-account/user-account';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { PaidCustomersCache } from '../../read-models/payment-status';
import { ReadModelExpertDirectory } from '../../read-models/expert-directory';
import { OutboxDispatcher } from '../../notifications/dispatcher';
import { DevOutboxChannel } from '../../notifications/dev-outbox';
import { DocumentOutbox } from '../../notifications/outbox-store';
import { SurveyTokens } from '../../notifications/survey-tokens';
import { allProjections } from '../../projections/all';
import { ProjectionEngine } from '../../projections/engine';
import { Projection } from '../../projections/projection';
import { ReadModels } from '../../read-models/read-models';
import { allSagas } from '../../sagas/all';
import { Deadlines } from '../../sagas/deadlines';
import { SagaEngine } from '../../sagas/engine';
import { MATCHING } from '../../sagas/matching';
import { ProcessManager } from '../../sagas/process-manager';
import { createApi } from '../app';
import { LiveGateway, startLiveGateway } from '../live';
import { hashPassword, PasswordHashing } from '../auth/passwords';
import { TokenService } from '../auth/tokens';
import { ApiServices } from '../services';
import { SandboxGateway } from '../../payments/sandbox';
import { PaymentGateway } from '../../payments/gateway';
import { statementSettingsOf } from '../../statements/settings';

export const PASSWORD = 'correct horse battery staple';

export interface TestSystem {
  url: string;
  services: ApiServices & { engine: ProjectionEngine; sagas: SagaEngine };
  sagas: SagaEngine;
  dispatcher: OutboxDispatcher;
  /** A fixed, movable clock shared by API, sagas and deadlines. */
  clock: { now: Date; set(iso: string): void; advanceMinutes(minutes: number): void };
  /** One account per role (customer and expert with their aggregates), password PASSWORD. */
  accounts: Record<UserRole, { userId: string; email: string; customerId?: string; expertId?: string }>;
  token(role: UserRole): Promise<string>;
  /** fetch against the API; JSON in and out. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Waits until projections and sagas have handled everything written so far. */
  settle(): Promise<void>;
  stop(): Promise<void>;
  /** The socket.io live gateway, when started with `{ live: true }`. */
  live?: LiveGateway;
}

export async function startTestSystem(
  options: { start?: string; live?: boolean; webApp?: string; loginLimitPerMinute?: number; trustProxy?: TrustProxy; metricsToken?: string; readyMaxSagaLag?: number; projections?: readonly Projection[]; saga?: (saga: ProcessManager) => ProcessManager; paymentGateway?: PaymentGateway; payments?: boolean; passwordHashing?: PasswordHashing } = {},
): Promise<TestSystem> {
  const projections = options.projections ?? allProjections;
  const clock = {
    now: new Date(options.start ?? '2026-03-02T08:00:00.000Z'),
    set(iso: string) {
      this.now = new Date(iso);
    },
    advanceMinutes(minutes: number) {
      this.now = new Date(this.now.getTime() + minutes * 60_000);
    },
  };
  const now = () => clock.now;
  const logger = pino({ level: 'silent' });
  // Messages show times in UTC, which the tests' expected texts are written in.
  const config = loadConfig({ NODE_ENV: 'test', SERVICE_TIME_ZONE: 'UTC' });
  const events = new InMemoryEventStore();
  const documents = new EmbeddedDocumentStore({ path: ':memory:' });
  const commands = new CommandHandler(events);
  const readModels = new ReadModels(documents, projections, { ttlMs: 0 });
  const engine = new ProjectionEngine(events, documents, projections, { logger, onSwitch: () => readModels.refresh() });
  await engine.start();
  const outbox = new DocumentOutbox(documents, { helpdeskEmail: config.HELPDESK_EMAIL, logger, clock: now });
  await outbox.ensureIndexes();
  const surveyTokens = new SurveyTokens(documents, 'test-survey-secret-0123456789');
  const expertDirectory = new ReadModelExpertDirectory(readModels);
  const wrapMatching = options.saga ?? ((saga: ProcessManager) => saga);
  const paymentGateway = options.paymentGateway ?? new SandboxGateway(documents, now);
  // With `payments`, the payments saga bills, charges and refunds through the gateway (otherwise by hand).
  const payments = options.payments ? { gateway: paymentGateway, retryDays: config.DUNNING_RETRY_DAYS } : undefined;
  const sagas = new SagaEngine(
    allSagas({ config, outbox, surveyTokens, experts: expertDirectory, ...(payments ? { payments } : {}) }).map((saga) => (saga.name === MATCHING ? wrapMatching(saga) : saga)),
    { events, documents, commands, deadlines: new Deadlines(documents), clock: now, logger },
  );
  sagas.start({ manualDeadlines: true });
  const devChannel = (channel: 'sms' | 'email') => new DevOutboxChannel(channel);
  const dispatcher = new OutboxDispatcher(outbox, { sms: devChannel('sms'), email: devChannel('email') }, { maxAttempts: 3, logger });
  const services = {
    commands,
    events,
    documents,
    readModels,
    projections,
    engine,
    sagas,
    sagaNames: sagas.status().map((s) => s.name),
    outbox,
    surveyTokens,
    tokens: new TokenService('test-jwt-secret-0123456789-0123456789', documents, now),
    passwords: options.passwordHashing ?? new PasswordHashing(),
    payments: new PaidCustomersCache(readModels),
    experts: expertDirectory,
    clock: now,
    logger,
    readyMaxLag: 1000,
    readyMaxSagaLag: options.readyMaxSagaLag ?? 1000,
    enRouteLeadMinutes: config.EN_ROUTE_LEAD_MIN,
    mapTiles: mapTilesOf(config),
    statements: statementSettingsOf(config),
    dunningRetryDays: config.DUNNING_RETRY_DAYS,
    paymentGateway,
  };
  const app = createApi(services, { devOutbox: true, checkAnswers: true, publicUrl: 'http://localhost', loginLimitPerMinute: options.loginLimitPerMinute ?? 1000, ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}), ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}), ...(options.webApp ? { webApp: options.webApp } : {}) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // The server and its test client share this event loop: after a long synchronous setup, the
  // server's idle timer (5 s) could close a kept-alive socket just as the client reused it
  // (ECONNRESET). Idle sockets stay open for the test instead; close() still ends them.
  server.keepAliveTimeout = 10 * 60_000;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const live = options.live ? await startLiveGateway(server, services, { dashboardMs: 50 }) : undefined;

  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      const head = await events.headPosition();
      await engine.waitFor(head, { timeoutMs: 5000 });
      await sagas.waitFor(head, 5000);
      if ((await events.headPosition()) === head) return;
    }
  };

  const accounts = await createAccounts(commands, now);
  await settle();

  const call: TestSystem['call'] = async (method, path, opts = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  };
  const tokens = new Map<UserRole, string>();
  return {
    url,
    services,
    sagas,
    dispatcher,
    clock,
    accounts,
    call,
    settle,
    ...(live ? { live } : {}),
    async token(role) {
      if (!tokens.has(role)) {
        const r = await call('POST', '/auth/login', { body: { email: accounts[role].email, password: PASSWORD } });
        if (r.status !== 200) throw new Error(`login as ${role} failed: ${JSON.stringify(r.body)}`);
        tokens.set(role, r.body.accessToken);
      }
      return tokens.get(role)!;
    },
    async stop() {
      await live?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.stop();
      await sagas.stop();
      await engine.stop();
      await documents.close();
    },
  };
}

async function createAccounts(commands: CommandHandler, now: () => Date): Promise<TestSystem['accounts']> {
  const system = { userId: 'test-setup', role: 'system' as const };
  const meta = (id: string) => ({ commandId: `setup-${id}`, now: now(), actor: system });
  const passwordHash = await hashPassword(PASSWORD);
  const location = { lat: 42.1015, lon: -72.5898 };
  await send(commands, customers, {
    type: 'registerCustomer',
    data: {
      customerId: 'cust-test',
      contact: { name: 'Casey Customer', email: 'customer@test.local', phone: '+15550100001', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US', location } },
      notifyBy: 'email',
    },
    metadata: meta('customer'),
  });
  await send(commands, experts, {
    type: 'onboardExpert',
    data: {
      expertId: 'exp-test',
      name: 'Eli Expert',
      contact: { email: 'expert@test.local', phone: '+15550100002' },
      locale: 'en-US',
      homeLocation: location,
      serviceArea: { kind: 'radius', radiusKm: 30 },
      skills: ['plumbing', 'washer'],
      availability: { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) },
      feePerVisitCents: 8000,
    },
    metadata: meta('expert'),
  });
  const roles: UserRole[] = ['customer', 'expert', 'helpdesk', 'admin', 'manager'];
  const accounts = {} as TestSystem['accounts'];
  for (const role of roles) {
    const link = role === 'customer' ? { customerId: 'cust-test' } : role === 'expert' ? { expertId: 'exp-test' } : {};
    const userId = `user-${role}`;
    const email = `${role}@test.local`;
    await send(commands, userAccounts, {
      type: 'registerUser',
      data: { userId, email, role, passwordHash, ...link },
      metadata: meta(`user-${role}`),
    });
    accounts[role] = { userId, email, ...link };
  }
  return accounts;
}
