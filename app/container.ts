import 'reflect-metadata';
import { Container } from 'inversify';
import { join } from 'node:path';
import { CommandHandler } from '../commands/handler';
import { Config } from '../config/config';
import { Logger } from '../config/logger';
import { EventStoreDbEventStore } from '../event-store/eventstoredb';
import { EventStore } from '../event-store/port';
import { SqliteEventStore } from '../event-store/sqlite';
import { TOKENS } from './tokens';

/**
 * One container per process. The adapter set follows the configuration: EventStoreDB when
 * EVENTSTORE_URL is set, otherwise the embedded SQLite file under DATA_DIR.
 */
export function createContainer(config: Config, logger: Logger): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind<Config>(TOKENS.Config).toConstantValue(config);
  container.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  container.bind<EventStore>(TOKENS.EventStore).toDynamicValue(() => createEventStore(config, logger));
  container
    .bind<CommandHandler>(TOKENS.CommandHandler)
    .toDynamicValue((ctx) => new CommandHandler(ctx.get<EventStore>(TOKENS.EventStore), { maxAttempts: config.COMMAND_MAX_ATTEMPTS }));
  return container;
}

function createEventStore(config: Config, logger: Logger): EventStore {
  if (config.EVENTSTORE_URL) {
    logger.info({ adapter: 'eventstoredb' }, 'event store: EventStoreDB');
    return new EventStoreDbEventStore({
      connectionString: config.EVENTSTORE_URL,
      onResubscribe: (error, attempt, delayMs) =>
        logger.warn({ err: error, attempt, delayMs }, 'event store subscription dropped; resubscribing'),
    });
  }
  const path = join(config.DATA_DIR, 'events.db');
  logger.info({ adapter: 'sqlite', path, synchronous: config.SQLITE_SYNCHRONOUS }, 'event store: embedded SQLite');
  return new SqliteEventStore({ path, synchronous: config.SQLITE_SYNCHRONOUS });
}
