import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { RIGHT_AFTER } from '../../domain/shared/visit-plan';
import { requestExtension } from '../../flows/extend-visit';
import { followUpVisitId } from '../../domain/visit/follow-up';
import { replaceExpert } from '../../flows/replace-expert';
import { PaymentStatusLookup } from '../../read-models/payment-status';
import { at, customerActor, expertActor, helpdesk, MatchingHarness, range, visitSpec } from './matching-harness';

describe('matching saga — seed scenarios', () => {
  let h: MatchingHarness;
  beforeEach(async () => {
    h = await new MatchingHarness().start();
  });
  afterEach(async () => {
    await h.stop();
  });

  /** The experts on a visit go, arrive, start and complete it. */
  async function execute(visitId: string): Promise<void> {
    const v = await h.visit(visitId);
    if (v.status !== 'finalized') throw new Error(`visit ${visitId} is ${v.status}`);
    for (const e of v.experts) await h.exec(visits, 'markEnRoute', { visitId, expertId: e, eta: v.start! }, expertActor(e));
    for (const e of v.experts) await h.exec(visits, 'markArrived', { visitId, expertId: e }, expertActor(e));
    await h.exec(visits, 'markStarted', { visitId, expertId: v.experts[0]! }, expertActor(v.experts[0]!));
    await h.exec(visits, 'completeVisit', { visitId, expertId: v.experts[0]!, notes: 'fixed' }, expertActor(v.experts[0]!));
    await h.settle();
  }

  async function finalizedWith(visitId: string): Promise<{ start: string | null; experts: string[] }> {
    const v = await h.visit(visitId);
    if (v.status === 'none') throw new Error(`no visit ${visitId}`);
    return { start: v.start, experts: v.experts };
  }

  async function washersAndCustomer(n = 3): Promise<void> {
    for (let i = 1; i <= n; i++) await h.onboard(`e${i}`, { skills: ['washer'] });
    await h.payingCustomer('c1');
    await h.settle();
  }

  it('(1) single visit: released for a paid customer, best experts told first, finalized on the first fitting proposal, executed, ticket completed and rated', async () => {
    await washersAndCustomer();
    await h.onboard('e9', { skills: ['fridge'] });
    await h.settle();

    const opened = await h.openTicket({ ticketId: 't1', customerId: 'c1', visits: [visitSpec('v1', ['washer'], [range(1, '09:00', '12:00')])] });
    expect(opened).toMatchObject({ paymentStatus: 'paid', lookup: 'answered' });
    expect(await h.types('ticket-t1')).toEqual(['TicketOpened', 'TicketReleasedToMatching']);
    expect((await h.visit('v1')).status).toBe('open');
    // NOTIFY_FIRST_EXPERTS = 2 hear at once, the third eligible one after FEED_WIDEN_MIN; never the fridge expert.
    expect(h.outbox.sent('new-visit-available')).toHaveLength(2);
    await h.advance(15);
    expect(h.outbox.sent('new-visit-available')).toEqual(['e1', 'e2', 'e3']);

    await h.propose('e2', 'v1', [at(1, '10:00'), at(1, '11:00')]);
    expect(await finalizedWith('v1')).toEqual({ start: at(1, '10:00'), experts: ['e2'] });
    expect(await h.bookings('e2')).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:00') }]);
    expect((await h.pendingDeadlines()).map((d) => d.kind)).toEqual([]); // match-timeout cancelled, widen fired
    expect(h.outbox.sent('proposal-not-chosen')).toEqual([]);

    await execute('v1');
    const ticket = await h.ticket('t1');
    expect(ticket.status === 'open' && ticket.visits[0]).toMatchObject({ outcome: 'completed', experts: ['e2'] });
    await h.exec(tickets, 'completeTicket', { ticketId: 't1', resolution: 'replaced the pump seal' }, expertActor('e2'));
    await h.exec(tickets, 'recordSurvey', { ticketId: 't1', rating: 5, comments: 'great' }, customerActor('c1'));
    await h.settle();
    expect((await h.ticket('t1')).status).toBe('completed');
    expect(await h.directory.get('e2')).toMatchObject({ rating: 5, ratings: [{ ticketId: 't1', rating: 5 }] });
  });

  it('(2) plumber then electrician right after, two experts each: finalized together on the earliest consistent schedule, losers told', async () => {
    for (const id of ['p1', 'p2', 'p3']) await h.onboard(id, { skills: ['plumbing'] });
    for (const id of ['l1', 'l2', 'l3']) await h.onboard(id, { skills: ['electrical'] });
    await h.payingCustomer('c1');
    await h.settle();
    await h.openTicket({
      ticketId: 't2',
      customerId: 'c1',
      visits: [
        visitSpec('pipe', ['plumbing'], [range(1, '09:00', '13:00')], { expertsNeeded: 2 }),
        visitSpec('wire', ['electrical'], [range(1, '09:00', '14:00')], { expertsNeeded: 2 }),
      ],
      dependencies: [{ before: 'pipe', after: 'wire', ...RIGHT_AFTER }],
    });
    expect((await h.pendingDeadlines()).filter((d) => d.kind === 'match-timeout')).toHaveLength(1); // one group

    await h.propose('p3', 'pipe', [at(1, '12:00')]);
    await h.propose('p1', 'pipe', [at(1, '09:00'), at(1, '10:00')]);
    await h.propose('p2', 'pipe', [at(1, '10:00')]);
    await h.propose('l1', 'wire', [at(1, '11:00')]);
    await h.propose('l2', 'wire', [at(1, '10:00')]); // 10:00 would need the plumbing at 09:00 with two plumbers
    expect((await h.visit('pipe')).status).toBe('open'); // not full: one electrician at 11:00
    expect((await h.visit('wire')).status).toBe('open');
    await h.propose('l3', 'wire', [at(1, '11:00'), at(1, '13:00')]);

    expect(await finalizedWith('pipe')).toEqual({ start: at(1, '10:00'), experts: ['p1', 'p2'] });
    expect(await finalizedWith('wire')).toEqual({ start: at(1, '11:00'), experts: ['l1', 'l3'] });
    for (const e of ['p1', 'p2']) expect(await h.bookings(e)).toEqual([{ visitId: 'pipe', start: at(1, '10:00'), end: at(1, '11:00') }]);
    for (const e of ['l1', 'l3']) expect(await h.bookings(e)).toEqual([{ visitId: 'wire', start: at(1, '11:00'), end: at(1, '12:00') }]);
    expect(h.outbox.sent('proposal-not-chosen')).toEqual(['l2', 'p3']);
    expect(await h.bookings('l2')).toEqual([]);
    expect((await h.pendingDeadlines()).filter((d) => d.kind === 'match-timeout')).toEqual([]);

    await execute('pipe');
    await execute('wire');
    await h.exec(tickets, 'completeTicket', { ticketId: 't2', resolution: 'pipe and wiring fixed' }, expertActor('l1'));
    expect((await h.ticket('t2')).status).toBe('completed');
  });

  it('(3) a group that never fills is escalated at the timeout with the unfit proposals; helpdesk widens the windows and it is finalized', async () => {
    await h.onboard('p1', { skills: ['plumbing'] });
    await h.onboard('l1', { skills: ['electrical'] });
    await h.payingCustomer('c1');
    await h.settle();
    await h.openTicket({
      ticketId: 't3',
      customerId: 'c1',
      visits: [visitSpec('pipe', ['plumbing'], [range(1, '09:00', '17:00')]), visitSpec('wire', ['electrical'], [range(1, '09:00', '18:00')])],
      dependencies: [{ before: 'pipe', after: 'wire', ...RIGHT_AFTER }],
    });
    await h.propose('p1', 'pipe', [at(1, '14:00')]);
    // The customer narrows the plumbing to the morning: p1's slot no longer fits.
    await h.exec(visits, 'updateWindows', { visitId: 'pipe', windows: [range(1, '09:00', '12:00')] }, customerActor('c1'));
    await h.propose('l1', 'wire', [at(1, '15:00')]);
    expect((await h.visit('pipe')).status).toBe('open');

    await h.advance(239);
    expect(await h.types('ticket-t3')).not.toContain('TicketEscalated');
    await h.advance(1); // MATCH_TIMEOUT_NORMAL_MIN = 240
    const escalated = (await h.events.readStream('ticket-t3')).find((e) => e.type === 'TicketEscalated');
    expect(escalated?.data).toMatchObject({
      visitIds: ['pipe', 'wire'],
      unfitProposals: [
        { visitId: 'pipe', expertId: 'p1', starts: [at(1, '14:00')] },
        { visitId: 'wire', expertId: 'l1', starts: [at(1, '15:00')] },
      ],
    });
    const t3 = await h.ticket('t3');
    expect(t3.status === 'open' && t3.flags.map((f) => f.reason)).toEqual(['no-match-in-time']);

    // Nobody picked the flag up within FLAG_REMINDER_MIN: helpdesk is reminded, once.
    await h.advance(60);
    await h.advance(60);
    expect(h.outbox.sent('helpdesk-flag-reminder')).toEqual(['helpdesk']);

    // Helpdesk calls the customer, who agrees to the plumber coming in the afternoon.
    await h.exec(visits, 'updateWindows', { visitId: 'pipe', windows: [range(1, '09:00', '12:00'), range(1, '13:00', '17:00')] }, helpdesk);
    await h.settle();
    expect(await finalizedWith('pipe')).toEqual({ start: at(1, '14:00'), experts: ['p1'] });
    expect(await finalizedWith('wire')).toEqual({ start: at(1, '15:00'), experts: ['l1'] });
    await h.exec(tickets, 'resolveFlag', { ticketId: 't3', reason: 'no-match-in-time', resolution: 'handled', note: 'customer agreed to the afternoon' }, helpdesk);
    await h.settle();
    expect(await h.pendingDeadlines()).toEqual([]);
  });

  it('helpdesk assigns an expert directly: the group is finalized through the same recompute', async () => {
    await washersAndCustomer();
    await h.openTicket({ ticketId: 't4', customerId: 'c1', visits: [visitSpec('v4', ['washer'], [range(1, '09:00', '12:00')], { expertsNeeded: 2 })] });
    await h.propose('e1', 'v4', [at(1, '09:30')]);
    expect((await h.visit('v4')).status).toBe('open');
    await h.exec(visits, 'assignExpert', { visitId: 'v4', expertId: 'e3', expertSkills: ['washer'], start: at(1, '09:30') }, helpdesk);
    await h.settle();
    expect(await finalizedWith('v4')).toEqual({ start: at(1, '09:30'), experts: ['e1', 'e3'] });
    expect(await h.bookings('e3')).toEqual([{ visitId: 'v4', start: at(1, '09:30'), end: at(1, '10:30') }]);
  });

  it('(5) an expert who cannot arrive is replaced by a free qualified expert (helpdesk, with the candidates the saga found)', async () => {
    await washersAndCustomer(2);
    await h.onboard('far', { skills: ['washer'], home: { lat: 45.5, lon: -73.6 } });
    await h.settle();
    await h.openTicket({ ticketId: 't5', customerId: 'c1', visits: [visitSpec('v5', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.propose('e1', 'v5', [at(1, '10:00')]);
    await h.exec(visits, 'markEnRoute', { visitId: 'v5', expertId: 'e1', eta: at(1, '10:00') }, expertActor('e1'));
    await h.exec(visits, 'reportCantArrive', { visitId: 'v5', expertId: 'e1', reason: 'car accident' }, expertActor('e1'));
    await h.settle();

    const flagged = await h.ticket('t5');
    expect(flagged.status === 'open' && flagged.flags).toEqual([expect.objectContaining({ reason: 'replacement-needed', visitId: 'v5' })]);
    expect(flagged.status === 'open' && flagged.flags[0]!.note).toMatch(/free to replace them: Expert e2$/);
    expect(flagged.status === 'open' && flagged.flags[0]!.candidates).toEqual([expect.objectContaining({ expertId: 'e2', name: 'Expert e2', distanceKm: expect.any(Number) })]);

    const outcome = await replaceExpert(h.flow(helpdesk), h.directory, { visitId: 'v5', outExpertId: 'e1' });
    expect(outcome).toEqual({ status: 'replaced', inExpertId: 'e2', tried: ['e2'] });
    await h.settle();
    const v5 = await h.visit('v5');
    expect(v5.status === 'finalized' && v5.experts).toEqual(['e2']);
    expect(await h.bookings('e1')).toEqual([]);
    expect(await h.bookings('e2')).toEqual([{ visitId: 'v5', start: at(1, '10:00'), end: at(1, '11:00') }]);
    await h.exec(tickets, 'resolveFlag', { ticketId: 't5', reason: 'replacement-needed', visitId: 'v5', resolution: 'handled', note: 'e2 goes' }, helpdesk);
    await h.settle();
    expect(await h.pendingDeadlines()).toEqual([]);
  });

  it('(5b) nobody free to replace: the expert is released, the visit rescheduled to the same hours on the next days, the ticket flagged', async () => {
    await washersAndCustomer(2);
    await h.openTicket({ ticketId: 'other', customerId: 'c1', visits: [visitSpec('busy', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.propose('e2', 'busy', [at(1, '10:00')]); // e2 is busy then
    await h.openTicket({ ticketId: 't5', customerId: 'c1', visits: [visitSpec('v5', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.propose('e1', 'v5', [at(1, '10:30')]);
    h.outbox.messages.length = 0;
    await h.exec(visits, 'reportCantArrive', { visitId: 'v5', expertId: 'e1', reason: 'sick' }, expertActor('e1'));
    await h.settle();

    const v5 = await h.visit('v5');
    expect(v5.status).toBe('open');
    expect(v5.status === 'open' && v5.windows).toEqual([range(2, '09:00', '12:00'), range(3, '09:00', '12:00'), range(4, '09:00', '12:00')]);
    expect(await h.bookings('e1')).toEqual([]);
    const t5 = await h.ticket('t5');
    expect(t5.status === 'open' && t5.flags.map((f) => [f.reason, f.visitId])).toEqual([['replacement-needed', 'v5']]);
    // Back to matching: a new match clock, and the experts hear about it again.
    expect((await h.pendingDeadlines()).filter((d) => d.kind === 'match-timeout' && d.payload.ticketId === 't5')).toHaveLength(1);
    expect(h.outbox.sent('new-visit-available')).toEqual(['e1', 'e2']);
    await h.propose('e2', 'v5', [at(2, '09:00')]);
    expect(await finalizedWith('v5')).toEqual({ start: at(2, '09:00'), experts: ['e2'] });
  });

  it('(6) nobody home: after the wait the expert is released, the ticket flagged no-access and the visit rescheduled; a visit that starts meanwhile is left alone', async () => {
    await washersAndCustomer(2);
    await h.openTicket({ ticketId: 't6', customerId: 'c1', visits: [visitSpec('v6', ['washer'], [range(1, '09:00', '12:00')]), visitSpec('v7', ['washer'], [range(1, '13:00', '17:00')])] });
    await h.propose('e1', 'v6', [at(1, '09:00')]);
    await h.propose('e2', 'v7', [at(1, '14:00')]);
    h.now = new Date(at(1, '08:50'));
    for (const [v, e] of [['v6', 'e1'], ['v7', 'e2']] as const) {
      await h.exec(visits, 'markEnRoute', { visitId: v, expertId: e, eta: at(1, '09:00') }, expertActor(e));
      await h.exec(visits, 'markArrived', { visitId: v, expertId: e }, expertActor(e));
      await h.exec(visits, 'reportCantEnter', { visitId: v, expertId: e, note: 'nobody answers' }, expertActor(e));
    }
    await h.settle();
    expect((await h.pendingDeadlines()).filter((d) => d.kind === 'no-access')).toHaveLength(2);
    await h.advance(5);
    await h.exec(visits, 'markStarted', { visitId: 'v7', expertId: 'e2' }, expertActor('e2')); // the neighbour had the key
    await h.settle();
    await h.advance(15); // NO_ACCESS_WAIT_MIN = 20

    const v6 = await h.visit('v6');
    expect(v6.status === 'open' && v6.windows).toEqual([range(2, '09:00', '12:00'), range(3, '09:00', '12:00'), range(4, '09:00', '12:00')]);
    expect(await h.bookings('e1')).toEqual([]);
    const t6 = await h.ticket('t6');
    expect(t6.status === 'open' && t6.flags.map((f) => [f.reason, f.visitId])).toEqual([['no-access', 'v6']]);
    expect((await h.visit('v7')).status).toBe('started');
    expect(await h.bookings('e2')).toHaveLength(1);
  });

  it('(7) overrun: extended when the next booking allows; otherwise closed incomplete and a follow-up visit planned', async () => {
    await washersAndCustomer(1);
    await h.openTicket({
      ticketId: 't7',
      customerId: 'c1',
      visits: [visitSpec('v7a', ['washer'], [range(1, '09:00', '10:00')]), visitSpec('v7b', ['washer'], [range(1, '11:00', '12:00')]), visitSpec('v7c', ['washer'], [range(1, '13:00', '14:00')])],
    });
    for (const [v, t] of [['v7a', '09:00'], ['v7b', '11:00'], ['v7c', '13:00']] as const) await h.propose('e1', v, [at(1, t)]);
    h.now = new Date(at(1, '08:45'));
    for (const v of ['v7a', 'v7b']) {
      await h.exec(visits, 'markEnRoute', { visitId: v, expertId: 'e1', eta: at(1, v === 'v7a' ? '09:00' : '11:00') }, expertActor('e1'));
      await h.exec(visits, 'markArrived', { visitId: v, expertId: 'e1' }, expertActor('e1'));
      await h.exec(visits, 'markStarted', { visitId: v, expertId: 'e1' }, expertActor('e1'));
      h.now = new Date(at(1, v === 'v7a' ? '09:50' : '11:50'));
      const outcome = await requestExtension(h.flow(expertActor('e1')), { visitId: v, expertId: 'e1', minutes: v === 'v7a' ? 60 : 90 });
      await h.settle();
      if (v === 'v7a') {
        expect(outcome).toEqual({ status: 'extended', end: at(1, '11:00') });
        expect((await h.bookings('e1'))[0]).toEqual({ visitId: 'v7a', start: at(1, '09:00'), end: at(1, '11:00') });
        await h.exec(visits, 'completeVisit', { visitId: 'v7a', expertId: 'e1', notes: 'done late' }, expertActor('e1'));
      } else {
        expect(outcome).toEqual({ status: 'closed-incomplete', blockedBy: [{ expertId: 'e1', limit: at(1, '13:00') }], followUpVisitId: 'v7b-followup' });
      }
    }
    await h.settle();
    expect(await h.bookings('e1')).toEqual([
      { visitId: 'v7a', start: at(1, '09:00'), end: at(1, '11:00') },
      { visitId: 'v7c', start: at(1, '13:00'), end: at(1, '14:00') },
    ]);
    const t7 = await h.ticket('t7');
    if (t7.status !== 'open') throw new Error('ticket not open');
    expect(t7.visits.map((v) => [v.spec.visitId, v.outcome, v.followUpOf])).toEqual([
      ['v7a', 'completed', null],
      ['v7b', 'closed-incomplete', null],
      ['v7c', null, null],
      [followUpVisitId('v7b'), null, 'v7b'],
    ]);
    const followUp = await h.visit('v7b-followup');
    expect(followUp.status === 'open' && [followUp.durationMinutes, followUp.windows]).toEqual([60, [range(2, '11:00', '12:00'), range(3, '11:00', '12:00'), range(4, '11:00', '12:00')]]);
    expect(h.outbox.to('e1', 'new-visit-available').some((m) => m.visitId === 'v7b-followup')).toBe(true);
  });

  it('(8) a ticket cancelled mid-matching: visits cancelled, bookings released, deadlines cancelled, outcomes recorded', async () => {
    await washersAndCustomer(2);
    await h.openTicket({ ticketId: 't8', customerId: 'c1', visits: [visitSpec('v8a', ['washer'], [range(1, '09:00', '12:00')]), visitSpec('v8b', ['washer'], [range(1, '13:00', '17:00')], { expertsNeeded: 2 })] });
    await h.propose('e1', 'v8a', [at(1, '09:00')]);
    await h.propose('e2', 'v8b', [at(1, '13:00')]);
    expect(await h.bookings('e1')).toHaveLength(1);
    expect((await h.pendingDeadlines()).length).toBeGreaterThan(0);

    await h.exec(tickets, 'cancelTicket', { ticketId: 't8', reason: 'fixed it myself' }, customerActor('c1'));
    await h.settle();
    expect((await h.visit('v8a')).status).toBe('cancelled');
    expect((await h.visit('v8b')).status).toBe('cancelled');
    expect(await h.bookings('e1')).toEqual([]);
    expect(await h.pendingDeadlines()).toEqual([]);
    const t8 = await h.ticket('t8');
    expect(t8.status === 'cancelled' && t8.visits.map((v) => v.outcome)).toEqual(['cancelled', 'cancelled']);
  });

  it('(9) payment service down: the ticket is created on hold and flagged; helpdesk releases it and matching starts', async () => {
    await washersAndCustomer(1);
    const down: PaymentStatusLookup = {
      statusOf: () => Promise.reject(new Error('payment service unreachable')),
    };
    const opened = await h.openTicket({ ticketId: 't9', customerId: 'c1', visits: [visitSpec('v9', ['washer'], [range(1, '09:00', '12:00')])], payments: down });
    expect(opened).toMatchObject({ paymentStatus: 'unknown', lookup: 'failed' });
    const held = await h.ticket('t9');
    expect(held.status === 'on-hold' && held.flags.map((f) => f.reason)).toEqual(['payment-status-unknown']);
    expect((await h.visit('v9')).status).toBe('none');
    expect((await h.pendingDeadlines()).map((d) => d.kind)).toEqual(['flag-reminder']);

    await h.exec(tickets, 'resolveFlag', { ticketId: 't9', reason: 'payment-status-unknown', resolution: 'released', note: 'paid, checked in the gateway' }, helpdesk);
    await h.settle();
    expect((await h.ticket('t9')).status).toBe('open');
    expect((await h.visit('v9')).status).toBe('open');
    expect((await h.pendingDeadlines()).map((d) => d.kind).sort()).toEqual(['match-timeout', 'widen']);
    await h.propose('e1', 'v9', [at(1, '09:00')]);
    expect(await finalizedWith('v9')).toEqual({ start: at(1, '09:00'), experts: ['e1'] });
  });

  it('invoice paid: the customer paid-until moves and the cache says paid', async () => {
    await h.payingCustomer('c7');
    await h.settle();
    expect(await h.types('customer-c7')).toEqual(['CustomerRegistered', 'PaidUntilAdvanced']);
    expect(await h.payments.statusOf('c7', h.now)).toBe('paid');
    expect(await h.payments.statusOf('c7', new Date('2026-04-02T00:00:00Z'))).toBe('unpaid');
    expect(await h.payments.statusOf('nobody', h.now)).toBe('unknown');
  });
});
