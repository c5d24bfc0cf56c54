import { Actor } from '../../decider';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { LAUNCH_PLAN_PRICES_CENTS, nextPriceAfter, PlanPriceCommand, PlanPriceEvent, planPriceListDecider, priceAt } from '../plan-prices';

const admin: Actor = { userId: 'u-admin', role: 'admin' };
const setPrice = (data: PlanPriceCommand['data'], actor: Actor = admin) => command<PlanPriceCommand>('setPlanPrice', data, { actor });
const at = TEST_NOW.toISOString();
const later = '2026-04-01T00:00:00.000Z';
const set = (tier: 'basic' | 'standard' | 'premium', monthlyPriceCents: number, previousCents: number, effectiveFrom = at, setAt = at): PlanPriceEvent => ({
  type: 'PlanPriceSet',
  data: { tier, monthlyPriceCents, previousCents, setBy: 'u-admin', setAt, effectiveFrom },
});
const fold = (...events: PlanPriceEvent[]) => events.reduce(planPriceListDecider.evolve, planPriceListDecider.initialState());

describe('Plan price list', () => {
  const spec = specifyDecider(planPriceListDecider);

  describe('setPlanPrice', () => {
    it('sets a price from now, recording the launch price as the previous one', () =>
      spec.given().when(setPrice({ tier: 'premium', monthlyPriceCents: 3499 })).then(set('premium', 3499, LAUNCH_PLAN_PRICES_CENTS.premium)));
    it('records the price it replaces', () =>
      spec.given(set('premium', 3499, 3999)).when(setPrice({ tier: 'premium', monthlyPriceCents: 4299 })).then(set('premium', 4299, 3499)));
    it('setting the price in effect again is no events', () => {
      spec.given().when(setPrice({ tier: 'basic', monthlyPriceCents: LAUNCH_PLAN_PRICES_CENTS.basic })).thenNothingHappens();
      spec.given(set('basic', 1299, 999)).when(setPrice({ tier: 'basic', monthlyPriceCents: 1299 })).thenNothingHappens();
    });
    it('only an admin sets prices', () => {
      for (const role of ['helpdesk', 'manager', 'customer', 'expert', 'system'] as const) {
        spec.given().when(setPrice({ tier: 'basic', monthlyPriceCents: 1299 }, { userId: 'u-1', role })).thenFails('forbidden');
      }
    });
    it('a price is a positive whole number of cents, and not absurd', () => {
      for (const cents of [0, -100, 12.5, Number.NaN, 10_000_001]) spec.given().when(setPrice({ tier: 'basic', monthlyPriceCents: cents })).thenFails('invalid-price');
    });
    it('a tier must be known', () =>
      spec.given().when(setPrice({ tier: 'gold' as 'basic', monthlyPriceCents: 1299 })).thenFails('unknown-plan-tier'));
    it('schedules a price for later, previous being the one in effect then', () =>
      spec
        .given(set('standard', 2499, 1999))
        .when(setPrice({ tier: 'standard', monthlyPriceCents: 2999, effectiveFrom: later }))
        .then(set('standard', 2999, 2499, later)));
    it('never reaches back: a price cannot take effect in the past', () => {
      spec.given().when(setPrice({ tier: 'standard', monthlyPriceCents: 2999, effectiveFrom: '2026-03-01T00:00:00.000Z' })).thenFails('effective-from-in-past');
      spec.given().when(setPrice({ tier: 'standard', monthlyPriceCents: 2999, effectiveFrom: 'next week' })).thenFails('invalid-effective-from');
    });
  });

  describe('the price in effect', () => {
    it('is the launch price before any was set', () => {
      for (const tier of ['basic', 'standard', 'premium'] as const) expect(priceAt(fold(), tier, at)).toBe(LAUNCH_PLAN_PRICES_CENTS[tier]);
    });
    it('follows the prices set, each from when it takes effect', () => {
      const list = fold(set('premium', 3499, 3999), set('premium', 4299, 3499, later));
      expect(priceAt(list, 'premium', '2026-03-01T00:00:00.000Z')).toBe(3999);
      expect(priceAt(list, 'premium', at)).toBe(3499);
      expect(priceAt(list, 'premium', later)).toBe(4299);
      expect(priceAt(list, 'basic', later)).toBe(999);
      expect(nextPriceAfter(list.premium, at)?.monthlyPriceCents).toBe(4299);
      expect(nextPriceAfter(list.premium, later)).toBeNull();
    });
    it('a price set again for the same instant replaces the earlier one', () => {
      const list = fold(set('premium', 4299, 3999, later), set('premium', 4499, 3999, later));
      expect(list.premium.map((p) => p.monthlyPriceCents)).toEqual([4499]);
    });
  });
});
