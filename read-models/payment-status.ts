import { ms } from '../domain/shared/time';
import { PaymentStatus } from '../domain/ticket/ticket';
import { PAID_CUSTOMERS, PaidCustomerDoc } from '../projections/paid-customers/projection';
import { ReadModelSource } from './read-models';

export type { PaymentStatus } from '../domain/ticket/ticket';

/** Is the customer's subscription paid at `at`, as far as the ticket side knows? */
export interface PaymentStatusLookup {
  statusOf(customerId: string, at: Date): Promise<PaymentStatus>;
}

/**
 * The paid-customers cache (`paid_customers` read model): paid when paid until `at` or later,
 * unpaid when the paid-until date has passed, unknown when billing never reported the customer.
 */
export class PaidCustomersCache implements PaymentStatusLookup {
  constructor(private readonly readModels: ReadModelSource) {}

  async statusOf(customerId: string, at: Date): Promise<PaymentStatus> {
    const doc = await (await this.readModels.collection<PaidCustomerDoc>(PAID_CUSTOMERS)).findOne({ _id: customerId });
    if (!doc) return 'unknown';
    return ms(doc.paidUntil) >= at.getTime() ? 'paid' : 'unpaid';
  }
}

export type LookupOutcome = 'answered' | 'failed' | 'timed-out';

/**
 * Asks `lookup`, but never for longer than `timeoutMs` and never with an error: when the payment
 * side is down (the lookup throws) or slow (it does not answer in time) the status is `unknown`.
 */
export async function lookupPaymentStatus(
  lookup: PaymentStatusLookup,
  customerId: string,
  at: Date,
  timeoutMs: number,
): Promise<{ status: PaymentStatus; outcome: LookupOutcome; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ status: PaymentStatus; outcome: LookupOutcome }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'unknown', outcome: 'timed-out' }), timeoutMs);
    timer.unref();
  });
  const answer = (async () => {
    try {
      return { status: await lookup.statusOf(customerId, at), outcome: 'answered' as const };
    } catch (error) {
      return { status: 'unknown' as const, outcome: 'failed' as const, error };
    }
  })();
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
