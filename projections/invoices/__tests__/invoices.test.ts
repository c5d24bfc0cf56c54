import { InvoiceEvent } from '../../../domain/billing/invoice';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { INVOICES, invoicesProjection } from '../projection';

const spec = specifyProjection(invoicesProjection);
const ref = { invoiceId: 'c1:2026-03', customerId: 'c1', period: '2026-03' };
const stream = 'invoice-c1:2026-03';
const lines = [{ planId: 'p1', product: 'washer', tier: 'basic' as const, amountCents: 1500 }];
const issued: InvoiceEvent = { type: 'InvoiceIssued', data: { ...ref, lines, totalCents: 1500, currency: 'USD', dueAt: '2026-03-15T00:00:00.000Z', issuedAt: '2026-03-01T06:00:00.000Z' } };
const failed = (attempt: number, failedAt: string): InvoiceEvent => ({ type: 'InvoiceChargeFailed', data: { ...ref, attempt, reason: 'card declined', gatewayCode: 'card_declined', failedAt } });
const retried = (attempt: number): InvoiceEvent => ({ type: 'InvoiceChargeRetried', data: { ...ref, attempt, requestedBy: 'billing', requestedAt: '2026-03-02T06:00:00.000Z' } });
const invoice = {
  _id: 'c1:2026-03',
  ...ref,
  lines,
  totalCents: 1500,
  currency: 'USD',
  dueAt: '2026-03-15T00:00:00.000Z',
  issuedAt: '2026-03-01T06:00:00.000Z',
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
  amountDueCents: 1500,
  paidCents: 0,
  refundedCents: 0,
};
const firstFailure = { attempt: 1, reason: 'card declined', gatewayCode: 'card_declined', failedAt: '2026-03-01T06:01:00.000Z' };

describe('invoices read model', () => {
  it('holds an issued invoice, open with its first charge pending', () => spec.given().when(...inStream(stream, [issued])).then({ [INVOICES]: [invoice] }));

  it('records failed charges and retries, then the payment', () =>
    spec
      .given(...inStream(stream, [issued]))
      .when(
        ...inStream<InvoiceEvent>(stream, [
          failed(1, firstFailure.failedAt),
          retried(2),
          { type: 'InvoicePaid', data: { ...ref, amountCents: 1500, gatewayReference: 'ch_1', attempt: 2, paidAt: '2026-03-02T06:01:00.000Z', paidUntil: '2026-04-01T00:00:00.000Z' } },
        ]),
      )
      .then({
        [INVOICES]: [
          { ...invoice, status: 'paid', charge: 'succeeded', amountDueCents: 0, paidCents: 1500, attempts: 2, failures: [firstFailure], paidAt: '2026-03-02T06:01:00.000Z', paidUntil: '2026-04-01T00:00:00.000Z', gatewayReference: 'ch_1' },
        ],
      }));

  it('writes off an invoice; a charge still pending is cancelled, a failed one stays failed', async () => {
    const writtenOff: InvoiceEvent = { type: 'InvoiceWrittenOff', data: { ...ref, amountCents: 1500, reason: 'goodwill', writtenOffBy: 'helpdesk-1', writtenOffAt: '2026-03-20T00:00:00.000Z' } };
    const record = { reason: 'goodwill', by: 'helpdesk-1', at: '2026-03-20T00:00:00.000Z' };
    await spec.given(...inStream(stream, [issued])).when(...inStream(stream, [writtenOff])).then({ [INVOICES]: [{ ...invoice, status: 'written-off', charge: 'cancelled', amountDueCents: 0, writtenOff: record }] });
    await spec
      .given(...inStream(stream, [issued, failed(1, firstFailure.failedAt)]))
      .when(...inStream(stream, [writtenOff]))
      .then({ [INVOICES]: [{ ...invoice, status: 'written-off', charge: 'failed', amountDueCents: 0, failures: [firstFailure], writtenOff: record }] });
  });

  it('keeps one failure per attempt', () =>
    spec
      .given(...inStream(stream, [issued]))
      .when(...inStream(stream, [failed(1, '2026-03-01T06:01:00.000Z'), failed(1, firstFailure.failedAt)]))
      .then({ [INVOICES]: [{ ...invoice, charge: 'failed', failures: [firstFailure] }] }));

  describe('credit notes and refunds', () => {
    const paid: InvoiceEvent = { type: 'InvoicePaid', data: { ...ref, amountCents: 1500, gatewayReference: 'ch_1', attempt: 1, paidAt: '2026-03-01T06:01:00.000Z', paidUntil: '2026-04-01T00:00:00.000Z' } };
    const paidDoc = { ...invoice, status: 'paid', charge: 'succeeded', amountDueCents: 0, paidCents: 1500, paidAt: '2026-03-01T06:01:00.000Z', paidUntil: '2026-04-01T00:00:00.000Z', gatewayReference: 'ch_1' };
    const credit = (creditNoteId: string, amountCents: number): InvoiceEvent => ({
      type: 'CreditNoteIssued',
      data: { ...ref, creditNoteId, amountCents, reason: 'visit late', issuedBy: 'admin-1', issuedAt: '2026-03-03T10:00:00.000Z' },
    });
    const creditDoc = (creditNoteId: string, amountCents: number) => ({ creditNoteId, amountCents, reason: 'visit late', by: 'admin-1', at: '2026-03-03T10:00:00.000Z' });
    const asked = (refundId: string, amountCents: number): InvoiceEvent => ({
      type: 'InvoiceRefundRequested',
      data: { ...ref, refundId, amountCents, reason: 'goodwill', requestedBy: 'admin-1', requestedAt: '2026-03-04T10:00:00.000Z' },
    });

    it('a credit note on an open invoice lowers the amount due; the payment then takes what is left', () =>
      spec
        .given(...inStream(stream, [issued, failed(1, firstFailure.failedAt)]))
        .when(...inStream<InvoiceEvent>(stream, [credit('cn1', 400)]))
        .then({ [INVOICES]: [{ ...invoice, charge: 'failed', failures: [firstFailure], credits: [creditDoc('cn1', 400)], amountDueCents: 1100 }] }));

    it('a credit note on a paid invoice owes nothing more (it is the customer’s credit)', () =>
      spec
        .given(...inStream(stream, [issued, paid]))
        .when(...inStream<InvoiceEvent>(stream, [credit('cn1', 400)]))
        .then({ [INVOICES]: [{ ...paidDoc, credits: [creditDoc('cn1', 400)] }] }));

    it('follows a refund from asked to refunded, and another to failed, counting only what was refunded', () =>
      spec
        .given(...inStream(stream, [issued, paid]))
        .when(
          ...inStream<InvoiceEvent>(stream, [
            asked('r1', 500),
            asked('r2', 300),
            { type: 'InvoiceRefunded', data: { ...ref, refundId: 'r1', amountCents: 500, gatewayReference: 're_1', refundedAt: '2026-03-04T10:00:05.000Z' } },
            { type: 'InvoiceRefundFailed', data: { ...ref, refundId: 'r2', reason: 'charge disputed', failedAt: '2026-03-04T10:00:06.000Z' } },
          ]),
        )
        .then({
          [INVOICES]: [
            {
              ...paidDoc,
              refundedCents: 500,
              refunds: [
                { refundId: 'r1', amountCents: 500, reason: 'goodwill', status: 'refunded', gatewayReference: 're_1', at: '2026-03-04T10:00:05.000Z', failureReason: null },
                { refundId: 'r2', amountCents: 300, reason: 'goodwill', status: 'failed', gatewayReference: null, at: '2026-03-04T10:00:06.000Z', failureReason: 'charge disputed' },
              ],
            },
          ],
        }));

    it('an event handled twice counts once', () =>
      spec
        .given(...inStream(stream, [issued, paid, asked('r1', 500)]))
        .when(
          ...inStream<InvoiceEvent>(stream, [
            credit('cn1', 400),
            credit('cn1', 400),
            { type: 'InvoiceRefunded', data: { ...ref, refundId: 'r1', amountCents: 500, gatewayReference: 're_1', refundedAt: '2026-03-04T10:00:05.000Z' } },
            { type: 'InvoiceRefunded', data: { ...ref, refundId: 'r1', amountCents: 500, gatewayReference: 're_1', refundedAt: '2026-03-04T10:00:05.000Z' } },
          ]),
        )
        .then({
          [INVOICES]: [
            {
              ...paidDoc,
              credits: [creditDoc('cn1', 400)],
              refundedCents: 500,
              refunds: [{ refundId: 'r1', amountCents: 500, reason: 'goodwill', status: 'refunded', gatewayReference: 're_1', at: '2026-03-04T10:00:05.000Z', failureReason: null }],
            },
          ],
        }));
  });
});
