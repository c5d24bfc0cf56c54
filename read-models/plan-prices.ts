/**
 * The support plan price list as purchases and the catalog read it: per tier, the price in effect
 * at a moment (the launch price until an admin set one), who set it and when, and the next price
 * already set to take effect later.
 */
import { LAUNCH_PLAN_PRICES_CENTS, nextPriceAfter, PLAN_TIERS, PlanTier, priceEntryAt, ScheduledPrice } from '../domain/catalog/plan-prices';
import { PLAN_PRICES, PlanPriceDoc } from '../projections/plan-prices/projection';
import { ReadModelSource } from './read-models';

export interface TierPrice {
  tier: PlanTier;
  monthlyPriceCents: number;
  /** When the price in effect was set, and by whom; null for a launch price. */
  updatedAt: string | null;
  updatedBy: string | null;
  /** A price set to take effect later, if any. */
  next: ScheduledPrice | null;
}

/** Every tier's price in effect at `at`, cheapest tier first. */
export async function planPrices(readModels: ReadModelSource, at: Date): Promise<TierPrice[]> {
  const docs = await (await readModels.collection<PlanPriceDoc>(PLAN_PRICES)).find({});
  const byTier = new Map(docs.map((d) => [d.tier, d.prices]));
  return PLAN_TIERS.map((tier) => tierPrice(tier, byTier.get(tier) ?? [], at.toISOString()));
}

/** The monthly price in cents a plan of `tier` bought at `at` costs. */
export async function planPriceOf(readModels: ReadModelSource, tier: PlanTier, at: Date): Promise<number> {
  const doc = await (await readModels.collection<PlanPriceDoc>(PLAN_PRICES)).findOne({ _id: tier });
  return tierPrice(tier, doc?.prices ?? [], at.toISOString()).monthlyPriceCents;
}

function tierPrice(tier: PlanTier, prices: readonly ScheduledPrice[], at: string): TierPrice {
  const current = priceEntryAt(prices, at);
  return {
    tier,
    monthlyPriceCents: current?.monthlyPriceCents ?? LAUNCH_PLAN_PRICES_CENTS[tier],
    updatedAt: current?.setAt ?? null,
    updatedBy: current?.setBy ?? null,
    next: nextPriceAfter(prices, at),
  };
}
