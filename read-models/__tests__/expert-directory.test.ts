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
