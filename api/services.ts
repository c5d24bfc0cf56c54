import { Logger } from 'pino';
import { CommandHandler } from '../commands/handler';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { ExpertDirectory } from '../read-models/expert-directory';
import { PaymentStatusLookup } from '../read-models/payment-status';
import { DocumentOutbox } from '../notifications/outbox-store';
import { SurveyTokens } from '../notifications/survey-tokens';
import { ProjectionEngine } from '../projections/engine';
import { Projection } from '../projections/projection';
import { ReadModels } from '../read-models/read-models';
import { SagaRunners } from '../sagas/status';
import { PasswordHashing } from './auth/passwords';
import { TokenService } from './auth/tokens';
import { PaymentGateway } from '../payments/gateway';
import { StatementSettings } from '../statements/model';

/** Everything route handlers may use. Built once per process by the composition root. */
export interface ApiServices {
  commands: CommandHandler;
  events: EventStore;
  documents: DocumentStore;
  readModels: ReadModels;
  projections: readonly Projection[];
  /** Present when this process runs the projections. */
  engine?: ProjectionEngine;
  /** Present when this process runs the sagas; otherwise their status is read from their checkpoints. */
  sagas?: SagaRunners;
  /** Every saga of the system, by name (for their checkpoints). */
  sagaNames: readonly string[];
  outbox: DocumentOutbox;
  surveyTokens: SurveyTokens;
  tokens: TokenService;
  /** Hashes and checks passwords for requests, a few at a time (PASSWORD_HASH_CONCURRENCY). */
  passwords: PasswordHashing;
  payments: PaymentStatusLookup;
  experts: ExpertDirectory;
  clock: () => Date;
  logger: Logger;
  /** /ready: most events a read model may be behind. */
  readyMaxLag: number;
  /** /ready: most events a saga may be behind. */
  readyMaxSagaLag: number;
  /** How many minutes before a visit's start its expert may go en route (EN_ROUTE_LEAD_MIN). */
  enRouteLeadMinutes: number;
  /** The maps' tiles for the web app (MAP_TILE_URL, MAP_TILE_ATTRIBUTION); null: no map (`off`). */
  mapTiles: { url: string; attribution: string } | null;
  /** Company details and tax rate of invoices and statements (COMPANY_*, TAX_RATE_PERCENT). */
  statements: StatementSettings;
  /** The dunning schedule (DUNNING_RETRY_DAYS), for the helpdesk's view of customers in dunning. */
  dunningRetryDays: readonly number[];
  /** Charges invoices; the sandbox also serves its card form (POST /payments/sandbox/cards). */
  paymentGateway: PaymentGateway;
}
