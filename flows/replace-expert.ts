/**
 * Replacing an expert on a scheduled visit (the expert cannot arrive, or helpdesk moves them):
 * book the replacement's calendar first — the Expert aggregate refuses a double booking — then
 * swap the experts on the visit, then release the calendar of the expert who drops out.
 * Candidates are tried in order; one booked elsewhere meanwhile is skipped for the next.
 */
import { isBookedAt } from '../domain/expert/booking-lookup';
import { experts } from '../commands/expert';
import { tickets } from '../commands/ticket';
import { visits } from '../commands/visit';
import { DomainError } from '../domain/decider';
import { canTake, ExpertState, servesLocation } from '../domain/expert/expert';
import { ms, TimeRange } from '../domain/shared/time';
import { hasSkills } from '../domain/visit/plan-rules';
import { ReplacementCandidate } from '../domain/ticket/ticket';
import { Visit } from '../domain/visit/visit';
import { ensure, FlowContext, isRefusal, sendCommand } from './context';
import { eligibleExperts, ExpertDirectory } from '../read-models/expert-directory';

/** Visit statuses in which experts can still be swapped (the Visit decider's rule). */
const REPLACEABLE = ['finalized', 'en-route', 'cant-arrive'];

export interface ReplaceRequest {
  visitId: string;
  outExpertId: string;
  /** Experts to try, in order; by default the free ones, best ranked first (`freeReplacements`). */
  candidates?: string[];
}

export type ReplaceOutcome = { status: 'replaced'; inExpertId: string; tried: string[] } | { status: 'nobody-free'; tried: string[] };

/** Can `state` take `visit` at `range`: active, qualified, serving the place, working and free then? */
export function canCover(state: ExpertState, visit: Visit, range: TimeRange): boolean {
  return state.status === 'active' && hasSkills(visit.skills, state.skills) && servesLocation(state, { location: visit.location }) && canTake(state, range, visit.visitId);
}

/**
 * The experts who could replace someone on `visit` for its booked time, best ranked first:
 * eligible per the experts read model, then checked against their calendar (the authority),
 * with what helpdesk needs to pick one (name, skills, distance, how long they are free).
 */
export async function freeReplacements(ctx: FlowContext, directory: ExpertDirectory, visit: Visit, range: TimeRange): Promise<ReplacementCandidate[]> {
  const spec = { visitId: visit.visitId, skills: visit.skills, expertsNeeded: visit.expertsNeeded, durationMinutes: visit.durationMinutes, windows: [range] };
  const ranked = await eligibleExperts(directory, spec, visit.location, ctx.now);
  const free: ReplacementCandidate[] = [];
  for (const { expert, rank } of ranked) {
    if (visit.experts.includes(expert.expertId)) continue;
    const calendar = await ctx.load(experts, expert.expertId);
    if (calendar.status === 'unknown' || !canCover(calendar, visit, range)) continue;
    free.push({
      expertId: expert.expertId,
      name: calendar.name,
      skills: [...calendar.skills],
      distanceKm: Math.round(rank.distanceKm * 10) / 10,
      freeUntil: freeUntil(calendar, range),
    });
  }
  return free;
}

/** When the expert's next booking or time off after `range` begins; null when nothing follows. */
function freeUntil(calendar: Exclude<ExpertState, { status: 'unknown' }>, range: TimeRange): string | null {
  const end = ms(range.end);
  const starts = [...calendar.bookings.map((b) => b.range.start), ...calendar.timeOff.map((t) => t.range.start)].filter((s) => ms(s) >= end);
  return starts.length === 0 ? null : starts.reduce((a, b) => (ms(a) <= ms(b) ? a : b));
}

function bookedRangeOf(visit: Visit): TimeRange {
  if (visit.start === null || visit.end === null) throw new DomainError('visit-not-replaceable', `visit ${visit.visitId} has no scheduled time`);
  return { start: visit.start, end: visit.end };
}

export async function replaceExpert(ctx: FlowContext, directory: ExpertDirectory, request: ReplaceRequest): Promise<ReplaceOutcome> {
  const { visitId, outExpertId } = request;
  const visit = await ctx.load(visits, visitId);
  if (visit.status === 'none') throw new DomainError('visit-not-found', `no visit ${visitId}`);
  if (!REPLACEABLE.includes(visit.status)) throw new DomainError('visit-not-replaceable', `visit ${visitId} is ${visit.status}: experts are replaced only before arrival`);
  if (!visit.experts.includes(outExpertId)) throw new DomainError('expert-not-on-visit', `expert ${outExpertId} is not on visit ${visitId}`);
  const ticket = await ctx.load(tickets, visit.ticketId);
  if (ticket.status !== 'open') throw new DomainError('ticket-not-open', `ticket ${visit.ticketId} is ${ticket.status}`);
  const range = bookedRangeOf(visit);
  const candidates = request.candidates ?? (await freeReplacements(ctx, directory, visit, range)).map((c) => c.expertId);

  const tried: string[] = [];
  for (const inExpertId of candidates) {
    if (inExpertId === outExpertId || visit.experts.includes(inExpertId)) continue;
    tried.push(inExpertId);
    const calendar = await ctx.load(experts, inExpertId);
    if (!canCover(calendar, visit, range)) continue;
    let mine: boolean;
    try {
      const booked = await ensure(ctx, experts, 'bookTime', { expertId: inExpertId, visitId, range }, `replace:${visitId}:${outExpertId}:${inExpertId}:book`, (s) =>
        s.status !== 'unknown' && isBookedAt(s.bookings, visitId, range),
      );
      mine = booked.mine;
    } catch (error) {
      if (isRefusal(error, 'calendar-conflict', 'expert-inactive', 'range-in-past')) continue;
      throw error;
    }
    const skills = calendar.status === 'unknown' ? [] : calendar.skills;
    try {
      await sendCommand(ctx, visits, 'replaceExpert', { visitId, outExpertId, inExpertId, inExpertSkills: skills }, `replace:${visitId}:${outExpertId}:${inExpertId}`);
    } catch (error) {
      if (mine) await sendCommand(ctx, experts, 'releaseBooking', { expertId: inExpertId, visitId }, `replace:${visitId}:${outExpertId}:${inExpertId}:undo`);
      throw error;
    }
    await sendCommand(ctx, experts, 'releaseBooking', { expertId: outExpertId, visitId }, `replace:${visitId}:${outExpertId}:release`);
    return { status: 'replaced', inExpertId, tried };
  }
  return { status: 'nobody-free', tried };
}
