/** Injection tokens of the composition root. */
export const TOKENS = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  EventStore: Symbol.for('EventStore'),
  CommandHandler: Symbol.for('CommandHandler'),
} as const;
