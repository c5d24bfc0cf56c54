/**
 * The ops probes over real HTTP: /projections reports sagas and the outbox, /ready holds back
 * when a saga is behind or ahead of the store, /metrics is Prometheus text from prom-client.
 */
import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SAGA_CHECKPOINTS } from '../../sagas/runner';
import { createApi } from '../app';
import { StoreFileCorrupt } from '../../sqlite/store-file';
import { readiness, whyNotReady } from '../probes';
import { ApiServices } from '../services';
import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket, ticketBody } from './scenario';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format, strictly: every sample line parses and belongs to a declared family. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    const value = promValue(sample[3]!);
    if (value === undefined) throw new Error(`not a number: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(sample[1]!) && !types.has(family)) throw new Error(`sample without a TYPE: ${line}`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { samples, types };
}

/** A float as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case). */
function promValue(text: string): number | undefined {
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const n = Number(text);
  return text.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** The same stores served by an API-only process: no projection engine, no saga runners. */
async function startApiOnly(services: ApiServices): Promise<{ call(path: string, token?: string): Promise<{ status: number; body: any; type: string | null }>; close(): Promise<void> }> {
  const { engine: _engine, sagas: _sagas, ...apiOnly } = services;
  const app = createApi(apiOnly, { devOutbox: false, publicUrl: 'http://localhost' });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async call(path, token) {
      const response = await fetch(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      const text = await response.text();
      const type = response.headers.get('content-type');
      return { status: response.status, body: type?.includes('json') ? JSON.parse(text) : text, type };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('ops probes', () => {
  describe('in the all-in-one process', () => {
    let sys: TestSystem;
    let customer: string;
    let admin: string;

    beforeAll(async () => {
      sys = await startTestSystem();
      await markPaid(sys, 'cust-test');
      customer = await sys.token('customer');
      admin = await sys.token('admin');
    });
    afterAll(() => sys.stop());

    it('/projections reports every saga at the head and the outbox backlog, as commands and time move on', async () => {
      await openTicket(sys, customer, ticketBody());
      const head = await sys.services.events.headPosition();

      const first = await sys.call('GET', '/projections', { token: admin });
      expect(first.status).toBe(200);
      expect(first.body.projections.find((p: { name: string }) => p.name === 'tickets')).toMatchObject({ role: 'active', position: head, head, lag: 0 });
      expect(first.body.sagas).toEqual([
        expect.objectContaining({ name: 'matching', position: head, head, lag: 0, state: 'running', source: 'runner', refused: 0, eventsPerSecond: expect.any(Number) }),
        expect.objectContaining({ name: 'notifications', position: head, head, lag: 0, state: 'running', source: 'runner', refused: 0 }),
      ]);
      expect(first.body.sagas[0].handled).toBeGreaterThan(0);
      expect(first.body.sagas[0].lastError).toBeUndefined();
      const pending = await sys.services.outbox.countByStatus('pending');
      expect(pending).toBeGreaterThan(0); // the experts told about the new visit
      expect(first.body.outbox).toEqual({ pending, parked: 0, sent: 0, oldestPendingAgeSeconds: 0, deadlinesDue: 0, oldestDeadlineOverdueSeconds: 0 });

      // Nothing delivers or fires for 20 minutes: the messages have waited that long, and the
      // deadline that widens the visit's feed (due after 15 minutes) is 5 minutes late.
      sys.clock.advanceMinutes(20);
      expect((await sys.call('GET', '/projections', { token: admin })).body.outbox).toEqual({ pending, parked: 0, sent: 0, oldestPendingAgeSeconds: 1200, deadlinesDue: 1, oldestDeadlineOverdueSeconds: 300 });
      await sys.sagas.fireDueDeadlines();
      await sys.settle();
      await sys.dispatcher.dispatchDue(sys.clock.now);
      const after = await sys.call('GET', '/projections', { token: admin });
      const sent = await sys.services.outbox.countByStatus('sent');
      expect(sent).toBeGreaterThanOrEqual(pending);
      expect(after.body.outbox).toEqual({ pending: 0, parked: 0, sent, oldestPendingAgeSeconds: 0, deadlinesDue: 0, oldestDeadlineOverdueSeconds: 0 });

      // Another command: both sagas move to the new head.
      await openTicket(sys, customer, ticketBody());
      const newHead = await sys.services.events.headPosition();
      expect(newHead).toBeGreaterThan(head);
      expect((await sys.call('GET', '/projections', { token: admin })).body.sagas.map((s: { position: number; lag: number }) => [s.position, s.lag])).toEqual([
        [newHead, 0],
        [newHead, 0],
      ]);
    });

    it('/metrics is Prometheus text with the latency histograms, the pipeline gauges and the process metrics', async () => {
      await sys.call('POST', '/tickets', { token: customer, body: ticketBody() });
      await sys.call('GET', '/tickets', { token: customer });
      await sys.settle();
      const head = await sys.services.events.headPosition();

      const r = await sys.call('GET', '/metrics', { token: admin });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const { samples, types } = parsePrometheus(r.body);

      expect(types.get('sysops_http_request_duration_seconds')).toBe('histogram');
      expect(value(samples, 'sysops_http_request_duration_seconds_count', { method: 'POST', route: '/tickets', status_code: '201' })).toBeGreaterThanOrEqual(1);
      expect(value(samples, 'sysops_http_request_duration_seconds_bucket', { method: 'GET', route: '/tickets', status_code: '200', le: '+Inf' })).toBeGreaterThanOrEqual(1);
      expect(types.get('sysops_command_duration_seconds')).toBe('histogram');
      expect(value(samples, 'sysops_command_duration_seconds_count', { method: 'POST', route: '/tickets' })).toBeGreaterThanOrEqual(1);
      // Reads run no command.
      expect(samples.filter((s) => s.name === 'sysops_command_duration_seconds_count' && s.labels.method === 'GET')).toEqual([]);

      expect(value(samples, 'sysops_event_store_head_position')).toBe(head);
      expect(value(samples, 'sysops_projection_position', { projection: 'tickets' })).toBe(head);
      expect(value(samples, 'sysops_projection_lag_events', { projection: 'tickets' })).toBe(0);
      for (const saga of ['matching', 'notifications']) {
        expect(types.get('sysops_saga_position')).toBe('gauge');
        expect(value(samples, 'sysops_saga_position', { saga })).toBe(head);
        expect(value(samples, 'sysops_saga_lag_events', { saga })).toBe(0);
        expect(value(samples, 'sysops_saga_events_per_second', { saga })).toBeGreaterThanOrEqual(0);
      }
      expect(value(samples, 'sysops_notifications', { status: 'pending' })).toBe(await sys.services.outbox.countByStatus('pending'));
      expect(value(samples, 'sysops_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
      expect(value(samples, 'sysops_deadlines_due')).toBeGreaterThanOrEqual(0);
      expect(value(samples, 'sysops_password_hashes', { state: 'running' })).toBe(0);
      expect(value(samples, 'sysops_password_hashes', { state: 'waiting' })).toBe(0);
      // The embedded document store's memory: bodies and index keys within their budgets, none of them written out yet.
      expect(value(samples, 'sysops_document_store_memory_bytes', { part: 'bodies' })).toBeGreaterThan(0);
      expect(value(samples, 'sysops_document_store_memory_bytes', { part: 'index_keys' })).toBeGreaterThan(0);
      expect(value(samples, 'sysops_document_store_index_chunks_moved', { direction: 'write' })).toBe(0);

      expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      expect(types.get('nodejs_gc_duration_seconds')).toBe('histogram');
      expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    });

    it('labels requests by route pattern: 100 distinct ticket ids add no series', async () => {
      const series = async () => {
        const { samples } = parsePrometheus((await sys.call('GET', '/metrics', { token: admin })).body);
        return samples.filter((s) => s.name === 'sysops_http_request_duration_seconds_count');
      };
      await sys.call('GET', `/tickets/${randomUUID()}`, { token: customer });
      await series(); // the scrape itself becomes a series
      const before = await series();
      const ids = Array.from({ length: 100 }, () => randomUUID());
      for (const id of ids) expect((await sys.call('GET', `/tickets/${id}`, { token: customer })).status).toBe(404);
      const after = await series();

      const keys = (list: Sample[]) => list.map((s) => JSON.stringify(s.labels)).sort();
      expect(keys(after)).toEqual(keys(before));
      const byId = (list: Sample[]) => list.find((s) => s.labels.route === '/tickets/:ticketId' && s.labels.status_code === '404')!.value;
      expect(byId(after) - byId(before)).toBe(100);
      const labelValues = after.flatMap((s) => Object.values(s.labels));
      expect(labelValues.filter((v) => ids.some((id) => v.includes(id)))).toEqual([]);
    });

    it('each app has its own registry: an API-only app beside it counts only its own requests', async () => {
      // The API-only app reads the sagas' checkpoints, saved within moments of their last event.
      const saved = () => sys.services.documents.collection(SAGA_CHECKPOINTS).findOne({ _id: 'matching' });
      for (let i = 0; i < 80 && !((await saved())?.position as number > 0); i++) await new Promise((r) => setTimeout(r, 25));
      const apiOnly = await startApiOnly(sys.services);
      try {
        const r = await apiOnly.call('/metrics', admin);
        const { samples } = parsePrometheus(r.body);
        expect(samples.filter((s) => s.name === 'sysops_http_request_duration_seconds_count')).toEqual([]);
        expect(value(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
        expect(value(samples, 'sysops_saga_position', { saga: 'matching' })).toBeGreaterThan(0);
      } finally {
        await apiOnly.close();
      }
    });

    it('/ready is ready while sagas keep up', async () => {
      const r = await sys.call('GET', '/ready');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ready', sagas: [expect.objectContaining({ name: 'matching', lag: 0 }), expect.objectContaining({ name: 'notifications', lag: 0 })] });
    });
  });

  describe('readiness and saga lag', () => {
    let sys: TestSystem;
    let customer: string;
    let admin: string;

    beforeEach(async () => {
      sys = await startTestSystem({ readyMaxSagaLag: 3 });
      await markPaid(sys, 'cust-test');
      customer = await sys.token('customer');
      admin = await sys.token('admin');
    });
    afterEach(() => sys.stop());

    it('/ready answers 503 naming the sagas further behind than READY_MAX_SAGA_LAG', async () => {
      expect((await sys.call('GET', '/ready')).status).toBe(200);
      await sys.sagas.stop();
      for (let i = 0; i < 2; i++) expect((await sys.call('POST', '/tickets', { token: customer, body: ticketBody() })).status).toBe(201);
      const head = await sys.services.events.headPosition();

      const r = await sys.call('GET', '/ready');
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.detail).toMatch(/^sagas behind by more than 3 events: matching \(\d+\), notifications \(\d+\)$/);
      const matching = r.body.sagas.find((s: { name: string }) => s.name === 'matching');
      expect(matching).toMatchObject({ state: 'stopped', head, lag: head - matching.position, oldestUnhandledAgeSeconds: expect.any(Number) });
      expect(matching.lag).toBeGreaterThan(3);

      // /projections shows the same, and the read models (still running) are not blamed.
      const p = await sys.call('GET', '/projections', { token: admin });
      expect(p.body.sagas[0]).toMatchObject({ name: 'matching', position: matching.position, lag: matching.lag });
      expect(r.body.detail).not.toMatch(/read models/);
    });

    it('an API-only process reads the sagas from their checkpoints, and a saga ahead of the head makes it not ready', async () => {
      await openTicket(sys, customer, ticketBody());
      const apiOnly = await startApiOnly(sys.services);
      try {
        const head = await sys.services.events.headPosition();
        const checkpoints = sys.services.documents.collection<{ _id: string; position: number }>(SAGA_CHECKPOINTS);
        // A saga that only skips events saves its checkpoint within moments of the last one.
        for (let i = 0; i < 100 && (await checkpoints.count({ position: head })) < 2; i++) await new Promise((r) => setTimeout(r, 25));
        const stored = (await apiOnly.call('/projections', admin)).body;
        expect(stored.projections.map((p: { name: string }) => p.name)).toContain('tickets');
        expect(stored.sagas.map((s: { name: string }) => s.name)).toEqual(['matching', 'notifications']);
        for (const saga of stored.sagas) {
          const runner = sys.sagas.status().find((s) => s.name === saga.name)!;
          expect(saga).toMatchObject({ source: 'checkpoint', position: head, head, lag: 0, state: 'running', handled: runner.handled, refused: runner.refused });
        }
        expect((await apiOnly.call('/ready')).status).toBe(200);

        // The event store lost its tail: the notifications saga passed positions the store no longer has.
        await checkpoints.updateOne({ _id: 'notifications' }, { $set: { position: head + 5 } });
        const r = await apiOnly.call('/ready');
        expect(r.status).toBe(503);
        expect(r.type).toMatch(/^application\/problem\+json/);
        expect(r.body.detail).toMatch(
          new RegExp(
            `^sagas stopped, their checkpoints do not fit the event store: notifications: checkpoint at position ${head + 5}, past the event store's head ${head}: the store lost events .*` +
              'The sagas need a decision .*`npm run replay -- --reset-sagas-to <position>`',
          ),
        );
        expect(r.body.sagas[1].divergence).toMatchObject({ kind: 'ahead-of-head', position: head + 5, head });
        const notifications = (await apiOnly.call('/projections', admin)).body.sagas[1];
        expect(notifications).toMatchObject({ name: 'notifications', position: head + 5, head, lag: -5, aheadOfHead: true });
      } finally {
        await apiOnly.close();
      }
    });
  });

  describe('who may read them', () => {
    const SCRAPE_TOKEN = 'scrape-token-0123456789-0123456789-abcdef';
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await startTestSystem({ metricsToken: SCRAPE_TOKEN });
    });
    afterAll(() => sys.stop());

    it('/health and /ready answer anyone', async () => {
      expect((await sys.call('GET', '/health')).status).toBe(200);
      expect((await sys.call('GET', '/ready')).status).toBe(200);
    });

    it.each(['/metrics', '/projections'])('%s answers admins and the METRICS_TOKEN bearer only', async (path) => {
      const anonymous = await sys.call('GET', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      for (const role of ['customer', 'expert', 'helpdesk', 'manager'] as const) expect([role, (await sys.call('GET', path, { token: await sys.token(role) })).status]).toEqual([role, 403]);
      expect((await sys.call('GET', path, { token: await sys.token('admin') })).status).toBe(200);
      expect((await sys.call('GET', path, { token: SCRAPE_TOKEN })).status).toBe(200);
      expect((await sys.call('GET', path, { token: `${SCRAPE_TOKEN}x` })).status).toBe(401);
      expect((await sys.call('GET', path, { headers: { authorization: SCRAPE_TOKEN } })).status).toBe(401);
    });

    it('the METRICS_TOKEN opens nothing else', async () => {
      expect((await sys.call('GET', '/tickets', { token: SCRAPE_TOKEN })).status).toBe(401);
      expect((await sys.call('GET', '/notifications/dev-outbox', { token: SCRAPE_TOKEN })).status).toBe(401);
    });

    it('the development outbox answers admins only (it holds every message, survey links included)', async () => {
      expect((await sys.call('GET', '/notifications/dev-outbox')).status).toBe(401);
      for (const role of ['customer', 'expert', 'helpdesk', 'manager'] as const) expect([role, (await sys.call('GET', '/notifications/dev-outbox', { token: await sys.token(role) })).status]).toEqual([role, 403]);
      const admin = await sys.call('GET', '/notifications/dev-outbox', { token: await sys.token('admin') });
      expect(admin.status).toBe(200);
      expect(admin.body.messages).toEqual(expect.any(Array));
    });

    it('without a METRICS_TOKEN, only admins read /metrics', async () => {
      const plain = await startApiOnly(sys.services);
      try {
        expect((await plain.call('/metrics')).status).toBe(401);
        expect((await plain.call('/metrics', SCRAPE_TOKEN)).status).toBe(401);
        expect((await plain.call('/metrics', await sys.token('admin'))).status).toBe(200);
      } finally {
        await plain.close();
      }
    });
  });

  it('names read models behind their bound or ahead of the head, and never clamps a lag away', () => {
    const projection = (name: string, position: number) => ({ name, version: 1, suffix: 'v1', position, head: 100, lag: Math.max(0, 100 - position) });
    const reasons = whyNotReady([projection('tickets', 10), projection('visits', 120), projection('users', 100)], [], { projections: 50, sagas: 50 });
    expect(reasons).toEqual([
      'read models behind by more than 50 events: tickets (90)',
      "read models stopped, their checkpoints do not fit the event store: visits: checkpoint at position 120, past the event store's head 100: the store lost events it had. " +
        'Stop the server and rebuild the read models from the event store as it is: `npm run replay -- --all` (see the README, "When the event store lost events")',
    ]);
  });
});

describe('readiness with a damaged store file', () => {
  it('is not ready, naming the file and what to do (not a bare 500 detail)', async () => {
    const damage = new StoreFileCorrupt('/data/documents.db', 'database disk image is malformed', 'Restore the last backup.');
    const state = await readiness({
      events: { ping: async () => undefined } as never,
      documents: { ping: () => Promise.reject(damage) } as never,
      pipeline: {} as never,
      warmingUp: () => null,
      readyMaxLag: 10,
      readyMaxSagaLag: 10,
    });
    expect(state).toEqual({ ready: false, detail: '/data/documents.db is damaged (database disk image is malformed). Restore the last backup.', extra: { file: '/data/documents.db' }, startingUp: false });
  });
});
