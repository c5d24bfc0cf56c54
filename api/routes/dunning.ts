/**
 * The helpdesk's view of customers in dunning: every invoice whose last charge failed and that is
 * neither paid nor written off, with its attempts, the last decline, the next automatic retry
 * (DUNNING_RETRY_DAYS) and whether the account is past due (no retry left).
 */
import { z } from 'zod';
import { CUSTOMERS, CustomerDoc } from '../../projections/customers/projection';
import { INVOICES, InvoiceDoc } from '../../projections/invoices/projection';
import { dunningCase, DunningCase } from '../../statements/dunning';
import { route, RouteTable } from '../http/route';
import { ApiServices } from '../services';
import { STAFF } from './roles';

const AnInstant = z.iso.datetime({ offset: true });

const DunningItemSchema = z.strictObject({
  invoiceId: z.string(),
  period: z.string().describe("The invoice's month, 'YYYY-MM'"),
  customer: z.strictObject({ customerId: z.string(), name: z.string(), email: z.string(), phone: z.string() }),
  amountDueCents: z.number().int(),
  currency: z.string(),
  dueAt: AnInstant,
  attempts: z.number().int().describe('Charge attempts made so far'),
  maxAttempts: z.number().int().describe('Attempts the dunning schedule makes in all'),
  lastFailure: z.strictObject({ attempt: z.number().int(), reason: z.string(), gatewayCode: z.string().nullable().describe("The gateway's decline code; null when it never answered"), failedAt: AnInstant }),
  nextRetryAt: AnInstant.nullable().describe('When the charge is tried again automatically; null after the last attempt'),
  pastDue: z.boolean().describe('The last attempt failed: the account stays unpaid until someone pays or writes the invoice off'),
});

const DunningListSchema = z.strictObject({
  items: z.array(DunningItemSchema).describe('This page, oldest invoice first'),
  total: z.number().int().describe('Invoices in dunning over all pages (with the filter)'),
});

type DunningItem = z.infer<typeof DunningItemSchema>;

/** An invoice in dunning as the list shows it, with who to call. */
function itemOf(entry: DunningCase, customer: CustomerDoc | undefined): DunningItem {
  const { customerId, ...rest } = entry;
  return { ...rest, customer: { customerId, name: customer?.name ?? customerId, email: customer?.email ?? '', phone: customer?.phone ?? '' } };
}

export const dunningRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/billing/dunning',
    summary: 'Customers in dunning: invoices whose last charge failed, not paid nor written off, with attempts, the last decline, the next retry and whether the account is past due (staff)',
    tag: 'Billing',
    roles: [...STAFF],
    query: z.object({
      pastDue: z.enum(['true', 'false']).optional().describe('true: only accounts past due (no retry left); false: only those still being retried'),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      skip: z.coerce.number().int().min(0).max(10_000).default(0),
    }),
    success: 200,
    operationId: 'listDunning',
    response: DunningListSchema,
    async handler({ query }, services: ApiServices) {
      const invoices = await services.readModels.collection<InvoiceDoc>(INVOICES);
      // Through the by_status index: open invoices only, of which those whose charge failed.
      const failed = await invoices.find({ status: 'open', charge: 'failed' }, { sort: { period: 1, customerId: 1 } });
      const cases = failed
        .map((doc) => dunningCase(doc, services.dunningRetryDays))
        .filter((c): c is DunningCase => c !== null)
        .filter((c) => query.pastDue === undefined || c.pastDue === (query.pastDue === 'true'));
      const page = cases.slice(query.skip, query.skip + query.limit);
      const ids = [...new Set(page.map((c) => c.customerId))];
      const customers = ids.length === 0 ? [] : await (await services.readModels.collection<CustomerDoc>(CUSTOMERS)).find({ _id: { $in: ids } });
      const byId = new Map(customers.map((c) => [c.customerId, c]));
      return { status: 200, body: { items: page.map((c) => itemOf(c, byId.get(c.customerId))), total: cases.length } satisfies z.infer<typeof DunningListSchema> };
    },
  }),
];
