/**
 * The helpdesk's view of an invoice in dunning: its last charge failed and it is neither paid nor
 * written off. The next retry follows the payments saga's schedule (DUNNING_RETRY_DAYS: days after
 * each failed attempt); once the last attempt has failed there is none, and the account is past
 * due until someone pays or writes the invoice off.
 */

export interface FailedCharge {
  attempt: number;
  reason: string;
  gatewayCode: string | null;
  failedAt: string;
}

/** What the view reads of an invoices read model document. */
export interface ChargedInvoice {
  invoiceId: string;
  customerId: string;
  period: string;
  totalCents: number;
  currency: string;
  dueAt: string;
  status: 'open' | 'paid' | 'written-off';
  charge: string;
  attempts: number;
  failures: FailedCharge[];
  amountDueCents?: number;
}

export interface DunningCase {
  invoiceId: string;
  customerId: string;
  period: string;
  amountDueCents: number;
  currency: string;
  dueAt: string;
  attempts: number;
  maxAttempts: number;
  lastFailure: FailedCharge;
  /** When the payments saga tries again; null after the last attempt. */
  nextRetryAt: string | null;
  /** The last attempt failed: nothing will be tried again. */
  pastDue: boolean;
}

const DAY_MS = 86_400_000;

export function inDunning(invoice: ChargedInvoice): boolean {
  return invoice.status === 'open' && invoice.charge === 'failed' && invoice.failures.length > 0;
}

/** The invoice's dunning state, or null when it is not in dunning. */
export function dunningCase(invoice: ChargedInvoice, retryDays: readonly number[]): DunningCase | null {
  if (!inDunning(invoice)) return null;
  const lastFailure = invoice.failures.reduce((last, f) => (f.attempt > last.attempt ? f : last));
  // As the dunning workflow: after attempt n failed, the next comes retryDays[n - 1] days later.
  const days = retryDays[lastFailure.attempt - 1];
  const nextRetryAt = days === undefined ? null : new Date(Date.parse(lastFailure.failedAt) + days * DAY_MS).toISOString();
  return {
    invoiceId: invoice.invoiceId,
    customerId: invoice.customerId,
    period: invoice.period,
    amountDueCents: invoice.amountDueCents ?? invoice.totalCents,
    currency: invoice.currency,
    dueAt: invoice.dueAt,
    attempts: invoice.attempts,
    maxAttempts: retryDays.length + 1,
    lastFailure,
    nextRetryAt,
    pastDue: nextRetryAt === null,
  };
}
