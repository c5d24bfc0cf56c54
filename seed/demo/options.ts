import { CommandHandler } from '../../commands/handler';
import { SandboxCard, SavedCard } from '../../payments/sandbox';
import { UserRole } from '../../domain/user-account/user-account';
import { EventStore } from '../../event-store/port';

export interface SeedSize {
  customers: number;
  experts: number;
  tickets: number;
}
export const DEFAULT_SIZE: SeedSize = { customers: 500, experts: 50, tickets: 3000 };

/** Demo logins, one per role (printed by `npm run seed`). */
export const DEMO_LOGINS: Record<UserRole, { email: string; password: string }> = {
  customer: { email: 'customer@demo.sysops.local', password: 'demo-customer-pass' },
  expert: { email: 'expert@demo.sysops.local', password: 'demo-expert-pass' },
  helpdesk: { email: 'helpdesk@demo.sysops.local', password: 'demo-helpdesk-pass' },
  admin: { email: 'admin@demo.sysops.local', password: 'demo-admin-pass' },
  manager: { email: 'manager@demo.sysops.local', password: 'demo-manager-pass' },
};

export interface SeedSystem {
  commands: CommandHandler;
  events: EventStore;
  /** Waits until projections and sagas have handled everything written so far. */
  settle(): Promise<void>;
  /** The clock the sagas read; the generator moves it. */
  clock: { now: Date };
  /** Fires the saga deadlines due at `clock.now`. */
  fireDueDeadlines(): Promise<number>;
  /** The payment gateway the seed's billing charges: the demo customers' cards are saved here. */
  cards: { saveCard(card: SandboxCard, idempotencyKey?: string): Promise<SavedCard> };
}

export interface SeedOptions extends Partial<SeedSize> {
  seed?: number;
  /** "Now" of the demo (defaults to the current time); history is placed before it. */
  now?: Date;
  onProgress?(phase: string, done: number, total: number): void;
  /** Asked between steps: true ends the seed with `SeedInterrupted` (run it again with `resume`). */
  shouldStop?(): boolean;
  /**
   * Finish an interrupted seed: walk every ticket through every step again instead of skipping
   * the tickets that exist (each command's id is deterministic, so what was done is not redone).
   */
  resume?: boolean;
}

export class SeedInterrupted extends Error {
  constructor() {
    super('demo seed interrupted; run it again to finish (it is idempotent)');
  }
}

export type TicketPlan = 'completed' | 'matched' | 'en-route' | 'started' | 'escalated' | 'open' | 'on-hold' | 'cancelled';

export interface SeedSummary {
  size: SeedSize;
  catalogModels: number;
  tickets: Record<TicketPlan, number>;
  /** Knowledge-base articles written by this run. */
  articles: number;
  skippedTickets: number;
  failures: number;
  failureSamples: string[];
  logins: typeof DEMO_LOGINS;
}
