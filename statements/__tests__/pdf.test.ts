import { BilledInvoice, Billee, invoiceDocument, monthlyStatement, StatementSettings } from '../model';
import { invoicePdf, statementPdf } from '../pdf';
import { taxRateOf } from '../tax';
import { pdfPageCount, pdfText } from '../../testing/pdf-text';

const customer: Billee = { customerId: 'cust-1', name: 'Casey Customer', email: 'casey@example.com', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US' } };
const settings: StatementSettings = { company: { name: 'Penultimate Electronics', address: ['1 Commerce Way', 'Springfield, MA 01103'], email: 'billing@example.com' }, taxRate: taxRateOf(8.25) };

const paid: BilledInvoice = {
  invoiceId: 'cust-1:2026-03',
  customerId: 'cust-1',
  period: '2026-03',
  lines: [
    { planId: 'p1', product: 'washer', tier: 'standard', amountCents: 1999 },
    { planId: 'p2', product: 'range-hood', tier: 'premium', amountCents: 3999 },
  ],
  totalCents: 5998,
  currency: 'USD',
  dueAt: '2026-03-05T00:00:00.000Z',
  issuedAt: '2026-03-01T06:00:00.000Z',
  status: 'paid',
  paidAt: '2026-03-01T06:00:04.000Z',
  gatewayReference: 'ch_123',
  writtenOff: null,
};

describe('invoice and statement PDFs', () => {
  it('an invoice: company, customer, one line per plan, total, tax, payment and amount due', async () => {
    const pdf = await invoicePdf(invoiceDocument(paid, customer, settings), { compress: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const shown of ['Penultimate Electronics', '1 Commerce Way', 'INVOICE', 'cust-1:2026-03', 'March 2026', 'Casey Customer', '1 Main St', 'Washer', 'Range hood', 'Premium', '$19.99', '$39.99', 'Total', '$59.98', 'Tax included (8.25%)', '$4.57', 'Payment (ref. ch_123)', '-$59.98', 'Amount due', '$0.00', 'Page 1 of 1']) {
      expect(text).toContain(shown);
    }
    // Dated as the invoice, not as the moment it was rendered.
    expect(pdf.toString('latin1')).toContain('(D:20260301060000Z)');
  });

  it('renders the same bytes for the same document, compressed by default', async () => {
    const doc = invoiceDocument(paid, customer, settings);
    const [a, b] = await Promise.all([invoicePdf(doc), invoicePdf(doc)]);
    expect(a.equals(b)).toBe(true);
    expect(a.toString('latin1')).toContain('/FlateDecode');
    // Compressed or not, the same text.
    expect(pdfText(a)).toBe(pdfText(await invoicePdf(doc, { compress: false })));
  });

  it('a long statement continues on further pages, each numbered, with the balance carried', async () => {
    // A customer with many invoices paid in one month: one row per movement.
    const invoices: BilledInvoice[] = Array.from({ length: 40 }, (_, i) => ({
      ...paid,
      invoiceId: `cust-1:x${i}`,
      period: '2026-03',
      issuedAt: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00.000Z`,
      paidAt: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:30:00.000Z`,
    }));
    const statement = monthlyStatement({ invoices, customer, month: '2026-03', asOf: '2026-04-02T00:00:00.000Z', settings });
    expect(statement.entries).toHaveLength(80);
    const pdf = await statementPdf(statement);
    const pages = pdfPageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(pdf);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text.match(/^Balance$/gm)).toHaveLength(pages);
    expect(text).toContain('Closing balance');
    expect(text).toContain('Nothing is owed.');
    expect(text).toContain(`Tax included in this month's invoices (8.25%)`);
  });

  it('a statement without activity says so and shows the carried balance', async () => {
    const open = { ...paid, status: 'open' as const, paidAt: null, gatewayReference: null };
    const statement = monthlyStatement({ invoices: [open], customer, month: '2026-04', asOf: '2026-05-01T00:00:00.000Z', settings: { ...settings, taxRate: null } });
    const text = pdfText(await statementPdf(statement));
    expect(text).toContain('No activity this month.');
    expect(text).toContain('Balance owed at the end of April 2026: $59.98.');
    expect(text).not.toContain('Tax included');
  });
});
