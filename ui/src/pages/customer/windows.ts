import dayjs from 'dayjs';

/** A time window as the form holds it: a day and two times of day, in the customer's own time zone. */
export interface WindowInput {
  key: string;
  day: string | null; // YYYY-MM-DD
  from: string; // HH:mm
  to: string;
}

let next = 0;
export function newWindow(day: string | null = dayjs().add(1, 'day').format('YYYY-MM-DD'), from = '09:00', to = '12:00'): WindowInput {
  return { key: `w${next++}`, day, from, to };
}

/** The window as the API takes it: ISO instants; an error text when it is not a usable window. */
export function toInstants(w: WindowInput, durationMinutes: number, now = new Date()): { start: string; end: string } | string {
  if (!w.day) return 'Pick a day';
  const start = dayjs(`${w.day}T${w.from}`);
  const end = dayjs(`${w.day}T${w.to}`);
  if (!start.isValid() || !end.isValid()) return 'Give both times';
  if (!end.isAfter(start)) return 'The end must be after the start';
  if (end.diff(start, 'minute') < durationMinutes) return `At least ${durationMinutes} minutes: the visit takes that long`;
  if (!end.isAfter(now)) return 'This window is already over';
  return { start: start.toDate().toISOString(), end: end.toDate().toISOString() };
}
