/**
 * The shape of the work a ticket needs, shared by Ticket, Visit and matching: visits with
 * required skills, a number of experts, a duration and the customer's windows, and timing
 * dependencies between visits ("the electrician starts 0–30 minutes after the plumber ends").
 */
import { TimeRange } from './time';

export interface VisitSpec {
  visitId: string;
  /** Every chosen expert must have all of these skills. */
  skills: string[];
  /** Distinct experts needed at the same time (>= 1). */
  expertsNeeded: number;
  durationMinutes: number;
  /** The customer's acceptable windows: the whole visit must fit inside one of them. */
  windows: TimeRange[];
}

/** `after` starts between min and max minutes after `before` ends (max null: no upper bound). */
export interface VisitDependency {
  before: string;
  after: string;
  minGapMinutes: number;
  maxGapMinutes: number | null;
}

export const RIGHT_AFTER = { minGapMinutes: 0, maxGapMinutes: 0 } as const;
