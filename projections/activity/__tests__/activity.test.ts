import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { activityProjection, DAILY_ACTIVITY } from '../projection';

const spec = specifyProjection(activityProjection);

describe('daily activity read model', () => {
  it('counts events per stream category and day, by type', () =>
    spec
      .given(...inStream('ticket-t1', [{ type: 'TicketOpened', data: {} }], '2026-03-01T10:00:00.000Z'))
      .when(
        ...inStream('ticket-t2', [{ type: 'TicketOpened', data: {} }, { type: 'TicketCancelled', data: {} }], '2026-03-01T23:59:00.000Z'),
        ...inStream('ticket-t1', [{ type: 'TicketCancelled', data: {} }], '2026-03-02T00:00:00.000Z'),
        ...inStream('visit-v1', [{ type: 'VisitPlanned', data: {} }], '2026-03-01T12:00:00.000Z'),
      )
      .then({
        [DAILY_ACTIVITY]: [
          { _id: 'ticket:2026-03-01', category: 'ticket', day: '2026-03-01', events: 3, byType: { TicketOpened: 2, TicketCancelled: 1 } },
          { _id: 'ticket:2026-03-02', category: 'ticket', day: '2026-03-02', events: 1, byType: { TicketCancelled: 1 } },
          { _id: 'visit:2026-03-01', category: 'visit', day: '2026-03-01', events: 1, byType: { VisitPlanned: 1 } },
        ],
      }));
});
