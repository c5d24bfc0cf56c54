import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { InMemoryEventStore } from '../../../event-store/memory';
import { NewEvent } from '../../../event-store/port';
import { PaidCustomersCache } from '../../../flows/payment-status';
import { ReadModels } from '../../../read-models/read-models';
import { ProjectionEngine } from '../../engine';
import { PAID_CUSTOMERS, PaidCustomerDoc, paidCustomersProjection } from '../projection';

const meta = { correlationId: 'c', causationId: null, actor: { userId: 'billing', role: 'system' }, timestamp: '2026-03-01T06:00:00.000Z' };
const paid = (customerId: string, period: string, paidUntil: string): NewEvent => ({
  type: 'InvoicePaid',
  data: { invoiceId: `${customerId}:${period}`, customerId, period, amountCents: 1500, gatewayReference: 'ch', attempt: 1, paidAt: meta.timestamp, paidUntil },
  metadata: meta,
});
const advanced = (customerId: string, period: string, paidUntil: string): NewEvent => ({
  type: 'PaidUntilAdvanced',
  data: { customerId, paidUntil, invoiceId: `${customerId}:${period}` },
  metadata: meta,
});

describe('paid-customers read model', () => {
  it('keeps the latest paid-until per customer from either billing fact, in any order; the lookup reads it', async () => {
    const events = new InMemoryEventStore();
    await events.appendToStream('invoice-c1:2026-03', [paid('c1', '2026-03', '2026-04-01T00:00:00.000Z')]);
    await events.appendToStream('customer-c1', [advanced('c1', '2026-03', '2026-04-01T00:00:00.000Z')]);
    await events.appendToStream('customer-c2', [advanced('c2', '2026-04', '2026-05-01T00:00:00.000Z')]);
    await events.appendToStream('invoice-c2:2026-03', [paid('c2', '2026-03', '2026-04-01T00:00:00.000Z')]); // older, late
    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const readModels = new ReadModels(documents, [paidCustomersProjection]);
    const engine = new ProjectionEngine(events, documents, [paidCustomersProjection], { onSwitch: () => readModels.refresh() });
    await engine.start();
    expect(await engine.waitFor(await events.headPosition())).toBe(true);

    const cache = await readModels.collection<PaidCustomerDoc>(PAID_CUSTOMERS);
    expect(await cache.find({}, { sort: { _id: 1 } })).toEqual([
      expect.objectContaining({ _id: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'c1:2026-03' }),
      expect.objectContaining({ _id: 'c2', paidUntil: '2026-05-01T00:00:00.000Z', invoiceId: 'c2:2026-04' }),
    ]);
    const lookup = new PaidCustomersCache(readModels);
    expect(await lookup.statusOf('c1', new Date('2026-03-15T00:00:00Z'))).toBe('paid');
    expect(await lookup.statusOf('c1', new Date('2026-04-02T00:00:00Z'))).toBe('unpaid');
    expect(await lookup.statusOf('c3', new Date('2026-03-15T00:00:00Z'))).toBe('unknown');
    await engine.stop();
    await documents.close();
  });
});
