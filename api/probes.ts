import { z } from 'zod';
/**
 * Ops probes: liveness and readiness (public: orchestrators and load balancers ask them), the
 * pipeline's status and Prometheus metrics (admins, or a scraper bearing METRICS_TOKEN: they name
 * every read model and saga, their errors and the outbox backlog). Declared like every other route
 * (so /openapi.json and /docs describe them), but mounted before the start-up gate: they answer
 * while demo data is being written.
 */
import { Divergence } from '../event-store/continuity';
import { READ_MODEL_DIVERGENCE_REMEDY } from '../projections/runner';
import { ServingStatus } from '../projections/status';
import { sagaDivergenceRemedy } from '../sagas/runner';
import { SagaLag } from '../sagas/status';
import { StoreFileCorrupt } from '../sqlite/store-file';
import { toProblem } from './http/problem';
import { route, RouteResult, RouteTable } from './http/route';
import { ApiMetrics } from './metrics';
import { PipelineStatus } from './pipeline-status';
import { ApiServices } from './services';

/** What the probes read: the API's services, the pipeline's status and the metrics registry. */
export interface ProbeServices extends ApiServices {
  pipeline: PipelineStatus;
  metrics: ApiMetrics;
  /** While this returns a reason, /ready answers 503 with it. */
  warmingUp: () => string | null;
  /**
   * Awaited before /ready answers 200 (each time; it acts the first time): the process announces
   * it is usable before anyone polling /ready is told so.
   */
  onReady?: () => Promise<void>;
}

export type Readiness =
  | { ready: true; projections: ServingStatus[]; sagas: SagaLag[] }
  | { ready: false; detail: string; extra: Record<string, unknown>; startingUp: boolean };

/** What /ready answers: the stores reachable, read models and sagas within their bounds, nothing ahead of the store. Throws when a store is unreachable. */
export async function readiness(services: Pick<ProbeServices, 'events' | 'documents' | 'pipeline' | 'warmingUp' | 'readyMaxLag' | 'readyMaxSagaLag'>): Promise<Readiness> {
  const reason = services.warmingUp();
  if (reason) return { ready: false, detail: reason, extra: {}, startingUp: true };
  try {
    await services.events.ping();
    await services.documents.ping();
  } catch (error) {
    // A damaged file: not a moment's trouble; say which file and what to do.
    if (error instanceof StoreFileCorrupt) return { ready: false, detail: error.message, extra: { file: error.path }, startingUp: false };
    throw error;
  }
  const [projections, sagas] = await Promise.all([services.pipeline.servingProjections(), services.pipeline.sagas()]);
  const reasons = whyNotReady(projections, sagas, { projections: services.readyMaxLag, sagas: services.readyMaxSagaLag });
  if (reasons.length > 0) return { ready: false, detail: reasons.join('; '), extra: { projections, sagas }, startingUp: false };
  return { ready: true, projections, sagas };
}

const NOT_READY =
  'Not ready (application/problem+json): `detail` names who — demo data being written, a store unreachable or its file damaged, a read model or saga behind its bound, ' +
  'or a read model or saga stopped because its checkpoint does not fit the event store (the store lost events, or is another one), with what to do';

const Position = z.number().int();
const DivergenceView = z
  .object({
    kind: z.enum(['other-store', 'ahead-of-head', 'other-event']).describe('another event store; a checkpoint past its head; another event at the checkpoint\'s position'),
    position: Position,
    head: Position,
    detail: z.string(),
    lastShared: Position.optional().describe('the last position the store still shares with the checkpoint, when known: where a saga may resume'),
  })
  .describe('Why it is stopped: its checkpoint does not fit the event store (see the README, "When the event store lost events")');
/** A read model's build as readers are served by it (from the stores when this process runs no projections). */
const ReadModelLag = z.looseObject({
  name: z.string(),
  version: z.number().int().nullable(),
  suffix: z.string().nullable(),
  position: Position,
  head: Position,
  lag: z.number().int().describe('head − position, never clamped: negative when the store lost events the read model applied'),
  state: z.enum(['starting', 'catching-up', 'live', 'retrying', 'stopped', 'done']).optional(),
  role: z.enum(['active', 'building']).optional(),
  eventsPerSecond: z.number().optional(),
  lastError: z.looseObject({ eventId: z.string(), position: Position, type: z.string(), message: z.string(), attempts: z.number().int() }).optional(),
  divergence: DivergenceView.optional(),
});
const SagaLagView = z.looseObject({
  name: z.string(),
  state: z.enum(['starting', 'running', 'retrying', 'stopped']),
  position: Position,
  head: Position,
  lag: z.number().int(),
  eventsPerSecond: z.number(),
  handled: z.number().int(),
  refused: z.number().int(),
  aheadOfHead: z.literal(true).optional(),
  oldestUnhandledAgeSeconds: z.number().optional(),
  source: z.enum(['runner', 'checkpoint']),
  lastError: z.looseObject({ eventId: z.string(), type: z.string(), position: Position, message: z.string(), attempts: z.number().int() }).nullable().optional(),
  divergence: DivergenceView.optional(),
});
const OutboxView = z.object({
  pending: z.number().int(),
  parked: z.number().int(),
  sent: z.number().int(),
  oldestPendingAgeSeconds: z.number(),
  deadlinesDue: z.number().int(),
  oldestDeadlineOverdueSeconds: z.number(),
});

export const probeRoutes: RouteTable<ProbeServices> = [
  route({
    method: 'get',
    path: '/health',
    summary: 'Liveness: the process answers',
    tag: 'Probes',
    roles: 'public',
    operationId: 'checkHealth',
    response: z.object({ status: z.literal('ok') }),
    success: 200,
    responses: { 200: '`{ "status": "ok" }`' },
    async handler(): Promise<RouteResult> {
      return { status: 200, body: { status: 'ok' } };
    },
  }),
  route({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: the stores are reachable, and read models and sagas are caught up within READY_MAX_LAG / READY_MAX_SAGA_LAG',
    tag: 'Probes',
    roles: 'public',
    operationId: 'checkReadiness',
    response: z.object({ status: z.literal('ready'), projections: z.array(ReadModelLag), sagas: z.array(SagaLagView) }),
    success: 200,
    responses: { 200: '`{ status: "ready", projections, sagas }`: each read model\'s and saga\'s position and lag', 503: NOT_READY },
    async handler(_request, services: ProbeServices): Promise<RouteResult> {
      try {
        const state = await readiness(services);
        if (!state.ready) return notReady(state.detail, state.extra, state.startingUp ? { 'Retry-After': '5' } : {});
        await services.onReady?.();
        return { status: 200, body: { status: 'ready', projections: state.projections, sagas: state.sagas } };
      } catch (error) {
        return { status: 503, contentType: 'application/problem+json', body: { ...toProblem(error), title: 'Not ready', status: 503 } };
      }
    },
  }),
  route({
    method: 'get',
    path: '/projections',
    summary: "For ops (admin, or a scraper bearing METRICS_TOKEN): each read model's and saga's position, lag, events/s and last error, and the outbox backlog",
    tag: 'Probes',
    roles: ['admin'],
    metricsToken: true,
    operationId: 'getPipelineStatus',
    response: z.object({ projections: z.array(ReadModelLag), sagas: z.array(SagaLagView), outbox: OutboxView }),
    success: 200,
    responses: { 200: '`{ projections, sagas, outbox }`: read models (build, state, position, head, lag, events/s, last error), sagas (position, head, lag, events/s, oldest unhandled age, last error), outbox (pending, parked, sent, oldest pending age, deadlines due)' },
    async handler(_request, services: ProbeServices): Promise<RouteResult> {
      const [projections, sagas, outbox] = await Promise.all([services.pipeline.projections(), services.pipeline.sagas(), services.pipeline.outbox()]);
      return { status: 200, body: { projections, sagas, outbox } };
    },
  }),
  route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (admin, or a scraper bearing METRICS_TOKEN): request and command latency, pipeline positions and lags, outbox and deadlines, process defaults',
    tag: 'Probes',
    roles: ['admin'],
    metricsToken: true,
    operationId: 'getMetrics',
    success: 200,
    successType: 'text/plain; version=0.0.4',
    responses: { 200: 'Prometheus text exposition format' },
    async handler(_request, services: ProbeServices): Promise<RouteResult> {
      return { status: 200, body: await services.metrics.text(), contentType: services.metrics.contentType };
    },
  }),
];

/**
 * Why the pipeline is not ready, one reason per kind of trouble, naming who: read models or
 * sagas further behind than their bound, and read models or sagas whose checkpoint does not fit
 * the event store (it lost events, or is another store: new events get positions already
 * passed, and would be skipped), with what to do about them.
 */
export function whyNotReady(projections: readonly ServingStatus[], sagas: readonly SagaLag[], bounds: { projections: number; sagas: number }): string[] {
  const reasons: string[] = [];
  const projectionsBehind = projections.filter((p) => !divergenceOf(p) && p.head - p.position > bounds.projections);
  if (projectionsBehind.length > 0) {
    reasons.push(`read models behind by more than ${bounds.projections} events: ${projectionsBehind.map((p) => `${p.name} (${p.head - p.position})`).join(', ')}`);
  }
  const sagasBehind = sagas.filter((s) => !divergenceOf(s) && s.lag > bounds.sagas);
  if (sagasBehind.length > 0) {
    reasons.push(`sagas behind by more than ${bounds.sagas} events: ${sagasBehind.map((s) => `${s.name} (${s.lag})`).join(', ')}`);
  }
  const models = projections.filter((p) => divergenceOf(p));
  if (models.length > 0) {
    reasons.push(`read models stopped, their checkpoints do not fit the event store: ${grouped(models)}. ${READ_MODEL_DIVERGENCE_REMEDY}`);
  }
  const stopped = sagas.filter((s) => divergenceOf(s));
  if (stopped.length > 0) {
    const shared = stopped.map((s) => divergenceOf(s)!.lastShared);
    const resumeAt = shared.every((p) => p !== undefined) ? Math.min(...(shared as number[])) : undefined;
    reasons.push(`sagas stopped, their checkpoints do not fit the event store: ${grouped(stopped)}. ${sagaDivergenceRemedy(resumeAt)}`);
  }
  return reasons;
}

/** The status's divergence; one past the head is one even when nobody has checked yet. */
function divergenceOf(status: { position: number; head: number; divergence?: Divergence }): Divergence | undefined {
  if (status.divergence) return status.divergence;
  if (status.position <= status.head) return undefined;
  return { kind: 'ahead-of-head', position: status.position, head: status.head, detail: `checkpoint at position ${status.position}, past the event store's head ${status.head}: the store lost events it had` };
}

/** `tickets, visits: <what was found>; users: <…>`: names with the same finding together. */
function grouped(statuses: readonly { name: string; position: number; head: number; divergence?: Divergence }[]): string {
  const byDetail = new Map<string, string[]>();
  for (const status of statuses) {
    const { detail } = divergenceOf(status)!;
    byDetail.set(detail, [...(byDetail.get(detail) ?? []), status.name]);
  }
  return [...byDetail].map(([detail, names]) => `${names.join(', ')}: ${detail}`).join('; ');
}

function notReady(detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): RouteResult {
  return { status: 503, headers, contentType: 'application/problem+json', body: { type: 'about:blank', title: 'Not ready', status: 503, detail, ...extra } };
}
