import { Config } from '../config/config';
import { ExpertDirectory } from '../read-models/expert-directory';
import { Outbox } from '../notifications/outbox';
import { MATCHING, MatchingConfig, matchingSaga } from './matching';
import { NOTIFICATIONS_SAGA, NotificationsSagaOptions, notificationsSaga } from './notifications';
import { PaymentGateway } from '../payments/gateway';
import { PAYMENTS_SAGA, paymentsSaga } from './charging';
import { ProcessManager } from './process-manager';

/**
 * Every saga of the system, by name: their checkpoints are `_saga_checkpoints` documents of these ids.
 * Replay and restore read them without building the sagas; keep it in step with `allSagas` below.
 */
export const allSagaNames: readonly string[] = [MATCHING, NOTIFICATIONS_SAGA, PAYMENTS_SAGA];

export interface AllSagasDependencies {
  config: MatchingConfig & Pick<Config, 'HELPDESK_EMAIL' | 'PUBLIC_URL' | 'SERVICE_TIME_ZONE'>;
  outbox: Outbox;
  surveyTokens: NotificationsSagaOptions['surveyTokens'];
  /** The `experts` read model as matching needs it. */
  experts: ExpertDirectory;
  /** Charging invoices and dunning; without it invoices are charged by hand (test systems, the seed). */
  payments?: { gateway: PaymentGateway; retryDays: readonly number[] };
}

/**
 * Every saga of the system, built from plain dependencies. The app's saga engine and the seed's
 * (which drives its own clock) both run this list, so they share names and checkpoints.
 * Each call builds fresh sagas: matching keeps per-process locks that must not be shared by two engines.
 */
export function allSagas(deps: AllSagasDependencies): ProcessManager[] {
  const { config, outbox, surveyTokens, experts, payments } = deps;
  return [
    matchingSaga({ config, outbox, experts }),
    notificationsSaga({ outbox, surveyTokens, helpdeskEmail: config.HELPDESK_EMAIL, publicUrl: config.PUBLIC_URL, timeZone: config.SERVICE_TIME_ZONE }),
    ...(payments ? [paymentsSaga({ gateway: payments.gateway, outbox, retryDays: payments.retryDays })] : []),
  ];
}
