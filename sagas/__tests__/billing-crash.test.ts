/**
 * A month-end run that crashes at every step: the process dies after the n-th event it appends
 * (the append that would have been next is lost), for every n the run reaches, and starts again
 * from what the stores hold. However it went, each card ends as a clean run leaves it: one
 * invoice for the month, charged at most once per attempt, paid or past due as the card decides.
 */
import { EventStore } from '../../event-store/port';
import { InMemoryEventStore } from '../../event-store/memory';
import { SANDBOX_COLLECTION } from '../../payments/sandbox';
import { PaymentsHarness } from './payments-harness';

const START = new Date('2026-12-10T15:00:00.000Z');
/** The billing day after START, and the dunning days after it (1, 3 and 7 days). */
const RUN_DAYS = 9;

/** An event store that dies after `limit` more appends, until it is given a new limit (a restart). */
class DyingStore {
  limit = Number.POSITIVE_INFINITY;
  appended = 0;
  readonly store: EventStore;

  constructor(inner: EventStore) {
    this.store = new Proxy(inner, {
      get: (target, property) => {
        if (property === 'appendToStream') {
          return (...args: Parameters<EventStore['appendToStream']>) => {
            if (this.appended >= this.limit) return Promise.reject(new Error('the process died'));
            this.appended++;
            return target.appendToStream(...args);
          };
        }
        const value = target[property as keyof EventStore];
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  get dead(): boolean {
    return this.appended >= this.limit;
  }
}

async function monthEnd(card: string, dieAfter: number | null): Promise<{ h: PaymentsHarness; appended: number; died: boolean }> {
  const dying = new DyingStore(new InMemoryEventStore());
  const h = new PaymentsHarness(START, undefined, dying.store);
  await h.customerWithCard(card);
  await h.start();
  await h.buyPlan('p1');
  await h.settle();
  const before = dying.appended;
  if (dieAfter !== null) dying.limit = before + dieAfter;
  let died = false;
  for (let day = 0; day < RUN_DAYS; day++) {
    h.now = new Date(h.now.getTime() + 86_400_000 * (day === 0 ? 31 : 1));
    await h.engine!.fireDueDeadlines().catch(() => undefined);
    // The saga works on after the deadline's commands: give it the time to reach the dead store.
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (dying.dead) {
      // The process dies: what it had under way is lost. It starts again on the same stores.
      died = true;
      await h.stop();
      dying.limit = Number.POSITIVE_INFINITY;
      await h.start();
      await h.engine!.fireDueDeadlines();
    }
    await h.settle();
  }
  return { h, appended: dying.appended - before, died };
}

async function outcome(h: PaymentsHarness) {
  const january = await h.invoice('2027-01');
  const charges = await h.documents.collection<{ _id: string; kind: string; invoiceId: string; attempt: number }>(SANDBOX_COLLECTION).find({ kind: 'charge' });
  const attempts = charges.filter((c) => c.invoiceId === 'c1:2027-01').map((c) => c.attempt);
  return {
    periods: (await h.issued()).map((i) => i.period),
    status: january.status,
    attempts: january.status === 'unknown' ? 0 : january.attempts,
    chargedAttempts: [...attempts].sort(),
  };
}

describe('a month-end run that crashes at every step', () => {
  for (const [card, name] of [
    ['4242424242424242', 'a card that pays'],
    ['4000000000000341', 'a card declined once, paid on the retry'],
    ['4000000000009995', 'a card without funds (past due)'],
  ] as const) {
    it(`${name}: whatever step the process dies at, one invoice, each attempt charged once, the same end`, async () => {
      const clean = await monthEnd(card, null);
      const expected = await outcome(clean.h);
      await clean.h.close();
      expect(expected.periods).toEqual(['2026-12', '2027-01']);
      expect(new Set(expected.chargedAttempts).size).toBe(expected.chargedAttempts.length);
      expect(clean.appended).toBeGreaterThanOrEqual(2);
      for (let step = 0; step < clean.appended; step++) {
        const crashed = await monthEnd(card, step);
        try {
          expect(crashed.died).toBe(true);
          expect({ step, ...(await outcome(crashed.h)) }).toEqual({ step, ...expected });
        } finally {
          await crashed.h.close();
        }
      }
    }, 120_000);
  }
});
