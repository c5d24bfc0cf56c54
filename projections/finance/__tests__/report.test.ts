import fc from 'fast-check';
import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { Document } from '../../../document-store/port';
import { DomainError } from '../../../domain/decider';
import { InvoiceCommand, InvoiceEvent, invoiceDecider, InvoiceState } from '../../../domain/billing/invoice';
import { NewEvent, RecordedEvent } from '../../../event-store/port';
import { InMemoryEventStore } from '../../../event-store/memory';
import { applyBatch } from '../../apply';
import { INVOICES, InvoiceDoc, invoicesProjection } from '../../invoices/projection';
import { Projection } from '../../projection';
import { physicalName, ProjectionRegistry, Target } from '../../registry';
import { financeProjection, monthOf } from '../projection';
import { addMonths, agingBucketOf, aging, daysPastDue, financeFigures, monthsFrom, readFinanceFigures } from '../report';

const meta = (at: string) => ({ correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'system' }, timestamp: at });

async function project(documents: EmbeddedDocumentStore, projection: Projection, history: RecordedEvent[]): Promise<Target> {
  const target: Target = { name: projection.name, version: projection.version, suffix: 'test' };
  await new ProjectionRegistry(documents).ensureCheckpoint(target, 'live');
  await applyBatch(documents, projection, target, history);
  return target;
}

const collectionOf = (documents: EmbeddedDocumentStore) => async <T extends Document>(logical: string) => documents.collection<T>(physicalName(logical, 'test'));

describe('finance figures', () => {
  it('takes credit notes and refunds paid out off the revenue of their month, and refunds off the cash', () => {
    const months = [
      { _id: '2026-03', month: '2026-03', invoices: 2, billedCents: 5000, payments: 2, cashCents: 5000 },
      { _id: '2026-04', month: '2026-04', creditNotes: 1, creditNotesCents: 300, refunds: 1, refundsCents: 700 },
    ];
    const figures = financeFigures({ months, planMonths: [], openInvoices: [] }, { from: '2026-03', to: '2026-04' }, new Date('2026-05-01T00:00:00.000Z'));
    expect(figures.months.map((m) => [m.month, m.revenueCents, m.netCashCents])).toEqual([
      ['2026-03', 5000, 5000],
      ['2026-04', -1000, -700],
    ]);
  });

  it('ages what open invoices still owe by whole UTC days past due', () => {
    const at = new Date('2026-06-15T10:00:00.000Z');
    expect(daysPastDue('2026-06-15T23:00:00.000Z', at)).toBe(0);
    expect(daysPastDue('2026-06-14T23:59:59.000Z', at)).toBe(1);
    expect(daysPastDue('2026-06-20T00:00:00.000Z', at)).toBe(-5);
    expect([0, -3, 1, 30, 31, 60, 61, 90, 91, 400].map(agingBucketOf)).toEqual(['current', 'current', '1-30', '1-30', '31-60', '31-60', '61-90', '61-90', '90+', '90+']);
    const open = (dueAt: string, outstandingCents: number, status: 'open' | 'paid' = 'open') => ({ dueAt, outstandingCents, status });
    expect(aging([open('2026-06-20T00:00:00Z', 100), open('2026-06-01T00:00:00Z', 200), open('2026-03-01T00:00:00Z', 400), open('2026-03-01T00:00:00Z', 800, 'paid'), open('2026-03-01T00:00:00Z', 0)], at)).toEqual({
      at: '2026-06-15T10:00:00.000Z',
      outstandingCents: 700,
      overdueCents: 600,
      invoices: 3,
      buckets: [
        { bucket: 'current', invoices: 1, amountCents: 100 },
        { bucket: '1-30', invoices: 1, amountCents: 200 },
        { bucket: '31-60', invoices: 0, amountCents: 0 },
        { bucket: '61-90', invoices: 0, amountCents: 0 },
        { bucket: '90+', invoices: 1, amountCents: 400 },
      ],
    });
  });

  it('counts months across years', () => {
    expect(monthsFrom('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsFrom('2026-02', '2026-01')).toEqual([]);
    expect([addMonths('2026-01', -1), addMonths('2026-01', 11), addMonths('2026-12', 1), addMonths('2026-03', -15)]).toEqual(['2025-12', '2026-12', '2027-01', '2024-12']);
  });

  it('starts a range with the MRR and the subscriptions of the months before it, and carries them through months without facts', () => {
    const figures = financeFigures(
      {
        months: [
          { _id: '2026-01', month: '2026-01', mrrChangeCents: 1000, mrrNewCents: 1000 },
          { _id: '2026-03', month: '2026-03', mrrChangeCents: -400, mrrContractionCents: 400, cashCents: 50 },
          { _id: '2026-05', month: '2026-05', mrrChangeCents: 5000, cashCents: 70 },
        ],
        planMonths: [
          { _id: '2026-01|basic|oven', month: '2026-01', tier: 'basic', product: 'oven', purchased: 2, mrrChangeCents: 1000 },
          { _id: '2026-03|basic|oven', month: '2026-03', tier: 'basic', product: 'oven', cancelled: 1, mrrChangeCents: -400 },
        ],
        openInvoices: [],
      },
      { from: '2026-02', to: '2026-04' },
      new Date('2026-04-30T00:00:00.000Z'),
    );
    expect(figures.months.map((m) => [m.month, m.mrr.startCents, m.mrr.endCents, m.subscriptions.basic, m.cashCents])).toEqual([
      ['2026-02', 1000, 1000, 2, 0],
      ['2026-03', 1000, 600, 1, 50],
      ['2026-04', 600, 600, 1, 0],
    ]);
    expect(figures.mrr).toEqual({ startCents: 1000, endCents: 600, newCents: 0, expansionCents: 0, contractionCents: 400, churnCents: 0 });
    expect(figures.totals.cashCents).toBe(50);
    expect(figures.subscriptions).toEqual([{ tier: 'basic', product: 'oven', active: 1, mrrCents: 600 }]);
  });

  it('property: the figures agree to the cent with the invoices read model over random invoice histories', async () => {
    const step = fc.record({
      invoice: fc.record({ customer: fc.constantFrom('c1', 'c2', 'c3'), period: fc.constantFrom('2026-01', '2026-02', '2026-03') }),
      action: fc.constantFrom('issue', 'fail', 'succeed', 'retry', 'writeOff'),
      lines: fc.array(fc.integer({ min: 1, max: 99_999 }), { minLength: 1, maxLength: 3 }),
      dueInDays: fc.integer({ min: -10, max: 40 }),
      hours: fc.integer({ min: 0, max: 24 * 30 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 24 * 200 }), async (steps, laterHours) => {
        const events = new InMemoryEventStore();
        const states = new Map<string, InvoiceState>();
        let time = Date.parse('2026-01-01T00:00:00.000Z');
        for (const [i, s] of steps.entries()) {
          time += s.hours * 3_600_000;
          const now = new Date(time);
          const id = `${s.invoice.customer}:${s.invoice.period}`;
          const state = states.get(id) ?? invoiceDecider.initialState();
          const address = { customerId: s.invoice.customer, period: s.invoice.period };
          const metadata = { commandId: `cmd-${i}`, now, actor: { userId: 'u', role: s.action === 'writeOff' ? ('manager' as const) : ('system' as const) } };
          const command = (
            s.action === 'issue'
              ? { type: 'issueInvoice', data: { ...address, currency: 'USD', dueAt: new Date(time + s.dueInDays * 86_400_000).toISOString(), lines: s.lines.map((amountCents, k) => ({ planId: `p${k}`, product: `product-${k}`, tier: 'basic', amountCents })) } }
              : s.action === 'fail'
                ? { type: 'recordChargeAttempt', data: { ...address, outcome: { kind: 'chargeFailed', reason: 'declined', gatewayCode: 'card_declined' } } }
                : s.action === 'succeed'
                  ? { type: 'recordChargeAttempt', data: { ...address, outcome: { kind: 'chargeSucceeded', gatewayReference: `ch-${i}`, amountCents: state.status === 'unknown' ? 1 : state.totalCents } } }
                  : s.action === 'retry'
                    ? { type: 'retryCharge', data: address }
                    : { type: 'writeOffInvoice', data: { ...address, reason: 'gone' } }
          ) as Omit<InvoiceCommand, 'metadata'>;
          let decided: InvoiceEvent[];
          try {
            decided = invoiceDecider.decide({ ...command, metadata } as InvoiceCommand, state);
          } catch (error) {
            if (error instanceof DomainError) continue;
            throw error;
          }
          states.set(id, decided.reduce(invoiceDecider.evolve, state));
          await events.appendToStream(`invoice-${id}`, decided.map((e): NewEvent => ({ type: e.type, data: e.data, metadata: meta(now.toISOString()) })));
        }
        const history = await events.readAll();
        const documents = new EmbeddedDocumentStore({ path: ':memory:' });
        await project(documents, invoicesProjection, history);
        await project(documents, financeProjection, history);
        const invoices = await documents.collection<InvoiceDoc>(physicalName(INVOICES, 'test')).find({});
        const at = new Date(time + laterHours * 3_600_000);
        // Through the last period billed or the month of `at`, whichever is later: every figure falls in it.
        const range = { from: '2025-12', to: [monthOf(at.toISOString()), '2026-03'].sort()[1]! };
        const figures = await readFinanceFigures(collectionOf(documents), range, at);
        const sumOf = (docs: InvoiceDoc[]) => docs.reduce((s, d) => s + d.totalCents, 0);

        for (const m of figures.months) {
          expect([m.month, m.invoices, m.revenueCents]).toEqual([m.month, invoices.filter((d) => d.period === m.month).length, sumOf(invoices.filter((d) => d.period === m.month))]);
          expect([m.month, m.payments, m.cashCents]).toEqual([m.month, invoices.filter((d) => d.paidAt && monthOf(d.paidAt) === m.month).length, sumOf(invoices.filter((d) => d.paidAt && monthOf(d.paidAt) === m.month))]);
          expect([m.month, m.writeOffsCents]).toEqual([m.month, sumOf(invoices.filter((d) => d.writtenOff && monthOf(d.writtenOff.at) === m.month))]);
          expect([m.month, m.failedCharges]).toEqual([m.month, invoices.flatMap((d) => d.failures).filter((f) => monthOf(f.failedAt) === m.month).length]);
        }
        const everFailed = invoices.filter((d) => d.failures.length > 0);
        expect(figures.totals.dunning).toMatchObject({
          failed: everFailed.length,
          recovered: everFailed.filter((d) => d.status === 'paid').length,
          writtenOff: everFailed.filter((d) => d.status === 'written-off').length,
          inDunning: everFailed.filter((d) => d.status === 'open').length,
        });
        expect(figures.totals.revenueCents).toBe(sumOf(invoices));
        const open = invoices.filter((d) => d.status === 'open');
        expect(figures.aging.outstandingCents).toBe(sumOf(open));
        expect(figures.aging.invoices).toBe(open.length);
        for (const b of figures.aging.buckets) {
          expect([b.bucket, b.amountCents]).toEqual([b.bucket, sumOf(open.filter((d) => agingBucketOf(daysPastDue(d.dueAt, at)) === b.bucket))]);
        }
        await documents.close();
      }),
      { numRuns: 80 },
    );
  });

  it('property: MRR at each month end is what the active plans cost then, and its movement adds up per customer', async () => {
    const step = fc.record({ customer: fc.constantFrom('c1', 'c2', 'c3'), buy: fc.boolean(), tier: fc.constantFrom('basic' as const, 'standard' as const, 'premium' as const), cents: fc.integer({ min: 1, max: 9999 }), hours: fc.integer({ min: 0, max: 24 * 25 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const events = new InMemoryEventStore();
        /** The model: each customer's plans, with when they started and ended. */
        const plans: { customer: string; planId: string; tier: string; cents: number; from: string; to: string | null }[] = [];
        let time = Date.parse('2026-01-01T00:00:00.000Z');
        for (const [i, s] of steps.entries()) {
          time += s.hours * 3_600_000;
          const at = new Date(time).toISOString();
          const active = plans.filter((p) => p.customer === s.customer && p.to === null);
          if (s.buy || active.length === 0) {
            const plan = { planId: `plan-${i}`, product: `product-${i % 4}`, tier: s.tier, monthlyPriceCents: s.cents };
            plans.push({ customer: s.customer, planId: plan.planId, tier: s.tier, cents: s.cents, from: at, to: null });
            await events.appendToStream(`customer-${s.customer}`, [{ type: 'SupportPlanPurchased', data: { customerId: s.customer, plan, purchasedAt: at }, metadata: meta(at) }]);
          } else {
            const ending = active[i % active.length]!;
            ending.to = at;
            await events.appendToStream(`customer-${s.customer}`, [{ type: 'SupportPlanCancelled', data: { customerId: s.customer, planId: ending.planId, cancelledAt: at }, metadata: meta(at) }]);
          }
        }
        const documents = new EmbeddedDocumentStore({ path: ':memory:' });
        await project(documents, financeProjection, await events.readAll());
        const last = monthOf(new Date(time).toISOString());
        const figures = await readFinanceFigures(collectionOf(documents), { from: '2026-01', to: last }, new Date(time));
        const endOf = (month: string) => new Date(Date.parse(`${addMonths(month, 1)}-01T00:00:00.000Z`) - 1).toISOString();
        const mrrAt = (customer: string | null, iso: string) => plans.filter((p) => (customer === null || p.customer === customer) && p.from <= iso && (p.to === null || p.to > iso)).reduce((s, p) => s + p.cents, 0);
        for (const m of figures.months) {
          const start = new Date(Date.parse(`${m.month}-01T00:00:00.000Z`) - 1).toISOString();
          const end = endOf(m.month);
          const moved = { newCents: 0, expansionCents: 0, contractionCents: 0, churnCents: 0 };
          for (const c of ['c1', 'c2', 'c3']) {
            const s = mrrAt(c, start);
            const e = mrrAt(c, end);
            if (s === 0 && e > 0) moved.newCents += e;
            else if (s > 0 && e === 0) moved.churnCents += s;
            else if (e > s) moved.expansionCents += e - s;
            else moved.contractionCents += s - e;
          }
          expect({ month: m.month, ...m.mrr }).toEqual({ month: m.month, startCents: mrrAt(null, start), endCents: mrrAt(null, end), ...moved });
          expect(m.subscriptions.total).toBe(plans.filter((p) => p.from <= end && (p.to === null || p.to > end)).length);
        }
        expect(figures.subscriptions.reduce((s, p) => s + p.mrrCents, 0)).toBe(mrrAt(null, endOf(last)));
        await documents.close();
      }),
      { numRuns: 80 },
    );
  });
});
