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

const MiB = 1024 * 1024;

/**
 * One progress bar per file, in MiB, for work that goes through several files one after the
 * other (`npm run backup`, `npm run restore`): a file's first report starts its bar and ends the
 * one before.
 */
export class FileProgress {
  private bar: SingleBar | undefined;
  private file: string | undefined;
  private started = 0;

  update(file: string, doneBytes: number, totalBytes: number): void {
    const total = Math.max(0.1, toMiB(totalBytes));
    if (file !== this.file) {
      this.stop();
      this.file = file;
      this.started = Date.now();
      this.bar = new SingleBar({
        format: `${file.padEnd(14)} {bar} {percentage}% | {value}/{total} MiB | {rate} MiB/s | ETA {eta_formatted}`,
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 2000,
      });
      this.bar.start(total, 0, { rate: 0 });
    }
    const seconds = (Date.now() - this.started) / 1000;
    this.bar!.setTotal(total);
    this.bar!.update(Math.min(toMiB(doneBytes), total), { rate: seconds > 0 ? Math.round(toMiB(doneBytes) / seconds) : 0 });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function toMiB(bytes: number): number {
  return Math.round((bytes * 10) / MiB) / 10;
}
