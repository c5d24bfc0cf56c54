import fc from 'fast-check';
import { command, TEST_ACTOR, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { Actor, DomainError } from '../../decider';
import { ExpertCalendar } from '../../expert/calendar';
import { addMinutes, ms, TimeRange } from '../../shared/time';
import { expertsOffering, openOffers, openProposals, unfitProposals } from '../offers';
import {
  bookedRange,
  IncompleteReason,
  isOpenForMatching,
  VisitCommand,
  visitDecider,
  VisitEvent,
  VisitState,
  VisitStatus,
} from '../visit';

const at = TEST_NOW.toISOString();
const later = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000);
const helpdesk: Actor = TEST_ACTOR;
const system: Actor = { userId: 'saga', role: 'system' };
const customer: Actor = { userId: 'u-c1', role: 'customer' };
const e1: Actor = { userId: 'e1', role: 'expert' };
const e2: Actor = { userId: 'e2', role: 'expert' };
const location = { lat: 42.1, lon: -72.59 };
const skills = ['plumbing', 'gas'];

const windows: TimeRange[] = [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' }];
const S1 = '2026-03-03T09:00:00.000Z';
const S2 = '2026-03-03T10:00:00.000Z';
/** 11:30 + 60 minutes ends after the window. */
const OUT = '2026-03-03T11:30:00.000Z';
const newWindows: TimeRange[] = [{ start: '2026-03-04T08:00:00.000Z', end: '2026-03-04T12:00:00.000Z' }];

const ids = { visitId: 'v1', ticketId: 't1' };
const planned = (expertsNeeded = 1): VisitEvent => ({
  type: 'VisitPlanned',
  data: { ...ids, groupId: 't1', skills, expertsNeeded, durationMinutes: 60, windows, location, priority: 'normal', plannedAt: at },
});
const proposed = (expertId: string, slots: { start: string; proposedAt?: string }[]): VisitEvent => ({
  type: 'VisitSlotsProposed',
  data: { ...ids, expertId, slots: slots.map((s) => ({ start: s.start, proposedAt: s.proposedAt ?? at })), proposedAt: at },
});
const withdrawn = (expertId: string, starts: string[]): VisitEvent => ({ type: 'VisitProposalWithdrawn', data: { ...ids, expertId, starts, withdrawnAt: at } });
const assigned = (expertId: string, start: string): VisitEvent => ({ type: 'VisitExpertAssigned', data: { ...ids, expertId, start, assignedBy: helpdesk, assignedAt: at } });
const finalized = (experts: string[], notChosen: string[] = [], start = S1): VisitEvent => ({
  type: 'VisitFinalized',
  data: { ...ids, groupId: 't1', start, end: addMinutes(start, 60), experts, notChosen, finalizedAt: at },
});
const eta = '2026-03-03T08:55:00.000Z';
const enRoute = (expertId = 'e1'): VisitEvent => ({ type: 'VisitEnRoute', data: { ...ids, expertId, eta, reportedAt: at } });
const arrived: VisitEvent = { type: 'VisitArrived', data: { ...ids, expertId: 'e1', arrivedAt: at } };
const started: VisitEvent = { type: 'VisitStarted', data: { ...ids, expertId: 'e1', startedAt: at } };
const cantArrive: VisitEvent = { type: 'VisitCantArrive', data: { ...ids, expertId: 'e1', reason: 'accident', reportedAt: at } };
const cantEnter: VisitEvent = { type: 'VisitCantEnter', data: { ...ids, expertId: 'e1', note: 'nobody home', reportedAt: at } };
const completed: VisitEvent = { type: 'VisitCompleted', data: { ...ids, expertId: 'e1', notes: 'done', experts: ['e1'], start: S1, end: addMinutes(S1, 60), completedAt: at } };
const closed: VisitEvent = { type: 'VisitClosedIncomplete', data: { ...ids, expertId: 'e1', reason: 'needs-parts', note: 'pump', experts: ['e1'], closedAt: at } };
const cancelled: VisitEvent = { type: 'VisitCancelled', data: { ...ids, reason: 'ticket cancelled', releasedExperts: [], cancelledAt: at } };

const open = [planned()];
const scheduled = [...open, proposed('e1', [{ start: S1 }]), finalized(['e1'])];
const onTheWay = [...scheduled, enRoute()];
const there = [...onTheWay, arrived];
const working = [...there, started];

/** Weekday mornings 07:00–12:00 UTC; and a shorter day, 07:00–10:00. */
const weekdays = (slot: { from: string; to: string }) => [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [slot]));
const mornings: ExpertCalendar = { availability: { timeZone: 'UTC', days: weekdays({ from: '07:00', to: '12:00' }) }, timeOff: [], bookings: [] };
const earlyMornings: ExpertCalendar = { ...mornings, availability: { timeZone: 'UTC', days: weekdays({ from: '07:00', to: '10:00' }) } };
const refusalOf = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

const cmd = <T extends VisitCommand['type']>(type: T, data: Extract<VisitCommand, { type: T }>['data'], actor: Actor = helpdesk, now = TEST_NOW) =>
  command<VisitCommand>(type, data, { actor, now });
const fold = (events: VisitEvent[]): VisitState => events.reduce(visitDecider.evolve, visitDecider.initialState());

describe('Visit', () => {
  const spec = specifyDecider(visitDecider);

  describe('planVisit', () => {
    const plan = (over: Partial<Extract<VisitCommand, { type: 'planVisit' }>['data']> = {}, actor: Actor = system) =>
      cmd('planVisit', { visitId: 'v1', ticketId: 't1', skills, expertsNeeded: 1, durationMinutes: 60, windows, location, priority: 'normal', ...over }, actor);
    it('plans a visit open for matching, grouped by ticket', () => spec.given().when(plan()).then(planned()));
    it('writes windows in one ISO spelling', () => spec.given().when(plan({ windows: [{ start: '2026-03-03T08:00Z', end: '2026-03-03T12:00:00Z' }] })).then(planned()));
    it('accepts windows that have passed (the visit then escalates)', () =>
      spec
        .given()
        .when(plan({ windows: [{ start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T12:00:00.000Z' }] }))
        .then({ ...planned(), data: { ...planned().data, windows: [{ start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T12:00:00.000Z' }] } } as VisitEvent));
    it('changes nothing when planned again for the same ticket', () => spec.given(...open).when(plan()).thenNothingHappens());
    it('refuses a visit id of another ticket', () => spec.given(...open).when(plan({ ticketId: 't2' })).thenFails('visit-already-planned'));
    it('refuses zero experts', () => spec.given().when(plan({ expertsNeeded: 0 })).thenFails('invalid-experts-needed'));
    it('refuses a zero duration', () => spec.given().when(plan({ durationMinutes: 0 })).thenFails('invalid-duration'));
    it('refuses empty windows', () => spec.given().when(plan({ windows: [] })).thenFails('invalid-windows'));
    it('refuses a location off the map', () => spec.given().when(plan({ location: { lat: 0, lon: 200 } })).thenFails('invalid-location'));
    it('refuses an unknown priority', () => spec.given().when(plan({ priority: 'whenever' as 'low' })).thenFails('invalid-priority'));
    it('refuses a visit without a ticket', () => spec.given().when(plan({ ticketId: ' ' })).thenFails('invalid-ticket'));
    it('refuses an expert', () => spec.given().when(plan({}, e1)).thenFails('forbidden'));
  });

  describe('proposeSlot', () => {
    const propose = (starts: string[], actor: Actor = e1, expertId = 'e1', expertSkills = skills, now = TEST_NOW) =>
      cmd('proposeSlot', { visitId: 'v1', expertId, expertSkills, starts }, actor, now);
    it('records the expert’s starts, time-stamped', () => spec.given(...open).when(propose([S2, S1])).then(proposed('e1', [{ start: S1 }, { start: S2 }])));
    it('lets helpdesk propose for an expert', () => spec.given(...open).when(propose([S1], helpdesk)).then(proposed('e1', [{ start: S1 }])));
    it('replaces the list but keeps the time priority of starts proposed before', () =>
      spec
        .given(...open, proposed('e1', [{ start: S1 }]))
        .when(propose([S1, S2], e1, 'e1', skills, later(30)))
        .then({ type: 'VisitSlotsProposed', data: { ...ids, expertId: 'e1', slots: [{ start: S1, proposedAt: at }, { start: S2, proposedAt: later(30).toISOString() }], proposedAt: later(30).toISOString() } }));
    it('drops starts left out of the new list', () =>
      spec
        .given(...open, proposed('e1', [{ start: S1 }, { start: S2 }]))
        .when(propose([S2], e1, 'e1', skills, later(5)))
        .then({ type: 'VisitSlotsProposed', data: { ...ids, expertId: 'e1', slots: [{ start: S2, proposedAt: at }], proposedAt: later(5).toISOString() } }));
    it('changes nothing when the same starts are proposed again (any spelling)', () =>
      spec.given(...open, proposed('e1', [{ start: S1 }])).when(propose(['2026-03-03T09:00Z', S1], e1, 'e1', skills, later(5))).thenNothingHappens());
    it('refuses an expert lacking a skill', () => spec.given(...open).when(propose([S1], e1, 'e1', ['plumbing'])).thenFails('expert-lacks-skills'));
    it('refuses a start whose visit does not fit a window', () => spec.given(...open).when(propose([S1, OUT])).thenFails('slot-outside-windows'));
    it('refuses a start that has passed', () =>
      spec.given(...open).when(propose([S1], e1, 'e1', skills, new Date('2026-03-03T09:30:00.000Z'))).thenFails('slot-in-past'));
    it('refuses an empty list', () => spec.given(...open).when(propose([])).thenFails('no-slots'));
    it('refuses a start that is not a date', () => spec.given(...open).when(propose(['soon'])).thenFails('invalid-slot'));
    it('refuses a finalized visit', () => spec.given(...scheduled).when(propose([S2], e2, 'e2')).thenFails('visit-not-open'));
    it('refuses an expert proposing for another', () => spec.given(...open).when(propose([S1], e2, 'e1')).thenFails('forbidden'));
    it('refuses a customer', () => spec.given(...open).when(propose([S1], customer)).thenFails('forbidden'));
    it('refuses an unknown visit', () => spec.given().when(propose([S1])).thenFails('visit-not-found'));

    describe("with the expert's calendar", () => {
      const withCalendar = (starts: string[], calendar: ExpertCalendar) => cmd('proposeSlot', { visitId: 'v1', expertId: 'e1', expertSkills: skills, expertCalendar: calendar, starts }, e1);
      it('records starts inside the weekly hours', () => spec.given(...open).when(withCalendar([S1, S2], mornings)).then(proposed('e1', [{ start: S1 }, { start: S2 }])));
      it('refuses a start outside the weekly hours, saying which hours are open that day', () => {
        spec.given(...open).when(withCalendar([S1, S2], earlyMornings)).thenFails('outside-availability');
        const refusal = refusalOf(() => visitDecider.decide(withCalendar([S1, S2], earlyMornings), fold(open)));
        expect(refusal.message).toBe('expert e1 works 07:00–10:00 on Tuesday 2026-03-03 (UTC): 10:00–11:00 is outside those hours');
        expect(refusal.details).toEqual({ conflict: 'outside-availability', openHours: { date: '2026-03-03', weekday: 'Tuesday', timeZone: 'UTC', slots: [{ from: '07:00', to: '10:00' }] } });
      });
      it('refuses a start in time off', () =>
        spec.given(...open).when(withCalendar([S1], { ...mornings, timeOff: [{ timeOffId: 't1', range: { start: S1, end: S2 }, reason: 'dentist' }] })).thenFails('expert-time-off'));
      it('accepts a start over one of their bookings (it may go; matching leaves it out meanwhile)', () =>
        spec.given(...open).when(withCalendar([S1], { ...mornings, bookings: [{ visitId: 'v9', range: { start: S1, end: S2 } }] })).then(proposed('e1', [{ start: S1 }])));
    });
  });

  describe('withdrawProposal', () => {
    const withdraw = (starts?: string[], actor: Actor = e1) => cmd('withdrawProposal', { visitId: 'v1', expertId: 'e1', ...(starts ? { starts } : {}) }, actor);
    const both = [...open, proposed('e1', [{ start: S1 }, { start: S2 }])];
    it('withdraws every start', () => spec.given(...both).when(withdraw()).then(withdrawn('e1', [S1, S2])));
    it('withdraws some starts', () => spec.given(...both).when(withdraw([S2, OUT])).then(withdrawn('e1', [S2])));
    it('leaves nothing counted after a full withdrawal', () => {
      const state = fold([...both, withdrawn('e1', [S1]), withdrawn('e1', [S2])]);
      expect(openProposals(state)).toEqual([]);
      expect(state.status === 'open' && state.proposals).toEqual({});
    });
    it('refuses starts the expert did not propose', () => spec.given(...both).when(withdraw([OUT])).thenFails('proposal-not-found'));
    it('refuses an expert with no proposal', () => spec.given(...open).when(withdraw()).thenFails('proposal-not-found'));
    it('refuses after finalization', () => spec.given(...scheduled).when(withdraw()).thenFails('visit-not-open'));
    it('refuses another expert', () => spec.given(...both).when(withdraw(undefined, e2)).thenFails('forbidden'));
  });

  describe('assignExpert', () => {
    const assign = (start = S1, expertSkills = skills, actor: Actor = helpdesk) => cmd('assignExpert', { visitId: 'v1', expertId: 'e2', expertSkills, start }, actor);
    it('assigns an expert to a start directly', () => spec.given(...open).when(assign()).then(assigned('e2', S1)));
    it('changes nothing when assigned the same start again', () => spec.given(...open, assigned('e2', S1)).when(assign()).thenNothingHappens());
    it('moves an assignment to another start', () => spec.given(...open, assigned('e2', S1)).when(assign(S2)).then(assigned('e2', S2)));
    it('refuses an expert lacking a skill', () => spec.given(...open).when(assign(S1, [])).thenFails('expert-lacks-skills'));
    it('refuses a start outside the windows', () => spec.given(...open).when(assign(OUT)).thenFails('slot-outside-windows'));
    it('refuses a start that is not a date', () => spec.given(...open).when(assign('later')).thenFails('invalid-slot'));
    it('refuses a finalized visit', () => spec.given(...scheduled).when(assign()).thenFails('visit-not-open'));
    it('refuses an expert assigning', () => spec.given(...open).when(assign(S1, skills, e2)).thenFails('forbidden'));

    describe("with the expert's calendar", () => {
      const withCalendar = (calendar: ExpertCalendar, start = S1) => cmd('assignExpert', { visitId: 'v1', expertId: 'e2', expertSkills: skills, expertCalendar: calendar, start }, helpdesk);
      it('assigns a start the calendar allows', () => spec.given(...open).when(withCalendar(mornings)).then(assigned('e2', S1)));
      it('refuses a start in time off, saying so', () => {
        const off = { ...mornings, timeOff: [{ timeOffId: 't1', range: { start: '2026-03-03T08:30:00.000Z', end: '2026-03-03T09:30:00.000Z' }, reason: 'dentist' }] };
        spec.given(...open).when(withCalendar(off)).thenFails('expert-time-off');
        expect(refusalOf(() => visitDecider.decide(withCalendar(off), fold(open))).message).toBe('expert e2 is off from 2026-03-03T08:30:00.000Z to 2026-03-03T09:30:00.000Z (dentist)');
      });
      it('refuses a start outside the weekly hours', () => spec.given(...open).when(withCalendar(earlyMornings, S2)).thenFails('outside-availability'));
      it('refuses a start over another booking', () =>
        spec.given(...open).when(withCalendar({ ...mornings, bookings: [{ visitId: 'v9', range: { start: S1, end: S2 } }] })).thenFails('expert-booked'));
      it('ignores a booking for this very visit', () =>
        spec.given(...open).when(withCalendar({ ...mornings, bookings: [{ visitId: 'v1', range: { start: S1, end: S2 } }] })).then(assigned('e2', S1)));
    });
  });

  describe('finalizeVisit', () => {
    const finalize = (experts: string[], start = S1, actor: Actor = system) => cmd('finalizeVisit', { visitId: 'v1', start, experts }, actor);
    const offers = [...open, proposed('e1', [{ start: S1 }]), proposed('e3', [{ start: S2 }])];
    it('finalizes with an expert who proposed that start; names those not chosen', () => spec.given(...offers).when(finalize(['e1'])).then(finalized(['e1'], ['e3'])));
    it('finalizes with a directly assigned expert', () => spec.given(...offers, assigned('e2', S2)).when(finalize(['e2'], S2)).then(finalized(['e2'], ['e1', 'e3'], S2)));
    it('finalizes several experts at once', () =>
      spec
        .given(planned(2), proposed('e1', [{ start: S1 }]), proposed('e2', [{ start: S1 }, { start: S2 }]))
        .when(finalize(['e2', 'e1'], '2026-03-03T09:00Z'))
        .then(finalized(['e2', 'e1'])));
    it('refuses an expert who did not propose that start', () => spec.given(...offers).when(finalize(['e3'])).thenFails('expert-not-proposed'));
    it('refuses an expert whose proposal was withdrawn', () => spec.given(...offers, withdrawn('e1', [S1])).when(finalize(['e1'])).thenFails('expert-not-proposed'));
    it('refuses too few experts', () => spec.given(planned(2), proposed('e1', [{ start: S1 }])).when(finalize(['e1'])).thenFails('wrong-number-of-experts'));
    it('refuses too many experts', () => spec.given(...offers, proposed('e2', [{ start: S1 }])).when(finalize(['e1', 'e2'])).thenFails('wrong-number-of-experts'));
    it('refuses an expert named twice', () => spec.given(planned(2), proposed('e1', [{ start: S1 }])).when(finalize(['e1', 'e1'])).thenFails('duplicate-expert'));
    it('refuses a proposal that no longer fits the windows', () =>
      spec
        .given(...offers, { type: 'VisitWindowsUpdated', data: { ...ids, windows: [{ start: S2, end: '2026-03-03T12:00:00.000Z' }], updatedAt: at } })
        .when(finalize(['e1']))
        .thenFails('slot-outside-windows'));
    it('refuses a start that is not a date', () => spec.given(...offers).when(finalize(['e1'], 'nine')).thenFails('invalid-slot'));
    it('refuses a visit already finalized', () => spec.given(...scheduled).when(finalize(['e1'])).thenFails('visit-not-open'));
    it('refuses an expert finalizing', () => spec.given(...offers).when(finalize(['e1'], S1, e1)).thenFails('forbidden'));
  });

  describe('updateWindows', () => {
    const update = (w: TimeRange[], actor: Actor = helpdesk) => cmd('updateWindows', { visitId: 'v1', windows: w }, actor);
    const narrow: TimeRange[] = [{ start: S2, end: '2026-03-03T12:00:00.000Z' }];
    it('updates the windows; proposals are kept, only fitting ones offered', () => {
      spec.given(...open).when(update(narrow)).then({ type: 'VisitWindowsUpdated', data: { ...ids, windows: narrow, updatedAt: at } });
      const state = fold([...open, proposed('e1', [{ start: S1 }, { start: S2 }]), { type: 'VisitWindowsUpdated', data: { ...ids, windows: narrow, updatedAt: at } }]);
      expect(openProposals(state).map((p) => p.start)).toEqual([S2]);
      expect(unfitProposals(state)).toEqual([{ expertId: 'e1', starts: [S1] }]);
    });
    it('lets the customer update their windows', () =>
      spec.given(...open).when(update(narrow, customer)).then({ type: 'VisitWindowsUpdated', data: { ...ids, windows: narrow, updatedAt: at } }));
    it('changes nothing for the same windows', () => spec.given(...open).when(update(windows)).thenNothingHappens());
    it('refuses invalid windows', () => spec.given(...open).when(update([{ start: S2, end: S1 }])).thenFails('invalid-windows'));
    it('refuses windows that have ended', () =>
      spec.given(...open).when(update([{ start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T12:00:00.000Z' }])).thenFails('window-in-past'));
    it('refuses a finalized visit', () => spec.given(...scheduled).when(update(narrow)).thenFails('visit-not-open'));
    it('refuses an expert', () => spec.given(...open).when(update(narrow, e1)).thenFails('forbidden'));
  });

  describe('markEnRoute', () => {
    const go = (actor: Actor = e1, expertId = 'e1', e = eta) => cmd('markEnRoute', { visitId: 'v1', expertId, eta: e }, actor);
    it('sets off with an ETA', () => spec.given(...scheduled).when(go()).then(enRoute()));
    it('updates the ETA on the way', () => spec.given(...onTheWay).when(go()).then(enRoute()));
    it('lets helpdesk report for the expert', () => spec.given(...scheduled).when(go(helpdesk)).then(enRoute()));
    it('refuses a visit not finalized', () => spec.given(...open).when(go()).thenFails('visit-not-finalized'));
    it('refuses a visit already under way', () => spec.given(...there).when(go()).thenFails('visit-not-finalized'));
    it('refuses an expert not on the visit', () => spec.given(...scheduled).when(go(e2, 'e2')).thenFails('expert-not-on-visit'));
    it('refuses an expert reporting for another', () => spec.given(...scheduled).when(go(e2, 'e1')).thenFails('forbidden'));
    it('an expert login acts as its linked expert profile, and only as that one', () => {
      const login: Actor = { userId: 'user-9', role: 'expert', expertId: 'e1' };
      spec.given(...scheduled).when(go(login, 'e1')).then(enRoute());
      spec.given(...scheduled).when(go({ ...login, expertId: 'e2' }, 'e1')).thenFails('forbidden');
      // The login's user id is who acts, not which expert: it never stands for the profile.
      spec.given(...scheduled).when(go({ userId: 'e1', role: 'expert', expertId: 'e2' }, 'e1')).thenFails('forbidden');
    });
    it('refuses a customer', () => spec.given(...scheduled).when(go(customer)).thenFails('forbidden'));
    it('refuses an ETA that is not a date', () => spec.given(...scheduled).when(go(e1, 'e1', 'soon')).thenFails('invalid-eta'));
    it('refuses an ETA in the past', () => spec.given(...scheduled).when(go(e1, 'e1', '2026-03-01T00:00:00.000Z')).thenFails('invalid-eta'));

    describe('at most maxLeadMinutes before the visit starts', () => {
      // The visit starts at 09:00 on 3 March; the clock of these commands is 2 March 08:00.
      const goAt = (now: Date, maxLeadMinutes = 120) => cmd('markEnRoute', { visitId: 'v1', expertId: 'e1', eta, maxLeadMinutes }, e1, now);
      it('refuses setting off the day before, saying from when it may', () => {
        spec.given(...scheduled).when(goAt(TEST_NOW)).thenFails('en-route-too-early');
        const refusal = refusalOf(() => visitDecider.decide(goAt(TEST_NOW), fold(scheduled)));
        expect(refusal.message).toBe('visit v1 starts at 2026-03-03T09:00:00.000Z: go en route at most 120 minutes before it, from 2026-03-03T07:00:00.000Z');
        expect(refusal.details).toEqual({ start: S1, earliestEnRoute: '2026-03-03T07:00:00.000Z', maxLeadMinutes: 120 });
      });
      it('refuses a minute too early', () => spec.given(...scheduled).when(goAt(new Date('2026-03-03T06:59:00.000Z'))).thenFails('en-route-too-early'));
      it('sets off exactly at the bound', () =>
        spec
          .given(...scheduled)
          .when(goAt(new Date('2026-03-03T07:00:00.000Z')))
          .then({ type: 'VisitEnRoute', data: { ...ids, expertId: 'e1', eta, reportedAt: '2026-03-03T07:00:00.000Z' } }));
      it('follows a shorter bound', () => spec.given(...scheduled).when(goAt(new Date('2026-03-03T08:00:00.000Z'), 30)).thenFails('en-route-too-early'));
      it('sets off inside the bound', () =>
        spec
          .given(...scheduled)
          .when(goAt(new Date('2026-03-03T08:50:00.000Z')))
          .then({ type: 'VisitEnRoute', data: { ...ids, expertId: 'e1', eta, reportedAt: '2026-03-03T08:50:00.000Z' } }));
    });
  });

  describe('markArrived', () => {
    const arrive = (actor: Actor = e1, expertId = 'e1') => cmd('markArrived', { visitId: 'v1', expertId }, actor);
    it('arrives', () => spec.given(...onTheWay).when(arrive()).then(arrived));
    it('changes nothing when already arrived', () => spec.given(...there).when(arrive()).thenNothingHappens());
    it('refuses arriving before going en route', () => spec.given(...scheduled).when(arrive()).thenFails('visit-not-en-route'));
    it('refuses an expert not on the visit', () => spec.given(...onTheWay).when(arrive(e2, 'e2')).thenFails('expert-not-on-visit'));
  });

  describe('markStarted', () => {
    const start = (actor: Actor = e1) => cmd('markStarted', { visitId: 'v1', expertId: 'e1' }, actor);
    it('starts work after arriving', () => spec.given(...there).when(start()).then(started));
    it('starts work once the customer lets them in', () => spec.given(...there, cantEnter).when(start()).then(started));
    it('changes nothing when already started', () => spec.given(...working).when(start()).thenNothingHappens());
    it('refuses starting before arriving', () => spec.given(...onTheWay).when(start()).thenFails('visit-not-arrived'));
    it('refuses another expert', () => spec.given(...there).when(start(e2)).thenFails('forbidden'));
  });

  describe('reportCantArrive', () => {
    const report = (reason = 'accident') => cmd('reportCantArrive', { visitId: 'v1', expertId: 'e1', reason }, e1);
    it('reports from the road', () => spec.given(...onTheWay).when(report()).then(cantArrive));
    it('reports before setting off', () => spec.given(...scheduled).when(report()).then(cantArrive));
    it('refuses after arriving', () => spec.given(...there).when(report()).thenFails('visit-not-en-route'));
    it('refuses without a reason', () => spec.given(...onTheWay).when(report(' ')).thenFails('reason-required'));
  });

  describe('reportCantEnter', () => {
    const report = () => cmd('reportCantEnter', { visitId: 'v1', expertId: 'e1', note: 'nobody home' }, e1);
    it('reports no access', () => spec.given(...there).when(report()).then(cantEnter));
    it('refuses before arriving', () => spec.given(...onTheWay).when(report()).thenFails('visit-not-arrived'));
  });

  describe('replaceExpert', () => {
    const replace = (outExpertId = 'e1', inExpertId = 'e2', inExpertSkills = skills, actor: Actor = helpdesk) =>
      cmd('replaceExpert', { visitId: 'v1', outExpertId, inExpertId, inExpertSkills }, actor);
    const replaced: VisitEvent = {
      type: 'VisitExpertReplaced',
      data: { ...ids, outExpertId: 'e1', inExpertId: 'e2', start: S1, end: addMinutes(S1, 60), replacedBy: helpdesk, replacedAt: at },
    };
    it('replaces an expert who cannot arrive; the visit is scheduled again', () => {
      spec.given(...onTheWay, cantArrive).when(replace()).then(replaced);
      const state = fold([...onTheWay, cantArrive, replaced]);
      expect(state.status === 'finalized' && state.experts).toEqual(['e2']);
    });
    it('replaces before the visit', () => spec.given(...scheduled).when(replace()).then(replaced));
    it('refuses once work started', () => spec.given(...working).when(replace()).thenFails('visit-not-replaceable'));
    it('refuses an expert who is not on the visit', () => spec.given(...scheduled).when(replace('e3')).thenFails('expert-not-on-visit'));
    it('refuses an incoming expert already on the visit', () => spec.given(...scheduled).when(replace('e1', 'e1')).thenFails('expert-already-on-visit'));
    it('refuses an incoming expert lacking a skill', () => spec.given(...scheduled).when(replace('e1', 'e2', ['gas'])).thenFails('expert-lacks-skills'));
    it('refuses an expert replacing', () => spec.given(...scheduled).when(replace('e1', 'e2', skills, e1)).thenFails('forbidden'));
  });

  describe('rescheduleVisit', () => {
    const reschedule = (w = newWindows, reason = 'customer away', actor: Actor = helpdesk) => cmd('rescheduleVisit', { visitId: 'v1', windows: w, reason }, actor);
    const rescheduled: VisitEvent = {
      type: 'VisitRescheduled',
      data: { ...ids, groupId: 't1', windows: newWindows, reason: 'customer away', releasedExperts: ['e1'], previousStart: S1, rescheduledAt: at },
    };
    it('sends a visit with no access back to matching, releasing its experts', () => {
      spec.given(...there, cantEnter).when(reschedule()).then(rescheduled);
      const state = fold([...there, cantEnter, rescheduled]);
      expect(isOpenForMatching(state)).toBe(true);
      expect(state.status === 'open' && [state.experts, state.start, state.proposals, state.windows]).toEqual([[], null, {}, newWindows]);
    });
    it('reschedules after cannot arrive', () => spec.given(...onTheWay, cantArrive).when(reschedule()).then(rescheduled));
    it('reschedules a finalized visit', () => spec.given(...scheduled).when(reschedule()).then(rescheduled));
    it('refuses a visit still open for matching', () => spec.given(...open).when(reschedule()).thenFails('visit-not-reschedulable'));
    it('refuses a visit under way', () => spec.given(...working).when(reschedule()).thenFails('visit-not-reschedulable'));
    it('refuses invalid windows', () => spec.given(...scheduled).when(reschedule([])).thenFails('invalid-windows'));
    it('refuses without a reason', () => spec.given(...scheduled).when(reschedule(newWindows, '')).thenFails('reason-required'));
    it('refuses an expert', () => spec.given(...scheduled).when(reschedule(newWindows, 'x', e1)).thenFails('forbidden'));
  });

  describe('extendVisit', () => {
    const extend = (minutes: number, actor: Actor = system) => cmd('extendVisit', { visitId: 'v1', expertId: 'e1', minutes }, actor);
    it('extends a visit at work', () =>
      spec.given(...working).when(extend(30)).then({ type: 'VisitExtended', data: { ...ids, expertId: 'e1', minutes: 30, end: addMinutes(S1, 90), extendedAt: at } }));
    it('refuses before work started', () => spec.given(...there).when(extend(30)).thenFails('visit-not-started'));
    it('refuses a non-positive extension', () => spec.given(...working).when(extend(0)).thenFails('invalid-minutes'));
    it('refuses a customer', () => spec.given(...working).when(extend(30, customer)).thenFails('forbidden'));
  });

  describe('closeIncomplete', () => {
    const close = (reason: IncompleteReason = 'needs-parts') => cmd('closeIncomplete', { visitId: 'v1', expertId: 'e1', reason, note: 'pump' }, e1);
    it('closes a visit at work', () => spec.given(...working).when(close()).then(closed));
    it('closes on arrival (the part is missing)', () => spec.given(...there).when(close()).then(closed));
    it('refuses before arrival', () => spec.given(...onTheWay).when(close()).thenFails('visit-not-started'));
    it('refuses an unknown reason', () => spec.given(...working).when(close('bored' as IncompleteReason)).thenFails('invalid-reason'));
  });

  describe('completeVisit', () => {
    const complete = (actor: Actor = e1) => cmd('completeVisit', { visitId: 'v1', expertId: 'e1', notes: 'done' }, actor);
    it('completes a visit at work', () => spec.given(...working).when(complete()).then(completed));
    it('lets helpdesk complete for the expert', () => spec.given(...working).when(complete(helpdesk)).then(completed));
    it('refuses before work started', () => spec.given(...there).when(complete()).thenFails('visit-not-started'));
    it('refuses a completed visit', () => spec.given(...working, completed).when(complete()).thenFails('visit-not-started'));
    it('refuses another expert', () => spec.given(...working).when(complete(e2)).thenFails('forbidden'));
  });

  describe('cancelVisit', () => {
    const cancel = (reason = 'ticket cancelled', actor: Actor = system) => cmd('cancelVisit', { visitId: 'v1', reason }, actor);
    it('cancels a visit open for matching', () => spec.given(...open).when(cancel()).then(cancelled));
    it('cancels a scheduled visit, releasing its experts', () =>
      spec.given(...scheduled).when(cancel()).then({ ...cancelled, data: { ...cancelled.data, releasedExperts: ['e1'] } } as VisitEvent));
    it('changes nothing when cancelled already', () => spec.given(...open, cancelled).when(cancel()).thenNothingHappens());
    it('refuses a completed visit', () => spec.given(...working, completed).when(cancel()).thenFails('visit-completed'));
    it('refuses a visit closed incomplete', () => spec.given(...working, closed).when(cancel()).thenFails('visit-closed'));
    it('refuses without a reason', () => spec.given(...open).when(cancel(' ')).thenFails('reason-required'));
    it('refuses an expert', () => spec.given(...open).when(cancel('x', e1)).thenFails('forbidden'));
  });

  describe('helpers', () => {
    it('openProposals and openOffers: time priority, assignments included, nothing once finalized', () => {
      const early = later(-10).toISOString();
      const state = fold([...open, proposed('e2', [{ start: S1 }]), proposed('e1', [{ start: S1, proposedAt: early }, { start: S2, proposedAt: early }]), assigned('e3', S1)]);
      expect(openProposals(state)).toEqual([
        { expertId: 'e1', start: S1, proposedAt: early },
        { expertId: 'e1', start: S2, proposedAt: early },
        { expertId: 'e2', start: S1, proposedAt: at },
      ]);
      expect(openOffers(state).map((o) => [o.expertId, o.start, o.kind])).toEqual([
        ['e1', S1, 'proposal'],
        ['e1', S2, 'proposal'],
        ['e2', S1, 'proposal'],
        ['e3', S1, 'assignment'],
      ]);
      expect(expertsOffering(state, '2026-03-03T09:00Z')).toEqual(['e1', 'e2', 'e3']);
      expect(openProposals(fold(scheduled))).toEqual([]);
    });
    it('bookedRange: the committed time while scheduled, none when open or finished', () => {
      expect(bookedRange(fold(open))).toBeNull();
      expect(bookedRange(fold(onTheWay))).toEqual({ start: S1, end: addMinutes(S1, 60) });
      expect(bookedRange(fold([...working, completed]))).toBeNull();
    });
  });

  describe('properties', () => {
    const EXPERT_SKILLS: Record<string, string[]> = { e1: skills, e2: [...skills, 'electrical'], e3: ['plumbing'] };
    const experts = ['e1', 'e2', 'e3'];
    const starts = [S1, S2, '2026-03-03T08:30:00.000Z', OUT];
    const windowChoices: TimeRange[][] = [windows, [{ start: S2, end: '2026-03-03T12:00:00.000Z' }], [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T14:00:00.000Z' }]];

    /** A step builds its command from the index (for `now`) and, for the saga-like finalize, the state. */
    type Step = (state: VisitState, now: Date) => VisitCommand;
    const actorFor = (who: 'self' | 'other' | 'helpdesk' | 'customer', expertId: string): Actor =>
      who === 'self' ? { userId: expertId, role: 'expert' } : who === 'other' ? { userId: expertId === 'e1' ? 'e2' : 'e1', role: 'expert' } : who === 'helpdesk' ? helpdesk : customer;
    const arbWho = fc.constantFrom<'self' | 'other' | 'helpdesk' | 'customer'>('self', 'self', 'self', 'self', 'self', 'self', 'helpdesk', 'helpdesk', 'other', 'customer');
    const arbExpert = fc.constantFrom(...experts);
    const arbStart = fc.constantFrom(...starts);
    const stepOf =
      <T extends VisitCommand['type']>(type: T, data: Extract<VisitCommand, { type: T }>['data'], actor: Actor): Step =>
      (_state, now) =>
        command<VisitCommand>(type, data, { actor, now });
    /** Mostly an expert on the visit (picked from the state, as the real expert would be), sometimes any. */
    const execution = (type: 'markEnRoute' | 'markArrived' | 'markStarted' | 'reportCantArrive' | 'reportCantEnter' | 'extendVisit' | 'closeIncomplete' | 'completeVisit') =>
      fc.record({ pick: fc.nat(), any: fc.option(arbExpert, { freq: 4, nil: undefined }), who: arbWho }).map(
        ({ pick, any, who }): Step =>
          (state, now) => {
            const onVisit = state.status === 'none' ? [] : state.experts;
            const expertId = any ?? onVisit[pick % Math.max(1, onVisit.length)] ?? 'e1';
            const actor = actorFor(who, expertId);
            const base = { visitId: 'v1', expertId };
            switch (type) {
              case 'markEnRoute':
                return cmd(type, { ...base, eta: S1 }, actor, now);
              case 'reportCantArrive':
                return cmd(type, { ...base, reason: 'flat tyre' }, actor, now);
              case 'reportCantEnter':
                return cmd(type, { ...base, note: 'locked' }, actor, now);
              case 'extendVisit':
                return cmd(type, { ...base, minutes: 15 }, actor, now);
              case 'closeIncomplete':
                return cmd(type, { ...base, reason: 'needs-parts', note: '' }, actor, now);
              case 'completeVisit':
                return cmd(type, { ...base, notes: 'ok' }, actor, now);
              default:
                return cmd(type, base, actor, now);
            }
          },
      );
    /** Like the matching saga: a start with enough offers, the earliest offering experts (sometimes a wrong count). */
    const sagaFinalize = fc.record({ pick: fc.nat(), extra: fc.constantFrom(0, 0, 0, 0, -1, 1) }).map(
      ({ pick, extra }): Step =>
        (state, now) => {
          const needed = state.status === 'none' ? 1 : state.expertsNeeded;
          const full = starts.filter((s) => expertsOffering(state, s).length >= needed);
          const start = full.length > 0 ? full[pick % full.length]! : starts[pick % starts.length]!;
          return cmd('finalizeVisit', { visitId: 'v1', start, experts: expertsOffering(state, start).slice(0, Math.max(0, needed + extra)) }, system, now);
        },
    );
    const w = (weight: number, arbitrary: fc.Arbitrary<Step>) => ({ weight, arbitrary });
    // Weighted so that histories often get through matching into execution; cancelling is rare.
    const arbStep: fc.Arbitrary<Step> = fc.oneof(
      w(
        20,
        fc
          .record({ expertId: fc.constantFrom('e1', 'e1', 'e2', 'e2', 'e3'), starts: fc.oneof({ weight: 4, arbitrary: fc.subarray(starts.slice(0, 3), { minLength: 1 }) }, { weight: 1, arbitrary: fc.subarray(starts, { minLength: 1 }) }), who: arbWho })
          .map(({ expertId, starts: s, who }) => stepOf('proposeSlot', { visitId: 'v1', expertId, expertSkills: EXPERT_SKILLS[expertId]!, starts: s }, actorFor(who, expertId))),
      ),
      w(
        4,
        fc
          .record({ expertId: arbExpert, starts: fc.option(fc.subarray(starts), { nil: undefined }), who: arbWho })
          .map(({ expertId, starts: s, who }) => stepOf('withdrawProposal', { visitId: 'v1', expertId, ...(s ? { starts: s } : {}) }, actorFor(who, expertId))),
      ),
      w(3, fc.record({ expertId: arbExpert, start: arbStart }).map(({ expertId, start }) => stepOf('assignExpert', { visitId: 'v1', expertId, expertSkills: EXPERT_SKILLS[expertId]!, start }, helpdesk))),
      w(10, sagaFinalize),
      w(2, fc.record({ start: arbStart, chosen: fc.subarray(experts) }).map(({ start, chosen }) => stepOf('finalizeVisit', { visitId: 'v1', start, experts: chosen }, system))),
      w(3, fc.constantFrom(...windowChoices).map((ws) => stepOf('updateWindows', { visitId: 'v1', windows: ws }, helpdesk))),
      w(8, execution('markEnRoute')),
      w(8, execution('markArrived')),
      w(8, execution('markStarted')),
      w(3, execution('reportCantArrive')),
      w(3, execution('reportCantEnter')),
      w(3, execution('extendVisit')),
      w(2, execution('closeIncomplete')),
      w(5, execution('completeVisit')),
      w(
        3,
        fc
          .record({ out: arbExpert, in: arbExpert })
          .map(({ out, in: incoming }) => stepOf('replaceExpert', { visitId: 'v1', outExpertId: out, inExpertId: incoming, inExpertSkills: EXPERT_SKILLS[incoming]! }, helpdesk)),
      ),
      w(3, fc.constantFrom(...windowChoices).map((ws) => stepOf('rescheduleVisit', { visitId: 'v1', windows: ws, reason: 'again' }, helpdesk))),
      w(1, fc.constant(stepOf('cancelVisit', { visitId: 'v1', reason: 'ticket cancelled' }, system))),
    );
    const arbPlan = fc.constantFrom(1, 1, 2).map(
      (expertsNeeded): Step =>
        (_state, now) =>
          cmd('planVisit', { visitId: 'v1', ticketId: 't1', skills, expertsNeeded, durationMinutes: 60, windows, location, priority: 'normal' }, system, now),
    );
    const arbSteps = fc.tuple(arbPlan, fc.array(arbStep, { minLength: 5, maxLength: 60, size: 'medium' })).map(([plan, rest]) => [plan, ...rest]);

    function run(steps: Step[]) {
      let state = visitDecider.initialState();
      const history: VisitEvent[] = [];
      const states: VisitState[] = [];
      steps.forEach((step, i) => {
        try {
          const events = visitDecider.decide(step(state, later(i)), state);
          for (const event of events) {
            states.push(state);
            history.push(event);
            state = visitDecider.evolve(state, event);
          }
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      });
      return { state, history, states };
    }

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(arbSteps, (steps) => {
          const { state, history } = run(steps);
          const replay = () => history.reduce(visitDecider.evolve, visitDecider.initialState());
          expect(replay()).toEqual(replay());
          expect(replay()).toEqual(state);
        }),
        { numRuns: 300 },
      ));

    /** The execution state machine, written independently of the decider: event → statuses it may follow, and where it leads. */
    const MACHINE: Record<VisitEvent['type'], { from: (VisitStatus | 'none')[]; to: VisitStatus | null }> = {
      VisitPlanned: { from: ['none'], to: 'open' },
      VisitSlotsProposed: { from: ['open'], to: null },
      VisitProposalWithdrawn: { from: ['open'], to: null },
      VisitExpertAssigned: { from: ['open'], to: null },
      VisitWindowsUpdated: { from: ['open'], to: null },
      VisitFinalized: { from: ['open'], to: 'finalized' },
      VisitEnRoute: { from: ['finalized', 'en-route'], to: 'en-route' },
      VisitArrived: { from: ['en-route'], to: 'arrived' },
      VisitStarted: { from: ['arrived', 'cant-enter'], to: 'started' },
      VisitCantArrive: { from: ['finalized', 'en-route'], to: 'cant-arrive' },
      VisitCantEnter: { from: ['arrived'], to: 'cant-enter' },
      VisitExpertReplaced: { from: ['finalized', 'en-route', 'cant-arrive'], to: null },
      VisitRescheduled: { from: ['finalized', 'cant-arrive', 'cant-enter'], to: 'open' },
      VisitExtended: { from: ['started'], to: null },
      VisitClosedIncomplete: { from: ['arrived', 'started'], to: 'closed-incomplete' },
      VisitCompleted: { from: ['started'], to: 'completed' },
      VisitCancelled: { from: ['open', 'finalized', 'en-route', 'arrived', 'started', 'cant-arrive', 'cant-enter'], to: 'cancelled' },
    };

    it('no command sequence breaks the state machine, the expert count, skills or time priority', () =>
      fc.assert(
        fc.property(arbSteps, (steps) => {
          const { state, history, states } = run(steps);
          // Execution steps happen in order, per the independent machine.
          history.forEach((event, i) => {
            const before = states[i]!;
            expect(MACHINE[event.type].from).toContain(before.status);
            const to = MACHINE[event.type].to;
            const after = states[i + 1] ?? state;
            if (to) expect(after.status).toBe(to);
            // Every finalized expert offered exactly that start (proposal not withdrawn, or assignment).
            if (event.type === 'VisitFinalized') {
              for (const e of event.data.experts) expect(expertsOffering(before, event.data.start)).toContain(e);
            }
          });
          if (state.status === 'none') return;
          // Scheduled or later: exactly expertsNeeded distinct experts and a start; open: none.
          if (state.status === 'open') {
            expect(state.experts).toEqual([]);
            expect(state.start).toBeNull();
          } else if (state.start !== null) {
            expect(state.experts.length).toBe(state.expertsNeeded);
            expect(new Set(state.experts).size).toBe(state.experts.length);
            expect(ms(state.end!) - ms(state.start)).toBe((state.durationMinutes + state.extendedMinutes) * 60_000);
          } else {
            expect(state.status).toBe('cancelled');
          }
          // Only qualified experts are on the visit or offered to matching.
          for (const e of [...state.experts, ...openProposals(state).map((p) => p.expertId)]) expect(skills.every((s) => EXPERT_SKILLS[e]!.includes(s))).toBe(true);
          // Proposals: an independent model of (expert, start) → first proposed, reset by withdrawal,
          // finalization and rescheduling. Withdrawn starts never count; re-proposing keeps time priority.
          const model = new Map<string, string>();
          for (const event of history) {
            if (event.type === 'VisitSlotsProposed') {
              const keep = new Set(event.data.slots.map((s) => `${event.data.expertId}|${s.start}`));
              for (const key of [...model.keys()]) if (key.startsWith(`${event.data.expertId}|`) && !keep.has(key)) model.delete(key);
              for (const key of keep) if (!model.has(key)) model.set(key, event.data.proposedAt);
            } else if (event.type === 'VisitProposalWithdrawn') {
              for (const s of event.data.starts) model.delete(`${event.data.expertId}|${s}`);
            } else if (event.type === 'VisitFinalized' || event.type === 'VisitRescheduled') {
              model.clear();
            }
          }
          const held = Object.entries(state.status === 'open' ? state.proposals : {}).flatMap(([e, slots]) => slots.map((s) => [`${e}|${s.start}`, s.proposedAt] as const));
          expect(new Map(held)).toEqual(state.status === 'open' ? model : new Map());
        }),
        { numRuns: 1000 },
      ));
  });
});
