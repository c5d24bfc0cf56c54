import { io as connect, Socket } from 'socket.io-client';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { startLiveGateway } from '../live';
import { AllSubscription, SubscribeToAllOptions } from '../../event-store/port';
import { startTestSystem, TestSystem } from './harness';
import { at, markPaid, onboardExpert, openTicket, propose, ticketBody, walk, windowOn, WINDOW } from './scenario';

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

  /** A second customer (registered once), who owns none of the tickets the tests open. */
  let olga: string | undefined;
  async function anotherCustomer(): Promise<string> {
    if (olga) return olga;
    const contact = { name: 'Olga Other', email: 'olga@example.com', phone: '+1 555 0199', address: { line1: '2 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } } };
    expect((await sys.call('POST', '/auth/register', { body: { contact, notifyBy: 'email', password: 'another long password' } })).status).toBe(201);
    olga = (await sys.call('POST', '/auth/login', { body: { email: 'olga@example.com', password: 'another long password' } })).body.accessToken as string;
    return olga;
  }

  /** Everything a socket hears, by message name. */
  function recorder(socket: Socket, names: string[]): Record<string, { event: string; [field: string]: unknown }[]> {
    const heard: Record<string, { event: string }[]> = {};
    for (const name of names) {
      heard[name] = [];
      socket.on(name, (payload: { event: string }) => heard[name]!.push(payload));
    }
    return heard;
  }

  async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > end) throw new Error('not heard in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
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

  it('the customer receives ticket.updated, staff too and the dashboard counter, after a ticket event; another customer nothing', async () => {
    const customer = open(await sys.token('customer'));
    const ready = await once<{ rooms: string[] }>(customer, 'ready');
    expect(ready.rooms).toEqual(expect.arrayContaining(['user:user-customer', 'role:customer', 'customer:cust-test']));
    const helpdesk = open(await sys.token('helpdesk'));
    await once(helpdesk, 'ready');
    const manager = open(await sys.token('manager'));
    await once(manager, 'ready');
    const managerHeard = once<{ ticketId: string }>(manager, 'ticket.updated');
    const other = open(await anotherCustomer());
    await once(other, 'ready');
    let otherGotTicket = false;
    other.on('ticket.updated', () => (otherGotTicket = true));

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
    expect(await managerHeard).toMatchObject({ ticketId: 'tkt-live-1' });
    await sys.settle();
    expect(await sys.live!.waitFor(await sys.services.events.headPosition())).toBe(true);
    expect(otherGotTicket).toBe(false);
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

  it('a gateway nobody is connected to reads nothing for the events it follows, unless its rooms span other instances', async () => {
    const { createServer } = await import('node:http');
    const read = async (options: { roomsSpanInstances?: boolean }) => {
      const asked: string[] = [];
      const readModels = Object.create(sys.services.readModels) as typeof sys.services.readModels;
      readModels.collection = ((name: string) => {
        asked.push(name);
        return sys.services.readModels.collection(name);
      }) as typeof readModels.collection;
      const gateway = await startLiveGateway(createServer(), { ...sys.services, readModels }, { dashboardMs: 50, ...options });
      try {
        await openTicket(sys, await sys.token('customer'), ticketBody());
        expect(await gateway.waitFor(await sys.services.events.headPosition())).toBe(true);
        return asked;
      } finally {
        await gateway.close();
      }
    };
    expect(await read({})).toEqual([]);
    expect(await read({ roomsSpanInstances: true })).toEqual(expect.arrayContaining(['tickets', 'visits']));
  });

  it('every change of a visit reaches live whoever sees it: finalized, expert replaced, rescheduled, extended, completed; bookings reach the expert', async () => {
    await markPaid(sys, 'cust-test');
    const names = ['visit.updated', 'ticket.updated', 'expert.updated'];
    const { expertId: rita, token: ritaToken } = await onboardExpert(sys, await sys.token('admin'), { name: 'Rita Replacement', email: 'rita@test.local', phone: '+1 555 0103', password: 'rita has a long password' });
    const tokens = { customer: await sys.token('customer'), expert: await sys.token('expert'), helpdesk: await sys.token('helpdesk') };
    const others = { admin: await sys.token('admin'), manager: await sys.token('manager'), other: await anotherCustomer() };
    const sockets = {
      customer: open(tokens.customer),
      expert: open(tokens.expert),
      rita: open(ritaToken),
      helpdesk: open(tokens.helpdesk),
      admin: open(others.admin),
      manager: open(others.manager),
      other: open(others.other),
    };
    await Promise.all(Object.values(sockets).map((s) => once(s, 'ready')));
    const heard = Object.fromEntries(Object.entries(sockets).map(([who, s]) => [who, recorder(s, names)])) as Record<keyof typeof sockets, ReturnType<typeof recorder>>;

    // Finalized with the expert; helpdesk swaps in Rita, then reschedules; the expert takes it again and works it.
    const { ticketId, visitIds } = await openTicket(sys, tokens.customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(4, '09:00', '12:00')] }] }));
    const visitId = visitIds[0]!;
    await propose(sys, tokens.expert, visitId, [at(4, '09:00')]);
    expect((await sys.call('POST', `/helpdesk/visits/${visitId}/replace`, { token: tokens.helpdesk, body: { outExpertId: 'exp-test', inExpertId: rita } })).status).toBe(200);
    await sys.settle();
    expect((await sys.call('POST', `/helpdesk/visits/${visitId}/reschedule`, { token: tokens.helpdesk, body: { windows: [windowOn(5, '09:00', '12:00')], reason: 'customer asked' } })).status).toBe(200);
    await sys.settle();
    await propose(sys, tokens.expert, visitId, [at(5, '09:00')]);
    await walk(sys, tokens.expert, visitId, [['en-route', { eta: at(5, '08:50') }], ['arrived', {}], ['started', {}]]);
    expect((await sys.call('POST', `/visits/${visitId}/extension`, { token: tokens.expert, body: { minutes: 30 } })).body).toMatchObject({ status: 'extended' });
    await walk(sys, tokens.expert, visitId, [['complete', { notes: 'new hose' }]]);
    expect(await sys.live!.waitFor(await sys.services.events.headPosition())).toBe(true);
    const visitEvents = (who: keyof typeof sockets) => heard[who]['visit.updated']!.filter((m) => m.visitId === visitId).map((m) => m.event);
    const ticketEvents = (who: keyof typeof sockets) => heard[who]['ticket.updated']!.filter((m) => m.ticketId === ticketId).map((m) => m.event);
    await until(
      () =>
        (['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const).every((who) => visitEvents(who).includes('VisitCompleted')) &&
        (['customer', 'expert', 'helpdesk'] as const).every((who) => ticketEvents(who).includes('TicketVisitOutcomeRecorded')),
    );

    const changes = ['VisitFinalized', 'VisitExpertReplaced', 'VisitRescheduled', 'VisitExtended', 'VisitCompleted'];
    // The customer: every change of the schedule, never who offered what.
    expect(visitEvents('customer')).toEqual(expect.arrayContaining(changes));
    expect(visitEvents('customer')).not.toContain('VisitSlotsProposed');
    expect(heard.customer['visit.updated']!.find((m) => m.event === 'VisitFinalized')).toMatchObject({ ticketId, visitId, status: 'finalized', start: at(4, '09:00'), experts: ['exp-test'] });
    // Staff: everything.
    for (const who of ['helpdesk', 'admin', 'manager'] as const) expect([who, visitEvents(who)]).toEqual([who, expect.arrayContaining([...changes, 'VisitSlotsProposed'])]);
    // The experts: what happened to visits they were on, the one swapped out and the one released included.
    expect(visitEvents('expert')).toEqual(expect.arrayContaining(['VisitFinalized', 'VisitExpertReplaced', 'VisitExtended', 'VisitCompleted']));
    expect(visitEvents('expert')).not.toContain('VisitRescheduled'); // Rita's then, not theirs
    expect(visitEvents('rita')).toEqual(expect.arrayContaining(['VisitExpertReplaced', 'VisitRescheduled']));
    expect(visitEvents('rita')).not.toContain('VisitCompleted');
    // The ticket's outcome reaches the customer, the expert on it and staff.
    for (const who of ['customer', 'helpdesk'] as const) expect([who, ticketEvents(who)]).toEqual([who, expect.arrayContaining(['TicketOpened', 'TicketVisitOutcomeRecorded'])]);
    expect(ticketEvents('expert')).toContain('TicketVisitOutcomeRecorded');
    expect(ticketEvents('expert')).not.toContain('TicketOpened'); // nobody was on it yet
    // Calendars: a booking made, moved to Rita and released reaches each expert, and staff.
    const calendar = (who: keyof typeof sockets, expertId: string) => heard[who]['expert.updated']!.filter((m) => m.expertId === expertId).map((m) => m.event);
    expect(calendar('expert', 'exp-test')).toEqual(expect.arrayContaining(['ExpertTimeBooked', 'ExpertBookingReleased', 'ExpertBookingExtended']));
    expect(calendar('rita', rita)).toEqual(expect.arrayContaining(['ExpertTimeBooked', 'ExpertBookingReleased']));
    expect(calendar('rita', 'exp-test')).toEqual([]);
    expect(calendar('helpdesk', rita)).toEqual(expect.arrayContaining(['ExpertTimeBooked']));
    // Another customer hears nothing of it.
    expect(Object.values(heard.other).flat()).toEqual([]);
  });
});
