import { experts } from '../../commands/expert';
import { EXPERTS, ExpertDoc } from '../../projections/experts/projection';
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

  it('given one calendar changes, then only that expert is read again: the others stay the very same documents', async () => {
    const [a, b] = [await h.directory.get('exp-a'), await h.directory.get('exp-b')];
    await h.exec(experts, 'bookTime', { expertId: 'exp-b', visitId: 'visit-2', range: { start: '2030-03-04T09:00:00.000Z', end: '2030-03-04T10:00:00.000Z' } }, admin);
    await h.settle();
    const collection = await h.readModels.collection<ExpertDoc>(EXPERTS);
    const find = jest.spyOn(Object.getPrototypeOf(collection), 'findReadOnly');
    expect(await h.directory.get('exp-a')).toBe(a);
    const booked = await h.directory.get('exp-b');
    expect(booked).not.toBe(b);
    expect(booked?.bookings.map((x) => x.visitId)).toEqual(['visit-2']);
    expect(find.mock.calls.map(([filter]) => filter)).toEqual([{ projectedThrough: { $gt: b!.projectedThrough } }]);
    find.mockRestore();
  });

  it('given a read model switched to another collection (a rebuild), then every expert is read from it', async () => {
    const projected = await (await h.readModels.collection<ExpertDoc>(EXPERTS)).find({});
    const fixed = (id: string, through: number | undefined, skills: string[]): ExpertDoc => {
      const { projectedThrough: _p, ...doc } = projected.find((e) => e._id === id)!;
      return { ...doc, skills, ...(through === undefined ? {} : { projectedThrough: through }) };
    };
    await h.documents.collection('experts_one').insertOne(fixed('exp-a', undefined, ['washer']));
    await h.documents.collection('experts_one').insertOne(fixed('exp-b', 40, ['washer']));
    await h.documents.collection('experts_two').insertOne(fixed('exp-a', 10, ['oven']));
    let name = 'experts_one';
    let token = 't1';
    const directory = new ReadModelExpertDirectory({ collection: async () => h.documents.collection(name) as never, changeToken: () => token });
    expect((await directory.withSkills(['washer'])).map((e) => e.expertId)).toEqual(['exp-a', 'exp-b']);
    // A document written before `projectedThrough` existed is kept until it is written again.
    await h.documents.collection('experts_one').replaceOne({ _id: 'exp-a' }, fixed('exp-a', 41, ['washer', 'dryer']));
    token = 't2';
    expect((await directory.withSkills(['dryer'])).map((e) => e.expertId)).toEqual(['exp-a']);
    // The rebuilt collection's positions are all below the last one read: read in full all the same.
    name = 'experts_two';
    token = 't3';
    expect((await directory.withSkills([])).map((e) => [e.expertId, e.skills])).toEqual([['exp-a', ['oven']]]);
  });

  it('given another process writes the read model (no change token), when asked, then it reads every time', async () => {
    const elsewhere = new ReadModels(h.documents, [], { ttlMs: 0 });
    const readModels = { collection: h.readModels.collection.bind(h.readModels), changeToken: elsewhere.changeToken.bind(elsewhere) };
    const directory = new ReadModelExpertDirectory(readModels);
    const collection = jest.spyOn(readModels, 'collection');
    await directory.withSkills(['washer']);
    await directory.withSkills(['washer']);
    expect(collection).toHaveBeenCalledTimes(2);
  });
});
