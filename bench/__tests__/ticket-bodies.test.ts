import { newTicketBody } from '../http/ticket-bodies';

type Body = { visits: { windows: { start: string; end: string }[] }[] };
const windowOf = (body: Record<string, unknown>) => (body as unknown as Body).visits[0]!.windows[0]!;

describe("the bench's ticket bodies", () => {
  // A Wednesday.
  const now = Date.parse('2026-12-09T10:00:00.000Z');

  it('ask for 14:00–20:00 UTC on one of the 20 weekdays from tomorrow', () => {
    const days = new Set<string>();
    for (let n = 0; n < 100; n++) {
      const { start, end } = windowOf(newTicketBody(n, now));
      expect(start.slice(11)).toBe('14:00:00.000Z');
      expect(end).toBe(`${start.slice(0, 10)}T20:00:00.000Z`);
      expect([0, 6]).not.toContain(new Date(start).getUTCDay());
      days.add(start.slice(0, 10));
    }
    expect(days.size).toBe(20);
    expect([...days].sort()[0]).toBe('2026-12-10');
    expect([...days].sort()[19]).toBe('2027-01-06');
  });

  it('skip the first weekdays when asked: the same spread, that many weekdays later', () => {
    const days = [...new Set(Array.from({ length: 100 }, (_, n) => windowOf(newTicketBody(n, now, 5)).start.slice(0, 10)))].sort();
    // Thursday and Friday, then Monday to Wednesday are skipped.
    expect(days[0]).toBe('2026-12-17');
    expect(days).toHaveLength(20);
    expect(days[19]).toBe('2027-01-13');
  });
});
