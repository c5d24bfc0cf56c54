import { SingleBar } from 'cli-progress';

/**
 * Runs work with a progress bar on stderr (`npm run replay`, `backup`, `restore`): done / total
 * of `unit`, its rate and the time left. `work` reports how far it has got.
 */
export async function withProgress<R>(label: string, total: number, unit: string, work: (progress: (done: number) => void) => Promise<R>): Promise<R> {
  const bar = new SingleBar({
    format: `${label.padEnd(14)} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
  });
  const started = Date.now();
  let base: number | undefined;
  bar.start(Math.max(total, 1), 0, { rate: 0 });
  try {
    const result = await work((done) => {
      base ??= done;
      const seconds = (Date.now() - started) / 1000;
      bar.update(Math.min(done, total), { rate: seconds > 0 ? Math.round((done - base) / seconds) : 0 });
    });
    bar.update(Math.max(total, 1));
    return result;
  } finally {
    bar.stop();
  }
}
