/** The demo's fixed content: the appliance catalog, names, streets and the problems tickets describe. */

export const CATEGORIES: { category: string; skills: string[][]; brands: string[]; models: string[] }[] = [
  { category: 'washer', skills: [['washer', 'plumbing']], brands: ['Whirlpool', 'LG', 'Samsung', 'Maytag'], models: ['WTW5000', 'WM3400CW', 'WF45T6000', 'MVW6230'] },
  { category: 'dryer', skills: [['dryer', 'electrical'], ['dryer', 'gas']], brands: ['Whirlpool', 'LG', 'Samsung'], models: ['WED5000', 'DLE3400W', 'DVG45T6000'] },
  { category: 'dishwasher', skills: [['dishwasher', 'plumbing']], brands: ['Bosch', 'KitchenAid', 'GE', 'Miele'], models: ['SHX78B75', 'KDTM404K', 'GDT665SSN', 'G7156'] },
  { category: 'refrigerator', skills: [['refrigeration'], ['refrigeration', 'electrical']], brands: ['Frigidaire', 'GE', 'Samsung', 'LG', 'Sub-Zero'], models: ['FFTR1835', 'GTE18GMN', 'RF28R7351', 'LRMVS3006', 'BI-36U'] },
  { category: 'oven', skills: [['oven', 'electrical'], ['oven', 'gas']], brands: ['Wolf', 'GE', 'Frigidaire', 'Bosch'], models: ['SO30TE', 'JB645RK', 'FCRG3052', 'HBL8453'] },
  { category: 'hvac', skills: [['hvac', 'refrigeration'], ['hvac', 'electrical']], brands: ['Carrier', 'Trane', 'Lennox', 'Daikin'], models: ['24ACC6', 'XR14', 'ML14XC1', 'DX16SA'] },
  { category: 'water-heater', skills: [['water heater', 'plumbing'], ['water heater', 'gas']], brands: ['Rheem', 'A.O. Smith', 'Bradford White'], models: ['XE50T10', 'GCR-50', 'RE250T6'] },
  { category: 'microwave', skills: [['microwave', 'electrical']], brands: ['Panasonic', 'Sharp'], models: ['NN-SN966S', 'SMD2470AS'] },
];

export interface Model {
  modelId: string;
  brand: string;
  model: string;
  category: string;
  requiredSkills: string[];
}

export function buildCatalog(): Model[] {
  const out: Model[] = [];
  for (const c of CATEGORIES) {
    c.models.forEach((model, i) => {
      const brand = c.brands[i % c.brands.length]!;
      out.push({ modelId: `mdl-${c.category}-${model.toLowerCase().replace(/[^a-z0-9]+/g, '')}`, brand, model, category: c.category, requiredSkills: c.skills[i % c.skills.length]! });
    });
  }
  return out;
}

export const SKILL_POOL = [...new Set(CATEGORIES.flatMap((c) => c.skills.flat()))];
export const FIRST = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Riley', 'Casey', 'Jamie', 'Avery', 'Quinn', 'Drew', 'Robin', 'Maria', 'Wei', 'Priya', 'Omar', 'Lena', 'Diego', 'Hana', 'Noah'];
export const LAST = ['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Patel', 'Kim', 'Brown', 'Lopez', 'Murphy', 'Rossi', 'Cohen', 'Okafor', 'Silva', 'Walsh', 'Dubois', 'Novak'];
export const STREETS = ['Main St', 'State St', 'Maple Ave', 'Oak St', 'Sumner Ave', 'Dickinson St', 'Boston Rd', 'Allen St', 'Carew St', 'Liberty St', 'Wilbraham Rd', 'Page Blvd'];
export const PROBLEMS: Record<string, string[]> = {
  washer: ['leaks water during the spin cycle', 'does not drain', 'drum does not turn', 'shows error code E21'],
  dryer: ['runs but does not heat', 'makes a loud squeaking noise', 'stops after a few minutes'],
  dishwasher: ['dishes come out dirty', 'water stays at the bottom', 'leaks from the door'],
  refrigerator: ['not cooling', 'ice maker stopped working', 'freezer builds up frost', 'compressor clicks constantly'],
  oven: ['does not reach temperature', 'igniter clicks but no flame', 'display is dead'],
  hvac: ['blows warm air', 'short cycles', 'thermostat not responding', 'outdoor unit is noisy'],
  'water-heater': ['no hot water', 'pilot light keeps going out', 'leaks at the bottom'],
  microwave: ['does not heat', 'turntable does not spin', 'sparks inside'],
};
