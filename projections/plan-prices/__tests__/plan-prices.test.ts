import { PlanPriceEvent } from '../../../domain/catalog/plan-prices';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { PLAN_PRICES, planPricesProjection } from '../projection';

const spec = specifyProjection(planPricesProjection);
const stream = 'pricelist-support-plans';
const now = '2026-03-02T09:00:00.000Z';
const later = '2026-04-01T00:00:00.000Z';
const set = (tier: 'basic' | 'premium', monthlyPriceCents: number, previousCents: number, effectiveFrom = now): PlanPriceEvent => ({
  type: 'PlanPriceSet',
  data: { tier, monthlyPriceCents, previousCents, setBy: 'u-admin', setAt: now, effectiveFrom },
});
const price = (monthlyPriceCents: number, effectiveFrom = now) => ({ monthlyPriceCents, effectiveFrom, setBy: 'u-admin', setAt: now });

describe('plan prices read model', () => {
  it('holds a document per tier whose price was set', () =>
    spec
      .given()
      .when(...inStream(stream, [set('premium', 3499, 3999), set('basic', 1299, 999)]))
      .then({
        [PLAN_PRICES]: [
          { _id: 'basic', tier: 'basic', prices: [price(1299)], revision: 1 },
          { _id: 'premium', tier: 'premium', prices: [price(3499)], revision: 0 },
        ],
      }));

  it('keeps the prices by when they take effect, a later setting for the same instant replacing', () =>
    spec
      .given(...inStream(stream, [set('premium', 4299, 3999, later)]))
      .when(...inStream(stream, [set('premium', 3499, 3999), set('premium', 4499, 3499, later)]))
      .then({ [PLAN_PRICES]: [{ _id: 'premium', tier: 'premium', prices: [price(3499), price(4499, later)], revision: 2 }] }));
});
