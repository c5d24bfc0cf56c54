import { PlanPriceCommand, PlanPriceEvent, PlanPriceListState, planPriceListDecider, SUPPORT_PLAN_PRICE_LIST } from '../domain/catalog/plan-prices';
import { Aggregate } from './aggregate';

/** Stream `pricelist-support-plans`: the one price list of the support plan tiers. */
export const planPriceList: Aggregate<PlanPriceListState, PlanPriceCommand, PlanPriceEvent> = {
  category: 'pricelist',
  decider: planPriceListDecider,
  idOf: () => SUPPORT_PLAN_PRICE_LIST,
};
