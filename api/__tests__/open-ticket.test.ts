/**
 * POST /tickets as given/when/then, without the whole system: who a ticket is for, the refusals
 * before anything is written, and what an accepted request writes. The whole walk (matching,
 * visits, the survey) is in tickets.test.ts.
 */
import { AuthUser } from '../http/route';
import { ticketRoutes } from '../routes/tickets';
import { apiSpecification, GivenEvent, testApiServices } from '../../testing/api-specification';
import { ticketBody } from './scenario';

const customer: AuthUser = { userId: 'user-customer', role: 'customer', customerId: 'c1' };
const helpdesk: AuthUser = { userId: 'user-helpdesk', role: 'helpdesk' };

const registered: GivenEvent = {
  stream: 'customer-c1',
  type: 'CustomerRegistered',
  data: {
    customerId: 'c1',
    contact: { name: 'Casey', email: 'casey@test.local', phone: '+15550100001', address: { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US', location: { lat: 42.1, lon: -72.59 } } },
    notifyBy: 'email',
    registeredAt: '2026-03-01T08:00:00.000Z',
  },
};

describe('POST /tickets', () => {
  const paid = () => testApiServices({ payments: { statusOf: async () => 'paid' } });
  const api = apiSpecification(ticketRoutes, paid);
  const open = (as: AuthUser, body: Record<string, unknown> = ticketBody()) => ({ method: 'POST' as const, path: '/tickets', as, body });

  it("opens a paid customer's ticket, its visits named after the ticket, and releases it to matching", async () => {
    const { body, headers, newEvents } = await api.given(registered).when(open(customer)).then({ status: 201, body: { status: 'open', paymentStatus: 'paid' } });
    expect(body.visitIds).toEqual([`${body.ticketId}.1`]);
    expect(headers.get('location')).toBe(`/tickets/${body.ticketId}`);
    expect(newEvents.map((e) => [e.stream, e.type])).toEqual([
      [`ticket-${body.ticketId}`, 'TicketOpened'],
      [`ticket-${body.ticketId}`, 'TicketReleasedToMatching'],
    ]);
  });

  it('helpdesk opens one for a customer who called', () => api.given(registered).when(open(helpdesk, ticketBody({ customerId: 'c1' }))).then({ status: 201 }));

  it('an unknown customer is not found, and nothing is written', async () => {
    const { newEvents } = await api.given().when(open(helpdesk, ticketBody({ customerId: 'cust-nobody' }))).then({ status: 404, problem: 'not-found' });
    expect(newEvents).toEqual([]);
  });

  it('helpdesk names the customer', () => api.given(registered).when(open(helpdesk)).then({ status: 400, problem: 'invalid-request', body: { detail: 'Name the customer (customerId) the ticket is for.' } }));

  it('a customer opens tickets only for themself, and without the payment override', async () => {
    await api.given(registered).when(open(customer, ticketBody({ customerId: 'c2' }))).then({ status: 403, problem: 'forbidden' });
    await api.given(registered).when(open(customer, ticketBody({ overridePayment: true }))).then({ status: 403, problem: 'forbidden' });
    await api.given(registered).when(open({ userId: 'user-unlinked', role: 'customer' })).then({ status: 403, problem: 'forbidden' });
  });

  it('an expert may not open one (roles before anything else)', () => api.given(registered).when(open({ userId: 'user-expert', role: 'expert', expertId: 'e1' })).then({ status: 403, problem: 'forbidden' }));

  it('a catalog model the catalog does not list is refused, pointing to free text', () =>
    api
      .given(registered)
      .when(open(customer, { ...ticketBody(), applianceModelText: undefined, applianceModelId: 'no-such-model' }))
      .then({ status: 422, problem: 'unknown-appliance-model', body: { code: 'unknown-appliance-model', use: 'applianceModelText' } }));

  it('a known unpaid customer is refused by the Ticket', () =>
    apiSpecification(ticketRoutes, () => testApiServices({ payments: { statusOf: async () => 'unpaid' } }))
      .given(registered)
      .when(open(customer))
      .then({ status: 422, problem: 'customer-not-paid' }));
});
