import { send } from '../../../commands/aggregate';
import { experts } from '../../../commands/expert';
import { CommandHandler } from '../../../commands/handler';
import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { BusyTimes } from '../../../domain/expert/availability';
import { ExpertCommand, ExpertEvent } from '../../../domain/expert/expert';
import { deepFreeze } from '../../../domain/shared/frozen';
import { TicketEvent } from '../../../domain/ticket/ticket';
import { InMemoryEventStore } from '../../../event-store/memory';
import { CommandData } from '../../../flows/context';
import { busyTimesOf, rankProfile, withCalendars } from '../../../read-models/expert-directory';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { rebuild } from '../../rebuild';
import { physicalName } from '../../registry';
import { bookingDocId, EXPERT_BOOKINGS, EXPERTS, ExpertProfileDoc, expertsProjection } from '../projection';

const now = new Date('2026-03-02T08:00:00.000Z');
const admin = { userId: 'admin', role: 'admin' as const };
const meta = { correlationId: 'c', causationId: null, actor: { userId: 'saga', role: 'system' }, timestamp: now.toISOString() };
const day = (h: string) => `2026-03-03T${h}:00.000Z`;

describe('experts read model', () => {
  it('keeps profile, calendar and ratings per expert, as a replay of the history', async () => {
    const events = new InMemoryEventStore();
    const commands = new CommandHandler(events);
    let n = 0;
    const exec = <T extends ExpertCommand['type']>(type: T, data: CommandData<ExpertCommand, T>) =>
      send(commands, experts, { type, data, metadata: { commandId: `cmd-${++n}`, now, actor: admin } } as ExpertCommand);

    await exec('onboardExpert', {
      expertId: 'e1',
      name: 'Ada',
      contact: { email: 'ada@x.example', phone: '+15550101' },
      locale: 'en-US',
      homeLocation: { lat: 42, lon: -72 },
      serviceArea: { kind: 'radius', radiusKm: 25 },
      skills: ['washer', 'dryer'],
      availability: { timeZone: 'UTC', days: Array.from({ length: 7 }, () => [{ from: '08:00', to: '17:00' }]) },
      feePerVisitCents: 5000,
    });
    await exec('updateExpertProfile', { expertId: 'e1', name: 'Ada L.', contact: { email: 'ada@y.example', phone: '+15550102' }, locale: 'en-GB', feePerVisitCents: 5500 });
    await exec('updateSkills', { expertId: 'e1', skills: ['washer', 'fridge'] });
    await exec('bookTime', { expertId: 'e1', visitId: 'v1', range: { start: day('09:00'), end: day('10:00') } });
    await exec('bookTime', { expertId: 'e1', visitId: 'v2', range: { start: day('13:00'), end: day('14:00') } });
    await exec('bookTime', { expertId: 'e1', visitId: 'v1', range: { start: day('10:00'), end: day('11:00') } }); // moved
    await exec('extendBooking', { expertId: 'e1', visitId: 'v1', newEnd: day('11:30') });
    await exec('releaseBooking', { expertId: 'e1', visitId: 'v2' });
    await exec('addTimeOff', { expertId: 'e1', timeOffId: 'dentist', range: { start: day('15:00'), end: day('16:00') }, reason: 'dentist' });
    await exec('updateServiceArea', { expertId: 'e1', homeLocation: { lat: 42.1, lon: -72.1 }, serviceArea: { kind: 'areas', areas: ['01101'] } });
    await events.appendToStream('ticket-t1', [
      { type: 'TicketVisitOutcomeRecorded', data: { ticketId: 't1', visitId: 'v1', outcome: 'completed', experts: ['e1'], recordedAt: now.toISOString() }, metadata: meta },
      { type: 'TicketSurveyRecorded', data: { ticketId: 't1', rating: 4, comments: 'ok', recordedAt: now.toISOString() }, metadata: meta },
    ]);
    await events.appendToStream('ticket-t2', [
      { type: 'TicketVisitOutcomeRecorded', data: { ticketId: 't2', visitId: 'v9', outcome: 'completed', experts: ['e1'], recordedAt: now.toISOString() }, metadata: meta },
      { type: 'TicketSurveyRecorded', data: { ticketId: 't2', rating: 2, comments: 'late', recordedAt: now.toISOString() }, metadata: meta },
    ]);

    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const { target } = await rebuild(events, documents, expertsProjection, 'rebuild');
    const profile = await documents.collection<ExpertProfileDoc>(physicalName(EXPERTS, target.suffix)).findOne({ _id: 'e1' });
    // One document per booking: v1 moved and extended, v2 released.
    expect(await documents.collection(physicalName(EXPERT_BOOKINGS, target.suffix)).find({})).toEqual([
      { _id: bookingDocId('e1', 'v1'), expertId: 'e1', visitId: 'v1', range: { start: day('10:00'), end: day('11:30') }, projectedThrough: expect.any(Number) },
    ]);
    expect(profile).not.toHaveProperty('bookings');
    const [doc] = await withCalendars({ collection: async (logical) => documents.collection(physicalName(logical, target.suffix)) as never }, [profile!]);
    expect(doc).toMatchObject({
      name: 'Ada L.',
      email: 'ada@y.example',
      phone: '+15550102',
      locale: 'en-GB',
      feePerVisitCents: 5500,
      skills: ['fridge', 'washer'],
      home: { lat: 42.1, lon: -72.1 },
      serviceArea: { kind: 'areas', areas: ['01101'] },
      serviceRadiusKm: 0,
      active: true,
      bookings: [{ visitId: 'v1', range: { start: day('10:00'), end: day('11:30') } }],
      timeOff: [{ timeOffId: 'dentist', range: { start: day('15:00'), end: day('16:00') }, reason: 'dentist' }],
      ratings: [
        { ticketId: 't1', rating: 4 },
        { ticketId: 't2', rating: 2 },
      ],
      rating: 3,
    });
    expect(rankProfile(doc!)).toMatchObject({ expertId: 'e1', serviceRadiusKm: 0, rating: 3 });
    // Bookings and time off, parsed; what lies ahead of noon is the afternoon's time off.
    const busy = rankProfile(doc!).bookings as BusyTimes;
    expect(busy.overlapping(-Infinity, Infinity)).toEqual([
      [Date.parse(day('10:00')), Date.parse(day('11:30'))],
      [Date.parse(day('15:00')), Date.parse(day('16:00'))],
    ]);
    expect(busy.overlapping(Date.parse(day('12:00')), Infinity)).toEqual([[Date.parse(day('15:00')), Date.parse(day('16:00'))]]);
    // Parsed once per version of a frozen document (the directory's); a document that may still change, each time.
    const frozen = deepFreeze(structuredClone(doc!));
    expect(busyTimesOf(frozen)).toBe(busyTimesOf(frozen));
    expect(busyTimesOf(doc!)).not.toBe(busyTimesOf(doc!));

    await exec('deactivateExpert', { expertId: 'e1', reason: 'retired', force: true });
    const again = await rebuild(events, documents, expertsProjection, 'rebuild', { label: 'second' });
    const after = await documents.collection<ExpertProfileDoc>(physicalName(EXPERTS, again.target.suffix)).findOne({ _id: 'e1' });
    expect(after).toMatchObject({ active: false, deactivationReason: 'retired' });
    expect(await documents.collection(physicalName(EXPERT_BOOKINGS, again.target.suffix)).count({})).toBe(0);
    await documents.close();
  });
});

describe('experts read model, from events', () => {
  const spec = specifyProjection(expertsProjection);
  const onboarded: ExpertEvent = {
    type: 'ExpertOnboarded',
    data: {
      expertId: 'e1',
      name: 'Ada',
      contact: { email: 'ada@x.example', phone: '+15550101' },
      locale: 'en-US',
      homeLocation: { lat: 42, lon: -72 },
      serviceArea: { kind: 'radius', radiusKm: 25 },
      skills: ['washer'],
      availability: { timeZone: 'UTC', days: Array.from({ length: 7 }, () => [{ from: '08:00', to: '17:00' }]) },
      feePerVisitCents: 5000,
      onboardedAt: now.toISOString(),
    },
  };
  const outcome = (ticketId: string, experts: string[]): TicketEvent => ({ type: 'TicketVisitOutcomeRecorded', data: { ticketId, visitId: `${ticketId}.v1`, outcome: 'completed', experts, recordedAt: now.toISOString() } });
  const rated = (ticketId: string, rating: number): TicketEvent => ({ type: 'TicketSurveyRecorded', data: { ticketId, rating, comments: '', recordedAt: now.toISOString() } });

  it('rates an expert by the surveys of the tickets they worked on', () =>
    spec
      .given(...inStream('expert-e1', [onboarded]))
      .when(...inStream('ticket-t1', [outcome('t1', ['e1']), rated('t1', 5)]), ...inStream('ticket-t2', [outcome('t2', ['e1', 'e2']), rated('t2', 2)]))
      .then((documents) => {
        expect(documents[EXPERTS]).toEqual([
          expect.objectContaining({ _id: 'e1', name: 'Ada', skills: ['washer'], active: true, ratings: [expect.objectContaining({ ticketId: 't1', rating: 5 }), expect.objectContaining({ ticketId: 't2', rating: 2 })], rating: 3.5 }),
        ]);
      }));
});
