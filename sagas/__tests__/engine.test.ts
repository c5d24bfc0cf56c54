import { CommandHandler } from '../../commands/handler';
import { customers } from '../../commands/customer';
import { Contact, CustomerEvent } from '../../domain/customer/customer';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';
import { ProcessManager, SagaDependencies } from '../process-manager';
import { SAGA_CHECKPOINTS } from '../runner';

const contact: Contact = {
  name: 'Dana',
  email: 'dana@example.com',
  phone: '+1 555 0100',
  address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42, lon: -72 } },
};

// A small saga over the Customer aggregate: nudge new customers without a plan to SMS after a day.
const nudge: ProcessManager = {
  name: 'nudge',
  eventTypes: ['CustomerRegistered', 'SupportPlanPurchased'],
  async handle(event, ctx) {
    const e = event as unknown as CustomerEvent;
    if (e.type === 'CustomerRegistered') {
      await ctx.deadlines.schedule('nudge', 'no-plan', e.data.customerId, new Date(ctx.now.getTime() + 86_400_000), { customerId: e.data.customerId }, ctx.now);
      // A refused command (unknown customer) must not stop the saga.
      await ctx.send(customers, 'changeNotificationPreference', { customerId: 'nobody', notifyBy: 'sms' }, 'refused');
    }
    if (e.type === 'SupportPlanPurchased') await ctx.deadlines.cancel('nudge', 'no-plan', e.data.customerId);
  },
  deadlines: {
    async 'no-plan'(deadline, ctx) {
      await ctx.send(customers, 'changeNotificationPreference', { customerId: String(deadline.payload.customerId), notifyBy: 'sms' }, 'prefer-sms');
    },
  },
};

describe('saga engine', () => {
  let now = new Date('2026-03-02T08:00:00.000Z');
  const clock = () => now;
  let events: InMemoryEventStore;
  let documents: EmbeddedDocumentStore;
  let deps: SagaDependencies;

  beforeEach(() => {
    now = new Date('2026-03-02T08:00:00.000Z');
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    deps = { events, documents, commands: new CommandHandler(events), deadlines: new Deadlines(documents), clock };
  });

  async function register(id: string) {
    return new CommandHandler(events).handle(customers.decider, `customer-${id}`, {
      type: 'registerCustomer',
      data: { customerId: id, contact, notifyBy: 'email' },
      metadata: { commandId: `reg-${id}`, now, actor: { userId: 'u', role: 'customer' } },
    });
  }

  it('handles events, counts refused commands, fires a due deadline once, and not a cancelled one', async () => {
    const engine = new SagaEngine([nudge], deps);
    engine.start({ manualDeadlines: true });
    await register('c1');
    const r = await register('c2');
    await new CommandHandler(events).handle(customers.decider, 'customer-c2', {
      type: 'purchaseSupportPlan',
      data: { customerId: 'c2', plan: { planId: 'p', product: 'washer', tier: 'basic', monthlyPriceCents: 900 } },
      metadata: { commandId: 'buy', now, actor: { userId: 'u', role: 'customer' } },
    });
    expect(await engine.waitFor(await events.headPosition())).toBe(true);
    expect(r.position).toBeGreaterThan(0);
    expect(engine.status()[0]).toMatchObject({ handled: 1, refused: 2 }); // each registration's second step is refused

    expect(await engine.fireDueDeadlines()).toBe(0); // not due yet
    now = new Date('2026-03-03T09:00:00.000Z');
    expect(await engine.fireDueDeadlines()).toBe(1);
    expect(await engine.fireDueDeadlines()).toBe(0);
    expect((await events.readStream('customer-c1')).map((e) => e.type)).toEqual(['CustomerRegistered', 'NotificationPreferenceChanged']);
    expect((await events.readStream('customer-c2')).map((e) => e.type)).toEqual(['CustomerRegistered', 'SupportPlanPurchased']);
    expect(await deps.deadlines.get('nudge', 'no-plan', 'c2')).toMatchObject({ status: 'cancelled' });
    await engine.stop();
  });

  it('re-delivering every event (lost checkpoint) and re-firing a deadline (crash before marking it) changes nothing', async () => {
    let engine = new SagaEngine([nudge], deps);
    engine.start({ manualDeadlines: true });
    await register('c1');
    await engine.waitFor(await events.headPosition());
    now = new Date('2026-03-04T00:00:00.000Z');
    await engine.fireDueDeadlines();
    await engine.stop();
    const before = await events.readAll();

    await documents.collection(SAGA_CHECKPOINTS).deleteMany({});
    await documents.collection('_deadlines').updateMany({}, { $set: { status: 'pending' } });
    engine = new SagaEngine([nudge], deps);
    engine.start({ manualDeadlines: true });
    await engine.waitFor(await events.headPosition());
    expect(await engine.fireDueDeadlines()).toBe(1);
    expect(await events.readAll()).toEqual(before);
    await engine.stop();
  });

  it('scheduling a deadline again changes nothing and says so: the first schedule is kept', async () => {
    expect(await deps.deadlines.schedule('nudge', 'no-plan', 'c7', new Date('2026-03-02T09:00:00.000Z'), { customerId: 'c7', first: true }, now)).toBe(true);
    expect(await deps.deadlines.schedule('nudge', 'no-plan', 'c7', new Date('2026-03-05T09:00:00.000Z'), { customerId: 'c7', first: false }, now)).toBe(false);
    expect(await deps.deadlines.get('nudge', 'no-plan', 'c7')).toMatchObject({ dueAt: '2026-03-02T09:00:00.000Z', payload: { customerId: 'c7', first: true } });
  });

  it('a deadline that came due while nothing ran fires at the next start', async () => {
    await deps.deadlines.schedule('nudge', 'no-plan', 'c9', new Date('2026-03-02T09:00:00.000Z'), { customerId: 'c9' }, now);
    await register('c9');
    now = new Date('2026-03-10T00:00:00.000Z');
    const engine = new SagaEngine([nudge], deps);
    engine.start(); // real timer
    for (let i = 0; i < 100 && (await deps.deadlines.get('nudge', 'no-plan', 'c9'))?.status !== 'fired'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await deps.deadlines.get('nudge', 'no-plan', 'c9')).toMatchObject({ status: 'fired' });
    await engine.stop();
  });
});
