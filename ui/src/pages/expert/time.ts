/** Days and weeks as the expert's own clock shows them (schedule views). */
const DAY_MS = 24 * 3600_000;

/** Local midnight of the instant's day. */
export function startOfDay(at: Date): Date {
  return new Date(at.getFullYear(), at.getMonth(), at.getDate());
}

/** Local midnight of the Monday of the instant's week. */
export function startOfWeek(at: Date): Date {
  const day = startOfDay(at);
  return addDays(day, -((day.getDay() + 6) % 7));
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + days);
}

export function sameDay(a: Date, b: Date): boolean {
  return startOfDay(a).getTime() === startOfDay(b).getTime();
}

/** "Tuesday 3 March" */
export function dayTitle(day: Date): string {
  return day.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** "Tue 3 Mar" */
export function shortDay(day: Date): string {
  return day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** Whole days from one local midnight to another (DST-safe). */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((startOfDay(to).getTime() - startOfDay(from).getTime()) / DAY_MS);
}
