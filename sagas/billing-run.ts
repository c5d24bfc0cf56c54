/**
 * The monthly billing run, a workflow of the payments saga driven by its durable deadlines: a
 * customer's first plan purchase issues their first invoice and schedules the next billing day;
 * each billing day issues that period's invoice (billing-run.ts decides the lines) and schedules
 * the one after. A deadline is kept once per (customer, period) and survives restarts, and the
 * invoice command's id derives from it, so a crash mid-run, a restart or two worker processes
 * never bill a period twice, and a billing day missed while nothing ran is billed late, not never.
 * Billing stops when a period owes nothing and no plan is active; a later purchase restarts it.
 */
import { customers } from '../commands/customer';
import { invoices } from '../commands/invoice';
import { billingDate, billingDayOf, billingPeriodAt, dueAtFor, invoiceLinesFor, periodAfter } from '../domain/billing/billing-run';
import { CustomerEvent, CustomerState } from '../domain/customer/customer';
import { DeadlineInput, EventInput, ignore, schedule, send, Workflow, WorkflowOutput } from './workflow';

export type BillingRunInput = EventInput<CustomerEvent, 'SupportPlanPurchased'> | DeadlineInput<'billing-day'>;

export interface BillingRunState {
  customer: CustomerState;
  /** Whether the customer's next billing day is already scheduled (billing runs). */
  scheduled: boolean;
}

/** The deadline key of a customer's billing day for a period. */
function billingKey(customerId: string, period: string): string {
  return `${customerId}:${period}`;
}

function bill(customer: Extract<CustomerState, { status: 'registered' }>, period: string, now: Date): WorkflowOutput[] {
  const since = customer.billingSince!;
  const day = billingDayOf(since);
  const lines = invoiceLinesFor(Object.values(customer.plans), period, day, since);
  const next = periodAfter(period);
  const outputs: WorkflowOutput[] = [];
  if (lines.length > 0) {
    // Refused only when someone issued this period by hand already: that invoice stands.
    outputs.push(send(invoices, 'issueInvoice', { customerId: customer.customerId, period, lines, currency: 'USD', dueAt: dueAtFor(now) }, `issue:${period}`, { onRefusal: 'go-on' }));
  }
  if (lines.length > 0 || Object.values(customer.plans).some((plan) => plan.active)) {
    outputs.push(schedule('billing-day', billingKey(customer.customerId, next), billingDate(next, day), { customerId: customer.customerId, period: next }));
  } else outputs.push(ignore(`customer ${customer.customerId} owes nothing for ${period} and has no active plan: billing stops until the next purchase`));
  return outputs;
}

export const billingRunWorkflow: Workflow<BillingRunInput, BillingRunState> = {
  name: 'billing-run',
  events: ['SupportPlanPurchased'],
  deadlines: ['billing-day'],
  async read(input, ctx) {
    const customer = await ctx.load(customers, input.data.customerId as string);
    if (input.type !== 'SupportPlanPurchased' || customer.status !== 'registered' || !customer.billingSince) return { customer, scheduled: false };
    // Is a billing day ahead of this purchase already waiting? (Then the purchase is prorated there.)
    const period = billingPeriodAt(new Date(input.data.purchasedAt), billingDayOf(customer.billingSince));
    const next = await ctx.deadlines.get(ctx.saga, 'billing-day', billingKey(customer.customerId, periodAfter(period)));
    return { customer, scheduled: next !== null && next.status === 'pending' };
  },
  decide(input, { customer, scheduled }, now) {
    if (customer.status !== 'registered' || !customer.billingSince) return [ignore(`customer ${String(input.data.customerId)} has no plan to bill`)];
    if (input.type === 'billing-day') return bill(customer, (input.data as { period: string }).period, now);
    if (scheduled) return [ignore('billing runs: the purchase is billed on the next billing day')];
    // The first purchase (or the first after billing stopped): bill the period it falls in now.
    return bill(customer, billingPeriodAt(new Date(input.data.purchasedAt), billingDayOf(customer.billingSince)), now);
  },
};
