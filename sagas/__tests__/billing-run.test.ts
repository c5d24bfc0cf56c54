import fc from 'fast-check';
import { customers } from '../../commands/customer';
import { invoices } from '../../commands/invoice';
import { PaymentsHarness } from './payments-harness';

const START = new Date('2026-12-10T15:00:00.000Z');

describe('the monthly billing run (payments saga)', () => {
  let h: PaymentsHarness;
  beforeEach(() => {
    h = new PaymentsHarness(START);
  });
  afterEach(() => h.close());

  it('bills the first period at the first purchase and each billing day after, paid until the next billing day', async () => {
    await h.customerWithCard('4242424242424242');
    await h.start();
    await h.buyPlan('p1');
    await h.settle();
    // (The matching saga's billing workflow moves the customer's paid-until to the invoice's.)
    expect(await h.invoice('2026-12')).toMatchObject({ status: 'paid', totalCents: 3100, paidUntil: '2027-01-10T00:00:00.000Z' });
    // A second plan on 29 December: 12 of the period's 31 days prorated on January's invoice.
    h.now = new Date('2026-12-29T00:00:00.000Z');
    await h.buyPlan('p2', 3100, 'washer');
    await h.settle();
    h.now = new Date('2027-01-09T00:00:00.000Z');
    await h.advanceDays(1);
    expect(await h.invoice('2027-01')).toMatchObject({
      status: 'paid',
      totalCents: 3100 + 3100 + 1200,
      lines: [expect.objectContaining({ planId: 'p1', amountCents: 3100 }), expect.objectContaining({ planId: 'p2', product: 'washer', amountCents: 4300 })],
      paidUntil: '2027-02-10T00:00:00.000Z',
    });
  });

  it('flags a card a month before the billing day it will have expired by, once per card', async () => {
    await h.customerWithCard('4242424242424242', { expMonth: 1, expYear: 2027 });
    await h.start();
    await h.buyPlan('p1');
    await h.settle();
    const flags = async () => (await h.events.readStream('customer-c1')).filter((e) => e.type === 'PaymentMethodExpiring').map((e) => e.data);
    // Billing on 10 December: the card is good through January, the next billing day.
    expect(await flags()).toEqual([]);
    h.now = new Date('2027-01-09T00:00:00.000Z');
    await h.advanceDays(1);
    // Billing on 10 January: the next billing day, 10 February, is after the card's last month.
    expect(await flags()).toEqual([expect.objectContaining({ customerId: 'c1', last4: '4242', expiry: '2027-01', nextBillingOn: '2027-02-10' })]);
    expect(await h.invoice('2027-01')).toMatchObject({ status: 'paid' });
    await h.advanceDays(31);
    expect(await flags()).toHaveLength(1);
  });

  it('stops when nothing is owed and no plan is active, and starts again with the next purchase', async () => {
    await h.customerWithCard('4242424242424242');
    await h.start();
    await h.buyPlan('p1');
    await h.settle();
    await h.exec(customers, 'cancelSupportPlan', { customerId: 'c1', planId: 'p1' }, { userId: 'u-c1', role: 'customer' });
    await h.settle();
    for (let month = 0; month < 3; month++) await h.advanceDays(31);
    expect((await h.issued()).map((i) => i.period)).toEqual(['2026-12']);
    await h.buyPlan('p3');
    await h.settle();
    await h.advanceDays(31);
    expect((await h.issued()).map((i) => i.period)).toEqual(['2026-12', '2027-04']);
  });

  it('property: through crashes at random moments (the saga stopped, its checkpoint lost, deadlines fired twice) every period is billed exactly once and none is skipped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('restart', 'forget-checkpoint', 'fire-twice', 'nothing'), { minLength: 8, maxLength: 8 }), async (faults) => {
        const run = new PaymentsHarness(START);
        try {
          await run.customerWithCard('4242424242424242');
          await run.start();
          await run.buyPlan('p1');
          await run.settle();
          for (const fault of faults) {
            if (fault === 'restart' || fault === 'forget-checkpoint') {
              await run.stop();
              if (fault === 'forget-checkpoint') await run.documents.collection('_saga_checkpoints').deleteMany({});
              await run.start();
            }
            await run.advanceDays(31);
            if (fault === 'fire-twice') {
              await run.engine!.fireDueDeadlines();
              await run.settle();
            }
          }
          const periods = (await run.issued()).map((i) => i.period);
          expect(periods).toEqual(['2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05', '2027-06', '2027-07', '2027-08']);
          expect(await run.chargesMade()).toBe(periods.length);
        } finally {
          await run.close();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('customer credit in the billing run', () => {
  const ADMIN = { userId: 'a1', role: 'admin' as const };
  const creditLine = (planId: string, amountCents: number) => ({ planId, product: 'credit', amountCents, kind: 'credit' });

  it('a credit note on a paid invoice is deducted by the next invoices, the rest carried on, each cent once through crashes', async () => {
    const h = new PaymentsHarness(START);
    try {
      await h.customerWithCard('4242424242424242');
      await h.start();
      await h.buyPlan('p1');
      await h.settle();
      await h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn1', amountCents: 2000, reason: 'visit late' }, ADMIN);
      await h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn2', amountCents: 1100, reason: 'goodwill' }, ADMIN);
      // January: 3100 for the plan, both credits (3100) take it to zero, settled without a charge.
      await h.advanceDays(31);
      expect(await h.invoice('2027-01')).toMatchObject({
        status: 'paid',
        totalCents: 0,
        paidCents: 0,
        gatewayReference: 'credit',
        paidUntil: '2027-02-10T00:00:00.000Z',
        lines: [creditLine('cn1', -2000), creditLine('cn2', -1100), expect.objectContaining({ planId: 'p1', amountCents: 3100 })],
      });
      // December's invoice has given back all it can (3100 of 3100).
      await expect(h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn3', amountCents: 1, reason: 'x' }, ADMIN)).rejects.toMatchObject({ code: 'exceeds-invoice-total' });
      // The billing day fired again after a lost checkpoint deducts nothing twice.
      await h.stop();
      await h.documents.collection('_saga_checkpoints').deleteMany({});
      await h.start();
      await h.settle();
      await h.advanceDays(31);
      expect(await h.invoice('2027-02')).toMatchObject({ status: 'paid', totalCents: 3100, lines: [expect.objectContaining({ planId: 'p1' })] });
      expect(await h.chargesMade()).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('a credit larger than an invoice is carried on to the one after', async () => {
    const h = new PaymentsHarness(START);
    try {
      await h.customerWithCard('4242424242424242');
      await h.start();
      await h.buyPlan('p1', 3100);
      await h.buyPlan('p2', 3100, 'washer');
      await h.settle();
      await h.exec(customers, 'cancelSupportPlan', { customerId: 'c1', planId: 'p2' }, { userId: 'u-c1', role: 'customer' });
      await h.exec(invoices, 'issueCreditNote', { customerId: 'c1', period: '2026-12', creditNoteId: 'cn1', amountCents: 5000, reason: 'two visits missed' }, ADMIN);
      await h.advanceDays(31);
      expect(await h.invoice('2027-01')).toMatchObject({ totalCents: 0, lines: [creditLine('cn1', -3100), expect.objectContaining({ planId: 'p1' })] });
      await h.advanceDays(31);
      expect(await h.invoice('2027-02')).toMatchObject({ status: 'paid', totalCents: 1200, paidCents: 1200, lines: [creditLine('cn1', -1900), expect.objectContaining({ planId: 'p1' })] });
    } finally {
      await h.close();
    }
  });
});

describe('the payments saga added to a running system', () => {
  it('starts at the head: customers with plans bought before its first start are billed from their next billing day, not for all their past months at once', async () => {
    const h = new PaymentsHarness(START);
    try {
      await h.customerWithCard('4242424242424242');
      await h.buyPlan('p1');
      // Two months pass before billing runs for the first time (on 10 February).
      h.now = new Date('2027-02-10T15:00:00.000Z');
      await h.start();
      await h.settle();
      expect(await h.issued()).toEqual([]);
      // The billing day is the 10th (the first purchase): the next one, 10 March, bills March.
      await h.advanceDays(28);
      expect((await h.issued()).map((i) => i.period)).toEqual(['2027-03']);
      expect(await h.invoice('2027-03')).toMatchObject({ status: 'paid', totalCents: 3100 });
      // A purchase meanwhile is prorated on the next billing day, as for anyone billed already.
      await h.buyPlan('p2', 1500, 'washer');
      await h.settle();
      expect((await h.issued()).map((i) => i.period)).toEqual(['2027-03']);
      // Restarted, it goes on from its checkpoint: nobody enrolled twice, nothing billed twice.
      await h.stop();
      await h.start();
      await h.advanceDays(31);
      expect((await h.issued()).map((i) => i.period)).toEqual(['2027-03', '2027-04']);
    } finally {
      await h.close();
    }
  });

  it('enrolls again harmlessly when it crashed before its first checkpoint', async () => {
    const h = new PaymentsHarness(START);
    try {
      await h.customerWithCard('4242424242424242');
      await h.buyPlan('p1');
      h.now = new Date('2027-02-10T15:00:00.000Z');
      await h.start();
      // Stopped at once (while it may still be starting), and as if its checkpoint were lost: the next start enrolls again.
      await h.stop();
      await h.documents.collection('_saga_checkpoints').deleteMany({});
      await h.start();
      await h.advanceDays(28);
      expect((await h.issued()).map((i) => i.period)).toEqual(['2027-03']);
    } finally {
      await h.close();
    }
  });

  it('leaves customers whose plans were all cancelled before it started', async () => {
    const h = new PaymentsHarness(START);
    try {
      await h.customerWithCard('4242424242424242');
      await h.buyPlan('p1');
      await h.exec(customers, 'cancelSupportPlan', { customerId: 'c1', planId: 'p1' }, { userId: 'u-c1', role: 'customer' });
      h.now = new Date('2027-02-10T15:00:00.000Z');
      await h.start();
      await h.advanceDays(62);
      expect(await h.issued()).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
