import fc from 'fast-check';
import { experts } from '../../commands/expert';
import { visits } from '../../commands/visit';
import { ms } from '../../domain/shared/time';
import { RIGHT_AFTER } from '../../domain/shared/visit-plan';
import { BOOKED } from '../../domain/visit/visit';
import { at, expertActor, MatchingHarness, range, systemActor, visitSpec } from '../../sagas/__tests__/matching-harness';
import { FlowContext } from '../context';
import { finalizeGroup, FinalizeOutcome } from '../finalize-group';
import { intercept } from './helpers';

/** A context that yields to the event loop a varying number of times before every call: other flows run in between. */
function yielding(ctx: FlowContext, pauses: number[]): FlowContext {
  let i = 0;
  const pause = async () => {
    const n = pauses.length === 0 ? 0 : pauses[i++ % pauses.length]!;
    for (let k = 0; k < n; k++) await new Promise((r) => setImmediate(r));
  };
  return {
    now: ctx.now,
    async load(aggregate, id) {
      await pause();
      return ctx.load(aggregate, id);
    },
    async send(aggregate, type, data, step) {
      await pause();
      return ctx.send(aggregate, type, data, step);
    },
  };
}

async function setup(): Promise<MatchingHarness> {
  const h = await new MatchingHarness().start({ saga: false });
  for (const e of ['e1', 'e2', 'e3', 'e4']) await h.onboard(e, { skills: ['washer'] });
  for (const e of ['p1', 'l1', 'l2']) await h.onboard(e, { skills: [e.startsWith('p') ? 'plumbing' : 'electrical'] });
  await h.payingCustomer('c1');
  await h.settle();
  return h;
}

/** Every booking belongs to a scheduled visit at its time, every scheduled visit is booked, and no group is half-scheduled. */
async function assertConsistent(h: MatchingHarness, groups: string[][], expertIds: string[]): Promise<void> {
  const booked = new Map<string, { expertId: string; start: string; end: string }[]>();
  for (const e of expertIds) {
    const calendar = await h.bookings(e);
    for (let i = 1; i < calendar.length; i++) expect(ms(calendar[i]!.start)).toBeGreaterThanOrEqual(ms(calendar[i - 1]!.end));
    for (const b of calendar) booked.set(b.visitId, [...(booked.get(b.visitId) ?? []), { expertId: e, start: b.start, end: b.end }]);
  }
  for (const group of groups) {
    const states = await Promise.all(group.map((v) => h.visit(v)));
    const scheduled = states.map((s) => s.status !== 'none' && BOOKED.includes(s.status));
    expect(new Set(scheduled).size).toBe(1); // all or nothing
    for (const s of states) {
      if (s.status === 'none') throw new Error('unplanned visit');
      const holders = booked.get(s.visitId) ?? [];
      if (s.status === 'open') expect(holders).toEqual([]);
      else expect(holders.map((b) => [b.expertId, b.start, b.end]).sort()).toEqual(s.experts.map((e) => [e, s.start, s.end]).sort());
    }
  }
}

describe('finalize-group flow', () => {
  /** The harness to stop if a test fails halfway. */
  let open: MatchingHarness | undefined;
  afterEach(async () => {
    await open?.stop();
    open = undefined;
  });
  const fresh = async () => (open = await setup());

  it('(4) two finalizations racing for one expert: exactly one books them, the other finalizes with someone else or stays open — never half', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(4), { maxLength: 12 }), fc.array(fc.nat(4), { maxLength: 12 }), fc.boolean(), async (pausesA, pausesB, secondExpert) => {
        const h = await fresh();
        try {
          await h.plannedTicket({ ticketId: 'ta', customerId: 'c1', visits: [visitSpec('a', ['washer'], [range(1, '09:00', '12:00')])] });
          await h.plannedTicket({ ticketId: 'tb', customerId: 'c1', visits: [visitSpec('b', ['washer'], [range(1, '09:00', '12:00')])] });
          // e1 offered overlapping slots to both tickets; e2 offered b later.
          await h.propose('e1', 'a', [at(1, '10:00')]);
          await h.propose('e1', 'b', [at(1, '10:30')]);
          if (secondExpert) await h.propose('e2', 'b', [at(1, '11:00')]);

          const [ra, rb] = await Promise.all([
            finalizeGroup(yielding(h.flow(systemActor, 'race-a'), pausesA), { ticketId: 'ta', visitId: 'a' }),
            finalizeGroup(yielding(h.flow(systemActor, 'race-b'), pausesB), { ticketId: 'tb', visitId: 'b' }),
          ]);
          const e1 = await h.bookings('e1');
          expect(e1).toHaveLength(1);
          const a = await h.visit('a');
          const b = await h.visit('b');
          if (e1[0]!.visitId === 'a') {
            expect(a.status === 'finalized' && a.experts).toEqual(['e1']);
            expect(ra.status).toBe('finalized');
            if (secondExpert) expect(b.status === 'finalized' && [b.start, b.experts]).toEqual([at(1, '11:00'), ['e2']]);
            else expect([b.status, rb.status]).toEqual(['open', 'not-full']);
          } else {
            expect(b.status === 'finalized' && [b.start, b.experts]).toEqual([at(1, '10:30'), ['e1']]);
            expect([a.status, ra.status]).toEqual(['open', 'not-full']);
          }
          await assertConsistent(h, [['a'], ['b']], ['e1', 'e2']);
        } finally {
          await h.stop();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a booking refused midway releases what the attempt booked and recomputes without that slot', async () => {
    const h = await fresh();
    await h.plannedTicket({ ticketId: 't1', customerId: 'c1', visits: [visitSpec('v1', ['washer'], [range(1, '09:00', '12:00')], { expertsNeeded: 2 })] });
    await h.plannedTicket({ ticketId: 't2', customerId: 'c1', visits: [visitSpec('w', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.propose('e1', 'v1', [at(1, '09:00'), at(1, '10:00')]);
    await h.propose('e2', 'v1', [at(1, '09:00')]);
    await h.propose('e3', 'v1', [at(1, '10:00')]);
    await h.propose('e2', 'w', [at(1, '09:00')]);
    let grabbed = false;
    const ctx = intercept(h.flow(systemActor, 'retry'), async (type, data) => {
      const d = data as { expertId?: string };
      if (type === 'bookTime' && d.expertId === 'e2' && !grabbed) {
        grabbed = true; // another ticket books e2 at 09:00 first
        await h.exec(experts, 'bookTime', { expertId: 'e2', visitId: 'w', range: { start: at(1, '09:00'), end: at(1, '10:00') } }, systemActor);
      }
    });
    const outcome = await finalizeGroup(ctx, { ticketId: 't1', visitId: 'v1' });
    expect(outcome).toMatchObject({ status: 'finalized', attempts: 2, schedule: [{ visitId: 'v1', start: at(1, '10:00'), experts: ['e1', 'e3'] }] });
    expect(await h.bookings('e1')).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:00') }]);
    expect(await h.bookings('e2')).toEqual([{ visitId: 'w', start: at(1, '09:00'), end: at(1, '10:00') }]);
    expect(await h.types('expert-e1')).toEqual(['ExpertOnboarded', 'ExpertTimeBooked', 'ExpertBookingReleased', 'ExpertTimeBooked']);
    // Running the same trigger again repeats nothing.
    const before = await h.events.headPosition();
    expect(await finalizeGroup(h.flow(systemActor, 'retry'), { ticketId: 't1', visitId: 'v1' })).toMatchObject({ status: 'nothing-to-do' });
    expect(await h.events.headPosition()).toBe(before);
  });

  it('a visit that cannot be finalized after its group partner was: the partner stays and the rest is filled around it, or the whole group reopens', async () => {
    for (const withSpare of [true, false]) {
      const h = await fresh();
      await h.plannedTicket({
        ticketId: 't1',
        customerId: 'c1',
        visits: [visitSpec('pipe', ['plumbing'], [range(1, '09:00', '12:00')]), visitSpec('wire', ['electrical'], [range(1, '09:00', '13:00')])],
        dependencies: [{ before: 'pipe', after: 'wire', ...RIGHT_AFTER }],
      });
      await h.propose('p1', 'pipe', [at(1, '10:00')]);
      await h.propose('l1', 'wire', [at(1, '11:00')]);
      if (withSpare) await h.propose('l2', 'wire', [at(1, '11:00')]);
      let withdrawn = false;
      const ctx = intercept(h.flow(systemActor, `partial-${withSpare}`), async (type, data) => {
        if (type === 'finalizeVisit' && (data as { visitId: string }).visitId === 'wire' && !withdrawn) {
          withdrawn = true; // l1 withdraws at the last moment
          await h.exec(visits, 'withdrawProposal', { visitId: 'wire', expertId: 'l1' }, expertActor('l1'));
        }
      });
      const outcome: FinalizeOutcome = await finalizeGroup(ctx, { ticketId: 't1', visitId: 'pipe' });
      if (withSpare) {
        expect(outcome).toMatchObject({ status: 'finalized' });
        const wire = await h.visit('wire');
        expect(wire.status === 'finalized' && wire.experts).toEqual(['l2']);
        expect((await h.visit('pipe')).status).toBe('finalized');
      } else {
        expect(outcome).toMatchObject({ status: 'not-full', reopened: ['pipe'] });
        expect((await h.visit('pipe')).status).toBe('open');
        expect((await h.visit('wire')).status).toBe('open');
      }
      await assertConsistent(h, [['pipe', 'wire']], ['p1', 'l1', 'l2']);
      await h.stop();
    }
  });

  it('a group matching cannot decide within its work budget stays open, and the outcome says so', async () => {
    const h = await fresh();
    await h.plannedTicket({ ticketId: 't1', customerId: 'c1', visits: [visitSpec('v1', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.propose('e1', 'v1', [at(1, '10:00')]);
    const outcome = await finalizeGroup(h.flow(systemActor, 'budget'), { ticketId: 't1', visitId: 'v1' }, { searchBudget: 0 });
    expect(outcome).toMatchObject({ status: 'not-full', undecided: true, openVisitIds: ['v1'], unfit: [{ reason: 'undecided' }] });
    expect((await h.visit('v1')).status).toBe('open');
    expect(await h.bookings('e1')).toEqual([]);
    // With the default budget the same group is full.
    expect(await finalizeGroup(h.flow(systemActor, 'default'), { ticketId: 't1', visitId: 'v1' })).toMatchObject({ status: 'finalized' });
  });

  it('concurrent finalizations of random groups never double-book and never leave a group half-scheduled', async () => {
    const starts = ['09:00', '09:30', '10:00', '10:30', '11:00', '12:00'];
    const proposal = fc.record({ ticket: fc.nat(2), visit: fc.nat(1), expert: fc.constantFrom('e1', 'e2', 'e3', 'e4'), start: fc.constantFrom(...starts) });
    const ticket = fc.record({ twoVisits: fc.boolean(), needed: fc.integer({ min: 1, max: 2 }), chained: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(ticket, ticket, ticket),
        fc.array(proposal, { minLength: 1, maxLength: 14 }),
        fc.array(fc.array(fc.nat(3), { maxLength: 8 }), { minLength: 3, maxLength: 3 }),
        async (shapes, proposals, pauses) => {
          const h = await fresh();
          try {
            const groups: string[][] = [];
            for (const [i, shape] of shapes.entries()) {
              const ids = shape.twoVisits ? [`t${i}v0`, `t${i}v1`] : [`t${i}v0`];
              groups.push(ids);
              await h.plannedTicket({
                ticketId: `t${i}`,
                customerId: 'c1',
                visits: ids.map((id) => visitSpec(id, ['washer'], [range(1, '09:00', '14:00')], { expertsNeeded: shape.needed })),
                dependencies: shape.twoVisits ? [{ before: ids[0]!, after: ids[1]!, minGapMinutes: 0, maxGapMinutes: shape.chained ? 0 : null }] : [],
              });
            }
            for (const p of proposals) {
              const ids = groups[p.ticket]!;
              const visitId = ids[Math.min(p.visit, ids.length - 1)]!;
              const state = await h.visit(visitId);
              const current = state.status === 'open' ? (state.proposals[p.expert] ?? []).map((s) => s.start) : [];
              await h.propose(p.expert, visitId, [...new Set([...current, at(1, p.start)])]);
            }
            const outcomes = await Promise.all(
              groups.map((ids, i) => finalizeGroup(yielding(h.flow(systemActor, `random-${i}`), pauses[i]!), { ticketId: `t${i}`, visitId: ids[0]! })),
            );
            await assertConsistent(h, groups, ['e1', 'e2', 'e3', 'e4']);
            for (const [i, outcome] of outcomes.entries()) {
              const states = await Promise.all(groups[i]!.map((v) => h.visit(v)));
              if (outcome.status === 'finalized') expect(states.every((s) => s.status === 'finalized')).toBe(true);
              if (outcome.status === 'not-full') expect(states.every((s) => s.status === 'open')).toBe(true);
            }
          } finally {
            await h.stop();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
