import { ExpertCommand, expertDecider, ExpertEvent, ExpertState } from '../domain/expert/expert';
import { Aggregate } from './aggregate';

/** Stream `expert-<expertId>`: profile and calendar. Bookings are appended with the expected revision, so they never overlap. */
export const experts: Aggregate<ExpertState, ExpertCommand, ExpertEvent> = {
  category: 'expert',
  decider: expertDecider,
  idOf: (command) => command.data.expertId,
};
