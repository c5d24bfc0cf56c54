import { Document } from '../../document-store/port';
import { InvoiceEvent } from '../../domain/billing/invoice';
import { CustomerEvent } from '../../domain/customer/customer';
import { ms } from '../../domain/shared/time';
import { Projection } from '../projection';

/**
 * `paid_customers`: the ticket side's cache of paid customers — until when each customer's
 * subscription is paid. Fed by both billing facts: `InvoicePaid` (the invoice stream, seen as
 * soon as the payment lands) and `PaidUntilAdvanced` (the customer stream, once the saga moved
 * it). The later date wins, so the order the two arrive in does not matter.
 */
export interface PaidCustomerDoc extends Document {
  customerId: string;
  paidUntil: string;
  /** The invoice that paid up to `paidUntil`. */
  invoiceId: string;
  updatedAt: string;
}

export const PAID_CUSTOMERS = 'paid_customers';

type Fed = Extract<InvoiceEvent, { type: 'InvoicePaid' }> | Extract<CustomerEvent, { type: 'PaidUntilAdvanced' }>;

export const paidCustomersProjection: Projection = {
  name: 'paid-customers',
  version: 1,
  eventTypes: ['InvoicePaid', 'PaidUntilAdvanced'],
  collections: { [PAID_CUSTOMERS]: [{ keys: { paidUntil: 1 }, name: 'by_paid_until' }] },
  async handle(event, { collection }) {
    const e = event as unknown as Fed;
    const { customerId, paidUntil, invoiceId } = e.data;
    const cache = collection<PaidCustomerDoc>(PAID_CUSTOMERS);
    const current = await cache.findOne({ _id: customerId });
    if (current && ms(current.paidUntil) >= ms(paidUntil)) return;
    await cache.replaceOne(
      { _id: customerId },
      { _id: customerId, customerId, paidUntil: new Date(ms(paidUntil)).toISOString(), invoiceId, updatedAt: event.metadata.timestamp },
      { upsert: true },
    );
  },
};
