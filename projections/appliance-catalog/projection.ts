import { Document } from '../../document-store/port';
import { ApplianceModelEvent } from '../../domain/catalog/appliance-model';
import { Projection } from '../projection';

/** The `catalog_models` read model: every appliance model with a retired flag and successor (the ticket form's list). */
export interface CatalogModelDoc extends Document {
  modelId: string;
  brand: string;
  model: string;
  category: string;
  requiredSkills: string[];
  aliases: string[];
  retired: boolean;
  /** The model that replaced a retired one, when recorded (a new ticket naming this one gets it). */
  successorId: string | null;
  addedAt: string;
  revision: number;
}

export const CATALOG_MODELS = 'catalog_models';

export const applianceCatalogProjection: Projection = {
  // The name is stored (checkpoints, builds): it stays 'catalog'.
  name: 'catalog',
  // 2: successorId.
  version: 2,
  eventTypes: ['ApplianceModelAdded', 'ApplianceModelUpdated', 'ApplianceModelRetired', 'ApplianceModelReinstated'],
  collections: {
    [CATALOG_MODELS]: [
      { keys: { retired: 1 }, name: 'by_retired' },
      { keys: { brand: 1, model: 1 }, name: 'by_brand_model' },
    ],
  },
  async handle(event, { collection }) {
    const models = collection<CatalogModelDoc>(CATALOG_MODELS);
    const e = event as unknown as ApplianceModelEvent;
    const id = e.data.modelId;
    if (e.type === 'ApplianceModelAdded') {
      const d = e.data;
      await models.replaceOne(
        { _id: id },
        { _id: id, modelId: id, brand: d.brand, model: d.model, category: d.category, requiredSkills: d.requiredSkills, aliases: d.aliases, retired: false, successorId: null, addedAt: d.addedAt, revision: event.revision },
        { upsert: true },
      );
      return;
    }
    const current = await models.findOne({ _id: id });
    if (!current) return;
    switch (e.type) {
      case 'ApplianceModelUpdated':
        await models.replaceOne({ _id: id }, { ...current, requiredSkills: e.data.requiredSkills, aliases: e.data.aliases, revision: event.revision });
        return;
      case 'ApplianceModelRetired':
        await models.replaceOne({ _id: id }, { ...current, retired: true, successorId: e.data.successorId ?? null, revision: event.revision });
        return;
      case 'ApplianceModelReinstated':
        await models.replaceOne({ _id: id }, { ...current, retired: false, successorId: null, revision: event.revision });
        return;
    }
  },
};
