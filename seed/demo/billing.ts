import { DAY, HOUR, SeedRun } from './run';

/**
 * The demo's year of billing, through the real billing run: the clock walks day by day from the
 * customers' joining to the tickets' history, and each day fires what is due then — billing days
 * (invoices issued and charged), dunning retries and the customers told of them. What the
 * sandbox cards do decides the rest: most pay, some pay on the retry, a few go past due.
 * Returns the days walked.
 */
export async function seedBillingYear(run: SeedRun): Promise<number> {
  const { sys, joined, t0, progress } = run;
  const days = Math.round((t0 - joined) / DAY);
  progress('billing year', 0, days);
  for (let day = 1; day <= days; day++) {
    // Deadlines at or before this moment fire: billing days fall at 00:00 UTC, dunning retries when they were scheduled.
    sys.clock.now = new Date(joined + day * DAY + 6 * HOUR);
    await sys.fireDueDeadlines();
    await sys.settle();
    progress('billing year', day, days);
  }
  return days;
}
