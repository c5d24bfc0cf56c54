/**
 * Requests Express or its body parser cannot read — a body whose Content-Encoding is a lie, an
 * unsupported charset, a body too large, JSON that does not parse, a path parameter that is not
 * valid percent-encoding — are the caller's mistake: a 4xx problem document, with or without a
 * token, logged at info without a stack, never a 500.
 */
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { createApi } from '../app';
import { startTestSystem, TestSystem } from './harness';
import { ticketBody } from './scenario';

interface LogLine {
  level: number;
  msg?: string;
  err?: { stack?: string };
  [field: string]: unknown;
}

describe('requests that cannot be read', () => {
  let sys: TestSystem;
  let server: Server;
  let base: string;
  const logged: LogLine[] = [];

  beforeAll(async () => {
    sys = await startTestSystem();
    // The same system behind an app whose log is kept: what a 4xx leaves in it.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logged.push(JSON.parse(line));
        done();
      },
    });
    const app = createApi({ ...sys.services, logger: pino({ level: 'info' }, sink) }, { devOutbox: false, publicUrl: 'http://localhost', checkAnswers: true });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await sys.stop();
  });
  beforeEach(() => {
    logged.length = 0;
  });

  const login = (headers: Record<string, string>, body: string | Buffer) =>
    fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  async function expectProblem(response: Response, status: number): Promise<Record<string, unknown>> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    return problem;
  }

  /** Nothing at warn or above, no stack anywhere: a bad request is not the server's failure. */
  async function expectQuietLog(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged.filter((line) => line.msg === 'request completed').length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([]);
    expect(JSON.stringify(logged)).not.toMatch(/"stack"/);
  }

  const credentials = JSON.stringify({ email: 'admin@test.local', password: 'wrong password' });

  it.each(['gzip', 'deflate', 'br'])('a body that is not %s although Content-Encoding says so is 400', async (encoding) => {
    const problem = await expectProblem(await login({ 'content-encoding': encoding }, credentials), 400);
    expect(problem.title).toBe('Invalid request body');
    expect(problem.detail).toContain(encoding);
    await expectQuietLog();
  });

  it('a truncated gzip body is 400', async () => {
    const gzipped = gzipSync(Buffer.from(credentials));
    await expectProblem(await login({ 'content-encoding': 'gzip' }, gzipped.subarray(0, gzipped.length - 6)), 400);
    await expectQuietLog();
  });

  it('a real gzip body is read', async () => {
    const r = await login({ 'content-encoding': 'gzip' }, gzipSync(Buffer.from(credentials)));
    expect(r.status).toBe(401); // read, and the password is wrong
  });

  it('an unknown Content-Encoding or charset is 415, a body too large 413, JSON that does not parse 400', async () => {
    await expectProblem(await login({ 'content-encoding': 'x-made-up' }, credentials), 415);
    await expectProblem(await login({ 'content-type': 'application/json; charset=latin1' }, credentials), 415);
    await expectProblem(await login({}, JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(200_000) })), 413);
    await expectProblem(await login({}, '{"email":'), 400);
    await expectQuietLog();
  });

  it.each(['/tickets/%E0%A4%A', '/tickets/%', '/tickets/%zz', '/tickets/%C0%80', '/tickets/%ED%A0%80/history', '/visits/%FF/proposals'])(
    'a path parameter that is not valid percent-encoding (%s) is 400, with or without a token',
    async (path) => {
      const method = path.endsWith('/proposals') ? 'POST' : 'GET';
      const anonymous = await expectProblem(await fetch(`${base}${path}`, { method }), 400);
      expect(anonymous.title).toBe('Invalid path');
      const token = await sys.token(method === 'POST' ? 'expert' : 'helpdesk');
      await expectProblem(await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) }), 400);
      await expectQuietLog();
    },
  );
  it.each(['short', 'has spaces in it', 'x'.repeat(201)])('an Idempotency-Key that cannot be one (%s) is a 400 that names the header, and writes nothing', async (key) => {
    const head = await sys.services.events.headPosition();
    const token = await sys.token('customer');
    const body = JSON.stringify(ticketBody());
    const response = await fetch(`${base}/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key }, body });
    const problem = await expectProblem(response, 400);
    expect(problem.title).toBe('Invalid Idempotency-Key');
    expect(problem.detail).toContain('Idempotency-Key');
    expect(await sys.services.events.headPosition()).toBe(head);
    await expectQuietLog();
  });
});
