import { invoiceDecider, InvoiceCommand, InvoiceEvent, invoiceId, InvoiceState } from '../domain/billing/invoice';
import { Aggregate } from './aggregate';

/** One stream per customer and month: `invoice-<customerId>:<period>`. */
export const invoices: Aggregate<InvoiceState, InvoiceCommand, InvoiceEvent> = {
  category: 'invoice',
  decider: invoiceDecider,
  idOf: (command) => invoiceId(command.data.customerId, command.data.period),
};
