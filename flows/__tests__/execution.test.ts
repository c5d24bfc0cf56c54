import { experts } from '../../commands/expert';
import { visits } from '../../commands/visit';
import { at, expertActor, helpdesk, MatchingHarness, range, systemActor, visitSpec } from '../../sagas/__tests__/matching-harness';
import { requestExtension } from '../extend-visit';
import { finalizeGroup } from '../finalize-group';
import { replaceExpert } from '../replace-expert';
import { intercept } from './helpers';

/** Without the saga: a two-expert visit at 10:00–11:00 on day 1, finalized with e1 and e2, and started. */
async function startedVisit(): Promise<MatchingHarness> {
  const h = await new MatchingHarness().start({ saga: false });
  for (const e of ['e1', 'e2', 'e3', 'e4']) await h.onboard(e, { skills: ['washer'] });
  await h.payingCustomer('c1');
  await h.settle();
  await h.plannedTicket({ ticketId: 't1', customerId: 'c1', visits: [visitSpec('v1', ['washer'], [range(1, '09:00', '12:00')], { expertsNeeded: 2 })] });
  await h.plannedTicket({ ticketId: 't2', customerId: 'c1', visits: [visitSpec('later', ['washer'], [range(1, '11:00', '17:00')])] });
  await h.propose('e1', 'v1', [at(1, '10:00')]);
  await h.propose('e2', 'v1', [at(1, '10:00')]);
  expect(await finalizeGroup(h.flow(systemActor), { ticketId: 't1', visitId: 'v1' })).toMatchObject({ status: 'finalized' });
  return h;
}

async function start(h: MatchingHarness): Promise<void> {
  h.now = new Date(at(1, '09:45'));
  for (const e of ['e1', 'e2']) await h.exec(visits, 'markEnRoute', { visitId: 'v1', expertId: e, eta: at(1, '10:00') }, expertActor(e));
  for (const e of ['e1', 'e2']) await h.exec(visits, 'markArrived', { visitId: 'v1', expertId: e }, expertActor(e));
  await h.exec(visits, 'markStarted', { visitId: 'v1', expertId: 'e1' }, expertActor('e1'));
  h.now = new Date(at(1, '10:50'));
}

describe('execution flows', () => {
  let open: MatchingHarness | undefined;
  afterEach(async () => {
    await open?.stop();
    open = undefined;
  });

  it('extends every expert’s booking, then the visit', async () => {
    const h = (open = await startedVisit());
    await start(h);
    expect(await requestExtension(h.flow(expertActor('e1')), { visitId: 'v1', expertId: 'e1', minutes: 45 })).toEqual({ status: 'extended', end: at(1, '11:45') });
    for (const e of ['e1', 'e2']) expect(await h.bookings(e)).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:45') }]);
    const v1 = await h.visit('v1');
    expect(v1.status === 'started' && [v1.end, v1.extendedMinutes]).toEqual([at(1, '11:45'), 45]);
  });

  it('checks every calendar first: one expert’s next visit in the way closes the visit incomplete and extends nobody', async () => {
    const h = (open = await startedVisit());
    await h.exec(experts, 'bookTime', { expertId: 'e2', visitId: 'later', range: { start: at(1, '11:30'), end: at(1, '12:30') } }, systemActor);
    await start(h);
    const outcome = await requestExtension(h.flow(expertActor('e1')), { visitId: 'v1', expertId: 'e1', minutes: 45 });
    expect(outcome).toEqual({ status: 'closed-incomplete', blockedBy: [{ expertId: 'e2', limit: at(1, '11:30') }], followUpVisitId: 'v1-followup' });
    expect(await h.types('expert-e1')).not.toContain('ExpertBookingExtended');
    const v1 = await h.visit('v1');
    expect(v1.status === 'closed-incomplete' && v1.incompleteReason).toBe('needs-more-time');
  });

  it('a booking that appears between the check and the extension: the extensions made are moved back', async () => {
    const h = (open = await startedVisit());
    await start(h);
    const ctx = intercept(h.flow(expertActor('e1')), async (type, data) => {
      if (type === 'extendBooking' && (data as { expertId: string }).expertId === 'e2') {
        await h.exec(experts, 'bookTime', { expertId: 'e2', visitId: 'later', range: { start: at(1, '11:15'), end: at(1, '12:15') } }, systemActor);
      }
    });
    const outcome = await requestExtension(ctx, { visitId: 'v1', expertId: 'e1', minutes: 45 });
    expect(outcome).toMatchObject({ status: 'closed-incomplete', blockedBy: [{ expertId: 'e2', limit: at(1, '11:15') }] });
    expect(await h.bookings('e1')).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:00') }]);
    expect(await h.types('expert-e1')).toEqual(['ExpertOnboarded', 'ExpertTimeBooked', 'ExpertBookingExtended', 'ExpertBookingMoved']);
  });

  it('replacing an expert skips a candidate booked meanwhile and takes the next', async () => {
    const h = (open = await startedVisit());
    h.now = new Date(at(1, '09:00'));
    await h.exec(visits, 'reportCantArrive', { visitId: 'v1', expertId: 'e2', reason: 'ill' }, expertActor('e2'));
    const ctx = intercept(h.flow(helpdesk), async (type, data) => {
      const d = data as { expertId?: string };
      if (type === 'bookTime' && d.expertId === 'e3') {
        await h.exec(experts, 'bookTime', { expertId: 'e3', visitId: 'later', range: { start: at(1, '10:30'), end: at(1, '11:30') } }, systemActor);
      }
    });
    const outcome = await replaceExpert(ctx, h.directory, { visitId: 'v1', outExpertId: 'e2', candidates: ['e3', 'e4'] });
    expect(outcome).toEqual({ status: 'replaced', inExpertId: 'e4', tried: ['e3', 'e4'] });
    const v1 = await h.visit('v1');
    expect(v1.status === 'finalized' && v1.experts).toEqual(['e1', 'e4']);
    expect(await h.bookings('e2')).toEqual([]);
    expect(await h.bookings('e3')).toEqual([{ visitId: 'later', start: at(1, '10:30'), end: at(1, '11:30') }]);
    expect(await h.bookings('e4')).toEqual([{ visitId: 'v1', start: at(1, '10:00'), end: at(1, '11:00') }]);
  });

  it('nobody free: nothing changes', async () => {
    const h = (open = await startedVisit());
    h.now = new Date(at(1, '09:00'));
    for (const e of ['e3', 'e4']) await h.exec(experts, 'addTimeOff', { expertId: e, timeOffId: 'off', range: range(1, '08:00', '18:00'), reason: 'holiday' }, { userId: 'admin', role: 'admin' });
    await h.settle();
    expect(await replaceExpert(h.flow(helpdesk), h.directory, { visitId: 'v1', outExpertId: 'e2' })).toEqual({ status: 'nobody-free', tried: [] });
    const v1 = await h.visit('v1');
    expect(v1.status === 'finalized' && v1.experts).toEqual(['e1', 'e2']);
  });
});
