import { TicketEvent, TicketOpenedData } from '../../../domain/ticket/ticket';
import { VisitEvent } from '../../../domain/visit/visit';
import { inStream, SpecEvent, specifyProjection } from '../../../testing/projection-specification';
import { queueKey, TicketDoc, TICKETS, ticketsProjection } from '../projection';

const spec = specifyProjection(ticketsProjection);
const openedAt = '2026-03-02T07:00:00.000Z';
const window = { start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' };
const location = { lat: 42.1, lon: -72.5 };
const customer = { userId: 'u1', role: 'customer' } as const;
const system = { userId: 'saga', role: 'system' } as const;
const visitSpec = (visitId: string) => ({ visitId, skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window] });
const openedData: TicketOpenedData = {
  ticketId: 't1',
  customerId: 'c1',
  applianceModelId: null,
  applianceModelText: 'Old washer',
  problem: 'Drum does not spin',
  priority: 'high',
  location,
  visits: [visitSpec('t1.v1'), visitSpec('t1.v2')],
  dependencies: [],
  paymentStatus: 'paid',
  paymentOverridden: false,
  openedBy: customer,
  openedAt,
};
const ticket = (...events: TicketEvent[]): SpecEvent[] => inStream('ticket-t1', events);
const visit = (visitId: string, ...events: VisitEvent[]): SpecEvent[] => inStream(`visit-${visitId}`, events);
const opened: TicketEvent = { type: 'TicketOpened', data: openedData };
const released: TicketEvent = {
  type: 'TicketReleasedToMatching',
  data: { ticketId: 't1', customerId: 'c1', priority: 'high', location, visits: openedData.visits, dependencies: [], releasedAt: '2026-03-02T07:00:01.000Z' },
};
const ids = { visitId: 't1.v1', ticketId: 't1' };
const finalized: VisitEvent = {
  type: 'VisitFinalized',
  data: { ...ids, groupId: 't1', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:00:00.000Z', experts: ['e1'], notChosen: [], finalizedAt: '2026-03-02T09:00:00.000Z' },
};
const enRoute = (expertId: string): VisitEvent => ({ type: 'VisitEnRoute', data: { ...ids, expertId, eta: '2026-03-03T08:55:00.000Z', reportedAt: '2026-03-03T08:30:00.000Z' } });
const summary = (visitId: string) => ({ visitId, status: 'planning', skills: ['washer'], start: null, end: null, experts: [], followUpOf: null, outcome: null });
const ticketOf = (documents: Record<string, unknown[]>) => documents[TICKETS]![0] as TicketDoc;

describe('tickets read model', () => {
  it('holds an opened and released ticket with its visits still being planned, out of helpdesk queue', () =>
    spec
      .given()
      .when(...ticket(opened, released))
      .then((documents) => {
        expect(documents[TICKETS]).toHaveLength(1);
        expect(ticketOf(documents)).toMatchObject({
          _id: 't1',
          ticketId: 't1',
          customerId: 'c1',
          status: 'open',
          priority: 'high',
          appliance: { modelId: null, text: 'Old washer' },
          problem: 'Drum does not spin',
          paymentStatus: 'paid',
          flags: [],
          flagged: false,
          escalated: false,
          inQueue: false,
          queueKey: null,
          flagReasons: [],
          escalation: null,
          visits: [summary('t1.v1'), summary('t1.v2')],
          openedBy: customer,
          openedAt,
          completedAt: null,
          resolution: null,
          revision: 1,
          updatedAt: '2026-03-02T07:00:01.000Z',
          enRoute: [],
          state: { status: 'open', ticketId: 't1' },
        });
      }));

  it('puts a ticket whose payment is unknown in helpdesk queue, most urgent then oldest, until the flag is resolved', async () => {
    const flagged: TicketEvent = {
      type: 'TicketFlaggedForHelpdesk',
      data: { ticketId: 't1', reason: 'payment-status-unknown', visitId: null, note: 'billing did not answer', flaggedBy: system, flaggedAt: openedAt },
    };
    const held = ticket({ type: 'TicketOpened', data: { ...openedData, paymentStatus: 'unknown' } }, flagged);
    await spec
      .given()
      .when(...held)
      .then((documents) =>
        expect(ticketOf(documents)).toMatchObject({
          status: 'on-hold',
          flags: [{ reason: 'payment-status-unknown', visitId: null, note: 'billing did not answer', candidates: [], flaggedAt: openedAt }],
          flagged: true,
          inQueue: true,
          queueKey: queueKey('high', openedAt, 't1'),
          flagReasons: ['payment-status-unknown'],
        }),
      );
    await spec
      .given(...held)
      .when(
        ...inStream<TicketEvent>('ticket-t1', [
          { type: 'TicketFlagResolved', data: { ticketId: 't1', reason: 'payment-status-unknown', visitId: null, resolution: 'released', note: 'paid', resolvedBy: { userId: 'h1', role: 'helpdesk' }, resolvedAt: '2026-03-02T08:00:00.000Z' } },
          { ...released, data: { ...released.data, releasedAt: '2026-03-02T08:00:00.000Z' } },
        ]),
      )
      .then((documents) => expect(ticketOf(documents)).toMatchObject({ status: 'open', flags: [], flagged: false, inQueue: false, queueKey: null, flagReasons: [] }));
  });

  it('gathers the visits and unfit proposals of every escalation', () =>
    spec
      .given(...ticket(opened, released))
      .when(
        ...ticket(
          { type: 'TicketEscalated', data: { ticketId: 't1', visitIds: ['t1.v1'], unfitProposals: [{ visitId: 't1.v1', expertId: 'e1', starts: ['2026-03-03T13:00:00.000Z'] }], escalatedAt: '2026-03-02T10:00:00.000Z' } },
          { type: 'TicketEscalated', data: { ticketId: 't1', visitIds: ['t1.v1', 't1.v2'], unfitProposals: [], escalatedAt: '2026-03-02T11:00:00.000Z' } },
        ),
      )
      .then((documents) =>
        expect(ticketOf(documents)).toMatchObject({
          escalated: true,
          inQueue: true,
          escalation: { visitIds: ['t1.v1', 't1.v2'], unfitProposals: [{ visitId: 't1.v1', expertId: 'e1', starts: ['2026-03-03T13:00:00.000Z'] }], escalatedAt: '2026-03-02T11:00:00.000Z' },
        }),
      ));

  it('follows each visit: finalized with its time and experts, en route, extended', () =>
    spec
      .given(...ticket(opened, released))
      .when(...visit('t1.v1', finalized, enRoute('e1'), { type: 'VisitExtended', data: { ...ids, expertId: 'e1', minutes: 30, end: '2026-03-03T10:30:00.000Z', extendedAt: '2026-03-03T09:50:00.000Z' } }))
      .then((documents) =>
        expect(ticketOf(documents)).toMatchObject({
          visits: [{ ...summary('t1.v1'), status: 'en-route', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:30:00.000Z', experts: ['e1'] }, summary('t1.v2')],
          enRoute: [{ visitId: 't1.v1', experts: ['e1'] }],
          // Visit events do not move the ticket's revision (its ETag).
          revision: 1,
        }),
      ));

  it('puts a visit back to finalized when its only expert on the way is replaced', () =>
    spec
      .given(...ticket(opened, released), ...visit('t1.v1', finalized, enRoute('e1')))
      .when(
        ...visit('t1.v1', {
          type: 'VisitExpertReplaced',
          data: { ...ids, outExpertId: 'e1', inExpertId: 'e2', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:00:00.000Z', replacedBy: { userId: 'h1', role: 'helpdesk' }, replacedAt: '2026-03-03T08:40:00.000Z' },
        }),
      )
      .then((documents) => expect(ticketOf(documents)).toMatchObject({ visits: [{ visitId: 't1.v1', status: 'finalized', experts: ['e2'] }, summary('t1.v2')], enRoute: [] })));

  it('completes with the resolution and the survey', () =>
    spec
      .given(...ticket(opened, released), ...visit('t1.v1', finalized))
      .when(
        ...ticket(
          { type: 'TicketVisitOutcomeRecorded', data: { ticketId: 't1', visitId: 't1.v1', outcome: 'completed', experts: ['e1'], recordedAt: '2026-03-03T10:00:00.000Z' } },
          { type: 'TicketVisitOutcomeRecorded', data: { ticketId: 't1', visitId: 't1.v2', outcome: 'cancelled', experts: [], recordedAt: '2026-03-03T10:00:00.000Z' } },
          { type: 'TicketCompleted', data: { ticketId: 't1', resolution: 'Belt replaced', completedBy: { userId: 'e1', role: 'expert' }, completedAt: '2026-03-03T10:05:00.000Z' } },
          { type: 'TicketSurveyRecorded', data: { ticketId: 't1', rating: 5, comments: 'Quick', recordedAt: '2026-03-04T10:00:00.000Z' } },
        ),
      )
      .then((documents) =>
        expect(ticketOf(documents)).toMatchObject({
          status: 'completed',
          visits: [{ visitId: 't1.v1', status: 'finalized', experts: ['e1'], outcome: 'completed' }, { ...summary('t1.v2'), outcome: 'cancelled' }],
          completedAt: '2026-03-03T10:05:00.000Z',
          resolution: 'Belt replaced',
          survey: { rating: 5, comments: 'Quick', recordedAt: '2026-03-04T10:00:00.000Z' },
          revision: 5,
          updatedAt: '2026-03-04T10:00:00.000Z',
        }),
      ));

  it('ignores visit events of a ticket it never saw opened', () => spec.given().when(...visit('t1.v1', finalized)).then({ [TICKETS]: [] }));
});
