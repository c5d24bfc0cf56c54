import { Document } from '../../document-store/port';
import { PlanPriceEvent, PlanTier, schedule, ScheduledPrice } from '../../domain/catalog/plan-prices';
import { Projection } from '../projection';

/**
 * The `plan_prices` read model: one document per tier whose price was ever set, with every price
 * set for it by when it takes effect. Which one is in effect depends on the time of asking, so
 * readers pick it (read-models/plan-prices.ts); a tier without a document costs its launch price.
 */
export interface PlanPriceDoc extends Document {
  tier: PlanTier;
  prices: ScheduledPrice[];
  revision: number;
}

export const PLAN_PRICES = 'plan_prices';

export const planPricesProjection: Projection = {
  name: 'plan-prices',
  version: 1,
  eventTypes: ['PlanPriceSet'],
  collections: { [PLAN_PRICES]: [] },
  async handle(event, { collection }) {
    const docs = collection<PlanPriceDoc>(PLAN_PRICES);
    const { data } = event as unknown as PlanPriceEvent;
    const current = await docs.findOne({ _id: data.tier });
    const price: ScheduledPrice = { monthlyPriceCents: data.monthlyPriceCents, effectiveFrom: data.effectiveFrom, setBy: data.setBy, setAt: data.setAt };
    await docs.replaceOne({ _id: data.tier }, { _id: data.tier, tier: data.tier, prices: schedule(current?.prices ?? [], price), revision: event.revision }, { upsert: true });
  },
};
