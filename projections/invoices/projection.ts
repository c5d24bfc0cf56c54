import { Document } from '../../document-store/port';
import { ChargeState, InvoiceEvent, InvoiceLine, writtenOffCharge } from '../../domain/billing/invoice';
import { Projection } from '../projection';

/** The `invoices` read model: a customer's billing history and statements, one document per invoice. */
export interface InvoiceDoc extends Document {
  invoiceId: string;
  customerId: string;
  period: string;
  lines: InvoiceLine[];
  totalCents: number;
  currency: string;
  dueAt: string;
  issuedAt: string;
  status: 'open' | 'paid' | 'written-off';
  /** As the Invoice's: `pending`, `failed`, `succeeded` (paid) or `cancelled` (written off mid-attempt). */
  charge: ChargeState;
  attempts: number;
  failures: { attempt: number; reason: string; gatewayCode: string | null; failedAt: string }[];
  paidAt: string | null;
  paidUntil: string | null;
  gatewayReference: string | null;
  writtenOff: { reason: string; by: string; at: string } | null;
}

export const INVOICES = 'invoices';

export const invoicesProjection: Projection = {
  name: 'invoices',
  // v2: the charge state follows the outcome (a paid invoice's charge is `succeeded`, not `pending`).
  version: 2,
  eventTypes: ['InvoiceIssued', 'InvoicePaid', 'InvoiceChargeFailed', 'InvoiceChargeRetried', 'InvoiceWrittenOff'],
  collections: { [INVOICES]: [{ keys: { customerId: 1, period: -1 }, name: 'by_customer_period' }, { keys: { status: 1 }, name: 'by_status' }] },
  async handle(event, { collection }) {
    const invoices = collection<InvoiceDoc>(INVOICES);
    const e = event as unknown as InvoiceEvent;
    const id = e.data.invoiceId;
    if (e.type === 'InvoiceIssued') {
      const d = e.data;
      await invoices.replaceOne(
        { _id: id },
        {
          _id: id,
          invoiceId: id,
          customerId: d.customerId,
          period: d.period,
          lines: d.lines,
          totalCents: d.totalCents,
          currency: d.currency,
          dueAt: d.dueAt,
          issuedAt: d.issuedAt,
          status: 'open',
          charge: 'pending',
          attempts: 1,
          failures: [],
          paidAt: null,
          paidUntil: null,
          gatewayReference: null,
          writtenOff: null,
        },
        { upsert: true },
      );
      return;
    }
    const current = await invoices.findOne({ _id: id });
    if (!current) return;
    let next: InvoiceDoc;
    switch (e.type) {
      case 'InvoicePaid':
        next = { ...current, status: 'paid', charge: 'succeeded', paidAt: e.data.paidAt, paidUntil: e.data.paidUntil, gatewayReference: e.data.gatewayReference, attempts: Math.max(current.attempts, e.data.attempt) };
        break;
      case 'InvoiceChargeFailed': {
        const { attempt, reason, gatewayCode, failedAt } = e.data;
        next = { ...current, charge: 'failed', failures: [...current.failures.filter((f) => f.attempt !== attempt), { attempt, reason, gatewayCode, failedAt }] };
        break;
      }
      case 'InvoiceChargeRetried':
        next = { ...current, charge: 'pending', attempts: Math.max(current.attempts, e.data.attempt) };
        break;
      case 'InvoiceWrittenOff':
        next = { ...current, status: 'written-off', charge: writtenOffCharge(current.charge), writtenOff: { reason: e.data.reason, by: e.data.writtenOffBy, at: e.data.writtenOffAt } };
        break;
    }
    await invoices.replaceOne({ _id: id }, next);
  },
};
