/** Injection tokens of the composition root. */
export const TOKENS = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  EventStore: Symbol.for('EventStore'),
  CommandHandler: Symbol.for('CommandHandler'),
  DocumentStore: Symbol.for('DocumentStore'),
  Projections: Symbol.for('Projections'),
  ReadModels: Symbol.for('ReadModels'),
  ExpertDirectory: Symbol.for('ExpertDirectory'),
  ProjectionEngine: Symbol.for('ProjectionEngine'),
  Clock: Symbol.for('Clock'),
  Outbox: Symbol.for('Outbox'),
  OutboxDispatcher: Symbol.for('OutboxDispatcher'),
  SurveyTokens: Symbol.for('SurveyTokens'),
  SagaEngine: Symbol.for('SagaEngine'),
  PaymentGateway: Symbol.for('PaymentGateway'),
  TokenService: Symbol.for('TokenService'),
  ApiServices: Symbol.for('ApiServices'),
  /** Names of the secrets generated for development in this process (a Set, filled as they are used). */
  DevelopmentSecrets: Symbol.for('DevelopmentSecrets'),
} as const;
