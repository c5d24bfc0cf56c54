/**
 * The matching saga: from a ticket released to matching until each of its visits ends.
 *
 * - Plans a Visit per visit spec when a ticket is released (or a follow-up visit is added to a
 *   released ticket), gives each matching group a deadline ('match-timeout', per priority), and
 *   tells the best-ranked eligible experts about each new visit ('new-visit-available'), the
 *   other eligible ones after FEED_WIDEN_MIN ('widen') if the visit is still open.
 * - Whenever an offer or the windows of an open visit change, tries to finalize its group
 *   (flows/finalize-group: book every calendar, then finalize; never half a group).
 * - On a finalized visit: makes sure its experts' calendars hold it, tells the experts whose
 *   proposals lost, and drops the group's match-timeout once nothing in it is open. (The
 *   customer and the chosen experts hear from the notifications saga.)
 * - 'match-timeout' with the group still not full: escalates the ticket with the unfit offers.
 * - Ticket cancelled: cancels its visits, releases every calendar holding one, drops its deadlines.
 * - Visit ended (completed, closed incomplete, cancelled): records the outcome on the ticket;
 *   closed incomplete also plans the follow-up visit.
 * - Expert can't arrive: when someone qualified is free then, helpdesk is flagged
 *   ('replacement-needed') with the free experts, best first, and replaces with
 *   flows/replace-expert (the Visit lets only helpdesk/admin/manager replace); when nobody is
 *   free, the expert is released, the visit rescheduled to the same hours on the next days and
 *   helpdesk flagged.
 * - Can't enter: after NO_ACCESS_WAIT_MIN, unless the visit started, the experts are released,
 *   the ticket flagged ('no-access') and the visit rescheduled.
 * - Rescheduled / replaced / cancelled visits: calendars that no longer need the visit are released.
 * - Besides, on this saga's subscription: the billing workflow (sagas/billing) and the helpdesk
 *   flag reminders (sagas/flag-reminders).
 *
 * Every effect is a command with a step name fixed per trigger, an outbox message deduplicated by
 * (trigger, recipient, template), or a deadline keyed by the event that scheduled it: handling an
 * event or a deadline again changes nothing.
 */
import { bookingOf } from '../domain/expert/booking-lookup';
import { experts } from '../commands/expert';
import { tickets } from '../commands/ticket';
import { visits } from '../commands/visit';
import { Config } from '../config/config';
import { DomainError } from '../domain/decider';
import { groupsOf } from '../domain/matching/groups';
import { GeoPoint } from '../domain/shared/geo';
import { addMinutes, ms } from '../domain/shared/time';
import { VisitSpec } from '../domain/shared/visit-plan';
import { FlagReason, Priority, ReplacementCandidate, TicketEvent } from '../domain/ticket/ticket';
import { BOOKED, Visit, VisitEvent } from '../domain/visit/visit';
import { isRefusal, sendCommand } from '../flows/context';
import { Candidate, eligibleExperts, ExpertDirectory } from '../read-models/expert-directory';
import { finalizeGroup, FinalizeOutcome, loadGroup, toTicketUnfit } from '../flows/finalize-group';
import { followUpSpec } from '../domain/visit/follow-up';
import { freeReplacements } from '../flows/replace-expert';
import { nextDaysWindows } from '../domain/visit/windows';
import { toE164 } from '../notifications/channels';
import { MessageRequest, Outbox } from '../notifications/outbox';
import { RecordedEvent } from '../event-store/port';
import { billingWorkflow } from './billing';
import { Deadline, DEADLINES } from './deadlines';
import { flagRemindersWorkflow } from './flag-reminders';
import { ProcessManager, SagaContext } from './process-manager';
import { withWorkflows } from './workflow';

export const MATCHING = 'matching';

export type MatchingConfig = Pick<
  Config,
  | 'MATCH_TIMEOUT_URGENT_MIN'
  | 'MATCH_TIMEOUT_HIGH_MIN'
  | 'MATCH_TIMEOUT_NORMAL_MIN'
  | 'MATCH_TIMEOUT_LOW_MIN'
  | 'NO_ACCESS_WAIT_MIN'
  | 'FLAG_REMINDER_MIN'
  | 'NOTIFY_FIRST_EXPERTS'
  | 'FEED_WIDEN_MIN'
  | 'HELPDESK_EMAIL'
>;

export interface MatchingDeps {
  config: MatchingConfig;
  outbox: Outbox;
  /** The `experts` read model (ranking, and finding calendars that hold a visit). */
  experts: ExpertDirectory;
}

export const MATCHING_EVENTS = [
  'TicketReleasedToMatching',
  'TicketFollowUpVisitAdded',
  'TicketCancelled',
  'VisitSlotsProposed',
  'VisitProposalWithdrawn',
  'VisitExpertAssigned',
  'VisitWindowsUpdated',
  'VisitFinalized',
  'VisitStarted',
  'VisitCantArrive',
  'VisitCantEnter',
  'VisitExpertReplaced',
  'VisitRescheduled',
  'VisitCompleted',
  'VisitClosedIncomplete',
  'VisitCancelled',
] as const;

type Handled = Extract<TicketEvent | VisitEvent, { type: (typeof MATCHING_EVENTS)[number] }>;
type Of<T extends Handled['type']> = Extract<Handled, { type: T }>['data'];

export function matchingTimeoutMinutes(config: MatchingConfig, priority: Priority): number {
  switch (priority) {
    case 'urgent':
      return config.MATCH_TIMEOUT_URGENT_MIN;
    case 'high':
      return config.MATCH_TIMEOUT_HIGH_MIN;
    case 'normal':
      return config.MATCH_TIMEOUT_NORMAL_MIN;
    case 'low':
      return config.MATCH_TIMEOUT_LOW_MIN;
  }
}

export function matchingSaga(deps: MatchingDeps): ProcessManager {
  const { config, outbox, experts: directory } = deps;

  // A ticket's finalizations run one at a time in this process (an event handler and a firing
  // deadline may both try): two never race over the same group. Different tickets' run side by
  // side, as they do in several worker processes: an expert's calendar refuses a double booking,
  // and flows/finalize-group then releases what it booked and plans again. One at a time over all
  // tickets, each waiting for its appends, the saga fell ~500 ms behind under a soak's proposals,
  // and every ticket answer waits for it.
  const locks = new Map<string, Promise<unknown>>();
  function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    locks.set(key, settled);
    void settled.then(() => {
      if (locks.get(key) === settled) locks.delete(key);
    });
    return run;
  }

  function finalize(ctx: SagaContext, ticketId: string, visitId: string): Promise<FinalizeOutcome> {
    return exclusive(ticketId, async () => {
      const outcome = await finalizeGroup(ctx, { ticketId, visitId });
      ctx.logger?.debug({ saga: MATCHING, ticketId, visitId, outcome: outcome.status }, 'finalize group');
      if (outcome.status === 'not-full' && outcome.undecided) {
        // Rare and worth a look: the group stays open (escalated at its deadline) although it may be full.
        ctx.logger?.warn({ saga: MATCHING, ticketId, visitId, groupId: outcome.groupId, reason: outcome.reason }, 'matching gave up on a group at its work budget');
      }
      return outcome;
    });
  }

  /** Runs one effect; a business-rule refusal is logged and the handler goes on with the others. */
  async function tolerate(ctx: SagaContext, what: string, effect: () => Promise<unknown>): Promise<void> {
    try {
      await effect();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      ctx.logger?.info({ saga: MATCHING, trigger: ctx.trigger.id, code: error.code, what }, 'step refused by a business rule; going on');
    }
  }

  async function schedule(ctx: SagaContext, kind: string, key: string, dueAt: Date, payload: Record<string, unknown>): Promise<boolean> {
    // What the deadline's commands do is caused by the event that scheduled it.
    const causationId = ctx.trigger.causationId ?? ctx.trigger.id;
    return ctx.deadlines.schedule(MATCHING, kind, key, dueAt, { ...payload, key, correlationId: ctx.trigger.correlationId, causationId }, ctx.now);
  }

  /** Cancels this saga's pending deadlines of `kind` whose payload matches `where`. */
  async function cancelWhere(ctx: SagaContext, kind: string | null, where: Record<string, unknown>): Promise<void> {
    const filter: Record<string, unknown> = { saga: MATCHING, status: 'pending' };
    if (kind !== null) filter.kind = kind;
    for (const [field, value] of Object.entries(where)) filter[`payload.${field}`] = value;
    for (const d of await ctx.documents.collection<Deadline>(DEADLINES).find(filter)) {
      const key = d.payload.key;
      if (typeof key === 'string') await ctx.deadlines.cancel(MATCHING, d.kind, key);
    }
  }

  function expertMessage(
    ctx: SagaContext,
    to: { expertId: string; name: string; phone: string },
    template: MessageRequest['template'],
    ids: { ticketId: string; visitId: string },
    params: MessageRequest['params'],
  ): MessageRequest {
    return {
      causedBy: ctx.trigger.id,
      channel: 'sms',
      to: toE164(to.phone),
      template,
      // Object.assign, not a spread with added fields: that is several times slower in Node 20.
      params: Object.assign({}, params, { expertName: to.name, ticketId: ids.ticketId, visitId: ids.visitId }),
      ticketId: ids.ticketId,
      visitId: ids.visitId,
      recipient: { kind: 'expert', id: to.expertId },
    };
  }

  function visitParams(spec: VisitSpec): MessageRequest['params'] {
    const first = [...spec.windows].sort((a, b) => ms(a.start) - ms(b.start))[0];
    return { skills: spec.skills.join(', '), durationMinutes: spec.durationMinutes, expertsNeeded: spec.expertsNeeded, firstWindowStart: first?.start ?? null, windows: spec.windows.length };
  }

  /**
   * A visit is open for matching: tell the best NOTIFY_FIRST_EXPERTS eligible experts now, and
   * the other eligible ones at the 'widen' deadline if it is still open then. Who hears first is
   * decided once and kept in the deadline (scheduled before anyone is told), so handling the
   * event again tells the same experts even if the ranking moved meanwhile. A visit no longer
   * open (history handled again long after, e.g. into a rebuilt store) is not announced.
   */
  async function announce(ctx: SagaContext, ticketId: string, spec: VisitSpec, location: GeoPoint, openedAt: string): Promise<void> {
    if ((await ctx.load(visits, spec.visitId)).status !== 'open') return;
    const key = `${spec.visitId}:${ctx.trigger.id}`;
    const ranked = (await eligibleExperts(directory, spec, location, ctx.now)).filter(canWorkThen);
    const first = ranked.slice(0, config.NOTIFY_FIRST_EXPERTS).map((c) => c.expert.expertId);
    const scheduledNow = await schedule(ctx, 'widen', key, new Date(ms(addMinutes(openedAt, config.FEED_WIDEN_MIN))), { ticketId, visitId: spec.visitId, notified: first });
    // Handled before: those it decided on then.
    const decided = scheduledNow ? first : texts((await ctx.deadlines.get(MATCHING, 'widen', key))?.payload.notified ?? first);
    const messages: MessageRequest[] = [];
    for (const expertId of decided) {
      const candidate = ranked.find((c) => c.expert.expertId === expertId);
      const expert = candidate?.expert ?? (await directory.get(expertId));
      if (expert) messages.push(expertMessage(ctx, expert, 'new-visit-available', { ticketId, visitId: spec.visitId }, visitParams(spec)));
    }
    await outbox.enqueueAll(messages);
  }

  /** A group's clock starts: if it is not full by then, it is escalated. */
  async function startMatchClock(ctx: SagaContext, ticketId: string, groupVisitIds: string[], priority: Priority, openedAt: string): Promise<void> {
    const due = new Date(ms(addMinutes(openedAt, matchingTimeoutMinutes(config, priority))));
    await schedule(ctx, 'match-timeout', `${ticketId}:${groupVisitIds[0]}:${ctx.trigger.id}`, due, { ticketId, visitIds: groupVisitIds });
  }

  /** Releases `expertIds`' bookings for a visit that no longer needs them (a cancelled, rescheduled or swapped visit). */
  async function releaseUnneeded(ctx: SagaContext, visitId: string, expertIds: readonly string[], stepPrefix: string, sweep: boolean): Promise<void> {
    const visit = await ctx.load(visits, visitId);
    const holders = sweep ? (await directory.holdingBookings([visitId])).map((d) => d.expertId) : [];
    for (const expertId of [...new Set([...expertIds, ...holders])].sort()) {
      if (visit.status !== 'none' && BOOKED.includes(visit.status) && visit.experts.includes(expertId)) continue;
      const calendar = await ctx.load(experts, expertId);
      if (calendar.status === 'unknown' || bookingOf(calendar.bookings, visitId) === undefined) continue;
      await sendCommand(ctx, experts, 'releaseBooking', { expertId, visitId }, `${stepPrefix}:release:${visitId}:${expertId}`);
    }
  }

  async function flag(ctx: SagaContext, ticketId: string, reason: FlagReason, visitId: string, note: string, step: string, candidates?: ReplacementCandidate[]): Promise<void> {
    await tolerate(ctx, `flag ${reason}`, () => sendCommand(ctx, tickets, 'flagTicket', { ticketId, reason, visitId, note, ...(candidates ? { candidates } : {}) }, step));
  }

  async function reschedule(ctx: SagaContext, visit: Visit, reason: string, step: string): Promise<void> {
    await tolerate(ctx, 'reschedule', () => sendCommand(ctx, visits, 'rescheduleVisit', { visitId: visit.visitId, windows: nextDaysWindows(visit.windows, ctx.now, visit.start), reason }, step));
  }

  // ---- handlers ---------------------------------------------------------------------------

  async function released(ctx: SagaContext, d: Of<'TicketReleasedToMatching'>): Promise<void> {
    for (const spec of d.visits) {
      await tolerate(ctx, 'plan visit', () =>
        sendCommand(ctx, visits, 'planVisit', { ...spec, ticketId: d.ticketId, location: d.location, priority: d.priority }, `plan:${spec.visitId}`),
      );
    }
    for (const group of groupsOf(d.visits, d.dependencies)) {
      await startMatchClock(ctx, d.ticketId, group.visits.map((v) => v.visitId), d.priority, d.releasedAt);
    }
    for (const spec of d.visits) await announce(ctx, d.ticketId, spec, d.location, d.releasedAt);
  }

  async function followUpAdded(ctx: SagaContext, d: Of<'TicketFollowUpVisitAdded'>): Promise<void> {
    if (!d.openForMatching) return; // planned when the ticket is released
    await sendCommand(ctx, visits, 'planVisit', { ...d.visit, ticketId: d.ticketId, location: d.location, priority: d.priority }, `plan:${d.visit.visitId}`);
    await startMatchClock(ctx, d.ticketId, [d.visit.visitId], d.priority, d.addedAt);
    await announce(ctx, d.ticketId, d.visit, d.location, d.addedAt);
  }

  async function visitFinalized(ctx: SagaContext, d: Of<'VisitFinalized'>): Promise<void> {
    // Finalized by other means (helpdesk) than the flow, which books first: make sure the calendars hold it.
    const visit = await ctx.load(visits, d.visitId);
    const current = visit.status !== 'none' && BOOKED.includes(visit.status) && visit.start !== null && visit.end !== null && ms(visit.start) === ms(d.start);
    if (current && visit.start !== null && visit.end !== null) {
      const range = { start: visit.start, end: visit.end };
      for (const expertId of d.experts.filter((e) => visit.experts.includes(e))) {
        const calendar = await ctx.load(experts, expertId);
        if (calendar.status !== 'unknown' && bookingOf(calendar.bookings, d.visitId) !== undefined) continue;
        try {
          await sendCommand(ctx, experts, 'bookTime', { expertId, visitId: d.visitId, range }, `finalized:book:${expertId}`);
        } catch (error) {
          if (!isRefusal(error, 'calendar-conflict', 'expert-inactive', 'expert-not-found', 'range-in-past')) throw error;
          await flag(ctx, d.ticketId, 'other', d.visitId, `expert ${expertId} cannot be booked for visit ${d.visitId} (${error.code}): replace them`, `finalized:flag:${expertId}`);
        }
      }
    }
    // Losers hear while it matters: not for a finalization undone since, or long past.
    const stillNews = current && ms(d.start) > ctx.now.getTime();
    for (const expertId of stillNews ? d.notChosen : []) {
      const calendar = await ctx.load(experts, expertId);
      if (calendar.status === 'unknown') continue;
      await outbox.enqueue(expertMessage(ctx, { expertId, name: calendar.name, phone: calendar.contact.phone }, 'proposal-not-chosen', d, { start: d.start }));
    }
    if (visit.status !== 'open') await cancelWhere(ctx, 'widen', { visitId: d.visitId });
    const group = await loadGroup(ctx, { ticketId: d.ticketId, visitId: d.visitId });
    if (group && group.open.length === 0) await cancelWhere(ctx, 'match-timeout', { ticketId: d.ticketId, visitIds: { $in: group.visitIds } });
  }

  async function ticketCancelled(ctx: SagaContext, d: Of<'TicketCancelled'>): Promise<void> {
    for (const visitId of d.visitsToRelease) {
      const visit = await ctx.load(visits, visitId);
      if (visit.status === 'none') continue;
      const holders = [...visit.experts, ...Object.keys(visit.proposals), ...Object.keys(visit.assignments)];
      await tolerate(ctx, 'cancel visit', () => sendCommand(ctx, visits, 'cancelVisit', { visitId, reason: `ticket cancelled: ${d.reason}` }, `cancel:${visitId}`));
      await releaseUnneeded(ctx, visitId, holders, 'cancel', true);
    }
    await cancelWhere(ctx, null, { ticketId: d.ticketId });
  }

  async function outcome(ctx: SagaContext, ticketId: string, visitId: string, result: 'completed' | 'closed-incomplete' | 'cancelled', crew: string[]): Promise<void> {
    await tolerate(ctx, 'record visit outcome', () => sendCommand(ctx, tickets, 'recordVisitOutcome', { ticketId, visitId, outcome: result, experts: crew }, `outcome:${visitId}`));
  }

  async function closedIncomplete(ctx: SagaContext, d: Of<'VisitClosedIncomplete'>): Promise<void> {
    await outcome(ctx, d.ticketId, d.visitId, 'closed-incomplete', d.experts);
    await releaseUnneeded(ctx, d.visitId, d.experts, 'closed', false);
    const visit = await ctx.load(visits, d.visitId);
    if (visit.status === 'none') return;
    await tolerate(ctx, 'plan follow-up', () =>
      sendCommand(ctx, tickets, 'addFollowUpVisit', { ticketId: d.ticketId, visit: followUpSpec(visit, ctx.now), followUpOf: d.visitId }, `follow-up:${d.visitId}`),
    );
  }

  async function visitCancelled(ctx: SagaContext, d: Of<'VisitCancelled'>): Promise<void> {
    await outcome(ctx, d.ticketId, d.visitId, 'cancelled', []);
    const visit = await ctx.load(visits, d.visitId);
    const holders = visit.status === 'none' ? [] : [...Object.keys(visit.proposals), ...Object.keys(visit.assignments)];
    await releaseUnneeded(ctx, d.visitId, [...d.releasedExperts, ...holders], 'cancelled', true);
    await cancelWhere(ctx, 'widen', { visitId: d.visitId });
    await cancelWhere(ctx, 'no-access', { visitId: d.visitId });
  }

  async function cantArrive(ctx: SagaContext, d: Of<'VisitCantArrive'>): Promise<void> {
    const visit = await ctx.load(visits, d.visitId);
    if (visit.status !== 'cant-arrive' || !visit.experts.includes(d.expertId) || visit.start === null || visit.end === null) return;
    const free = await freeReplacements(ctx, directory, visit, { start: visit.start, end: visit.end });
    if (free.length > 0) {
      const best = free.slice(0, 5);
      const note = `${d.expertId} cannot arrive (${d.reason}); free to replace them: ${best.map((c) => c.name).join(', ')}`;
      await flag(ctx, d.ticketId, 'replacement-needed', d.visitId, note, 'cant-arrive:flag', best);
      return;
    }
    await sendCommand(ctx, experts, 'releaseBooking', { expertId: d.expertId, visitId: d.visitId }, `cant-arrive:release:${d.expertId}`);
    await reschedule(ctx, visit, `${d.expertId} cannot arrive (${d.reason}) and nobody else is free then`, 'cant-arrive:reschedule');
    const note = `${d.expertId} cannot arrive (${d.reason}); nobody qualified was free, the visit was rescheduled to the next days`;
    await flag(ctx, d.ticketId, 'replacement-needed', d.visitId, note, 'cant-arrive:flag', []);
  }

  async function rescheduled(ctx: SagaContext, d: Of<'VisitRescheduled'>): Promise<void> {
    await releaseUnneeded(ctx, d.visitId, d.releasedExperts, 'rescheduled', false);
    const visit = await ctx.load(visits, d.visitId);
    if (visit.status !== 'open') return;
    const ticket = await ctx.load(tickets, d.ticketId);
    if (ticket.status !== 'open') return;
    const group = await loadGroup(ctx, { ticketId: d.ticketId, visitId: d.visitId });
    await startMatchClock(ctx, d.ticketId, group?.visitIds ?? [d.visitId], visit.priority, d.rescheduledAt);
    const spec = { visitId: visit.visitId, skills: visit.skills, expertsNeeded: visit.expertsNeeded, durationMinutes: visit.durationMinutes, windows: visit.windows };
    await announce(ctx, d.ticketId, spec, visit.location, d.rescheduledAt);
  }

  async function replaced(ctx: SagaContext, d: Of<'VisitExpertReplaced'>): Promise<void> {
    await releaseUnneeded(ctx, d.visitId, [d.outExpertId], 'replaced', false);
    const visit = await ctx.load(visits, d.visitId);
    if (visit.status === 'none' || !BOOKED.includes(visit.status) || !visit.experts.includes(d.inExpertId) || visit.start === null || visit.end === null) return;
    const calendar = await ctx.load(experts, d.inExpertId);
    if (calendar.status !== 'unknown' && bookingOf(calendar.bookings, d.visitId) !== undefined) return;
    try {
      await sendCommand(ctx, experts, 'bookTime', { expertId: d.inExpertId, visitId: d.visitId, range: { start: visit.start, end: visit.end } }, `replaced:book:${d.inExpertId}`);
    } catch (error) {
      if (!isRefusal(error, 'calendar-conflict', 'expert-inactive', 'expert-not-found', 'range-in-past')) throw error;
      await flag(ctx, d.ticketId, 'replacement-needed', d.visitId, `${d.inExpertId} cannot be booked for visit ${d.visitId} (${error.code})`, 'replaced:flag');
    }
  }

  async function handle(event: RecordedEvent, ctx: SagaContext): Promise<void> {
    const e = event as unknown as Handled;
    switch (e.type) {
      case 'TicketReleasedToMatching':
        return released(ctx, e.data);
      case 'TicketFollowUpVisitAdded':
        return followUpAdded(ctx, e.data);
      case 'TicketCancelled':
        return ticketCancelled(ctx, e.data);
      case 'VisitSlotsProposed':
      case 'VisitProposalWithdrawn':
      case 'VisitExpertAssigned':
      case 'VisitWindowsUpdated':
        await finalize(ctx, e.data.ticketId, e.data.visitId);
        return;
      case 'VisitFinalized':
        return visitFinalized(ctx, e.data);
      case 'VisitStarted':
        // (A visit that is back at a locked door — rescheduled and there again — keeps its new wait.)
        if ((await ctx.load(visits, e.data.visitId)).status === 'cant-enter') return;
        return cancelWhere(ctx, 'no-access', { visitId: e.data.visitId });
      case 'VisitCantArrive':
        return cantArrive(ctx, e.data);
      case 'VisitCantEnter': {
        const due = new Date(ms(addMinutes(e.data.reportedAt, config.NO_ACCESS_WAIT_MIN)));
        await schedule(ctx, 'no-access', `${e.data.visitId}:${event.id}`, due, { ticketId: e.data.ticketId, visitId: e.data.visitId, expertId: e.data.expertId });
        return;
      }
      case 'VisitExpertReplaced':
        return replaced(ctx, e.data);
      case 'VisitRescheduled':
        return rescheduled(ctx, e.data);
      case 'VisitCompleted':
        return outcome(ctx, e.data.ticketId, e.data.visitId, 'completed', e.data.experts);
      case 'VisitClosedIncomplete':
        return closedIncomplete(ctx, e.data);
      case 'VisitCancelled':
        return visitCancelled(ctx, e.data);
    }
  }

  // ---- deadlines --------------------------------------------------------------------------

  async function matchTimeout(deadline: Deadline, ctx: SagaContext): Promise<void> {
    const ticketId = text(deadline.payload.ticketId);
    const done = new Set<string>();
    for (const visitId of texts(deadline.payload.visitIds)) {
      if (done.has(visitId)) continue;
      const result = await finalize(ctx, ticketId, visitId);
      for (const v of result.visitIds) done.add(v);
      if (result.status !== 'not-full' || result.openVisitIds.length === 0) continue;
      const open = result.openVisitIds;
      await tolerate(ctx, 'escalate', () =>
        sendCommand(ctx, tickets, 'escalateTicket', { ticketId, visitIds: open, unfitProposals: toTicketUnfit(result.unfit) }, `escalate:${open.join('+')}`),
      );
    }
  }

  async function widen(deadline: Deadline, ctx: SagaContext): Promise<void> {
    const visit = await ctx.load(visits, text(deadline.payload.visitId));
    if (visit.status !== 'open') return;
    const ticket = await ctx.load(tickets, visit.ticketId);
    if (ticket.status !== 'open') return;
    const notified = new Set(texts(deadline.payload.notified));
    const spec = { visitId: visit.visitId, skills: visit.skills, expertsNeeded: visit.expertsNeeded, durationMinutes: visit.durationMinutes, windows: visit.windows };
    const others = (await eligibleExperts(directory, spec, visit.location, ctx.now)).filter((c) => canWorkThen(c) && !notified.has(c.expert.expertId));
    await outbox.enqueueAll(others.map(({ expert }) => expertMessage(ctx, expert, 'new-visit-available', visit, visitParams(spec))));
  }

  async function noAccess(deadline: Deadline, ctx: SagaContext): Promise<void> {
    const visit = await ctx.load(visits, text(deadline.payload.visitId));
    if (visit.status !== 'cant-enter') return; // they got in, or helpdesk already acted
    for (const expertId of visit.experts) {
      await sendCommand(ctx, experts, 'releaseBooking', { expertId, visitId: visit.visitId }, `no-access:release:${expertId}`);
    }
    const waited = `${config.NO_ACCESS_WAIT_MIN} minutes`;
    await flag(ctx, visit.ticketId, 'no-access', visit.visitId, `nobody let the expert in within ${waited}; the visit was rescheduled — contact the customer`, 'no-access:flag');
    await reschedule(ctx, visit, `no access: nobody let the expert in within ${waited}`, 'no-access:reschedule');
  }

  const matching: ProcessManager = {
    name: MATCHING,
    eventTypes: MATCHING_EVENTS,
    handle,
    // One lane per ticket: a ticket's events in order, different tickets side by side. What
    // crosses tickets — experts' calendars — is booked by finalization, which holds against any
    // interleaving (see `finalize`).
    partitionOf: (event) => {
      const ticketId = (event.data as { ticketId?: unknown }).ticketId;
      return typeof ticketId === 'string' ? ticketId : null;
    },
    deadlines: { 'match-timeout': matchTimeout, widen, 'no-access': noAccess },
  };
  // Both first ran as part of this saga: their command ids, deadlines and checkpoint are this saga's.
  return withWorkflows(matching, [billingWorkflow, flagRemindersWorkflow(config)], { outbox });
}

/**
 * Told of a new visit only if the expert could take it: free for it inside their weekly hours in
 * one of its windows still ahead (the feed shows them no other).
 */
function canWorkThen(candidate: Candidate): boolean {
  return candidate.rank.factors.availability > 0;
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`deadline payload: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
