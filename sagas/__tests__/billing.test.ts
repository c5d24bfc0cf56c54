import { customers } from '../../commands/customer';
import { CommandHandler, deterministicUuid } from '../../commands/handler';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { InMemoryEventStore } from '../../event-store/memory';
import { Outbox } from '../../notifications/outbox';
import { specifyWorkflow } from '../../testing/workflow-specification';
import { billingWorkflow } from '../billing';
import { Deadlines } from '../deadlines';
import { MATCHING, matchingSaga, MatchingConfig } from '../matching';
import { sagaContext } from '../process-manager';
import { send } from '../workflow';

const paid = {
  type: 'InvoicePaid' as const,
  data: {
    invoiceId: 'c1:2026-03',
    customerId: 'c1',
    period: '2026-03',
    amountCents: 1900,
    gatewayReference: 'ch_1',
    attempt: 1,
    paidAt: '2026-03-02T08:00:00.000Z',
    paidUntil: '2026-04-01T00:00:00.000Z',
  },
  id: 'e-paid',
  at: '2026-03-02T08:00:00.000Z',
};

describe('billing workflow', () => {
  const spec = specifyWorkflow(billingWorkflow);

  it('a paid invoice moves the customer paid-until, once per invoice, going on if refused', () =>
    spec
      .given(null)
      .when(paid)
      .then(send(customers, 'advancePaidUntil', { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'c1:2026-03' }, 'paid:c1:2026-03', { onRefusal: 'go-on' })));

  it('runs on the matching saga: the command id it sends is the one that saga always derived', async () => {
    const events = new InMemoryEventStore();
    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const commands = new CommandHandler(events);
    const now = new Date('2026-03-02T08:00:00.000Z');
    const deps = { events, documents, commands, deadlines: new Deadlines(documents), clock: () => now };
    const actor = { userId: 'u-c1', role: 'customer' as const };
    const contact = { name: 'Dana', email: 'c1@example.com', phone: '+15550100', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42, lon: -72 } } };
    await commands.handle(customers.decider, 'customer-c1', { type: 'registerCustomer', data: { customerId: 'c1', contact, notifyBy: 'sms' }, metadata: { commandId: 'r1', now, actor } });
    const unused = {} as unknown;
    const saga = matchingSaga({ config: unused as MatchingConfig, outbox: unused as Outbox, experts: unused as never });
    expect(saga.eventTypes).toContain('InvoicePaid');

    const event = { id: 'e-paid', stream: 'invoice-c1:2026-03', revision: 1, position: 9, type: paid.type, data: paid.data, recordedAt: paid.at, metadata: { correlationId: 'k', causationId: null, actor, timestamp: paid.at } };
    await saga.handle(event, sagaContext(MATCHING, { id: event.id, correlationId: 'k' }, deps));
    await saga.handle(event, sagaContext(MATCHING, { id: event.id, correlationId: 'k' }, deps));

    const advanced = (await events.readStream('customer-c1')).filter((e) => e.type === 'PaidUntilAdvanced');
    expect(advanced).toHaveLength(1);
    expect(advanced[0]!.metadata).toMatchObject({ commandId: deterministicUuid(`${MATCHING}\u0000e-paid\u0000paid:c1:2026-03`), causationId: 'e-paid', correlationId: 'k' });
    await documents.close();
  });
});
