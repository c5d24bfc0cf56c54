/**
 * The payments saga over real commands (in-memory event store), the embedded document store in
 * memory, the sandbox gateway and a manual clock; `settle()` waits until the saga handled
 * everything, `advanceDays()` moves the clock and fires what fell due.
 */
import { send as execute } from '../../commands/aggregate';
import { aggregateStream } from '../../commands/aggregate-stream';
import { customers } from '../../commands/customer';
import { CommandHandler } from '../../commands/handler';
import { invoices } from '../../commands/invoice';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Actor } from '../../domain/decider';
import { InMemoryEventStore } from '../../event-store/memory';
import { EventStore } from '../../event-store/port';
import { Outbox } from '../../notifications/outbox';
import { PaymentGateway } from '../../payments/gateway';
import { SANDBOX_COLLECTION, SandboxGateway } from '../../payments/sandbox';
import { paymentsSaga } from '../charging';
import { Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';

const system: Actor = { userId: 'billing', role: 'system' };
const customerActor: Actor = { userId: 'u-c1', role: 'customer' };
export const CONTACT = { name: 'Casey', email: 'c@example.com', phone: '+15550100', address: { line1: '1 Main', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42, lon: -72 } } };

export class PaymentsHarness {
  now: Date;
  readonly events: EventStore;
  readonly documents = new EmbeddedDocumentStore({ path: ':memory:' });
  readonly commands: CommandHandler;
  readonly sandbox: SandboxGateway;
  engine: SagaEngine | undefined;
  private seq = 0;

  /** The gateway the saga uses: the sandbox, or what `gateway` makes of it (a gateway that fails on purpose). */
  readonly gateway: PaymentGateway;

  /** `events`: the store under the commands and the saga (a store that fails on purpose). */
  constructor(start: Date, gateway: (sandbox: SandboxGateway) => PaymentGateway = (sandbox) => sandbox, events: EventStore = new InMemoryEventStore()) {
    this.events = events;
    this.commands = new CommandHandler(events);
    this.now = new Date(start);
    this.sandbox = new SandboxGateway(this.documents, () => this.now);
    this.gateway = gateway(this.sandbox);
  }

  async start(): Promise<void> {
    const outbox = { enqueue: async () => true } as unknown as Outbox;
    this.engine = new SagaEngine([paymentsSaga({ gateway: this.gateway, outbox, retryDays: [1, 3, 7] })], {
      events: this.events,
      documents: this.documents,
      commands: this.commands,
      deadlines: new Deadlines(this.documents),
      clock: () => this.now,
      maxRetryDelayMs: 0,
    });
    // advanceDays() fires what falls due: a timer of the engine firing it as well raced the explicit call.
    this.engine.start({ manualDeadlines: true });
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
    this.engine = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.documents.close();
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const head = await this.events.headPosition();
      if (!(await this.engine!.waitFor(head, 5000))) throw new Error('the payments saga did not catch up');
      if ((await this.events.headPosition()) === head) return;
    }
    throw new Error('the payments saga never settled');
  }

  async advanceDays(days: number): Promise<void> {
    this.now = new Date(this.now.getTime() + days * 86_400_000);
    await this.engine!.fireDueDeadlines();
    await this.settle();
  }

  exec(aggregate: typeof customers | typeof invoices, type: string, data: unknown, actor: Actor = system) {
    return execute(this.commands, aggregate as never, { type, data, metadata: { commandId: `cmd-${++this.seq}`, actor, now: this.now } } as never);
  }

  /** Registers customer c1, with a sandbox test card when `number` is given. */
  async customerWithCard(number: string | null, expiry = { expMonth: 12, expYear: 2030 }): Promise<void> {
    await this.exec(customers, 'registerCustomer', { customerId: 'c1', contact: CONTACT, notifyBy: 'email' });
    if (number) await this.exec(customers, 'setPaymentMethod', { customerId: 'c1', ...(await this.sandbox.saveCard({ number, ...expiry })) });
  }

  buyPlan(planId: string, monthlyPriceCents = 3100, product = 'oven') {
    return this.exec(customers, 'purchaseSupportPlan', { customerId: 'c1', plan: { planId, product, tier: 'basic', monthlyPriceCents } }, customerActor);
  }

  async invoice(period: string) {
    return (await aggregateStream(this.events, `invoice-c1:${period}`, invoices.decider)).state;
  }

  /** Every InvoiceIssued so far. */
  async issued(): Promise<{ period: string; totalCents: number }[]> {
    return (await this.events.readAll()).filter((e) => e.type === 'InvoiceIssued').map((e) => e.data as { period: string; totalCents: number });
  }

  chargesMade(): Promise<number> {
    return this.documents.collection(SANDBOX_COLLECTION).count({ kind: 'charge' });
  }
}
