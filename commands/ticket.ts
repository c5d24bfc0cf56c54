import { TicketCommand, ticketDecider, TicketEvent, TicketState } from '../domain/ticket/ticket';
import { Aggregate } from './aggregate';

export const tickets: Aggregate<TicketState, TicketCommand, TicketEvent> = {
  category: 'ticket',
  decider: ticketDecider,
  idOf: (command) => command.data.ticketId,
};
