/** Start times an expert can pick for a visit: every half hour at which it fits inside one of the customer's windows. */
export function startsIn(windows: readonly { start: string; end: string }[], durationMinutes: number, now = Date.now(), stepMinutes = 30): string[] {
  const step = stepMinutes * 60_000;
  const length = durationMinutes * 60_000;
  const starts = new Set<string>();
  for (const w of windows) {
    const end = Date.parse(w.end);
    // From the window's start, or the next half hour from now when the window has begun.
    let at = Math.max(Date.parse(w.start), Math.ceil(now / step) * step);
    for (; at + length <= end; at += step) starts.add(new Date(at).toISOString());
  }
  return [...starts].sort();
}
