/**
 * While the process starts (demo data being written), the API answers 503 "Starting up" and the
 * probes keep answering. Those 503s are expected: logged at info, without a made-up error and
 * its stack. A failure is still an error. /ready lets the process announce itself (its start-up
 * banner) before it tells a poller the system is ready.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApi, ApiOptions } from '../app';
import { startTestSystem, TestSystem } from './harness';

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  res?: { statusCode: number };
  [field: string]: unknown;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('the start-up gate', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  async function serve(options: Partial<ApiOptions>, logger: pino.Logger) {
    const app = createApi({ ...sys.services, logger }, { devOutbox: false, publicUrl: 'http://localhost', ...options });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { get: (path: string) => fetch(`${base}${path}`), close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('answers 503 Starting up while demo data is written, logged at info without a stack', async () => {
    const { logger, lines } = capturingLogger();
    const api = await serve({ warmingUp: () => 'Writing demo data on first start: tickets 10/3000' }, logger);
    try {
      const tickets = await api.get('/tickets');
      expect([tickets.status, tickets.headers.get('retry-after'), tickets.headers.get('content-type')]).toEqual([503, '5', expect.stringMatching(/^application\/problem\+json/)]);
      expect(await tickets.json()).toMatchObject({ title: 'Starting up', detail: expect.stringMatching(/tickets 10\/3000/) });
      const ready = await api.get('/ready');
      expect([ready.status, ready.headers.get('retry-after')]).toEqual([503, '5']);
      expect((await api.get('/health')).status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      const answered = lines.filter((l) => l.res?.statusCode === 503);
      expect(answered).toHaveLength(2);
      for (const line of answered) {
        expect(line).toMatchObject({ level: 30, msg: 'request answered 503 (unavailable)' });
        expect(line.err).toBeUndefined();
      }
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
      expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
    } finally {
      await api.close();
    }
  });

  it('still logs a failure (500) as an error', async () => {
    const { logger, lines } = capturingLogger();
    const failing = { ...sys.services.outbox, listParked: () => Promise.reject(new Error('disk on fire')) };
    const app = createApi({ ...sys.services, outbox: failing as unknown as typeof sys.services.outbox, logger }, { devOutbox: false, publicUrl: 'http://localhost' });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const token = await sys.token('helpdesk');
      const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications/parked`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(500);
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(expect.arrayContaining(['request failed', 'request errored']));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('/ready announces the system (awaits onReady) before answering 200', async () => {
    const { logger } = capturingLogger();
    const order: string[] = [];
    const api = await serve(
      {
        onReady: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('announced');
        },
      },
      logger,
    );
    try {
      const ready = await api.get('/ready');
      order.push(`answered ${ready.status}`);
      expect(order).toEqual(['announced', 'answered 200']);
    } finally {
      await api.close();
    }
  });
});
