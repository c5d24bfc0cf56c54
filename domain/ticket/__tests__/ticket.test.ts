import fc from 'fast-check';
import { command, TEST_ACTOR, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { Actor, DomainError } from '../../decider';
import { VisitDependency, VisitSpec } from '../../shared/visit-plan';
import {
  completionBlocker,
  FLAG_REASONS,
  FlagReason,
  FlagResolution,
  isOpenForMatching,
  OpenTicketData,
  pendingVisits,
  TicketCommand,
  ticketDecider,
  TicketEvent,
  TicketOpenedData,
  TicketState,
  VisitOutcome,
} from '../ticket';

const at = TEST_NOW.toISOString();
const helpdesk: Actor = TEST_ACTOR;
const customer: Actor = { userId: 'u-c1', role: 'customer' };
const expert: Actor = { userId: 'e1', role: 'expert' };
const system: Actor = { userId: 'saga', role: 'system' };
const location = { lat: 42.1, lon: -72.59 };

const plumber: VisitSpec = {
  visitId: 'v1',
  skills: ['plumbing'],
  expertsNeeded: 1,
  durationMinutes: 60,
  windows: [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T12:00:00.000Z' }],
};
const electrician: VisitSpec = { ...plumber, visitId: 'v2', skills: ['electrical'], expertsNeeded: 2, durationMinutes: 90 };
const rightAfter: VisitDependency = { before: 'v1', after: 'v2', minGapMinutes: 0, maxGapMinutes: 30 };
const followUp: VisitSpec = { ...plumber, visitId: 'v3', windows: [{ start: '2026-03-05T08:00:00.000Z', end: '2026-03-05T12:00:00.000Z' }] };

const open: OpenTicketData = {
  ticketId: 't1',
  customerId: 'c1',
  applianceModelId: 'wm-200',
  problem: 'the washer leaks and the socket sparks',
  priority: 'high',
  location,
  visits: [plumber, electrician],
  dependencies: [rightAfter],
  paymentStatus: 'paid',
};

const openedData: TicketOpenedData = {
  ticketId: 't1',
  customerId: 'c1',
  applianceModelId: 'wm-200',
  applianceModelText: null,
  problem: open.problem,
  priority: 'high',
  location,
  visits: [plumber, electrician],
  dependencies: [rightAfter],
  paymentStatus: 'paid',
  paymentOverridden: false,
  openedBy: customer,
  openedAt: at,
};
const opened: TicketEvent = { type: 'TicketOpened', data: openedData };
const released: TicketEvent = {
  type: 'TicketReleasedToMatching',
  data: { ticketId: 't1', customerId: 'c1', priority: 'high', location, visits: [plumber, electrician], dependencies: [rightAfter], releasedAt: at },
};
const openedUnknown: TicketEvent = { type: 'TicketOpened', data: { ...openedData, paymentStatus: 'unknown' } };
const paymentFlag: TicketEvent = {
  type: 'TicketFlaggedForHelpdesk',
  data: { ticketId: 't1', reason: 'payment-status-unknown', visitId: null, note: 'payment status unknown when the ticket was opened', flaggedBy: customer, flaggedAt: at },
};
const openedFreeText: TicketEvent = { type: 'TicketOpened', data: { ...openedData, applianceModelId: null, applianceModelText: 'old Miele, grey' } };

const flag = (reason: FlagReason, visitId: string | null = null, note = 'look at it'): TicketEvent => ({
  type: 'TicketFlaggedForHelpdesk',
  data: { ticketId: 't1', reason, visitId, note, flaggedBy: helpdesk, flaggedAt: at },
});
const outcome = (visitId: string, result: VisitOutcome, experts: string[] = result === 'cancelled' ? [] : ['e1']): TicketEvent => ({
  type: 'TicketVisitOutcomeRecorded',
  data: { ticketId: 't1', visitId, outcome: result, experts, recordedAt: at },
});
const followUpAdded: TicketEvent = {
  type: 'TicketFollowUpVisitAdded',
  data: { ticketId: 't1', customerId: 'c1', visit: followUp, followUpOf: 'v1', priority: 'high', location, openForMatching: true, addedBy: helpdesk, addedAt: at },
};
const cancelledEvent = (visitsToRelease: string[], by: Actor = customer): TicketEvent => ({
  type: 'TicketCancelled',
  data: { ticketId: 't1', reason: 'fixed it myself', visitsToRelease, closedFlags: [], cancelledBy: by, cancelledAt: at },
});
const completed: TicketEvent = { type: 'TicketCompleted', data: { ticketId: 't1', resolution: 'replaced the hose and the socket', completedBy: helpdesk, completedAt: at } };
const surveyed: TicketEvent = { type: 'TicketSurveyRecorded', data: { ticketId: 't1', rating: 5, comments: 'quick', recordedAt: at } };
const running = [opened, released];
const done = [...running, outcome('v1', 'completed'), outcome('v2', 'completed', ['e2', 'e3'])];

const cmd = <T extends TicketCommand['type']>(type: T, data: Extract<TicketCommand, { type: T }>['data'], actor: Actor = helpdesk) =>
  command<TicketCommand>(type, data, { actor });

describe('Ticket', () => {
  const spec = specifyDecider(ticketDecider);

  describe('openTicket', () => {
    it('opens a paid customer’s ticket and releases it to matching', () => spec.given().when(cmd('openTicket', open, customer)).then(opened, released));
    it('opens with payment unknown, flags it for helpdesk and holds it', () =>
      spec.given().when(cmd('openTicket', { ...open, paymentStatus: 'unknown' }, customer)).then(openedUnknown, paymentFlag));
    it('refuses a known unpaid customer', () => spec.given().when(cmd('openTicket', { ...open, paymentStatus: 'unpaid' }, customer)).thenFails('customer-not-paid'));
    it('lets helpdesk override an unpaid customer', () =>
      spec
        .given()
        .when(cmd('openTicket', { ...open, paymentStatus: 'unpaid', overridePayment: true }))
        .then({ type: 'TicketOpened', data: { ...openedData, paymentStatus: 'unpaid', paymentOverridden: true, openedBy: helpdesk } }, released));
    it('lets helpdesk override an unknown payment status (no flag)', () =>
      spec
        .given()
        .when(cmd('openTicket', { ...open, paymentStatus: 'unknown', overridePayment: true }))
        .then({ type: 'TicketOpened', data: { ...openedData, paymentStatus: 'unknown', paymentOverridden: true, openedBy: helpdesk } }, released));
    it('refuses a payment override by a customer', () =>
      spec.given().when(cmd('openTicket', { ...open, paymentStatus: 'unpaid', overridePayment: true }, customer)).thenFails('forbidden'));
    it('refuses an expert opening a ticket', () => spec.given().when(cmd('openTicket', open, expert)).thenFails('forbidden'));
    it('refuses a second opening', () => spec.given(opened).when(cmd('openTicket', open, customer)).thenFails('ticket-already-exists'));
    it('records a free-text appliance', () => {
      const { applianceModelId: _id, ...rest } = open;
      spec.given().when(cmd('openTicket', { ...rest, applianceModelText: 'old Miele, grey' }, customer)).then(openedFreeText, released);
    });
    it('refuses both a catalog model and free text', () =>
      spec.given().when(cmd('openTicket', { ...open, applianceModelText: 'x' }, customer)).thenFails('invalid-appliance'));
    it('refuses neither a catalog model nor free text', () =>
      spec.given().when(cmd('openTicket', { ...open, applianceModelId: ' ' }, customer)).thenFails('invalid-appliance'));
    it('refuses an empty problem description', () => spec.given().when(cmd('openTicket', { ...open, problem: '  ' }, customer)).thenFails('invalid-problem'));
    it('refuses an unknown priority', () =>
      spec.given().when(cmd('openTicket', { ...open, priority: 'asap' as OpenTicketData['priority'] }, customer)).thenFails('invalid-priority'));
    it('refuses a location off the map', () => spec.given().when(cmd('openTicket', { ...open, location: { lat: 91, lon: 0 } }, customer)).thenFails('invalid-location'));
    it('refuses an unknown payment status', () =>
      spec.given().when(cmd('openTicket', { ...open, paymentStatus: 'maybe' as OpenTicketData['paymentStatus'] }, customer)).thenFails('invalid-payment-status'));
    it('refuses a ticket without a customer', () => spec.given().when(cmd('openTicket', { ...open, customerId: '' }, customer)).thenFails('invalid-ticket'));
    it('writes windows in one ISO spelling', () => {
      const loose = { ...plumber, windows: [{ start: '2026-03-03T08:00Z', end: '2026-03-03T12:00:00Z' }] };
      spec
        .given()
        .when(cmd('openTicket', { ...open, visits: [loose], dependencies: [] }, customer))
        .then(
          { type: 'TicketOpened', data: { ...openedData, visits: [plumber], dependencies: [] } },
          { type: 'TicketReleasedToMatching', data: { ...released.data, visits: [plumber], dependencies: [] } as Extract<TicketEvent, { type: 'TicketReleasedToMatching' }>['data'] },
        );
    });

    describe('validates the visit plan', () => {
      const withPlan = (visits: VisitSpec[], dependencies: VisitDependency[] = []) => cmd('openTicket', { ...open, visits, dependencies }, customer);
      it.each<[string, VisitSpec[], VisitDependency[], string]>([
        ['no visits', [], [], 'no-visits'],
        ['a duplicate visit id', [plumber, { ...electrician, visitId: 'v1' }], [], 'duplicate-visit-id'],
        ['an empty visit id', [{ ...plumber, visitId: ' ' }], [], 'invalid-visit-id'],
        ['zero experts', [{ ...plumber, expertsNeeded: 0 }], [], 'invalid-experts-needed'],
        ['a fractional expert count', [{ ...plumber, expertsNeeded: 1.5 }], [], 'invalid-experts-needed'],
        ['a zero duration', [{ ...plumber, durationMinutes: 0 }], [], 'invalid-duration'],
        ['an empty skill', [{ ...plumber, skills: [''] }], [], 'invalid-skills'],
        ['a repeated skill', [{ ...plumber, skills: ['plumbing', 'plumbing'] }], [], 'invalid-skills'],
        ['no windows', [{ ...plumber, windows: [] }], [], 'invalid-windows'],
        ['a window ending before it starts', [{ ...plumber, windows: [{ start: '2026-03-03T12:00:00.000Z', end: '2026-03-03T08:00:00.000Z' }] }], [], 'invalid-windows'],
        ['a window that is not a date', [{ ...plumber, windows: [{ start: 'tomorrow', end: '2026-03-03T08:00:00.000Z' }] }], [], 'invalid-windows'],
        ['a window shorter than the visit', [{ ...plumber, windows: [{ start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T08:30:00.000Z' }] }], [], 'invalid-windows'],
        ['a window already over', [{ ...plumber, windows: [{ start: '2026-03-01T08:00:00.000Z', end: '2026-03-01T12:00:00.000Z' }] }], [], 'window-in-past'],
        ['a dependency on an unknown visit', [plumber], [{ ...rightAfter, after: 'v9' }], 'unknown-dependency-visit'],
        ['a negative minimum gap', [plumber, electrician], [{ ...rightAfter, minGapMinutes: -5 }], 'invalid-dependency-gap'],
        ['a maximum gap below the minimum', [plumber, electrician], [{ ...rightAfter, minGapMinutes: 30, maxGapMinutes: 10 }], 'invalid-dependency-gap'],
        ['a visit depending on itself', [plumber], [{ ...rightAfter, after: 'v1' }], 'dependency-cycle'],
        ['a cycle of two', [plumber, electrician], [rightAfter, { ...rightAfter, before: 'v2', after: 'v1' }], 'dependency-cycle'],
      ])('refuses %s', (_name, visits, dependencies, code) => spec.given().when(withPlan(visits, dependencies)).thenFails(code));
      it('accepts an unbounded gap', () =>
        spec
          .given()
          .when(withPlan([plumber, electrician], [{ ...rightAfter, maxGapMinutes: null }]))
          .then(
            { type: 'TicketOpened', data: { ...openedData, dependencies: [{ ...rightAfter, maxGapMinutes: null }] } },
            { type: 'TicketReleasedToMatching', data: { ...released.data, dependencies: [{ ...rightAfter, maxGapMinutes: null }] } as Extract<TicketEvent, { type: 'TicketReleasedToMatching' }>['data'] },
          ));
    });
  });

  describe('flagTicket', () => {
    it('flags a visit for helpdesk', () =>
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'no-access', note: 'nobody home', visitId: 'v1' })).then(flag('no-access', 'v1', 'nobody home')));
    it('changes nothing when the same flag is open', () =>
      spec.given(...running, flag('no-access', 'v1')).when(cmd('flagTicket', { ticketId: 't1', reason: 'no-access', note: 'again', visitId: 'v1' })).thenNothingHappens());
    it('flags the same reason for another visit', () =>
      spec.given(...running, flag('no-access', 'v1')).when(cmd('flagTicket', { ticketId: 't1', reason: 'no-access', note: 'x', visitId: 'v2' })).then(flag('no-access', 'v2', 'x')));
    it('lets the expert flag', () =>
      spec
        .given(...running)
        .when(cmd('flagTicket', { ticketId: 't1', reason: 'replacement-needed', note: 'flat tyre', visitId: 'v1' }, expert))
        .then({ type: 'TicketFlaggedForHelpdesk', data: { ticketId: 't1', reason: 'replacement-needed', visitId: 'v1', note: 'flat tyre', flaggedBy: expert, flaggedAt: at } }));
    it('a replacement-needed flag lists the experts free to replace, as data; the open flag keeps them', () => {
      const candidates = [
        { expertId: 'e2', name: 'Rita Replacement', skills: ['washer'], distanceKm: 1.2, freeUntil: '2026-03-03T13:00:00.000Z' },
        { expertId: 'e3', name: 'Sam Standby', skills: ['washer', 'dryer'], distanceKm: 7.5, freeUntil: null },
      ];
      const flagged: TicketEvent = {
        type: 'TicketFlaggedForHelpdesk',
        data: { ticketId: 't1', reason: 'replacement-needed', visitId: 'v1', note: 'e1 cannot arrive', candidates, flaggedBy: system, flaggedAt: at },
      };
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'replacement-needed', note: 'e1 cannot arrive', visitId: 'v1', candidates }, system)).then(flagged);
      const state = [...running, flagged].reduce(ticketDecider.evolve, ticketDecider.initialState());
      expect(state.status !== 'none' && state.flags).toEqual([{ reason: 'replacement-needed', visitId: 'v1', note: 'e1 cannot arrive', candidates, flaggedAt: at }]);
      // Other flags, and older events, have none.
      const other = [...running, flag('no-access', 'v2')].reduce(ticketDecider.evolve, ticketDecider.initialState());
      expect(other.status !== 'none' && other.flags[0]!.candidates).toEqual([]);
    });
    it('refuses candidates on any other flag, or malformed ones', () => {
      const rita = { expertId: 'e2', name: 'Rita', skills: ['washer'], distanceKm: 1, freeUntil: null };
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'no-access', note: 'x', visitId: 'v1', candidates: [rita] }, system)).thenFails('candidates-not-allowed');
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'replacement-needed', note: 'x', visitId: 'v1', candidates: [rita, rita] }, system)).thenFails('invalid-candidate');
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'replacement-needed', note: 'x', visitId: 'v1', candidates: [{ ...rita, freeUntil: 'later' }] }, system)).thenFails('invalid-candidate');
    });
    it('refuses an unknown visit', () =>
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'no-access', note: '', visitId: 'v9' })).thenFails('visit-not-found'));
    it('refuses "other" without a note', () => spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'other', note: ' ' })).thenFails('note-required'));
    it('refuses an unknown reason', () =>
      spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'bored' as FlagReason, note: 'x' })).thenFails('invalid-flag-reason'));
    it('refuses a customer', () => spec.given(...running).when(cmd('flagTicket', { ticketId: 't1', reason: 'other', note: 'x' }, customer)).thenFails('forbidden'));
    it('refuses a cancelled ticket', () =>
      spec.given(...running, cancelledEvent(['v1', 'v2'])).when(cmd('flagTicket', { ticketId: 't1', reason: 'other', note: 'x' })).thenFails('ticket-cancelled'));
    it('refuses a completed ticket', () =>
      spec.given(...done, completed).when(cmd('flagTicket', { ticketId: 't1', reason: 'other', note: 'x' })).thenFails('ticket-completed'));
    it('refuses an unknown ticket', () => spec.given().when(cmd('flagTicket', { ticketId: 't1', reason: 'other', note: 'x' })).thenFails('ticket-not-found'));
  });

  describe('resolveFlag', () => {
    const resolve = (reason: FlagReason, resolution: FlagResolution, visitId?: string) =>
      cmd('resolveFlag', { ticketId: 't1', reason, resolution, note: 'called the customer', ...(visitId ? { visitId } : {}) });
    const resolved = (reason: FlagReason, resolution: FlagResolution, visitId: string | null = null): TicketEvent => ({
      type: 'TicketFlagResolved',
      data: { ticketId: 't1', reason, visitId, resolution, note: 'called the customer', resolvedBy: helpdesk, resolvedAt: at },
    });
    it('confirms payment: resolves and releases the held ticket to matching', () =>
      spec.given(openedUnknown, paymentFlag).when(resolve('payment-status-unknown', 'released')).then(resolved('payment-status-unknown', 'released'), released));
    it('releases only the visits still pending', () =>
      spec
        .given(openedUnknown, paymentFlag, followUpAdded)
        .when(resolve('payment-status-unknown', 'released'))
        .then(resolved('payment-status-unknown', 'released'), { ...released, data: { ...released.data, visits: [plumber, electrician, followUp] } } as TicketEvent));
    it('keeps holding while another payment flag is open', () =>
      spec.given(openedUnknown, paymentFlag, flag('customer-unpaid')).when(resolve('payment-status-unknown', 'released')).then(resolved('payment-status-unknown', 'released')));
    it('only resolves a payment flag on a released ticket', () =>
      spec.given(...running, flag('customer-unpaid')).when(resolve('customer-unpaid', 'released')).then(resolved('customer-unpaid', 'released')));
    it('cancels the ticket, closing the other flags', () =>
      spec
        .given(openedUnknown, paymentFlag, flag('other'))
        .when(resolve('payment-status-unknown', 'cancelled'))
        .then(resolved('payment-status-unknown', 'cancelled'), {
          type: 'TicketCancelled',
          data: { ticketId: 't1', reason: 'called the customer', visitsToRelease: ['v1', 'v2'], closedFlags: [{ reason: 'other', visitId: null }], cancelledBy: helpdesk, cancelledAt: at },
        }));
    it('marks a visit flag handled', () => spec.given(...running, flag('no-access', 'v1')).when(resolve('no-access', 'handled', 'v1')).then(resolved('no-access', 'handled', 'v1')));
    it('clears the escalation when no-match-in-time is handled', () => {
      const state = [...running, { type: 'TicketEscalated', data: { ticketId: 't1', visitIds: ['v1'], unfitProposals: [], escalatedAt: at } } as TicketEvent, flag('no-match-in-time'), resolved('no-match-in-time', 'handled')].reduce(
        ticketDecider.evolve,
        ticketDecider.initialState(),
      );
      expect(state.status !== 'none' && state.escalatedVisits).toEqual([]);
    });
    it('refuses to "handle" the payment flag of a held ticket', () =>
      spec.given(openedUnknown, paymentFlag).when(resolve('payment-status-unknown', 'handled')).thenFails('resolution-not-allowed'));
    it('refuses to release on a flag that is not about payment', () =>
      spec.given(...running, flag('no-access', 'v1')).when(resolve('no-access', 'released', 'v1')).thenFails('resolution-not-allowed'));
    it('refuses an unknown resolution', () =>
      spec.given(...running, flag('other')).when(resolve('other', 'ignored' as FlagResolution)).thenFails('invalid-resolution'));
    it('refuses a flag that is not open', () => spec.given(...running).when(resolve('no-access', 'handled', 'v1')).thenFails('flag-not-found'));
    it('refuses the right reason for the wrong visit', () => spec.given(...running, flag('no-access', 'v1')).when(resolve('no-access', 'handled', 'v2')).thenFails('flag-not-found'));
    it('refuses cancelling a completed ticket through a flag', () =>
      spec.given(...done, flag('other'), completed).when(resolve('other', 'cancelled')).thenFails('ticket-completed'));
    it('refuses an expert', () =>
      spec.given(openedUnknown, paymentFlag).when(cmd('resolveFlag', { ticketId: 't1', reason: 'payment-status-unknown', resolution: 'released', note: '' }, expert)).thenFails('forbidden'));
  });

  describe('escalateTicket', () => {
    const unfit = [{ visitId: 'v1', expertId: 'e7', starts: ['2026-03-03T14:00:00.000Z'] }];
    const escalate = (visitIds: string[]) => cmd('escalateTicket', { ticketId: 't1', visitIds, unfitProposals: unfit }, system);
    const escalated = (visitIds: string[]): TicketEvent => ({ type: 'TicketEscalated', data: { ticketId: 't1', visitIds, unfitProposals: unfit, escalatedAt: at } });
    const noMatch: TicketEvent = {
      type: 'TicketFlaggedForHelpdesk',
      data: { ticketId: 't1', reason: 'no-match-in-time', visitId: null, note: 'no match in time for v1, v2', flaggedBy: system, flaggedAt: at },
    };
    it('records the escalation and flags helpdesk', () => spec.given(...running).when(escalate(['v1', 'v2'])).then(escalated(['v1', 'v2']), noMatch));
    it('changes nothing when those visits are escalated already', () => spec.given(...running, escalated(['v1', 'v2']), noMatch).when(escalate(['v2'])).thenNothingHappens());
    it('adds a newly late visit without a second flag', () => spec.given(...running, escalated(['v1']), noMatch).when(escalate(['v1', 'v2'])).then(escalated(['v2'])));
    it('refuses a held ticket', () => spec.given(openedUnknown, paymentFlag).when(escalate(['v1'])).thenFails('ticket-not-released'));
    it('refuses an empty list', () => spec.given(...running).when(escalate([])).thenFails('no-visits-to-escalate'));
    it('refuses an unknown visit', () => spec.given(...running).when(escalate(['v9'])).thenFails('visit-not-found'));
    it('refuses a finished visit', () => spec.given(...running, outcome('v1', 'completed')).when(escalate(['v1'])).thenFails('visit-not-pending'));
    it('refuses a customer', () => spec.given(...running).when(cmd('escalateTicket', { ticketId: 't1', visitIds: ['v1'], unfitProposals: [] }, customer)).thenFails('forbidden'));
    it('refuses a cancelled ticket', () => spec.given(...running, cancelledEvent(['v1', 'v2'])).when(escalate(['v1'])).thenFails('ticket-cancelled'));
  });

  describe('mapApplianceModel', () => {
    const map = (applianceModelId: string, actor: Actor = helpdesk) => cmd('mapApplianceModel', { ticketId: 't1', applianceModelId }, actor);
    const mapped = (applianceModelId: string): TicketEvent => ({
      type: 'TicketApplianceModelMapped',
      data: { ticketId: 't1', applianceModelId, applianceModelText: 'old Miele, grey', mappedBy: helpdesk, mappedAt: at },
    });
    it('maps free text to a catalog model', () => spec.given(openedFreeText, released).when(map('miele-w1')).then(mapped('miele-w1')));
    it('changes nothing when mapped to the same model', () => spec.given(openedFreeText, released, mapped('miele-w1')).when(map('miele-w1')).thenNothingHappens());
    it('corrects a mapping', () => spec.given(openedFreeText, released, mapped('miele-w1')).when(map('miele-w2')).then(mapped('miele-w2')));
    it('refuses a ticket that named a catalog model', () => spec.given(...running).when(map('miele-w1')).thenFails('appliance-not-free-text'));
    it('refuses an empty model id', () => spec.given(openedFreeText).when(map(' ')).thenFails('invalid-appliance'));
    it('refuses a customer', () => spec.given(openedFreeText).when(map('miele-w1', customer)).thenFails('forbidden'));
  });

  describe('recordVisitOutcome', () => {
    const record = (visitId: string, result: VisitOutcome, experts: string[] = ['e1'], actor: Actor = system) =>
      cmd('recordVisitOutcome', { ticketId: 't1', visitId, outcome: result, experts }, actor);
    it('records a completed visit', () => spec.given(...running).when(record('v1', 'completed')).then(outcome('v1', 'completed')));
    it('records a visit closed incomplete', () => spec.given(...running).when(record('v1', 'closed-incomplete')).then(outcome('v1', 'closed-incomplete')));
    it('records a cancelled visit without experts', () => spec.given(...running).when(record('v1', 'cancelled', [])).then(outcome('v1', 'cancelled')));
    it('records outcomes on a cancelled ticket (facts still arrive)', () =>
      spec.given(...running, cancelledEvent(['v1', 'v2'])).when(record('v1', 'cancelled', [])).then(outcome('v1', 'cancelled')));
    it('is idempotent', () => spec.given(...running, outcome('v1', 'completed')).when(record('v1', 'completed')).thenNothingHappens());
    it('refuses a different outcome for a finished visit', () =>
      spec.given(...running, outcome('v1', 'completed')).when(record('v1', 'cancelled', [])).thenFails('visit-outcome-conflict'));
    it('refuses an unknown visit', () => spec.given(...running).when(record('v9', 'completed')).thenFails('visit-not-found'));
    it('refuses a held ticket', () => spec.given(openedUnknown, paymentFlag).when(record('v1', 'completed')).thenFails('ticket-not-released'));
    it('refuses a completion without experts', () => spec.given(...running).when(record('v1', 'completed', [])).thenFails('experts-required'));
    it('refuses an unknown outcome', () => spec.given(...running).when(record('v1', 'done' as VisitOutcome)).thenFails('invalid-outcome'));
    it('refuses a customer', () => spec.given(...running).when(record('v1', 'completed', ['e1'], customer)).thenFails('forbidden'));
  });

  describe('addFollowUpVisit', () => {
    const add = (visit: VisitSpec = followUp, actor: Actor = helpdesk, followUpOf: string | null = 'v1') =>
      cmd('addFollowUpVisit', { ticketId: 't1', visit, ...(followUpOf ? { followUpOf } : {}) }, actor);
    it('adds a follow-up to a released ticket, open for matching', () => spec.given(...running, outcome('v1', 'closed-incomplete')).when(add()).then(followUpAdded));
    it('adds a visit to a held ticket, to be planned on release', () =>
      spec
        .given(openedUnknown, paymentFlag)
        .when(add(followUp, customer, null))
        .then({ ...followUpAdded, data: { ...followUpAdded.data, followUpOf: null, openForMatching: false, addedBy: customer } } as TicketEvent));
    it('refuses a visit id in use', () => spec.given(...running).when(add({ ...followUp, visitId: 'v2' })).thenFails('duplicate-visit-id'));
    it('refuses an invalid visit', () => spec.given(...running).when(add({ ...followUp, durationMinutes: -1 })).thenFails('invalid-duration'));
    it('refuses windows in the past', () =>
      spec.given(...running).when(add({ ...followUp, windows: [{ start: '2026-02-01T08:00:00.000Z', end: '2026-02-01T12:00:00.000Z' }] })).thenFails('window-in-past'));
    it('refuses a follow-up of an unknown visit', () => spec.given(...running).when(add(followUp, helpdesk, 'v9')).thenFails('visit-not-found'));
    it('refuses a completed ticket', () => spec.given(...done, completed).when(add()).thenFails('ticket-completed'));
    it('refuses a cancelled ticket', () => spec.given(...running, cancelledEvent(['v1', 'v2'])).when(add()).thenFails('ticket-cancelled'));
    it('refuses an expert', () => spec.given(...running).when(add(followUp, expert)).thenFails('forbidden'));
  });

  describe('cancelTicket', () => {
    const cancel = (actor: Actor = customer, reason = 'fixed it myself') => cmd('cancelTicket', { ticketId: 't1', reason }, actor);
    it('cancels, naming the visits to release', () => spec.given(...running, outcome('v1', 'completed')).when(cancel()).then(cancelledEvent(['v2'])));
    it('closes the open flags', () =>
      spec
        .given(openedUnknown, paymentFlag)
        .when(cancel(helpdesk))
        .then({ ...cancelledEvent(['v1', 'v2'], helpdesk), data: { ...cancelledEvent(['v1', 'v2'], helpdesk).data, closedFlags: [{ reason: 'payment-status-unknown', visitId: null }] } } as TicketEvent));
    it('refuses a second cancellation', () => spec.given(...running, cancelledEvent(['v1', 'v2'])).when(cancel()).thenFails('ticket-cancelled'));
    it('refuses a completed ticket', () => spec.given(...done, completed).when(cancel()).thenFails('ticket-completed'));
    it('refuses without a reason', () => spec.given(...running).when(cancel(customer, ' ')).thenFails('reason-required'));
    it('refuses an expert', () => spec.given(...running).when(cancel(expert)).thenFails('forbidden'));
  });

  describe('completeTicket', () => {
    const complete = (actor: Actor = helpdesk, resolution = 'replaced the hose and the socket') => cmd('completeTicket', { ticketId: 't1', resolution }, actor);
    it('completes when every visit is done', () => spec.given(...done).when(complete()).then(completed));
    it('lets an expert of a completed visit complete it', () =>
      spec.given(...done).when(complete(expert)).then({ type: 'TicketCompleted', data: { ...completed.data, completedBy: expert } } as TicketEvent));
    it('completes after a visit closed incomplete was followed by a completed one', () =>
      spec.given(...running, outcome('v2', 'completed'), outcome('v1', 'closed-incomplete'), followUpAdded, outcome('v3', 'completed')).when(complete()).then(completed));
    it('completes when some visits were cancelled', () => spec.given(...running, outcome('v1', 'cancelled'), outcome('v2', 'completed')).when(complete()).then(completed));
    it('refuses while a visit is pending', () => spec.given(...running, outcome('v1', 'completed')).when(complete()).thenFails('visits-still-open'));
    it('refuses when the last visit closed incomplete', () =>
      spec.given(...running, outcome('v2', 'completed'), outcome('v1', 'closed-incomplete')).when(complete()).thenFails('no-completed-visit'));
    it('refuses when every visit was cancelled', () =>
      spec.given(...running, outcome('v1', 'cancelled'), outcome('v2', 'cancelled')).when(complete()).thenFails('no-completed-visit'));
    it('refuses an expert who did none of its visits', () => spec.given(...done).when(complete({ userId: 'e9', role: 'expert' })).thenFails('expert-not-on-ticket'));
    it('an expert login completes as its linked expert profile, and the event records the person', () => {
      const login: Actor = { userId: 'user-9', role: 'expert', expertId: 'e1' };
      spec.given(...done).when(complete(login)).then({ type: 'TicketCompleted', data: { ...completed.data, completedBy: login } } as TicketEvent);
      spec.given(...done).when(complete({ userId: 'e1', role: 'expert', expertId: 'e9' })).thenFails('expert-not-on-ticket');
    });
    it('refuses a held ticket', () => spec.given(openedUnknown, paymentFlag).when(complete()).thenFails('ticket-not-released'));
    it('refuses without a resolution note', () => spec.given(...done).when(complete(helpdesk, '')).thenFails('resolution-required'));
    it('refuses a customer', () => spec.given(...done).when(complete(customer)).thenFails('forbidden'));
    it('refuses a cancelled ticket', () => spec.given(...done, cancelledEvent([])).when(complete()).thenFails('ticket-cancelled'));
    it('refuses a second completion', () => spec.given(...done, completed).when(complete()).thenFails('ticket-completed'));
  });

  describe('recordSurvey', () => {
    const survey = (rating: number, actor: Actor = customer) => cmd('recordSurvey', { ticketId: 't1', rating, comments: 'quick' }, actor);
    it('records the survey of a completed ticket', () => spec.given(...done, completed).when(survey(5)).then(surveyed));
    it('refuses before completion', () => spec.given(...done).when(survey(5)).thenFails('ticket-not-completed'));
    it('refuses a second survey', () => spec.given(...done, completed, surveyed).when(survey(4)).thenFails('survey-already-recorded'));
    it.each([0, 6, 2.5, Number.NaN])('refuses rating %p', (rating) => spec.given(...done, completed).when(survey(rating)).thenFails('invalid-rating'));
    it('refuses an expert', () => spec.given(...done, completed).when(survey(5, expert)).thenFails('forbidden'));
  });

  it('helpers: pending visits, completion blocker, open for matching', () => {
    const fold = (events: TicketEvent[]): TicketState => events.reduce(ticketDecider.evolve, ticketDecider.initialState());
    expect(pendingVisits(fold(running))).toEqual(['v1', 'v2']);
    expect(isOpenForMatching(fold(running))).toBe(true);
    expect(isOpenForMatching(fold([openedUnknown, paymentFlag]))).toBe(false);
    expect(completionBlocker(fold(running))?.code).toBe('visits-still-open');
    expect(completionBlocker(fold(done))).toBeNull();
  });

  describe('properties', () => {
    const actors: Actor[] = [helpdesk, customer, expert, system, { userId: 'e2', role: 'expert' }];
    const visitIds = ['v1', 'v2', 'v3', 'v4', 'v9'];
    const arbActor = fc.constantFrom(...actors);
    const arbVisit = fc.constantFrom(...visitIds);
    const arbOpen = fc
      .record({ paymentStatus: fc.constantFrom<OpenTicketData['paymentStatus']>('paid', 'unpaid', 'unknown'), overridePayment: fc.boolean(), actor: arbActor })
      .map(({ paymentStatus, overridePayment, actor }) => cmd('openTicket', { ...open, paymentStatus, overridePayment }, actor));
    // Openings that mostly succeed (the generic `arbOpen` above mostly fails on a second try anyway).
    const arbFirstOpen = fc
      .record({ paymentStatus: fc.constantFrom<OpenTicketData['paymentStatus']>('paid', 'paid', 'unknown', 'unpaid'), overridePayment: fc.boolean(), actor: fc.constantFrom(helpdesk, customer) })
      .map(({ paymentStatus, overridePayment, actor }) => cmd('openTicket', { ...open, paymentStatus, overridePayment: overridePayment && actor.role === 'helpdesk' }, actor));
    const arbOutcome = fc
      .record({ visitId: fc.constantFrom('v1', 'v2', 'v3', 'v9'), result: fc.constantFrom<VisitOutcome>('completed', 'completed', 'closed-incomplete', 'cancelled'), experts: fc.subarray(['e1', 'e2'], { minLength: 1 }) })
      .map(({ visitId, result, experts }) => cmd('recordVisitOutcome', { ticketId: 't1', visitId, outcome: result, experts }, system));
    const arbComplete = arbActor.map((actor) => cmd('completeTicket', { ticketId: 't1', resolution: 'fixed' }, actor));
    const arbCommand: fc.Arbitrary<TicketCommand> = fc.oneof(
      arbOpen,
      fc
        .record({ reason: fc.constantFrom(...FLAG_REASONS), visitId: fc.option(arbVisit, { nil: undefined }), actor: arbActor })
        .map(({ reason, visitId, actor }) => cmd('flagTicket', { ticketId: 't1', reason, note: 'n', ...(visitId ? { visitId } : {}) }, actor)),
      fc
        .record({ reason: fc.constantFrom(...FLAG_REASONS), visitId: fc.option(arbVisit, { nil: undefined }), resolution: fc.constantFrom<FlagResolution>('released', 'cancelled', 'handled') })
        .map(({ reason, visitId, resolution }) => cmd('resolveFlag', { ticketId: 't1', reason, resolution, note: 'n', ...(visitId ? { visitId } : {}) })),
      fc.subarray(visitIds, { minLength: 1 }).map((ids) => cmd('escalateTicket', { ticketId: 't1', visitIds: ids, unfitProposals: [] }, system)),
      fc.constantFrom('m1', 'm2').map((m) => cmd('mapApplianceModel', { ticketId: 't1', applianceModelId: m })),
      arbOutcome,
      fc.record({ visitId: arbVisit, actor: arbActor }).map(({ visitId, actor }) => cmd('addFollowUpVisit', { ticketId: 't1', visit: { ...followUp, visitId }, followUpOf: 'v1' }, actor)),
      // Cancelling ends most histories early: keep it rare, and completion common.
      arbActor.chain((actor) => fc.constantFrom(cmd('cancelTicket', { ticketId: 't1', reason: 'r' }, actor), cmd('completeTicket', { ticketId: 't1', resolution: 'fixed' }, actor))),
      arbComplete,
      fc.record({ rating: fc.integer({ min: 0, max: 6 }), actor: arbActor }).map(({ rating, actor }) => cmd('recordSurvey', { ticketId: 't1', rating, comments: '' }, actor)),
    );
    // Usually starts with an opening, and favours visit outcomes, so that long histories are common.
    const arbHistory = fc
      .tuple(arbFirstOpen, fc.array(fc.oneof({ weight: 4, arbitrary: arbCommand }, { weight: 2, arbitrary: arbOutcome }, { weight: 1, arbitrary: arbComplete }), { maxLength: 40, size: 'medium' }))
      .map(([first, rest]) => [first, ...rest]);

    function run(commands: TicketCommand[]) {
      let state = ticketDecider.initialState();
      const history: TicketEvent[] = [];
      for (const c of commands) {
        try {
          const events = ticketDecider.decide(c, state);
          history.push(...events);
          state = events.reduce(ticketDecider.evolve, state);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      return { state, history };
    }

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(arbHistory, (commands) => {
          const { state, history } = run(commands);
          const fold = () => history.reduce(ticketDecider.evolve, ticketDecider.initialState());
          expect(fold()).toEqual(fold());
          expect(fold()).toEqual(state);
        }),
        { numRuns: 300 },
      ));

    it('no command sequence completes unfinished work, surveys twice, or acts on a closed ticket', () =>
      fc.assert(
        fc.property(arbHistory, (commands) => {
          const { state, history } = run(commands);
          if (state.status === 'none') return;
          const types = history.map((e) => e.type);
          // A completed ticket: nothing pending, the last non-cancelled outcome completed.
          if (state.status === 'completed') {
            expect(pendingVisits(state)).toEqual([]);
            expect(completionBlocker(state)).toBeNull();
          }
          // Terminal statuses are terminal, and only one of them is ever reached.
          expect(types.filter((t) => t === 'TicketCompleted' || t === 'TicketCancelled').length).toBeLessThanOrEqual(1);
          // The survey: at most once, only after completion.
          const survey = types.indexOf('TicketSurveyRecorded');
          expect(types.filter((t) => t === 'TicketSurveyRecorded').length).toBeLessThanOrEqual(1);
          if (survey >= 0) expect(types.indexOf('TicketCompleted')).toBeLessThan(survey);
          // Released to matching at most once.
          expect(types.filter((t) => t === 'TicketReleasedToMatching').length).toBeLessThanOrEqual(1);
          // A held ticket has its payment flag; every visit of a held ticket is pending.
          if (state.status === 'on-hold') {
            expect(state.flags.some((f) => f.reason === 'payment-status-unknown' || f.reason === 'customer-unpaid')).toBe(true);
            expect(state.outcomeOrder).toEqual([]);
          }
          // After the ticket closes, only facts and flag housekeeping are recorded.
          const closedAt = types.findIndex((t) => t === 'TicketCompleted' || t === 'TicketCancelled');
          if (closedAt >= 0) {
            const after = types.slice(closedAt + 1);
            expect(after.every((t) => ['TicketVisitOutcomeRecorded', 'TicketFlagResolved', 'TicketApplianceModelMapped', 'TicketSurveyRecorded'].includes(t))).toBe(true);
          }
          // Each visit's outcome is recorded once; visit ids are unique.
          const ids = state.visits.map((v) => v.spec.visitId);
          expect(new Set(ids).size).toBe(ids.length);
          expect(new Set(state.outcomeOrder).size).toBe(state.outcomeOrder.length);
          // Open flags are unique per (reason, visit); a cancelled ticket has none.
          const flagKeys = state.flags.map((f) => `${f.reason}/${f.visitId}`);
          expect(new Set(flagKeys).size).toBe(flagKeys.length);
          if (state.status === 'cancelled') expect(state.flags).toEqual([]);
        }),
        { numRuns: 500 },
      ));
  });
});
