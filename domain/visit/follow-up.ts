import { VisitSpec } from '../shared/visit-plan';
import { Visit } from './visit';
import { nextDaysWindows } from './windows';

/** The id of the visit that follows up `visitId` (closed incomplete): one follow-up per visit. */
export function followUpVisitId(visitId: string): string {
  return `${visitId}-followup`;
}

/**
 * The follow-up of a visit closed incomplete: the same skills, number of experts and duration,
 * at the same hours on the following days (the customer or helpdesk may change the windows).
 */
export function followUpSpec(visit: Visit, now: Date): VisitSpec {
  return {
    visitId: followUpVisitId(visit.visitId),
    skills: [...visit.skills],
    expertsNeeded: visit.expertsNeeded,
    durationMinutes: visit.durationMinutes,
    windows: nextDaysWindows(visit.windows, now, visit.start),
  };
}
