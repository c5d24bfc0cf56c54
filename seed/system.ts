/**
 * The in-process system the seed drives: the process's stores, commands and projection engine,
 * plus a saga engine of its own whose clock the generator controls (manual deadlines). The same
 * sagas (names and checkpoints) as the app's, so the app's saga engine resumes where the seed stopped.
 *
 * The demo's billing year is charged by an embedded sandbox gateway on the seed's clock, whatever
 * gateway the app is configured with: demo data never charges a real card, and the sandbox's
 * test cards decline and recover as the demo needs.
 */
import { Logger } from '../config/logger';
import { CommandHandler } from '../commands/handler';
import { DocumentStore } from '../document-store/port';
import { EventStore, Position } from '../event-store/port';
import { DocumentOutbox } from '../notifications/outbox-store';
import { AllSagasDependencies, allSagas } from '../sagas/all';
import { Deadlines } from '../sagas/deadlines';
import { SagaEngine } from '../sagas/engine';
import { SandboxGateway } from '../payments/sandbox';
import { SeedSystem } from './demo';

export interface SeedSystemDependencies extends Omit<AllSagasDependencies, 'payments'> {
  /** The dunning schedule of the demo's billing (DUNNING_RETRY_DAYS). */
  dunningRetryDays: readonly number[];
  events: EventStore;
  documents: DocumentStore;
  commands: CommandHandler;
  outbox: DocumentOutbox;
  /** The projection engine, already started (the app's, or one the caller started). */
  projections: { waitFor(position: Position, options: { timeoutMs?: number }): Promise<boolean> };
  logger: Logger;
}

export interface RunningSeedSystem extends SeedSystem {
  /** Stops the seed's saga engine (not the projection engine it was given). */
  stop(): Promise<void>;
}

export async function startSeedSystem(deps: SeedSystemDependencies): Promise<RunningSeedSystem> {
  const { events, documents, commands, outbox, projections, logger } = deps;
  await outbox.ensureIndexes();
  const clock = { now: new Date() };
  const cards = new SandboxGateway(documents, () => clock.now);
  const sagas = new SagaEngine(allSagas({ ...deps, payments: { gateway: cards, retryDays: deps.dunningRetryDays } }), { events, documents, commands, deadlines: new Deadlines(documents), clock: () => clock.now, logger });
  sagas.start({ manualDeadlines: true });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      const head = await events.headPosition();
      await projections.waitFor(head, { timeoutMs: 60_000 });
      await sagas.waitFor(head, 60_000);
      if ((await events.headPosition()) === head) return;
    }
  };
  return {
    commands,
    events,
    clock,
    cards,
    settle,
    fireDueDeadlines: () => sagas.fireDueDeadlines(),
    stop: () => sagas.stop(),
  };
}
