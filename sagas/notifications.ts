/**
 * The notifications process manager: turns domain events into outbox messages.
 *
 * Every message is enqueued with `causedBy = event.id`, so handling an event again (a lost
 * checkpoint, a restart) enqueues nothing new. Details the event does not carry (names, contact
 * details, the visit's time) are read with `ctx.load` from the Customer, Expert, Ticket, Visit
 * and Invoice streams.
 *
 * Who hears what, and how:
 * - customers by their preference (`notifyBy`: 'sms' → phone, 'email' → e-mail address), except
 *   the survey, which is always an e-mail;
 * - experts by SMS to their phone;
 * - helpdesk by e-mail to HELPDESK_EMAIL.
 *
 * | event                     | messages                                                                  |
 * |---------------------------|---------------------------------------------------------------------------|
 * | VisitFinalized            | customer 'visit-scheduled'; each expert 'expert-assigned'                 |
 * | VisitEnRoute              | customer 'expert-on-the-way' (ETA)                                        |
 * | VisitRescheduled          | customer 'visit-rescheduled'; released experts 'visit-cancelled'          |
 * | VisitExpertReplaced       | customer 'expert-replaced'; new expert 'expert-assigned'; old 'visit-cancelled' |
 * | VisitCancelled            | released experts 'visit-cancelled'                                        |
 * | TicketCancelled           | customer 'ticket-cancelled'                                               |
 * | TicketCompleted           | customer e-mail 'ticket-completed-survey' (single-use survey link)        |
 * | InvoiceChargeFailed       | customer 'payment-failed'                                                 |
 * | TicketFlaggedForHelpdesk  | helpdesk 'helpdesk-flag' (not for no-match-in-time: the escalation e-mail |
 * |                           | covers it); payment-status-unknown: also customer 'payment-unknown-ticket-held' |
 * | TicketEscalated           | helpdesk 'helpdesk-escalation'                                            |
 *
 * Events older than `maxEventAgeMs` (default 48 h) are skipped: when history is replayed into
 * an empty store (a rebuilt document store, a new deployment), customers must not receive years
 * of old messages; a saga that fell that far behind is an outage to report, not to catch up on.
 */
import { customers } from '../commands/customer';
import { experts } from '../commands/expert';
import { invoices } from '../commands/invoice';
import { tickets } from '../commands/ticket';
import { visits } from '../commands/visit';
import { InvoiceEvent } from '../domain/billing/invoice';
import { Address } from '../domain/customer/customer';
import { TicketEvent } from '../domain/ticket/ticket';
import { surveyLink } from '../notifications/survey-tokens';
import { VisitEvent } from '../domain/visit/visit';
import { RecordedEvent } from '../event-store/port';
import { toE164 } from '../notifications/channels';
import { Channel, MessageRequest, Outbox, TemplateName } from '../notifications/outbox';
import { formatTime } from '../notifications/templates';
import { ProcessManager, SagaContext } from './process-manager';

export const NOTIFICATIONS_SAGA = 'notifications';

export interface NotificationsSagaOptions {
  outbox: Outbox;
  surveyTokens: { issue(ticketId: string, customerId: string, now: Date, ttlDays?: number): Promise<string> };
  /** Where helpdesk alerts go (HELPDESK_EMAIL). */
  helpdeskEmail: string;
  /** Base of links in messages (PUBLIC_URL), e.g. the survey link (`surveyLink`: the web app's survey page). */
  publicUrl: string;
  /** Zone of times written into message parameters as prose (SERVICE_TIME_ZONE); default UTC. */
  timeZone?: string;
  /** The helpdesk's page for a ticket, linked from helpdesk e-mails. Default `${publicUrl}/tickets/${ticketId}`. */
  ticketLink?: (ticketId: string) => string;
  /** Events older than this (by their timestamp) are not notified. Default 48 h. */
  maxEventAgeMs?: number;
  /** Validity of survey links. Default 30 days. */
  surveyTtlDays?: number;
}

type HandledEvent = VisitEvent | TicketEvent | InvoiceEvent;

const EVENT_TYPES = [
  'VisitFinalized',
  'VisitEnRoute',
  'VisitRescheduled',
  'VisitExpertReplaced',
  'VisitCancelled',
  'TicketCancelled',
  'TicketCompleted',
  'InvoiceChargeFailed',
  'TicketFlaggedForHelpdesk',
  'TicketEscalated',
] as const satisfies readonly HandledEvent['type'][];

interface CustomerContact {
  id: string;
  name: string;
  channel: Channel;
  phone: string;
  email: string;
  address: Address;
}

interface ExpertContact {
  id: string;
  name: string;
  phone: string;
}

const HELPDESK = { kind: 'helpdesk' as const, id: 'helpdesk' };

export function notificationsSaga(options: NotificationsSagaOptions): ProcessManager {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const ticketLink = options.ticketLink ?? ((ticketId: string) => `${publicUrl}/tickets/${encodeURIComponent(ticketId)}`);
  const maxEventAgeMs = options.maxEventAgeMs ?? 48 * 3_600_000;

  return {
    name: NOTIFICATIONS_SAGA,
    eventTypes: EVENT_TYPES,
    async handle(recorded: RecordedEvent, ctx: SagaContext): Promise<void> {
      const age = ctx.now.getTime() - Date.parse(recorded.metadata.timestamp);
      if (age > maxEventAgeMs) {
        ctx.logger?.warn({ saga: NOTIFICATIONS_SAGA, event: { id: recorded.id, type: recorded.type, timestamp: recorded.metadata.timestamp } }, 'event too old to notify; skipped');
        return;
      }
      const event = recorded as unknown as HandledEvent;
      const send = new Sender(options.outbox, recorded.id);
      const helpdesk = (template: TemplateName, params: MessageRequest['params'], ticketId: string, visitId?: string | null) =>
        send.to({ channel: 'email', to: options.helpdeskEmail, template, params: { ...params, link: ticketLink(ticketId) }, ticketId, visitId, recipient: HELPDESK });

      switch (event.type) {
        case 'VisitFinalized': {
          const { ticketId, visitId, start, end } = event.data;
          const { customer, problem } = await ticketParties(ctx, ticketId);
          const team = await Promise.all(event.data.experts.map((id) => expertContact(ctx, id)));
          if (customer) {
            await send.toCustomer(customer, 'visit-scheduled', { customerName: customer.name, start, end, experts: team.map((e) => e.name).join(', '), ticketId }, ticketId, visitId);
          }
          const address = customer ? formatAddress(customer.address) : await visitLocation(ctx, visitId);
          for (const expert of team) {
            await send.toExpert(expert, 'expert-assigned', { expertName: expert.name, start, end, address, problem, ticketId, visitId }, ticketId, visitId);
          }
          return;
        }
        case 'VisitEnRoute': {
          const { ticketId, visitId, expertId, eta } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          if (!customer) return;
          const expert = await expertContact(ctx, expertId);
          await send.toCustomer(customer, 'expert-on-the-way', { customerName: customer.name, expertName: expert.name, eta, ticketId }, ticketId, visitId);
          return;
        }
        case 'VisitRescheduled': {
          const { ticketId, visitId, windows, reason, releasedExperts, previousStart } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          const windowStart = windows[0]?.start ?? null;
          const windowEnd = windows[windows.length - 1]?.end ?? null;
          if (customer) {
            await send.toCustomer(customer, 'visit-rescheduled', { customerName: customer.name, previousStart, reason, windowStart, windowEnd, ticketId }, ticketId, visitId);
          }
          for (const expertId of releasedExperts) {
            const expert = await expertContact(ctx, expertId);
            await send.toExpert(expert, 'visit-cancelled', { expertName: expert.name, start: previousStart, reason: `rescheduled — ${reason}`, visitId, ticketId }, ticketId, visitId);
          }
          return;
        }
        case 'VisitExpertReplaced': {
          const { ticketId, visitId, outExpertId, inExpertId, start, end } = event.data;
          const { customer, problem } = await ticketParties(ctx, ticketId);
          const incoming = await expertContact(ctx, inExpertId);
          const outgoing = await expertContact(ctx, outExpertId);
          if (customer) {
            await send.toCustomer(
              customer,
              'expert-replaced',
              { customerName: customer.name, expertName: incoming.name, previousExpertName: outgoing.name, start, ticketId },
              ticketId,
              visitId,
            );
          }
          const address = customer ? formatAddress(customer.address) : await visitLocation(ctx, visitId);
          await send.toExpert(incoming, 'expert-assigned', { expertName: incoming.name, start, end, address, problem, ticketId, visitId }, ticketId, visitId);
          await send.toExpert(outgoing, 'visit-cancelled', { expertName: outgoing.name, start, reason: 'another expert takes over this visit', visitId, ticketId }, ticketId, visitId);
          return;
        }
        case 'VisitCancelled': {
          const { ticketId, visitId, reason, releasedExperts } = event.data;
          if (releasedExperts.length === 0) return;
          const visit = await ctx.load(visits, visitId);
          const start = visit.status === 'none' ? null : visit.start;
          if (start === null) return; // never scheduled: nobody was expecting to go
          for (const expertId of releasedExperts) {
            const expert = await expertContact(ctx, expertId);
            await send.toExpert(expert, 'visit-cancelled', { expertName: expert.name, start, reason, visitId, ticketId }, ticketId, visitId);
          }
          return;
        }
        case 'TicketCancelled': {
          const { ticketId, reason } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          if (customer) await send.toCustomer(customer, 'ticket-cancelled', { customerName: customer.name, ticketId, reason }, ticketId);
          return;
        }
        case 'TicketCompleted': {
          const { ticketId, resolution } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          if (!customer) return;
          const token = await options.surveyTokens.issue(ticketId, customer.id, ctx.now, options.surveyTtlDays);
          const surveyUrl = surveyLink(publicUrl, token);
          await send.to({
            channel: 'email',
            to: customer.email,
            template: 'ticket-completed-survey',
            params: { customerName: customer.name, ticketId, surveyUrl, resolution },
            ticketId,
            recipient: { kind: 'customer', id: customer.id },
          });
          return;
        }
        case 'InvoiceChargeFailed': {
          const { invoiceId, customerId, period, reason } = event.data;
          const customer = await customerContact(ctx, customerId);
          if (!customer) return;
          const invoice = await ctx.load(invoices, invoiceId);
          if (invoice.status === 'unknown') return;
          await send.toCustomer(customer, 'payment-failed', { customerName: customer.name, period, amountCents: invoice.totalCents, currency: invoice.currency, reason });
          return;
        }
        case 'TicketFlaggedForHelpdesk': {
          const { ticketId, reason, visitId, note } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          if (reason !== 'no-match-in-time') {
            await helpdesk('helpdesk-flag', { ticketId, reason, note, visitId, customerName: customer?.name ?? null }, ticketId, visitId);
          }
          if (reason === 'payment-status-unknown' && customer) {
            await send.toCustomer(customer, 'payment-unknown-ticket-held', { customerName: customer.name, ticketId }, ticketId);
          }
          return;
        }
        case 'TicketEscalated': {
          const { ticketId, visitIds, unfitProposals } = event.data;
          const { customer } = await ticketParties(ctx, ticketId);
          const lines: string[] = [];
          for (const proposal of unfitProposals) {
            const expert = await expertContact(ctx, proposal.expertId);
            lines.push(`- visit ${proposal.visitId}: ${expert.name} could start ${proposal.starts.map((start) => formatTime(start, options.timeZone)).join('; ')}`);
          }
          await helpdesk(
            'helpdesk-escalation',
            { ticketId, visitIds: visitIds.join(', '), unfitProposals: lines.length > 0 ? lines.join('\n') : null, customerName: customer?.name ?? null },
            ticketId,
          );
          return;
        }
        default:
          return;
      }
    },
  };
}

/** Enqueues the messages of one event, all caused by it. */
class Sender {
  constructor(
    private readonly outbox: Outbox,
    private readonly causedBy: string,
  ) {}

  async to(message: Omit<MessageRequest, 'causedBy' | 'ticketId' | 'visitId'> & { ticketId?: string | null; visitId?: string | null }): Promise<void> {
    const { ticketId, visitId, ...rest } = message;
    await this.outbox.enqueue({ ...rest, causedBy: this.causedBy, ...(ticketId ? { ticketId } : {}), ...(visitId ? { visitId } : {}) });
  }

  toCustomer(customer: CustomerContact, template: TemplateName, params: MessageRequest['params'], ticketId?: string, visitId?: string): Promise<void> {
    const to = customer.channel === 'sms' ? toE164(customer.phone) : customer.email;
    return this.to({ channel: customer.channel, to, template, params, ticketId, visitId, recipient: { kind: 'customer', id: customer.id } });
  }

  toExpert(expert: ExpertContact, template: TemplateName, params: MessageRequest['params'], ticketId?: string, visitId?: string): Promise<void> {
    return this.to({ channel: 'sms', to: toE164(expert.phone), template, params, ticketId, visitId, recipient: { kind: 'expert', id: expert.id } });
  }
}

async function customerContact(ctx: SagaContext, customerId: string): Promise<CustomerContact | null> {
  const customer = await ctx.load(customers, customerId);
  if (customer.status !== 'registered') {
    ctx.logger?.warn({ saga: NOTIFICATIONS_SAGA, customerId }, 'unknown customer; not notified');
    return null;
  }
  const { contact } = customer;
  return { id: customer.customerId, name: contact.name, channel: customer.notifyBy, phone: contact.phone, email: contact.email, address: contact.address };
}

/** The ticket's customer (null if unknown) and its problem description. */
async function ticketParties(ctx: SagaContext, ticketId: string): Promise<{ customer: CustomerContact | null; problem: string | null }> {
  const ticket = await ctx.load(tickets, ticketId);
  if (ticket.status === 'none') {
    ctx.logger?.warn({ saga: NOTIFICATIONS_SAGA, ticketId }, 'unknown ticket; customer not notified');
    return { customer: null, problem: null };
  }
  return { customer: await customerContact(ctx, ticket.customerId), problem: ticket.problem };
}

/** An expert not found still gets a name (their id) so the customer's message can go out; their own message parks for lack of a number. */
async function expertContact(ctx: SagaContext, expertId: string): Promise<ExpertContact> {
  const expert = await ctx.load(experts, expertId);
  if (expert.status === 'unknown') {
    ctx.logger?.warn({ saga: NOTIFICATIONS_SAGA, expertId }, 'unknown expert');
    return { id: expertId, name: expertId, phone: '' };
  }
  return { id: expert.expertId, name: expert.name, phone: expert.contact.phone };
}

async function visitLocation(ctx: SagaContext, visitId: string): Promise<string> {
  const visit = await ctx.load(visits, visitId);
  return visit.status === 'none' ? 'see the app' : `${visit.location.lat.toFixed(5)}, ${visit.location.lon.toFixed(5)}`;
}

export function formatAddress(address: Address): string {
  return [address.line1, `${address.postalCode} ${address.city}`.trim(), address.country].filter((part) => part.trim() !== '').join(', ');
}
