/**
 * Process entry point (`npm start`). By default one process runs everything on the embedded
 * stores; PROCESS_ROLE selects a part when the production stack runs them separately.
 */
import { Server } from 'node:http';
import { createApi } from '../api/app';
import { LiveGateway, startLiveGateway } from '../api/live';
import { ApiServices } from '../api/services';
import { CommandHandler } from '../commands/handler';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { OutboxDispatcher } from '../notifications/dispatcher';
import { DocumentOutbox } from '../notifications/outbox-store';
import { ProjectionEngine } from '../projections/engine';
import { SagaEngine } from '../sagas/engine';
import { Projection } from '../projections/projection';
import { createContainer } from './container';
import { lockDataDir } from './data-lock';
import { TOKENS } from './tokens';
import { seedDemo } from '../seed/demo';
import { seedSystemFrom } from '../seed/system';

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

  // Demo data on an empty store (all-in-one process only): runs before the sagas start, with the
  // seed's own saga engine and clock; the app's sagas then resume from its checkpoints.
  if (engine && runs('workers') && process.env.SEED_DEMO !== 'false' && (await eventStore.headPosition()) === 0) {
    logger.info('the event store is empty: writing demo data (npm run seed); set SEED_DEMO=false to skip');
    const seedSystem = await seedSystemFrom(container, engine);
    const started = Date.now();
    const summary = await seedDemo(seedSystem);
    await seedSystem.stop();
    logger.info({ seconds: Math.round((Date.now() - started) / 1000), tickets: summary.tickets, logins: summary.logins }, 'demo data written');
  }

  let sagas: SagaEngine | undefined;
  let dispatcher: OutboxDispatcher | undefined;
  if (runs('workers')) {
    await container.get<DocumentOutbox>(TOKENS.Outbox).ensureIndexes();
    sagas = container.get<SagaEngine>(TOKENS.SagaEngine);
    sagas.start();
    dispatcher = container.get<OutboxDispatcher>(TOKENS.OutboxDispatcher);
    dispatcher.start();
    logger.info({ sagas: sagas.status().map((s) => s.name) }, 'sagas and notification delivery running');
  }

  let server: Server | undefined;
  let live: LiveGateway | undefined;
  if (runs('api')) {
    const services = container.get<ApiServices>(TOKENS.ApiServices);
    const app = createApi(engine ? { ...services, engine } : services, { devOutbox: config.NODE_ENV !== 'production', publicUrl: config.PUBLIC_URL });
    server = app.listen(config.PORT, config.HOST, () => {
      logger.info({ url: `http://localhost:${config.PORT}`, role: config.PROCESS_ROLE }, 'Sysops Squad is up');
    });
    // socket.io live updates on the same server (several API instances: see api/live.ts for the adapter)
    live = await startLiveGateway(server, engine ? { ...services, engine } : services);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await live?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await dispatcher?.stop();
    await sagas?.stop();
    await engine?.stop();
    await eventStore.close();
    await documents.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
