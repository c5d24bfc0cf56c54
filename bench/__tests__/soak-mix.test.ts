import { proposedStarts } from '../soak/mix';

describe("the soak's experts propose as real experts would", () => {
  const visit = { durationMinutes: 60, windows: [{ start: '2026-12-10T12:00:00.000Z', end: '2026-12-11T04:00:00.000Z' }] };
  const now = Date.parse('2026-12-09T00:00:00.000Z');

  it('whole hours inside the windows, at most three', () => {
    expect(proposedStarts(visit, now)).toEqual(['2026-12-10T12:00:00.000Z', '2026-12-10T13:00:00.000Z', '2026-12-10T14:00:00.000Z']);
  });

  it("only inside the expert's weekly hours, in their time zone", () => {
    // Thursday 08:00–18:00 in New York is 13:00–23:00 UTC in December.
    const weekdays = { timeZone: 'America/New_York', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) };
    expect(proposedStarts(visit, now, weekdays)).toEqual(['2026-12-10T13:00:00.000Z', '2026-12-10T14:00:00.000Z', '2026-12-10T15:00:00.000Z']);
    const lateStarts = proposedStarts({ ...visit, windows: [{ start: '2026-12-10T22:00:00.000Z', end: '2026-12-11T04:00:00.000Z' }] }, now, weekdays);
    expect(lateStarts).toEqual(['2026-12-10T22:00:00.000Z']);
  });

  it('none when the windows fall outside their hours', () => {
    const mornings = { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map(() => [{ from: '06:00', to: '09:00' }]) };
    expect(proposedStarts(visit, now, mornings)).toEqual([]);
  });
});
