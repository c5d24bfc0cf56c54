/** The categories the ticket form offers, each with the first visit it proposes. */
import { startTestSystem, TestSystem } from './harness';

describe('GET /catalog/categories', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  it('lists the categories of listed models with their first visit; a retired model no longer counts', async () => {
    const admin = await sys.token('admin');
    const add = (body: Record<string, unknown>) => sys.call('POST', '/catalog/models', { token: admin, body });
    expect((await add({ brand: 'Carrier', model: '24ACC6', category: 'HVAC', requiredSkills: ['hvac', 'refrigeration'] })).status).toBe(201);
    const dryer = await add({ brand: 'Whirlpool', model: 'WED5000', category: 'dryer', requiredSkills: ['dryer', 'electrical'] });
    expect(dryer.status).toBe(201);
    const listed = await sys.call('GET', '/catalog/categories');
    expect(listed.status).toBe(200);
    expect(listed.body.categories).toEqual(
      expect.arrayContaining([
        { category: 'hvac', firstVisit: { skills: ['hvac', 'refrigeration'], expertsNeeded: 1, durationMinutes: 120 } },
        { category: 'dryer', firstVisit: { skills: ['dryer', 'electrical'], expertsNeeded: 1, durationMinutes: 90 } },
      ]),
    );
    expect((await sys.call('POST', `/catalog/models/${dryer.body.modelId}/retire`, { token: admin })).status).toBe(200);
    const after = await sys.call('GET', '/catalog/categories');
    expect(after.body.categories.map((c: { category: string }) => c.category)).not.toContain('dryer');
  });
});
