import { allProjections } from '../../projections/all';
import { Projection } from '../../projections/projection';
import { ProcessManager } from '../../sagas/process-manager';
import { allRoutes } from '../routes';
import { startTestSystem, TestSystem } from './harness';
import { markPaid, shortlyBefore, ticketBody } from './scenario';

/** The reports read model, made slow: each event takes `delayMs` more while `slow.on`. */
function slowed(projection: Projection, slow: { on: boolean; delayMs: number }): Projection {
  return {
    ...projection,
    async handle(event, context) {
      if (slow.on) await new Promise((r) => setTimeout(r, slow.delayMs));
      return projection.handle(event, context);
    },
  };
}

describe('read-your-writes', () => {
  const slow = { on: false, delayMs: 1500 };
  let sys: TestSystem;
  let customer: string;
  let helpdesk: string;

  beforeAll(async () => {
    const projections = allProjections.map((p) => (p.name === 'reports' ? slowed(p, slow) : p));
    // The matching saga slowed the same way: each event takes delayMs more while `slow.on`.
    const saga = (manager: ProcessManager): ProcessManager => ({
      ...manager,
      async handle(event, ctx) {
        if (slow.on) await new Promise((r) => setTimeout(r, 300));
        return manager.handle(event, ctx);
      },
    });
    sys = await startTestSystem({ projections, saga });
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    helpdesk = await sys.token('helpdesk');
  });
  afterAll(async () => {
    slow.on = false;
    await sys.stop();
  });

  it('every command route names the read models its answer shows, and they exist', () => {
    const names = new Set([...allProjections.map((p) => p.name), ...sys.services.sagaNames]);
    // Routes that write no event a read model shows (sessions), only retry a delivery, start a rebuild (no event at all) or save or start a card at the gateway.
    const writesNoReadModel = new Set(['post /auth/login', 'post /auth/refresh', 'post /auth/logout', 'post /notifications/parked/:messageId/retry', 'post /rebuilds', 'post /payments/sandbox/cards', 'post /customers/:customerId/payment-method/setup']);
    for (const spec of allRoutes) {
      if (spec.method === 'get' || writesNoReadModel.has(`${spec.method} ${spec.path}`)) continue;
      expect([spec.path, (spec.readsNext?.length ?? 0) > 0]).toEqual([spec.path, true]);
      for (const name of spec.readsNext ?? []) expect([spec.path, names.has(name)]).toEqual([spec.path, true]);
    }
  });

  it('the ticket and every visit a POST /tickets answer names can be read at once', async () => {
    const body = ticketBody({ visits: [0, 1, 2].map(() => ticketBody().visits[0]) });
    for (let round = 0; round < 5; round++) {
      const opened = await sys.call('POST', '/tickets', { token: customer, body });
      expect(opened.status).toBe(201);
      expect(Number(opened.headers.get('x-event-position'))).toBeGreaterThan(0);
      const reads = await Promise.all([
        sys.call('GET', `/tickets/${opened.body.ticketId}`, { token: customer }),
        ...opened.body.visitIds.map((visitId: string) => sys.call('GET', `/visits/${visitId}`, { token: customer })),
      ]);
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    }
    await sys.settle();
  });

  it('a slow unrelated read model does not hold up a command answer; X-Min-Position makes a later read wait for it', async () => {
    slow.on = true;
    try {
      const opened = await sys.call('POST', '/tickets', { token: customer, body: ticketBody() });
      expect(opened.status).toBe(201);
      // The answer came while the reports read model had not applied the ticket's event yet.
      const position = opened.headers.get('x-event-position')!;
      const reports = sys.services.engine.status().then((all) => all.find((p) => p.name === 'reports')!.position);
      expect(await reports).toBeLessThan(Number(position));

      const consistent = await sys.call('GET', '/tickets', { token: helpdesk, headers: { 'x-min-position': position } });
      expect(consistent.status).toBe(200);
      expect((await sys.services.engine.status()).find((p) => p.name === 'reports')!.position).toBeGreaterThanOrEqual(Number(position));
    } finally {
      slow.on = false;
      await sys.settle();
    }
  });

  it("an expert completes the ticket right after the last visit's completion, without waiting in between", async () => {
    const expert = await sys.token('expert');
    const opened = await sys.call('POST', '/tickets', { token: customer, body: ticketBody() });
    const [visitId] = opened.body.visitIds as string[];
    const start = '2026-03-03T10:00:00.000Z';
    expect((await sys.call('POST', `/visits/${visitId}/proposals`, { token: expert, body: { starts: [start] } })).status).toBe(200);
    await sys.settle(); // the matching saga finalizes the visit
    const steps: [string, Record<string, unknown>][] = [['en-route', { eta: start }], ['arrived', {}], ['started', {}], ['complete', { notes: 'replaced the door seal' }]];
    slow.on = true; // the matching saga, which tells the ticket, takes its time
    try {
      for (const [step, body] of steps) {
        const send = () => sys.call('POST', `/visits/${visitId}/${step}`, { token: expert, body });
        expect([step, (step === 'en-route' ? await shortlyBefore(sys, start, send) : await send()).status]).toEqual([step, 200]);
      }
      const completed = await sys.call('POST', `/tickets/${opened.body.ticketId}/complete`, { token: expert, body: { resolution: 'door seal replaced' } });
      expect([completed.status, completed.body?.code]).toEqual([200, undefined]);
    } finally {
      slow.on = false;
      await sys.settle();
    }
  });

  it('a bad X-Min-Position is a 400 problem, not a wait', async () => {
    const r = await sys.call('GET', '/tickets', { token: helpdesk, headers: { 'x-min-position': 'soon' } });
    expect(r.status).toBe(400);
    expect(r.body.title).toBe('Invalid X-Min-Position');
  });
});
