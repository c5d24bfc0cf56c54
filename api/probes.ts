/**
 * Ops probes: liveness, readiness, the pipeline's status and Prometheus metrics. Public for now.
 */
import { Express, Response } from 'express';
import { ServingStatus } from '../projections/status';
import { SagaLag } from '../sagas/status';
import { toProblem } from './http/problem';
import { ApiMetrics } from './metrics';
import { PipelineStatus } from './pipeline-status';
import { ApiServices } from './services';

export interface Probes {
  services: ApiServices;
  pipeline: PipelineStatus;
  metrics: ApiMetrics;
  /** While this returns a reason, /ready answers 503 with it. */
  warmingUp?: (() => string | null) | undefined;
}

export function mountProbes(app: Express, { services, pipeline, metrics, warmingUp = () => null }: Probes): void {
  // Liveness: the process answers.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: the stores are reachable, and read models and sagas are caught up within their bounds.
  app.get('/ready', async (_req, res) => {
    try {
      const reason = warmingUp();
      if (reason) {
        res.setHeader('Retry-After', '5');
        notReady(res, reason);
        return;
      }
      await services.events.ping();
      await services.documents.ping();
      const [projections, sagas] = await Promise.all([pipeline.servingProjections(), pipeline.sagas()]);
      const reasons = whyNotReady(projections, sagas, { projections: services.readyMaxLag, sagas: services.readyMaxSagaLag });
      if (reasons.length > 0) {
        notReady(res, reasons.join('; '), { projections, sagas });
        return;
      }
      res.json({ status: 'ready', projections, sagas });
    } catch (error) {
      res.status(503).type('application/problem+json').json({ ...toProblem(error), title: 'Not ready', status: 503 });
    }
  });

  // For ops: each read model's and saga's position, lag, events/s and last error, and the outbox backlog.
  app.get('/projections', async (_req, res, next) => {
    try {
      const [projections, sagas, outbox] = await Promise.all([pipeline.projections(), pipeline.sagas(), pipeline.outbox()]);
      res.json({ projections, sagas, outbox });
    } catch (error) {
      next(error);
    }
  });

  app.get('/metrics', async (_req, res, next) => {
    try {
      const text = await metrics.text();
      res.type(metrics.contentType).send(text);
    } catch (error) {
      next(error);
    }
  });
}

/**
 * Why the pipeline is not ready, one reason per kind of trouble, naming who: read models or
 * sagas further behind than their bound, and anything ahead of the event store's head (the store
 * lost its tail: new events get positions already passed, and would be skipped).
 */
export function whyNotReady(projections: readonly ServingStatus[], sagas: readonly SagaLag[], bounds: { projections: number; sagas: number }): string[] {
  const reasons: string[] = [];
  const projectionsBehind = projections.filter((p) => p.head - p.position > bounds.projections);
  if (projectionsBehind.length > 0) {
    reasons.push(`read models behind by more than ${bounds.projections} events: ${projectionsBehind.map((p) => `${p.name} (${p.head - p.position})`).join(', ')}`);
  }
  const sagasBehind = sagas.filter((s) => s.lag > bounds.sagas);
  if (sagasBehind.length > 0) {
    reasons.push(`sagas behind by more than ${bounds.sagas} events: ${sagasBehind.map((s) => `${s.name} (${s.lag})`).join(', ')}`);
  }
  const ahead = [
    ...projections.filter((p) => p.position > p.head).map((p) => `read model ${p.name} at ${p.position}`),
    ...sagas.filter((s) => s.lag < 0).map((s) => `saga ${s.name} at ${s.position}`),
  ];
  if (ahead.length > 0) {
    const head = projections[0]?.head ?? sagas[0]?.head;
    reasons.push(`ahead of the event store's head (${head}), the store lost events: ${ahead.join(', ')}`);
  }
  return reasons;
}

function notReady(res: Response, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(503).type('application/problem+json').json({ type: 'about:blank', title: 'Not ready', status: 503, detail, ...extra });
}
