// The calendar's consistency under concurrency: many bookTime commands for one expert race
// through the command handler (load, decide, append with the expected revision, retry on a
// conflict). Whatever the interleaving, the stored calendar never double-books.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../../../commands/aggregate';
import { experts } from '../../../commands/expert';
import { CommandHandler } from '../../../commands/handler';
import { InMemoryEventStore } from '../../../event-store/memory';
import { EventStore, WrongExpectedVersion } from '../../../event-store/port';
import { SqliteEventStore } from '../../../event-store/sqlite';
import { command } from '../../../testing/commands';
import { Actor, DomainError } from '../../decider';
import { overlaps, TimeRange } from '../../shared/time';
import { bookingsOf, ExpertCommand, expertDecider, ExpertEvent, ExpertState } from '../expert';

const admin: Actor = { userId: 'u-admin', role: 'admin' };
const cmd = <T extends ExpertCommand['type']>(type: T, data: Extract<ExpertCommand, { type: T }>['data'], commandId?: string) =>
  command<ExpertCommand>(type, data, { actor: admin, ...(commandId ? { commandId } : {}) });

const day = Date.parse('2026-03-04T00:00:00.000Z');
const minutes = (m: number) => new Date(day + m * 60_000).toISOString();
const span = (from: number, to: number): TimeRange => ({ start: minutes(from), end: minutes(to) });

const onboard = cmd('onboardExpert', {
  expertId: 'e1',
  name: 'Sam Ortiz',
  contact: { email: 'sam@example.com', phone: '+1 555 0142' },
  locale: 'en-US',
  homeLocation: { lat: 42.1, lon: -72.59 },
  serviceArea: { kind: 'radius', radiusKm: 30 },
  skills: ['washer'],
  availability: { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map(() => [{ from: '00:00', to: '24:00' }]) },
  feePerVisitCents: 4500,
});

interface StoreKit {
  store: EventStore;
  dispose(): Promise<void>;
}

const stores: Array<[string, () => StoreKit]> = [
  ['in-memory', () => ({ store: new InMemoryEventStore(), dispose: async () => undefined })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'sysops-expert-'));
      const store = new SqliteEventStore({ path: join(dir, 'events.db') });
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

type Outcome = { visitId: string; range: TimeRange; landed: true } | { visitId: string; range: TimeRange; landed: false; error: unknown };

async function race(handler: CommandHandler, requests: Array<{ visitId: string; range: TimeRange }>): Promise<Outcome[]> {
  return Promise.all(
    requests.map(async ({ visitId, range }): Promise<Outcome> => {
      try {
        await send(handler, experts, cmd('bookTime', { expertId: 'e1', visitId, range }));
        return { visitId, range, landed: true };
      } catch (error) {
        return { visitId, range, landed: false, error };
      }
    }),
  );
}

async function storedState(store: EventStore): Promise<ExpertState> {
  const events = await store.readStream('expert-e1');
  return events.reduce((s, e) => expertDecider.evolve(s, { type: e.type, data: e.data } as ExpertEvent), expertDecider.initialState());
}

function expectNoOverlaps(state: ExpertState) {
  const bookings = bookingsOf(state);
  for (const [i, a] of bookings.entries()) for (const b of bookings.slice(i + 1)) expect(overlaps(a.range, b.range)).toBe(false);
}

describe.each(stores)('Expert calendar under concurrent commands (%s store)', (_name, makeStore) => {
  let kit: StoreKit;
  let handler: CommandHandler;
  beforeEach(async () => {
    kit = makeStore();
    handler = new CommandHandler(kit.store, { maxAttempts: 60, baseDelayMs: 1 });
    await send(handler, experts, onboard);
  });
  afterEach(() => kit.dispose());

  it('N slots with K overlapping contenders each: exactly one booking per slot lands', async () => {
    const SLOTS = 6;
    const CONTENDERS = 4;
    const requests = [];
    for (let s = 0; s < SLOTS; s++) {
      // All contenders of a slot share minutes 15–40 of it; none reaches the next slot.
      for (let j = 0; j < CONTENDERS; j++) requests.push({ visitId: `v-${s}-${j}`, range: span(600 + s * 60 + j * 5, 600 + s * 60 + 40 + j * 5) });
    }
    // Count the lost races, to be sure the commands really did decide on the same revision.
    let conflicts = 0;
    const append = kit.store.appendToStream.bind(kit.store);
    kit.store.appendToStream = async (...args: Parameters<EventStore['appendToStream']>) => {
      try {
        return await append(...args);
      } catch (error) {
        if (error instanceof WrongExpectedVersion) conflicts++;
        throw error;
      }
    };
    const outcomes = await race(handler, fc.sample(fc.shuffledSubarray(requests, { minLength: requests.length }), { numRuns: 1, seed: 7 })[0]!);

    expect(conflicts).toBeGreaterThan(0);
    const landed = outcomes.filter((o) => o.landed);
    expect(landed).toHaveLength(SLOTS);
    for (const o of outcomes) if (!o.landed) expect((o.error as DomainError).code).toBe('calendar-conflict');
    const state = await storedState(kit.store);
    expectNoOverlaps(state);
    expect(bookingsOf(state).map((b) => b.visitId.split('-')[1])).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(bookingsOf(state).map((b) => b.visitId).sort()).toEqual(landed.map((o) => o.visitId).sort());
  });

  it('any set of racing requests: the stored calendar is exactly the requests that succeeded, without overlaps', () => {
    let round = 0;
    return fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 40 }), quarters: fc.integer({ min: 1, max: 8 }) }), { minLength: 2, maxLength: 14 }),
        async (raw) => {
          // One store per test: clear the previous round's calendar, and use fresh visit ids.
          round++;
          const requests = raw.map(({ start, quarters }, i) => ({ visitId: `r${round}-v${i}`, range: span(480 + start * 15, 480 + (start + quarters) * 15) }));
          await Promise.all(bookingsOf(await storedState(kit.store)).map((b) => send(handler, experts, cmd('releaseBooking', { expertId: 'e1', visitId: b.visitId }))));

          const outcomes = await race(handler, requests);
          const state = await storedState(kit.store);
          expectNoOverlaps(state);
          const stored = bookingsOf(state);
          const landed = outcomes.filter((o) => o.landed);
          expect(stored.map((b) => b.visitId).sort()).toEqual(landed.map((o) => o.visitId).sort());
          for (const o of landed) expect(stored.find((b) => b.visitId === o.visitId)?.range).toEqual(o.range);
          // Every refusal is a genuine conflict with a booking that landed: the landed set is maximal.
          for (const o of outcomes) {
            if (o.landed) continue;
            expect(o.error).toBeInstanceOf(DomainError);
            expect((o.error as DomainError).code).toBe('calendar-conflict');
            expect(stored.some((b) => overlaps(b.range, o.range))).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('the same bookTime command sent five times at once is recorded once', async () => {
    const book = cmd('bookTime', { expertId: 'e1', visitId: 'v1', range: span(600, 660) }, 'cmd-book-v1');
    const results = await Promise.all(Array.from({ length: 5 }, () => send(handler, experts, book)));
    // The racing copies append idempotently (same deterministic event id), so all report the one event.
    expect(new Set(results.map((r) => r.events[0]!.id)).size).toBe(1);
    const stream = await kit.store.readStream('expert-e1');
    expect(stream.filter((e) => e.type === 'ExpertTimeBooked')).toHaveLength(1);
  });

  it('time off racing a booking for the same hours: exactly one of them lands', async () => {
    const [booking, off] = await Promise.allSettled([
      send(handler, experts, cmd('bookTime', { expertId: 'e1', visitId: 'v1', range: span(600, 660) })),
      send(handler, experts, cmd('addTimeOff', { expertId: 'e1', timeOffId: 't1', range: span(630, 720), reason: 'dentist' })),
    ]);
    expect([booking!.status, off!.status].sort()).toEqual(['fulfilled', 'rejected']);
    const refused = (booking!.status === 'rejected' ? booking : off) as PromiseRejectedResult;
    expect(['calendar-conflict', 'time-off-overlaps-booking']).toContain((refused.reason as DomainError).code);
    const state = await storedState(kit.store);
    if (state.status === 'unknown') throw new Error('expert missing');
    expect(state.bookings.length + state.timeOff.length).toBe(1);
  });

  it('an extension racing a new booking for the gap after it: exactly one of them lands', async () => {
    await send(handler, experts, cmd('bookTime', { expertId: 'e1', visitId: 'v1', range: span(600, 660) }));
    const [extension, booking] = await Promise.allSettled([
      send(handler, experts, cmd('extendBooking', { expertId: 'e1', visitId: 'v1', newEnd: minutes(700) })),
      send(handler, experts, cmd('bookTime', { expertId: 'e1', visitId: 'v2', range: span(680, 740) })),
    ]);
    expect([extension!.status, booking!.status].sort()).toEqual(['fulfilled', 'rejected']);
    const refused = (extension!.status === 'rejected' ? extension : booking) as PromiseRejectedResult;
    expect((refused.reason as DomainError).code).toBe('calendar-conflict');
    expectNoOverlaps(await storedState(kit.store));
  });

  it('the stored calendar agrees with the state the handler reports', async () => {
    const result = await send(handler, experts, cmd('bookTime', { expertId: 'e1', visitId: 'v1', range: span(600, 660) }));
    expect(result.state).toEqual(await storedState(kit.store));
  });
});
