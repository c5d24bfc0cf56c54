import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_AGE_DAYS, tooOld } from '../http/demo-store';
import { describeFailures, LoadResult } from '../http/load';
import { percentile } from '../http/percentile';
import { inheritedFlags } from '../http/server-process';
import { sagaLags, sagaProgress } from '../http/saga-lag';
import { targetsTable, verdict } from '../http/targets';

describe('percentile (nearest rank)', () => {
  it('picks the value at the rank, whatever the order of the input', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile(values, 0.1)).toBe(1);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 1)).toBe(10);
  });

  it('is NaN without values', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('sagaProgress: where the head and the slowest saga are, from GET /projections', () => {
  it('reads the sagas when the answer has them', () => {
    const body = {
      projections: [{ name: 'tickets', position: 120, head: 120 }],
      sagas: [
        { name: 'matching', position: 90, head: 120, lag: 30, eventsPerSecond: 10, state: 'running' },
        { name: 'notifications', position: 110, head: 120, lag: 10, eventsPerSecond: 10, state: 'running' },
      ],
      outbox: { pending: 3 },
    };
    expect(sagaProgress(body)).toEqual({ head: 120, slowest: 90, source: 'sagas' });
  });

  it('falls back to the read models, and says so, when there are no sagas', () => {
    const body = { projections: [{ name: 'tickets', position: 118, head: 120 }, { name: 'visits', position: 120, head: 120 }] };
    expect(sagaProgress(body)).toEqual({ head: 120, slowest: 118, source: 'read models (fallback)' });
    expect(sagaProgress({ ...body, sagas: [] }).source).toBe('read models (fallback)');
  });

  it('refuses an answer without positions', () => {
    expect(() => sagaProgress({})).toThrow(/neither sagas nor read models/);
  });
});

describe('sagaLags: time from each sample until the slowest saga reached the head it saw', () => {
  it('is 0 for a sample already caught up, and the time to the first sample at or past its head otherwise', () => {
    const lags = sagaLags([
      { at: 0, head: 10, slowest: 10 },
      { at: 100, head: 20, slowest: 12 },
      { at: 200, head: 30, slowest: 19 },
      { at: 300, head: 30, slowest: 25 },
      { at: 400, head: 35, slowest: 30 },
      { at: 500, head: 35, slowest: 35 },
    ]);
    expect(lags.lags).toEqual([0, 200, 200, 100, 100, 0]);
    expect(lags.unresolved).toBe(0);
    expect(lags.max).toBe(200);
    expect(lags.p50).toBe(100);
  });

  it('counts a sample never caught up until the last sample, as a lower bound, and says how many', () => {
    const lags = sagaLags([
      { at: 0, head: 10, slowest: 5 },
      { at: 100, head: 20, slowest: 10 },
      { at: 250, head: 20, slowest: 15 },
    ]);
    expect(lags.lags).toEqual([100, 150, 0]);
    expect(lags.unresolved).toBe(2);
  });

  it('measures only the samples up to measuredUntil; later ones only resolve them', () => {
    const samples = [
      { at: 0, head: 10, slowest: 0 },
      { at: 100, head: 12, slowest: 5 },
      { at: 900, head: 12, slowest: 12 },
    ];
    expect(sagaLags(samples, 100).lags).toEqual([900, 800]);
    expect(sagaLags(samples, 100).unresolved).toBe(0);
  });

  it('has no lags without samples', () => {
    expect(sagaLags([])).toMatchObject({ lags: [], unresolved: 0 });
  });
});

describe('targets', () => {
  it('tells a figure within its bound, within its aim, outside it, or not measured', () => {
    const ratio = { at: 'least' as const, bound: 0.1, aim: 0.25 };
    expect(verdict(0.3, ratio)).toBe('aim met');
    expect(verdict(0.1, ratio)).toBe('met');
    expect(verdict(0.09, ratio)).toBe('NOT MET');
    expect(verdict(Number.NaN, ratio)).toBe('unmeasured');
    expect(verdict(250, { at: 'most', bound: 256 })).toBe('met');
    expect(verdict(257, { at: 'most', bound: 256 })).toBe('NOT MET');
  });

  it('prints every figure, with the target and verdict of those that have one', () => {
    const table = targetsTable([
      { name: 'http.ticket_create', value: 243.4, unit: 'req/s' },
      { name: 'http.ticket_create_ratio', value: 0.028, unit: 'ratio' },
      { name: 'http.ticket_create_p99_ms', value: 90, unit: 'ms' },
      { name: 'store.wal_max_mb', value: Number.NaN, unit: 'MB' },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^figure\s+value\s+unit\s+target$/);
    expect(lines[2]).toMatch(/^http\.ticket_create\s+243\s+req\/s$/);
    expect(lines[3]).toMatch(/^http\.ticket_create_ratio\s+0\.028\s+ratio\s+>= 0\.1, aim 0\.25\s+NOT MET$/);
    expect(lines[4]).toMatch(/^http\.ticket_create_p99_ms\s+90\s+ms\s+<= 200, aim 100\s+aim met$/);
    expect(lines[5]).toMatch(/^store\.wal_max_mb\s+-\s+MB\s+<= 256\s+unmeasured$/);
  });
});

describe('describeFailures', () => {
  const run = (over: Partial<LoadResult>): LoadResult => ({
    seconds: 20,
    okPerSecond: 100,
    ok: 2000,
    non2xx: 0,
    errors: 0,
    unanswered: 64,
    timeouts: 0,
    statusCounts: { 201: 2000 },
    latency: { p50: 10, p99: 50, max: 80, mean: 12 },
    failures: [],
    ...over,
  });

  it('is empty for a run where every answer was 2xx', () => {
    expect(describeFailures(run({}))).toBe('');
  });

  it('names the status codes and the first failing answer', () => {
    const text = describeFailures(run({ non2xx: 3, statusCounts: { 201: 2000, 409: 2, 500: 1 }, failures: [{ status: 500, body: '{"title":"Internal error"}' }] }));
    expect(text).toBe('3 non-2xx (409×2, 500×1); 0 connection errors/timeouts; first: 500 {"title":"Internal error"}');
  });

  it('says so loudly when no request got a 2xx answer', () => {
    expect(describeFailures(run({ ok: 0, okPerSecond: 0, statusCounts: {} }))).toMatch(/NO 2xx answer at all \(64 requests unanswered at the end\)/);
  });
});

describe('the demo store: rebuilt once its billing has moved on', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'demo-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is kept for MAX_AGE_DAYS after it was built, and too old after', () => {
    const built = Date.parse('2026-12-01T10:00:00.000Z');
    writeFileSync(join(dir, '.built-at'), `${new Date(built).toISOString()}\n`);
    expect(tooOld(dir, built + MAX_AGE_DAYS * 86_400_000)).toBe(false);
    expect(tooOld(dir, built + MAX_AGE_DAYS * 86_400_000 + 1)).toBe(true);
  });

  it('is too old when it does not say when it was built', () => {
    expect(tooOld(dir)).toBe(true);
    writeFileSync(join(dir, '.built-at'), 'yesterday\n');
    expect(tooOld(dir)).toBe(true);
  });
});

describe('inheritedFlags: the Node options a child process of the bench takes from it', () => {
  it('keeps flags and loaders, and leaves out a script given with -e or -p (the child would run it, not its entry)', () => {
    expect(inheritedFlags(['--enable-source-maps', '-r', 'ts-node/register', '--max-old-space-size=512'])).toEqual(['--enable-source-maps', '-r', 'ts-node/register', '--max-old-space-size=512']);
    expect(inheritedFlags(['-e', "require('./dist/bench/http/demo-store')"])).toEqual([]);
    expect(inheritedFlags(['--enable-source-maps', '-p', '-e', '1 + 1'])).toEqual(['--enable-source-maps']);
    expect(inheritedFlags(['--print', 'process.pid', '--trace-warnings'])).toEqual(['--trace-warnings']);
    expect(inheritedFlags(['--eval=1', '--print=2', '--inspect'])).toEqual(['--inspect']);
    expect(inheritedFlags(['-pe', 'process.pid'])).toEqual([]);
  });
});
