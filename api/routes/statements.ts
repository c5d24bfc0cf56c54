/**
 * Invoices and monthly statements as a customer keeps them: each invoice as a PDF, and for every
 * month with activity a statement (opening balance, invoices, payments, credit notes, refunds and
 * write-offs, closing balance) as JSON or PDF. The customer reads their own; staff any customer's.
 * Figures come from the invoices read model (statements/model.ts), so they agree to the cent.
 */
import { z } from 'zod';
import { invoiceId } from '../../domain/billing/invoice';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { activeMonths, BilledInvoice, Billee, invoiceDocument, monthlyStatement } from '../../statements/model';
import { invoicePdf, statementPdf } from '../../statements/pdf';
import { AuthUser, route, RouteResult, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { STAFF } from './roles';

const Id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month as 'YYYY-MM'");

// ---- answers ------------------------------------------------------------------------------

const Cents = z.number().int();
const AnInstant = z.iso.datetime({ offset: true });

const CompanySchema = z.strictObject({ name: z.string(), address: z.array(z.string()).describe('Postal address, one entry per line'), email: z.string() });
const BilleeSchema = z.strictObject({
  customerId: z.string(),
  name: z.string(),
  email: z.string(),
  address: z.strictObject({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() }),
});

const StatementEntrySchema = z.strictObject({
  at: AnInstant,
  kind: z.enum(['invoice', 'payment', 'credit-note', 'refund', 'write-off']),
  invoiceId: z.string(),
  period: z.string().describe('The month of the invoice this concerns'),
  reference: z.string().nullable().describe("The invoice's id, the payment's or refund's gateway reference, the credit note's id"),
  description: z.string(),
  amountCents: Cents.describe('Effect on the balance owed: positive owes more (an invoice, a refund), negative less (a payment, a credit note, a write-off)'),
  balanceCents: Cents.describe('The balance after this entry'),
});

const StatementTotalsSchema = z.strictObject({
  invoicedCents: Cents.describe("The month's invoices: their plan lines (credit applied on an invoice was counted when its credit note was issued)"),
  paidCents: Cents,
  creditedCents: Cents,
  refundedCents: Cents,
  writtenOffCents: Cents,
});

export const MonthlyStatementSchema = z.strictObject({
  company: CompanySchema,
  customer: BilleeSchema,
  month: z.string().describe("'YYYY-MM' (UTC, as billing periods)"),
  currency: z.string(),
  date: AnInstant.describe("The statement's date: the month's last instant, or now for the current month"),
  openingBalanceCents: Cents.describe('Owed at the start of the month (negative: in credit)'),
  entries: z.array(StatementEntrySchema).describe("The month's movements in date order"),
  totals: StatementTotalsSchema,
  closingBalanceCents: Cents.describe('opening + invoiced − paid − credited + refunded − written off; the next month opens with it'),
  tax: z.strictObject({ rate: z.string().describe("e.g. '8.25%'"), cents: Cents }).nullable().describe("The tax contained in the month's invoices (prices include tax); null when no tax rate is configured"),
});

const StatementMonthsSchema = z.strictObject({
  customerId: z.string(),
  months: z.array(z.string()).describe('The months with activity (an invoice, payment, credit note, refund or write-off), newest first'),
  balanceCents: Cents.describe('Owed now, over every invoice (negative: in credit)'),
});

// ---- reading ------------------------------------------------------------------------------

/** A customer reaches their own documents; another customer's are, to them, missing (README: refusals). */
function assertOwn(user: AuthUser, customerId: string): void {
  if (user.role === 'customer' && user.customerId !== customerId) throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
}

async function billee(services: ApiServices, customerId: string): Promise<Billee> {
  const doc = await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).findOne({ _id: customerId });
  if (!doc) throw new HttpProblem(404, 'Not found', `No customer ${customerId}.`);
  const { line1, city, postalCode, country } = doc.address;
  return { customerId, name: doc.name, email: doc.email, address: { line1, city, postalCode, country } };
}

/** Every invoice of the customer (a statement's opening balance needs them all). */
async function invoicesOf(services: ApiServices, customerId: string): Promise<BilledInvoice[]> {
  const docs: InvoiceDoc[] = await (await services.readModels.collection<InvoiceDoc>(INVOICES)).find({ customerId }, { sort: { period: 1 } });
  return docs;
}

/** The month's statement; a month before the customer's first activity or after the current one has none. */
async function statementFor(services: ApiServices, user: AuthUser, customerId: string, month: string) {
  assertOwn(user, customerId);
  const customer = await billee(services, customerId);
  const invoices = await invoicesOf(services, customerId);
  const now = services.clock().toISOString();
  // Statements run from the first month billed or with activity (an invoice may be issued after its month) to this one.
  const first = [...activeMonths(invoices), ...invoices.map((i) => i.period)].sort()[0];
  if (first === undefined || month < first || month > now.slice(0, 7)) throw new HttpProblem(404, 'Not found', `No statement for ${customerId} in ${month}: statements start with the first invoice and end with the current month.`);
  return monthlyStatement({ invoices, customer, month, asOf: now, settings: services.statements });
}

/** A PDF answer that the browser saves under `filename`. */
function pdfAnswer(pdf: Buffer, filename: string): RouteResult {
  return { status: 200, body: pdf, contentType: 'application/pdf', headers: { 'Content-Disposition': `attachment; filename="${filename}"` } };
}

/** A file name of safe characters: 'cust:1' → 'cust-1'. */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

export const statementRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/customers/:customerId/invoices/:period/pdf',
    summary: "An invoice as PDF: company, customer, a line per plan, total, tax if configured, payments, credits, refunds and the amount due (the customer or staff)",
    tag: 'Billing',
    roles: ['customer', ...STAFF],
    params: z.object({ customerId: Id, period: Month }),
    success: 200,
    successType: 'application/pdf',
    responses: { 200: 'The invoice as a PDF file (Content-Disposition: attachment)', 404: 'No such customer, or no invoice for that month' },
    operationId: 'getInvoicePdf',
    async handler({ params, user }, services: ApiServices) {
      assertOwn(user, params.customerId);
      const customer = await billee(services, params.customerId);
      const invoice: InvoiceDoc | null = await (await services.readModels.collection<InvoiceDoc>(INVOICES)).findOne({ _id: invoiceId(params.customerId, params.period) });
      if (!invoice) throw new HttpProblem(404, 'Not found', `No invoice for ${params.customerId} in ${params.period}.`);
      const pdf = await invoicePdf(invoiceDocument(invoice, customer, services.statements));
      return pdfAnswer(pdf, `invoice-${params.period}-${fileSafe(params.customerId)}.pdf`);
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId/statements',
    summary: 'The months a customer has statements for (those with activity) and the balance owed now (the customer or staff)',
    tag: 'Billing',
    roles: ['customer', ...STAFF],
    params: z.object({ customerId: Id }),
    success: 200,
    operationId: 'listStatementMonths',
    response: StatementMonthsSchema,
    async handler({ params, user }, services: ApiServices) {
      assertOwn(user, params.customerId);
      const customer = await billee(services, params.customerId);
      const invoices = await invoicesOf(services, params.customerId);
      const months = activeMonths(invoices);
      // The newest month's closing balance is the balance now.
      const balanceCents = months.length === 0 ? 0 : monthlyStatement({ invoices, customer, month: months[0]!, asOf: services.clock().toISOString(), settings: services.statements }).closingBalanceCents;
      return { status: 200, body: { customerId: params.customerId, months, balanceCents } satisfies z.infer<typeof StatementMonthsSchema> };
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId/statements/:month',
    summary: "A customer's statement for a month: opening balance, every invoice, payment, credit note, refund and write-off of the month in date order, closing balance (the customer or staff)",
    tag: 'Billing',
    roles: ['customer', ...STAFF],
    params: z.object({ customerId: Id, month: Month }),
    success: 200,
    responses: { 404: 'No such customer, or a month before their first invoice or after the current one' },
    operationId: 'getMonthlyStatement',
    response: MonthlyStatementSchema,
    async handler({ params, user }, services: ApiServices) {
      const statement = await statementFor(services, user, params.customerId, params.month);
      return { status: 200, body: statement satisfies z.infer<typeof MonthlyStatementSchema> };
    },
  }),
  route({
    method: 'get',
    path: '/customers/:customerId/statements/:month/pdf',
    summary: "A customer's statement for a month as PDF (the customer or staff)",
    tag: 'Billing',
    roles: ['customer', ...STAFF],
    params: z.object({ customerId: Id, month: Month }),
    success: 200,
    successType: 'application/pdf',
    responses: { 200: 'The statement as a PDF file (Content-Disposition: attachment)', 404: 'No such customer, or a month before their first invoice or after the current one' },
    operationId: 'getMonthlyStatementPdf',
    async handler({ params, user }, services: ApiServices) {
      const statement = await statementFor(services, user, params.customerId, params.month);
      return pdfAnswer(await statementPdf(statement), `statement-${params.month}-${fileSafe(params.customerId)}.pdf`);
    },
  }),
];
