import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { MessageRequest } from '../outbox';
import { DocumentOutbox } from '../outbox-store';

const T0 = new Date('2026-03-02T08:00:00.000Z');

function message(causedBy: string, expertId: string, to = '+15550100'): MessageRequest {
  return {
    causedBy,
    channel: 'sms',
    to,
    template: 'new-visit-available',
    params: { expertName: 'Sam Ortiz', skills: 'washer', durationMinutes: 60, expertsNeeded: 1, firstWindowStart: '2026-03-03T09:00:00.000Z', windows: 1, ticketId: 't1', visitId: 'v1' },
    ticketId: 't1',
    visitId: 'v1',
    recipient: { kind: 'expert', id: expertId },
  };
}

describe('outbox enqueueAll', () => {
  let documents: EmbeddedDocumentStore;
  let outbox: DocumentOutbox;
  let wakes: number;

  beforeEach(async () => {
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    outbox = new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@sysops.example.com', clock: () => T0 });
    await outbox.ensureIndexes();
    wakes = 0;
    outbox.onEnqueued(() => wakes++);
  });
  afterEach(() => documents.close());

  it('stores each new message once, as enqueue would, and wakes the dispatcher once', async () => {
    const messages = ['e1', 'e2', 'e3'].map((e) => message('event-1', e));
    expect(await outbox.enqueueAll(messages)).toBe(3);
    expect(wakes).toBe(1);
    const stored = await outbox.listByTicket('t1');
    expect(stored.map((m) => [m.recipient?.id, m.status, m.body.length > 0])).toEqual([
      ['e1', 'pending', true],
      ['e2', 'pending', true],
      ['e3', 'pending', true],
    ]);
    // The same through enqueue: the documents are alike but for their creation order.
    const other = new EmbeddedDocumentStore({ path: ':memory:' });
    const one = new DocumentOutbox(other, { helpdeskEmail: 'helpdesk@sysops.example.com', clock: () => T0 });
    await one.enqueue(messages[0]!);
    const [single] = await one.listByTicket('t1');
    expect({ ...stored[0], seq: undefined }).toEqual({ ...single, seq: undefined });
    await other.close();
  });

  it('leaves messages already enqueued (a re-delivered event) and repeated ones alone', async () => {
    await outbox.enqueue(message('event-1', 'e2'));
    expect(await outbox.enqueueAll([message('event-1', 'e1'), message('event-1', 'e2'), message('event-1', 'e1')])).toBe(1);
    expect(await outbox.enqueueAll([message('event-1', 'e1'), message('event-1', 'e2')])).toBe(0);
    expect((await outbox.listByTicket('t1')).map((m) => m.recipient?.id).sort()).toEqual(['e1', 'e2']);
    expect(await outbox.enqueueAll([])).toBe(0);
  });

  it('parks a message it cannot send and alerts helpdesk, while the others go out', async () => {
    expect(await outbox.enqueueAll([message('event-2', 'e1'), message('event-2', 'e2', '')])).toBe(2);
    const stored = (await outbox.listByTicket('t1')).filter((m) => m.template === 'new-visit-available');
    expect(stored.map((m) => [m.recipient?.id, m.status])).toEqual([
      ['e1', 'pending'],
      ['e2', 'parked'],
    ]);
    expect((await outbox.listRecent({ status: 'pending' })).some((m) => m.template === 'helpdesk-message-parked')).toBe(true);
  });
});
