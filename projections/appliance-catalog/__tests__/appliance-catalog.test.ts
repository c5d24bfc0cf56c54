import { ApplianceModelEvent } from '../../../domain/catalog/appliance-model';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { CATALOG_MODELS, applianceCatalogProjection } from '../projection';

const spec = specifyProjection(applianceCatalogProjection);
const at = '2026-03-01T10:00:00.000Z';
const added = (modelId: string, model: string): ApplianceModelEvent => ({
  type: 'ApplianceModelAdded',
  data: { modelId, brand: 'Bosch', model, category: 'washer', requiredSkills: ['washer'], aliases: [], addedAt: at },
});
const model = (modelId: string, name: string) => ({
  _id: modelId,
  modelId,
  brand: 'Bosch',
  model: name,
  category: 'washer',
  requiredSkills: ['washer'],
  aliases: [],
  retired: false,
  successorId: null,
  addedAt: at,
  revision: 0,
});

describe('catalog read model', () => {
  it('lists every model added, not retired', () =>
    spec
      .given()
      .when(...inStream('catalog-m1', [added('m1', 'Serie 4')]), ...inStream('catalog-m2', [added('m2', 'Serie 6')]))
      .then({ [CATALOG_MODELS]: [model('m1', 'Serie 4'), model('m2', 'Serie 6')] }));

  it('follows updates, retirement with a successor, and reinstatement', () =>
    spec
      .given(...inStream('catalog-m1', [added('m1', 'Serie 4')]))
      .when(
        ...inStream<ApplianceModelEvent>('catalog-m1', [
          { type: 'ApplianceModelUpdated', data: { modelId: 'm1', requiredSkills: ['washer', 'electrical'], aliases: ['WAN28'] } },
          { type: 'ApplianceModelRetired', data: { modelId: 'm1', retiredAt: at, successorId: 'm2' } },
        ]),
      )
      .then({ [CATALOG_MODELS]: [{ ...model('m1', 'Serie 4'), requiredSkills: ['washer', 'electrical'], aliases: ['WAN28'], retired: true, successorId: 'm2', revision: 2 }] }));

  it('reads a retirement recorded before successors existed as without one; reinstating clears it', async () => {
    const retired = inStream<ApplianceModelEvent>('catalog-m1', [added('m1', 'Serie 4'), { type: 'ApplianceModelRetired', data: { modelId: 'm1', retiredAt: at } }]);
    await spec.given().when(...retired).then({ [CATALOG_MODELS]: [{ ...model('m1', 'Serie 4'), retired: true, successorId: null, revision: 1 }] });
    await spec
      .given(...inStream<ApplianceModelEvent>('catalog-m1', [added('m1', 'Serie 4'), { type: 'ApplianceModelRetired', data: { modelId: 'm1', retiredAt: at, successorId: 'm2' } }]))
      .when(...inStream<ApplianceModelEvent>('catalog-m1', [{ type: 'ApplianceModelReinstated', data: { modelId: 'm1', reinstatedAt: at } }]))
      .then({ [CATALOG_MODELS]: [{ ...model('m1', 'Serie 4'), revision: 2 }] });
  });
});
