import express, { Express } from 'express';
import { z } from 'zod';
import { listDevOutbox } from '../notifications/dev-outbox';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { ProjectionEngine } from '../projections/engine';
import { Projection } from '../projections/projection';
import { servingStatus } from '../projections/status';

export interface ApiDependencies {
  eventStore: EventStore;
  documents: DocumentStore;
  projections: readonly Projection[];
  /** Present when this process runs the projections (richer status: state, errors, rate). */
  engine?: ProjectionEngine;
  readyMaxLag: number;
}

/** The HTTP API. Resource routes arrive with their issues; probes and ops status are here from the start. */
export function createApi(deps: ApiDependencies): Express {
  const app = express();
  app.disable('x-powered-by');

  // Liveness: the process answers.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the stores are reachable and the read models are caught up within a bound.
  app.get('/ready', async (_req, res) => {
    try {
      await deps.eventStore.ping();
      await deps.documents.ping();
      const projections = await servingStatus(deps.eventStore, deps.documents, deps.projections);
      const behind = projections.filter((p) => p.lag > deps.readyMaxLag);
      if (behind.length > 0) {
        res.status(503).type('application/problem+json').json({
          type: 'about:blank',
          title: 'Not ready',
          status: 503,
          detail: `read models behind by more than ${deps.readyMaxLag} events: ${behind.map((p) => `${p.name} (${p.lag})`).join(', ')}`,
          projections,
        });
        return;
      }
      res.json({ status: 'ready', projections });
    } catch (error) {
      res.status(503).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Not ready',
        status: 503,
        detail: `store unreachable: ${(error as Error).message}`,
      });
    }
  });

  // Projection status for ops: position, lag, events/s, and the last handler error if any.
  app.get('/projections', async (_req, res, next) => {
    try {
      res.json({ projections: deps.engine ? await deps.engine.status() : await servingStatus(deps.eventStore, deps.documents, deps.projections) });
    } catch (error) {
      next(error);
    }
  });

  // Development outbox: every SMS and e-mail recorded instead of sent (no Twilio/SendGrid credentials).
  const DevOutboxQuery = z.object({
    ticketId: z.string().min(1).max(200).optional(),
    to: z.string().min(1).max(200).optional(),
    channel: z.enum(['sms', 'email']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });
  app.get('/notifications/dev-outbox', async (req, res, next) => {
    const query = DevOutboxQuery.safeParse(req.query);
    if (!query.success) {
      res.status(400).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Invalid query',
        status: 400,
        errors: query.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
      return;
    }
    try {
      const { ticketId, to, channel, limit } = query.data;
      res.json({ messages: await listDevOutbox(deps.documents, { limit, ...(ticketId ? { ticketId } : {}), ...(to ? { to } : {}), ...(channel ? { channel } : {}) }) });
    } catch (error) {
      next(error);
    }
  });

  return app;
}
