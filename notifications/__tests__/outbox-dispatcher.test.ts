import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Collection } from '../../document-store/port';
import { DeliveryError, MessageChannel, OutgoingMessage } from '../channels';
import { OutboxDispatcher } from '../dispatcher';
import { Channel, MessageRequest } from '../outbox';
import { DocumentOutbox, NOTIFICATIONS, NotificationDoc, notificationId } from '../outbox-store';

class FakeChannel implements MessageChannel {
  readonly name: string;
  readonly delivered: OutgoingMessage[] = [];
  /** Errors thrown by the next calls, in order; then success. */
  failures: unknown[] = [];
  calls = 0;
  /** Delay each delivery (to make two dispatchers overlap). */
  delayMs = 0;

  constructor(readonly channel: Channel) {
    this.name = `fake-${channel}`;
  }

  async deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push(message);
    return { providerMessageId: `${this.name}-${this.delivered.length}` };
  }
}

const transient = () => new DeliveryError('transient', 'provider unavailable', { provider: 'fake', status: 503 });
const permanent = () => new DeliveryError('permanent', "The 'To' number is not a valid phone number", { provider: 'fake', status: 400, code: '21211' });

const HELPDESK = 'helpdesk@sysops.example.com';
const T0 = new Date('2026-03-02T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function scheduled(causedBy: string, overrides: Partial<MessageRequest> = {}): MessageRequest {
  return {
    causedBy,
    channel: 'sms',
    to: '+15550100',
    template: 'expert-on-the-way',
    params: { customerName: 'Dana Scully', expertName: 'Sam Ortiz', eta: '2026-03-02T09:00:00.000Z', ticketId: 't1' },
    ticketId: 't1',
    visitId: 'v1',
    recipient: { kind: 'customer', id: 'c1' },
    ...overrides,
  };
}

// Every behaviour holds for a dispatcher that claims its batches (several worker processes on one
// MongoDB) and for the sole dispatcher of the embedded store, which does not claim.
describe.each([
  ['claiming', false],
  ['sole', true],
])('outbox and dispatcher (%s)', (_mode, sole) => {
  let now: Date;
  let documents: EmbeddedDocumentStore;
  let outbox: DocumentOutbox;
  let sms: FakeChannel;
  let email: FakeChannel;
  let dispatcher: OutboxDispatcher;

  beforeEach(async () => {
    now = T0;
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    outbox = new DocumentOutbox(documents, { helpdeskEmail: HELPDESK, clock: () => now });
    await outbox.ensureIndexes();
    sms = new FakeChannel('sms');
    email = new FakeChannel('email');
    dispatcher = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 4, random: () => 0.5, clock: () => now, sole });
  });
  afterEach(async () => {
    await dispatcher.stop();
    await documents.close();
  });

  it('enqueues once per (event, recipient, template), rendered at enqueue time', async () => {
    expect(await outbox.enqueue(scheduled('e1'))).toBe(true);
    expect(await outbox.enqueue(scheduled('e1'))).toBe(false);
    // The same event again after the customer changed address or channel: still the same message.
    expect(await outbox.enqueue(scheduled('e1', { channel: 'email', to: 'dana@example.com' }))).toBe(false);
    expect(await outbox.enqueue(scheduled('e2'))).toBe(true);
    expect(await outbox.enqueue(scheduled('e1', { template: 'visit-scheduled', params: { customerName: 'Dana', start: '2026-03-03T09:00:00Z', experts: 'Sam' } }))).toBe(true);

    const doc = await outbox.get(notificationId(scheduled('e1')));
    expect(doc).toEqual<NotificationDoc>({
      _id: notificationId(scheduled('e1')),
      causedBy: 'e1',
      channel: 'sms',
      to: '+15550100',
      template: 'expert-on-the-way',
      params: scheduled('e1').params,
      subject: null,
      body: 'Sysops Squad: Sam is on the way, expected at 09:00 UTC. Ticket t1.',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0.toISOString(),
      createdAt: T0.toISOString(),
      seq: expect.stringMatching(/^2026-03-02T08:00:00.000Z#\d{10}$/),
      sentAt: null,
      provider: null,
      providerMessageId: null,
      lastError: null,
      parkedAt: null,
      parkedCount: 0,
      ticketId: 't1',
      visitId: 'v1',
      recipient: { kind: 'customer', id: 'c1' },
    });
    expect(notificationId(scheduled('e1'))).toMatch(/^[0-9a-f]{40}$/);
    expect(notificationId({ causedBy: 'e', channel: 'sms', to: '+1', template: 'helpdesk-flag' })).not.toBe(notificationId({ causedBy: 'e', channel: 'sms', to: '+2', template: 'helpdesk-flag' }));
  });

  it('delivers due messages once, in creation order, through the channel of their kind', async () => {
    await outbox.enqueue(scheduled('e1'));
    now = at(1);
    await outbox.enqueue(scheduled('e2', { channel: 'email', to: 'dana@example.com' }));
    now = at(2);
    await outbox.enqueue(scheduled('e3'));

    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 3, retried: 0, parked: 0 });
    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 0, retried: 0, parked: 0 });
    expect(sms.delivered.map((m) => m.context?.messageId)).toEqual([notificationId(scheduled('e1')), notificationId(scheduled('e3'))]);
    expect(email.delivered).toHaveLength(1);
    expect(email.delivered[0]).toMatchObject({ to: 'dana@example.com', subject: 'Sam is on the way' });

    const sent = await outbox.get(notificationId(scheduled('e3')));
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, sentAt: at(2).toISOString(), provider: 'fake-sms', providerMessageId: 'fake-sms-2', nextAttemptAt: null });
    // Enqueueing a delivered message again sends nothing.
    expect(await outbox.enqueue(scheduled('e3'))).toBe(false);
    expect(await dispatcher.dispatchDue(at(3600))).toEqual({ sent: 0, retried: 0, parked: 0 });
  });

  it('a message not yet due waits', async () => {
    await outbox.enqueue(scheduled('e1'));
    expect(await dispatcher.dispatchDue(at(-1))).toEqual({ sent: 0, retried: 0, parked: 0 });
    expect(sms.calls).toBe(0);
  });

  it('retries transient failures with exponential backoff and jitter, then sends once', async () => {
    sms.failures = [transient(), transient()];
    await outbox.enqueue(scheduled('e1'));
    const id = notificationId(scheduled('e1'));

    expect(await dispatcher.dispatchDue(T0)).toEqual({ sent: 0, retried: 1, parked: 0 });
    // 30 s · 2^0, equal jitter at 0.5 → 22.5 s
    expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(22.5).toISOString(), lastError: 'fake transient HTTP 503: provider unavailable' });
    expect(await dispatcher.dispatchDue(at(22))).toEqual({ sent: 0, retried: 0, parked: 0 });

    expect(await dispatcher.dispatchDue(at(22.5))).toEqual({ sent: 0, retried: 1, parked: 0 });
    // 30 s · 2^1 → 45 s after the second attempt
    expect(await outbox.get(id)).toMatchObject({ attempts: 2, nextAttemptAt: at(67.5).toISOString() });

    expect(await dispatcher.dispatchDue(at(70))).toEqual({ sent: 1, retried: 0, parked: 0 });
    expect(await outbox.get(id)).toMatchObject({ status: 'sent', attempts: 3, sentAt: at(70).toISOString() });
    expect(sms.calls).toBe(3);
    expect(sms.delivered).toHaveLength(1);
  });

  it('backoff doubles, is capped at an hour, and jitters between half and all of it', () => {
    const lowest = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 3, random: () => 0 });
    const highest = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 3, random: () => 0.999999 });
    expect([1, 2, 3, 4].map((n) => lowest.backoffMs(n))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(highest.backoffMs(1)).toBe(30_000);
    expect(highest.backoffMs(30)).toBeGreaterThan(3_599_990);
    expect(highest.backoffMs(30)).toBeLessThanOrEqual(3_600_000);
    expect(lowest.backoffMs(30)).toBe(1_800_000);
  });

  it('honours a provider’s Retry-After when it is longer than the backoff', async () => {
    sms.failures = [new DeliveryError('transient', 'slow down', { provider: 'fake', status: 429, retryAfterMs: 120_000 })];
    await outbox.enqueue(scheduled('e1'));
    await dispatcher.dispatchDue(T0);
    expect(await outbox.get(notificationId(scheduled('e1')))).toMatchObject({ nextAttemptAt: at(120).toISOString() });
  });

  it('parks a message after the last attempt and alerts helpdesk by e-mail', async () => {
    sms.failures = [transient(), transient(), transient(), transient()];
    await outbox.enqueue(scheduled('e1'));
    const id = notificationId(scheduled('e1'));
    let counts = { sent: 0, retried: 0, parked: 0 };
    for (let t = 0; t < 4 * 3600; t += 60) {
      const c = await dispatcher.dispatchDue(at(t));
      counts = { sent: counts.sent + c.sent, retried: counts.retried + c.retried, parked: counts.parked + c.parked };
    }
    expect(counts).toEqual({ sent: 1, retried: 3, parked: 1 }); // the one sent is the alert
    expect(sms.calls).toBe(4);
    const parked = await outbox.get(id);
    expect(parked).toMatchObject({ status: 'parked', attempts: 4, parkedCount: 1, nextAttemptAt: null });
    expect(parked!.lastError).toBe('gave up after 4 attempts; last: fake transient HTTP 503: provider unavailable');

    expect(email.delivered).toHaveLength(1);
    const alert = email.delivered[0]!;
    expect(alert.to).toBe(HELPDESK);
    expect(alert.subject).toBe('[undelivered] expert-on-the-way to +15550100');
    expect(alert.body).toContain(id);
    expect(alert.body).toContain('gave up after 4 attempts');
    expect(alert.context).toMatchObject({ template: 'helpdesk-message-parked', ticketId: 't1', recipient: { kind: 'helpdesk', id: 'helpdesk' } });
    expect((await outbox.listParked()).map((d) => d._id)).toEqual([id]);
  });

  it('parks at once after a permanent error (invalid number), with one helpdesk alert', async () => {
    sms.failures = [permanent()];
    await outbox.enqueue(scheduled('e1'));
    expect(await dispatcher.dispatchDue(T0)).toEqual({ sent: 1, retried: 0, parked: 1 });
    expect(sms.calls).toBe(1);
    expect(await outbox.get(notificationId(scheduled('e1')))).toMatchObject({
      status: 'parked',
      attempts: 1,
      lastError: "fake permanent HTTP 400 code 21211: The 'To' number is not a valid phone number",
    });
    expect(email.delivered.map((m) => m.context?.template)).toEqual(['helpdesk-message-parked']);
    expect(await documents.collection(NOTIFICATIONS).count({ template: 'helpdesk-message-parked' })).toBe(1);
  });

  it('a helpdesk alert that cannot be delivered is parked without alerting about itself', async () => {
    email.failures = [permanent()];
    await outbox.enqueue({
      causedBy: 'flag-1',
      channel: 'email',
      to: HELPDESK,
      template: 'helpdesk-flag',
      params: { ticketId: 't1', reason: 'no-access' },
      recipient: { kind: 'helpdesk', id: 'helpdesk' },
    });
    expect(await dispatcher.dispatchDue(T0)).toEqual({ sent: 0, retried: 0, parked: 1 });
    expect(await documents.collection(NOTIFICATIONS).count()).toBe(1);
  });

  it('a message that cannot render (missing parameter) or has no address is parked at enqueue, and helpdesk is told', async () => {
    expect(await outbox.enqueue(scheduled('e1', { params: { customerName: 'Dana', expertName: 'Sam' } }))).toBe(true);
    expect(await outbox.enqueue(scheduled('e1', { params: { customerName: 'Dana', expertName: 'Sam' } }))).toBe(false);
    expect(await outbox.get(notificationId(scheduled('e1')))).toMatchObject({
      status: 'parked',
      body: '',
      lastError: "template: template 'expert-on-the-way' needs the parameter 'eta'",
    });
    expect(await outbox.enqueue(scheduled('e2', { to: '  ', recipient: { kind: 'expert', id: 'x1' } }))).toBe(true);
    expect(await outbox.get(notificationId(scheduled('e2', { recipient: { kind: 'expert', id: 'x1' } })))).toMatchObject({ status: 'parked', lastError: 'no phone number to send to' });

    expect(await dispatcher.dispatchDue(T0)).toEqual({ sent: 2, retried: 0, parked: 0 });
    expect(sms.calls).toBe(0);
    expect(email.delivered.map((m) => m.subject)).toEqual(['[undelivered] expert-on-the-way to +15550100', '[undelivered] expert-on-the-way to (none)']);
  });

  it('helpdesk retries a parked message, optionally to a corrected number; parking again alerts again', async () => {
    sms.failures = [permanent()];
    await outbox.enqueue(scheduled('e1'));
    const id = notificationId(scheduled('e1'));
    await dispatcher.dispatchDue(T0);
    expect(await dispatcher.retryParked('nope')).toEqual({ requeued: false, reason: 'not-found' });

    now = at(600);
    expect(await dispatcher.retryParked(id, { to: '+15550199' })).toEqual({ requeued: true });
    expect(await dispatcher.retryParked(id)).toEqual({ requeued: false, reason: 'not-parked' });
    expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, to: '+15550199', nextAttemptAt: at(600).toISOString() });
    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 1, retried: 0, parked: 0 });
    expect(sms.delivered.map((m) => m.to)).toEqual(['+15550199']);
    expect(await outbox.get(id)).toMatchObject({ status: 'sent', attempts: 1, parkedCount: 1 });

    // A second message parks twice: two alerts.
    sms.failures = [permanent(), permanent()];
    await outbox.enqueue(scheduled('e2'));
    const id2 = notificationId(scheduled('e2'));
    await dispatcher.dispatchDue(now);
    await dispatcher.retryParked(id2);
    await dispatcher.dispatchDue(now);
    expect(await outbox.get(id2)).toMatchObject({ status: 'parked', parkedCount: 2 });
    expect(await documents.collection(NOTIFICATIONS).count({ template: 'helpdesk-message-parked' })).toBe(3);
  });

  it('a message that could not render can be retried once the template gets what it needs (still parked if not)', async () => {
    await outbox.enqueue(scheduled('e1', { params: { customerName: 'Dana', expertName: 'Sam' } }));
    const id = notificationId(scheduled('e1'));
    expect(await dispatcher.retryParked(id)).toMatchObject({ requeued: false, reason: 'cannot-render' });
    expect(await outbox.get(id)).toMatchObject({ status: 'parked' });
  });

  if (!sole) {
    // Claims keep other dispatchers away.
    it('two dispatchers never deliver the same message twice', async () => {
      sms.delayMs = 5;
      for (let i = 0; i < 10; i++) await outbox.enqueue(scheduled(`e${i}`));
      const other = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 4, random: () => 0.5 });
      const [a, b] = await Promise.all([dispatcher.dispatchDue(T0), other.dispatchDue(T0)]);
      expect(a.sent + b.sent).toBe(10);
      expect(sms.calls).toBe(10);
      expect(new Set(sms.delivered.map((m) => m.context?.messageId)).size).toBe(10);
    });

    it('a crash mid-delivery (claimed, never marked) makes the message due again after the lease', async () => {
      await outbox.enqueue(scheduled('e1'));
      const [doc] = await outbox.due(T0, 10);
      expect(await outbox.claim([doc!], at(300))).toEqual([doc]);
      expect(await outbox.claim([doc!], at(300))).toEqual([]); // already taken
      expect(await dispatcher.dispatchDue(at(299))).toEqual({ sent: 0, retried: 0, parked: 0 });
      expect(await dispatcher.dispatchDue(at(300))).toEqual({ sent: 1, retried: 0, parked: 0 });
    });

    it('a batch claim answers only the messages it took, even when another claim has the same lease time', async () => {
      for (const e of ['e1', 'e2', 'e3']) await outbox.enqueue(scheduled(e));
      const batch = await outbox.due(T0, 10);
      expect(await outbox.claim([batch[1]!], at(300))).toEqual([batch[1]]);
      expect((await outbox.claim(batch, at(300))).map((d) => d.causedBy)).toEqual(['e1', 'e3']);
      expect(await dispatcher.dispatchDue(at(299))).toEqual({ sent: 0, retried: 0, parked: 0 });
    });
  }

  if (sole) {
    it('the sole dispatcher delivers without claiming: its passes run one after another, never sending a message twice', async () => {
      sms.delayMs = 5;
      for (let i = 0; i < 10; i++) await outbox.enqueue(scheduled(`e${i}`));
      const [a, b] = await Promise.all([dispatcher.dispatchDue(T0), dispatcher.dispatchDue(T0)]);
      expect([a.sent, b.sent]).toEqual([10, 0]);
      expect(sms.calls).toBe(10);
      expect(new Set(sms.delivered.map((m) => m.context?.messageId)).size).toBe(10);
      const sent = await outbox.get(notificationId(scheduled('e0')));
      expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
      expect(sent).not.toHaveProperty('claim');
    });

    it('a crash mid-delivery (sent, never marked) leaves the message due at once: delivered again, at least once', async () => {
      await outbox.enqueue(scheduled('e1'));
      const markSent = jest.spyOn(outbox, 'markSent').mockRejectedValueOnce(new Error('disk I/O error'));
      try {
        await expect(dispatcher.dispatchDue(T0)).rejects.toThrow('disk I/O error');
      } finally {
        markSent.mockRestore();
      }
      expect(await outbox.get(notificationId(scheduled('e1')))).toMatchObject({ status: 'pending', nextAttemptAt: T0.toISOString() });
      expect(await dispatcher.dispatchDue(T0)).toEqual({ sent: 1, retried: 0, parked: 0 });
      expect(sms.calls).toBe(2);
    });
  }

  it('records a batch as sent in one write, after delivering each of its messages once', async () => {
    for (let i = 0; i < 5; i++) await outbox.enqueue(scheduled(`e${i}`));
    const batched = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 4, batchSize: 2, random: () => 0.5, sole });
    const prototype = Object.getPrototypeOf(documents.collection(NOTIFICATIONS)) as Collection;
    const bulk = jest.spyOn(prototype, 'bulkWrite');
    const single = jest.spyOn(prototype, 'updateOne');
    try {
      expect(await batched.dispatchDue(T0)).toEqual({ sent: 5, retried: 0, parked: 0 });
      expect(single).not.toHaveBeenCalled();
      // Three batches (2, 2, 1): a claim (unless sole) and a record each.
      expect(bulk).toHaveBeenCalledTimes(sole ? 3 : 6);
    } finally {
      bulk.mockRestore();
      single.mockRestore();
    }
    expect(sms.calls).toBe(5);
    expect(await outbox.countByStatus('sent')).toBe(5);
    expect(await outbox.countByStatus('pending')).toBe(0);
  });

  it('lists messages by ticket, parked, and recent', async () => {
    sms.failures = [permanent()];
    await outbox.enqueue(scheduled('e1'));
    now = at(1);
    await outbox.enqueue(scheduled('e2', { ticketId: 't2' }));
    now = at(2);
    await outbox.enqueue(scheduled('e3'));
    await dispatcher.dispatchDue(now);
    expect((await outbox.listByTicket('t1')).map((d) => d.causedBy)).toEqual(['e1', 'e3', `parked:${notificationId(scheduled('e1'))}:1`]);
    expect((await outbox.listByTicket('t2')).map((d) => d.causedBy)).toEqual(['e2']);
    expect((await outbox.listParked()).map((d) => d.causedBy)).toEqual(['e1']);
    expect((await outbox.listRecent({ limit: 2 })).map((d) => d.template)).toEqual(['helpdesk-message-parked', 'expert-on-the-way']);
    expect((await outbox.listRecent({ status: 'sent' })).length).toBe(3);
    expect(await outbox.countByStatus('parked')).toBe(1);
  });

  it('the timer loop delivers what is enqueued in-process without waiting for its next tick', async () => {
    const live = new OutboxDispatcher(outbox, { sms, email }, { maxAttempts: 4, idleMs: 60_000, sole });
    now = new Date();
    live.start();
    await new Promise((r) => setTimeout(r, 20));
    await outbox.enqueue(scheduled('e1'));
    for (let i = 0; i < 100 && sms.delivered.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sms.delivered).toHaveLength(1);
    await live.stop();
    await outbox.enqueue(scheduled('e2'));
    await new Promise((r) => setTimeout(r, 30));
    expect(sms.delivered).toHaveLength(1); // stopped
  });
});
