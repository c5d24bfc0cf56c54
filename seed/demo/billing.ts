import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { CATEGORIES } from './content';
import { DAY, HOUR, SeedRun } from './run';
import { CustomerSeed } from './setup';

/** What a customer does to their plans on a day of the year: the movement of the managers' MRR. */
type PlanChange = { day: number; customer: CustomerSeed } & ({ kind: 'churn' } | { kind: 'contraction' } | { kind: 'expansion'; product: string });

/**
 * Plan changes over the year, from the customers' index (no random draw: the tickets' draws stay
 * as they are): one in fifty cancels every plan, one in forty with several plans drops one, one in
 * twenty-five adds a plan for another appliance.
 */
function planChanges(customerSeeds: readonly CustomerSeed[], days: number): PlanChange[] {
  const changes: PlanChange[] = [];
  customerSeeds.forEach((customer, i) => {
    const plans = customer.plans ?? [];
    if (i === 0 || plans.length === 0) return; // the demo login's customer keeps their plans
    // The k-th customer of a kind changes `step` days after the (k-1)-th: spread over the year, after the first month.
    const on = (every: number, step: number) => 35 + ((Math.floor(i / every) * step) % Math.max(1, days - 45));
    if (i % 50 === 17) changes.push({ day: on(50, 31), customer, kind: 'churn' });
    else if (i % 40 === 9 && plans.length > 1) changes.push({ day: on(40, 27), customer, kind: 'contraction' });
    else if (i % 25 === 4) {
      const product = CATEGORIES.map((c) => c.category).find((category) => !plans.some((p) => p.product === category));
      if (product) changes.push({ day: on(25, 17), customer, kind: 'expansion', product });
    }
  });
  return changes;
}

/**
 * The demo's year of billing, through the real billing run: the clock walks day by day from the
 * customers' joining to the tickets' history, and each day fires what is due then — billing days
 * (invoices issued and charged, prorated after a plan change), dunning retries and the customers
 * told of them — after the day's plan changes. What the sandbox cards do decides the rest: most
 * pay, some pay on the retry, a few go past due. Returns the days walked.
 */
export async function seedBillingYear(run: SeedRun, customerSeeds: readonly CustomerSeed[]): Promise<number> {
  const { sys, joined, t0, meta, attempt, progress } = run;
  const days = Math.round((t0 - joined) / DAY);
  const changes = planChanges(customerSeeds, days);
  progress('billing year', 0, days);
  for (let day = 1; day <= days; day++) {
    // Deadlines at or before this moment fire: billing days fall at 00:00 UTC, dunning retries when they were scheduled.
    sys.clock.now = new Date(joined + day * DAY + 6 * HOUR);
    await sys.fireDueDeadlines();
    const at = joined + day * DAY + 14 * HOUR;
    for (const change of changes.filter((c) => c.day === day)) {
      const { customerId, plans = [] } = change.customer;
      const who = { userId: `user-${customerId}`, role: 'customer' as const };
      if (change.kind === 'expansion') {
        const tier = plans[0]!.tier;
        await attempt(`plan bought ${customerId}`, () =>
          send(sys.commands, customers, {
            type: 'purchaseSupportPlan',
            data: { customerId, plan: { planId: `plan-${customerId}-added`, product: change.product, tier, monthlyPriceCents: plans[0]!.cents } },
            metadata: meta(`plan-added:${customerId}`, at, who),
          }),
        );
      } else {
        const cancelled = change.kind === 'churn' ? plans : plans.slice(-1);
        for (const plan of cancelled) {
          await attempt(`plan cancelled ${customerId}`, () =>
            send(sys.commands, customers, { type: 'cancelSupportPlan', data: { customerId, planId: plan.planId }, metadata: meta(`plan-cancelled:${plan.planId}`, at, who) }),
          );
        }
      }
    }
    await sys.settle();
    progress('billing year', day, days);
  }
  return days;
}
