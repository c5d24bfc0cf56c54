import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { DeliveryError, MessageChannel } from '../channels';
import { OutboxDispatcher } from '../dispatcher';
import { MessageRequest } from '../outbox';
import { DocumentOutbox } from '../outbox-store';

const T0 = new Date('2026-03-02T08:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function message(causedBy: string, to = '+15550100'): MessageRequest {
  return {
    causedBy,
    channel: 'sms',
    to,
    template: 'expert-on-the-way',
    params: { customerName: 'Dana Scully', expertName: 'Sam Ortiz', eta: '2026-03-02T09:00:00.000Z', ticketId: 't1' },
    ticketId: 't1',
    recipient: { kind: 'customer', id: causedBy },
  };
}

describe('outbox backlog', () => {
  let now: Date;
  let documents: EmbeddedDocumentStore;
  let outbox: DocumentOutbox;

  beforeEach(async () => {
    now = T0;
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    outbox = new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@sysops.example.com', clock: () => now });
    await outbox.ensureIndexes();
  });
  afterEach(() => documents.close());

  it('counts messages by status and says how long the message due the longest has waited', async () => {
    let failNext = true;
    const sms: MessageChannel = {
      name: 'fake-sms',
      channel: 'sms',
      async deliver() {
        if (failNext) {
          failNext = false;
          throw new DeliveryError('transient', 'provider unavailable', { provider: 'fake', status: 503 });
        }
        return { providerMessageId: 'p1' };
      },
    };
    const dispatcher = new OutboxDispatcher(outbox, { sms, email: sms }, { maxAttempts: 4, baseDelayMs: 60_000, random: () => 0.5, clock: () => now });
    expect(await outbox.backlog(now)).toEqual({ pending: 0, parked: 0, sent: 0, oldestPendingAgeSeconds: 0 });

    await outbox.enqueue(message('a'));
    now = at(30);
    await outbox.enqueue(message('b'));
    now = at(90);
    expect(await outbox.backlog(now)).toEqual({ pending: 2, parked: 0, sent: 0, oldestPendingAgeSeconds: 90 });

    // The first fails and waits for its retry (not due: not waiting); the second is sent.
    await dispatcher.dispatchDue(now);
    expect(await outbox.backlog(now)).toEqual({ pending: 1, parked: 0, sent: 1, oldestPendingAgeSeconds: 0 });
    const retryAt = Date.parse((await outbox.listRecent({ status: 'pending' }))[0]!.nextAttemptAt!);
    now = new Date(retryAt + 15_000);
    expect(await outbox.backlog(now)).toMatchObject({ pending: 1, oldestPendingAgeSeconds: 15 });

    // A message with no number cannot be sent: parked, and helpdesk gets an alert (pending).
    await outbox.enqueue(message('c', ''));
    expect(await outbox.backlog(now)).toEqual({ pending: 2, parked: 1, sent: 1, oldestPendingAgeSeconds: 15 });
  });

  it("keeps only waiting messages in its index: a store made by an earlier version loses the old 'due' index", async () => {
    const older = new EmbeddedDocumentStore({ path: ':memory:' });
    try {
      await older.collection('notifications').createIndex({ keys: { status: 1, nextAttemptAt: 1 }, name: 'due' });
      const upgraded = new DocumentOutbox(older, { helpdeskEmail: 'helpdesk@sysops.example.com', clock: () => now });
      await upgraded.ensureIndexes();
      await upgraded.ensureIndexes(); // every start-up
      await upgraded.enqueue(message('a'));
      const { plans } = await older.explain(() => upgraded.due(at(60), 10));
      expect(plans).toEqual(['index waiting in sort order']);
      // The old definition is gone: the same keys can be declared again (createIndex refuses twins).
      await older.collection('notifications').dropIndex('waiting');
      await expect(older.collection('notifications').createIndex({ keys: { status: 1, nextAttemptAt: 1 }, name: 'again' })).resolves.toBeUndefined();
    } finally {
      await older.close();
    }
  });
});
