/**
 * Rebuilding a read model over HTTP (admins): started with POST /rebuilds, watched with
 * GET /rebuilds/:id to done, readers switched to the new build and still answering; a second
 * start refused while one runs; an unknown read model refused with the names that exist.
 */
import { allProjections } from '../../projections/all';
import { Projection } from '../../projections/projection';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem, markPaid, openTicket } from './scenario';

/** A read model whose handler waits while the gate is shut: a rebuild of it runs as long as the test wants. */
function gated() {
  let open: () => void = () => undefined;
  let shut: Promise<void> | null = null;
  const projection: Projection = {
    name: 'gated',
    version: 1,
    eventTypes: '*',
    collections: { gated_events: [] },
    async handle(event, { collection }) {
      if (shut) await shut;
      await collection('gated_events').updateOne({ _id: event.id }, { $set: { type: event.type } }, { upsert: true });
    },
  };
  return {
    projection,
    shut: () => (shut = new Promise((resolve) => (open = resolve))),
    open: () => {
      shut = null;
      open();
    },
  };
}

async function until(sys: TestSystem, token: string, rebuildId: string, states: string[]): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await sys.call('GET', `/rebuilds/${rebuildId}`, { token });
    expect(r.status).toBe(200);
    if (states.includes(r.body.state)) return r.body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`rebuild ${rebuildId} never reached ${states.join('/')}`);
}

describe('read model rebuilds over HTTP', () => {
  const gate = gated();
  let sys: TestSystem;
  let admin: string;

  beforeAll(async () => {
    sys = await startTestSystem({ projections: [...allProjections, gate.projection] });
    admin = await sys.token('admin');
    await markPaid(sys, 'cust-test');
  });
  afterAll(async () => {
    gate.open();
    await sys.stop();
  });

  it('rebuilds the tickets read model to done, and readers are served by the new build', async () => {
    const ticket = await openTicket(sys, await sys.token('customer'));
    const head = await sys.services.events.headPosition();
    const before = (await sys.call('GET', '/projections', { token: admin })).body.projections.find((p: { name: string }) => p.name === 'tickets');

    const started = await sys.call('POST', '/rebuilds', { token: admin, body: { readModel: 'tickets' } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ readModel: 'tickets', state: 'running', head, startedBy: sys.accounts.admin.userId, finishedAt: null, error: null });
    expect(started.headers.get('location')).toBe(`/rebuilds/${started.body.rebuildId}`);

    const done = await until(sys, admin, started.body.rebuildId, ['done', 'failed']);
    expect(done).toMatchObject({ state: 'done', percent: 100, position: head, resumedFrom: 0, error: null, finishedAt: expect.any(String) });

    const after = (await sys.call('GET', '/projections', { token: admin })).body.projections.find((p: { name: string }) => p.name === 'tickets');
    expect(after.suffix).not.toBe(before.suffix);
    expect(after).toMatchObject({ role: 'active', position: head });
    const read = await sys.call('GET', `/tickets/${ticket.ticketId}`, { token: admin });
    expect([read.status, read.body.ticketId]).toEqual([200, ticket.ticketId]);

    // It stays live on the new build: a new ticket shows up.
    const next = await openTicket(sys, await sys.token('customer'));
    expect((await sys.call('GET', `/tickets/${next.ticketId}`, { token: admin })).status).toBe(200);

    const list = await sys.call('GET', '/rebuilds', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.rebuilds[0]).toMatchObject({ rebuildId: started.body.rebuildId, state: 'done' });
    expect(list.body.readModels).toEqual(expect.arrayContaining(['tickets', 'experts', 'gated']));
  });

  it('refuses a second rebuild while one runs, and takes one again once it is done', async () => {
    gate.shut();
    const first = await sys.call('POST', '/rebuilds', { token: admin, body: { readModel: 'gated' } });
    expect(first.status).toBe(202);

    const second = await sys.call('POST', '/rebuilds', { token: admin, body: { readModel: 'experts' } });
    expectProblem(second, 409, 'rebuild-running');
    expect(second.body.detail).toMatch(/gated read model is being rebuilt/);
    expect(second.body.rebuildId).toBe(first.body.rebuildId);
    expect((await sys.call('GET', `/rebuilds/${first.body.rebuildId}`, { token: admin })).body.state).toBe('running');

    gate.open();
    expect(await until(sys, admin, first.body.rebuildId, ['done', 'failed'])).toMatchObject({ state: 'done', percent: 100 });

    const third = await sys.call('POST', '/rebuilds', { token: admin, body: { readModel: 'experts' } });
    expect(third.status).toBe(202);
    expect(await until(sys, admin, third.body.rebuildId, ['done', 'failed'])).toMatchObject({ state: 'done' });
  });

  it('refuses an unknown read model, naming the ones there are', async () => {
    const r = await sys.call('POST', '/rebuilds', { token: admin, body: { readModel: 'nonsense' } });
    expectProblem(r, 400);
    expect(r.body.detail).toMatch(/No read model nonsense: one of .*tickets/);
    expectProblem(await sys.call('GET', '/rebuilds/no-such-rebuild', { token: admin }), 404);
  });

  it('is for admins only', async () => {
    expectProblem(await sys.call('POST', '/rebuilds', { token: await sys.token('helpdesk'), body: { readModel: 'tickets' } }), 403);
    expectProblem(await sys.call('GET', '/rebuilds', { token: await sys.token('manager') }), 403);
  });
});
