import { Actor, CommandMetadata } from '../../domain/decider';
import { DEFAULT_SIZE, SeedInterrupted, SeedOptions, SeedSize, SeedSystem } from './options';
import { mulberry32, Rng } from './random';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Days of billing before the tickets' history: customers join over the first four weeks, so each has about a year of invoices. */
export const BILLING_HISTORY_DAYS = 395;

/** One run of the seed: what its phases share (the system, the random draws, the demo's days, the refused commands). */
export interface SeedRun {
  sys: SeedSystem;
  options: SeedOptions;
  size: SeedSize;
  rng: Rng;
  realNow: Date;
  /** Midnight (UTC) of the demo's "now". */
  today: number;
  /** Day the demo history starts: tickets opened then, completed visits in the days after. */
  t0: number;
  /** Day the first customers joined, a year of billing before `t0`: the catalog, experts and logins date from it too. */
  joined: number;
  /** A seed command's metadata: ids derived from `commandId`, so a second run repeats nothing. */
  meta(commandId: string, at: number, actor?: Actor): CommandMetadata;
  /** Runs one effect; a refusal is counted (and the first ten kept) instead of ending the seed. */
  attempt(what: string, effect: () => Promise<unknown>): Promise<boolean>;
  /** `each` over `items`, `width` at a time, reporting progress (and stopping when asked) between chunks. */
  inChunks<T>(phase: string, items: readonly T[], each: (item: T, i: number) => Promise<unknown>, width?: number): Promise<void>;
  progress(phase: string, done: number, total: number): void;
  failures: { count: number; samples: string[] };
}

export function startRun(sys: SeedSystem, options: SeedOptions): SeedRun {
  const size: SeedSize = {
    customers: options.customers ?? DEFAULT_SIZE.customers,
    experts: options.experts ?? DEFAULT_SIZE.experts,
    tickets: options.tickets ?? DEFAULT_SIZE.tickets,
  };
  const rng = new Rng(mulberry32(options.seed ?? 20260302));
  const realNow = options.now ?? new Date();
  const today = Math.floor(realNow.getTime() / DAY) * DAY;
  /** Day the demo history starts: tickets opened then, completed visits in the days after. */
  const t0 = today - 12 * DAY;
  const joined = t0 - BILLING_HISTORY_DAYS * DAY;
  const progress = (phase: string, done: number, total: number) => {
    if (options.shouldStop?.()) throw new SeedInterrupted();
    options.onProgress?.(phase, done, total);
  };
  const system: Actor = { userId: 'seed', role: 'system' };
  const failures = { count: 0, samples: [] as string[] };
  const meta = (commandId: string, at: number, actor: Actor = system): CommandMetadata => ({ commandId: `seed:${commandId}`, now: new Date(at), actor, correlationId: `seed:${commandId.split(':')[0]}` });
  const attempt = async (what: string, effect: () => Promise<unknown>): Promise<boolean> => {
    try {
      await effect();
      return true;
    } catch (error) {
      failures.count++;
      if (failures.samples.length < 10) failures.samples.push(`${what}: ${(error as Error).message}`);
      return false;
    }
  };
  const inChunks = async <T>(phase: string, items: readonly T[], each: (item: T, i: number) => Promise<unknown>, width = 16) => {
    progress(phase, 0, items.length);
    for (let i = 0; i < items.length; i += width) {
      await Promise.all(items.slice(i, i + width).map((item, k) => each(item, i + k)));
      progress(phase, Math.min(items.length, i + width), items.length);
    }
  };
  return { sys, options, size, rng, realNow, today, t0, joined, meta, attempt, inChunks, progress, failures };
}
