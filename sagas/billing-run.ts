/**
 * The monthly billing run, a workflow of the payments saga driven by its durable deadlines: a
 * customer's first plan purchase issues their first invoice and schedules the next billing day;
 * each billing day issues that period's invoice (billing-run.ts decides the lines) and schedules
 * the one after. A deadline is kept once per (customer, period) and survives restarts, and the
 * invoice command's id derives from it, so a crash mid-run, a restart or two worker processes
 * never bill a period twice, and a billing day missed while nothing ran is billed late, not never.
 * Billing stops when a period owes nothing and no plan is active; a later purchase restarts it.
 *
 * Customer credit (credit notes on paid invoices) is deducted as credit lines: what is left of
 * each credit note is read from the customer's earlier invoices, whose credit lines name it, so
 * a billing day handled again deducts nothing twice (the period's invoice is issued once).
 */
import { customers } from '../commands/customer';
import { invoices } from '../commands/invoice';
import { billingDate, billingDayOf, billingPeriodAt, customerCredits, dueAtFor, invoiceLinesFor, periodAfter, periodsBefore, withCreditLines } from '../domain/billing/billing-run';
import { invoiceId, InvoiceState } from '../domain/billing/invoice';
import { CustomerEvent, CustomerState, expiresBefore } from '../domain/customer/customer';
import { EventStore, Position, START } from '../event-store/port';
import { SagaContext } from './process-manager';
import { DeadlineInput, EventInput, ignore, schedule, send, Workflow, WorkflowOutput } from './workflow';

export type BillingRunInput = EventInput<CustomerEvent, 'SupportPlanPurchased'> | DeadlineInput<'billing-day'>;

export interface BillingRunState {
  customer: CustomerState;
  /** Whether the customer's next billing day is already scheduled (billing runs). */
  scheduled: boolean;
  /** The customer's invoices before the period billed, oldest first (for their credit). */
  earlier: InvoiceState[];
}

/** The deadline key of a customer's billing day for a period. */
function billingKey(customerId: string, period: string): string {
  return `${customerId}:${period}`;
}

function bill(customer: Extract<CustomerState, { status: 'registered' }>, period: string, earlier: readonly InvoiceState[], now: Date): WorkflowOutput[] {
  const since = customer.billingSince!;
  const day = billingDayOf(since);
  const planLines = invoiceLinesFor(Object.values(customer.plans), period, day, since);
  const lines = planLines.length > 0 ? withCreditLines(planLines, customerCredits(earlier)) : [];
  const next = periodAfter(period);
  const outputs: WorkflowOutput[] = [];
  if (lines.length > 0) {
    // Refused only when someone issued this period by hand already: that invoice stands.
    outputs.push(send(invoices, 'issueInvoice', { customerId: customer.customerId, period, lines, currency: 'USD', dueAt: dueAtFor(now) }, `issue:${period}`, { onRefusal: 'go-on' }));
  }
  if (lines.length > 0 || Object.values(customer.plans).some((plan) => plan.active)) {
    const nextBillingDate = billingDate(next, day);
    outputs.push(schedule('billing-day', billingKey(customer.customerId, next), nextBillingDate, { customerId: customer.customerId, period: next }));
    // A card that will have expired by then is flagged now, a month ahead, so the customer can replace it in time.
    const card = customer.paymentMethod;
    const nextBillingOn = nextBillingDate.toISOString().slice(0, 10);
    if (card?.expiry && !card.expiringFlagged && expiresBefore(card.expiry, nextBillingOn)) {
      outputs.push(send(customers, 'flagExpiringCard', { customerId: customer.customerId, nextBillingOn }, `card-expiring:${next}`, { onRefusal: 'go-on' }));
    }
  } else outputs.push(ignore(`customer ${customer.customerId} owes nothing for ${period} and has no active plan: billing stops until the next purchase`));
  return outputs;
}

/** The customer's invoices of the periods since billing started, before `period`. */
async function invoicesBefore(ctx: SagaContext, customerId: string, billingSince: string, period: string): Promise<InvoiceState[]> {
  const first = billingPeriodAt(new Date(billingSince), billingDayOf(billingSince));
  return Promise.all(periodsBefore(first, period).map((earlier) => ctx.load(invoices, invoiceId(customerId, earlier))));
}

/**
 * The payments saga's first start on a system with history (it starts at the head): every
 * customer with an active plan by then is enrolled in the billing run from their next billing
 * day. Their months before are not billed at once; from that day on they are billed like anyone.
 * Idempotent: a billing day is scheduled once per customer and period.
 */
export async function enrollCustomers(head: Position, events: EventStore, ctx: SagaContext): Promise<void> {
  const buyers = new Set<string>();
  for (let from = START; from < head; ) {
    const page = await events.readAll({ fromPosition: from, maxCount: 5000, filter: { eventTypes: ['SupportPlanPurchased'] } });
    if (page.length === 0) break;
    for (const event of page) if (event.position <= head) buyers.add((event.data as { customerId: string }).customerId);
    from = page[page.length - 1]!.position;
  }
  for (const customerId of buyers) {
    const customer = await ctx.load(customers, customerId);
    if (customer.status !== 'registered' || !customer.billingSince || !Object.values(customer.plans).some((plan) => plan.active)) continue;
    const day = billingDayOf(customer.billingSince);
    const next = periodAfter(billingPeriodAt(ctx.now, day));
    await ctx.deadlines.schedule(ctx.saga, 'billing-day', billingKey(customerId, next), billingDate(next, day), { customerId, period: next }, ctx.now);
  }
  if (buyers.size > 0) ctx.logger?.info({ saga: ctx.saga, customers: buyers.size }, 'customers with plans bought before billing ran: billed from their next billing day');
}

export const billingRunWorkflow: Workflow<BillingRunInput, BillingRunState> = {
  name: 'billing-run',
  events: ['SupportPlanPurchased'],
  deadlines: ['billing-day'],
  async read(input, ctx) {
    const customer = await ctx.load(customers, input.data.customerId as string);
    if (customer.status !== 'registered' || !customer.billingSince) return { customer, scheduled: false, earlier: [] };
    const since = customer.billingSince;
    if (input.type === 'billing-day') {
      const { period } = input.data as { period: string };
      return { customer, scheduled: false, earlier: await invoicesBefore(ctx, customer.customerId, since, period) };
    }
    // Is a billing day ahead of this purchase already waiting? (Then the purchase is prorated there.)
    const period = billingPeriodAt(new Date(input.data.purchasedAt), billingDayOf(since));
    const next = await ctx.deadlines.get(ctx.saga, 'billing-day', billingKey(customer.customerId, periodAfter(period)));
    const scheduled = next !== null && next.status === 'pending';
    return { customer, scheduled, earlier: scheduled ? [] : await invoicesBefore(ctx, customer.customerId, since, period) };
  },
  decide(input, { customer, scheduled, earlier }, now) {
    if (customer.status !== 'registered' || !customer.billingSince) return [ignore(`customer ${String(input.data.customerId)} has no plan to bill`)];
    if (input.type === 'billing-day') return bill(customer, (input.data as { period: string }).period, earlier, now);
    if (scheduled) return [ignore('billing runs: the purchase is billed on the next billing day')];
    // The first purchase (or the first after billing stopped): bill the period it falls in now.
    return bill(customer, billingPeriodAt(new Date(input.data.purchasedAt), billingDayOf(customer.billingSince)), earlier, now);
  },
};
