import 'reflect-metadata';
import { Container } from 'inversify';
import { join } from 'node:path';
import { CommandHandler } from '../commands/handler';
import { Config, mapTilesOf } from '../config/config';
import { Logger } from '../config/logger';
import { EmbeddedDocumentStore } from '../document-store/embedded';
import { MongoDocumentStore } from '../document-store/mongodb';
import { DocumentStore } from '../document-store/port';
import { EventStoreDbEventStore } from '../event-store/eventstoredb';
import { EventStore } from '../event-store/port';
import { SqliteEventStore } from '../event-store/sqlite';
import { allProjections } from '../projections/all';
import { ProjectionEngine } from '../projections/engine';
import { Projection } from '../projections/projection';
import { ReadModels } from '../read-models/read-models';
import { ExpertDirectory, ReadModelExpertDirectory } from '../read-models/expert-directory';
import { chooseChannels } from '../notifications/dev-outbox';
import { OutboxDispatcher } from '../notifications/dispatcher';
import { DocumentOutbox } from '../notifications/outbox-store';
import { SurveyTokens } from '../notifications/survey-tokens';
import { AllSagasDependencies, allSagaNames, allSagas } from '../sagas/all';
import { Deadlines } from '../sagas/deadlines';
import { SagaEngine } from '../sagas/engine';
import { Clock } from '../sagas/process-manager';
import { SeedSystemDependencies } from '../seed/system';
import { secretOrDevelopmentDefault } from './secrets';
import { PasswordHashing } from '../api/auth/passwords';
import { TokenService } from '../api/auth/tokens';
import { ApiServices } from '../api/services';
import { PaidCustomersCache } from '../read-models/payment-status';
import { TOKENS } from './tokens';
import { PaymentGateway } from '../payments/gateway';
import { paymentGatewayFor } from '../payments/choose';
import { statementSettingsOf } from '../statements/settings';

/**
 * One container per process. The adapter set follows the configuration: EventStoreDB when
 * EVENTSTORE_URL is set, MongoDB when MONGO_URL is set, otherwise embedded SQLite files under DATA_DIR.
 */
export function createContainer(config: Config, logger: Logger): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind<Config>(TOKENS.Config).toConstantValue(config);
  container.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  const developmentSecrets = new Set<string>();
  container.bind<Set<string>>(TOKENS.DevelopmentSecrets).toConstantValue(developmentSecrets);
  container.bind<EventStore>(TOKENS.EventStore).toDynamicValue(() => createEventStore(config, logger));
  container
    .bind<CommandHandler>(TOKENS.CommandHandler)
    .toDynamicValue((ctx) => new CommandHandler(ctx.get<EventStore>(TOKENS.EventStore), { maxAttempts: config.COMMAND_MAX_ATTEMPTS }));
  container.bind<DocumentStore>(TOKENS.DocumentStore).toDynamicValue(() => createDocumentStore(config, logger));
  container.bind<readonly Projection[]>(TOKENS.Projections).toConstantValue(allProjections);
  container
    .bind<ReadModels>(TOKENS.ReadModels)
    .toDynamicValue((ctx) => new ReadModels(ctx.get<DocumentStore>(TOKENS.DocumentStore), ctx.get<readonly Projection[]>(TOKENS.Projections)));
  container
    .bind<ProjectionEngine>(TOKENS.ProjectionEngine)
    .toDynamicValue((ctx) => {
      const readModels = ctx.get<ReadModels>(TOKENS.ReadModels);
      return new ProjectionEngine(ctx.get<EventStore>(TOKENS.EventStore), ctx.get<DocumentStore>(TOKENS.DocumentStore), ctx.get<readonly Projection[]>(TOKENS.Projections), {
        // Readers cache which build serves each read model: they forget it as soon as the engine switches one.
        onSwitch: () => readModels.refresh(),
        // This process writes the read models: readers may keep what they read until it changes.
        onApplied: readModels.followChanges(),
        logger,
      });
    });
  container.bind<Clock>(TOKENS.Clock).toConstantValue(() => new Date());
  // One for the API and the sagas: the experts it keeps (frozen, read again when they change) are shared.
  container.bind<ExpertDirectory>(TOKENS.ExpertDirectory).toDynamicValue((ctx) => new ReadModelExpertDirectory(ctx.get<ReadModels>(TOKENS.ReadModels)));
  container
    .bind<DocumentOutbox>(TOKENS.Outbox)
    .toDynamicValue((ctx) => new DocumentOutbox(ctx.get<DocumentStore>(TOKENS.DocumentStore), { helpdeskEmail: config.HELPDESK_EMAIL, timeZone: config.SERVICE_TIME_ZONE, logger }));
  container
    .bind<PaymentGateway>(TOKENS.PaymentGateway)
    .toDynamicValue((ctx) => paymentGatewayFor(config, ctx.get<DocumentStore>(TOKENS.DocumentStore), ctx.get<Clock>(TOKENS.Clock)))
    .inSingletonScope();
  container.bind<OutboxDispatcher>(TOKENS.OutboxDispatcher).toDynamicValue((ctx) => {
    return new OutboxDispatcher(ctx.get<DocumentOutbox>(TOKENS.Outbox), chooseChannels(config, logger), {
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
      // The embedded store is held by one process (main.ts locks DATA_DIR): no other dispatcher.
      sole: !config.MONGO_URL,
      logger,
    });
  });
  container.bind<SurveyTokens>(TOKENS.SurveyTokens).toDynamicValue((ctx) => {
    const secret = secretOrDevelopmentDefault('SURVEY_TOKEN_SECRET', config.SURVEY_TOKEN_SECRET, {
      dataDir: config.DATA_DIR,
      production: config.NODE_ENV === 'production',
      logger,
      used: developmentSecrets,
    });
    return new SurveyTokens(ctx.get<DocumentStore>(TOKENS.DocumentStore), secret);
  });
  container.bind<SagaEngine>(TOKENS.SagaEngine).toDynamicValue((ctx) => {
    const documents = ctx.get<DocumentStore>(TOKENS.DocumentStore);
    return new SagaEngine(allSagas(sagaDependencies(ctx)), {
      events: ctx.get<EventStore>(TOKENS.EventStore),
      documents,
      commands: ctx.get<CommandHandler>(TOKENS.CommandHandler),
      deadlines: new Deadlines(documents),
      clock: ctx.get<Clock>(TOKENS.Clock),
      logger,
    });
  });
  container.bind<TokenService>(TOKENS.TokenService).toDynamicValue((ctx) => {
    const secret = secretOrDevelopmentDefault('JWT_SECRET', config.JWT_SECRET, {
      dataDir: config.DATA_DIR,
      production: config.NODE_ENV === 'production',
      logger,
      used: developmentSecrets,
    });
    return new TokenService(secret, ctx.get<DocumentStore>(TOKENS.DocumentStore), ctx.get<Clock>(TOKENS.Clock));
  });
  container.bind<ApiServices>(TOKENS.ApiServices).toDynamicValue((ctx) => {
    const readModels = ctx.get<ReadModels>(TOKENS.ReadModels);
    return {
      commands: ctx.get<CommandHandler>(TOKENS.CommandHandler),
      events: ctx.get<EventStore>(TOKENS.EventStore),
      documents: ctx.get<DocumentStore>(TOKENS.DocumentStore),
      readModels,
      projections: ctx.get<readonly Projection[]>(TOKENS.Projections),
      outbox: ctx.get<DocumentOutbox>(TOKENS.Outbox),
      surveyTokens: ctx.get<SurveyTokens>(TOKENS.SurveyTokens),
      tokens: ctx.get<TokenService>(TOKENS.TokenService),
      passwords: new PasswordHashing(config.PASSWORD_HASH_CONCURRENCY),
      payments: new PaidCustomersCache(readModels),
      experts: ctx.get<ExpertDirectory>(TOKENS.ExpertDirectory),
      clock: ctx.get<Clock>(TOKENS.Clock),
      logger,
      sagaNames: allSagaNames,
      readyMaxLag: config.READY_MAX_LAG,
      readyMaxSagaLag: config.READY_MAX_SAGA_LAG,
      enRouteLeadMinutes: config.EN_ROUTE_LEAD_MIN,
      mapTiles: mapTilesOf(config),
      statements: statementSettingsOf(config),
      dunningRetryDays: config.DUNNING_RETRY_DAYS,
      paymentGateway: ctx.get<PaymentGateway>(TOKENS.PaymentGateway),
    };
  });
  return container;
}

/** The container, or a binding's resolution context. */
type Lookup = { get<T>(token: symbol): T };

/** What the sagas are built from, taken out of this process's container. */
function sagaDependencies(ctx: Lookup): AllSagasDependencies {
  return {
    config: ctx.get<Config>(TOKENS.Config),
    outbox: ctx.get<DocumentOutbox>(TOKENS.Outbox),
    surveyTokens: ctx.get<SurveyTokens>(TOKENS.SurveyTokens),
    experts: ctx.get<ExpertDirectory>(TOKENS.ExpertDirectory),
    payments: { gateway: ctx.get<PaymentGateway>(TOKENS.PaymentGateway), retryDays: ctx.get<Config>(TOKENS.Config).DUNNING_RETRY_DAYS },
  };
}

/** What the demo seed drives, taken out of this process's container; `engine` must already be started. */
export function seedSystemDependencies(container: Container, engine: ProjectionEngine): SeedSystemDependencies {
  const { payments: _charged, ...sagas } = sagaDependencies(container);
  return {
    ...sagas,
    dunningRetryDays: container.get<Config>(TOKENS.Config).DUNNING_RETRY_DAYS,
    events: container.get<EventStore>(TOKENS.EventStore),
    documents: container.get<DocumentStore>(TOKENS.DocumentStore),
    commands: container.get<CommandHandler>(TOKENS.CommandHandler),
    outbox: container.get<DocumentOutbox>(TOKENS.Outbox),
    projections: engine,
    logger: container.get<Logger>(TOKENS.Logger),
  };
}

function createDocumentStore(config: Config, logger: Logger): DocumentStore {
  if (config.MONGO_URL) {
    logger.info({ adapter: 'mongodb' }, 'document store: MongoDB');
    return new MongoDocumentStore({ url: config.MONGO_URL });
  }
  const path = join(config.DATA_DIR, 'documents.db');
  logger.info({ adapter: 'embedded', path }, 'document store: embedded SQLite + mingo');
  return new EmbeddedDocumentStore({ path, checkOnOpen: config.SQLITE_CHECK_ON_OPEN, indexCacheBytes: config.DOCUMENT_INDEX_MEMORY_MB * 1024 * 1024 });
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
  // With the embedded document store, the process holds the data folder's lock (data-lock.ts):
  // nobody else appends to this file either.
  return new SqliteEventStore({ path, synchronous: config.SQLITE_SYNCHRONOUS, checkOnOpen: config.SQLITE_CHECK_ON_OPEN, soleWriter: !config.MONGO_URL });
}
