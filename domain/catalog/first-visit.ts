/**
 * The visit a new ticket starts with, proposed from its appliance's kind: the skills a repair of
 * that kind needs (every skill its catalog models list), one expert, and the time a first visit
 * of that kind usually takes. Customers do not plan visits; helpdesk can change the plan.
 */
export interface FirstVisit {
  skills: string[];
  expertsNeeded: number;
  durationMinutes: number;
}

/** Minutes a first visit usually takes, by category; others take DEFAULT_MINUTES. */
const USUAL_MINUTES: Readonly<Record<string, number>> = {
  hvac: 120,
  furnace: 120,
  'water-heater': 120,
  refrigerator: 90,
  microwave: 60,
  television: 60,
};
const DEFAULT_MINUTES = 90;

export interface CategoryModel {
  category: string;
  requiredSkills: readonly string[];
}

/** Per category of the listed models: its first visit, categories in name order. */
export function firstVisits(models: readonly CategoryModel[]): { category: string; firstVisit: FirstVisit }[] {
  const skills = new Map<string, Set<string>>();
  for (const m of models) {
    const set = skills.get(m.category) ?? new Set<string>();
    for (const s of m.requiredSkills) set.add(s);
    skills.set(m.category, set);
  }
  return [...skills.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, set]) => ({ category, firstVisit: { skills: [...set].sort(), expertsNeeded: 1, durationMinutes: USUAL_MINUTES[category] ?? DEFAULT_MINUTES } }));
}
