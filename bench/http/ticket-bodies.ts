/**
 * Bodies of POST /tickets as customers send them: a catalog model of the demo data, a problem, and
 * one visit with a window on a weekday in the coming weeks, inside the demo experts' hours.
 */
const MODELS = [
  { applianceModelId: 'mdl-washer-wtw5000', skills: ['plumbing', 'washer'], problem: 'leaks water during the spin cycle' },
  { applianceModelId: 'mdl-dryer-wed5000', skills: ['dryer', 'electrical'], problem: 'runs but does not heat' },
  { applianceModelId: 'mdl-dishwasher-shx78b75', skills: ['dishwasher', 'plumbing'], problem: 'water stays at the bottom' },
  { applianceModelId: 'mdl-refrigerator-fftr1835', skills: ['refrigeration'], problem: 'not cooling' },
  { applianceModelId: 'mdl-oven-so30te', skills: ['electrical', 'oven'], problem: 'does not reach temperature' },
  { applianceModelId: 'mdl-hvac-24acc6', skills: ['hvac', 'refrigeration'], problem: 'blows warm air' },
];
const PRIORITIES = ['normal', 'normal', 'low', 'high'] as const;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Every skill a ticket from `newTicketBody` may ask for (an expert with all of them sees every visit). */
export const TICKET_SKILLS = [...new Set(MODELS.flatMap((m) => m.skills))].sort();

/** Weekdays from tomorrow on (UTC midnights). */
function weekdaysAfter(now: number, count: number): number[] {
  const days: number[] = [];
  for (let day = Math.floor(now / DAY) * DAY + DAY; days.length < count; day += DAY) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day);
  }
  return days;
}

/** Weekdays a body's window may fall on. */
const SPREAD = 20;

/**
 * The n-th body: models, priorities, durations and days rotate, so consecutive tickets differ.
 * The window is 14:00–20:00 UTC, inside 08:00–18:00 New York time all year, on one of the
 * SPREAD weekdays after the first `skipWeekdays` from tomorrow.
 */
export function newTicketBody(n: number, now = Date.now(), skipWeekdays = 0): Record<string, unknown> {
  const model = MODELS[n % MODELS.length]!;
  const days = weekdaysAfter(now, skipWeekdays + SPREAD).slice(skipWeekdays);
  const day = days[(n * 7) % days.length]!;
  return {
    applianceModelId: model.applianceModelId,
    problem: `${model.problem} (#${n})`,
    priority: PRIORITIES[n % PRIORITIES.length],
    visits: [
      {
        skills: model.skills,
        expertsNeeded: 1,
        durationMinutes: [60, 90, 120][n % 3],
        windows: [{ start: new Date(day + 14 * HOUR).toISOString(), end: new Date(day + 20 * HOUR).toISOString() }],
      },
    ],
  };
}
