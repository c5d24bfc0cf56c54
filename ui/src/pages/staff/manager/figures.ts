/** How the dashboards write their figures. */

/** A rate (0 to 1) as a percentage, or a dash when there was nothing to divide. */
export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`;
}

/** A duration in minutes as people say it: 45 min, 2 h 5 min, 3 d 4 h. */
export function duration(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return '—';
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 24 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const hours = Math.floor((m % (24 * 60)) / 60);
  return `${Math.floor(m / (24 * 60))} d${hours ? ` ${hours} h` : ''}`;
}

/** A histogram bucket's bounds in words: "under 15 min", "1 h – 2 h", "7 d and more". */
export function bucketLabel(fromMinutes: number, toMinutes: number | null): string {
  if (toMinutes === null) return `${duration(fromMinutes)} and more`;
  if (fromMinutes === 0) return `under ${duration(toMinutes)}`;
  return `${duration(fromMinutes)} – ${duration(toMinutes)}`;
}

export function rating(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(2)} / 5`;
}

/** A rate as a number of percent for a chart axis (null stays a gap). */
export function percentPoints(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
}

/** Cents as a plain decimal amount, exact to the cent ('-12.05'): what the CSV files hold. */
export function decimal(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Cents as dollars for a chart axis (charts plot numbers; tables and CSV keep the cents exact). */
export function dollars(cents: number): number {
  return cents / 100;
}
