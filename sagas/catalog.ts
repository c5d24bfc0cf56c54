import { MATCHING } from './matching';
import { NOTIFICATIONS_SAGA } from './notifications';
import { PAYMENTS_SAGA } from './charging';

/** Every saga of the system, by name (their checkpoints are `_saga_checkpoints` documents of these ids). */
export const allSagaNames: readonly string[] = [MATCHING, NOTIFICATIONS_SAGA, PAYMENTS_SAGA];
