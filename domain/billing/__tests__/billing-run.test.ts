import fc from 'fast-check';
import { BilledPlan, billingDate, billingDayOf, billingPeriodAt, coverage, customerCredits, invoiceLinesFor, periodAfter, withCreditLines } from '../billing-run';
import { invoiceDecider, InvoiceEvent, InvoiceLine, InvoiceState, invoiceTotal } from '../invoice';

const plan = (planId: string, purchasedAt: string, cancelledAt: string | null = null, monthlyPriceCents = 3100): BilledPlan => ({ planId, product: 'oven', tier: 'basic', monthlyPriceCents, purchasedAt, cancelledAt });

describe('billing run rules', () => {
  it('billing day: that of the first purchase, 28 at most; periods run from it to the next month’s', () => {
    expect(billingDayOf('2026-12-10T15:00:00.000Z')).toBe(10);
    expect(billingDayOf('2026-01-31T15:00:00.000Z')).toBe(28);
    expect(coverage('2026-12', 10)).toEqual({ start: new Date('2026-12-10T00:00:00.000Z'), end: new Date('2027-01-10T00:00:00.000Z') });
    expect(billingPeriodAt(new Date('2027-01-09T23:59:00.000Z'), 10)).toBe('2026-12');
    expect(billingPeriodAt(new Date('2027-01-10T00:00:00.000Z'), 10)).toBe('2027-01');
  });

  it('the first invoice bills the whole first period of the plans bought then', () => {
    const since = '2026-12-10T15:00:00.000Z';
    expect(invoiceLinesFor([plan('p1', since)], '2026-12', 10, since)).toEqual([{ planId: 'p1', product: 'oven', tier: 'basic', amountCents: 3100 }]);
  });

  it('a plan bought mid-period is prorated on the next invoice, besides its whole next period', () => {
    const since = '2026-12-10T15:00:00.000Z';
    // Bought on 2026-12-29 00:00: 12 of the period's 31 days were left.
    const lines = invoiceLinesFor([plan('p1', since), plan('p2', '2026-12-29T00:00:00.000Z')], '2027-01', 10, since);
    expect(lines).toEqual([
      { planId: 'p1', product: 'oven', tier: 'basic', amountCents: 3100 },
      { planId: 'p2', product: 'oven', tier: 'basic', amountCents: 3100 + 1200 },
    ]);
  });

  it('a plan bought and cancelled within a period is billed for its days; a cancelled plan is not billed again', () => {
    const since = '2026-12-10T15:00:00.000Z';
    const brief = plan('p2', '2026-12-20T00:00:00.000Z', '2026-12-30T00:00:00.000Z');
    const gone = plan('p1', since, '2026-12-15T00:00:00.000Z');
    expect(invoiceLinesFor([gone, brief], '2027-01', 10, since)).toEqual([{ planId: 'p2', product: 'oven', tier: 'basic', amountCents: 1000 }]);
    expect(invoiceLinesFor([gone, brief], '2027-02', 10, since)).toEqual([]);
  });

  it('property: over consecutive invoices a plan is billed each period from its purchase on, the first one prorated, to the cent per line; never before nor after it is active', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const arbPlan = fc.record({
      boughtDay: fc.integer({ min: 0, max: 200 }),
      boughtHour: fc.integer({ min: 0, max: 23 }),
      price: fc.integer({ min: 100, max: 20_000 }),
      cancelAfterDays: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.array(arbPlan, { minLength: 1, maxLength: 4 }), (firstDay, specs) => {
        const since = new Date(start + firstDay * 86_400_000 + 9 * 3_600_000).toISOString();
        const plans = specs.map((s, i) => {
          const bought = Math.max(Date.parse(since), start + s.boughtDay * 86_400_000 + s.boughtHour * 3_600_000);
          return plan(`p${i}`, new Date(bought).toISOString(), s.cancelAfterDays === null ? null : new Date(bought + s.cancelAfterDays * 86_400_000).toISOString(), s.price);
        });
        const day = billingDayOf(since);
        let period = billingPeriodAt(new Date(since), day);
        const billed = new Map<string, number>();
        for (let n = 0; n < 14; n++, period = periodAfter(period)) {
          for (const line of invoiceLinesFor(plans, period, day, since)) {
            expect(line.amountCents).toBeGreaterThan(0);
            billed.set(line.planId, (billed.get(line.planId) ?? 0) + line.amountCents);
          }
        }
        const end = billingDate(period, day).getTime(); // the start of the first period not invoiced
        for (const p of plans) {
          // What the plan owes up to `end`: whole periods it was active at the start (or bought at the first invoice) and the prorated first partial one.
          let owed = 0;
          let lines = 0;
          let q = billingPeriodAt(new Date(since), day);
          for (let n = 0; n < 14; n++, q = periodAfter(q)) {
            const { start: s, end: e } = coverage(q, day);
            const counted = q === billingPeriodAt(new Date(since), day) ? Date.parse(since) : s.getTime();
            const bought = Date.parse(p.purchasedAt);
            const ended = p.cancelledAt ? Date.parse(p.cancelledAt) : Infinity;
            let fraction = bought <= counted && ended > counted ? 1 : 0;
            if (bought > counted && bought < e.getTime() && e.getTime() < end) fraction += (Math.min(ended, e.getTime()) - bought) / (e.getTime() - s.getTime());
            owed += p.monthlyPriceCents * fraction;
            if (fraction > 0) lines++;
          }
          expect(Math.abs((billed.get(p.planId) ?? 0) - owed)).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('customer credit carried to the next invoices', () => {
  const oven: InvoiceLine = { planId: 'p1', product: 'oven', tier: 'basic', amountCents: 3100 };
  const fold = (...history: InvoiceEvent[]): InvoiceState => history.reduce(invoiceDecider.evolve, invoiceDecider.initialState());
  const ref = (period: string) => ({ invoiceId: `c1:${period}`, customerId: 'c1', period });
  const issued = (period: string, lines: InvoiceLine[]): InvoiceEvent => ({
    type: 'InvoiceIssued',
    data: { ...ref(period), lines, totalCents: invoiceTotal(lines), currency: 'USD', dueAt: `${period}-15T00:00:00.000Z`, issuedAt: `${period}-01T00:00:00.000Z` },
  });
  const paid = (period: string, amountCents: number): InvoiceEvent => ({
    type: 'InvoicePaid',
    data: { ...ref(period), amountCents, gatewayReference: 'ch', attempt: 1, paidAt: `${period}-01T00:01:00.000Z`, paidUntil: `${period}-28T00:00:00.000Z` },
  });
  const failed = (period: string): InvoiceEvent => ({ type: 'InvoiceChargeFailed', data: { ...ref(period), attempt: 1, reason: 'declined', gatewayCode: 'x', failedAt: `${period}-01T00:01:00.000Z` } });
  const credit = (period: string, creditNoteId: string, amountCents: number): InvoiceEvent => ({
    type: 'CreditNoteIssued',
    data: { ...ref(period), creditNoteId, amountCents, reason: 'late', issuedBy: 'a1', issuedAt: `${period}-05T00:00:00.000Z` },
  });

  it('a credit note on a paid invoice is deducted by the next invoice as a credit line', () => {
    const credits = customerCredits([fold(issued('2026-01', [oven]), paid('2026-01', 3100), credit('2026-01', 'cn1', 1000))]);
    expect(credits).toEqual([{ creditNoteId: 'cn1', remainingCents: 1000 }]);
    expect(withCreditLines([oven], credits)).toEqual([oven, { planId: 'cn1', product: 'credit', amountCents: -1000, kind: 'credit' }]);
  });

  it('a credit note on an open invoice lowered what it owed: nothing is carried', () =>
    expect(customerCredits([fold(issued('2026-01', [oven]), failed('2026-01'), credit('2026-01', 'cn1', 1000))])).toEqual([]));

  it('never below zero: the rest is carried on to the invoice after', () => {
    const january = fold(issued('2026-01', [oven]), paid('2026-01', 3100), credit('2026-01', 'cn1', 3100), credit('2026-01', 'cn2', 2000));
    const februaryLines = withCreditLines([{ ...oven, amountCents: 4000 }], customerCredits([january]));
    expect(februaryLines.slice(1)).toEqual([
      { planId: 'cn1', product: 'credit', amountCents: -3100, kind: 'credit' },
      { planId: 'cn2', product: 'credit', amountCents: -900, kind: 'credit' },
    ]);
    expect(invoiceTotal(februaryLines)).toBe(0);
    const february = fold(issued('2026-02', februaryLines));
    expect(customerCredits([january, february])).toEqual([{ creditNoteId: 'cn2', remainingCents: 1100 }]);
  });

  it('over any months of invoices and credit notes, each credit note is deducted at most once in all, and no invoice goes below zero', () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ planCents: fc.integer({ min: 1, max: 5000 }), creditCents: fc.array(fc.integer({ min: 1, max: 6000 }), { maxLength: 3 }), pays: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (months) => {
          const invoices: InvoiceState[] = [];
          let granted = 0;
          months.forEach((month, i) => {
            const period = `2026-${String(i + 1).padStart(2, '0')}`;
            const lines = withCreditLines([{ ...oven, amountCents: month.planCents }], customerCredits(invoices));
            const total = invoiceTotal(lines);
            expect(total).toBeGreaterThanOrEqual(0);
            let state = fold(issued(period, lines), ...(month.pays ? [paid(period, total)] : [failed(period)]));
            month.creditCents.forEach((cents, k) => {
              // Credits stay within the invoice's total, as the decider enforces.
              const room = state.status === 'unknown' ? 0 : state.totalCents - state.credits.reduce((sum, c) => sum + c.amountCents, 0);
              if (cents > room) return;
              state = invoiceDecider.evolve(state, credit(period, `cn${i}-${k}`, cents));
              if (month.pays) granted += cents;
            });
            invoices.push(state);
          });
          const deducted = invoices.flatMap((s) => (s.status === 'unknown' ? [] : s.lines.filter((l) => l.kind === 'credit'))).reduce((sum, l) => sum - l.amountCents, 0);
          const left = customerCredits(invoices).reduce((sum, c) => sum + c.remainingCents, 0);
          expect(deducted + left).toBe(granted);
        },
      ),
    ));
});
