/**
 * Process entry point (`npm start`). By default one process runs everything on the embedded
 * stores; PROCESS_ROLE selects a part when the production stack runs them separately.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createApi } from '../api/app';
import { LiveGateway, startLiveGateway } from '../api/live';
import { ApiServices } from '../api/services';
import { ensureBootstrapAdmin } from '../api/auth/staff-accounts';
import { PipelineStatus } from '../api/pipeline-status';
import { readiness } from '../api/probes';
import { recordedChannels } from '../notifications/dev-outbox';
import { UserDoc, USERS } from '../projections/users/projection';
import { describeStores, localUrl, StartupFacts, startupBanner } from './banner';
import { CommandHandler } from '../commands/handler';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger, printBesideLogs } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { OutboxDispatcher } from '../notifications/dispatcher';
import { DocumentOutbox } from '../notifications/outbox-store';
import { ProjectionEngine } from '../projections/engine';
import { SagaEngine } from '../sagas/engine';
import { StoreFileCorrupt } from '../sqlite/store-file';
import { Projection } from '../projections/projection';
import { createContainer, seedSystemDependencies } from './container';
import { lockDataDir } from './data-lock';
import { TOKENS } from './tokens';
import { DEMO_LOGINS, SeedInterrupted, seedDemo } from '../seed/demo';
import { SeedProgress } from '../seed/marker';
import { RunningSeedSystem, startSeedSystem } from '../seed/system';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  if (!config.MONGO_URL) lockDataDir(config.DATA_DIR, `npm start (${config.PROCESS_ROLE})`);
  const container = createContainer(config, logger);
  const eventStore = container.get<EventStore>(TOKENS.EventStore);
  const documents = container.get<DocumentStore>(TOKENS.DocumentStore);
  const projections = container.get<readonly Projection[]>(TOKENS.Projections);
  container.get<CommandHandler>(TOKENS.CommandHandler);
  const runs = (role: typeof config.PROCESS_ROLE) => config.PROCESS_ROLE === 'all' || config.PROCESS_ROLE === role;

  let engine: ProjectionEngine | undefined;
  if (runs('projector')) {
    engine = container.get<ProjectionEngine>(TOKENS.ProjectionEngine);
    await engine.start();
    logger.info({ projections: projections.map((p) => `${p.name}@v${p.version}`) }, 'projections running');
  }

  // Demo data on an empty store (all-in-one process only). The API serves at once and answers
  // 503 "starting up" with the progress until the seed is done; the seed drives its own saga
  // engine and clock, and the app's sagas start afterwards, resuming from its checkpoints.
  // A seed interrupted (Ctrl-C) is finished on the next start: its commands are idempotent.
  const seedProgress = new SeedProgress(documents);
  const interrupted = await seedProgress.interrupted();
  const seedWanted = engine && runs('workers') && config.SEED_DEMO && ((await eventStore.headPosition()) === 0 || interrupted);
  const seeding = seedWanted ? { phase: 'starting', done: 0, total: 1 } : null;
  let warming: string | null = seeding ? 'Writing demo data on first start' : null;

  // Built now so the API reports on the sagas this process runs; they start after the demo seed
  // (until then their status comes from their checkpoints).
  const sagaEngine = runs('workers') ? container.get<SagaEngine>(TOKENS.SagaEngine) : undefined;
  // The start-up banner, once, when the system is usable: the first time /ready answers 200 once
  // everything has started (asked by a poller, or by this process itself).
  let startedUp = false;
  let url: string | null = null;
  let api: ApiServices | undefined;
  let bootstrapAdmin: StartupFacts['bootstrapAdmin'] = null;
  let announcement: Promise<void> | undefined;
  const announce = () =>
    (announcement ??= (async () => {
      const demo = await seedProgress.finished();
      const noAdmin = !demo && api !== undefined && (await (await api.readModels.collection<UserDoc>(USERS)).count({ role: 'admin' })) === 0;
      const facts: StartupFacts = {
        role: config.PROCESS_ROLE,
        url,
        stores: describeStores(config),
        demoLogins: demo ? DEMO_LOGINS : null,
        bootstrapAdmin,
        noAdmin,
        recordedChannels: config.PROCESS_ROLE === 'projector' ? [] : recordedChannels(config),
        paymentGateway: config.STRIPE_SECRET_KEY ? 'stripe' : 'sandbox',
        devOutboxServed: config.NODE_ENV !== 'production',
        developmentSecrets: { names: [...container.get<Set<string>>(TOKENS.DevelopmentSecrets)].sort(), path: join(config.DATA_DIR, '.secrets.json') },
      };
      const { demoLogins, ...logged } = facts;
      logger.info({ ...logged, demoLogins: demoLogins && Object.values(demoLogins).map((login) => login.email) }, 'Sysops Squad is ready');
      printBesideLogs(logger, startupBanner(facts));
    })().catch((error: unknown) => logger.warn({ err: error }, 'start-up banner not printed')));

  let server: Server | undefined;
  let live: LiveGateway | undefined;
  if (runs('api')) {
    const services = container.get<ApiServices>(TOKENS.ApiServices);
    if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD) {
      const admin = await ensureBootstrapAdmin(services, { email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD }, services.clock());
      bootstrapAdmin = { email: config.BOOTSTRAP_ADMIN_EMAIL, outcome: admin.outcome };
      if (admin.outcome === 'taken') logger.warn({ email: config.BOOTSTRAP_ADMIN_EMAIL }, 'BOOTSTRAP_ADMIN_EMAIL belongs to another account: no admin created');
      else logger.info({ email: config.BOOTSTRAP_ADMIN_EMAIL, userId: admin.userId, outcome: admin.outcome }, admin.outcome === 'created' ? 'first admin account created (BOOTSTRAP_ADMIN_EMAIL)' : 'first admin account already made on an earlier start');
    }
    api = { ...services, ...(engine ? { engine } : {}), ...(sagaEngine ? { sagas: sagaEngine } : {}) };
    const app = createApi(api, {
      devOutbox: config.NODE_ENV !== 'production',
      publicUrl: config.PUBLIC_URL,
      // dist/ui beside dist/app: built by `npm run build` (`npm start` builds first).
      webApp: join(__dirname, '..', 'ui'),
      loginLimitPerMinute: config.LOGIN_LIMIT_PER_MINUTE,
      signUpLimitPerMinute: config.SIGNUP_LIMIT_PER_MINUTE,
      trustProxy: config.TRUST_PROXY,
      ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
      warmingUp: () => warming && seeding && `${warming}: ${seeding.phase} ${seeding.done}/${seeding.total}; the API opens when it is done (SEED_DEMO=false skips it).`,
      onReady: async () => {
        if (startedUp) await announce();
      },
    });
    const listening = app.listen(config.PORT, config.HOST);
    server = listening;
    await new Promise<void>((resolve, reject) => listening.once('listening', resolve).once('error', reject));
    url = localUrl(config.HOST, (listening.address() as AddressInfo).port);
    logger.info({ url, role: config.PROCESS_ROLE }, 'HTTP server listening; the start-up banner follows when the system is ready');
    // socket.io live updates on the same server (several API instances: see api/live.ts for the adapter)
    live = await startLiveGateway(server, engine ? { ...services, engine } : services);
  }

  let sagas: SagaEngine | undefined;
  let dispatcher: OutboxDispatcher | undefined;
  let seedSystem: RunningSeedSystem | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await live?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await dispatcher?.stop();
    await seedSystem?.stop();
    await sagas?.stop();
    await engine?.stop();
    await eventStore.close();
    await documents.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (seeding && engine) {
    logger.info(interrupted ? 'finishing the demo data interrupted on the last start' : 'the event store is empty: writing demo data (as npm run seed does); set SEED_DEMO=false to skip');
    await seedProgress.running();
    seedSystem = await startSeedSystem(seedSystemDependencies(container, engine));
    const started = Date.now();
    let logged = '';
    const summary = await seedDemo(seedSystem, {
      resume: interrupted,
      // Ctrl-C mid-seed closes the stores under it: stop quietly; the next start finishes the seed.
      shouldStop: () => stopping,
      onProgress(phase, done, total) {
        Object.assign(seeding, { phase, done, total });
        // One log line per phase and per quarter of it: progress without flooding the log.
        const step = `${phase}:${Math.floor((4 * done) / Math.max(1, total))}`;
        if (step !== logged) {
          logged = step;
          logger.info({ phase, done, total }, 'writing demo data');
        }
      },
    }).catch((error: unknown) => {
      if (error instanceof SeedInterrupted || stopping) return null;
      throw error;
    });
    if (!summary) return; // interrupted by shutdown
    await seedSystem.stop();
    seedSystem = undefined;
    await seedProgress.done();
    logger.info({ seconds: Math.round((Date.now() - started) / 1000), tickets: summary.tickets, logins: summary.logins }, 'demo data written');
  }

  if (sagaEngine) {
    await container.get<DocumentOutbox>(TOKENS.Outbox).ensureIndexes();
    sagas = sagaEngine;
    sagas.start();
    dispatcher = container.get<OutboxDispatcher>(TOKENS.OutboxDispatcher);
    dispatcher.start();
    logger.info({ sagas: sagas.status().map((s) => s.name) }, 'sagas and notification delivery running');
  }
  if (warming) {
    warming = null;
    logger.info({ url }, 'demo data ready; the API is open');
  }
  startedUp = true;
  if (!api) {
    await announce();
    return;
  }
  // Read models and sagas caught up (what /ready checks), unless a poller of /ready is first.
  const probe = { ...api, pipeline: new PipelineStatus(api), warmingUp: () => null };
  while (!stopping && !announcement) {
    const state = await readiness(probe).catch(() => null);
    if (state?.ready) await announce();
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

main().catch((error) => {
  // A damaged store file: which file and what to do, rather than SQLite's stack.
  console.error(error instanceof StoreFileCorrupt ? `Cannot start: ${error.message}` : error);
  process.exit(1);
});
