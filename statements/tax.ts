/**
 * Tax on the documents. Prices are tax-inclusive: a plan's price is what the customer pays, and
 * when a tax rate is configured (TAX_RATE_PERCENT) the documents show how much of each total is
 * tax. This is the one place that tax is computed and rounded.
 */

/** A tax rate in hundredths of a percent (8.25 % is 825), so the arithmetic stays in integers. */
export interface TaxRate {
  basisPoints: number;
}

/** A rate of at most two decimals, as configured ('8.25' → 825 basis points). */
export function taxRateOf(percent: number): TaxRate {
  const basisPoints = Math.round(percent * 100);
  if (!Number.isSafeInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) throw new RangeError(`a tax rate is 0 to 100 percent, not ${percent}`);
  return { basisPoints };
}

/** The rate as printed: 825 → '8.25%', 2000 → '20%'. */
export function taxRateLabel(rate: TaxRate): string {
  const whole = Math.floor(rate.basisPoints / 100);
  const fraction = rate.basisPoints % 100;
  return fraction === 0 ? `${whole}%` : `${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}%`;
}

/**
 * The tax contained in a tax-inclusive amount: amount × rate / (100 % + rate), rounded half away
 * from zero to the cent. Integer arithmetic only: floor((2·|a|·r + d) / 2d) with d = 10,000 + r
 * is |a|·r/d rounded half up.
 */
export function taxIncluded(amountCents: number, rate: TaxRate): number {
  const divisor = 10_000 + rate.basisPoints;
  const cents = Math.floor((2 * Math.abs(amountCents) * rate.basisPoints + divisor) / (2 * divisor));
  return amountCents < 0 ? -cents : cents;
}
