/**
 * The customer answers the satisfaction survey through the single-use link they were sent: the
 * link names the ticket and is spent by the answer, which the Ticket records as the customer's.
 * Refusals: an unknown, used or expired link (the survey tokens' DomainErrors), a link whose
 * ticket is not there (NotFound), a survey already answered.
 */
import { send } from '../commands/aggregate';
import { CommandHandler } from '../commands/handler';
import { tickets } from '../commands/ticket';
import { CommandMetadata, DomainError, NotFound } from '../domain/decider';
import { Position } from '../event-store/port';
import { SurveyTokens } from '../notifications/survey-tokens';
import { TICKETS, TicketDoc } from '../projections/tickets/projection';
import { UserDoc, USERS } from '../projections/users/projection';
import { ReadModelSource } from '../read-models/read-models';

export interface AnswerSurveyDeps {
  surveyTokens: SurveyTokens;
  readModels: ReadModelSource;
  commands: CommandHandler;
}

export interface SurveyAnswer {
  /** The link's token: the only credential a survey answer has. */
  token: string;
  rating: number;
  comments: string;
}

export async function answerSurvey(deps: AnswerSurveyDeps, answer: SurveyAnswer, metadata: CommandMetadata): Promise<{ ticketId: string; position: Position }> {
  const verified = await deps.surveyTokens.verify(answer.token, metadata.now);
  const doc = await (await deps.readModels.collection<TicketDoc>(TICKETS)).findOne({ _id: verified.ticketId });
  if (!doc) throw new NotFound('This survey link is not valid.');
  // Checked before the link is spent, so an answered survey's link stays as it was.
  if (doc.survey) throw new DomainError('survey-token-used', 'this survey was already answered');
  const { ticketId, customerId } = await deps.surveyTokens.redeem(answer.token, metadata.now);
  // The answer is the customer's: their login when they have one (the link needs none).
  const user = await (await deps.readModels.collection<UserDoc>(USERS)).findOne({ customerId });
  const result = await send(deps.commands, tickets, {
    type: 'recordSurvey',
    data: { ticketId, rating: answer.rating, comments: answer.comments },
    // One survey answer per ticket, whoever retries it.
    metadata: { ...metadata, commandId: `survey:${ticketId}`, actor: { userId: user?._id ?? `customer:${customerId}`, role: 'customer' } },
  });
  return { ticketId, position: result.position };
}
