import type { Answer } from '../../../api/answers';
import { timeOfDay, when } from '../../format';

export type HistoryEntry = Answer<'/tickets/{ticketId}/history', 'get'>['history'][number];
type Actor = HistoryEntry['actor'];

/** What waits for helpdesk, in the words helpdesk uses. */
export const FLAG_REASONS: Record<string, string> = {
  'payment-status-unknown': 'Payment unknown',
  'customer-unpaid': 'Customer has not paid',
  'no-match-in-time': 'No expert in time (escalated)',
  'no-access': 'Expert could not get in',
  'replacement-needed': 'Replacement needed',
  other: 'Other',
};

export function flagReason(reason: string): string {
  return FLAG_REASONS[reason] ?? reason;
}

export const PRIORITY_COLORS: Record<string, string> = { urgent: 'red', high: 'orange', normal: 'blue', low: 'gray' };

/** "2 d 3 h", "3 h 20 min", "12 min": how long since `since`, at `now`. */
export function waited(since: string, now: number = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

/** Who did it, as a person reads it. */
export function actorWords(actor: Actor): string {
  if (actor.role === 'system') return 'the system';
  if (actor.role === 'expert') return `expert ${actor.expertId ?? actor.userId}`;
  if (actor.role === 'customer') return `the customer (${actor.userId})`;
  return `${actor.role} ${actor.userId}`;
}

function range(start: unknown, end: unknown): string {
  return typeof start === 'string' && typeof end === 'string' ? `${when(start)}–${timeOfDay(end)}` : '';
}

function windows(list: unknown): string {
  return Array.isArray(list) ? list.map((w: { start: string; end: string }) => range(w.start, w.end)).join(', ') : '';
}

function list(values: unknown): string {
  return Array.isArray(values) ? values.join(', ') : String(values ?? '');
}

/** An audit event in words: what happened, with the details that matter (the raw event is one click away). */
export function describeEvent(entry: HistoryEntry): string {
  const d = (entry.data ?? {}) as Record<string, any>;
  const visit = entry.category === 'visit' ? `Visit ${entry.entityId}` : 'The visit';
  switch (entry.type) {
    case 'TicketOpened':
      return `Ticket opened (${d.priority ?? 'normal'} priority): “${d.problem ?? ''}”${d.applianceModelText ? ` — appliance described as “${d.applianceModelText}”` : ''}`;
    case 'TicketReleasedToMatching':
      return 'Ticket released to matching: experts can propose times';
    case 'TicketFlaggedForHelpdesk':
      return `Flagged for helpdesk: ${flagReason(d.reason)}${d.note ? ` — ${d.note}` : ''}`;
    case 'TicketFlagResolved':
      return `Flag “${flagReason(d.reason)}” resolved: ${d.resolution}${d.note ? ` — ${d.note}` : ''}`;
    case 'TicketEscalated':
      return `Escalated: no expert matched in time (${offers(d.unfitProposals)} did not fit)`;
    case 'TicketApplianceModelMapped':
      return `Appliance “${d.applianceModelText ?? ''}” mapped to catalog model ${d.applianceModelId}`;
    case 'TicketVisitOutcomeRecorded':
      return `Visit ${d.visitId} recorded as ${d.outcome}`;
    case 'TicketFollowUpVisitAdded':
      return `Follow-up visit ${d.visitId ?? ''} added`;
    case 'TicketCompleted':
      return `Ticket completed: ${d.resolution ?? ''}`;
    case 'TicketSurveyRecorded':
      return `Survey answered: ${d.rating} of 5${d.comments ? ` — “${d.comments}”` : ''}`;
    case 'TicketCancelled':
      return `Ticket cancelled${d.reason ? `: ${d.reason}` : ''}`;
    case 'VisitPlanned':
      return `${visit} planned: ${list(d.skills)}, ${d.durationMinutes} min, windows ${windows(d.windows)}`;
    case 'VisitSlotsProposed':
      return `Expert ${d.expertId} proposed ${windowsOfSlots(d.slots)}`;
    case 'VisitProposalWithdrawn':
      return `Expert ${d.expertId} withdrew ${(d.starts ?? []).map(when).join(', ')}`;
    case 'VisitExpertAssigned':
      return `Expert ${d.expertId} assigned for ${when(d.start)}`;
    case 'VisitFinalized':
      return `${visit} scheduled ${range(d.start, d.end)} with ${list(d.experts)}`;
    case 'VisitWindowsUpdated':
      return `Windows changed to ${windows(d.windows)}`;
    case 'VisitEnRoute':
      return `Expert ${d.expertId} on the way, arriving around ${d.eta ? timeOfDay(d.eta) : '?'}`;
    case 'VisitArrived':
      return `Expert ${d.expertId} arrived`;
    case 'VisitStarted':
      return `Expert ${d.expertId} started the work`;
    case 'VisitCantArrive':
      return `Expert ${d.expertId} cannot arrive: ${d.reason ?? ''}`;
    case 'VisitCantEnter':
      return `Expert ${d.expertId} could not get in${d.note ? `: ${d.note}` : ''}`;
    case 'VisitExpertReplaced':
      return `Expert ${d.outExpertId} replaced by ${d.inExpertId}`;
    case 'VisitRescheduled':
      return `Rescheduled to ${windows(d.windows)}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'VisitExtended':
      return `Extended by ${d.minutes} min, until ${d.end ? timeOfDay(d.end) : '?'}`;
    case 'VisitClosedIncomplete':
      return `Closed incomplete (${d.reason})${d.note ? `: ${d.note}` : ''}`;
    case 'VisitCompleted':
      return `${visit} completed${d.notes ? `: ${d.notes}` : ''}`;
    case 'VisitCancelled':
      return `${visit} cancelled${d.reason ? `: ${d.reason}` : ''}`;
    default:
      // An event this screen has no words for yet: its type, spaced out.
      return entry.type.replace(/([a-z])([A-Z])/g, '$1 $2');
  }
}

function offers(unfit: unknown): string {
  const n = Array.isArray(unfit) ? unfit.reduce((sum: number, p: { starts?: unknown[] }) => sum + (p.starts?.length ?? 0), 0) : 0;
  return n === 1 ? '1 offer' : `${n} offers`;
}

function windowsOfSlots(slots: unknown): string {
  return Array.isArray(slots) ? slots.map((s: { start: string }) => when(s.start)).join(', ') : '';
}

/** What caused an event, in words. */
export function causeWords(cause: HistoryEntry['cause']): string {
  if (!cause) return 'cause unknown';
  // A request id reads `<user>:<uuid>`: its uuid's start tells requests apart.
  if (cause.kind === 'request') return `a request (${cause.requestId.split(':').pop()!.slice(0, 8)})`;
  if (cause.kind === 'command') return `a command (${cause.commandId.slice(0, 8)})`;
  return `${cause.type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}${cause.inHistory ? ' (above)' : ` in ${cause.stream}`}`;
}
