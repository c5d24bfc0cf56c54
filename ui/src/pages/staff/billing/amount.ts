/**
 * An amount typed in dollars and cents, as the API takes it: whole cents. "12.50", "12.5" and
 * "$1,012.50" read as 1250 and 101250 cents. More than two decimals gives a fraction of a cent,
 * which is sent as it is so that the API refuses it in its own words; null when what was typed is
 * no amount at all.
 */
export function centsOf(typed: string): number | null {
  const match = /^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?$/.exec(typed.trim());
  if (!match || (match[1] === undefined && match[2] === undefined)) return null;
  const whole = Number((match[1] ?? '0').replace(/,/g, ''));
  const decimals = match[2] ?? '';
  // Digit by digit, not dollars × 100: 0.29 × 100 is 28.999999999999996 in floating point.
  const cents = Number(decimals.slice(0, 2).padEnd(2, '0'));
  const beyond = decimals.length > 2 ? Number(`0.${decimals.slice(2)}`) : 0;
  return whole * 100 + cents + beyond;
}
