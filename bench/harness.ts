import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** What exactly was measured, for the readable table. */
  note?: string;
}

export interface BenchContext {
  /** A fresh temporary folder, removed after the scenario. */
  dir: string;
  /** Metrics measured earlier in this run (ratios are taken within one run only). */
  measured: Map<string, number>;
  /** Progress of a measurement: call tick(n) as work completes. */
  progress(label: string, total: number): { tick(n?: number): void; done(): void };
  /** Prints text between the bars (to stderr with `--json`, where stdout holds only metrics). */
  log(text: string): void;
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<Metric[]>;
}

/** Runs scenarios in order; prints JSON lines (`--json`) or a table with progress bars. */
export async function runBench(scenarios: Scenario[], options: { json: boolean; only?: string }): Promise<Metric[]> {
  const measured = new Map<string, number>();
  const all: Metric[] = [];
  // Bars need a terminal; elsewhere (CI logs, pipes) each measurement prints one line as it starts.
  const tty = !options.json && process.stderr.isTTY;
  const bars = tty ? new MultiBar({ clearOnComplete: true, hideCursor: true, format: ' {bar} {percentage}% | {label} | {value}/{total}' }, Presets.shades_grey) : undefined;
  for (const scenario of scenarios) {
    if (options.only && !scenario.name.startsWith(options.only)) continue;
    const dir = mkdtempSync(join(tmpdir(), `bench-${scenario.name}-`));
    try {
      const metrics = await scenario.run({
        dir,
        measured,
        progress(label, total) {
          if (!options.json && !bars) process.stderr.write(`  … ${label} (${total})\n`);
          const bar: SingleBar | undefined = bars?.create(total, 0, { label });
          return {
            tick: (n = 1) => bar?.increment(n),
            done: () => {
              if (bar) {
                bar.update(total);
                bars!.remove(bar);
              }
            },
          };
        },
        log(text) {
          const line = text.endsWith('\n') ? text : `${text}\n`;
          if (bars) {
            bars.log(line);
            bars.update();
          } else if (options.json) process.stderr.write(line);
          else process.stdout.write(line);
        },
      });
      for (const m of metrics) {
        measured.set(m.name, m.value);
        all.push(m);
        if (options.json) process.stdout.write(`${JSON.stringify({ name: m.name, value: round(m.value), unit: m.unit })}\n`);
        else {
          const line = `${m.name.padEnd(32)} ${String(round(m.value)).padStart(12)} ${m.unit.padEnd(10)} ${m.note ?? ''}\n`;
          if (bars) {
            bars.log(line);
            bars.update(); // log() is only written on the next redraw
          } else process.stdout.write(line);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  bars?.stop();
  return all;
}

export function round(value: number): number {
  return value >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}

export function ratio(name: string, numerator: Metric, denominator: Metric, note: string): Metric {
  return { name, value: numerator.value / denominator.value, unit: 'ratio', note };
}

export function perSecond(count: number, startNs: bigint): number {
  return count / (Number(process.hrtime.bigint() - startNs) / 1e9);
}
