/**
 * Process entry point (`npm start`). By default one process runs everything on the embedded
 * stores; PROCESS_ROLE selects a part when the production stack runs them separately.
 */
import { Server } from 'node:http';
import { createApi } from '../api/server';
import { CommandHandler } from '../commands/handler';
import { ConfigError, loadConfig } from '../config/config';
import { createLogger } from '../config/logger';
import { EventStore } from '../event-store/port';
import { createContainer } from './container';
import { TOKENS } from './tokens';

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
  const container = createContainer(config, logger);
  const eventStore = container.get<EventStore>(TOKENS.EventStore);
  container.get<CommandHandler>(TOKENS.CommandHandler);

  let server: Server | undefined;
  if (config.PROCESS_ROLE === 'all' || config.PROCESS_ROLE === 'api') {
    const app = createApi({ eventStore });
    server = app.listen(config.PORT, config.HOST, () => {
      logger.info({ url: `http://localhost:${config.PORT}`, role: config.PROCESS_ROLE }, 'Sysops Squad is up');
    });
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await eventStore.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
