import { io as connect, Socket } from 'socket.io-client';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { startTestSystem, TestSystem } from './harness';

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
});
