/**
 * The price list of the support plan tiers: what a customer pays per month for a plan bought
 * now. One stream holds it; only an admin sets a price. A price applies to plans bought from the
 * moment it takes effect; a plan already bought keeps the price it was bought at (its
 * `monthlyPriceCents` is recorded in SupportPlanPurchased), so changing the list never touches an
 * existing plan or its invoices.
 *
 * A price may take effect later (`effectiveFrom`, never in the past): the list then holds both,
 * and a purchase pays the one in effect when it is made. Before any price was set a tier costs its
 * launch price.
 */
import { Actor, Command, Decider, DomainError, DomainEvent } from '../decider';
import type { PlanTier } from '../customer/customer';
import { isInstant, ms } from '../shared/time';

export type { PlanTier } from '../customer/customer';

/** Cheapest first. */
export const PLAN_TIERS: readonly PlanTier[] = ['basic', 'standard', 'premium'];

/** Monthly prices in cents (USD) the tiers were launched at: the list before any price was set. */
export const LAUNCH_PLAN_PRICES_CENTS: Readonly<Record<PlanTier, number>> = { basic: 999, standard: 1999, premium: 3999 };

/** A plan costing more than this per month is a typo, not a price. */
export const MAX_MONTHLY_PRICE_CENTS = 1_000_000;

/** The single price list's id (its stream is `pricelist-support-plans`). */
export const SUPPORT_PLAN_PRICE_LIST = 'support-plans';

// ---- events -------------------------------------------------------------------------------

export type PlanPriceEvent = DomainEvent<
  'PlanPriceSet',
  {
    tier: PlanTier;
    monthlyPriceCents: number;
    /** The price in effect for the tier just before this one takes effect. */
    previousCents: number;
    /** The user id of the admin who set it. */
    setBy: string;
    setAt: string;
    /** When purchases start paying it: `setAt` unless scheduled later. */
    effectiveFrom: string;
  }
>;

// ---- commands -----------------------------------------------------------------------------

export type PlanPriceCommand = Command<'setPlanPrice', { tier: PlanTier; monthlyPriceCents: number; effectiveFrom?: string }>;

// ---- state --------------------------------------------------------------------------------

/** One price of a tier and when it takes effect. */
export interface ScheduledPrice {
  monthlyPriceCents: number;
  effectiveFrom: string;
  setBy: string;
  setAt: string;
}

/** Per tier, the prices set so far, by `effectiveFrom` (one per instant: a later setting replaces). */
export type PlanPriceListState = Record<PlanTier, ScheduledPrice[]>;

// ---- decider ------------------------------------------------------------------------------

export const planPriceListDecider: Decider<PlanPriceListState, PlanPriceCommand, PlanPriceEvent> = {
  initialState: () => ({ basic: [], standard: [], premium: [] }),

  evolve(state, event) {
    const { tier, monthlyPriceCents, effectiveFrom, setBy, setAt } = event.data;
    return { ...state, [tier]: schedule(state[tier] ?? [], { monthlyPriceCents, effectiveFrom, setBy, setAt }) };
  },

  decide(command, state) {
    const { actor, now } = command.metadata;
    assertAdmin(actor);
    const { tier, monthlyPriceCents } = command.data;
    if (!PLAN_TIERS.includes(tier)) throw new DomainError('unknown-plan-tier', `there is no plan tier ${String(tier)}: pick one of ${PLAN_TIERS.join(', ')}`);
    if (!Number.isSafeInteger(monthlyPriceCents) || monthlyPriceCents <= 0) {
      throw new DomainError('invalid-price', 'a monthly price is a positive whole number of cents');
    }
    if (monthlyPriceCents > MAX_MONTHLY_PRICE_CENTS) {
      throw new DomainError('invalid-price', `a monthly price is at most ${MAX_MONTHLY_PRICE_CENTS} cents`, { maxCents: MAX_MONTHLY_PRICE_CENTS });
    }
    const setAt = now.toISOString();
    const effectiveFrom = command.data.effectiveFrom === undefined ? setAt : command.data.effectiveFrom;
    if (!isInstant(effectiveFrom)) throw new DomainError('invalid-effective-from', 'effectiveFrom must be an ISO-8601 instant');
    // Plans bought earlier keep their price: a price never reaches back.
    if (ms(effectiveFrom) < now.getTime()) throw new DomainError('effective-from-in-past', 'a price takes effect now or later, never in the past');
    const from = new Date(ms(effectiveFrom)).toISOString();
    const previousCents = priceAt(state, tier, from);
    if (previousCents === monthlyPriceCents) return [];
    return [{ type: 'PlanPriceSet', data: { tier, monthlyPriceCents, previousCents, setBy: actor.userId, setAt, effectiveFrom: from } }];
  },
};

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new DomainError('forbidden', `a ${actor.role} may not set plan prices: only an admin does`);
}

/** The tier's prices with `price` added, by effectiveFrom; one set for the same instant replaces it. */
export function schedule(prices: readonly ScheduledPrice[], price: ScheduledPrice): ScheduledPrice[] {
  return [...prices.filter((p) => ms(p.effectiveFrom) !== ms(price.effectiveFrom)), price].sort((a, b) => ms(a.effectiveFrom) - ms(b.effectiveFrom));
}

/** The price in effect for `tier` at `at`: the latest one set to take effect by then, else the launch price. */
export function priceAt(list: Partial<PlanPriceListState>, tier: PlanTier, at: string): number {
  return priceEntryAt(list[tier] ?? [], at)?.monthlyPriceCents ?? LAUNCH_PLAN_PRICES_CENTS[tier];
}

/** The latest of `prices` in effect at `at`, or null (the launch price applies). */
export function priceEntryAt(prices: readonly ScheduledPrice[], at: string): ScheduledPrice | null {
  let found: ScheduledPrice | null = null;
  for (const p of prices) if (ms(p.effectiveFrom) <= ms(at)) found = p;
  return found;
}

/** The next price set to take effect after `at`, if any. */
export function nextPriceAfter(prices: readonly ScheduledPrice[], at: string): ScheduledPrice | null {
  return prices.find((p) => ms(p.effectiveFrom) > ms(at)) ?? null;
}
