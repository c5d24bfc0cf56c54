import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket as open, shortlyBefore, ticketBody, WINDOW } from './scenario';

const START = '2026-03-03T09:00:00.000Z';

describe('tickets over HTTP', () => {
  let sys: TestSystem;
  let customer: string;
  let expert: string;
  let helpdesk: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    expert = await sys.token('expert');
    helpdesk = await sys.token('helpdesk');
  });
  afterAll(() => sys.stop());

  const openTicket = (token = customer, extra: Record<string, unknown> = {}) => open(sys, token, ticketBody(extra));

  it('walks a ticket from creation to survey the way clients do', async () => {
    const opened = await openTicket();
    expect(opened.status).toBe('open');
    const [visitId] = opened.visitIds;

    const mine = await sys.call('GET', '/tickets', { token: customer });
    expect(mine.status).toBe(200);
    expect(mine.body.tickets.map((t: { ticketId: string }) => t.ticketId)).toContain(opened.ticketId);

    const feed = await sys.call('GET', '/visits/feed', { token: expert });
    expect(feed.status).toBe(200);
    expect(feed.body.visits.map((v: { visitId: string }) => v.visitId)).toContain(visitId);

    const proposed = await sys.call('POST', `/visits/${visitId}/proposals`, { token: expert, body: { starts: [START] } });
    expect(proposed.status).toBe(200);
    await sys.settle();

    const visit = await sys.call('GET', `/visits/${visitId}`, { token: expert });
    expect(visit.status).toBe(200);
    expect(visit.body).toMatchObject({ status: 'finalized', start: START, experts: ['exp-test'] });
    const schedule = await sys.call('GET', '/visits/mine', { token: expert });
    expect(schedule.body.scheduled.map((v: { visitId: string }) => v.visitId)).toContain(visitId);

    for (const [path, body] of [
      ['en-route', { eta: '2026-03-03T09:05:00.000Z' }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'replaced the hose' }],
    ] as const) {
      const send = () => sys.call('POST', `/visits/${visitId}/${path}`, { token: expert, body });
      const r = path === 'en-route' ? await shortlyBefore(sys, START, send) : await send();
      expect([path, r.status, r.body]).toEqual([path, 200, expect.anything()]);
    }
    await sys.settle();

    const ticket = await sys.call('GET', `/tickets/${opened.ticketId}`, { token: customer });
    expect(ticket.status).toBe(200);
    expect(ticket.body.visits[0]).toMatchObject({ visitId, status: 'completed', outcome: 'completed', experts: ['exp-test'] });

    const done = await sys.call('POST', `/tickets/${opened.ticketId}/complete`, { token: expert, body: { resolution: 'hose replaced' } });
    expect(done.status).toBe(200);
    await sys.settle();

    const notes = await sys.call('GET', `/tickets/${opened.ticketId}/notifications`, { token: customer });
    expect(notes.status).toBe(200);
    const survey = notes.body.messages.find((m: { template: string }) => m.template === 'ticket-completed-survey');
    expect(survey).toBeDefined();
    const token = /\/feedback\/([A-Za-z0-9_-]+)/.exec(survey.body)![1]!;

    const about = await sys.call('GET', `/survey/${token}`);
    expect(about.status).toBe(200);
    expect(about.body).toMatchObject({ ticketId: opened.ticketId, answered: false });
    const answer = await sys.call('POST', `/survey/${token}`, { body: { rating: 5, comments: 'quick and tidy' } });
    expect(answer.status).toBe(201);
    expect((await sys.call('POST', `/survey/${token}`, { body: { rating: 4 } })).status).toBe(409);
    await sys.settle();

    const final = await sys.call('GET', `/tickets/${opened.ticketId}`, { token: customer });
    expect(final.body).toMatchObject({ status: 'completed', survey: { rating: 5, comments: 'quick and tidy' } });

    const history = await sys.call('GET', `/tickets/${opened.ticketId}/history`, { token: helpdesk });
    expect(history.status).toBe(200);
    const types = history.body.history.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['TicketOpened', 'VisitPlanned', 'VisitSlotsProposed', 'VisitFinalized', 'VisitCompleted', 'TicketCompleted', 'TicketSurveyRecorded']));
  });

  it('a customer cannot read or cancel another customer’s ticket; an expert cannot act on a visit not theirs', async () => {
    // Helpdesk enters a ticket for a customer who called (an unknown one: open-ticket.test.ts).
    const forCaller = await sys.call('POST', '/tickets', { token: helpdesk, body: ticketBody({ customerId: 'cust-test' }) });
    expect(forCaller.status).toBe(201);
    await sys.settle();
    const { ticketId, visitIds } = forCaller.body;

    // Register a second customer and see that they cannot see cust-test's ticket.
    const reg = await sys.call('POST', '/auth/register', {
      body: {
        contact: { name: 'Olga Other', email: 'olga@example.com', phone: '+1 555 0199', address: { line1: '2 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } } },
        notifyBy: 'email',
        password: 'another long password',
      },
    });
    expect(reg.status).toBe(201);
    const login = await sys.call('POST', '/auth/login', { body: { email: 'olga@example.com', password: 'another long password' } });
    const olga = login.body.accessToken as string;
    expect((await sys.call('GET', `/tickets/${ticketId}`, { token: olga })).status).toBe(404);
    expect((await sys.call('POST', `/tickets/${ticketId}/cancel`, { token: olga, body: { reason: 'mine now' } })).status).toBe(404);
    expect((await sys.call('GET', `/visits/${visitIds[0]}`, { token: olga })).status).toBe(404);
    expect((await sys.call('GET', '/tickets', { token: olga })).body.tickets).toEqual([]);
    expect((await sys.call('GET', '/tickets', { token: customer })).body.tickets.map((t: { ticketId: string }) => t.ticketId)).toContain(ticketId);

    // The expert can see the open visit (their feed) but is not on it: no execution step.
    const step = await sys.call('POST', `/visits/${visitIds[0]}/arrived`, { token: expert, body: {} });
    expect(step.status).toBe(403);
    // Roles are enforced before anything else.
    expect((await sys.call('GET', '/helpdesk/queue', { token: customer })).status).toBe(403);
    expect((await sys.call('GET', '/visits/feed', { token: customer })).status).toBe(403);
    expect((await sys.call('POST', `/tickets/${ticketId}/cancel`, { token: customer, body: { reason: 'fixed it myself' } })).status).toBe(200);
  });

  it('helpdesk queue shows a ticket escalated after the match timeout, with the proposals that did not fit', async () => {
    const twoExperts = { skills: ['plumbing'], expertsNeeded: 2, durationMinutes: 60, windows: [WINDOW] };
    const { ticketId: twoId } = await openTicket(customer, { priority: 'urgent', visits: [twoExperts] });
    const { ticketId, visitIds } = await openTicket(customer, { priority: 'urgent' });
    const [twoVisit] = (await sys.call('GET', `/tickets/${twoId}`, { token: customer })).body.visits.map((v: { visitId: string }) => v.visitId);
    // Only one expert exists: their proposal for the two-expert visit cannot fill it.
    expect((await sys.call('POST', `/visits/${twoVisit}/proposals`, { token: expert, body: { starts: ['2026-03-03T11:00:00.000Z'] } })).status).toBe(200);
    await sys.settle();
    // Nobody else proposes in time.
    sys.clock.advanceMinutes(31);
    await sys.sagas.fireDueDeadlines();
    await sys.settle();
    const queue = await sys.call('GET', '/helpdesk/queue', { token: helpdesk });
    expect(queue.status).toBe(200);
    const item = queue.body.queue.find((q: { ticket: { ticketId: string } }) => q.ticket.ticketId === ticketId);
    expect(item).toBeDefined();
    expect(item.ticket).toMatchObject({ escalated: true, flagged: true });
    expect(item.ticket.flags.map((f: { reason: string }) => f.reason)).toContain('no-match-in-time');
    expect(item.visits.map((v: { visitId: string }) => v.visitId)).toEqual(visitIds);
    expect((await sys.call('GET', '/tickets?flagged=true', { token: helpdesk })).body.tickets.map((t: { ticketId: string }) => t.ticketId)).toContain(ticketId);
    const two = queue.body.queue.find((q: { ticket: { ticketId: string } }) => q.ticket.ticketId === twoId);
    expect(two.ticket.escalated).toBe(true);
    expect(two.unfitProposals).toEqual([{ visitId: twoVisit, expertId: 'exp-test', starts: ['2026-03-03T11:00:00.000Z'] }]);

    // Helpdesk assigns the expert directly; matching finalizes; the flag is resolved.
    const assigned = await sys.call('POST', `/helpdesk/visits/${visitIds[0]}/assign`, { token: helpdesk, body: { expertId: 'exp-test', start: '2026-03-03T10:00:00.000Z' } });
    expect(assigned.status).toBe(200);
    await sys.settle();
    const resolved = await sys.call('POST', `/helpdesk/tickets/${ticketId}/flags/no-match-in-time/resolve`, { token: helpdesk, body: { resolution: 'handled', note: 'assigned by phone' } });
    expect(resolved.status).toBe(200);
    const after = await sys.call('GET', `/tickets/${ticketId}`, { token: helpdesk });
    expect(after.body).toMatchObject({ escalated: false, flagged: false });
  });

  it('cancel with a stale If-Match is 412; with the current ETag it works', async () => {
    const { ticketId } = await openTicket();
    const read = await sys.call('GET', `/tickets/${ticketId}`, { token: customer });
    const tag = read.headers.get('etag')!;
    expect(tag).toMatch(/^"\d+"$/);
    const stale = `"${Number(tag.slice(1, -1)) - 1}"`;
    const refused = await sys.call('POST', `/tickets/${ticketId}/cancel`, { token: customer, body: { reason: 'no longer needed' }, headers: { 'If-Match': stale } });
    expect(refused.status).toBe(412);
    const ok = await sys.call('POST', `/tickets/${ticketId}/cancel`, { token: customer, body: { reason: 'no longer needed' }, headers: { 'If-Match': tag } });
    expect(ok.status).toBe(200);
    expect((await sys.call('GET', `/tickets/${ticketId}`, { token: customer })).body.status).toBe('cancelled');
  });

  it('an Idempotency-Key replay of POST /tickets writes nothing new', async () => {
    const head = await sys.services.events.headPosition();
    const first = await sys.call('POST', '/tickets', { token: customer, body: ticketBody(), headers: { 'Idempotency-Key': 'ticket-retry-0001' } });
    expect(first.status).toBe(201);
    await sys.settle();
    const afterFirst = await sys.services.events.headPosition();
    expect(afterFirst).toBeGreaterThan(head);
    const again = await sys.call('POST', '/tickets', { token: customer, body: ticketBody(), headers: { 'Idempotency-Key': 'ticket-retry-0001' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    await sys.settle();
    expect(await sys.services.events.headPosition()).toBe(afterFirst);
  });

  it('an Idempotency-Key reused with a different body is 422, writes nothing and leaves the first answer', async () => {
    const first = await sys.call('POST', '/tickets', { token: customer, body: ticketBody(), headers: { 'Idempotency-Key': 'ticket-reuse-0001' } });
    expect(first.status).toBe(201);
    await sys.settle();
    const head = await sys.services.events.headPosition();
    // Another request under the same key: neither replayed (the first ticket's answer) nor done.
    const other = await sys.call('POST', '/tickets', { token: customer, body: ticketBody({ problem: 'The dryer does not heat' }), headers: { 'Idempotency-Key': 'ticket-reuse-0001' } });
    expect([other.status, other.body.title]).toEqual([422, 'Idempotency key reused']);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    await sys.settle();
    expect(await sys.services.events.headPosition()).toBe(head);
    // The first request sent again still gets its own answer.
    const again = await sys.call('POST', '/tickets', { token: customer, body: ticketBody(), headers: { 'Idempotency-Key': 'ticket-reuse-0001' } });
    expect([again.status, again.body]).toEqual([201, first.body]);
  });

  it('invalid bodies are 400 and write nothing; helpdesk must name the customer', async () => {
    const head = await sys.services.events.headPosition();
    expect((await sys.call('POST', '/tickets', { token: customer, body: { problem: '' } })).status).toBe(400);
    expect((await sys.call('POST', '/tickets', { token: customer, body: ticketBody({ applianceModelId: 'm-1' }) })).status).toBe(400);
    expect((await sys.call('POST', '/tickets', { token: helpdesk, body: ticketBody() })).status).toBe(400);
    expect((await sys.call('POST', '/tickets', { token: customer, body: ticketBody({ customerId: 'someone-else' }) })).status).toBe(403);
    expect((await sys.call('POST', '/visits/x/proposals', { token: expert, body: { starts: ['tomorrow'] } })).status).toBe(400);
    expect(await sys.services.events.headPosition()).toBe(head);
  });
});
