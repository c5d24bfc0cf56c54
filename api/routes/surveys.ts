import { z } from 'zod';
import { answerSurvey } from '../../flows/answer-survey';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';
import { ticketDoc } from './tickets';

const TokenParams = z.object({ token: z.string().min(20).max(100).regex(/^[A-Za-z0-9_-]+$/, 'a survey link token') });

// ---- answers --------------------------------------------------------------------------------

const SurveyView = z.strictObject({
  ticketId: z.string(),
  problem: z.string().describe('The problem the customer reported'),
  appliance: z.strictObject({ modelId: z.string().nullable(), text: z.string().nullable() }).describe("The catalog model, or the customer's own words for the appliance"),
  completedAt: z.string().nullable().describe('When the ticket was completed'),
  resolution: z.string().nullable().describe('How it was fixed'),
  answered: z.boolean().describe('The survey was already answered: the link can no longer be used'),
  questions: z.strictObject({ rating: z.string(), comments: z.string() }).describe('The questions to show, by the field of the answer they go with'),
});
const SurveyAnswered = z.strictObject({ ticketId: z.string(), rating: z.number().int().describe('1 to 5, as given'), thanks: z.string().describe('A message to show the customer') });

export const surveyRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/survey/:token',
    operationId: 'getSurvey',
    summary: 'What a survey link is about (public: the link is the credential)',
    tag: 'Surveys',
    roles: 'public',
    params: TokenParams,
    success: 200,
    response: SurveyView,
    async handler({ params }, services: ApiServices) {
      const { ticketId } = await services.surveyTokens.verify(params.token, services.clock());
      const doc = await ticketDoc(services, ticketId);
      if (!doc) throw new HttpProblem(404, 'Not found', 'This survey link is not valid.');
      return {
        status: 200,
        body: {
          ticketId,
          problem: doc.problem,
          appliance: doc.appliance,
          completedAt: doc.completedAt,
          resolution: doc.resolution,
          answered: doc.survey !== null,
          questions: { rating: 'How satisfied are you, from 1 (not at all) to 5 (very)?', comments: 'Anything to tell us?' },
        } satisfies z.infer<typeof SurveyView>,
      };
    },
  }),
  route({
    method: 'post',
    path: '/survey/:token',
    operationId: 'answerSurvey',
    readsNext: ['tickets'],
    summary: 'Answer the survey once (public: the single-use link is the credential)',
    tag: 'Surveys',
    roles: 'public',
    params: TokenParams,
    body: z.object({ rating: z.number().int().min(1).max(5), comments: z.string().trim().max(4000).default('') }),
    success: 201,
    response: SurveyAnswered,
    async handler({ params, body, command }, services: ApiServices) {
      const { ticketId, position } = await answerSurvey(services, { token: params.token, rating: body.rating, comments: body.comments }, command());
      return { status: 201, body: { ticketId, rating: body.rating, thanks: 'Thank you for your feedback.' } satisfies z.infer<typeof SurveyAnswered>, position };
    },
  }),
];
