import express, { Express } from 'express';
import { EventStore } from '../event-store/port';

export interface ApiDependencies {
  eventStore: EventStore;
}

/** The HTTP API. Resource routes arrive with their issues; probes are here from the start. */
export function createApi({ eventStore }: ApiDependencies): Express {
  const app = express();
  app.disable('x-powered-by');

  // Liveness: the process answers.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the stores this process depends on are reachable.
  app.get('/ready', async (_req, res) => {
    try {
      await eventStore.ping();
      res.json({ status: 'ready', eventStore: { head: await eventStore.headPosition() } });
    } catch (error) {
      res.status(503).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Not ready',
        status: 503,
        detail: `event store unreachable: ${(error as Error).message}`,
      });
    }
  });

  return app;
}
