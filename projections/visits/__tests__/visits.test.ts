import fc from 'fast-check';
import { TimeRange } from '../../../domain/shared/time';
import { TicketEvent } from '../../../domain/ticket/ticket';
import { hasSkills } from '../../../domain/visit/plan-rules';
import { VisitEvent } from '../../../domain/visit/visit';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { OPEN_VISIT_SHAPES, OpenVisitShapeDoc, VISIT_TICKETS, VisitDoc, VISITS, visitsProjection, shapeOf, skillSetOf, skillSetsWithin, MAX_SKILLS_BY_SUBSET } from '../projection';

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

describe('open visits by shape (what the feed tests skills and calendars against)', () => {
  const morning = { start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' };
  const afternoon = { start: '2026-03-03T13:00:00.000Z', end: '2026-03-03T17:00:00.000Z' };
  const at = '2026-03-02T08:00:00.000Z';
  const plan = (visitId: string, durationMinutes: number, windows: TimeRange[], skills = ['washer']): VisitEvent => ({
    type: 'VisitPlanned',
    data: { visitId, ticketId: 't1', groupId: 't1', skills, expertsNeeded: 1, durationMinutes, windows, location, priority: 'normal', plannedAt: at },
  });
  const finalize = (visitId: string): VisitEvent => ({ type: 'VisitFinalized', data: { visitId, ticketId: 't1', groupId: 't1', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:00:00.000Z', experts: ['e1'], notChosen: [], finalizedAt: at } });
  const updateWindows = (visitId: string, windows: TimeRange[]): VisitEvent => ({ type: 'VisitWindowsUpdated', data: { visitId, ticketId: 't1', windows, updatedAt: at } });
  const reschedule = (visitId: string, windows: TimeRange[]): VisitEvent => ({
    type: 'VisitRescheduled',
    data: { visitId, ticketId: 't1', groupId: 't1', windows, reason: 'customer away', releasedExperts: ['e1'], previousStart: '2026-03-03T09:00:00.000Z', rescheduledAt: at },
  });
  const cancel = (visitId: string): VisitEvent => ({ type: 'VisitCancelled', data: { visitId, ticketId: 't1', reason: 'not needed', releasedExperts: [], cancelledAt: at } });
  const entry = (durationMinutes: number, windows: TimeRange[], open: number, skills = ['washer']): OpenVisitShapeDoc => ({ _id: shapeOf({ skills, durationMinutes, windows }), skills, skillSet: skillSetOf(skills), durationMinutes, windows, open });
  const sorted = (docs: unknown[] | undefined) => [...((docs ?? []) as OpenVisitShapeDoc[])].sort((a, b) => (a._id < b._id ? -1 : 1));

  it('counts the open visits of each skills, duration and windows', () =>
    spec
      .given()
      .when(
        ...inStream('visit-a', [plan('a', 60, [morning])]),
        ...inStream('visit-b', [plan('b', 60, [morning])]),
        ...inStream('visit-c', [plan('c', 90, [morning])]),
        ...inStream('visit-d', [plan('d', 60, [morning], ['washer', 'electrical'])]),
      )
      .then((documents) =>
        expect(sorted(documents[OPEN_VISIT_SHAPES])).toEqual(sorted([entry(60, [morning], 2), entry(90, [morning], 1), entry(60, [morning], 1, ['electrical', 'washer'])])),
      ));

  it('keeps apart sets of skills that a separator would have joined into one', () =>
    spec
      .given()
      .when(...inStream('visit-a', [plan('a', 60, [morning], ['a,b'])]), ...inStream('visit-b', [plan('b', 60, [morning], ['a', 'b'])]))
      .then((documents) => expect(sorted(documents[OPEN_VISIT_SHAPES])).toEqual(sorted([entry(60, [morning], 1, ['a,b']), entry(60, [morning], 1, ['a', 'b'])]))));

  it('moves a visit whose windows change, and forgets windows no open visit has', () =>
    spec
      .given(...inStream('visit-a', [plan('a', 60, [morning])]), ...inStream('visit-b', [plan('b', 60, [morning])]))
      .when(...inStream('visit-a', [finalize('a')]), ...inStream('visit-b', [updateWindows('b', [afternoon])]))
      .then((documents) => expect(documents[OPEN_VISIT_SHAPES]).toEqual([entry(60, [afternoon], 1)])));

  it('counts a rescheduled visit again, with its new windows', () =>
    spec
      .given(...inStream('visit-a', [plan('a', 60, [morning]), finalize('a')]))
      .when(...inStream('visit-a', [reschedule('a', [morning, afternoon])], '2026-03-02T10:00:00.000Z'))
      .then((documents) => expect(documents[OPEN_VISIT_SHAPES]).toEqual([entry(60, [morning, afternoon], 1)])));

  it('always agrees with the open visits it counts, whatever happens to them and in which batches', async () => {
    const visitIds = ['a', 'b', 'c'];
    const windows = fc.constantFrom<TimeRange[]>([morning], [afternoon], [morning, afternoon]);
    const step = fc.oneof(
      fc.record({ kind: fc.constant('plan' as const), visit: fc.constantFrom(...visitIds), duration: fc.constantFrom(60, 90), windows, skills: fc.constantFrom<string[]>(['washer'], ['electrical', 'dryer']) }),
      fc.record({ kind: fc.constantFrom('finalize' as const, 'cancel' as const), visit: fc.constantFrom(...visitIds) }),
      fc.record({ kind: fc.constantFrom('update' as const, 'reschedule' as const), visit: fc.constantFrom(...visitIds), windows }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), fc.nat(14), async (steps, cut) => {
        const planned = new Set<string>();
        const events = steps.flatMap((s): { type: string; data: unknown; stream: string }[] => {
          // Only what the Visit would record: a visit is planned once, and steps follow its plan.
          if (s.kind === 'plan') {
            if (planned.has(s.visit)) return [];
            planned.add(s.visit);
            return inStream(`visit-${s.visit}`, [plan(s.visit, s.duration, s.windows, s.skills)]) as never;
          }
          if (!planned.has(s.visit)) return [];
          const event = 'windows' in s ? (s.kind === 'update' ? updateWindows(s.visit, s.windows) : reschedule(s.visit, s.windows)) : s.kind === 'finalize' ? finalize(s.visit) : cancel(s.visit);
          return inStream(`visit-${s.visit}`, [event]) as never;
        });
        const split = Math.min(cut, events.length);
        await spec
          .given(...events.slice(0, split))
          .when(...events.slice(split))
          .then((documents) => {
            const counts = new Map<string, OpenVisitShapeDoc>();
            for (const visit of (documents[VISITS] ?? []) as VisitDoc[]) {
              if (visit.status !== 'open') continue;
              const key = shapeOf(visit);
              const known = counts.get(key);
              counts.set(key, known ? { ...known, open: known.open + 1 } : entry(visit.durationMinutes, visit.windows, 1, [...visit.skills].sort()));
            }
            expect(sorted(documents[OPEN_VISIT_SHAPES])).toEqual(sorted([...counts.values()]));
          });
      }),
      { numRuns: 60 },
    );
  });
});

describe('skill sets as keys (what the feed reads the shapes of an expert by)', () => {
  // Skills are free text: commas, spaces and quotes included.
  const skill = fc.constantFrom('washer', 'dryer', 'a,b', 'a', 'b', 'air conditioning', 'say "hi"', 'x\\y');

  it("the keys within an expert's skills are exactly the keys of the sets they have every skill of", () =>
    fc.assert(
      fc.property(fc.array(skill, { maxLength: 6 }), fc.array(skill, { maxLength: 4 }), (own, needed) => {
        const keys = skillSetsWithin(own);
        expect(keys).not.toBeNull();
        expect(keys!.includes(skillSetOf(needed))).toBe(hasSkills(needed, own));
      }),
      { numRuns: 500 },
    ));

  it('a key per subset, the empty set included; none past MAX_SKILLS_BY_SUBSET skills (the feed then reads every shape)', () => {
    expect(skillSetsWithin(['washer', 'dryer', 'washer'])).toEqual(['[]', '["dryer"]', '["washer"]', '["dryer","washer"]']);
    const many = Array.from({ length: MAX_SKILLS_BY_SUBSET }, (_, i) => `skill-${i}`);
    expect(new Set(skillSetsWithin(many)).size).toBe(2 ** MAX_SKILLS_BY_SUBSET);
    expect(skillSetsWithin([...many, 'one more'])).toBeNull();
  });
});
