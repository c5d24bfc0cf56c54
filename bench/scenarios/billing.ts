/**
 * The monthly billing run over 10,000 customers (`npm run bench -- --only billing`): customers with
 * sandbox cards and a plan each, on the embedded stores as files, the payments saga running. The
 * measured part is one billing day: the clock moves to it, its deadlines fire, and the run issues,
 * charges and pays every customer's invoice. billing.run_customers_per_s is customers billed per
 * second until the saga has settled; billing.run_ratio compares it with issuing the same number of
 * invoices through the command handler alone (64 callers), measured in the same run.
 */
import { join } from 'node:path';
import { send } from '../../commands/aggregate';
import { CommandHandler } from '../../commands/handler';
import { customers } from '../../commands/customer';
import { invoices } from '../../commands/invoice';
import { Actor } from '../../domain/decider';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { SqliteEventStore } from '../../event-store/sqlite';
import { DocumentOutbox } from '../../notifications/outbox-store';
import { SandboxGateway } from '../../payments/sandbox';
import { paymentsSaga } from '../../sagas/charging';
import { Deadlines } from '../../sagas/deadlines';
import { SagaEngine } from '../../sagas/engine';
import { BenchContext, Metric, perSecond, ratio, Scenario } from '../harness';

const CUSTOMERS = 10_000;
const CALLERS = 64;
const DAY = 86_400_000;
/** Customers join on the 3rd: their billing day. */
const JOINED = new Date('2026-01-03T09:00:00.000Z');
const NEXT_BILLING_DAY = new Date('2026-02-03T06:00:00.000Z');
const system: Actor = { userId: 'bench', role: 'system' };

export const billingScenario: Scenario = {
  name: 'billing',
  async run(ctx) {
    const clock = { now: JOINED };
    const events = new SqliteEventStore({ path: join(ctx.dir, 'events.db'), synchronous: 'FULL' });
    const documents = new EmbeddedDocumentStore({ path: join(ctx.dir, 'documents.db') });
    const commands = new CommandHandler(events);
    const cards = new SandboxGateway(documents, () => clock.now);
    const outbox = new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@bench.local', clock: () => clock.now });
    await outbox.ensureIndexes();
    const sagas = new SagaEngine([paymentsSaga({ gateway: cards, outbox, retryDays: [1, 3, 7] })], { events, documents, commands, deadlines: new Deadlines(documents), clock: () => clock.now });
    sagas.start({ manualDeadlines: true });
    const settle = async () => {
      for (;;) {
        const head = await events.headPosition();
        if (!(await sagas.waitFor(head, 600_000))) throw new Error('the payments saga did not catch up');
        if ((await events.headPosition()) === head) return;
      }
    };
    const run = (aggregate: typeof customers | typeof invoices, type: string, data: unknown, commandId: string) =>
      send(commands, aggregate as never, { type, data, metadata: { commandId, actor: system, now: clock.now } } as never);
    try {
      // Customers join (their first invoice is issued and charged at the purchase): not measured.
      const joining = ctx.progress(`billing: ${CUSTOMERS} customers join with a card and a plan`, CUSTOMERS);
      await inCallers(CUSTOMERS, async (i) => {
        const customerId = `bc-${i}`;
        await run(customers, 'registerCustomer', { customerId, contact: contactOf(i), notifyBy: 'email' }, `reg-${i}`);
        const card = await cards.saveCard({ number: i % 2 ? '5555555555554444' : '4242424242424242', expMonth: 12, expYear: 2030 }, customerId);
        await run(customers, 'setPaymentMethod', { customerId, ...card }, `card-${i}`);
        await run(customers, 'purchaseSupportPlan', { customerId, plan: { planId: `p-${i}`, product: 'washer', tier: 'standard', monthlyPriceCents: 1999 } }, `plan-${i}`);
        joining.tick();
      });
      await settle();
      joining.done();

      // The billing day: every customer's February invoice, issued, charged and paid.
      const billing = ctx.progress(`billing: the run of one billing day over ${CUSTOMERS} customers`, 1);
      clock.now = NEXT_BILLING_DAY;
      const started = process.hrtime.bigint();
      const fired = await sagas.fireDueDeadlines();
      await settle();
      const runPerSecond = perSecond(CUSTOMERS, started);
      billing.done();
      const paid = await countPaid(events, '2026-02');
      if (fired !== CUSTOMERS || paid !== CUSTOMERS) throw new Error(`the billing day fired ${fired} deadlines and paid ${paid} invoices, not ${CUSTOMERS}`);

      // The same number of invoices issued by the command handler alone (no charging): the yardstick.
      const issuing = ctx.progress(`billing: ${CUSTOMERS} invoices issued through the command handler, ${CALLERS} callers`, CUSTOMERS);
      await sagas.stop();
      clock.now = new Date(NEXT_BILLING_DAY.getTime() + 31 * DAY);
      const issueStarted = process.hrtime.bigint();
      await inCallers(CUSTOMERS, async (i) => {
        await run(invoices, 'issueInvoice', { customerId: `bc-${i}`, period: '2026-03', lines: [{ planId: `p-${i}`, product: 'washer', tier: 'standard', amountCents: 1999 }], currency: 'USD', dueAt: clock.now.toISOString() }, `issue-${i}`);
        issuing.tick();
      });
      const issuePerSecond = perSecond(CUSTOMERS, issueStarted);
      issuing.done();

      const run_: Metric = { name: 'billing.run_customers_per_s', value: runPerSecond, unit: 'customers/s', note: `one billing day over ${CUSTOMERS} customers: deadline fired, invoice issued, charged by the sandbox, paid, paid-until moved` };
      const issue: Metric = { name: 'billing.issue_invoices_per_s', value: issuePerSecond, unit: 'invoices/s', note: `issueInvoice through the command handler alone, ${CALLERS} callers` };
      return [run_, issue, ratio('billing.run_ratio', run_, issue, 'run_customers_per_s / issue_invoices_per_s')];
    } finally {
      await sagas.stop();
      await events.close();
      await documents.close();
    }
  },
};

/** `each(0..count-1)`, CALLERS at a time. */
async function inCallers(count: number, each: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < count) await each(next++);
    }),
  );
}

async function countPaid(events: SqliteEventStore, period: string): Promise<number> {
  let paid = 0;
  for (const event of await events.readAll()) if (event.type === 'InvoicePaid' && (event.data as { period: string }).period === period) paid++;
  return paid;
}

function contactOf(i: number) {
  return {
    name: `Bench Customer ${i}`,
    email: `bc-${i}@bench.local`,
    phone: `+1413555${String(i % 10_000).padStart(4, '0')}`,
    address: { line1: `${i} Main St`, city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } },
  };
}
