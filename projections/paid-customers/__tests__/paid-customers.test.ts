import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { Collection, Document } from '../../../document-store/port';
import { InvoiceEvent } from '../../../domain/billing/invoice';
import { CustomerEvent } from '../../../domain/customer/customer';
import { PaidCustomersCache } from '../../../read-models/payment-status';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { PAID_CUSTOMERS, PaidCustomerDoc, paidCustomersProjection } from '../projection';

const spec = specifyProjection(paidCustomersProjection);
const at = '2026-03-01T06:00:00.000Z';
const paid = (customerId: string, period: string, paidUntil: string) =>
  inStream<InvoiceEvent>(
    `invoice-${customerId}:${period}`,
    [{ type: 'InvoicePaid', data: { invoiceId: `${customerId}:${period}`, customerId, period, amountCents: 1500, gatewayReference: 'ch', attempt: 1, paidAt: at, paidUntil } }],
    at,
  );
const advanced = (customerId: string, period: string, paidUntil: string) =>
  inStream<CustomerEvent>(`customer-${customerId}`, [{ type: 'PaidUntilAdvanced', data: { customerId, paidUntil, invoiceId: `${customerId}:${period}` } }], at);
const doc = (customerId: string, paidUntil: string, invoiceId: string) => ({ _id: customerId, customerId, paidUntil, invoiceId, updatedAt: at });

describe('paid-customers read model', () => {
  it('keeps the latest paid-until per customer from either billing fact, in any order', () =>
    spec
      .given(...paid('c1', '2026-03', '2026-04-01T00:00:00.000Z'))
      .when(
        ...advanced('c1', '2026-03', '2026-04-01T00:00:00.000Z'),
        ...advanced('c2', '2026-04', '2026-05-01T00:00:00.000Z'),
        ...paid('c2', '2026-03', '2026-04-01T00:00:00.000Z'), // older, late
      )
      .then({
        [PAID_CUSTOMERS]: [doc('c1', '2026-04-01T00:00:00.000Z', 'c1:2026-03'), doc('c2', '2026-05-01T00:00:00.000Z', 'c2:2026-04')],
      }));

  it('writes paid-until in one format, so dates compare as strings', () =>
    spec.given().when(...advanced('c1', '2026-03', '2026-04-01T00:00:00Z')).then({ [PAID_CUSTOMERS]: [doc('c1', '2026-04-01T00:00:00.000Z', 'c1:2026-03')] }));

  it('answers the ticket side: paid until the date, unpaid after it, unknown for a customer billing never reported', async () => {
    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const cache = documents.collection<PaidCustomerDoc>(PAID_CUSTOMERS);
    await cache.insertOne(doc('c1', '2026-04-01T00:00:00.000Z', 'c1:2026-03'));
    const lookup = new PaidCustomersCache({ collection: async <T extends Document>() => cache as unknown as Collection<T> });
    expect(await lookup.statusOf('c1', new Date('2026-03-15T00:00:00Z'))).toBe('paid');
    expect(await lookup.statusOf('c1', new Date('2026-04-02T00:00:00Z'))).toBe('unpaid');
    expect(await lookup.statusOf('c3', new Date('2026-03-15T00:00:00Z'))).toBe('unknown');
    await documents.close();
  });
});
