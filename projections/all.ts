import { ticketsProjection } from './tickets/projection';
import { visitsProjection } from './visits/projection';
import { articlesProjection } from './articles/projection';
import { applianceCatalogProjection } from './appliance-catalog/projection';
import { customersProjection } from './customers/projection';
import { invoicesProjection } from './invoices/projection';
import { financeProjection } from './finance/projection';
import { activityProjection } from './activity/projection';
import { auditTrailProjection } from './audit-trail/projection';
import { expertsProjection } from './experts/projection';
import { paidCustomersProjection } from './paid-customers/projection';
import { reportsProjection } from './reports/projection';
import { usersProjection } from './users/projection';
import { planPricesProjection } from './plan-prices/projection';
import { Projection } from './projection';

/** Every read model of the system; the engine runs them and `npm run replay` rebuilds them. */
export const allProjections: readonly Projection[] = [auditTrailProjection, activityProjection, expertsProjection, paidCustomersProjection, usersProjection,
  customersProjection,
  invoicesProjection,
  applianceCatalogProjection,
  articlesProjection,
  ticketsProjection,
  visitsProjection,
  reportsProjection,
  financeProjection,
  planPricesProjection,
];
