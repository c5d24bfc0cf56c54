import fc from 'fast-check';
import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { DocumentStore } from '../../../document-store/port';
import { InMemoryEventStore } from '../../../event-store/memory';
import { NewEvent, RecordedEvent } from '../../../event-store/port';
import { applyBatch } from '../../apply';
import { rebuild } from '../../rebuild';
import { ProjectionRegistry, Target } from '../../registry';
import { nonAtomic, readModelDocuments, SpecEvent, specifyProjection } from '../../../testing/projection-specification';
import { OPEN_WORK_ID, REPORT_DAYS, REPORT_EXPERT_DAYS, REPORT_EXPERTS, REPORT_OPEN_WORK, REPORT_TICKETS, reportsProjection } from '../projection';

const meta = (timestamp: string) => ({ correlationId: 'c', causationId: null, actor: { userId: 'u', role: 'system' }, timestamp });
const ev = (type: string, at: string, data: Record<string, unknown>): NewEvent => ({ type, data, metadata: meta(at) });
const T = (day: number, hhmm: string) => `2026-03-0${day}T${hhmm}:00.000Z`;

const opened = (ticketId: string, at: string, priority: string) => ev('TicketOpened', at, { ticketId, customerId: 'c1', priority, visits: [], dependencies: [], openedAt: at });
const DAY_MS = 86_400_000;
/** Finalized at `at` for a visit booked from `at` to a day later (the fixtures' visits). */
const finalized = (visitId: string, ticketId: string, at: string, experts: string[]) =>
  ev('VisitFinalized', at, { visitId, ticketId, groupId: ticketId, start: at, end: new Date(Date.parse(at) + DAY_MS).toISOString(), experts, notChosen: [], finalizedAt: at });
const released = (ticketId: string, at: string) => ev('TicketReleasedToMatching', at, { ticketId, customerId: 'c1', priority: 'normal', visits: [], dependencies: [], releasedAt: at });
const planned = (visitId: string, ticketId: string, at: string) =>
  ev('VisitPlanned', at, { visitId, ticketId, groupId: ticketId, skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [], location: { lat: 0, lng: 0 }, priority: 'normal', plannedAt: at });
const visitStep = (type: string, visitId: string, ticketId: string, expertId: string, at: string) => {
  const field = { VisitEnRoute: 'reportedAt', VisitArrived: 'arrivedAt', VisitStarted: 'startedAt', VisitCantArrive: 'reportedAt' }[type]!;
  return ev(type, at, { visitId, ticketId, expertId, eta: at, reason: 'flat tyre', [field]: at });
};
const replaced = (visitId: string, ticketId: string, outExpertId: string, inExpertId: string, at: string) =>
  ev('VisitExpertReplaced', at, { visitId, ticketId, outExpertId, inExpertId, start: at, end: at, replacedBy: { userId: 'h', role: 'helpdesk' }, replacedAt: at });
const visitCompleted = (visitId: string, ticketId: string, at: string, experts: string[]) =>
  ev('VisitCompleted', at, { visitId, ticketId, expertId: experts[0], notes: '', experts, start: at, end: at, completedAt: at });
const closedIncomplete = (visitId: string, ticketId: string, at: string, experts: string[]) =>
  ev('VisitClosedIncomplete', at, { visitId, ticketId, expertId: experts[0], reason: 'needs-parts', note: '', experts, closedAt: at });
const escalated = (ticketId: string, at: string) => ev('TicketEscalated', at, { ticketId, visitIds: [], unfitProposals: [], escalatedAt: at });
const followUp = (ticketId: string, at: string) => ev('TicketFollowUpVisitAdded', at, { ticketId, customerId: 'c1', visit: {}, followUpOf: null, priority: 'normal', openForMatching: true, addedAt: at });
const completed = (ticketId: string, at: string) => ev('TicketCompleted', at, { ticketId, resolution: 'done', completedAt: at });
const cancelled = (ticketId: string, at: string) => ev('TicketCancelled', at, { ticketId, reason: 'no longer needed', visitsToRelease: [], closedFlags: [], cancelledAt: at });
const survey = (ticketId: string, at: string, rating: number) => ev('TicketSurveyRecorded', at, { ticketId, rating, comments: '', recordedAt: at });

const dump = (documents: DocumentStore, suffix: string) => readModelDocuments(documents, reportsProjection, suffix);
/** Events of one stream, as the spec takes them. */
const on = (stream: string, ...events: NewEvent[]): SpecEvent[] => events.map((e) => ({ ...e, stream }));

async function target(store: DocumentStore, suffix: string): Promise<Target> {
  const t: Target = { name: reportsProjection.name, version: reportsProjection.version, suffix };
  await new ProjectionRegistry(store).ensureCheckpoint(t, 'live');
  return t;
}

describe('reports read model', () => {
  it('counts tickets, matches, escalations, visits and surveys per day and per expert', () =>
    specifyProjection(reportsProjection)
      .given(
        // t1: matched after 30 min, first visit closed incomplete, follow-up completed by e2, rated 4.
        ...on('ticket-t1', opened('t1', T(2, '08:00'), 'normal')),
        ...on('ticket-t2', opened('t2', T(2, '09:00'), 'urgent')),
        ...on('ticket-t3', opened('t3', T(2, '10:00'), 'low')),
        ...on('visit-v1', finalized('v1', 't1', T(2, '08:30'), ['e1'])),
        ...on('ticket-t2', escalated('t2', T(2, '09:30')), escalated('t2', T(2, '10:00'))),
        ...on('visit-v1', finalized('v1', 't1', T(2, '09:30'), ['e1'])), // finalized again: not a second match
        ...on('visit-v3', finalized('v3', 't2', T(2, '11:00'), ['e1'])),
        ...on('ticket-t3', cancelled('t3', T(2, '12:00'))),
        ...on('visit-v1', closedIncomplete('v1', 't1', T(3, '10:00'), ['e1'])),
        ...on('ticket-t1', followUp('t1', T(3, '10:05'))),
        ...on('visit-v2', finalized('v2', 't1', T(3, '11:00'), ['e2'])),
        ...on('visit-v3', visitCompleted('v3', 't2', T(3, '09:00'), ['e1'])),
        ...on('ticket-t2', completed('t2', T(3, '09:10')), survey('t2', T(3, '18:00'), 5)),
        ...on('visit-v2', visitCompleted('v2', 't1', T(4, '09:00'), ['e2'])),
        ...on('ticket-t1', completed('t1', T(4, '09:30')), survey('t1', T(4, '12:00'), 4)),
      )
      .then((documents) => {
        const [days, experts, tickets] = [documents[REPORT_DAYS], documents[REPORT_EXPERTS], documents[REPORT_TICKETS]!];
        expect(days).toEqual([
          {
            _id: '2026-03-02',
            day: '2026-03-02',
            opened: 3,
            openedByPriority: { normal: 1, urgent: 1, low: 1 },
            matched: 2,
            matchMinutesSum: 30 + 120,
            matchMinutesCount: 2,
            matchMinuteCounts: { m30: 1, m120: 1 },
            escalated: 1,
            cancelled: 1,
          },
          {
            _id: '2026-03-03',
            day: '2026-03-03',
            visitsIncomplete: 1,
            // v1, finalized again at 09:30, was booked until 2026-03-03 09:30 and closed incomplete at 10:00.
            overruns: 1,
            overrunMinutesSum: 30,
            followUps: 1,
            visitsCompleted: 1,
            completed: 1,
            resolutionMinutesSum: 24 * 60 + 10,
            resolutionMinutesCount: 1,
            resolutionMinuteCounts: { [`m${24 * 60 + 10}`]: 1 },
            surveys: 1,
            ratingSum: 5,
            ratingCounts: { r5: 1 },
          },
          {
            _id: '2026-03-04',
            day: '2026-03-04',
            visitsCompleted: 1,
            completed: 1,
            resolutionMinutesSum: 2 * 24 * 60 + 90,
            resolutionMinutesCount: 1,
            resolutionMinuteCounts: { [`m${2 * 24 * 60 + 90}`]: 1 },
            surveys: 1,
            ratingSum: 4,
            ratingCounts: { r4: 1 },
          },
        ]);
        // The survey of t1 goes to both experts who worked on it (e1 closed incomplete, e2 completed).
        expect(experts).toEqual([
          { _id: 'e1', expertId: 'e1', visitsCompleted: 1, visitsIncomplete: 1, surveys: 2, ratingSum: 9, ratingCounts: { r5: 1, r4: 1 } },
          { _id: 'e2', expertId: 'e2', visitsCompleted: 1, surveys: 1, ratingSum: 4, ratingCounts: { r4: 1 } },
        ]);
        expect(tickets.find((t) => t._id === 't1')).toMatchObject({ openedAt: T(2, '08:00'), priority: 'normal', firstMatchedAt: T(2, '08:30'), experts: ['e1', 'e2'], completedAt: T(4, '09:30'), survey: { rating: 4 } });
        expect(tickets.find((t) => t._id === 't3')).toMatchObject({ cancelledAt: T(2, '12:00'), firstMatchedAt: null, status: 'cancelled' });
        expect(documents[REPORT_EXPERT_DAYS]).toEqual([
          { _id: '2026-03-03|e1', day: '2026-03-03', expertId: 'e1', visitsIncomplete: 1, overruns: 1, overrunMinutesSum: 30, visitsCompleted: 1, surveys: 1, ratingSum: 5, ratingCounts: { r5: 1 } },
          { _id: '2026-03-04|e1', day: '2026-03-04', expertId: 'e1', surveys: 1, ratingSum: 4, ratingCounts: { r4: 1 } },
          { _id: '2026-03-04|e2', day: '2026-03-04', expertId: 'e2', visitsCompleted: 1, surveys: 1, ratingSum: 4, ratingCounts: { r4: 1 } },
        ]);
      }));

  it('follows the open work (tickets and visits by status), arrivals on time or late, per day and per expert', () =>
    specifyProjection(reportsProjection)
      .given(
        ...on('ticket-t1', opened('t1', T(2, '08:00'), 'normal'), released('t1', T(2, '08:00'))),
        ...on('ticket-t2', opened('t2', T(2, '08:10'), 'normal')),
        ...on('visit-v1', planned('v1', 't1', T(2, '08:01')), finalized('v1', 't1', T(3, '09:00'), ['e1'])),
        ...on('ticket-t3', opened('t3', T(2, '08:20'), 'normal'), released('t3', T(2, '08:21'))),
        ...on('visit-v3', planned('v3', 't3', T(2, '08:22')), finalized('v3', 't3', T(3, '10:00'), ['e2'])),
      )
      .when(
        // e1 arrives 15 minutes after the start (on time); e2 cannot come, e3 replaces and is 16 minutes late.
        ...on('visit-v1', visitStep('VisitEnRoute', 'v1', 't1', 'e1', T(3, '08:30')), visitStep('VisitArrived', 'v1', 't1', 'e1', T(3, '09:15'))),
        ...on('visit-v3', visitStep('VisitCantArrive', 'v3', 't3', 'e2', T(3, '09:00')), replaced('v3', 't3', 'e2', 'e3', T(3, '09:10'))),
        ...on('visit-v3', visitStep('VisitArrived', 'v3', 't3', 'e3', T(3, '10:16'))),
      )
      .then((documents) => {
        expect(documents[REPORT_OPEN_WORK]).toEqual([{ _id: OPEN_WORK_ID, tickets: { 'on-hold': 1, open: 2 }, visits: { open: 0, finalized: 0, 'en-route': 0, arrived: 2, 'cant-arrive': 0 } }]);
        expect(documents[REPORT_DAYS]!.find((d) => d._id === '2026-03-03')).toMatchObject({ arrivals: 2, onTimeArrivals: 1 });
        expect(documents[REPORT_EXPERT_DAYS]).toEqual([
          { _id: '2026-03-03|e1', day: '2026-03-03', expertId: 'e1', arrivals: 1, onTimeArrivals: 1 },
          { _id: '2026-03-03|e3', day: '2026-03-03', expertId: 'e3', arrivals: 1, onTimeArrivals: 0 },
        ]);
      }));

  it('property: one pass == any batch split == a MongoDB-like store re-applying batches after crashes == rebuilt twice', async () => {
    const step = fc.record({
      kind: fc.constantFrom('opened', 'released', 'planned', 'finalized', 'arrived', 'cantArrive', 'replaced', 'escalated', 'followUp', 'closedIncomplete', 'visitCompleted', 'completed', 'cancelled', 'survey'),
      ticket: fc.constantFrom('t1', 't2', 't3'),
      visit: fc.constantFrom('a', 'b'),
      experts: fc.subarray(['e1', 'e2', 'e3'], { minLength: 1 }),
      priority: fc.constantFrom('low', 'normal', 'high', 'urgent'),
      rating: fc.integer({ min: 1, max: 5 }),
      minutes: fc.integer({ min: 0, max: 2000 }),
    });
    const cuts = fc.array(fc.nat(), { maxLength: 6 });
    const crashes = fc.array(fc.record({ batch: fc.nat(), afterWrites: fc.nat({ max: 12 }) }), { maxLength: 3 });

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), cuts, crashes, async (steps, cutPoints, crashPlan) => {
        const events = new InMemoryEventStore();
        let time = Date.parse('2026-03-01T22:00:00.000Z');
        for (const s of steps) {
          time += s.minutes * 60_000;
          const at = new Date(time).toISOString();
          const visitId = `${s.ticket}.${s.visit}`;
          const e =
            s.kind === 'opened' ? opened(s.ticket, at, s.priority)
            : s.kind === 'released' ? released(s.ticket, at)
            : s.kind === 'planned' ? planned(visitId, s.ticket, at)
            : s.kind === 'finalized' ? finalized(visitId, s.ticket, at, s.experts)
            : s.kind === 'arrived' ? visitStep('VisitArrived', visitId, s.ticket, s.experts[0]!, at)
            : s.kind === 'cantArrive' ? visitStep('VisitCantArrive', visitId, s.ticket, s.experts[0]!, at)
            : s.kind === 'replaced' ? replaced(visitId, s.ticket, s.experts[0]!, 'e4', at)
            : s.kind === 'escalated' ? escalated(s.ticket, at)
            : s.kind === 'followUp' ? followUp(s.ticket, at)
            : s.kind === 'closedIncomplete' ? closedIncomplete(visitId, s.ticket, at, s.experts)
            : s.kind === 'visitCompleted' ? visitCompleted(visitId, s.ticket, at, s.experts)
            : s.kind === 'completed' ? completed(s.ticket, at)
            : s.kind === 'cancelled' ? cancelled(s.ticket, at)
            : survey(s.ticket, at, s.rating);
          await events.appendToStream(e.type.startsWith('Visit') ? `visit-${visitId}` : `ticket-${s.ticket}`, [e]);
        }
        const history: RecordedEvent[] = await events.readAll();
        const bounds = [...new Set(cutPoints.map((c) => c % history.length))].sort((a, b) => a - b);
        const batches = [0, ...bounds, history.length].flatMap((from, i, all) => (i + 1 < all.length && all[i + 1]! > from ? [history.slice(from, all[i + 1])] : []));

        const documents = new EmbeddedDocumentStore({ path: ':memory:' });
        // One pass.
        await applyBatch(documents, reportsProjection, await target(documents, 'one'), history);
        const once = await dump(documents, 'one');
        // The same history in arbitrary batches.
        const split = await target(documents, 'split');
        for (const batch of batches) await applyBatch(documents, reportsProjection, split, batch);
        expect(await dump(documents, 'split')).toEqual(once);
        // Without transactions: a batch may stop after any write, and is then applied again.
        const mongoLike = await target(documents, 'mongo');
        for (const [i, batch] of batches.entries()) {
          for (const crash of crashPlan.filter((c) => c.batch % batches.length === i)) {
            const budget = { left: crash.afterWrites };
            await applyBatch(nonAtomic(documents, budget), reportsProjection, mongoLike, batch).catch((error: Error) => {
              if (error.message !== 'crash') throw error;
            });
          }
          await applyBatch(nonAtomic(documents), reportsProjection, mongoLike, batch);
          await applyBatch(nonAtomic(documents), reportsProjection, mongoLike, batch); // re-applied: changes nothing
        }
        expect(await dump(documents, 'mongo')).toEqual(once);
        // Rebuilt from the event store, twice.
        for (const label of ['first', 'second']) {
          const { target: rebuilt } = await rebuild(events, documents, reportsProjection, 'rebuild', { label, batchSize: 4 });
          expect(await dump(documents, rebuilt.suffix)).toEqual(once);
        }
        await documents.close();
      }),
      { numRuns: 60 },
    );
  });
});
