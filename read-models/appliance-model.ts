/**
 * The appliance model a new ticket is recorded with, from the catalog read model: a listed model
 * as given, a retired one as its listed successor when the catalog records one; an unknown model
 * or a retired one without a successor is refused, pointing to free text (`applianceModelText`).
 */
import { CatalogStatus, MAX_SUCCESSORS, modelForNewTicket } from '../domain/catalog/appliance-model';
import { DomainError } from '../domain/decider';
import { CATALOG_MODELS, CatalogModelDoc } from '../projections/appliance-catalog/projection';
import { ReadModelSource } from './read-models';

export interface TicketModel {
  /** The model the ticket records. */
  modelId: string;
  /** The retired model the caller named, when the ticket records its successor instead. */
  retiredModelId: string | null;
}

export async function modelForTicket(readModels: ReadModelSource, modelId: string): Promise<TicketModel> {
  const models = await readModels.collection<CatalogModelDoc>(CATALOG_MODELS);
  const entries = new Map<string, CatalogStatus & { name: string }>();
  let next: string | null = modelId;
  while (next !== null && !entries.has(next) && entries.size <= MAX_SUCCESSORS) {
    const doc: CatalogModelDoc | null = await models.findOne({ _id: next });
    if (!doc) break;
    entries.set(doc.modelId, { modelId: doc.modelId, retired: doc.retired, successorId: doc.successorId ?? null, name: `${doc.brand} ${doc.model}` });
    next = doc.retired ? (doc.successorId ?? null) : null;
  }
  const found = modelForNewTicket(entries, modelId);
  const freeText = { applianceModelId: modelId, use: 'applianceModelText' };
  switch (found.outcome) {
    case 'listed':
      return { modelId, retiredModelId: null };
    case 'succeeded':
      return { modelId: found.modelId, retiredModelId: modelId };
    case 'unknown':
      throw new DomainError(
        'unknown-appliance-model',
        `the catalog has no appliance model ${modelId}: pick one from GET /catalog/models, or describe the appliance in applianceModelText instead`,
        freeText,
      );
    case 'retired':
      throw new DomainError(
        'appliance-model-retired',
        `${entries.get(modelId)?.name ?? modelId} (${modelId}) is retired and can no longer be picked: pick a listed model, or describe the appliance in applianceModelText instead`,
        freeText,
      );
  }
}
