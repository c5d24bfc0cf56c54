/**
 * The notifications process manager: turns domain events into outbox messages.
 *
 * A workflow: `read` gathers what the event does not carry (names, contact details, the visit's
 * time) from the Customer, Expert, Ticket, Visit and Invoice streams, `decide` is pure and
 * returns the messages to publish. Every message is enqueued with `causedBy = event.id`, so
 * handling an event again (a lost checkpoint, a restart) enqueues nothing new.
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
 * | InvoiceChargeFailed       | customer 'payment-failed' (with the link to update their card)            |
 * | InvoiceRefunded           | customer 'refund-issued'                                                  |
 * | PaymentMethodExpiring     | customer 'card-expiring' (with the link to update their card)             |
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
import { Address, CustomerEvent } from '../domain/customer/customer';
import { TicketEvent } from '../domain/ticket/ticket';
import { VisitEvent } from '../domain/visit/visit';
import { toE164 } from '../notifications/channels';
import { Channel, MessageRequest, Outbox, TemplateName } from '../notifications/outbox';
import { surveyLink } from '../notifications/survey-tokens';
import { formatTime } from '../notifications/templates';
import { ProcessManager, SagaContext } from './process-manager';
import { EventInput, ignore, Message, publish, Workflow, WorkflowOutput, workflowSaga } from './workflow';

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

const EVENT_TYPES = [
  'VisitFinalized',
  'VisitEnRoute',
  'VisitRescheduled',
  'VisitExpertReplaced',
  'VisitCancelled',
  'TicketCancelled',
  'TicketCompleted',
  'InvoiceChargeFailed',
  'InvoiceRefunded',
  'PaymentMethodExpiring',
  'TicketFlaggedForHelpdesk',
  'TicketEscalated',
] as const satisfies readonly (VisitEvent | TicketEvent | InvoiceEvent | CustomerEvent)['type'][];

export type NotificationInput = EventInput<VisitEvent | TicketEvent | InvoiceEvent | CustomerEvent, (typeof EVENT_TYPES)[number]>;

export interface CustomerContact {
  id: string;
  name: string;
  channel: Channel;
  phone: string;
  email: string;
  address: Address;
}

export interface ExpertContact {
  id: string;
  name: string;
  phone: string;
}

/** What the messages of one event need besides the event; what an event does not need stays empty. */
export interface NotificationFacts {
  /** The customer concerned (the ticket's or the invoice's); null when unknown. */
  customer: CustomerContact | null;
  /** The ticket's problem, as the experts are told. */
  problem: string | null;
  /** The experts the event names, by id. */
  experts: Record<string, ExpertContact>;
  /** Where the visit is, for experts, when the customer's address is unknown. */
  visitLocation: string | null;
  /** When the visit was to start (a cancelled visit). */
  visitStart: string | null;
  /** The invoice's amount (a failed charge); null when the invoice is unknown. */
  invoice: { totalCents: number; currency: string } | null;
  /** The ticket's survey token (a completed ticket). */
  surveyToken: string | null;
}

export const NO_FACTS: NotificationFacts = { customer: null, problem: null, experts: {}, visitLocation: null, visitStart: null, invoice: null, surveyToken: null };

const HELPDESK = { kind: 'helpdesk' as const, id: 'helpdesk' };
const DEFAULT_MAX_EVENT_AGE_MS = 48 * 3_600_000;

export function notificationsSaga(options: NotificationsSagaOptions): ProcessManager {
  return workflowSaga(NOTIFICATIONS_SAGA, [notificationsWorkflow(options)], { outbox: options.outbox });
}

export function notificationsWorkflow(options: Omit<NotificationsSagaOptions, 'outbox'>): Workflow<NotificationInput, NotificationFacts> {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const ticketLink = options.ticketLink ?? ((ticketId: string) => `${publicUrl}/tickets/${encodeURIComponent(ticketId)}`);
  // The customer portal's card page: where a declined or expiring card is replaced.
  const paymentMethodLink = `${publicUrl}/portal/payment`;
  const maxEventAgeMs = options.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  const tooOld = (event: NotificationInput, now: Date) => now.getTime() - Date.parse(event.at) > maxEventAgeMs;

  const helpdesk = (template: TemplateName, params: MessageRequest['params'], ticketId: string, visitId?: string | null) =>
    publish(message({ channel: 'email', to: options.helpdeskEmail, template, params: { ...params, link: ticketLink(ticketId) }, ticketId, visitId, recipient: HELPDESK }));

  return {
    name: NOTIFICATIONS_SAGA,
    events: EVENT_TYPES,

    async read(event, ctx) {
      // Nothing to read for what will not be notified (history replayed into an empty store).
      if (tooOld(event, ctx.now)) return NO_FACTS;
      switch (event.type) {
        case 'VisitFinalized': {
          const parties = await ticketParties(ctx, event.data.ticketId);
          const team = await expertContacts(ctx, event.data.experts);
          return { ...NO_FACTS, ...parties, experts: team, visitLocation: parties.customer ? null : await visitLocation(ctx, event.data.visitId) };
        }
        case 'VisitEnRoute': {
          const parties = await ticketParties(ctx, event.data.ticketId);
          return parties.customer ? { ...NO_FACTS, ...parties, experts: await expertContacts(ctx, [event.data.expertId]) } : NO_FACTS;
        }
        case 'VisitRescheduled':
          return { ...NO_FACTS, ...(await ticketParties(ctx, event.data.ticketId)), experts: await expertContacts(ctx, event.data.releasedExperts) };
        case 'VisitExpertReplaced': {
          const { ticketId, visitId, inExpertId, outExpertId } = event.data;
          const parties = await ticketParties(ctx, ticketId);
          const team = await expertContacts(ctx, [inExpertId, outExpertId]);
          return { ...NO_FACTS, ...parties, experts: team, visitLocation: parties.customer ? null : await visitLocation(ctx, visitId) };
        }
        case 'VisitCancelled': {
          if (event.data.releasedExperts.length === 0) return NO_FACTS;
          const visit = await ctx.load(visits, event.data.visitId);
          const visitStart = visit.status === 'none' ? null : visit.start;
          if (visitStart === null) return NO_FACTS;
          return { ...NO_FACTS, visitStart, experts: await expertContacts(ctx, event.data.releasedExperts) };
        }
        case 'TicketCancelled':
        case 'TicketFlaggedForHelpdesk':
          return { ...NO_FACTS, ...(await ticketParties(ctx, event.data.ticketId)) };
        case 'TicketCompleted': {
          const parties = await ticketParties(ctx, event.data.ticketId);
          if (!parties.customer) return NO_FACTS;
          // Issuing is idempotent (the ticket's token, its first expiry kept): reading it again issues nothing new.
          const surveyToken = await options.surveyTokens.issue(event.data.ticketId, parties.customer.id, ctx.now, options.surveyTtlDays);
          return { ...NO_FACTS, ...parties, surveyToken };
        }
        case 'InvoiceChargeFailed': {
          const customer = await customerContact(ctx, event.data.customerId);
          if (!customer) return NO_FACTS;
          const invoice = await ctx.load(invoices, event.data.invoiceId);
          return { ...NO_FACTS, customer, invoice: invoice.status === 'unknown' ? null : { totalCents: invoice.totalCents, currency: invoice.currency } };
        }
        case 'InvoiceRefunded':
        case 'PaymentMethodExpiring':
          return { ...NO_FACTS, customer: await customerContact(ctx, event.data.customerId) };
        case 'TicketEscalated':
          return {
            ...NO_FACTS,
            ...(await ticketParties(ctx, event.data.ticketId)),
            experts: await expertContacts(ctx, event.data.unfitProposals.map((p) => p.expertId)),
          };
      }
    },

    decide(event, facts, now): WorkflowOutput[] {
      if (tooOld(event, now)) return [ignore('event too old to notify; skipped', { notable: true })];
      const { customer, problem } = facts;
      const expert = (id: string) => facts.experts[id] ?? { id, name: id, phone: '' };
      switch (event.type) {
        case 'VisitFinalized': {
          const { ticketId, visitId, start, end } = event.data;
          const team = event.data.experts.map(expert);
          const address = customer ? formatAddress(customer.address) : (facts.visitLocation ?? SEE_THE_APP);
          return [
            ...(customer ? [publish(toCustomer(customer, 'visit-scheduled', { customerName: customer.name, start, end, experts: team.map((e) => e.name).join(', '), ticketId }, ticketId, visitId))] : []),
            ...team.map((e) => publish(toExpert(e, 'expert-assigned', { expertName: e.name, start, end, address, problem, ticketId, visitId }, ticketId, visitId))),
          ];
        }
        case 'VisitEnRoute': {
          const { ticketId, visitId, expertId, eta } = event.data;
          if (!customer) return [ignore("the ticket's customer is unknown")];
          return [publish(toCustomer(customer, 'expert-on-the-way', { customerName: customer.name, expertName: expert(expertId).name, eta, ticketId }, ticketId, visitId))];
        }
        case 'VisitRescheduled': {
          const { ticketId, visitId, windows, reason, releasedExperts, previousStart } = event.data;
          const windowStart = windows[0]?.start ?? null;
          const windowEnd = windows[windows.length - 1]?.end ?? null;
          return [
            ...(customer ? [publish(toCustomer(customer, 'visit-rescheduled', { customerName: customer.name, previousStart, reason, windowStart, windowEnd, ticketId }, ticketId, visitId))] : []),
            ...releasedExperts.map(expert).map((e) =>
              publish(toExpert(e, 'visit-cancelled', { expertName: e.name, start: previousStart, reason: `rescheduled — ${reason}`, visitId, ticketId }, ticketId, visitId)),
            ),
          ];
        }
        case 'VisitExpertReplaced': {
          const { ticketId, visitId, outExpertId, inExpertId, start, end } = event.data;
          const incoming = expert(inExpertId);
          const outgoing = expert(outExpertId);
          const address = customer ? formatAddress(customer.address) : (facts.visitLocation ?? SEE_THE_APP);
          const toTheCustomer = { customerName: customer?.name ?? '', expertName: incoming.name, previousExpertName: outgoing.name, start, ticketId };
          return [
            ...(customer ? [publish(toCustomer(customer, 'expert-replaced', toTheCustomer, ticketId, visitId))] : []),
            publish(toExpert(incoming, 'expert-assigned', { expertName: incoming.name, start, end, address, problem, ticketId, visitId }, ticketId, visitId)),
            publish(toExpert(outgoing, 'visit-cancelled', { expertName: outgoing.name, start, reason: 'another expert takes over this visit', visitId, ticketId }, ticketId, visitId)),
          ];
        }
        case 'VisitCancelled': {
          const { ticketId, visitId, reason, releasedExperts } = event.data;
          if (releasedExperts.length === 0) return [ignore('no expert was released')];
          const start = facts.visitStart;
          if (start === null) return [ignore('never scheduled: nobody was expecting to go')];
          return releasedExperts.map(expert).map((e) => publish(toExpert(e, 'visit-cancelled', { expertName: e.name, start, reason, visitId, ticketId }, ticketId, visitId)));
        }
        case 'TicketCancelled': {
          const { ticketId, reason } = event.data;
          if (!customer) return [ignore("the ticket's customer is unknown")];
          return [publish(toCustomer(customer, 'ticket-cancelled', { customerName: customer.name, ticketId, reason }, ticketId))];
        }
        case 'TicketCompleted': {
          const { ticketId, resolution } = event.data;
          if (!customer || facts.surveyToken === null) return [ignore("the ticket's customer is unknown")];
          const surveyUrl = surveyLink(publicUrl, facts.surveyToken);
          return [
            publish(
              message({
                channel: 'email',
                to: customer.email,
                template: 'ticket-completed-survey',
                params: { customerName: customer.name, ticketId, surveyUrl, resolution },
                ticketId,
                recipient: { kind: 'customer', id: customer.id },
              }),
            ),
          ];
        }
        case 'InvoiceChargeFailed': {
          const { period, reason } = event.data;
          if (!customer) return [ignore('the customer is unknown')];
          if (!facts.invoice) return [ignore('the invoice is unknown')];
          return [publish(toCustomer(customer, 'payment-failed', { customerName: customer.name, period, amountCents: facts.invoice.totalCents, currency: facts.invoice.currency, reason, link: paymentMethodLink }))];
        }
        case 'PaymentMethodExpiring': {
          const { last4, expiry, nextBillingOn } = event.data;
          if (!customer) return [ignore('the customer is unknown')];
          return [publish(toCustomer(customer, 'card-expiring', { customerName: customer.name, last4, expiry, nextBillingOn, link: paymentMethodLink }))];
        }
        case 'InvoiceRefunded': {
          const { period, amountCents } = event.data;
          if (!customer) return [ignore('the customer is unknown')];
          // Invoices are in USD (the Invoice refuses any other currency).
          return [publish(toCustomer(customer, 'refund-issued', { customerName: customer.name, period, amountCents, currency: 'USD' }))];
        }
        case 'TicketFlaggedForHelpdesk': {
          const { ticketId, reason, visitId, note } = event.data;
          // No match in time: the escalation's e-mail covers it.
          const outputs = reason === 'no-match-in-time' ? [] : [helpdesk('helpdesk-flag', { ticketId, reason, note, visitId, customerName: customer?.name ?? null }, ticketId, visitId)];
          if (reason === 'payment-status-unknown' && customer) outputs.push(publish(toCustomer(customer, 'payment-unknown-ticket-held', { customerName: customer.name, ticketId }, ticketId)));
          return outputs.length > 0 ? outputs : [ignore('covered by the escalation e-mail')];
        }
        case 'TicketEscalated': {
          const { ticketId, visitIds, unfitProposals } = event.data;
          const lines = unfitProposals.map(
            (proposal) => `- visit ${proposal.visitId}: ${expert(proposal.expertId).name} could start ${proposal.starts.map((start) => formatTime(start, options.timeZone)).join('; ')}`,
          );
          return [
            helpdesk(
              'helpdesk-escalation',
              { ticketId, visitIds: visitIds.join(', '), unfitProposals: lines.length > 0 ? lines.join('\n') : null, customerName: customer?.name ?? null },
              ticketId,
            ),
          ];
        }
      }
    },
  };
}

/** What an expert is told about where to go when the visit is unknown too. */
const SEE_THE_APP = 'see the app';

/** A message; a ticket or visit it is about is recorded only when there is one. */
function message(m: Omit<Message, 'ticketId' | 'visitId'> & { ticketId?: string | null; visitId?: string | null }): Message {
  const { ticketId, visitId, ...rest } = m;
  return { ...rest, ...(ticketId ? { ticketId } : {}), ...(visitId ? { visitId } : {}) };
}

/** To a customer by their preference: SMS to their phone or an e-mail. */
function toCustomer(customer: CustomerContact, template: TemplateName, params: MessageRequest['params'], ticketId?: string, visitId?: string): Message {
  const to = customer.channel === 'sms' ? toE164(customer.phone) : customer.email;
  return message({ channel: customer.channel, to, template, params, ticketId, visitId, recipient: { kind: 'customer', id: customer.id } });
}

/** To an expert: SMS to their phone. */
function toExpert(expert: ExpertContact, template: TemplateName, params: MessageRequest['params'], ticketId?: string, visitId?: string): Message {
  return message({ channel: 'sms', to: toE164(expert.phone), template, params, ticketId, visitId, recipient: { kind: 'expert', id: expert.id } });
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
async function expertContacts(ctx: SagaContext, expertIds: readonly string[]): Promise<Record<string, ExpertContact>> {
  const contacts: Record<string, ExpertContact> = {};
  for (const expertId of new Set(expertIds)) {
    const expert = await ctx.load(experts, expertId);
    if (expert.status === 'unknown') ctx.logger?.warn({ saga: NOTIFICATIONS_SAGA, expertId }, 'unknown expert');
    contacts[expertId] = expert.status === 'unknown' ? { id: expertId, name: expertId, phone: '' } : { id: expert.expertId, name: expert.name, phone: expert.contact.phone };
  }
  return contacts;
}

async function visitLocation(ctx: SagaContext, visitId: string): Promise<string> {
  const visit = await ctx.load(visits, visitId);
  return visit.status === 'none' ? SEE_THE_APP : `${visit.location.lat.toFixed(5)}, ${visit.location.lon.toFixed(5)}`;
}

export function formatAddress(address: Address): string {
  return [address.line1, `${address.postalCode} ${address.city}`.trim(), address.country].filter((part) => part.trim() !== '').join(', ');
}
