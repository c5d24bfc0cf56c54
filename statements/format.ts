/**
 * How amounts and dates read on the printed documents: US English, whatever the server's locale,
 * so that the same invoice always renders to the same bytes. Amounts are formatted from integer
 * cents without floating point.
 */

/** 123456 → '$1,234.56'; -500 → '-$5.00'. */
export function formatMoney(cents: number, currency = 'USD'): string {
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  return `${cents < 0 ? '-' : ''}${symbol}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** '2026-03' → 'March 2026'. */
export function formatMonth(month: string): string {
  const [year, m] = month.split('-');
  return `${MONTHS[Number(m) - 1]} ${year}`;
}

/** An instant as a day in UTC, the time zone of billing periods: 'Mar 2, 2026'. */
export function formatDay(iso: string): string {
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]!.slice(0, 3)} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

/** 'range-hood' → 'Range hood'. */
export function productLabel(product: string): string {
  const words = product.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function tierLabel(tier: string): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}
