/**
 * Helpdesk's queue over HTTP when it is long (the demo holds more than 500 flagged tickets):
 * paged with an opaque cursor, counted, most urgent first, then the oldest.
 */
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { Priority } from '../../domain/ticket/ticket';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem, windowOn } from './scenario';

type Item = { ticket: { ticketId: string; priority: Priority; openedAt: string; flags: { reason: string }[] } };
type Page = { queue: Item[]; total: number; nextCursor: string | null };

const URGENCY: Priority[] = ['urgent', 'high', 'normal', 'low'];
const TICKETS = 510;

describe('the helpdesk queue, paged', () => {
  let sys: TestSystem;
  let helpdesk: string;

  beforeAll(async () => {
    sys = await startTestSystem();
    helpdesk = await sys.token('helpdesk');
    // Tickets whose payment nobody could confirm: each held and flagged, one a minute, priorities in turn.
    for (let i = 0; i < TICKETS; i++) {
      sys.clock.advanceMinutes(1);
      await send(sys.services.commands, tickets, {
        type: 'openTicket',
        data: {
          ticketId: `held-${String(i).padStart(3, '0')}`,
          customerId: 'cust-test',
          applianceModelText: 'Acme washer 3000',
          problem: 'leaks water',
          priority: URGENCY[i % 4]!,
          location: { lat: 42.1015, lon: -72.5898 },
          visits: [{ visitId: `held-${i}.1`, skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(20, '09:00', '17:00')] }],
          dependencies: [],
          paymentStatus: 'unknown',
        },
        metadata: { commandId: `open-held-${i}`, now: sys.clock.now, actor: { userId: 'user-helpdesk', role: 'helpdesk' } },
      });
    }
    await sys.settle();
  }, 120_000);
  afterAll(() => sys.stop());

  async function page(query: string): Promise<Page> {
    const r = await sys.call('GET', `/helpdesk/queue${query}`, { token: helpdesk });
    expect([r.status, r.body?.detail]).toEqual([200, undefined]);
    return r.body;
  }

  async function all(query: string, limit: number): Promise<{ items: Item[]; pages: Page[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const p = await page(`?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      pages.push(p);
      cursor = p.nextCursor;
    } while (cursor !== null && pages.length < 20);
    return { items: pages.flatMap((p) => p.queue), pages };
  }

  it('pages through every flagged ticket with a cursor and counts them, the newest too', async () => {
    const { items, pages } = await all('', 200);
    expect(pages.map((p) => p.queue.length)).toEqual([200, 200, 110]);
    expect(pages.map((p) => p.total)).toEqual([TICKETS, TICKETS, TICKETS]);
    expect(pages[2]!.nextCursor).toBeNull();
    const ids = items.map((i) => i.ticket.ticketId);
    expect(new Set(ids).size).toBe(TICKETS);
    // The newest tickets are in the queue, not cut off behind 500 older ones.
    expect(ids).toEqual(expect.arrayContaining(['held-509', 'held-508', 'held-507', 'held-506']));
  });

  it('puts the most urgent first, then the oldest', async () => {
    const { items } = await all('', 97);
    const order = items.map((i) => [URGENCY.indexOf(i.ticket.priority), i.ticket.openedAt] as const);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    expect(order).toEqual(sorted);
    expect(items[0]!.ticket).toMatchObject({ ticketId: 'held-000', priority: 'urgent' });
    expect(items[TICKETS - 1]!.ticket).toMatchObject({ ticketId: 'held-507', priority: 'low' });
    // A newly flagged urgent ticket is on the first page, however long the queue.
    const first = await page('?limit=200');
    expect(first.queue.map((i) => i.ticket.ticketId)).toContain('held-508');
  });

  it('pages the queue of one reason, counted on its own; a ticket resolved meanwhile drops out without shifting the pages', async () => {
    const first = await page('?reason=payment-status-unknown&limit=100');
    expect(first.total).toBe(TICKETS);
    expect(first.queue).toHaveLength(100);
    expect((await page('?reason=no-access')).total).toBe(0);
    // Resolving a ticket of the first page does not make the next page skip or repeat one.
    const resolved = first.queue[0]!.ticket.ticketId;
    expect((await sys.call('POST', `/helpdesk/tickets/${resolved}/flags/payment-status-unknown/resolve`, { token: helpdesk, body: { resolution: 'cancelled', note: 'no plan' } })).status).toBe(200);
    await sys.settle();
    const second = await page(`?reason=payment-status-unknown&limit=100&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.total).toBe(TICKETS - 1);
    const before = new Set(first.queue.map((i) => i.ticket.ticketId));
    expect(second.queue.filter((i) => before.has(i.ticket.ticketId))).toEqual([]);
    const idsOf = (items: Item[]) => items.map((i) => i.ticket.ticketId);
    const { items } = await all('&reason=payment-status-unknown', 100);
    expect(idsOf(items).slice(0, 199)).toEqual(idsOf([...first.queue.slice(1), ...second.queue]));
  });

  it('refuses a cursor it did not give, and limits beyond 200', async () => {
    expectProblem(await sys.call('GET', '/helpdesk/queue?cursor=not-a-cursor', { token: helpdesk }), 400);
    expectProblem(await sys.call('GET', `/helpdesk/queue?cursor=${Buffer.from('9|x').toString('base64url')}`, { token: helpdesk }), 400);
    expectProblem(await sys.call('GET', '/helpdesk/queue?limit=501', { token: helpdesk }), 400);
  });
});
