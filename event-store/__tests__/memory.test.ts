import { describeEventStoreConformance } from '../conformance';
import { InMemoryEventStore } from '../memory';

describeEventStoreConformance('in-memory', () => ({
  open: async () => new InMemoryEventStore(),
  // Memory is the process: a "restart" keeps the same instance, with new subscriptions.
  reopen: async (previous) => previous,
  cleanup: async () => undefined,
}));
