/**
 * A visit's offers as matching and helpdesk see them: the proposals and direct assignments
 * `finalizeVisit` would accept, in time-priority order, and the proposals outside the windows.
 */
import { canonicalInstant, fitsSomeWindow } from './plan-rules';
import { VisitState } from './visit';

export interface Offer {
  expertId: string;
  start: string;
  /** Time priority: when the start was proposed, or when helpdesk assigned it. */
  at: string;
  kind: 'proposal' | 'assignment';
}

/**
 * The proposals matching may use: only while open, only starts that fit the current windows;
 * earliest proposal first (then expert id, then start).
 */
export function openProposals(state: VisitState): { expertId: string; start: string; proposedAt: string }[] {
  if (state.status !== 'open') return [];
  return Object.entries(state.proposals)
    .flatMap(([expertId, slots]) => slots.map((s) => ({ expertId, start: s.start, proposedAt: s.proposedAt })))
    .filter((p) => fitsSomeWindow(state.windows, p.start, state.durationMinutes))
    .sort((a, b) => compare(a.proposedAt, b.proposedAt) || compare(a.expertId, b.expertId) || compare(a.start, b.start));
}

/** Proposals and direct assignments that `finalizeVisit` would accept, in time-priority order. */
export function openOffers(state: VisitState): Offer[] {
  if (state.status !== 'open') return [];
  const proposals: Offer[] = openProposals(state).map((p) => ({ expertId: p.expertId, start: p.start, at: p.proposedAt, kind: 'proposal' }));
  const assignments: Offer[] = Object.entries(state.assignments)
    .filter(([, a]) => fitsSomeWindow(state.windows, a.start, state.durationMinutes))
    .map(([expertId, a]) => ({ expertId, start: a.start, at: a.assignedAt, kind: 'assignment' }));
  return [...proposals, ...assignments].sort((a, b) => compare(a.at, b.at) || compare(a.expertId, b.expertId) || compare(a.start, b.start));
}

/** Proposals held but outside the current windows: what helpdesk shows the customer on escalation. */
export function unfitProposals(state: VisitState): { expertId: string; starts: string[] }[] {
  if (state.status !== 'open') return [];
  return Object.entries(state.proposals)
    .map(([expertId, slots]) => ({ expertId, starts: slots.map((s) => s.start).filter((s) => !fitsSomeWindow(state.windows, s, state.durationMinutes)) }))
    .filter((p) => p.starts.length > 0)
    .sort((a, b) => compare(a.expertId, b.expertId));
}

/** The experts offering `start` (proposed or assigned), earliest first: who wins on time priority. */
export function expertsOffering(state: VisitState, start: string): string[] {
  const at = canonicalInstant(start);
  return [...new Set(openOffers(state).filter((o) => o.start === at).map((o) => o.expertId))];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
