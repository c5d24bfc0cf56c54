import { RouteTable } from '../http/route';
import { ApiServices } from '../services';
import { authRoutes } from './auth';
import { billingRoutes } from './billing';
import { paymentRoutes } from './payments';
import { statementRoutes } from './statements';
import { dunningRoutes } from './dunning';
import { catalogRoutes } from './catalog';
import { customerRoutes } from './customers';
import { dispatchRoutes } from './dispatch';
import { expertRoutes } from './experts';
import { financeRoutes } from './finance';
import { helpdeskRoutes } from './helpdesk';
import { knowledgeBaseRoutes } from './knowledge-base';
import { operationsRoutes } from './operations';
import { opsRoutes } from './ops';
import { reportRoutes } from './reports';
import { surveyRoutes } from './surveys';
import { ticketRoutes } from './tickets';
import { userRoutes } from './users';
import { visitRoutes } from './visits';
import { webAppRoutes } from './web-app';

/** The route table: validation, authorization, OpenAPI and the authorization-matrix test all read it. */
export const allRoutes: RouteTable<ApiServices> = [
  ...authRoutes,
  ...customerRoutes,
  ...billingRoutes,
  ...paymentRoutes,
  ...statementRoutes,
  ...dunningRoutes,
  ...catalogRoutes,
  ...expertRoutes,
  ...userRoutes,
  ...knowledgeBaseRoutes,
  ...ticketRoutes,
  ...visitRoutes,
  ...helpdeskRoutes,
  ...dispatchRoutes,
  ...surveyRoutes,
  ...opsRoutes,
  ...operationsRoutes,
  ...reportRoutes,
  ...financeRoutes,
  ...webAppRoutes,
];
