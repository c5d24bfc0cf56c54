/** The notifications workflow's decisions, given what it read: no store, no engine. */
import { specifyWorkflow } from '../../testing/workflow-specification';
import { TEST_NOW } from '../../testing/commands';
import { CustomerContact, NO_FACTS, NotificationFacts, NotificationInput, notificationsWorkflow } from '../notifications';
import { publish } from '../workflow';

const HELPDESK = 'helpdesk@sysops.example.com';
const spec = specifyWorkflow(
  notificationsWorkflow({ surveyTokens: { issue: () => Promise.reject(new Error('not read in these tests')) }, helpdeskEmail: HELPDESK, publicUrl: 'https://sysops.example.com/' }),
);

const at = TEST_NOW.toISOString();
const system = { userId: 'saga:matching', role: 'system' as const };
const address = { line1: '1 Elm Street', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } };
const dana: CustomerContact = { id: 'c1', name: 'Dana Scully', channel: 'sms', phone: '+1 555 0100', email: 'c1@example.com', address };
const sam = { id: 'e1', name: 'Sam Ortiz', phone: '+1 (555) 010-0142' };
const ana = { id: 'e2', name: 'Ana Li', phone: '+15550143' };
const facts = (given: Partial<NotificationFacts>): NotificationFacts => ({ ...NO_FACTS, ...given });
const NINE = '2026-03-03T09:00:00.000Z';
const TEN = '2026-03-03T10:00:00.000Z';

const finalized: NotificationInput = {
  type: 'VisitFinalized',
  data: { ticketId: 't1', visitId: 'v1', groupId: 'g1', start: NINE, end: TEN, experts: ['e1', 'e2'], notChosen: [], finalizedAt: at },
  id: 'ev-1',
  at,
};

describe('notifications workflow', () => {
  it('a finalized visit: the customer by their preference, each expert by SMS with the address and the problem', () =>
    spec
      .given(facts({ customer: dana, problem: 'the washer leaks', experts: { e1: sam, e2: ana } }))
      .when(finalized)
      .then(
        publish({ channel: 'sms', to: '+15550100', template: 'visit-scheduled', params: { customerName: 'Dana Scully', start: NINE, end: TEN, experts: 'Sam Ortiz, Ana Li', ticketId: 't1' }, ticketId: 't1', visitId: 'v1', recipient: { kind: 'customer', id: 'c1' } }),
        ...[sam, ana].map((e) =>
          publish({
            channel: 'sms',
            to: e.phone.replace(/[\s().-]/g, ''),
            template: 'expert-assigned',
            params: { expertName: e.name, start: NINE, end: TEN, address: '1 Elm Street, 01101 Springfield, US', problem: 'the washer leaks', ticketId: 't1', visitId: 'v1' },
            ticketId: 't1',
            visitId: 'v1',
            recipient: { kind: 'expert', id: e.id },
          }),
        ),
      ));

  it('a finalized visit of an unknown customer: the experts are told where the visit is', () =>
    spec
      .given(facts({ experts: { e1: sam, e2: ana }, visitLocation: '42.10000, -72.59000' }))
      .when({ ...finalized, data: { ...finalized.data, experts: ['e1'] } })
      .then(
        publish({
          channel: 'sms',
          to: '+15550100142',
          template: 'expert-assigned',
          params: { expertName: 'Sam Ortiz', start: NINE, end: TEN, address: '42.10000, -72.59000', problem: null, ticketId: 't1', visitId: 'v1' },
          ticketId: 't1',
          visitId: 'v1',
          recipient: { kind: 'expert', id: 'e1' },
        }),
      ));

  it('events older than the horizon are not notified', () =>
    spec.given(facts({ customer: dana })).when(finalized, new Date(TEST_NOW.getTime() + 49 * 3_600_000)).thenIgnores('too old'));

  it('a cancelled visit that was never scheduled tells nobody', () =>
    spec
      .given(facts({ experts: { e1: sam } }))
      .when({ type: 'VisitCancelled', data: { ticketId: 't1', visitId: 'v1', reason: 'ticket cancelled', releasedExperts: ['e1'], cancelledAt: at }, id: 'ev-1', at })
      .thenIgnores('never scheduled'));

  it('a no-match-in-time flag sends nothing: the escalation e-mail covers it', () =>
    spec
      .given(facts({ customer: dana }))
      .when({ type: 'TicketFlaggedForHelpdesk', data: { ticketId: 't1', reason: 'no-match-in-time', visitId: 'v1', note: '', flaggedBy: system, flaggedAt: at }, id: 'ev-1', at })
      .thenIgnores());

  it('payment status unknown: helpdesk gets the flag with a link, the customer hears the ticket is held', () =>
    spec
      .given(facts({ customer: { ...dana, channel: 'email' } }))
      .when({ type: 'TicketFlaggedForHelpdesk', data: { ticketId: 't2', reason: 'payment-status-unknown', visitId: null, note: 'no plan found', flaggedBy: system, flaggedAt: at }, id: 'ev-1', at })
      .then(
        publish({
          channel: 'email',
          to: HELPDESK,
          template: 'helpdesk-flag',
          params: { ticketId: 't2', reason: 'payment-status-unknown', note: 'no plan found', visitId: null, customerName: 'Dana Scully', link: 'https://sysops.example.com/tickets/t2' },
          ticketId: 't2',
          recipient: { kind: 'helpdesk', id: 'helpdesk' },
        }),
        publish({ channel: 'email', to: 'c1@example.com', template: 'payment-unknown-ticket-held', params: { customerName: 'Dana Scully', ticketId: 't2' }, ticketId: 't2', recipient: { kind: 'customer', id: 'c1' } }),
      ));

  it('a completed ticket: the customer gets the survey link by e-mail whatever their preference', () =>
    spec
      .given(facts({ customer: dana, surveyToken: 'tok' }))
      .when({ type: 'TicketCompleted', data: { ticketId: 't1', resolution: 'new pump', completedBy: system, completedAt: at }, id: 'ev-1', at })
      .then(
        publish({
          channel: 'email',
          to: 'c1@example.com',
          template: 'ticket-completed-survey',
          params: { customerName: 'Dana Scully', ticketId: 't1', surveyUrl: 'https://sysops.example.com/feedback/tok', resolution: 'new pump' },
          ticketId: 't1',
          recipient: { kind: 'customer', id: 'c1' },
        }),
      ));

  it('a failed charge of an unknown invoice tells nobody', () =>
    spec
      .given(facts({ customer: dana }))
      .when({ type: 'InvoiceChargeFailed', data: { invoiceId: 'c1:2026-03', customerId: 'c1', period: '2026-03', attempt: 1, reason: 'declined', gatewayCode: null, failedAt: at }, id: 'ev-1', at })
      .thenIgnores('invoice is unknown'));
});
