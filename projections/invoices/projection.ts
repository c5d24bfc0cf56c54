import { Document } from '../../document-store/port';
import { ChargeState, InvoiceEvent, InvoiceLine, RefundStatus, writtenOffCharge } from '../../domain/billing/invoice';
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
  /** Credit notes, in the order issued. */
  credits: { creditNoteId: string; amountCents: number; reason: string; by: string; at: string }[];
  /** Refunds, in the order asked; `at` is when the last status was reached, `failureReason` why it failed. */
  refunds: { refundId: string; amountCents: number; reason: string; status: RefundStatus; gatewayReference: string | null; at: string; failureReason: string | null }[];
  /** What is still owed: the total less the credits while open; 0 once paid or written off. */
  amountDueCents: number;
  /** What the payment captured: the total less the credits issued before it (0 until paid, and when credits settled it). */
  paidCents: number;
  /** Refunds the gateway made. */
  refundedCents: number;
}

export const INVOICES = 'invoices';

export const invoicesProjection: Projection = {
  name: 'invoices',
  // v2: the charge state follows the outcome (a paid invoice's charge is `succeeded`, not `pending`).
  // v3: credit notes, refunds, the amount due and the amount refunded.
  version: 3,
  eventTypes: ['InvoiceIssued', 'InvoicePaid', 'InvoiceChargeFailed', 'InvoiceChargeRetried', 'InvoiceWrittenOff', 'CreditNoteIssued', 'InvoiceRefundRequested', 'InvoiceRefunded', 'InvoiceRefundFailed'],
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
          credits: [],
          refunds: [],
          amountDueCents: d.totalCents,
          paidCents: 0,
          refundedCents: 0,
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
        next = { ...current, status: 'paid', charge: 'succeeded', amountDueCents: 0, paidCents: e.data.amountCents, paidAt: e.data.paidAt, paidUntil: e.data.paidUntil, gatewayReference: e.data.gatewayReference, attempts: Math.max(current.attempts, e.data.attempt) };
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
        next = { ...current, status: 'written-off', charge: writtenOffCharge(current.charge), amountDueCents: 0, writtenOff: { reason: e.data.reason, by: e.data.writtenOffBy, at: e.data.writtenOffAt } };
        break;
      case 'CreditNoteIssued': {
        const { creditNoteId, amountCents, reason, issuedBy, issuedAt } = e.data;
        // Handled again (no checkpoint with the write): the credit note is there already.
        if (current.credits.some((c) => c.creditNoteId === creditNoteId)) return;
        // On an open invoice it lowers what is owed; on a paid one it is the customer's credit.
        const amountDueCents = current.status === 'open' ? current.amountDueCents - amountCents : current.amountDueCents;
        next = { ...current, amountDueCents, credits: [...current.credits, { creditNoteId, amountCents, reason, by: issuedBy, at: issuedAt }] };
        break;
      }
      case 'InvoiceRefundRequested': {
        const { refundId, amountCents, reason, requestedAt } = e.data;
        if (current.refunds.some((r) => r.refundId === refundId)) return;
        next = { ...current, refunds: [...current.refunds, { refundId, amountCents, reason, status: 'requested', gatewayReference: null, at: requestedAt, failureReason: null }] };
        break;
      }
      case 'InvoiceRefunded': {
        const { refundId, gatewayReference, refundedAt } = e.data;
        const refund = current.refunds.find((r) => r.refundId === refundId);
        if (!refund || refund.status !== 'requested') return;
        next = {
          ...current,
          refundedCents: current.refundedCents + refund.amountCents,
          refunds: current.refunds.map((r) => (r.refundId === refundId ? { ...r, status: 'refunded', gatewayReference, at: refundedAt } : r)),
        };
        break;
      }
      case 'InvoiceRefundFailed': {
        const { refundId, reason, failedAt } = e.data;
        const refund = current.refunds.find((r) => r.refundId === refundId);
        if (!refund || refund.status !== 'requested') return;
        next = { ...current, refunds: current.refunds.map((r) => (r.refundId === refundId ? { ...r, status: 'failed', at: failedAt, failureReason: reason } : r)) };
        break;
      }
    }
    await invoices.replaceOne({ _id: id }, next);
  },
};
