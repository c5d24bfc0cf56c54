/**
 * A whole ticket-side stack for scenario tests: real CommandHandler over an in-memory event
 * store, the embedded document store in memory, the experts and paid-customers read models, the
 * matching saga in a SagaEngine with a manual clock, and a fake outbox. Clients act through
 * commands (and the flows), as the API would; `settle()` waits until the read models and the
 * saga have handled everything (never sleeps).
 */
import { Aggregate, send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { CommandHandler, CommandResult } from '../../commands/handler';
import { invoices } from '../../commands/invoice';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { Config, loadConfig } from '../../config/config';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Actor, Command, DomainEvent } from '../../domain/decider';
import { ExpertState } from '../../domain/expert/expert';
import { GeoPoint } from '../../domain/shared/geo';
import { TimeRange } from '../../domain/shared/time';
import { VisitDependency, VisitSpec } from '../../domain/shared/visit-plan';
import { Priority, TicketState } from '../../domain/ticket/ticket';
import { VisitState } from '../../domain/visit/visit';
import { InMemoryEventStore } from '../../event-store/memory';
import { CommandData, FlowContext, requestContext } from '../../flows/context';
import { ReadModelExpertDirectory } from '../../read-models/expert-directory';
import { openTicket, OpenTicketOutcome } from '../../flows/open-ticket';
import { PaidCustomersCache, PaymentStatusLookup } from '../../read-models/payment-status';
import { MessageRequest, Outbox } from '../../notifications/outbox';
import { ProjectionEngine } from '../../projections/engine';
import { expertsProjection } from '../../projections/experts/projection';
import { paidCustomersProjection } from '../../projections/paid-customers/projection';
import { ReadModels } from '../../read-models/read-models';
import { Deadline, DEADLINES, Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';
import { matchingSaga, MatchingConfig } from '../matching';
import { ProcessManager } from '../process-manager';

export const START = new Date('2026-03-02T08:00:00.000Z'); // a Monday
export const HOME: GeoPoint = { lat: 42.1, lon: -72.6 };
export const NEAR: GeoPoint = { lat: 42.12, lon: -72.58 };
export const FAR: GeoPoint = { lat: 45.5, lon: -73.6 };

export const helpdesk: Actor = { userId: 'hd-1', role: 'helpdesk' };
export const customerActor = (id: string): Actor => ({ userId: id, role: 'customer' });
export const expertActor = (id: string): Actor => ({ userId: id, role: 'expert' });
export const systemActor: Actor = { userId: 'billing', role: 'system' };

/** `day` 1 = 2026-03-03 (Tuesday); times in UTC. */
export function at(day: number, hhmm: string): string {
  const d = new Date(Date.UTC(2026, 2, 2 + day));
  const [h, m] = hhmm.split(':').map(Number);
  d.setUTCHours(h!, m!);
  return d.toISOString();
}

export function range(day: number, from: string, to: string): TimeRange {
  return { start: at(day, from), end: at(day, to) };
}

/** Records messages, deduplicated by (causedBy, channel, to, template) as the real outbox is. */
export class FakeOutbox implements Outbox {
  readonly messages: MessageRequest[] = [];
  duplicates = 0;
  failNext = 0;

  async enqueueAll(messages: readonly MessageRequest[]): Promise<number> {
    let added = 0;
    for (const message of messages) if (await this.enqueue(message)) added++;
    return added;
  }

  async enqueue(message: MessageRequest): Promise<boolean> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('outbox store unavailable');
    }
    const key = FakeOutbox.key(message);
    if (this.messages.some((m) => FakeOutbox.key(m) === key)) {
      this.duplicates++;
      return false;
    }
    this.messages.push(structuredClone(message));
    return true;
  }

  static key(m: MessageRequest): string {
    return [m.causedBy, m.channel, m.to, m.template].join('\u0000');
  }

  to(recipientId: string, template?: MessageRequest['template']): MessageRequest[] {
    return this.messages.filter((m) => m.recipient?.id === recipientId && (template === undefined || m.template === template));
  }

  sent(template: MessageRequest['template']): string[] {
    return this.messages
      .filter((m) => m.template === template)
      .map((m) => m.recipient?.id ?? m.to)
      .sort();
  }
}

export const TEST_CONFIG: MatchingConfig = pick(loadConfig({ NOTIFY_FIRST_EXPERTS: '2', FEED_WIDEN_MIN: '15', MATCH_TIMEOUT_NORMAL_MIN: '240', MATCH_TIMEOUT_URGENT_MIN: '30' }));

function pick(config: Config): MatchingConfig {
  return {
    MATCH_TIMEOUT_URGENT_MIN: config.MATCH_TIMEOUT_URGENT_MIN,
    MATCH_TIMEOUT_HIGH_MIN: config.MATCH_TIMEOUT_HIGH_MIN,
    MATCH_TIMEOUT_NORMAL_MIN: config.MATCH_TIMEOUT_NORMAL_MIN,
    MATCH_TIMEOUT_LOW_MIN: config.MATCH_TIMEOUT_LOW_MIN,
    NO_ACCESS_WAIT_MIN: config.NO_ACCESS_WAIT_MIN,
    FLAG_REMINDER_MIN: config.FLAG_REMINDER_MIN,
    NOTIFY_FIRST_EXPERTS: config.NOTIFY_FIRST_EXPERTS,
    FEED_WIDEN_MIN: config.FEED_WIDEN_MIN,
    HELPDESK_EMAIL: config.HELPDESK_EMAIL,
  };
}

export interface ExpertFixture {
  skills: string[];
  home?: GeoPoint;
  radiusKm?: number;
}

export interface TicketFixture {
  ticketId: string;
  customerId: string;
  visits: VisitSpec[];
  dependencies?: VisitDependency[];
  priority?: Priority;
  actor?: Actor;
  payments?: PaymentStatusLookup;
}

export class MatchingHarness {
  now = new Date(START);
  readonly clock = () => this.now;
  readonly events = new InMemoryEventStore();
  readonly documents = new EmbeddedDocumentStore({ path: ':memory:' });
  readonly commands = new CommandHandler(this.events);
  readonly deadlines = new Deadlines(this.documents);
  readonly readModels = new ReadModels(this.documents, [expertsProjection, paidCustomersProjection], { ttlMs: 0 });
  readonly projections = new ProjectionEngine(this.events, this.documents, [expertsProjection, paidCustomersProjection], {
    onSwitch: () => this.readModels.refresh(),
    // As the app wires it: the directory keeps the experts between changes (and these tests would see a stale one).
    onApplied: this.readModels.followChanges(),
  });
  readonly directory = new ReadModelExpertDirectory(this.readModels);
  readonly outbox = new FakeOutbox();
  readonly payments = new PaidCustomersCache(this.readModels);
  engine: SagaEngine | undefined;
  private commandCount = 0;

  constructor(readonly config: MatchingConfig = TEST_CONFIG) {}

  saga(): ProcessManager {
    return matchingSaga({ config: this.config, outbox: this.outbox, experts: this.directory });
  }

  newEngine(saga: ProcessManager = this.saga()): SagaEngine {
    return new SagaEngine([saga], { events: this.events, documents: this.documents, commands: this.commands, deadlines: this.deadlines, clock: this.clock, maxRetryDelayMs: 0 });
  }

  /** Starts the read models and (unless `saga: false`) the matching saga. */
  async start(options: { saga?: boolean } = {}): Promise<this> {
    await this.projections.start();
    if (options.saga === false) return this;
    this.engine = this.newEngine();
    this.engine.start({ manualDeadlines: true });
    return this;
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
    await this.projections.stop();
    await this.documents.close();
  }

  /** Waits until the read models and the saga have handled every event, including the ones they cause. */
  async settle(engine: SagaEngine | undefined = this.engine): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const head = await this.events.headPosition();
      if (!(await this.projections.waitFor(head, { timeoutMs: 5000 }))) throw new Error(`read models did not reach ${head}`);
      if (engine && !(await engine.waitFor(head, 5000))) throw new Error(`saga did not reach ${head}: ${JSON.stringify(engine.status())}`);
      if (!(await this.projections.waitFor(await this.events.headPosition(), { timeoutMs: 5000 }))) throw new Error('read models lag');
      if ((await this.events.headPosition()) === head) return;
    }
    throw new Error('the saga never settled');
  }

  /** Moves the clock, fires what is due, and settles. */
  async advance(minutes: number): Promise<void> {
    if (!this.engine) throw new Error('start the saga first');
    this.now = new Date(this.now.getTime() + minutes * 60_000);
    await this.engine.fireDueDeadlines();
    await this.settle();
  }

  async exec<S, C extends Command, E extends DomainEvent, T extends C['type']>(
    aggregate: Aggregate<S, C, E>,
    type: T,
    data: CommandData<C, T>,
    actor: Actor,
  ): Promise<CommandResult<S>> {
    const commandId = `client-${++this.commandCount}`;
    return send(this.commands, aggregate, { type, data, metadata: { commandId, now: this.now, actor } } as unknown as C);
  }

  /** A flow run as an API request by `actor`. */
  flow(actor: Actor, commandId = `request-${++this.commandCount}`): FlowContext {
    return requestContext({ commands: this.commands }, { commandId, actor, now: this.now });
  }

  async onboard(expertId: string, fixture: ExpertFixture): Promise<void> {
    await this.exec(
      experts,
      'onboardExpert',
      {
        expertId,
        name: `Expert ${expertId}`,
        contact: { email: `${expertId}@experts.example`, phone: `+1555${String(1000 + this.commandCount).padStart(7, '0')}` },
        locale: 'en-US',
        homeLocation: fixture.home ?? NEAR,
        serviceArea: { kind: 'radius', radiusKm: fixture.radiusKm ?? 40 },
        skills: fixture.skills,
        availability: { timeZone: 'UTC', days: Array.from({ length: 7 }, () => [{ from: '07:00', to: '19:00' }]) },
        feePerVisitCents: 6000,
      },
      { userId: 'admin-1', role: 'admin' },
    );
  }

  /** Registers a customer and pays March through billing (InvoicePaid → saga → PaidUntilAdvanced → cache). */
  async payingCustomer(customerId: string): Promise<void> {
    await this.exec(
      customers,
      'registerCustomer',
      {
        customerId,
        contact: { name: `Customer ${customerId}`, email: `${customerId}@home.example`, phone: '+15550100', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: HOME } },
        notifyBy: 'sms',
      },
      customerActor(customerId),
    );
    const line = { planId: `${customerId}-washer`, product: 'washer', tier: 'standard' as const, amountCents: 1500 };
    await this.exec(invoices, 'issueInvoice', { customerId, period: '2026-03', lines: [line], currency: 'USD', dueAt: at(0, '08:00') }, systemActor);
    await this.exec(invoices, 'recordChargeAttempt', { customerId, period: '2026-03', outcome: { kind: 'chargeSucceeded', gatewayReference: `ch_${customerId}`, amountCents: 1500 } }, systemActor);
  }

  async openTicket(fixture: TicketFixture): Promise<OpenTicketOutcome> {
    const outcome = await openTicket(
      { commands: this.commands, payments: fixture.payments ?? this.payments, lookupTimeoutMs: 500 },
      {
        data: {
          ticketId: fixture.ticketId,
          customerId: fixture.customerId,
          applianceModelText: 'Washer WX-100',
          problem: 'leaks water',
          priority: fixture.priority ?? 'normal',
          location: HOME,
          visits: fixture.visits,
          dependencies: fixture.dependencies ?? [],
        },
        metadata: { commandId: `open-${fixture.ticketId}`, now: this.now, actor: fixture.actor ?? customerActor(fixture.customerId) },
      },
    );
    await this.settle();
    return outcome;
  }

  /** Opens a ticket for a paid customer without the saga: plans its visits as the saga would. */
  async plannedTicket(fixture: TicketFixture): Promise<void> {
    await this.openTicket(fixture);
    const ticket = await this.ticket(fixture.ticketId);
    if (ticket.status !== 'open') throw new Error(`ticket ${fixture.ticketId} is ${ticket.status}`);
    for (const { spec } of ticket.visits) {
      await this.exec(visits, 'planVisit', { ...spec, ticketId: ticket.ticketId, location: ticket.location, priority: ticket.priority }, systemActor);
    }
  }

  async propose(expertId: string, visitId: string, starts: string[]): Promise<void> {
    const expert = await this.expert(expertId);
    if (expert.status === 'unknown') throw new Error(`no expert ${expertId}`);
    await this.exec(visits, 'proposeSlot', { visitId, expertId, expertSkills: expert.skills, starts }, expertActor(expertId));
    await this.settle();
  }

  ticket(id: string): Promise<TicketState> {
    return this.flow(helpdesk).load(tickets, id);
  }

  visit(id: string): Promise<VisitState> {
    return this.flow(helpdesk).load(visits, id);
  }

  expert(id: string): Promise<ExpertState> {
    return this.flow(helpdesk).load(experts, id);
  }

  async bookings(expertId: string): Promise<{ visitId: string; start: string; end: string }[]> {
    const s = await this.expert(expertId);
    return s.status === 'unknown' ? [] : s.bookings.map((b) => ({ visitId: b.visitId, ...b.range }));
  }

  async pendingDeadlines(): Promise<Deadline[]> {
    return this.documents.collection<Deadline>(DEADLINES).find({ status: 'pending' }, { sort: { _id: 1 } });
  }

  async types(stream: string): Promise<string[]> {
    return (await this.events.readStream(stream)).map((e) => e.type);
  }
}

export function visitSpec(visitId: string, skills: string[], windows: TimeRange[], options: { expertsNeeded?: number; durationMinutes?: number } = {}): VisitSpec {
  return { visitId, skills, expertsNeeded: options.expertsNeeded ?? 1, durationMinutes: options.durationMinutes ?? 60, windows };
}
