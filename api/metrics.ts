/**
 * Prometheus metrics of one API app: request and command latency, and the pipeline behind the
 * API (event store head, read models, sagas, outbox) read from the stores at scrape time.
 *
 * Each app has its own registry (tests create several apps per process); the process-wide
 * metrics (event-loop lag, GC, heap, CPU) are collected once per process and exposed by every
 * app's registry.
 */
import { RequestHandler } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DocumentStore, DocumentStoreMemory } from '../document-store/port';
import { PipelineReading, PipelineStatus } from './pipeline-status';

/** Seconds: from a cached read (1 ms) to a write waiting on a busy store (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label of a request no route matched (404s, requests refused before routing). */
const UNMATCHED = 'unmatched';

let processRegistry: Registry | undefined;

/**
 * Collecting the default metrics starts a GC observer and an event-loop monitor that are never
 * stopped, and they describe the process, not an app: once per process.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class ApiMetrics {
  /** What /metrics exposes: this app's metrics and the process's. */
  readonly registry: Registry;
  private readonly own = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly commandDuration: Histogram<'method' | 'route'>;
  private scrape: Promise<PipelineReading> | undefined;

  constructor(
    private readonly pipeline: PipelineStatus,
    passwords?: { load(): { running: number; waiting: number } },
    documents?: Pick<DocumentStore, 'memoryUse'>,
  ) {
    this.requestDuration = new Histogram({
      name: 'sysops_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (not the URL) and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [this.own],
    });
    this.commandDuration = new Histogram({
      name: 'sysops_command_duration_seconds',
      help: "Time of a write request's command part (without waiting for read models), by route.",
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [this.own],
    });
    this.pipelineGauges();
    if (passwords) {
      this.gaugeOf(passwords.load.bind(passwords), 'sysops_password_hashes', 'Password hashes (logins, sign-ups, password changes) running and waiting their turn (PASSWORD_HASH_CONCURRENCY).', ['state'], (g, { running, waiting }) => {
        g.set({ state: 'running' }, running);
        g.set({ state: 'waiting' }, waiting);
      });
    }
    const memory = documents?.memoryUse?.bind(documents);
    if (memory) this.documentStoreGauges(memory);
    this.registry = Registry.merge([processMetrics(), this.own]);
  }

  /** Times every request; the route label is the route table's pattern, so ids add no series. */
  timeRequests(): RequestHandler {
    return (req, res, next) => {
      const end = this.requestDuration.startTimer();
      res.once('finish', () => {
        const route: unknown = res.locals.routePattern ?? req.route?.path;
        end({ method: req.method, route: typeof route === 'string' ? route : UNMATCHED, status_code: String(res.statusCode) });
      });
      next();
    };
  }

  observeCommand(route: { method: string; path: string }, seconds: number): void {
    this.commandDuration.observe({ method: route.method.toUpperCase(), route: route.path }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Every gauge below is filled by its collect() at scrape time, from one reading of the stores
   * shared by all of them (prom-client collects the metrics of a scrape concurrently).
   */
  private reading(): Promise<PipelineReading> {
    this.scrape ??= this.pipeline.reading().finally(() => {
      this.scrape = undefined;
    });
    return this.scrape;
  }

  private pipelineGauges(): void {
    this.gauge('sysops_event_store_head_position', 'Global position of the last event.', [], (g, r) => g.set(r.head));
    this.gauge('sysops_projection_position', 'Last event position applied by the serving read model.', ['projection'], (g, r) => {
      for (const p of r.projections) g.set({ projection: p.name }, p.position);
    });
    this.gauge('sysops_projection_lag_events', 'Events not yet applied by the read model that serves readers (negative: the store lost its tail).', ['projection'], (g, r) => {
      for (const p of r.projections) g.set({ projection: p.name }, p.head - p.position);
    });
    this.gauge('sysops_saga_position', 'Last event position a saga moved past.', ['saga'], (g, r) => {
      for (const s of r.sagas) g.set({ saga: s.name }, s.position);
    });
    this.gauge('sysops_saga_lag_events', 'Events a saga has not reached yet (negative: the store lost its tail).', ['saga'], (g, r) => {
      for (const s of r.sagas) g.set({ saga: s.name }, s.lag);
    });
    this.gauge('sysops_saga_events_per_second', 'Events a saga moves past per second, recently.', ['saga'], (g, r) => {
      for (const s of r.sagas) g.set({ saga: s.name }, s.eventsPerSecond);
    });
    this.gauge('sysops_saga_oldest_unhandled_age_seconds', 'Age of the first event a saga has not reached (0: none).', ['saga'], (g, r) => {
      for (const s of r.sagas) g.set({ saga: s.name }, s.oldestUnhandledAgeSeconds ?? 0);
    });
    this.gauge('sysops_notifications', 'Messages in the outbox by status.', ['status'], (g, r) => {
      for (const status of ['pending', 'sent', 'parked'] as const) g.set({ status }, r.outbox[status]);
    });
    this.gauge('sysops_outbox_oldest_pending_age_seconds', 'How long the message waiting longest past its due time has waited.', [], (g, r) =>
      g.set(r.outbox.oldestPendingAgeSeconds),
    );
    this.gauge('sysops_deadlines_due', 'Saga deadlines whose time has come that have not fired.', [], (g, r) => g.set(r.outbox.deadlinesDue));
    this.gauge('sysops_deadline_oldest_overdue_seconds', 'How long the earliest unfired due deadline has been due.', [], (g, r) =>
      g.set(r.outbox.oldestDeadlineOverdueSeconds),
    );
  }

  /** The embedded document store's memory: what it holds within its budgets, and how often index keys go to and come back from its temporary file. */
  private documentStoreGauges(memory: () => DocumentStoreMemory): void {
    const help = 'Bytes the embedded document store holds in memory, roughly: document bodies and index keys (each within its budget).';
    this.gaugeOf(memory, 'sysops_document_store_memory_bytes', help, ['part'], (g, { bodies, indexKeys }) => {
      g.set({ part: 'bodies' }, bodies.bytes);
      g.set({ part: 'index_keys' }, indexKeys.bytes);
    });
    const moved = 'Chunks of index keys read back from the temporary file (read) or written out to it (write) since the store opened.';
    this.gaugeOf(memory, 'sysops_document_store_index_chunks_moved', moved, ['direction'], (g, { indexKeys }) => {
      g.set({ direction: 'read' }, indexKeys.reads);
      g.set({ direction: 'write' }, indexKeys.writes);
    });
  }

  /** A pipeline gauge: filled from the reading every gauge of a scrape shares. */
  private gauge<L extends string>(name: string, help: string, labelNames: L[], fill: (gauge: Gauge<L>, reading: PipelineReading) => void): void {
    this.gaugeOf(() => this.reading(), name, help, labelNames, fill);
  }

  /** A gauge filled at scrape time from what `read` answers then. */
  private gaugeOf<R, L extends string>(read: () => R | Promise<R>, name: string, help: string, labelNames: L[], fill: (gauge: Gauge<L>, reading: R) => void): void {
    const gauge: Gauge<L> = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.own],
      async collect() {
        const r = await read();
        // Only what this reading says: a series that is gone does not linger.
        gauge.reset();
        fill(gauge, r);
      },
    });
  }
}
