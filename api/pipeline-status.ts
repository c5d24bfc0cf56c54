import { Position } from '../event-store/port';
import { OutboxBacklog } from '../notifications/outbox-store';
import { ProjectionStatus } from '../projections/engine';
import { servingStatus, ServingStatus } from '../projections/status';
import { Deadlines } from '../sagas/deadlines';
import { SagaLag, SagaMonitor } from '../sagas/status';
import { ApiServices } from './services';

export interface OutboxStatus extends OutboxBacklog {
  /** Saga deadlines whose time has come that have not fired yet. */
  deadlinesDue: number;
  /** How long the earliest of them has been due (0: none). */
  oldestDeadlineOverdueSeconds: number;
}

/** Everything /metrics reads in one scrape. */
export interface PipelineReading {
  head: Position;
  projections: ServingStatus[];
  sagas: SagaLag[];
  outbox: OutboxStatus;
}

/**
 * The work behind the API as the ops probes report it: read models, sagas and the outbox. From
 * the components this process runs where it runs them, from the stores otherwise (an API
 * replica runs neither projections nor sagas). One per app: the saga monitor keeps samples.
 */
export class PipelineStatus {
  private readonly sagaMonitor: SagaMonitor;
  private readonly deadlines: Deadlines;

  constructor(private readonly services: ApiServices) {
    this.sagaMonitor = new SagaMonitor(services.events, services.documents, services.sagaNames, services.sagas);
    this.deadlines = new Deadlines(services.documents);
  }

  /** The build serving readers, per read model, from the stores: the same in every process. */
  servingProjections(): Promise<ServingStatus[]> {
    return servingStatus(this.services.events, this.services.documents, this.services.projections, { checkContinuity: true });
  }

  /** The projector's own view where this process runs it (it shows background rebuilds too). */
  projections(): Promise<ProjectionStatus[] | ServingStatus[]> {
    return this.services.engine ? this.services.engine.status() : this.servingProjections();
  }

  sagas(): Promise<SagaLag[]> {
    return this.sagaMonitor.status();
  }

  async outbox(): Promise<OutboxStatus> {
    // The clock the dispatcher and the deadline timer go by.
    const now = this.services.clock();
    const [backlog, overdue] = await Promise.all([this.services.outbox.backlog(now), this.deadlines.overdue(now)]);
    const overdueSeconds = overdue.earliestDueAt ? Math.max(0, (now.getTime() - overdue.earliestDueAt.getTime()) / 1000) : 0;
    return { ...backlog, deadlinesDue: overdue.due, oldestDeadlineOverdueSeconds: overdueSeconds };
  }

  async reading(): Promise<PipelineReading> {
    const [head, projections, sagas, outbox] = await Promise.all([this.services.events.headPosition(), this.servingProjections(), this.sagas(), this.outbox()]);
    return { head, projections, sagas, outbox };
  }
}
