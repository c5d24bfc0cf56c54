import { randomUUID } from 'node:crypto';
import { Aggregate, send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { CommandHandler } from '../../commands/handler';
import { invoices } from '../../commands/invoice';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { Actor, Command, DomainEvent } from '../../domain/decider';
import { Contact, NotificationChannel } from '../../domain/customer/customer';
import { VisitSpec } from '../../domain/shared/visit-plan';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { DevOutboxChannel, listDevOutbox } from '../../notifications/dev-outbox';
import { OutboxDispatcher } from '../../notifications/dispatcher';
import { MessageRequest, Outbox } from '../../notifications/outbox';
import { DocumentOutbox, NOTIFICATIONS, NotificationDoc } from '../../notifications/outbox-store';
import { SurveyTokens } from '../../notifications/survey-tokens';
import { Deadlines } from '../deadlines';
import { SagaEngine } from '../engine';
import { notificationsSaga } from '../notifications';
import { SagaDependencies } from '../process-manager';
import { SAGA_CHECKPOINTS } from '../runner';

const HELPDESK = 'helpdesk@sysops.example.com';
const PUBLIC_URL = 'https://sysops.example.com';
const SECRET = 'survey-secret-for-the-tests';

const system: Actor = { userId: 'saga', role: 'system' };
const helpdesk: Actor = { userId: 'u-help', role: 'helpdesk' };
const admin: Actor = { userId: 'u-admin', role: 'admin' };
const asCustomer = (id: string): Actor => ({ userId: id, role: 'customer' });
const asExpert = (id: string): Actor => ({ userId: id, role: 'expert' });

const location = { lat: 42.1, lon: -72.59 };
const contact = (name: string, email: string, phone: string): Contact => ({
  name,
  email,
  phone,
  address: { line1: '1 Elm Street', city: 'Springfield', postalCode: '01101', country: 'US', location },
});
const weekdays = [{ from: '08:00', to: '17:00' }];
const expertProfile = (expertId: string, name: string, phone: string) => ({
  expertId,
  name,
  contact: { email: `${expertId}@experts.example.com`, phone },
  locale: 'en-US',
  homeLocation: location,
  serviceArea: { kind: 'radius' as const, radiusKm: 30 },
  skills: ['washer'],
  availability: { timeZone: 'America/New_York', days: [[], weekdays, weekdays, weekdays, weekdays, weekdays, []] },
  feePerVisitCents: 4500,
});
const visitSpec = (visitId: string, expertsNeeded = 1): VisitSpec => ({
  visitId,
  skills: ['washer'],
  expertsNeeded,
  durationMinutes: 60,
  windows: [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' }],
});
const NINE = '2026-03-03T09:00:00.000Z';

/** Records what the saga asked for, on top of the real outbox. */
class RecordingOutbox implements Outbox {
  readonly results: { message: MessageRequest; fresh: boolean }[] = [];
  constructor(private readonly inner: Outbox) {}
  async enqueue(message: MessageRequest): Promise<boolean> {
    const fresh = await this.inner.enqueue(message);
    this.results.push({ message, fresh });
    return fresh;
  }
  async enqueueAll(messages: readonly MessageRequest[]): Promise<number> {
    let added = 0;
    for (const message of messages) if (await this.enqueue(message)) added++;
    return added;
  }
}

describe('notifications saga', () => {
  let now: Date;
  let events: InMemoryEventStore;
  let documents: EmbeddedDocumentStore;
  let commands: CommandHandler;
  let deps: SagaDependencies;
  let store: DocumentOutbox;
  let outbox: RecordingOutbox;
  let surveys: SurveyTokens;
  let engine: SagaEngine;

  beforeEach(() => {
    now = new Date('2026-03-02T08:00:00.000Z');
    events = new InMemoryEventStore();
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    commands = new CommandHandler(events);
    deps = { events, documents, commands, deadlines: new Deadlines(documents), clock: () => now };
    store = new DocumentOutbox(documents, { helpdeskEmail: HELPDESK, clock: () => now });
    outbox = new RecordingOutbox(store);
    surveys = new SurveyTokens(documents, SECRET);
    engine = startEngine();
  });
  afterEach(async () => {
    await engine.stop();
    await documents.close();
  });

  function startEngine(): SagaEngine {
    const e = new SagaEngine([notificationsSaga({ outbox, surveyTokens: surveys, helpdeskEmail: HELPDESK, publicUrl: `${PUBLIC_URL}/` })], deps);
    e.start({ manualDeadlines: true });
    return e;
  }

  function run<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], actor: Actor) {
    return send(commands, aggregate, { type, data, metadata: { commandId: randomUUID(), now, actor } } as C);
  }

  async function settle(): Promise<void> {
    expect(await engine.waitFor(await events.headPosition())).toBe(true);
    expect(engine.status()[0]).toMatchObject({ refused: 0 });
    expect(engine.status()[0]!.lastError).toBeUndefined();
  }

  async function messages(): Promise<NotificationDoc[]> {
    return documents.collection<NotificationDoc>(NOTIFICATIONS).find({}, { sort: { seq: 1 } });
  }

  const summary = (docs: NotificationDoc[]) => docs.map((d) => [d.template, d.channel, d.to, d.recipient ? `${d.recipient.kind}:${d.recipient.id}` : null]);

  async function eventId(stream: string, type: string): Promise<string> {
    const found = (await events.readStream(stream)).filter((e) => e.type === type);
    expect(found).toHaveLength(1);
    return found[0]!.id;
  }

  async function register(customerId: string, notifyBy: NotificationChannel, name = 'Dana Scully', phone = '+1 555 0100') {
    await run(customers, 'registerCustomer', { customerId, contact: contact(name, `${customerId}@example.com`, phone), notifyBy }, asCustomer(customerId));
  }

  async function onboard(expertId: string, name: string, phone: string) {
    await run(experts, 'onboardExpert', expertProfile(expertId, name, phone), admin);
  }

  async function openTicket(ticketId: string, customerId: string, specs: VisitSpec[], paymentStatus: 'paid' | 'unknown' = 'paid') {
    await run(
      tickets,
      'openTicket',
      { ticketId, customerId, applianceModelText: 'old Miele washer', problem: 'the washer leaks', priority: 'normal', location, visits: specs, dependencies: [], paymentStatus },
      asCustomer(customerId),
    );
  }

  async function scheduleVisit(ticketId: string, spec: VisitSpec, team: string[]) {
    await run(visits, 'planVisit', { ...spec, ticketId, location, priority: 'normal' }, system);
    for (const expertId of team) await run(visits, 'proposeSlot', { visitId: spec.visitId, expertId, expertSkills: ['washer'], starts: [NINE] }, asExpert(expertId));
    await run(visits, 'finalizeVisit', { visitId: spec.visitId, start: NINE, experts: team }, system);
  }

  it('a ticket from opening to completion: the exact messages, and a replay from position 0 sends nothing new', async () => {
    await register('c1', 'sms');
    await onboard('e1', 'Sam Ortiz', '+1 (555) 010-0142');
    await openTicket('t1', 'c1', [visitSpec('v1')]);
    await scheduleVisit('t1', visitSpec('v1'), ['e1']);
    await run(visits, 'markEnRoute', { visitId: 'v1', expertId: 'e1', eta: '2026-03-03T08:55:00.000Z' }, asExpert('e1'));
    await run(visits, 'markArrived', { visitId: 'v1', expertId: 'e1' }, asExpert('e1'));
    await run(visits, 'markStarted', { visitId: 'v1', expertId: 'e1' }, asExpert('e1'));
    await run(visits, 'completeVisit', { visitId: 'v1', expertId: 'e1', notes: 'replaced the pump' }, asExpert('e1'));
    await run(tickets, 'recordVisitOutcome', { ticketId: 't1', visitId: 'v1', outcome: 'completed', experts: ['e1'] }, system);
    await run(tickets, 'completeTicket', { ticketId: 't1', resolution: 'replaced the drain pump' }, asExpert('e1'));
    await settle();

    const sent = await messages();
    expect(summary(sent)).toEqual([
      ['visit-scheduled', 'sms', '+15550100', 'customer:c1'],
      ['expert-assigned', 'sms', '+15550100142', 'expert:e1'],
      ['expert-on-the-way', 'sms', '+15550100', 'customer:c1'],
      ['ticket-completed-survey', 'email', 'c1@example.com', 'customer:c1'],
    ]);
    const finalized = await eventId('visit-v1', 'VisitFinalized');
    expect(sent.map((m) => m.causedBy)).toEqual([finalized, finalized, await eventId('visit-v1', 'VisitEnRoute'), await eventId('ticket-t1', 'TicketCompleted')]);
    expect(sent.every((m) => m.ticketId === 't1' && m.status === 'pending')).toBe(true);
    expect(sent.slice(0, 3).map((m) => m.visitId)).toEqual(['v1', 'v1', 'v1']);

    expect(sent[0]!.body).toBe('Sysops Squad: your visit is booked for Tue 3 Mar 2026, 09:00 UTC until 10:00 UTC with Sam Ortiz. Ticket t1.');
    expect(sent[1]!.body).toBe('Sysops Squad: you are booked Tue 3 Mar 2026, 09:00 UTC–10:00 UTC at 1 Elm Street, 01101 Springfield, US. Problem: the washer leaks');
    expect(sent[2]!.body).toBe('Sysops Squad: Sam is on the way, expected at 08:55 UTC. Ticket t1.');
    const token = surveys.tokenFor('t1');
    expect(sent[3]!.subject).toBe('Your repair is done — how did we do?');
    // The web app's survey page (public), which answers through the API's /survey/{token}.
    expect(sent[3]!.body).toContain(`\n${PUBLIC_URL}/feedback/${token}\n`);
    expect(sent[3]!.body).toContain('What we did: replaced the drain pump');
    expect(await surveys.verify(token, now)).toEqual({ ticketId: 't1', customerId: 'c1' });

    // Lose the checkpoint: every event is handled again, nothing new is enqueued.
    await engine.stop();
    await documents.collection(SAGA_CHECKPOINTS).deleteMany({ _id: 'notifications' });
    const before = outbox.results.length;
    expect(outbox.results.every((r) => r.fresh)).toBe(true);
    engine = startEngine();
    await settle();
    const replayed = outbox.results.slice(before);
    expect(replayed).toHaveLength(4);
    expect(replayed.every((r) => !r.fresh)).toBe(true);
    expect(await messages()).toEqual(sent);

    // And the whole way out, through the development outbox.
    const dispatcher = new OutboxDispatcher(store, { sms: new DevOutboxChannel('sms'), email: new DevOutboxChannel('email') }, { maxAttempts: 3 });
    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 4, retried: 0, parked: 0 });
    expect(await listDevOutbox(documents, { ticketId: 't1' })).toHaveLength(4);
  });

  it('payment unknown: helpdesk is told and the customer (by e-mail preference) hears the ticket is held; cancelling tells the customer', async () => {
    await register('c2', 'email', 'Fox Mulder', '+1 555 0101');
    await openTicket('t2', 'c2', [visitSpec('v2')], 'unknown');
    await run(tickets, 'resolveFlag', { ticketId: 't2', reason: 'payment-status-unknown', resolution: 'cancelled', note: 'no active plan' }, helpdesk);
    await settle();

    const sent = await messages();
    expect(summary(sent)).toEqual([
      ['helpdesk-flag', 'email', HELPDESK, 'helpdesk:helpdesk'],
      ['payment-unknown-ticket-held', 'email', 'c2@example.com', 'customer:c2'],
      ['ticket-cancelled', 'email', 'c2@example.com', 'customer:c2'],
    ]);
    expect(sent[0]!.subject).toBe('[flag] payment-status-unknown — ticket t2');
    expect(sent[0]!.body).toContain(`Open: ${PUBLIC_URL}/tickets/t2`);
    expect(sent[0]!.body).toContain('(Fox Mulder)');
    expect(sent[2]!.body).toContain('ticket t2 is cancelled: no active plan');
  });

  it('replacement, rescheduling, escalation and cancellation reach the customer and the experts concerned', async () => {
    await register('c3', 'sms');
    await onboard('e1', 'Sam Ortiz', '+15550142');
    await onboard('e2', 'Ana Li', '+15550143');
    await openTicket('t3', 'c3', [visitSpec('v3'), visitSpec('v4')]);
    await scheduleVisit('t3', visitSpec('v3'), ['e1']);
    await settle();
    const scheduled = (await messages()).length;

    await run(visits, 'replaceExpert', { visitId: 'v3', outExpertId: 'e1', inExpertId: 'e2', inExpertSkills: ['washer'] }, helpdesk);
    await run(visits, 'rescheduleVisit', { visitId: 'v3', windows: [{ start: '2026-03-05T08:00:00.000Z', end: '2026-03-05T12:00:00.000Z' }], reason: 'customer away' }, helpdesk);
    await run(visits, 'planVisit', { ...visitSpec('v4'), ticketId: 't3', location, priority: 'normal' }, system);
    await run(visits, 'proposeSlot', { visitId: 'v4', expertId: 'e1', expertSkills: ['washer'], starts: ['2026-03-03T11:00:00.000Z'] }, asExpert('e1'));
    await run(visits, 'updateWindows', { visitId: 'v4', windows: [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T10:00:00.000Z' }] }, helpdesk);
    await run(tickets, 'escalateTicket', { ticketId: 't3', visitIds: ['v4'], unfitProposals: [{ visitId: 'v4', expertId: 'e1', starts: ['2026-03-03T11:00:00.000Z'] }] }, system);
    await settle();

    const sent = (await messages()).slice(scheduled);
    expect(summary(sent)).toEqual([
      ['expert-replaced', 'sms', '+15550100', 'customer:c3'],
      ['expert-assigned', 'sms', '+15550143', 'expert:e2'],
      ['visit-cancelled', 'sms', '+15550142', 'expert:e1'],
      ['visit-rescheduled', 'sms', '+15550100', 'customer:c3'],
      ['visit-cancelled', 'sms', '+15550143', 'expert:e2'],
      ['helpdesk-escalation', 'email', HELPDESK, 'helpdesk:helpdesk'],
    ]); // the no-match-in-time flag that comes with the escalation adds no second helpdesk e-mail
    expect(sent[0]!.body).toBe('Sysops Squad: Ana Li will come instead of Sam for your visit at Tue 3 Mar 2026, 09:00 UTC. Ticket t3.');
    expect(sent[3]!.body).toContain('(customer away)');
    expect(sent[3]!.body).toContain('between Thu 5 Mar 2026, 08:00 UTC and Thu 5 Mar 2026, 12:00 UTC');
    expect(sent[5]!.body).toContain('- visit v4: Sam Ortiz could start Tue 3 Mar 2026, 11:00 UTC');

    // A finalized visit cancelled (after the ticket was cancelled) releases its expert.
    await run(visits, 'updateWindows', { visitId: 'v4', windows: visitSpec('v4').windows }, helpdesk);
    await run(visits, 'finalizeVisit', { visitId: 'v4', start: '2026-03-03T11:00:00.000Z', experts: ['e1'] }, system);
    await run(tickets, 'cancelTicket', { ticketId: 't3', reason: 'customer bought a new washer' }, asCustomer('c3'));
    await run(visits, 'cancelVisit', { visitId: 'v4', reason: 'ticket cancelled' }, system);
    await run(visits, 'cancelVisit', { visitId: 'v3', reason: 'ticket cancelled' }, system); // open again: nobody to tell
    await settle();
    const after = (await messages()).slice(scheduled + sent.length);
    expect(summary(after)).toEqual([
      ['visit-scheduled', 'sms', '+15550100', 'customer:c3'],
      ['expert-assigned', 'sms', '+15550142', 'expert:e1'],
      ['ticket-cancelled', 'sms', '+15550100', 'customer:c3'],
      ['visit-cancelled', 'sms', '+15550142', 'expert:e1'],
    ]);
    expect(after[3]!.body).toBe('Sysops Squad: your visit at Tue 3 Mar 2026, 11:00 UTC is off (ticket cancelled). The time is free again.');
  });

  it('a failed charge tells the customer the amount', async () => {
    await register('c4', 'sms');
    const data = { customerId: 'c4', period: '2026-03' };
    await run(invoices, 'issueInvoice', { ...data, lines: [{ planId: 'p1', product: 'washer', tier: 'basic', amountCents: 1900 }], currency: 'USD', dueAt: '2026-03-10T00:00:00.000Z' }, system);
    await run(invoices, 'recordChargeAttempt', { ...data, outcome: { kind: 'chargeFailed', reason: 'card declined', gatewayCode: 'card_declined' } }, system);
    await settle();
    const sent = await messages();
    expect(summary(sent)).toEqual([['payment-failed', 'sms', '+15550100', 'customer:c4']]);
    expect(sent[0]!.body).toBe('Sysops Squad: we could not charge $19.00 for 2026-03 (card declined). Please check your payment method. https://sysops.example.com/portal/payment');
    expect(sent[0]!.ticketId).toBeNull();
  });

  it('a card flagged as expiring before the next bill asks the customer for a new one, with the link', async () => {
    await register('c7', 'email');
    await run(customers, 'setPaymentMethod', { customerId: 'c7', gatewayToken: 'pm_sandbox_abc', last4: '4242', brand: 'visa', expiry: '2026-03' }, system);
    await run(customers, 'flagExpiringCard', { customerId: 'c7', nextBillingOn: '2026-04-05' }, system);
    await settle();
    const sent = await messages();
    expect(summary(sent)).toEqual([['card-expiring', 'email', expect.stringContaining('@'), 'customer:c7']]);
    expect(sent[0]!.subject).toBe('Your card expires before your next bill');
    expect(sent[0]!.body).toContain('the card ending 4242 that pays for your support plans expires at the end of 2026-03,\nbefore your next bill on 2026-04-05.');
    expect(sent[0]!.body).toMatch(/Please add a new card: https?:\/\/\S+\/portal\/payment,/);
  });

  it('a refund done tells the customer the amount, by their preference', async () => {
    await register('c6', 'sms');
    const data = { customerId: 'c6', period: '2026-03' };
    const admin = { userId: 'a1', role: 'admin' as const };
    await run(invoices, 'issueInvoice', { ...data, lines: [{ planId: 'p1', product: 'washer', tier: 'basic', amountCents: 1900 }], currency: 'USD', dueAt: '2026-03-10T00:00:00.000Z' }, system);
    await run(invoices, 'recordChargeAttempt', { ...data, outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 1900 } }, system);
    await run(invoices, 'refundInvoice', { ...data, refundId: 'r1', amountCents: 750, reason: 'visit cancelled' }, admin);
    await run(invoices, 'recordRefundOutcome', { ...data, refundId: 'r1', outcome: { kind: 'refunded', gatewayReference: 're_1', amountCents: 750 } }, system);
    await settle();
    const sent = await messages();
    expect(summary(sent)).toEqual([['refund-issued', 'sms', '+15550100', 'customer:c6']]);
    expect(sent[0]!.body).toBe('Sysops Squad: we refunded $7.50 of your 2026-03 invoice to your card. It may take a few days to show.');
  });

  it('events older than the notification horizon are not notified (history replayed into a fresh store)', async () => {
    await engine.stop(); // the saga is not running while this history is written
    await register('c5', 'sms');
    await openTicket('t5', 'c5', [visitSpec('v5')]);
    await run(tickets, 'cancelTicket', { ticketId: 't5', reason: 'changed my mind' }, asCustomer('c5'));
    await run(tickets, 'openTicket', { ticketId: 't6', customerId: 'c5', applianceModelText: 'dryer', problem: 'noisy', priority: 'low', location, visits: [visitSpec('v6')], dependencies: [], paymentStatus: 'paid' }, asCustomer('c5'));
    now = new Date('2026-03-04T07:00:00.000Z');
    await run(tickets, 'cancelTicket', { ticketId: 't6', reason: 'fixed it myself' }, asCustomer('c5'));
    now = new Date('2026-03-05T08:00:00.000Z'); // the first cancellation is three days old, the second one a day
    engine = startEngine();
    await settle();
    expect(summary(await messages())).toEqual([['ticket-cancelled', 'sms', '+15550100', 'customer:c5']]);
    expect((await messages())[0]!.ticketId).toBe('t6');
  });

  it('a customer unknown to the store is skipped; a message to an unknown expert is parked and helpdesk alerted', async () => {
    await onboard('e1', 'Sam Ortiz', '+15550142');
    await openTicket('t7', 'ghost', [visitSpec('v7', 2)]);
    await scheduleVisit('t7', visitSpec('v7', 2), ['e1', 'e-unknown']);
    await settle();
    const sent = await messages();
    expect(summary(sent)).toEqual([
      ['expert-assigned', 'sms', '+15550142', 'expert:e1'],
      ['expert-assigned', 'sms', '', 'expert:e-unknown'],
      ['helpdesk-message-parked', 'email', HELPDESK, 'helpdesk:helpdesk'],
    ]);
    expect(sent[0]!.body).toContain('at 42.10000, -72.59000');
    expect(sent[1]).toMatchObject({ status: 'parked', lastError: 'no phone number to send to' });
  });
});
