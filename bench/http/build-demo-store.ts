/**
 * Child process of the bench: writes the demo data (`seedDemo`, as `npm run seed` does) into the
 * embedded stores of DATA_DIR, then logins for the BENCH_CUSTOMERS demo customers whose plans are
 * paid furthest ahead (the demo's billing year leaves a few past due or without a plan: their new
 * tickets are refused, which would measure refusals) and every demo expert (the demo has one login per role
 * only), listed in bench-logins.json.
 * Progress goes to stdout as JSON lines: {"phase","done","total"}.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContainer, seedSystemDependencies } from '../../app/container';
import { lockDataDir } from '../../app/data-lock';
import { TOKENS } from '../../app/tokens';
import { send } from '../../commands/aggregate';
import { aggregateStream } from '../../commands/aggregate-stream';
import { customers } from '../../commands/customer';
import { isPaidAt } from '../../domain/customer/customer';
import { StreamCategory, streamName } from '../../event-store/streams';
import { userAccounts } from '../../commands/user-account';
import { loadConfig } from '../../config/config';
import { createLogger } from '../../config/logger';
import { hashPassword } from '../../api/auth/passwords';
import { DocumentStore } from '../../document-store/port';
import { EventStore } from '../../event-store/port';
import { ProjectionEngine } from '../../projections/engine';
import { DEFAULT_SIZE, DEMO_LOGINS, seedDemo, SeedSystem } from '../../seed/demo';
import { SeedProgress } from '../../seed/marker';
import { startSeedSystem } from '../../seed/system';
import { BENCH_LOGINS_FILE, Login } from './bench-logins';

const BENCH_CUSTOMERS = 100;
const BENCH_PASSWORD = 'bench-login-pass';

function report(phase: string, done: number, total: number): void {
  process.stdout.write(`${JSON.stringify({ phase, done, total })}\n`);
}

/** Ids as the demo seed numbers them (seed/demo.ts). */
const demoCustomerId = (i: number) => `cust-${String(i + 1).padStart(4, '0')}`;
const demoExpertId = (i: number) => `exp-${String(i + 1).padStart(3, '0')}`;

/**
 * The `count` demo customers with an active plan paid furthest ahead: the server bills the ones
 * whose billing day comes while the copy is in use, and a declined card would make their new
 * tickets refusals (422 customer-not-paid) in the figures. Paid a month ahead, these are billed
 * after the store's MAX_AGE_DAYS are over (bench/http/demo-store.ts).
 */
async function paidCustomers(sys: SeedSystem, count: number): Promise<string[]> {
  const now = new Date();
  const paid: { customerId: string; paidUntil: string }[] = [];
  for (let i = 0; i < DEFAULT_SIZE.customers; i++) {
    const { state } = await aggregateStream(sys.events, streamName(StreamCategory.customer, demoCustomerId(i)), customers.decider);
    if (state.status !== 'registered' || !isPaidAt(state, now) || !Object.values(state.plans).some((plan) => plan.active)) continue;
    paid.push({ customerId: demoCustomerId(i), paidUntil: state.paidUntil! });
  }
  paid.sort((a, b) => Date.parse(b.paidUntil) - Date.parse(a.paidUntil) || (a.customerId < b.customerId ? -1 : 1));
  return paid.slice(0, count).map((p) => p.customerId);
}

async function addBenchLogins(sys: SeedSystem): Promise<Login[]> {
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const accounts = [
    ...(await paidCustomers(sys, BENCH_CUSTOMERS)).map((id) => ({ role: 'customer' as const, id, link: { customerId: id } })),
    ...Array.from({ length: DEFAULT_SIZE.experts }, (_, i) => ({ role: 'expert' as const, id: demoExpertId(i), link: { expertId: demoExpertId(i) } })),
  ];
  const logins: Login[] = [];
  for (const [n, { role, id, link }] of accounts.entries()) {
    const email = `bench-${id}@bench.sysops.local`;
    await send(sys.commands, userAccounts, {
      type: 'registerUser',
      data: { userId: `user-bench-${id}`, email, role, passwordHash, ...link },
      metadata: { commandId: `bench:user:${id}`, now: new Date(), actor: { userId: 'bench', role: 'system' }, correlationId: 'bench:logins' },
    });
    logins.push({ role, email, password: BENCH_PASSWORD });
    if (n % 10 === 9) report('bench logins', n + 1, accounts.length);
  }
  return [...logins, { role: 'helpdesk', ...DEMO_LOGINS.helpdesk }];
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  lockDataDir(config.DATA_DIR, 'the bench building its demo store');
  const container = createContainer(config, createLogger(config));
  const engine = container.get<ProjectionEngine>(TOKENS.ProjectionEngine);
  await engine.start();
  const progress = new SeedProgress(container.get<DocumentStore>(TOKENS.DocumentStore));
  await progress.running();
  const sys = await startSeedSystem(seedSystemDependencies(container, engine));
  await seedDemo(sys, { onProgress: report });
  const logins = await addBenchLogins(sys);
  await sys.settle();
  await sys.stop();
  await progress.done();
  await engine.stop();
  await container.get<EventStore>(TOKENS.EventStore).close();
  await container.get<DocumentStore>(TOKENS.DocumentStore).close();
  writeFileSync(join(config.DATA_DIR, BENCH_LOGINS_FILE), `${JSON.stringify({ logins }, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
