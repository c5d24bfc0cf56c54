import { ApplianceModelCommand, applianceModelDecider, ApplianceModelEvent, ApplianceModelState } from '../domain/catalog/appliance-model';
import { Aggregate } from './aggregate';

/** Stream `catalog-<modelId>`: one appliance model. */
export const applianceModels: Aggregate<ApplianceModelState, ApplianceModelCommand, ApplianceModelEvent> = {
  category: 'catalog',
  decider: applianceModelDecider,
  idOf: (command) => command.data.modelId,
};
