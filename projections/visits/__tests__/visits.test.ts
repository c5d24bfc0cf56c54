import { TicketEvent } from '../../../domain/ticket/ticket';
import { VisitEvent } from '../../../domain/visit/visit';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { VISIT_TICKETS, VisitDoc, VISITS, visitsProjection } from '../projection';

const spec = specifyProjection(visitsProjection);
const ids = { visitId: 't1.v1', ticketId: 't1' };
const window = { start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' };
const location = { lat: 42.1, lon: -72.5 };
const opened: TicketEvent = {
  type: 'TicketOpened',
  data: {
    ticketId: 't1',
    customerId: 'c1',
    applianceModelId: null,
    applianceModelText: 'Old washer',
    problem: 'Drum does not spin',
    priority: 'normal',
    location,
    visits: [{ visitId: 't1.v1', skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window] }],
    dependencies: [],
    paymentStatus: 'paid',
    paymentOverridden: false,
    openedBy: { userId: 'u1', role: 'customer' },
    openedAt: '2026-03-02T07:00:00.000Z',
  },
};
const planned: VisitEvent = {
  type: 'VisitPlanned',
  data: { ...ids, groupId: 't1', skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window], location, priority: 'normal', plannedAt: '2026-03-02T07:01:00.000Z' },
};
const proposed = (expertId: string, starts: string[], proposedAt: string): VisitEvent => ({
  type: 'VisitSlotsProposed',
  data: { ...ids, expertId, slots: starts.map((start) => ({ start, proposedAt })), proposedAt },
});
const visitOf = (documents: Record<string, unknown[]>) => documents[VISITS]![0] as VisitDoc;

describe('visits read model', () => {
  it('knows whose visit it is and why, from the ticket opened before it was planned', () =>
    spec
      .given(...inStream('ticket-t1', [opened]))
      .when(...inStream('visit-t1.v1', [planned]))
      .then((documents) => {
        expect(documents[VISIT_TICKETS]).toEqual([{ _id: 't1', customerId: 'c1', problem: 'Drum does not spin' }]);
        expect(visitOf(documents)).toMatchObject({
          _id: 't1.v1',
          visitId: 't1.v1',
          ticketId: 't1',
          status: 'open',
          skills: ['washer'],
          customerId: 'c1',
          problem: 'Drum does not spin',
          proposalList: [],
          eta: null,
          plannedAt: '2026-03-02T07:01:00.000Z',
          updatedAt: '2026-03-02T07:01:00.000Z',
          revision: 0,
        });
      }));

  const proposals = inStream<VisitEvent>('visit-t1.v1', [
    proposed('e1', ['2026-03-03T09:00:00.000Z', '2026-03-03T10:00:00.000Z'], '2026-03-02T08:00:00.000Z'),
    proposed('e2', ['2026-03-03T09:00:00.000Z'], '2026-03-02T08:05:00.000Z'),
    { type: 'VisitProposalWithdrawn', data: { ...ids, expertId: 'e1', starts: ['2026-03-03T10:00:00.000Z'], withdrawnAt: '2026-03-02T08:10:00.000Z' } },
  ]);

  it('lists who proposed which starts, without those withdrawn', () =>
    spec
      .given(...inStream('ticket-t1', [opened]), ...inStream('visit-t1.v1', [planned]))
      .when(...proposals)
      .then((documents) => {
        expect(visitOf(documents).proposalList).toHaveLength(2);
        expect(visitOf(documents)).toMatchObject({
          status: 'open',
          // In no particular order.
          proposalList: expect.arrayContaining([
            { expertId: 'e1', starts: ['2026-03-03T09:00:00.000Z'] },
            { expertId: 'e2', starts: ['2026-03-03T09:00:00.000Z'] },
          ]),
          updatedAt: '2026-03-02T08:10:00.000Z',
          revision: 3,
        });
      }));

  it('follows the finalized visit to its latest ETA, keeping when it was planned', () =>
    spec
      .given(...inStream('ticket-t1', [opened]), ...inStream('visit-t1.v1', [planned]), ...proposals)
      .when(
        ...inStream<VisitEvent>('visit-t1.v1', [
          { type: 'VisitFinalized', data: { ...ids, groupId: 't1', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:00:00.000Z', experts: ['e1'], notChosen: ['e2'], finalizedAt: '2026-03-02T09:00:00.000Z' } },
          { type: 'VisitEnRoute', data: { ...ids, expertId: 'e1', eta: '2026-03-03T08:55:00.000Z', reportedAt: '2026-03-03T08:30:00.000Z' } },
        ]),
      )
      .then((documents) => {
        expect(visitOf(documents)).toMatchObject({
          status: 'en-route',
          experts: ['e1'],
          eta: '2026-03-03T08:55:00.000Z',
          customerId: 'c1',
          problem: 'Drum does not spin',
          plannedAt: '2026-03-02T07:01:00.000Z',
          updatedAt: '2026-03-03T08:30:00.000Z',
          revision: 5,
        });
      }));

  it('a visit planned before its ticket was seen has no customer or problem', () =>
    spec
      .given()
      .when(...inStream('visit-t1.v1', [planned]))
      .then((documents) => expect(visitOf(documents)).toMatchObject({ customerId: null, problem: null, status: 'open' })));

  it('ignores events of a visit it never saw planned', () =>
    spec
      .given()
      .when(...inStream('visit-t1.v1', [proposed('e1', ['2026-03-03T09:00:00.000Z'], '2026-03-02T08:00:00.000Z')]))
      .then({ [VISITS]: [] }));
});
