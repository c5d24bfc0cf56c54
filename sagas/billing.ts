/**
 * The billing workflow: the customer side of a paid invoice. `InvoicePaid` moves the customer's
 * paid-until date (`advancePaidUntil`, which the Customer ignores for an invoice it already
 * counted), the date the paid-customers cache reads when a ticket is opened.
 *
 * It runs on the matching saga's subscription (see `matchingSaga`): its commands were first sent
 * under that saga's name and checkpoint, so recorded ones stay repeats and nothing is handled twice.
 */
import { customers } from '../commands/customer';
import { InvoiceEvent } from '../domain/billing/invoice';
import { EventInput, send, Workflow } from './workflow';

export type BillingInput = EventInput<InvoiceEvent, 'InvoicePaid'>;

export const billingWorkflow: Workflow<BillingInput, null> = {
  name: 'billing',
  events: ['InvoicePaid'],
  read: async () => null,
  decide({ data: { customerId, paidUntil, invoiceId } }) {
    // A refusal (a customer unknown to the store) must not hold up the matching saga's other events.
    return [send(customers, 'advancePaidUntil', { customerId, paidUntil, invoiceId }, `paid:${invoiceId}`, { onRefusal: 'go-on' })];
  },
};
