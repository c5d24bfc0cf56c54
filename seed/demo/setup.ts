import { send } from '../../commands/aggregate';
import { applianceModels } from '../../commands/appliance-model';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { userAccounts } from '../../commands/user-account';
import { LAUNCH_PLAN_PRICES_CENTS, PLAN_TIERS, PlanTier } from '../../domain/catalog/plan-prices';
import { UserRole } from '../../domain/user-account/user-account';
import { StreamCategory, streamName } from '../../event-store/streams';
import { hashPassword } from '../../api/auth/passwords';
import { buildCatalog, CATEGORIES, FIRST, LAST, Model, SKILL_POOL, STREETS } from './content';
import { around } from './geography';
import { DEMO_LOGINS } from './options';
import { DAY, HOUR, pad, SeedRun } from './run';

export interface ExpertSeed {
  expertId: string;
  home: { lat: number; lon: number };
  radiusKm: number;
  skills: string[];
}
export interface CustomerSeed {
  customerId: string;
  location: { lat: number; lon: number };
  /** The plans bought on joining (filled in by the setup). */
  plans?: { planId: string; product: string; tier: PlanTier; cents: number }[];
}

/** What the tickets are written for. */
export interface SeedSetup {
  models: Model[];
  expertSeeds: ExpertSeed[];
  customerSeeds: CustomerSeed[];
}

/** The month ('YYYY-MM', UTC) `months` after the instant `at` (ms). */
function monthsAfter(at: number, months: number): string {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 7);
}

/**
 * The sandbox test card a demo customer pays with, from one draw of 1..100: most pay, a few
 * are declined once a month and pay on the dunning retry, a few run out of funds and go past due.
 * The demo login's customer (the first) always pays.
 */
function demoCard(index: number, roll: number): string {
  if (index > 0 && roll <= 2) return '4000000000009995'; // insufficient funds
  if (index > 0 && roll <= 7) return '4000000000000341'; // declined on the first attempt, paid on the retry
  return index % 3 === 1 ? '5555555555554444' : '4242424242424242';
}

/** Customers join over the first four weeks of the billing year, so their billing days differ. */
const JOINING_DAYS = 28;

/** The appliance catalog, the experts, the customers (plans, card, joined a year ago) and one login per role. */
export async function seedSetup(run: SeedRun): Promise<SeedSetup> {
  const { sys, rng, size, today, meta, attempt, inChunks, progress } = run;
  sys.clock.now = new Date(run.joined + 7 * HOUR);
  const setupAt = run.joined + 7 * HOUR;

  // catalog
  const models = buildCatalog();
  await inChunks('catalog', models, (m) =>
    attempt(`model ${m.modelId}`, () => send(sys.commands, applianceModels, { type: 'addApplianceModel', data: { ...m, aliases: [`${m.brand} ${m.model}`] }, metadata: meta(`model:${m.modelId}`, setupAt) })),
  );

  // experts: every category covered by several experts
  const expertSeeds: ExpertSeed[] = [];
  for (let i = 0; i < size.experts; i++) {
    const primary = CATEGORIES[i % CATEGORIES.length]!;
    const skills = new Set<string>(primary.skills.flat());
    for (const s of rng.sample(SKILL_POOL, rng.int(1, 3))) skills.add(s);
    expertSeeds.push({ expertId: `exp-${pad(i + 1, 3)}`, home: around(rng, 15), radiusKm: rng.int(10, 25), skills: [...skills].sort() });
  }
  await inChunks('experts', expertSeeds, (e, i) => {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
    return attempt(`expert ${e.expertId}`, () =>
      send(sys.commands, experts, {
        type: 'onboardExpert',
        data: {
          expertId: e.expertId,
          name,
          contact: { email: `${e.expertId}@experts.demo.sysops.local`, phone: `+1413555${pad(1000 + i, 4)}` },
          locale: 'en-US',
          homeLocation: e.home,
          serviceArea: { kind: 'radius', radiusKm: e.radiusKm },
          skills: e.skills,
          availability: { timeZone: 'America/New_York', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) },
          feePerVisitCents: rng.int(60, 140) * 100,
        },
        metadata: meta(`expert:${e.expertId}`, setupAt),
      }),
    );
  });

  // customers: contact, plan(s) and a card, joining day by day; the billing run bills them from then on
  const customerSeeds: CustomerSeed[] = [];
  for (let i = 0; i < size.customers; i++) customerSeeds.push({ customerId: `cust-${pad(i + 1, 4)}`, location: around(rng, 15) });
  // Bought at the price list's launch prices: the list holds them until an admin sets another.
  const tiers: { tier: PlanTier; cents: number }[] = PLAN_TIERS.map((tier) => ({ tier, cents: LAUNCH_PLAN_PRICES_CENTS[tier] }));
  const customerDetails = customerSeeds.map((c, i) => ({
    name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
    street: `${rng.int(1, 1999)} ${rng.pick(STREETS)}`,
    notifyBy: rng.float() < 0.6 ? ('email' as const) : ('sms' as const),
    plans: rng.sample(CATEGORIES, rng.int(1, 3)).map((c2) => ({ product: c2.category, ...rng.pick(tiers) })),
    // Expiry from the index, after today: drawing it would shift every later draw of the seed.
    expiresInMonths: 3 + ((i * 7) % 58),
    card: demoCard(i, rng.int(1, 100)),
    joinsOnDay: i % JOINING_DAYS,
  }));
  const writeCustomer = async (c: CustomerSeed, i: number) => {
    const d = customerDetails[i]!;
    const at = run.joined + d.joinsOnDay * DAY + 9 * HOUR + i * 1000;
    const ok = await attempt(`customer ${c.customerId}`, () =>
      send(sys.commands, customers, {
        type: 'registerCustomer',
        data: {
          customerId: c.customerId,
          contact: { name: d.name, email: `${c.customerId}@customers.demo.sysops.local`, phone: `+1413556${pad(i % 10000, 4)}`, address: { line1: d.street, city: 'Springfield', postalCode: `011${pad(i % 100, 2)}`, country: 'US', location: c.location } },
          notifyBy: d.notifyBy,
        },
        metadata: meta(`customer:${c.customerId}`, at),
      }),
    );
    if (!ok) return;
    // The card before the plans: the purchase issues the first invoice, charged at once.
    await attempt(`payment ${c.customerId}`, async () => {
      const expiry = new Date(Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth() + d.expiresInMonths, 1));
      const card = await sys.cards.saveCard({ number: d.card, expMonth: expiry.getUTCMonth() + 1, expYear: expiry.getUTCFullYear() }, `seed:card:${c.customerId}`);
      await send(sys.commands, customers, { type: 'setPaymentMethod', data: { customerId: c.customerId, ...card }, metadata: meta(`pm:${c.customerId}`, at) });
    });
    c.plans = d.plans.map((p, k) => ({ planId: `plan-${c.customerId}-${k + 1}`, ...p }));
    for (const [k, p] of d.plans.entries()) {
      await attempt(`plan ${c.customerId}`, () =>
        send(sys.commands, customers, {
          type: 'purchaseSupportPlan',
          data: { customerId: c.customerId, plan: { planId: `plan-${c.customerId}-${k + 1}`, product: p.product, tier: p.tier, monthlyPriceCents: p.cents } },
          metadata: meta(`plan:${c.customerId}:${k}`, at),
        }),
      );
    }
  };
  // One joining day at a time, the clock on that day, so the first invoices are issued and charged that day.
  progress('customers', 0, customerSeeds.length);
  let written = 0;
  for (let day = 0; day < JOINING_DAYS; day++) {
    const joining = customerSeeds.map((c, i) => ({ c, i })).filter(({ i }) => customerDetails[i]!.joinsOnDay === day);
    if (joining.length === 0) continue;
    sys.clock.now = new Date(run.joined + day * DAY + 9 * HOUR + size.customers * 1000);
    for (let k = 0; k < joining.length; k += 16) await Promise.all(joining.slice(k, k + 16).map(({ c, i }) => writeCustomer(c, i)));
    await sys.settle();
    written += joining.length;
    progress('customers', written, customerSeeds.length);
  }

  // logins, one per role
  const roles = Object.keys(DEMO_LOGINS) as UserRole[];
  progress('logins', 0, roles.length);
  for (const [i, role] of roles.entries()) {
    const link = role === 'customer' && customerSeeds[0] ? { customerId: customerSeeds[0].customerId } : role === 'expert' && expertSeeds[0] ? { expertId: expertSeeds[0].expertId } : {};
    const userId = `user-demo-${role}`;
    const existing = await sys.events.readStream(streamName(StreamCategory.user, userId)).catch(() => []);
    if (existing.length === 0) {
      const passwordHash = await hashPassword(DEMO_LOGINS[role].password);
      await attempt(`login ${role}`, () =>
        send(sys.commands, userAccounts, { type: 'registerUser', data: { userId, email: DEMO_LOGINS[role].email, role, passwordHash, ...link }, metadata: meta(`user:${userId}`, setupAt) }),
      );
    }
    progress('logins', i + 1, roles.length);
  }
  await sys.settle();
  return { models, expertSeeds, customerSeeds };
}
