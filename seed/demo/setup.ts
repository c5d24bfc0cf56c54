import { send } from '../../commands/aggregate';
import { applianceModels } from '../../commands/appliance-model';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { userAccounts } from '../../commands/user-account';
import { PlanTier } from '../../domain/customer/customer';
import { UserRole } from '../../domain/user-account/user-account';
import { StreamCategory, streamName } from '../../event-store/streams';
import { hashPassword } from '../../api/auth/passwords';
import { buildCatalog, CARD_MIX, CATEGORIES, FIRST, LAST, Model, SKILL_POOL, STREETS } from './content';
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

/** The appliance catalog, the experts, the customers (plans, payment method, paid-until) and one login per role. */
export async function seedSetup(run: SeedRun): Promise<SeedSetup> {
  const { sys, rng, size, today, meta, attempt, inChunks, progress } = run;
  sys.clock.now = new Date(run.t0 + 7 * HOUR);
  const setupAt = run.t0 + 7 * HOUR;

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

  // customers: contact, plan(s), payment token, paid-until
  const customerSeeds: CustomerSeed[] = [];
  for (let i = 0; i < size.customers; i++) customerSeeds.push({ customerId: `cust-${pad(i + 1, 4)}`, location: around(rng, 15) });
  const tiers: { tier: PlanTier; cents: number }[] = [
    { tier: 'basic', cents: 999 },
    { tier: 'standard', cents: 1999 },
    { tier: 'premium', cents: 3499 },
  ];
  const customerDetails = customerSeeds.map((c, i) => ({
    name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
    street: `${rng.int(1, 1999)} ${rng.pick(STREETS)}`,
    notifyBy: rng.float() < 0.6 ? ('email' as const) : ('sms' as const),
    plans: rng.sample(CATEGORIES, rng.int(1, 3)).map((c2) => ({ product: c2.category, ...rng.pick(tiers) })),
    last4: pad(rng.int(0, 9999), 4),
    // Brand and expiry from the index: drawing them would shift every later draw of the seed.
    brand: CARD_MIX[i % CARD_MIX.length]!,
    expiresInMonths: 3 + ((i * 7) % 58),
    paidDays: rng.int(20, 365),
    index: i,
  }));
  await inChunks('customers', customerSeeds, async (c, i) => {
    const d = customerDetails[i]!;
    const at = setupAt + i * 1000;
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
    for (const [k, p] of d.plans.entries()) {
      await attempt(`plan ${c.customerId}`, () =>
        send(sys.commands, customers, {
          type: 'purchaseSupportPlan',
          data: { customerId: c.customerId, plan: { planId: `plan-${c.customerId}-${k + 1}`, product: p.product, tier: p.tier, monthlyPriceCents: p.cents } },
          metadata: meta(`plan:${c.customerId}:${k}`, at),
        }),
      );
    }
    await attempt(`payment ${c.customerId}`, () =>
      send(sys.commands, customers, { type: 'setPaymentMethod', data: { customerId: c.customerId, gatewayToken: `tok_demo_${c.customerId}`, last4: d.last4, brand: d.brand, expiry: monthsAfter(at, d.expiresInMonths) }, metadata: meta(`pm:${c.customerId}`, at) }),
    );
    await attempt(`paid-until ${c.customerId}`, () =>
      send(sys.commands, customers, {
        type: 'advancePaidUntil',
        data: { customerId: c.customerId, paidUntil: new Date(today + d.paidDays * DAY).toISOString(), invoiceId: `inv-demo-${c.customerId}` },
        metadata: meta(`paid:${c.customerId}`, at),
      }),
    );
  });

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
