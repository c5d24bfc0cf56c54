/**
 * New tickets name an appliance model the catalog lists: an unknown id is refused pointing to free
 * text, a retired model is refused — or recorded as its successor when the catalog names one.
 */
import { startTestSystem, TestSystem } from './harness';
import { expectProblem, markPaid, openTicket, ticketBody } from './scenario';

describe('the appliance model of a new ticket', () => {
  let sys: TestSystem;
  let customer: string;
  let helpdesk: string;
  let admin: string;

  const byModel = (applianceModelId: string, extra: Record<string, unknown> = {}) => ({ ...ticketBody(extra), applianceModelText: undefined, applianceModelId });
  const addModel = async (brand: string, model: string, category = 'washer'): Promise<string> => {
    const r = await sys.call('POST', '/catalog/models', { token: admin, body: { brand, model, category, requiredSkills: ['washer'] } });
    expect(r.status).toBe(201);
    return r.body.modelId;
  };

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    helpdesk = await sys.token('helpdesk');
    admin = await sys.token('admin');
  });
  afterAll(() => sys.stop());

  it('an unknown model is refused with 422 pointing to applianceModelText, and nothing is written; a listed one opens', async () => {
    const listed = await addModel('Acme', 'Washer 3000');
    await sys.settle();
    const head = await sys.services.events.headPosition();
    const unknown = await sys.call('POST', '/tickets', { token: customer, body: byModel('acme-washer-9999') });
    expectProblem(unknown, 422, 'unknown-appliance-model');
    expect(unknown.body).toMatchObject({ applianceModelId: 'acme-washer-9999', use: 'applianceModelText', detail: expect.stringContaining('applianceModelText') });
    expectProblem(await sys.call('POST', '/tickets', { token: helpdesk, body: byModel('acme-washer-9999', { customerId: 'cust-test' }) }), 422, 'unknown-appliance-model');
    expect(await sys.services.events.headPosition()).toBe(head);

    const opened = await openTicket(sys, customer, byModel(listed));
    expect(opened).toMatchObject({ status: 'open', applianceModelId: listed });
    expect(opened).not.toHaveProperty('replacedRetiredModelId');
    expect((await sys.call('GET', `/tickets/${opened.ticketId}`, { token: customer })).body.appliance).toEqual({ modelId: listed, text: null });
  });

  it('a retired model is refused; retired with a successor, the ticket records the successor', async () => {
    const old = await addModel('Acme', 'Washer 1000');
    const successor = await addModel('Acme', 'Washer 1100');
    const dryer = await addModel('Acme', 'Dryer 50', 'dryer');
    expect((await sys.call('POST', `/catalog/models/${old}/retire`, { token: admin })).body).toEqual({ modelId: old, retired: true, successorId: null });
    await sys.settle();
    const head = await sys.services.events.headPosition();
    const refused = await sys.call('POST', '/tickets', { token: customer, body: byModel(old) });
    expectProblem(refused, 422, 'appliance-model-retired');
    expect(refused.body.detail).toBe(`Acme Washer 1000 (${old}) is retired and can no longer be picked: pick a listed model, or describe the appliance in applianceModelText instead`);
    expect(await sys.services.events.headPosition()).toBe(head);

    // The successor must be a listed model of the same category.
    expectProblem(await sys.call('POST', `/catalog/models/${old}/retire`, { token: admin, body: { successorId: 'acme-nothing' } }), 422, 'invalid-successor');
    expectProblem(await sys.call('POST', `/catalog/models/${old}/retire`, { token: admin, body: { successorId: dryer } }), 422, 'invalid-successor');
    expectProblem(await sys.call('POST', `/catalog/models/${old}/retire`, { token: admin, body: { successorId: old } }), 422, 'invalid-successor');
    const named = await sys.call('POST', `/catalog/models/${old}/retire`, { token: admin, body: { successorId: successor } });
    expect(named.body).toEqual({ modelId: old, retired: true, successorId: successor });
    await sys.settle();
    expect((await sys.call('GET', `/catalog/models/${old}`)).body).toMatchObject({ retired: true, successorId: successor });

    const opened = await openTicket(sys, customer, byModel(old));
    expect(opened).toMatchObject({ status: 'open', applianceModelId: successor, replacedRetiredModelId: old });
    expect((await sys.call('GET', `/tickets/${opened.ticketId}`, { token: customer })).body.appliance).toEqual({ modelId: successor, text: null });

    // Reinstated, it is listed again and recorded as itself.
    expect((await sys.call('POST', `/catalog/models/${old}/reinstate`, { token: admin })).status).toBe(200);
    await sys.settle();
    expect((await sys.call('GET', `/catalog/models/${old}`)).body).toMatchObject({ retired: false, successorId: null });
    expect(await openTicket(sys, customer, byModel(old))).toMatchObject({ applianceModelId: old });
  });
});
