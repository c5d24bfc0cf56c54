import { io as connect, Socket } from 'socket.io-client';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { startLiveGateway } from '../live';
import { AllSubscription, SubscribeToAllOptions } from '../../event-store/port';
import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket, propose, ticketBody, walk, WINDOW } from './scenario';

function once<T>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

describe('live gateway (socket.io)', () => {
  let sys: TestSystem;
  const sockets: Socket[] = [];
  const open = (token?: string) => {
    const s = connect(sys.url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(token ? { auth: { token } } : {}) });
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    sys = await startTestSystem({ live: true });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await sys.stop();
  });

  it('refuses a handshake without a valid token', async () => {
    const anonymous = open();
    const error = await once<Error>(anonymous, 'connect_error');
    expect(error.message).toBe('unauthorized');
    const forged = open('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged');
    expect((await once<Error>(forged, 'connect_error')).message).toBe('unauthorized');
  });

  it('the customer receives ticket.updated, helpdesk the dashboard counter, after a ticket event', async () => {
    const customer = open(await sys.token('customer'));
    const ready = await once<{ rooms: string[] }>(customer, 'ready');
    expect(ready.rooms).toEqual(expect.arrayContaining(['user:user-customer', 'role:customer', 'customer:cust-test']));
    const helpdesk = open(await sys.token('helpdesk'));
    await once(helpdesk, 'ready');
    const other = open(await sys.token('manager'));
    await once(other, 'ready');
    let managerGotTicket = false;
    other.on('ticket.updated', () => (managerGotTicket = true));

    const updated = once<{ ticketId: string; status: string }>(customer, 'ticket.updated');
    const flagged = once<{ ticketId: string; reason: string }>(helpdesk, 'helpdesk.flagged');
    const dashboard = new Promise<{ byStatus: Record<string, number> }>((resolve) =>
      helpdesk.on('dashboard.open-tickets', (d: { byStatus: Record<string, number> }) => (d.byStatus['on-hold'] ?? 0) >= 1 && resolve(d)),
    );
    const now = sys.clock.now;
    await send(sys.services.commands, tickets, {
      type: 'openTicket',
      data: {
        ticketId: 'tkt-live-1',
        customerId: 'cust-test',
        applianceModelText: 'Acme washer 3000',
        problem: 'leaks water',
        priority: 'normal',
        location: { lat: 42.1015, lon: -72.5898 },
        visits: [{ visitId: 'vis-live-1', skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [{ start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T17:00:00.000Z' }] }],
        dependencies: [],
        paymentStatus: 'unknown',
      },
      metadata: { commandId: 'live-open-1', now, actor: { userId: 'user-customer', role: 'customer' } },
    });
    expect(await updated).toMatchObject({ ticketId: 'tkt-live-1', status: 'on-hold' });
    expect(await flagged).toMatchObject({ ticketId: 'tkt-live-1', reason: 'payment-status-unknown' });
    expect((await dashboard).byStatus['on-hold']).toBeGreaterThanOrEqual(1);
    await sys.settle();
    expect(await sys.live!.waitFor(await sys.services.events.headPosition())).toBe(true);
    expect(managerGotTicket).toBe(false);
  });

  it('an expert’s feed hears a matching visit open and then taken; the customer hears the ETA', async () => {
    await markPaid(sys, 'cust-test');
    const customerToken = await sys.token('customer');
    const expertToken = await sys.token('expert');
    const expert = open(expertToken);
    await once(expert, 'ready');
    const customer = open(customerToken);
    await once(customer, 'ready');

    const opened = new Promise<{ visitId: string; skills: string[] }>((resolve) => expert.on('feed.visit-opened', resolve));
    const { visitIds } = await openTicket(sys, customerToken, ticketBody());
    const visitId = visitIds[0]!;
    expect(await opened).toMatchObject({ visitId, skills: ['washer'] });

    const taken = once<{ visitId: string }>(expert, 'feed.visit-taken');
    const assigned = once<{ visitId: string }>(expert, 'visit.assigned');
    await propose(sys, expertToken, visitId, [WINDOW.start]);
    expect(await taken).toMatchObject({ visitId });
    expect(await assigned).toMatchObject({ visitId });

    const eta = once<{ visitId: string; eta: string }>(customer, 'visit.eta');
    await walk(sys, expertToken, visitId, [['en-route', { eta: '2026-03-03T09:20:00.000Z' }]]);
    expect(await eta).toMatchObject({ visitId, eta: '2026-03-03T09:20:00.000Z', expertId: 'exp-test' });
  });

  it('a disabled account cannot open a socket, even with an unexpired token', async () => {
    const manager = await sys.token('manager');
    const admin = await sys.token('admin');
    expect((await sys.call('POST', `/users/${sys.accounts.manager.userId}/disable`, { token: admin, body: { reason: 'left' } })).status).toBe(200);
    const socket = open(manager);
    expect((await once<Error>(socket, 'connect_error')).message).toBe('account disabled');
    expect((await sys.call('POST', `/users/${sys.accounts.manager.userId}/enable`, { token: admin })).status).toBe(200);
    const again = open(manager);
    await once(again, 'ready');
  });

  it('a gateway started on a store with history follows from the head and reads nothing before it', async () => {
    await openTicket(sys, await sys.token('customer'), ticketBody());
    const head = await sys.services.events.headPosition();
    const asked: SubscribeToAllOptions[] = [];
    const events = Object.create(sys.services.events) as typeof sys.services.events;
    events.subscribeToAll = (options: SubscribeToAllOptions = {}): AllSubscription => {
      asked.push(options);
      return sys.services.events.subscribeToAll(options);
    };
    const { createServer } = await import('node:http');
    const server = createServer();
    const gateway = await startLiveGateway(server, { ...sys.services, events }, { dashboardMs: 50 });
    try {
      expect(asked.map((o) => o.fromPosition)).toEqual([head]);
      await openTicket(sys, await sys.token('customer'), ticketBody());
      expect(await gateway.waitFor(await sys.services.events.headPosition())).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});
