/**
 * Helpdesk works the parked messages over HTTP: lists them, retries one to a corrected address,
 * and the dispatcher delivers it (here into the development outbox).
 */
import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket } from './scenario';

describe('parked notifications over HTTP', () => {
  let sys: TestSystem;
  let helpdesk: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    helpdesk = await sys.token('helpdesk');
  });
  afterAll(() => sys.stop());

  const message = (causedBy: string, to: string, params: Record<string, string> = { customerName: 'Dana Scully', expertName: 'Sam Ortiz', eta: '2026-03-02T09:00:00.000Z', ticketId: 't-parked' }) => ({
    causedBy,
    channel: 'sms' as const,
    to,
    template: 'expert-on-the-way' as const,
    params,
    ticketId: 't-parked',
    recipient: { kind: 'customer' as const, id: 'c-parked' },
  });

  it('a parked message is listed, retried to a corrected number, then delivered', async () => {
    await sys.services.outbox.enqueue(message('test:no-number', ''));
    const listed = await sys.call('GET', '/notifications/parked', { token: helpdesk });
    expect(listed.status).toBe(200);
    const parked = listed.body.messages.find((m: { ticketId: string; template: string }) => m.ticketId === 't-parked' && m.template === 'expert-on-the-way');
    expect(parked).toMatchObject({ channel: 'sms', to: '', lastError: 'no phone number to send to', parkedCount: 1 });

    const wrongKind = await sys.call('POST', `/notifications/parked/${parked.id}/retry`, { token: helpdesk, body: { to: 'dana@example.com' } });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.errors).toEqual([expect.objectContaining({ field: 'to' })]);
    expect((await sys.services.outbox.get(parked.id))?.status).toBe('parked');

    const retried = await sys.call('POST', `/notifications/parked/${parked.id}/retry`, { token: helpdesk, body: { to: '+15550199' } });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: parked.id, status: 'pending', to: '+15550199' });

    const again = await sys.call('POST', `/notifications/parked/${parked.id}/retry`, { token: helpdesk, body: {} });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);

    await sys.dispatcher.dispatchDue(sys.clock.now);
    expect(await sys.services.outbox.get(parked.id)).toMatchObject({ status: 'sent', to: '+15550199' });
    const dev = await sys.call('GET', '/notifications/dev-outbox?to=%2B15550199', { token: await sys.token('admin') });
    expect(dev.body.messages).toHaveLength(1);
    const after = await sys.call('GET', '/notifications/parked', { token: helpdesk });
    expect(after.body.messages.map((m: { id: string }) => m.id)).not.toContain(parked.id);
  });

  it('a message that still cannot render stays parked (422); unknown ids are 404; customers may not retry', async () => {
    await sys.services.outbox.enqueue(message('test:no-params', '+15550100', { customerName: 'Dana Scully' }));
    const [parked] = (await sys.call('GET', '/notifications/parked', { token: helpdesk })).body.messages.filter((m: { lastError: string }) => /template/.test(m.lastError ?? ''));
    expect(parked).toBeDefined();
    const r = await sys.call('POST', `/notifications/parked/${parked.id}/retry`, { token: helpdesk, body: {} });
    expect(r.status).toBe(422);
    expect((await sys.services.outbox.get(parked.id))?.status).toBe('parked');

    expect((await sys.call('POST', '/notifications/parked/0123456789abcdef/retry', { token: helpdesk, body: {} })).status).toBe(404);
    expect((await sys.call('POST', '/notifications/parked/not-an-id!/retry', { token: helpdesk, body: {} })).status).toBe(400);
    expect((await sys.call('POST', `/notifications/parked/${parked.id}/retry`, { token: await sys.token('customer'), body: {} })).status).toBe(403);
  });

  it("a ticket's messages tell staff why one was parked; the customer sees the message without it", async () => {
    await markPaid(sys, 'cust-test');
    const customer = await sys.token('customer');
    const { ticketId } = await openTicket(sys, customer);
    await sys.services.outbox.enqueue({ ...message('test:ticket-no-number', ''), ticketId, recipient: { kind: 'customer', id: 'cust-test' } });
    const parked = (m: { template: string; status: string }) => m.template === 'expert-on-the-way' && m.status === 'parked';

    const staff = await sys.call('GET', `/tickets/${ticketId}/notifications`, { token: helpdesk });
    expect(staff.status).toBe(200);
    expect(staff.body.messages.filter(parked)).toEqual([expect.objectContaining({ channel: 'sms', to: '', lastError: 'no phone number to send to' })]);
    expect(staff.body.messages.filter((m: { status: string }) => m.status === 'pending').map((m: { lastError: unknown }) => m.lastError)).not.toContain(undefined);

    const own = await sys.call('GET', `/tickets/${ticketId}/notifications`, { token: customer });
    expect(own.status).toBe(200);
    const seen = own.body.messages.filter(parked);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('lastError');
  });
});
