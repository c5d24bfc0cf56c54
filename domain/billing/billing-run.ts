/**
 * The monthly billing run, as pure rules. A customer is billed in advance on their billing day:
 * the day of the month of their first plan purchase (28 at most, so every month has it). The
 * invoice of period 'YYYY-MM' covers [billing day of that month, billing day of the next), all
 * in UTC, and is issued on its first day:
 * - a plan active at the start of the period is billed the whole period;
 * - a plan bought during the previous period (after it was issued) is billed besides for the days
 *   from its purchase to this period's start, which no invoice covered (proration);
 * - a plan bought and cancelled within the previous period, never billed, is billed for the days
 *   it was active;
 * - a plan cancelled is not billed again; what was paid ahead for it stays paid (an admin can
 *   refund). Amounts are whole cents, rounded to the nearest cent per line.
 * Paying a period's invoice makes the customer paid until the next billing day.
 *
 * Customer credit (credit notes issued on paid invoices) is deducted by the next invoices as
 * credit lines, oldest credit first, never taking an invoice below zero; what one invoice cannot
 * take is carried on to the next. A credit line names its credit note, so what is left of each is
 * the credit note less the credit lines naming it: applied once, whatever runs again.
 */
import type { SupportPlan } from '../customer/customer';
import { CREDIT_PRODUCT, InvoiceLine, InvoiceState, invoiceTotal, isCreditLine } from './invoice';

/** Billing days run 1–28: every month has them. */
export const LAST_BILLING_DAY = 28;
const DAY_MS = 86_400_000;

export type BilledPlan = SupportPlan & { purchasedAt: string; cancelledAt: string | null };

export function billingDayOf(firstPurchase: string): number {
  return Math.min(new Date(firstPurchase).getUTCDate(), LAST_BILLING_DAY);
}

function monthIndex(period: string): number {
  const [year, month] = period.split('-').map(Number);
  return year! * 12 + (month! - 1);
}

function periodOfIndex(index: number): string {
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The first instant of a period's coverage: its month's billing day, 00:00 UTC. */
export function billingDate(period: string, billingDay: number): Date {
  const index = monthIndex(period);
  return new Date(Date.UTC(Math.floor(index / 12), index % 12, billingDay));
}

export function periodAfter(period: string): string {
  return periodOfIndex(monthIndex(period) + 1);
}

export function periodBefore(period: string): string {
  return periodOfIndex(monthIndex(period) - 1);
}

/** The billing period an instant falls in, for a customer's billing day. */
export function billingPeriodAt(instant: Date, billingDay: number): string {
  const month = periodOfIndex(instant.getUTCFullYear() * 12 + instant.getUTCMonth());
  return instant < billingDate(month, billingDay) ? periodBefore(month) : month;
}

/** What a period's invoice covers: [start, end). */
export function coverage(period: string, billingDay: number): { start: Date; end: Date } {
  return { start: billingDate(period, billingDay), end: billingDate(periodAfter(period), billingDay) };
}

/** The days (as a fraction) of [from, to) inside [start, end). */
function overlapMs(from: number, to: number, start: number, end: number): number {
  return Math.max(0, Math.min(to, end) - Math.max(from, start));
}

/**
 * When the plans on an invoice are counted: its period's start, except in the period billing
 * started in, where it is the first purchase (the first invoice is issued then).
 */
function cutoff(period: string, billingDay: number, billingSince: string): number {
  const start = billingDate(period, billingDay).getTime();
  const since = Date.parse(billingSince);
  return since > start && since < billingDate(periodAfter(period), billingDay).getTime() ? since : start;
}

/**
 * The lines of a period's invoice, by the rules above; empty when nothing is owed (no line is
 * ever zero or negative). `billingSince`: the customer's first plan purchase.
 */
export function invoiceLinesFor(plans: readonly BilledPlan[], period: string, billingDay: number, billingSince: string): InvoiceLine[] {
  const counted = cutoff(period, billingDay, billingSince);
  const start = billingDate(period, billingDay).getTime();
  const previous = coverage(periodBefore(period), billingDay);
  const previousCounted = cutoff(periodBefore(period), billingDay, billingSince);
  const previousMs = previous.end.getTime() - previous.start.getTime();
  const lines: InvoiceLine[] = [];
  for (const plan of plans) {
    const bought = Date.parse(plan.purchasedAt);
    const ended = plan.cancelledAt === null ? Infinity : Date.parse(plan.cancelledAt);
    let fraction = 0;
    // The whole period, ahead, for a plan active when the invoice counts.
    if (bought <= counted && ended > counted) fraction += 1;
    // Days of the previous period after its invoice counted, which no invoice covered yet.
    if (bought > previousCounted) fraction += overlapMs(bought, ended, previousCounted, start) / previousMs;
    const amountCents = Math.round(plan.monthlyPriceCents * fraction);
    if (amountCents > 0) lines.push({ planId: plan.planId, product: plan.product, tier: plan.tier, amountCents });
  }
  return lines.sort((a, b) => (a.planId < b.planId ? -1 : a.planId > b.planId ? 1 : 0));
}

/**
 * Grace days that make paying `period` cover the customer until their next billing day: the
 * invoice's paid-until is the first of the next month plus these days.
 */
export function graceDaysFor(billingDay: number): number {
  return billingDay - 1;
}

/** Invoices are due this many days after they are issued (the dunning retries run meanwhile). */
export const PAYMENT_TERMS_DAYS = 14;

export function dueAtFor(issuedAt: Date): string {
  return new Date(issuedAt.getTime() + PAYMENT_TERMS_DAYS * DAY_MS).toISOString();
}

/** The periods from `first` up to, not including, `until`, oldest first. */
export function periodsBefore(first: string, until: string): string[] {
  const periods: string[] = [];
  for (let index = monthIndex(first); index < monthIndex(until); index++) periods.push(periodOfIndex(index));
  return periods;
}

/** What is left of a credit note for the customer's next invoices. */
export interface CustomerCredit {
  creditNoteId: string;
  remainingCents: number;
}

/**
 * The customer credit not yet deducted, oldest first, from the customer's invoices before the
 * one being issued (in period order).
 */
export function customerCredits(earlier: readonly InvoiceState[]): CustomerCredit[] {
  const granted: CustomerCredit[] = [];
  const deducted = new Map<string, number>();
  for (const invoice of earlier) {
    if (invoice.status === 'unknown') continue;
    for (const credit of invoice.credits) if (credit.toCustomer) granted.push({ creditNoteId: credit.creditNoteId, remainingCents: credit.amountCents });
    for (const line of invoice.lines) if (isCreditLine(line)) deducted.set(line.planId, (deducted.get(line.planId) ?? 0) - line.amountCents);
  }
  return granted
    .map((credit) => ({ ...credit, remainingCents: credit.remainingCents - (deducted.get(credit.creditNoteId) ?? 0) }))
    .filter((credit) => credit.remainingCents > 0);
}

/** The plan lines with credit lines deducting as much of the credits as their total takes. */
export function withCreditLines(planLines: readonly InvoiceLine[], credits: readonly CustomerCredit[]): InvoiceLine[] {
  let owed = invoiceTotal(planLines);
  const creditLines: InvoiceLine[] = [];
  for (const credit of credits) {
    const taken = Math.min(owed, credit.remainingCents);
    if (taken <= 0) break;
    creditLines.push({ planId: credit.creditNoteId, product: CREDIT_PRODUCT, amountCents: -taken, kind: 'credit' });
    owed -= taken;
  }
  return [...planLines, ...creditLines];
}
