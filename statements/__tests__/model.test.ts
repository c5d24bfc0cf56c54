import fc from 'fast-check';
import { activeMonths, BilledInvoice, Billee, invoiceDocument, monthBounds, monthlyStatement, StatementSettings } from '../model';
import { taxIncluded, taxRateLabel, taxRateOf } from '../tax';
import { formatMoney } from '../format';

const customer: Billee = { customerId: 'cust-1', name: 'Casey Customer', email: 'casey@example.com', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US' } };
const company = { name: 'Penultimate Electronics', address: ['1 Commerce Way', 'Springfield, MA 01103'], email: 'billing@example.com' };
const untaxed: StatementSettings = { company, taxRate: null };

/** An invoice as the read model holds it before credits and refunds existed. */
function invoice(period: string, overrides: Partial<BilledInvoice> = {}): BilledInvoice {
  return {
    invoiceId: `cust-1:${period}`,
    customerId: 'cust-1',
    period,
    lines: [
      { planId: 'p1', product: 'washer', tier: 'standard', amountCents: 1999 },
      { planId: 'p2', product: 'range-hood', tier: 'basic', amountCents: 999 },
    ],
    totalCents: 2998,
    currency: 'USD',
    dueAt: `${period}-05T00:00:00.000Z`,
    issuedAt: `${period}-01T06:00:00.000Z`,
    status: 'open',
    paidAt: null,
    gatewayReference: null,
    writtenOff: null,
    ...overrides,
  };
}

describe('tax contained in tax-inclusive prices', () => {
  it('is amount × rate / (100 % + rate), rounded half up to the cent, in integers', () => {
    expect(taxIncluded(12000, taxRateOf(20))).toBe(2000);
    expect(taxIncluded(2998, taxRateOf(8.25))).toBe(228); // 228.49
    expect(taxIncluded(1999, taxRateOf(10))).toBe(182); // 181.727
    expect(taxIncluded(21, taxRateOf(5))).toBe(1); // exactly 1.0
    expect(taxIncluded(-1999, taxRateOf(10))).toBe(-182);
    expect(taxIncluded(0, taxRateOf(8.25))).toBe(0);
    expect(taxRateLabel(taxRateOf(8.25))).toBe('8.25%');
    expect(taxRateLabel(taxRateOf(8.5))).toBe('8.5%');
    expect(taxRateLabel(taxRateOf(20))).toBe('20%');
  });

  it('property: the tax is an integer no larger than the amount, and the net plus tax is the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, basisPoints) => {
        const tax = taxIncluded(amount, { basisPoints });
        expect(Number.isInteger(tax)).toBe(true);
        expect(tax).toBeGreaterThanOrEqual(0);
        expect(tax).toBeLessThanOrEqual(amount);
        // Within half a cent of the exact figure.
        expect(Math.abs(tax * (10_000 + basisPoints) - amount * basisPoints)).toBeLessThanOrEqual((10_000 + basisPoints) / 2);
      }),
    );
  });
});

describe('money on the documents', () => {
  it('formats integer cents without floating point', () => {
    expect(formatMoney(123456789)).toBe('$1,234,567.89');
    expect(formatMoney(5)).toBe('$0.05');
    expect(formatMoney(-1999)).toBe('-$19.99');
  });
});

describe('the invoice document', () => {
  it('an invoice without credits or refunds: plan lines, total, no tax lines, the amount still due', () => {
    const doc = invoiceDocument(invoice('2026-03'), customer, untaxed);
    expect(doc).toMatchObject({ subtotalCents: 2998, totalCents: 2998, tax: null, payments: [], credits: [], refunds: [], creditLines: [], writtenOff: null, amountDueCents: 2998 });
    expect(doc.lines.map((l) => l.planId)).toEqual(['p1', 'p2']);
  });

  it('a paid invoice with the tax it contains', () => {
    const paid = invoice('2026-03', { status: 'paid', paidAt: '2026-03-01T06:00:05.000Z', gatewayReference: 'ch_1' });
    const doc = invoiceDocument(paid, customer, { company, taxRate: taxRateOf(8.25) });
    expect(doc.tax).toEqual({ rate: '8.25%', cents: 228 });
    expect(doc.payments).toEqual([{ at: '2026-03-01T06:00:05.000Z', amountCents: 2998, reference: 'ch_1' }]);
    expect(doc.amountDueCents).toBe(0);
  });

  it('credits and refunds when the read model has them: the charge took the credit off, the next invoice applies a credit line', () => {
    const paid = invoice('2026-03', {
      status: 'paid',
      paidAt: '2026-03-03T00:00:00.000Z',
      gatewayReference: 'ch_1',
      credits: [
        { creditNoteId: 'cn-1', amountCents: 500, reason: 'late visit', by: 'admin-1', at: '2026-03-02T00:00:00.000Z' },
        { creditNoteId: 'cn-2', amountCents: 300, reason: 'goodwill', by: 'admin-1', at: '2026-03-10T00:00:00.000Z' },
      ],
      refunds: [{ refundId: 'rf-1', amountCents: 200, reason: 'double visit fee', status: 'refunded', gatewayReference: 're_1', at: '2026-03-11T00:00:00.000Z' }],
      amountDueCents: 0,
    });
    const doc = invoiceDocument(paid, customer, untaxed);
    expect(doc.payments).toEqual([{ at: '2026-03-03T00:00:00.000Z', amountCents: 2498, reference: 'ch_1' }]);
    expect(doc.credits.map((c) => c.amountCents)).toEqual([500, 300]);
    expect(doc.refunds).toEqual([{ refundId: 'rf-1', at: '2026-03-11T00:00:00.000Z', amountCents: 200, reason: 'double visit fee', status: 'refunded', reference: 're_1' }]);

    const next = invoice('2026-04', { lines: [...invoice('2026-04').lines, { planId: 'cn-2', product: 'credit', tier: 'basic', amountCents: -300 }], totalCents: 2698 });
    const nextDoc = invoiceDocument(next, customer, untaxed);
    expect(nextDoc).toMatchObject({ subtotalCents: 2998, creditLines: [{ creditNoteId: 'cn-2', amountCents: -300 }], totalCents: 2698, amountDueCents: 2698 });
    expect(nextDoc.lines).toHaveLength(2);
  });
});

describe('the monthly statement', () => {
  const history = [
    invoice('2026-01', { status: 'paid', paidAt: '2026-01-01T06:00:01.000Z', gatewayReference: 'ch_jan' }),
    invoice('2026-02', { status: 'paid', paidAt: '2026-03-02T10:00:00.000Z', gatewayReference: 'ch_feb' }),
    invoice('2026-03', { status: 'written-off', writtenOff: { reason: 'moved away', by: 'hd-1', at: '2026-03-20T00:00:00.000Z' } }),
  ];

  it('opening balance, every movement of the month in date order with the running balance, closing balance', () => {
    const march = monthlyStatement({ invoices: history, customer, month: '2026-03', asOf: '2026-04-15T00:00:00.000Z', settings: untaxed });
    expect(march.openingBalanceCents).toBe(2998); // February, not paid in February
    expect(march.entries.map((e) => [e.kind, e.amountCents, e.balanceCents])).toEqual([
      ['invoice', 2998, 5996],
      ['payment', -2998, 2998],
      ['write-off', -2998, 0],
    ]);
    expect(march.entries[1]!.reference).toBe('ch_feb');
    expect(march.totals).toEqual({ invoicedCents: 2998, paidCents: 2998, creditedCents: 0, refundedCents: 0, writtenOffCents: 2998 });
    expect(march.closingBalanceCents).toBe(0);
    expect(march.date).toBe('2026-03-31T23:59:59.999Z');
    expect(march.tax).toBeNull();
  });

  it('a month still running is dated as of now; a month without activity carries the balance', () => {
    expect(monthlyStatement({ invoices: history, customer, month: '2026-03', asOf: '2026-03-25T12:00:00.000Z', settings: untaxed }).date).toBe('2026-03-25T12:00:00.000Z');
    const quiet = monthlyStatement({ invoices: history.slice(0, 2), customer, month: '2026-02', asOf: '2026-04-01T00:00:00.000Z', settings: { company, taxRate: taxRateOf(20) } });
    expect(quiet).toMatchObject({ openingBalanceCents: 0, closingBalanceCents: 2998, tax: { rate: '20%', cents: 500 } });
    expect(activeMonths(history)).toEqual(['2026-03', '2026-02', '2026-01']);
  });

  it('another customer’s invoices are not on the statement', () => {
    const theirs = invoice('2026-03', { customerId: 'cust-2', invoiceId: 'cust-2:2026-03' });
    expect(monthlyStatement({ invoices: [theirs], customer, month: '2026-03', asOf: '2026-04-01T00:00:00.000Z', settings: untaxed }).entries).toEqual([]);
  });
});

// ---- property: random billing histories ----------------------------------------------------

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface History {
  invoices: BilledInvoice[];
  /** Credit notes issued on paid invoices that no later invoice applied. */
  unappliedCreditCents: number;
}

/**
 * A customer's invoices month after month, as the read model would hold them: each paid (maybe
 * late), left open or written off; with `extras`, credit notes (on open invoices, and on paid ones
 * carried to the next invoice as a credit line) and refunds in every state, as after the credits
 * and refunds arrive; without, documents in today's shape.
 */
const arbHistory: fc.Arbitrary<History> = fc
  .record({
    extras: fc.boolean(),
    months: fc.array(
      fc.record({
        plans: fc.array(fc.integer({ min: 500, max: 20_000 }), { minLength: 1, maxLength: 3 }),
        issueDay: fc.integer({ min: 0, max: 27 }),
        issueMinute: fc.integer({ min: 0, max: 1439 }),
        outcome: fc.constantFrom('paid', 'open', 'written-off'),
        settleDays: fc.integer({ min: 0, max: 45 }),
        openCredit: fc.integer({ min: 0, max: 99 }),
        paidCredit: fc.integer({ min: 0, max: 99 }),
        refund: fc.record({ cents: fc.integer({ min: 1, max: 99 }), status: fc.constantFrom('requested', 'refunded', 'failed') as fc.Arbitrary<'requested' | 'refunded' | 'failed'> }, { requiredKeys: [] }),
      }),
      { minLength: 1, maxLength: 14 },
    ),
  })
  .map(({ extras, months }) => {
    const invoices: BilledInvoice[] = [];
    let pending: { creditNoteId: string; amountCents: number; at: string }[] = [];
    months.forEach((m, i) => {
      const period = `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
      const issued = Date.parse(`${period}-01T00:00:00.000Z`) + m.issueDay * DAY + m.issueMinute * 60_000;
      const lines = m.plans.map((amountCents, p) => ({ planId: `p${p}`, product: 'washer', tier: 'basic', amountCents }));
      // Credit from notes issued before this invoice is deducted from it.
      const applied = pending.filter((c) => c.at < iso(issued));
      pending = pending.filter((c) => c.at >= iso(issued));
      if (extras) lines.push(...applied.map((c) => ({ planId: c.creditNoteId, product: 'credit', tier: 'basic', amountCents: -c.amountCents })));
      const totalCents = lines.reduce((s, l) => s + l.amountCents, 0);
      const settled = iso(issued + m.settleDays * DAY + 1000);
      const credits = [];
      if (extras && m.openCredit > 0) credits.push({ creditNoteId: `cn-${period}-open`, amountCents: m.openCredit, reason: 'late visit', by: 'admin', at: iso(issued + 500) });
      const base = invoice(period, { invoiceId: `cust-1:${period}`, lines, totalCents, issuedAt: iso(issued), dueAt: iso(issued + 4 * DAY) });
      const owed = totalCents - credits.reduce((s, c) => s + c.amountCents, 0);
      let doc: BilledInvoice = base;
      if (m.outcome === 'paid') {
        const refunds = [];
        if (extras && m.paidCredit > 0) {
          const note = { creditNoteId: `cn-${period}-paid`, amountCents: m.paidCredit, reason: 'goodwill', by: 'admin', at: iso(Date.parse(settled) + DAY) };
          credits.push(note);
          pending.push(note);
        }
        if (extras && m.refund.cents !== undefined) {
          refunds.push({ refundId: `rf-${period}`, amountCents: m.refund.cents, reason: 'refund', status: m.refund.status ?? 'refunded', gatewayReference: `re-${period}`, at: iso(Date.parse(settled) + 2 * DAY) });
        }
        doc = { ...base, status: 'paid', paidAt: settled, gatewayReference: `ch-${period}`, ...(extras ? { credits, refunds, amountDueCents: 0 } : {}) };
      } else if (m.outcome === 'written-off') {
        doc = { ...base, status: 'written-off', writtenOff: { reason: 'uncollectable', by: 'hd', at: settled }, ...(extras ? { credits, refunds: [], amountDueCents: 0 } : {}) };
      } else {
        doc = { ...base, ...(extras ? { credits, refunds: [], amountDueCents: owed } : {}) };
      }
      invoices.push(doc);
    });
    return { invoices, unappliedCreditCents: pending.reduce((s, c) => s + c.amountCents, 0) };
  });

function monthsBetween(first: string, last: string): string[] {
  const months = [first];
  while (months[months.length - 1]! < last) months.push(monthBounds(months[months.length - 1]!).end.slice(0, 7));
  return months;
}

describe('property: statements over random billing histories', () => {
  it('closing = opening + invoiced − paid − credited + refunded − written off; months chain; totals equal the invoices to the cent', () => {
    fc.assert(
      fc.property(arbHistory, ({ invoices, unappliedCreditCents }) => {
        const months = activeMonths(invoices);
        // One month before the first activity to one after the last.
        const span = monthsBetween(previousMonth(months[months.length - 1]!), monthBounds(months[0]!).end.slice(0, 7));
        const statements = span.map((month) => monthlyStatement({ invoices, customer, month, asOf: '2030-01-01T00:00:00.000Z', settings: untaxed }));

        expect(statements[0]!.openingBalanceCents).toBe(0);
        statements.forEach((s, i) => {
          const t = s.totals;
          expect(s.closingBalanceCents).toBe(s.openingBalanceCents + t.invoicedCents - t.paidCents - t.creditedCents + t.refundedCents - t.writtenOffCents);
          expect(s.entries.at(-1)?.balanceCents ?? s.openingBalanceCents).toBe(s.closingBalanceCents);
          if (i > 0) expect(s.openingBalanceCents).toBe(statements[i - 1]!.closingBalanceCents);
          for (const e of s.entries) expect(Number.isInteger(e.amountCents)).toBe(true);
          expect(s.entries.map((e) => e.at)).toEqual([...s.entries.map((e) => e.at)].sort());
        });

        const all = (key: keyof (typeof statements)[number]['totals']) => statements.reduce((s, st) => s + st.totals[key], 0);
        const lineSum = (i: BilledInvoice, credit: boolean) => i.lines.filter((l) => (l.product === 'credit') === credit).reduce((s, l) => s + l.amountCents, 0);
        // Invoiced: every plan line of every invoice; the credit lines are credit notes counted once, when issued.
        expect(all('invoicedCents')).toBe(invoices.reduce((s, i) => s + lineSum(i, false), 0));
        expect(invoices.reduce((s, i) => s + lineSum(i, false) + lineSum(i, true), 0)).toBe(invoices.reduce((s, i) => s + i.totalCents, 0));
        // A refund done is money back and, like a credit note, a part of the invoice no longer owed.
        const refunded = invoices.reduce((s, i) => s + (i.refunds ?? []).filter((r) => r.status === 'refunded').reduce((c, r) => c + r.amountCents, 0), 0);
        expect(all('creditedCents')).toBe(invoices.reduce((s, i) => s + (i.credits ?? []).reduce((c, n) => c + n.amountCents, 0), 0) + refunded);
        expect(all('refundedCents')).toBe(refunded);
        // What every paid invoice's charge took: its total less the credits of while it was open.
        expect(all('paidCents')).toBe(invoices.filter((i) => i.status === 'paid').reduce((s, i) => s + i.totalCents - (i.credits ?? []).filter((c) => c.at <= i.paidAt!).reduce((c, n) => c + n.amountCents, 0), 0));
        // In the end the customer owes what the open invoices still ask, less the credit not yet used: refunds leave nothing owed.
        const stillDue = invoices.filter((i) => i.status === 'open').reduce((s, i) => s + (i.amountDueCents ?? i.totalCents), 0);
        expect(statements.at(-1)!.closingBalanceCents).toBe(stillDue - unappliedCreditCents);
      }),
      { numRuns: 200 },
    );
  });
});

function previousMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}
