/**
 * Demo data, written THROUGH THE COMMANDS (never as documents): an appliance catalog, experts
 * around Springfield, customers with plans and sandbox cards who joined a year ago and were billed
 * every month since by the real billing run (with declines, recoveries and a few past due), one login per
 * role, tickets in every state, driven through the real sagas (matching finalizes the
 * proposals, match-timeouts escalate) with a clock the generator controls, and knowledge-base
 * articles the experts wrote from completed tickets, rated by their colleagues.
 *
 * Deterministic: a seeded PRNG and ids/command ids derived from it, so running it twice writes
 * nothing new (commands are idempotent by command id; existing tickets are skipped).
 *
 * `setup.ts` writes the catalog, experts, customers and logins, `billing.ts` walks the billing year,
 * `tickets.ts` writes the tickets and the articles written from them; `run.ts` is what both share, `content.ts` and `articles.ts` the
 * fixed texts, `random.ts` and `geography.ts` the draws.
 */
import { DEMO_LOGINS, SeedOptions, SeedSummary, SeedSystem } from './options';
import { startRun } from './run';
import { seedBillingYear } from './billing';
import { seedSetup } from './setup';
import { seedTickets } from './tickets';

export { DEFAULT_SIZE, DEMO_LOGINS, SeedInterrupted } from './options';
export type { SeedOptions, SeedSize, SeedSummary, SeedSystem, TicketPlan } from './options';
export { mulberry32 } from './random';

export async function seedDemo(sys: SeedSystem, options: SeedOptions = {}): Promise<SeedSummary> {
  const run = startRun(sys, options);
  const setup = await seedSetup(run);
  await seedBillingYear(run, setup.customerSeeds);
  const written = await seedTickets(run, setup);
  return {
    size: run.size,
    catalogModels: setup.models.length,
    tickets: written.counts,
    articles: written.articlesWritten,
    skippedTickets: written.skipped,
    failures: run.failures.count,
    failureSamples: run.failures.samples,
    logins: DEMO_LOGINS,
  };
}
