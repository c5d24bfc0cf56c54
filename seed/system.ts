/**
 * The in-process system the seed drives: the container's stores, commands and projection engine,
 * plus a saga engine of its own whose clock the generator controls (manual deadlines). The same
 * saga names and checkpoints as the app's, so the app's saga engine resumes where the seed stopped.
 */
import { Container } from 'inversify';
import { CommandHandler } from '../commands/handler';
import { Config } from '../config/config';
import { Logger } from '../config/logger';
import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { ReadModelExpertDirectory } from '../flows/expert-directory';
import { DocumentOutbox } from '../notifications/outbox-store';
import { SurveyTokens } from '../notifications/survey-tokens';
import { ProjectionEngine } from '../projections/engine';
import { ReadModels } from '../read-models/read-models';
import { Deadlines } from '../sagas/deadlines';
import { SagaEngine } from '../sagas/engine';
import { matchingSaga } from '../sagas/matching';
import { notificationsSaga } from '../sagas/notifications';
import { TOKENS } from '../app/tokens';
import { SeedSystem } from './demo';

export interface RunningSeedSystem extends SeedSystem {
  /** Stops the seed's saga engine (not the container's projection engine). */
  stop(): Promise<void>;
}

/** `engine` must already be started (the app's, or one the caller started). */
export async function seedSystemFrom(container: Container, engine: ProjectionEngine): Promise<RunningSeedSystem> {
  const config = container.get<Config>(TOKENS.Config);
  const logger = container.get<Logger>(TOKENS.Logger);
  const events = container.get<EventStore>(TOKENS.EventStore);
  const documents = container.get<DocumentStore>(TOKENS.DocumentStore);
  const commands = container.get<CommandHandler>(TOKENS.CommandHandler);
  const outbox = container.get<DocumentOutbox>(TOKENS.Outbox);
  await outbox.ensureIndexes();
  const clock = { now: new Date() };
  const sagas = new SagaEngine(
    [
      matchingSaga({ config, outbox, experts: new ReadModelExpertDirectory(container.get<ReadModels>(TOKENS.ReadModels)) }),
      notificationsSaga({ outbox, surveyTokens: container.get<SurveyTokens>(TOKENS.SurveyTokens), helpdeskEmail: config.HELPDESK_EMAIL, publicUrl: config.PUBLIC_URL, timeZone: config.SERVICE_TIME_ZONE }),
    ],
    { events, documents, commands, deadlines: new Deadlines(documents), clock: () => clock.now, logger },
  );
  sagas.start({ manualDeadlines: true });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      const head = await events.headPosition();
      await engine.waitFor(head, { timeoutMs: 60_000 });
      await sagas.waitFor(head, 60_000);
      if ((await events.headPosition()) === head) return;
    }
  };
  return {
    commands,
    events,
    clock,
    settle,
    fireDueDeadlines: () => sagas.fireDueDeadlines(),
    stop: () => sagas.stop(),
  };
}
