import { VisitCommand, visitDecider, VisitEvent, VisitState } from '../domain/visit/visit';
import { Aggregate } from './aggregate';

export const visits: Aggregate<VisitState, VisitCommand, VisitEvent> = {
  category: 'visit',
  decider: visitDecider,
  idOf: (command) => command.data.visitId,
};
