/**
 * What the soak prints: one line per interval (req/s, p50/p99, non-2xx, server RSS, WAL sizes,
 * saga lag) and a summary with the drift, last interval ÷ first, of p99, RSS and WAL, and of each
 * request's p50 and p99 (which requests slowed down).
 */
import { percentile } from '../http/percentile';
import { MB } from '../http/wal-watch';

/** Latencies and status codes of the requests of the current interval (0: no answer). */
export class IntervalRecorder {
  private latencies: number[] = [];
  private statuses = new Map<number, number>();
  private byRequest = new Map<string, number[]>();
  /** Over the whole soak: "POST /visits/{id}/proposals 422" → how many, and the first answer's body. */
  readonly failuresByRequest = new Map<string, { count: number; first: string }>();

  /** `request` names the route ("GET /tickets/{id}"), to tell which ones failed. */
  record(ms: number, status: number, request: string, body?: unknown): void {
    this.latencies.push(ms);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const same = this.byRequest.get(request);
    if (same) same.push(ms);
    else this.byRequest.set(request, [ms]);
    if (status < 200 || status >= 300) {
      const key = `${request} ${status === 0 ? 'no answer' : status}`;
      const seen = this.failuresByRequest.get(key) ?? { count: 0, first: typeof body === 'string' ? body : JSON.stringify(body ?? '') };
      this.failuresByRequest.set(key, { ...seen, count: seen.count + 1 });
    }
  }

  /** The interval's requests, and a fresh interval. */
  take(): { latencies: number[]; statuses: Map<number, number>; byRequest: Map<string, number[]> } {
    const taken = { latencies: this.latencies, statuses: this.statuses, byRequest: this.byRequest };
    this.latencies = [];
    this.statuses = new Map();
    this.byRequest = new Map();
    return taken;
  }
}

export interface IntervalFigures {
  /** 1-based. */
  index: number;
  seconds: number;
  requests: number;
  p50: number;
  p99: number;
  /** Non-2xx answers by status; "no answer" counts network failures. */
  failures: Record<string, number>;
  /** Per request ("GET /tickets/{id}"): how many, p50 and p99 (ms). */
  byRequest: Record<string, { requests: number; p50: number; p99: number }>;
  /** Server VmRSS at the interval's end; NaN when unknown (a server given by --url without --pid). */
  rssMb: number;
  /** Visits open for matching at the interval's end (the open backlog every feed reads); undefined when unknown. */
  openVisits?: number | undefined;
  /** Largest size of each WAL during the interval; undefined when the data folder is unknown. */
  walBytes: Record<string, number> | undefined;
  /** p99 of the saga lag samples of the interval (ms), events behind at its end, and where positions came from. */
  lag: { p99Ms: number; behind: number; source: string } | undefined;
}

export function intervalFigures(
  index: number,
  seconds: number,
  taken: ReturnType<IntervalRecorder['take']>,
  server: Pick<IntervalFigures, 'rssMb' | 'walBytes' | 'lag' | 'openVisits'>,
): IntervalFigures {
  const failures: Record<string, number> = {};
  for (const [status, n] of taken.statuses) if (status < 200 || status >= 300) failures[status === 0 ? 'no answer' : String(status)] = n;
  const byRequest: IntervalFigures['byRequest'] = {};
  for (const [request, latencies] of taken.byRequest) byRequest[request] = { requests: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  return { index, seconds, requests: taken.latencies.length, p50: percentile(taken.latencies, 0.5), p99: percentile(taken.latencies, 0.99), failures, byRequest, ...server };
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '-');
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export function failureText(failures: Record<string, number>): string {
  const total = Object.values(failures).reduce((a, b) => a + b, 0);
  if (total === 0) return 'non-2xx 0';
  return `non-2xx ${total} (${Object.entries(failures).map(([status, n]) => `${status}×${n}`).join(' ')})`;
}

export function largestWal(f: IntervalFigures): number {
  return f.walBytes ? Math.max(0, ...Object.values(f.walBytes)) : Number.NaN;
}

/** "[ 3/10] 215.4 req/s  p50 12 ms  p99 240 ms  non-2xx 0  rss 512 MB  wal documents.db 12.0 MB, events.db 4.1 MB  saga lag p99 180 ms, 3 behind (sagas)  open visits 120" */
export function intervalLine(f: IntervalFigures, of: number): string {
  const wal = f.walBytes
    ? Object.entries(f.walBytes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([file, bytes]) => `${file.replace(/-wal$/, '')} ${mb(bytes)}`)
        .join(', ') || 'none'
    : '-';
  const lag = f.lag ? `saga lag p99 ${ms(f.lag.p99Ms)}, ${f.lag.behind} behind (${f.lag.source})` : 'saga lag -';
  return [
    `[${String(f.index).padStart(String(of).length)}/${of}]`,
    `${(f.requests / f.seconds).toFixed(1)} req/s`,
    `p50 ${ms(f.p50)}`,
    `p99 ${ms(f.p99)}`,
    failureText(f.failures),
    `rss ${Number.isFinite(f.rssMb) ? `${Math.round(f.rssMb)} MB` : '-'}`,
    `wal ${wal}`,
    lag,
    `open visits ${f.openVisits ?? '-'}`,
  ].join('  ');
}

function drift(last: number, first: number): string {
  return Number.isFinite(last) && Number.isFinite(first) && first > 0 ? (last / first).toFixed(2) : '-';
}

/** Totals of the soak, which requests failed, and its drift: the last interval ÷ the first, for p99, RSS and the largest WAL. */
export function summaryLines(intervals: readonly IntervalFigures[], clients: number, failuresByRequest: IntervalRecorder['failuresByRequest'] = new Map()): string[] {
  if (intervals.length === 0) return ['soak: no interval completed'];
  const first = intervals[0]!;
  const last = intervals[intervals.length - 1]!;
  const requests = intervals.reduce((n, f) => n + f.requests, 0);
  const seconds = intervals.reduce((n, f) => n + f.seconds, 0);
  const failures: Record<string, number> = {};
  for (const f of intervals) for (const [status, n] of Object.entries(f.failures)) failures[status] = (failures[status] ?? 0) + n;
  return [
    `soak: ${intervals.length} intervals, ${Math.round(seconds)} s, ${clients} clients: ${requests} requests (${(requests / seconds).toFixed(1)} req/s), ${failureText(failures)}`,
    ...[...failuresByRequest].sort((a, b) => b[1].count - a[1].count).map(([request, { count, first }]) => `  ${count}× ${request}, first: ${first.slice(0, 200)}`),
    `drift (last interval ÷ first): p99 ${drift(last.p99, first.p99)}, rss ${drift(last.rssMb, first.rssMb)}, wal ${drift(largestWal(last), largestWal(first))}, open visits ${first.openVisits ?? '-'} → ${last.openVisits ?? '-'}`,
    ...requestDrift(first, last),
  ];
}

/**
 * "  GET /tickets/{id}: 2100 → 2050 requests, p50 20 → 31 ms (1.55), p99 90 → 95 ms (1.06)",
 * busiest first; a request only one of the two intervals made shows 0 requests on the other
 * side (the mix changed: compare with care).
 */
function requestDrift(first: IntervalFigures, last: IntervalFigures): string[] {
  const none = { requests: 0, p50: Number.NaN, p99: Number.NaN };
  const requests = [...new Set([...Object.keys(first.byRequest), ...Object.keys(last.byRequest)])].sort(
    (a, b) => (last.byRequest[b]?.requests ?? 0) - (last.byRequest[a]?.requests ?? 0) || (first.byRequest[b]?.requests ?? 0) - (first.byRequest[a]?.requests ?? 0),
  );
  if (requests.length === 0) return [];
  return [
    'by request (first interval → last):',
    ...requests.map((request) => {
      const [a, b] = [first.byRequest[request] ?? none, last.byRequest[request] ?? none];
      return `  ${request}: ${a.requests} → ${b.requests} requests, p50 ${ms(a.p50)} → ${ms(b.p50)} (${drift(b.p50, a.p50)}), p99 ${ms(a.p99)} → ${ms(b.p99)} (${drift(b.p99, a.p99)})`;
    }),
  ];
}
