/**
 * Invoices and monthly statements as the documents a customer keeps, computed from the invoices
 * read model and the customer's profile. Pure: no I/O, no clock (the moment a statement is made
 * arrives as `asOf`), integer cents throughout.
 *
 * The customer's balance is what they owe: an invoice adds its plans' charges, a payment and a
 * credit note take away, a refund gives money back (so adds), and a write-off takes away what was
 * still owed. A credit note against a paid invoice leaves the customer in credit, which their next
 * invoice deducts as a `credit` line (negative amount): that line is the credit being used, not a
 * new one, so the invoice's charge on the balance is its plan lines — the credit already counted
 * when the note was issued. Hence, month by month:
 *   closing = opening + invoiced − paid − credited + refunded − written off
 * and one month's closing balance is the next one's opening balance.
 */
import { formatMoney, formatMonth } from './format';
import { TaxRate, taxIncluded, taxRateLabel } from './tax';

// ---- what the documents are made from -------------------------------------------------------

export interface BilledLine {
  planId: string;
  product: string;
  /** Absent on a credit line. */
  tier?: string;
  amountCents: number;
}

export interface CreditNote {
  creditNoteId: string;
  amountCents: number;
  reason: string;
  by: string;
  at: string;
}

export interface Refund {
  refundId: string;
  amountCents: number;
  reason: string;
  status: 'requested' | 'refunded' | 'failed';
  gatewayReference: string | null;
  at: string;
}

/**
 * An invoice as the invoices read model holds it. Credits, refunds and the amounts derived from
 * them are optional: a document written before they existed has none.
 */
export interface BilledInvoice {
  invoiceId: string;
  customerId: string;
  period: string;
  lines: BilledLine[];
  totalCents: number;
  currency: string;
  dueAt: string;
  issuedAt: string;
  status: 'open' | 'paid' | 'written-off';
  paidAt: string | null;
  gatewayReference: string | null;
  writtenOff: { reason: string; by: string; at: string } | null;
  credits?: CreditNote[];
  refunds?: Refund[];
  amountDueCents?: number;
}

export interface Billee {
  customerId: string;
  name: string;
  email: string;
  address: { line1: string; city: string; postalCode: string; country: string };
}

export interface CompanyDetails {
  name: string;
  /** Postal address, one entry per printed line. */
  address: string[];
  email: string;
}

/** What every document of this company shows besides the customer's figures. */
export interface StatementSettings {
  company: CompanyDetails;
  /** Null: no tax lines. */
  taxRate: TaxRate | null;
}

/** The invoice line that applies a customer's credit (a negative amount; its planId is the credit note's id). */
export const CREDIT_PRODUCT = 'credit';

export function isCreditLine(line: BilledLine): boolean {
  return line.product === CREDIT_PRODUCT;
}

// ---- the movements of an invoice ----------------------------------------------------------

export type EntryKind = 'invoice' | 'payment' | 'credit-note' | 'refund' | 'write-off';

/** One movement of the customer's balance. */
export interface LedgerEntry {
  at: string;
  kind: EntryKind;
  invoiceId: string;
  period: string;
  /** The payment's or refund's gateway reference, the credit note's id. */
  reference: string | null;
  description: string;
  /** Its effect on what the customer owes: positive owes more. */
  amountCents: number;
}

const sum = (amounts: readonly number[]) => amounts.reduce((total, amount) => total + amount, 0);

/** Plan charges of the invoice: its lines but the credit it applied. */
export function chargedCents(invoice: BilledInvoice): number {
  return sum(invoice.lines.filter((line) => !isCreditLine(line)).map((line) => line.amountCents));
}

/** Customer credit the invoice used (a positive number): its credit lines. */
export function creditAppliedCents(invoice: BilledInvoice): number {
  return -sum(invoice.lines.filter(isCreditLine).map((line) => line.amountCents));
}

function creditsUntil(invoice: BilledInvoice, at: string): number {
  return sum((invoice.credits ?? []).filter((c) => c.at <= at).map((c) => c.amountCents));
}

/** What was captured: the total less the credits issued while it was open (the charge takes those off). */
export function paidCents(invoice: BilledInvoice): number {
  return invoice.paidAt === null ? 0 : Math.max(0, invoice.totalCents - creditsUntil(invoice, invoice.paidAt));
}

/** What was still owed when it was written off. */
export function writtenOffCents(invoice: BilledInvoice): number {
  return invoice.writtenOff === null ? 0 : Math.max(0, invoice.totalCents - creditsUntil(invoice, invoice.writtenOff.at));
}

/** Refunds only count once the gateway has paid them out. */
function refundsDone(invoice: BilledInvoice): Refund[] {
  return (invoice.refunds ?? []).filter((r) => r.status === 'refunded');
}

/** What is still to pay on the invoice: the read model's figure when it has one. */
export function amountDueCents(invoice: BilledInvoice): number {
  if (invoice.amountDueCents !== undefined) return invoice.amountDueCents;
  return invoice.status === 'open' ? Math.max(0, invoice.totalCents - sum((invoice.credits ?? []).map((c) => c.amountCents))) : 0;
}

/** Every movement of the customer's balance an invoice made, oldest first. */
export function entriesOf(invoice: BilledInvoice): LedgerEntry[] {
  const { invoiceId, period } = invoice;
  const entry = (at: string, kind: EntryKind, reference: string | null, description: string, amountCents: number): LedgerEntry => ({ at, kind, invoiceId, period, reference, description, amountCents });
  const applied = creditAppliedCents(invoice);
  const entries = [entry(invoice.issuedAt, 'invoice', invoiceId, applied > 0 ? `Invoice for ${formatMonth(period)} (${formatMoney(applied, invoice.currency)} of credit applied)` : `Invoice for ${formatMonth(period)}`, chargedCents(invoice))];
  for (const credit of invoice.credits ?? []) entries.push(entry(credit.at, 'credit-note', credit.creditNoteId, `Credit note on ${formatMonth(period)}: ${credit.reason}`, -credit.amountCents));
  if (invoice.paidAt !== null) entries.push(entry(invoice.paidAt, 'payment', invoice.gatewayReference, `Payment, invoice for ${formatMonth(period)}`, -paidCents(invoice)));
  // A refund gives part of a paid invoice back: money back to the card, and that part no longer
  // owed (the Invoice counts refunds against its total like credit notes). Net, it owes nothing.
  for (const refund of refundsDone(invoice)) {
    entries.push(entry(refund.at, 'refund', refund.gatewayReference ?? refund.refundId, `Refund on ${formatMonth(period)}: ${refund.reason}`, refund.amountCents));
    entries.push(entry(refund.at, 'credit-note', refund.refundId, `Refunded part no longer owed, ${formatMonth(period)}`, -refund.amountCents));
  }
  if (invoice.writtenOff !== null) entries.push(entry(invoice.writtenOff.at, 'write-off', null, `Written off, ${formatMonth(period)}: ${invoice.writtenOff.reason}`, -writtenOffCents(invoice)));
  return entries.sort(byDate);
}

/** Same instant: the invoice first, then what settles it. */
const KIND_ORDER: Record<EntryKind, number> = { invoice: 0, 'credit-note': 1, payment: 2, refund: 3, 'write-off': 4 };

function byDate(a: LedgerEntry, b: LedgerEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  return a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0;
}

/** Every movement of a customer's balance, in date order. */
export function ledgerOf(invoices: readonly BilledInvoice[]): LedgerEntry[] {
  return invoices.flatMap(entriesOf).sort(byDate);
}

// ---- months -------------------------------------------------------------------------------

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(month: string): boolean {
  return MONTH.test(month);
}

/** The month ('YYYY-MM', UTC, as billing periods) an instant falls in. */
export function monthOf(at: string): string {
  return at.slice(0, 7);
}

/** The first instant of a month and of the next one, as ISO strings. */
export function monthBounds(month: string): { start: string; end: string } {
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`a month is 'YYYY-MM', not '${month}'`);
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { start: new Date(Date.UTC(year, index, 1)).toISOString(), end: new Date(Date.UTC(year, index + 1, 1)).toISOString() };
}

/** The months in which the customer's balance moved, newest first. */
export function activeMonths(invoices: readonly BilledInvoice[]): string[] {
  return [...new Set(ledgerOf(invoices).map((e) => monthOf(e.at)))].sort().reverse();
}

// ---- the invoice document -------------------------------------------------------------------

export interface InvoiceDocument {
  company: CompanyDetails;
  customer: Billee;
  invoiceId: string;
  period: string;
  currency: string;
  status: BilledInvoice['status'];
  issuedAt: string;
  dueAt: string;
  lines: { planId: string; product: string; tier: string; amountCents: number }[];
  /** Customer credit from earlier credit notes, deducted here. */
  creditLines: { creditNoteId: string; amountCents: number }[];
  /** The plan lines' sum. */
  subtotalCents: number;
  totalCents: number;
  /** The tax contained in the total; null when no rate is configured. */
  tax: { rate: string; cents: number } | null;
  payments: { at: string; amountCents: number; reference: string | null }[];
  credits: { creditNoteId: string; at: string; amountCents: number; reason: string }[];
  refunds: { refundId: string; at: string; amountCents: number; reason: string; status: Refund['status']; reference: string | null }[];
  writtenOff: { at: string; amountCents: number; reason: string } | null;
  amountDueCents: number;
}

export function invoiceDocument(invoice: BilledInvoice, customer: Billee, settings: StatementSettings): InvoiceDocument {
  const plans = invoice.lines.filter((line) => !isCreditLine(line));
  return {
    company: settings.company,
    customer,
    invoiceId: invoice.invoiceId,
    period: invoice.period,
    currency: invoice.currency,
    status: invoice.status,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
    lines: plans.map(({ planId, product, tier, amountCents }) => ({ planId, product, tier: tier ?? '', amountCents })),
    creditLines: invoice.lines.filter(isCreditLine).map((line) => ({ creditNoteId: line.planId, amountCents: line.amountCents })),
    subtotalCents: chargedCents(invoice),
    totalCents: invoice.totalCents,
    tax: settings.taxRate ? { rate: taxRateLabel(settings.taxRate), cents: taxIncluded(invoice.totalCents, settings.taxRate) } : null,
    payments: invoice.paidAt === null ? [] : [{ at: invoice.paidAt, amountCents: paidCents(invoice), reference: invoice.gatewayReference }],
    credits: (invoice.credits ?? []).map(({ creditNoteId, at, amountCents, reason }) => ({ creditNoteId, at, amountCents, reason })),
    refunds: (invoice.refunds ?? []).map(({ refundId, at, amountCents, reason, status, gatewayReference }) => ({ refundId, at, amountCents, reason, status, reference: gatewayReference })),
    writtenOff: invoice.writtenOff && { at: invoice.writtenOff.at, amountCents: writtenOffCents(invoice), reason: invoice.writtenOff.reason },
    amountDueCents: amountDueCents(invoice),
  };
}

// ---- the monthly statement ------------------------------------------------------------------

export interface StatementTotals {
  invoicedCents: number;
  paidCents: number;
  creditedCents: number;
  refundedCents: number;
  writtenOffCents: number;
}

export interface MonthlyStatement {
  company: CompanyDetails;
  customer: Billee;
  month: string;
  currency: string;
  /** The statement's date: the month's last instant, or `asOf` for the month still running. */
  date: string;
  openingBalanceCents: number;
  /** The month's movements in date order, each with the balance after it. */
  entries: (LedgerEntry & { balanceCents: number })[];
  totals: StatementTotals;
  closingBalanceCents: number;
  /** The tax contained in the month's invoices (each rounded as its invoice shows it); null without a tax rate. */
  tax: { rate: string; cents: number } | null;
}

const TOTAL_OF: Record<EntryKind, keyof StatementTotals> = {
  invoice: 'invoicedCents',
  payment: 'paidCents',
  'credit-note': 'creditedCents',
  refund: 'refundedCents',
  'write-off': 'writtenOffCents',
};

/** The month's totals, each as a positive amount whatever its direction. */
export function totalsOf(entries: readonly LedgerEntry[]): StatementTotals {
  const totals: StatementTotals = { invoicedCents: 0, paidCents: 0, creditedCents: 0, refundedCents: 0, writtenOffCents: 0 };
  for (const entry of entries) totals[TOTAL_OF[entry.kind]] += Math.abs(entry.amountCents);
  return totals;
}

/** The balance a month's totals move: opening + invoiced − paid − credited + refunded − written off. */
export function closingBalance(openingCents: number, t: StatementTotals): number {
  return openingCents + t.invoicedCents - t.paidCents - t.creditedCents + t.refundedCents - t.writtenOffCents;
}

export function monthlyStatement(input: { invoices: readonly BilledInvoice[]; customer: Billee; month: string; asOf: string; settings: StatementSettings }): MonthlyStatement {
  const { start, end } = monthBounds(input.month);
  const ledger = ledgerOf(input.invoices.filter((i) => i.customerId === input.customer.customerId));
  const openingBalanceCents = sum(ledger.filter((e) => e.at < start).map((e) => e.amountCents));
  const during = ledger.filter((e) => e.at >= start && e.at < end);
  let balance = openingBalanceCents;
  const entries = during.map((e) => ({ ...e, balanceCents: (balance += e.amountCents) }));
  const totals = totalsOf(during);
  const { taxRate } = input.settings;
  const invoiced = input.invoices.filter((i) => i.customerId === input.customer.customerId && i.issuedAt >= start && i.issuedAt < end);
  return {
    company: input.settings.company,
    customer: input.customer,
    month: input.month,
    currency: input.invoices[0]?.currency ?? 'USD',
    date: input.asOf < end ? input.asOf : new Date(Date.parse(end) - 1).toISOString(),
    openingBalanceCents,
    entries,
    totals,
    closingBalanceCents: closingBalance(openingBalanceCents, totals),
    tax: taxRate ? { rate: taxRateLabel(taxRate), cents: sum(invoiced.map((i) => taxIncluded(i.totalCents, taxRate))) } : null,
  };
}
