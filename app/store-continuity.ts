/**
 * Whether every read model's and saga's checkpoint fits the event store: what
 * `npm run replay -- --check` prints and what `npm run restore` runs after putting files back.
 */
import { DocumentStore } from '../document-store/port';
import { Divergence, lastSharedPosition, StoreContinuity } from '../event-store/continuity';
import { EventStore, Position } from '../event-store/port';
import { Projection } from '../projections/projection';
import { READ_MODEL_DIVERGENCE_REMEDY } from '../projections/runner';
import { servingStatus } from '../projections/status';
import { SAGA_CHECKPOINTS, SagaCheckpoint, sagaDivergenceRemedy } from '../sagas/runner';

export interface CheckpointFit {
  name: string;
  position: Position;
  divergence?: Divergence;
}

export interface ContinuityReport {
  storeId: string;
  head: Position;
  readModels: CheckpointFit[];
  sagas: CheckpointFit[];
}

export async function checkContinuity(
  events: EventStore,
  documents: DocumentStore,
  projections: readonly Projection[],
  sagaNames: readonly string[],
): Promise<ContinuityReport> {
  const [storeId, head, serving] = await Promise.all([events.storeId(), events.headPosition(), servingStatus(events, documents, projections, { checkContinuity: true })]);
  const readModels = serving.map(({ name, position, divergence }) => ({ name, position, ...(divergence ? { divergence } : {}) }));
  const continuity = new StoreContinuity(events);
  const checkpoints = documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS);
  const sagas: CheckpointFit[] = [];
  for (const name of sagaNames) {
    const saved = await checkpoints.findOne({ _id: name });
    const divergence = saved ? await continuity.check(saved) : undefined;
    if (!saved || !divergence) {
      sagas.push({ name, position: saved?.position ?? 0 });
      continue;
    }
    const lastShared = await lastSharedPosition(events, saved, divergence);
    sagas.push({ name, position: saved.position, divergence: { ...divergence, ...(lastShared !== undefined ? { lastShared } : {}) } });
  }
  return { storeId, head, readModels, sagas };
}

/** Where every diverged saga can safely resume: the earliest of their last shared positions, when all are known. */
export function sagaResumePosition(report: ContinuityReport): Position | undefined {
  const shared = report.sagas.filter((s) => s.divergence).map((s) => s.divergence!.lastShared);
  return shared.length > 0 && shared.every((p) => p !== undefined) ? Math.min(...(shared as Position[])) : undefined;
}

/** The report for people: one line per read model or saga that does not fit, and what to do. */
export function describeContinuity(report: ContinuityReport): string[] {
  const lines = [`event store ${report.storeId}: head at position ${report.head}`];
  const models = report.readModels.filter((r) => r.divergence);
  const sagas = report.sagas.filter((s) => s.divergence);
  for (const r of models) lines.push(`  read model ${r.name}: ${r.divergence!.detail}`);
  for (const s of sagas) {
    const shared = s.divergence!.lastShared;
    lines.push(`  saga ${s.name}: ${s.divergence!.detail}${shared !== undefined ? `; the last position the store shares with it: ${shared}` : ''}`);
  }
  if (models.length === 0 && sagas.length === 0) {
    lines.push(`  every read model (${report.readModels.length}) and saga (${report.sagas.length}) checkpoint fits the event store`);
  }
  if (models.length > 0) lines.push(`read models: ${READ_MODEL_DIVERGENCE_REMEDY}`);
  if (sagas.length > 0) lines.push(`sagas: ${sagaDivergenceRemedy(sagaResumePosition(report))}`);
  return lines;
}
