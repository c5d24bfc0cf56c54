/**
 * GET /tickets/{id}/suggested-articles: the knowledge base's articles that may help with a ticket,
 * for staff and the expert on it, ranked by its appliance model, category and problem words.
 */
import { startTestSystem, TestSystem } from './harness';
import { at, expectProblem, markPaid, openTicket, propose, ticketBody, windowOn } from './scenario';

describe('suggested articles for a ticket', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let helpdesk: string;
  let washer: string;
  const ids: Record<string, string> = {};

  const write = async (name: string, body: Record<string, unknown>) => {
    const r = await sys.call('POST', '/kb/articles', { token: expert, body });
    expect(r.status).toBe(201);
    ids[name] = r.body.articleId;
  };
  const suggested = (ticketId: string, token: string, query = '') => sys.call('GET', `/tickets/${ticketId}/suggested-articles${query}`, { token });

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    helpdesk = await sys.token('helpdesk');
    const admin = await sys.token('admin');
    const added = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Acme', model: 'Washer 3000', category: 'washer', requiredSkills: ['washer'] } });
    washer = added.body.modelId;
    await write('sameModel', { title: 'Tub seal leaks during the spin cycle', problem: 'Water on the floor under the washer after a spin', fix: 'Replace the tub seal and bearing kit', tags: ['leak'], applianceModelId: washer, category: 'washer' });
    await write('sameCategory', { title: 'Drum does not turn', problem: 'The motor hums but the drum stays still', fix: 'Replace the drive belt', category: 'washer' });
    await write('otherCategory', { title: 'Dryer does not heat', problem: 'Runs but stays cold', fix: 'Replace the thermal fuse', category: 'dryer' });
    await write('dishwasherLeak', { title: 'Dishwasher leaks water on the floor', problem: 'Water on the floor in front of the door', fix: 'Replace the door gasket', category: 'dishwasher' });
    await write('retired', { title: 'Old advice on leaks', problem: 'Water on the floor', fix: 'Tighten everything', applianceModelId: washer, category: 'washer' });
    expect((await sys.call('POST', `/kb/articles/${ids.retired}/retire`, { token: expert, body: { reason: 'wrong' } })).status).toBe(200);
    expect((await sys.call('POST', `/kb/articles/${ids.sameCategory}/rating`, { token: helpdesk, body: { helpful: true } })).status).toBe(200);
    await sys.settle();
  });
  afterAll(() => sys.stop());

  it('ranks articles by the model, the category and the problem words they share; leaves out retired and unrelated ones', async () => {
    const { ticketId, visitIds } = await openTicket(sys, customer, { ...ticketBody({ problem: 'The washer leaks water on the floor' }), applianceModelText: undefined, applianceModelId: washer });
    const r = await suggested(ticketId, helpdesk);
    expect(r.status).toBe(200);
    expect(r.body.basis).toEqual({ applianceModelId: washer, category: 'washer', modelFrom: 'ticket' });
    expect(r.body.suggestions.map((s: { article: { articleId: string } }) => s.article.articleId)).toEqual([ids.sameModel, ids.dishwasherLeak, ids.sameCategory]);
    expect(r.body.suggestions[0]).toMatchObject({ matchedOn: ['model', 'category', 'words'], sharedWords: ['washer', 'leak', 'water', 'floor'], article: { title: 'Tub seal leaks during the spin cycle', fix: 'Replace the tub seal and bearing kit' } });
    // Another appliance with the same trouble outranks the same appliance with another one.
    expect(r.body.suggestions[1]).toMatchObject({ matchedOn: ['words'], sharedWords: ['leak', 'water', 'floor'] });
    expect(r.body.suggestions[2]).toMatchObject({ matchedOn: ['category'], sharedWords: [] });
    expect((await suggested(ticketId, helpdesk, '?limit=1')).body.suggestions).toHaveLength(1);
    expectProblem(await suggested(ticketId, helpdesk, '?limit=0'), 400);

    // The customer may not; an expert only once on the ticket.
    expectProblem(await suggested(ticketId, customer), 403);
    expect([403, 404]).toContain((await suggested(ticketId, expert)).status);
    await propose(sys, expert, visitIds[0]!, [at(3, '09:00')]);
    const mine = await suggested(ticketId, expert);
    expect(mine.status).toBe(200);
    expect(mine.body.suggestions[0].article.articleId).toBe(ids.sameModel);
    expectProblem(await suggested('no-such-ticket', helpdesk), 404);
  });

  it('reads a free-text appliance as the catalog model it names; with none, by the problem only', async () => {
    const freeText = await openTicket(sys, customer, ticketBody({ applianceModelText: 'my acme washer 3000', problem: 'Drum does not turn', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(4, '09:00', '12:00')] }] }));
    const r = await suggested(freeText.ticketId, helpdesk);
    expect(r.body.basis).toEqual({ applianceModelId: washer, category: 'washer', modelFrom: 'free-text' });
    expect(r.body.suggestions.map((s: { article: { articleId: string }; matchedOn: string[] }) => [s.article.articleId, s.matchedOn])).toEqual([
      [ids.sameModel, ['model', 'category']],
      [ids.sameCategory, ['category', 'words']],
    ]);

    const unknown = await openTicket(sys, customer, ticketBody({ applianceModelText: 'some old machine', problem: 'Runs but stays cold, does not heat', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(4, '13:00', '16:00')] }] }));
    const byWords = await suggested(unknown.ticketId, helpdesk);
    expect(byWords.body.basis).toEqual({ applianceModelId: null, category: null, modelFrom: 'none' });
    expect(byWords.body.suggestions.map((s: { article: { articleId: string } }) => s.article.articleId)).toEqual([ids.otherCategory]);
  });
});
