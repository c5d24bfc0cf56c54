import { visits } from '../../commands/visit';
import { EventStore } from '../../event-store/port';
import { at, expertActor, MatchingHarness, range, visitSpec } from './matching-harness';

/** Polls `check` until it holds; fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('never happened');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('matching saga: finalizations of different tickets', () => {
  let h: MatchingHarness;
  /** Gates still closed: opened after each test, so a failing one does not leave the saga waiting. */
  const gates: (() => void)[] = [];
  beforeEach(async () => {
    h = await new MatchingHarness().start();
    for (const e of ['e1', 'e2']) await h.onboard(e, { skills: ['washer'] });
    await h.payingCustomer('c1');
    await h.settle();
    for (const n of [1, 2]) await h.openTicket({ ticketId: `t${n}`, customerId: 'c1', visits: [visitSpec(`v${n}`, ['washer'], [range(1, '09:00', '12:00')])] });
  });
  afterEach(async () => {
    for (const letGo of gates.splice(0)) letGo();
    await h.stop();
  });

  /** Appends to `stream` wait until the answer's `letGo` is called. */
  function holdAppendsTo(stream: string): { letGo: () => void } {
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    gates.push(letGo);
    const append = h.events.appendToStream.bind(h.events);
    h.events.appendToStream = (async (...args: Parameters<EventStore['appendToStream']>) => {
      if (args[0] === stream) await gate;
      return append(...args);
    }) as EventStore['appendToStream'];
    return { letGo };
  }

  async function propose(expertId: string, visitId: string, start: string): Promise<void> {
    await h.exec(visits, 'proposeSlot', { visitId, expertId, expertSkills: ['washer'], starts: [start] }, expertActor(expertId));
  }

  it("run side by side: one ticket waiting for its expert's calendar holds back no other ticket", async () => {
    const e1 = holdAppendsTo('expert-e1');
    await propose('e1', 'v1', at(1, '10:00'));
    await propose('e2', 'v2', at(1, '10:00'));
    // v1's booking waits on e1's calendar; v2 is finalized meanwhile (one at a time, it waited for v1).
    await eventually(async () => (await h.visit('v2')).status === 'finalized');
    expect((await h.visit('v1')).status).toBe('open');
    e1.letGo();
    await h.settle();
    expect(await h.visit('v1')).toMatchObject({ status: 'finalized', experts: ['e1'], start: at(1, '10:00') });
    expect(await h.bookings('e1')).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:00') }]);
    expect(await h.bookings('e2')).toEqual([{ visitId: 'v2', start: at(1, '10:00'), end: at(1, '11:00') }]);
  });

  it('racing for one expert at one time: one ticket gets the expert, the other stays open with nothing booked for it', async () => {
    const e1 = holdAppendsTo('expert-e1');
    await propose('e1', 'v1', at(1, '10:00'));
    await propose('e1', 'v2', at(1, '10:30'));
    e1.letGo();
    await h.settle();
    const statuses = { v1: (await h.visit('v1')).status, v2: (await h.visit('v2')).status };
    expect(Object.values(statuses).sort()).toEqual(['finalized', 'open']);
    const won = statuses.v1 === 'finalized' ? 'v1' : 'v2';
    expect((await h.bookings('e1')).map((b) => b.visitId)).toEqual([won]);
  });
});
