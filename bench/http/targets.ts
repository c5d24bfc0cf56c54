/**
 * The targets of issue 16 for the figures of `--only http`, and the table that shows each figure
 * beside its target. The bench reports; it fails nothing.
 */
import { Metric, round } from '../harness';

export interface Target {
  at: 'least' | 'most';
  bound: number;
  aim?: number;
}

export const HTTP_TARGETS: Readonly<Record<string, Target>> = {
  'http.ticket_create_ratio': { at: 'least', bound: 0.1, aim: 0.25 },
  'http.ticket_create_p99_ms': { at: 'most', bound: 200, aim: 100 },
  'http.create_growth_ratio': { at: 'least', bound: 0.9 },
  'http.ticket_read_ratio': { at: 'least', bound: 0.4 },
  'http.history_read_ratio': { at: 'least', bound: 0.3 },
  'sagas.lag_p99_ms': { at: 'most', bound: 1000, aim: 200 },
  'store.wal_max_mb': { at: 'most', bound: 256 },
  'server.rss_growth_ratio': { at: 'most', bound: 1.3 },
};

export type Verdict = 'aim met' | 'met' | 'NOT MET' | 'unmeasured';

export function verdict(value: number, target: Target): Verdict {
  if (!Number.isFinite(value)) return 'unmeasured';
  const within = (bound: number) => (target.at === 'least' ? value >= bound : value <= bound);
  if (!within(target.bound)) return 'NOT MET';
  return target.aim !== undefined && within(target.aim) ? 'aim met' : 'met';
}

export function describeTarget(target: Target): string {
  return `${target.at === 'least' ? '>=' : '<='} ${target.bound}${target.aim !== undefined ? `, aim ${target.aim}` : ''}`;
}

/** Every figure, its target when it has one, and whether it is met. */
export function targetsTable(metrics: readonly Metric[], targets: Readonly<Record<string, Target>> = HTTP_TARGETS): string {
  const rows = metrics.map((m) => {
    const target = targets[m.name];
    return [m.name, Number.isFinite(m.value) ? String(round(m.value)) : '-', m.unit, target ? describeTarget(target) : '', target ? verdict(m.value, target) : ''];
  });
  const header = ['figure', 'value', 'unit', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
