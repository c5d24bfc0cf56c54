import fc from 'fast-check';
import { experts } from '../../commands/expert';
import { DomainError } from '../../domain/decider';
import { bookingDocId, EXPERT_BOOKINGS, ExpertBookingDoc, ExpertDoc, ExpertProfileDoc, EXPERTS } from '../../projections/experts/projection';
import { ReadModelExpertDirectory } from '../expert-directory';
import { ReadModels } from '../read-models';
import { MatchingHarness } from '../../sagas/__tests__/matching-harness';

const admin = { userId: 'admin-1', role: 'admin' } as const;

describe('the expert directory', () => {
  let h: MatchingHarness;

  beforeEach(async () => {
    h = await new MatchingHarness().start({ saga: false });
    await h.onboard('exp-a', { skills: ['washer'] });
    await h.onboard('exp-b', { skills: ['washer', 'dryer'] });
    await h.settle();
  });

  afterEach(() => h.stop());

  it('given this process projects the experts, when one changes, then the next read sees it', async () => {
    expect((await h.directory.withSkills(['dryer'])).map((e) => e.expertId)).toEqual(['exp-b']);
    await h.exec(experts, 'updateSkills', { expertId: 'exp-a', skills: ['washer', 'dryer'] }, admin);
    await h.settle();
    expect((await h.directory.withSkills(['dryer'])).map((e) => e.expertId)).toEqual(['exp-a', 'exp-b']);
    expect((await h.directory.get('exp-a'))?.skills).toEqual(['dryer', 'washer']);
  });

  it('given a booking lands on a calendar, then the experts holding it are found', async () => {
    expect(await h.directory.holdingBookings(['visit-1'])).toEqual([]);
    await h.exec(experts, 'bookTime', { expertId: 'exp-b', visitId: 'visit-1', range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' } }, admin);
    await h.settle();
    expect((await h.directory.holdingBookings(['visit-1'])).map((e) => e.expertId)).toEqual(['exp-b']);
  });

  it('given nothing changed, when asked again, then it answers without reading the read model', async () => {
    const collection = jest.spyOn(h.readModels, 'collection');
    await h.directory.withSkills(['washer']);
    await h.directory.get('exp-b');
    await h.directory.holdingBookings(['visit-x']);
    expect(collection.mock.calls.filter(([logical]) => logical === EXPERTS)).toHaveLength(1);
  });

  it('answers frozen documents, so no caller can change what the next one reads', async () => {
    const [doc] = await h.directory.withSkills(['washer']);
    expect(() => (doc as ExpertDoc).skills.push('oven')).toThrow(TypeError);
    expect((await h.directory.get(doc!.expertId))?.skills).not.toContain('oven');
  });

  it('given a booking lands, then only the bookings written since are read: the other experts stay the very same documents', async () => {
    const [a, b] = [await h.directory.get('exp-a'), await h.directory.get('exp-b')];
    const profiles = await h.readModels.collection<ExpertProfileDoc>(EXPERTS);
    const bookings = await h.readModels.collection<ExpertBookingDoc>(EXPERT_BOOKINGS);
    const through = (await bookings.find({})).reduce((n, d) => Math.max(n, d.projectedThrough), -1);
    await h.exec(experts, 'bookTime', { expertId: 'exp-b', visitId: 'visit-2', range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' } }, admin);
    await h.settle();
    const find = jest.spyOn(Object.getPrototypeOf(profiles), 'findReadOnly');
    expect(await h.directory.get('exp-a')).toBe(a);
    const booked = await h.directory.get('exp-b');
    expect(booked).not.toBe(b);
    expect(booked?.bookings).toEqual([{ visitId: 'visit-2', range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' } }]);
    expect(booked?.skills).toBe(b!.skills);
    expect(find.mock.calls.map(([filter]) => filter)).toEqual([{ projectedThrough: { $gt: b!.projectedThrough } }, { projectedThrough: { $gt: through } }]);
    find.mockRestore();
    expect(bookings.name).not.toBe(profiles.name);
  });

  it('given a profile changes otherwise (new skills, a rating), then the calendar held is kept, not read again', async () => {
    await h.exec(experts, 'bookTime', { expertId: 'exp-a', visitId: 'visit-1', range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' } }, admin);
    await h.settle();
    const before = await h.directory.get('exp-a');
    await h.exec(experts, 'updateSkills', { expertId: 'exp-a', skills: ['washer', 'oven'] }, admin);
    await h.settle();
    const find = jest.spyOn(Object.getPrototypeOf(await h.readModels.collection(EXPERT_BOOKINGS)), 'findReadOnly');
    const after = await h.directory.get('exp-a');
    expect(after?.skills).toEqual(['oven', 'washer']);
    expect(after?.bookings).toBe(before!.bookings);
    expect(find.mock.calls.map(([filter]) => Object.keys(filter as object))).toEqual([['projectedThrough'], ['projectedThrough']]);
    find.mockRestore();
  });

  it('given a booking released, then that expert\'s bookings are read again whole, and the booking is gone', async () => {
    const range = (h0: number) => ({ start: `2030-03-04T${String(h0).padStart(2, '0')}:00:00.000Z`, end: `2030-03-04T${String(h0 + 1).padStart(2, '0')}:00:00.000Z` });
    await h.exec(experts, 'bookTime', { expertId: 'exp-a', visitId: 'visit-1', range: range(9) }, admin);
    await h.exec(experts, 'bookTime', { expertId: 'exp-a', visitId: 'visit-2', range: range(11) }, admin);
    await h.settle();
    expect((await h.directory.get('exp-a'))?.bookings.map((x) => x.visitId)).toEqual(['visit-1', 'visit-2']);
    await h.exec(experts, 'releaseBooking', { expertId: 'exp-a', visitId: 'visit-1' }, admin);
    await h.settle();
    expect(await (await h.readModels.collection(EXPERT_BOOKINGS)).findOne({ _id: bookingDocId('exp-a', 'visit-1') })).toBeNull();
    expect((await h.directory.get('exp-a'))?.bookings).toEqual([{ visitId: 'visit-2', range: range(11) }]);
    expect(await h.directory.holdingBookings(['visit-1'])).toEqual([]);
    // Forced deactivation releases the rest.
    await h.exec(experts, 'deactivateExpert', { expertId: 'exp-a', reason: 'retired', force: true }, admin);
    await h.settle();
    expect(await h.directory.get('exp-a')).toMatchObject({ active: false, bookings: [] });
  });

  it('keeps, change after change, the calendars a fresh read gives: bookings made, moved, extended and released, profiles changed, between reads', async () => {
    const hour = (n: number) => new Date(Date.UTC(2030, 2, 4, 8) + n * 3_600_000).toISOString();
    const expertId = fc.constantFrom('exp-a', 'exp-b');
    const visitId = fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5');
    const step = fc.oneof(
      { weight: 4, arbitrary: fc.record({ book: fc.record({ expertId, visitId, at: fc.integer({ min: 0, max: 12 }), hours: fc.integer({ min: 1, max: 2 }) }) }) },
      { weight: 1, arbitrary: fc.record({ extend: fc.record({ expertId, visitId }) }) },
      { weight: 2, arbitrary: fc.record({ release: fc.record({ expertId, visitId }) }) },
      { weight: 1, arbitrary: fc.record({ skills: expertId }) },
      { weight: 2, arbitrary: fc.record({ read: fc.constant(true) }) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        // Each run books visits of its own: the calendars of earlier runs stay as they are.
        const v = (id: string) => `r${run}-${id}`;
        run++;
        const fresh = () => new ReadModelExpertDirectory({ collection: h.readModels.collection.bind(h.readModels) });
        for (const s of steps) {
          try {
            if ('book' in s) await h.exec(experts, 'bookTime', { expertId: s.book.expertId, visitId: v(s.book.visitId), range: { start: hour(s.book.at), end: hour(s.book.at + s.book.hours) } }, admin);
            if ('extend' in s) await h.exec(experts, 'extendBooking', { expertId: s.extend.expertId, visitId: v(s.extend.visitId), newEnd: hour(14) }, admin);
            if ('release' in s) await h.exec(experts, 'releaseBooking', { expertId: s.release.expertId, visitId: v(s.release.visitId) }, admin);
            if ('skills' in s) await h.exec(experts, 'updateSkills', { expertId: s.skills, skills: run % 2 === 0 ? ['washer'] : ['washer', 'dryer'] }, admin);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error; // a calendar conflict or an unknown booking: refused, nothing written
          }
          if ('read' in s) {
            await h.settle();
            expect(await h.directory.withSkills([])).toEqual(await fresh().withSkills([]));
          }
        }
        await h.settle();
        const kept = await h.directory.withSkills([]);
        expect(kept).toEqual(await fresh().withSkills([]));
        for (const e of kept) expect(e.bookings.map((b) => b.visitId)).toEqual((await h.bookings(e.expertId)).map((b) => b.visitId));
        for (const id of ['v1', 'v2', 'v3', 'v4', 'v5']) {
          expect((await h.directory.holdingBookings([v(id)])).map((e) => e.expertId)).toEqual((await fresh().holdingBookings([v(id)])).map((e) => e.expertId));
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
  }, 60_000);

  it('given a read model switched to another collection (a rebuild), then every expert is read from it', async () => {
    const projected = await (await h.readModels.collection<ExpertProfileDoc>(EXPERTS)).find({});
    const fixed = (id: string, through: number, skills: string[]): ExpertProfileDoc => ({ ...projected.find((e) => e._id === id)!, skills, projectedThrough: through });
    const booking = (expertId: string, visitId: string, through: number): ExpertBookingDoc => ({
      _id: bookingDocId(expertId, visitId),
      expertId,
      visitId,
      range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' },
      projectedThrough: through,
    });
    await h.documents.collection(`${EXPERTS}_one`).insertOne(fixed('exp-a', 3, ['washer']));
    await h.documents.collection(`${EXPERTS}_one`).insertOne(fixed('exp-b', 40, ['washer']));
    await h.documents.collection(`${EXPERT_BOOKINGS}_one`).insertOne(booking('exp-b', 'v1', 39));
    await h.documents.collection(`${EXPERTS}_two`).insertOne(fixed('exp-a', 10, ['oven']));
    await h.documents.collection(`${EXPERT_BOOKINGS}_two`).insertOne(booking('exp-a', 'v2', 9));
    let build = 'one';
    let token = 't1';
    const directory = new ReadModelExpertDirectory({ collection: async (logical) => h.documents.collection(`${logical}_${build}`) as never, changeToken: () => token });
    expect((await directory.withSkills(['washer'])).map((e) => [e.expertId, e.bookings.map((b) => b.visitId)])).toEqual([
      ['exp-a', []],
      ['exp-b', ['v1']],
    ]);
    await h.documents.collection(`${EXPERTS}_one`).replaceOne({ _id: 'exp-a' }, fixed('exp-a', 41, ['washer', 'dryer']));
    token = 't2';
    expect((await directory.withSkills(['dryer'])).map((e) => e.expertId)).toEqual(['exp-a']);
    // The rebuilt collections' positions are all below the last ones read: read in full all the same.
    build = 'two';
    token = 't3';
    expect((await directory.withSkills([])).map((e) => [e.expertId, e.skills, e.bookings.map((b) => b.visitId)])).toEqual([['exp-a', ['oven'], ['v2']]]);
  });

  it('given another process writes the read model (no change token), when asked, then it reads every time', async () => {
    const elsewhere = new ReadModels(h.documents, [], { ttlMs: 0 });
    const readModels = { collection: h.readModels.collection.bind(h.readModels), changeToken: elsewhere.changeToken.bind(elsewhere) };
    const directory = new ReadModelExpertDirectory(readModels);
    const collection = jest.spyOn(readModels, 'collection');
    await directory.withSkills(['washer']);
    await directory.withSkills(['washer']);
    // The profiles and their bookings, each time.
    expect(collection.mock.calls.map(([logical]) => logical)).toEqual([EXPERTS, EXPERT_BOOKINGS, EXPERTS, EXPERT_BOOKINGS]);
  });
});
