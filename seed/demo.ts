/**
 * Demo data, written THROUGH THE COMMANDS (never as documents): an appliance catalog, experts
 * around Springfield, customers with plans, payment tokens and paid-until dates, one login per
 * role, tickets in every state, driven through the real sagas (matching finalizes the
 * proposals, match-timeouts escalate) with a clock the generator controls, and knowledge-base
 * articles the experts wrote from completed tickets, rated by their colleagues.
 *
 * Deterministic: a seeded PRNG and ids/command ids derived from it, so running it twice writes
 * nothing new (commands are idempotent by command id; existing tickets are skipped).
 */
import { send } from '../commands/aggregate';
import { articles } from '../commands/article';
import { applianceModels } from '../commands/appliance-model';
import { customers } from '../commands/customer';
import { experts } from '../commands/expert';
import { CommandHandler } from '../commands/handler';
import { tickets } from '../commands/ticket';
import { userAccounts } from '../commands/user-account';
import { visits } from '../commands/visit';
import { Actor, CommandMetadata } from '../domain/decider';
import { hasAllSkills } from '../domain/expert/skills';
import { PlanTier } from '../domain/customer/customer';
import { Priority } from '../domain/ticket/ticket';
import { UserRole } from '../domain/user-account/user-account';
import { EventStore } from '../event-store/port';
import { StreamCategory, streamName } from '../event-store/streams';
import { hashPassword } from '../api/auth/passwords';

export interface SeedSize {
  customers: number;
  experts: number;
  tickets: number;
}
export const DEFAULT_SIZE: SeedSize = { customers: 500, experts: 50, tickets: 3000 };

/** Demo logins, one per role (printed by `npm run seed`). */
export const DEMO_LOGINS: Record<UserRole, { email: string; password: string }> = {
  customer: { email: 'customer@demo.sysops.local', password: 'demo-customer-pass' },
  expert: { email: 'expert@demo.sysops.local', password: 'demo-expert-pass' },
  helpdesk: { email: 'helpdesk@demo.sysops.local', password: 'demo-helpdesk-pass' },
  admin: { email: 'admin@demo.sysops.local', password: 'demo-admin-pass' },
  manager: { email: 'manager@demo.sysops.local', password: 'demo-manager-pass' },
};

export interface SeedSystem {
  commands: CommandHandler;
  events: EventStore;
  /** Waits until projections and sagas have handled everything written so far. */
  settle(): Promise<void>;
  /** The clock the sagas read; the generator moves it. */
  clock: { now: Date };
  /** Fires the saga deadlines due at `clock.now`. */
  fireDueDeadlines(): Promise<number>;
}

export interface SeedOptions extends Partial<SeedSize> {
  seed?: number;
  /** "Now" of the demo (defaults to the current time); history is placed before it. */
  now?: Date;
  onProgress?(phase: string, done: number, total: number): void;
  /** Asked between steps: true ends the seed with `SeedInterrupted` (run it again with `resume`). */
  shouldStop?(): boolean;
  /**
   * Finish an interrupted seed: walk every ticket through every step again instead of skipping
   * the tickets that exist (each command's id is deterministic, so what was done is not redone).
   */
  resume?: boolean;
}

export class SeedInterrupted extends Error {
  constructor() {
    super('demo seed interrupted; run it again to finish (it is idempotent)');
  }
}

export type TicketPlan = 'completed' | 'matched' | 'en-route' | 'started' | 'escalated' | 'open' | 'on-hold' | 'cancelled';

export interface SeedSummary {
  size: SeedSize;
  catalogModels: number;
  tickets: Record<TicketPlan, number>;
  /** Knowledge-base articles written by this run. */
  articles: number;
  skippedTickets: number;
  failures: number;
  failureSamples: string[];
  logins: typeof DEMO_LOGINS;
}

// ---- deterministic random -------------------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }
}

// ---- catalog ---------------------------------------------------------------------------------

const CATEGORIES: { category: string; skills: string[][]; brands: string[]; models: string[] }[] = [
  { category: 'washer', skills: [['washer', 'plumbing']], brands: ['Whirlpool', 'LG', 'Samsung', 'Maytag'], models: ['WTW5000', 'WM3400CW', 'WF45T6000', 'MVW6230'] },
  { category: 'dryer', skills: [['dryer', 'electrical'], ['dryer', 'gas']], brands: ['Whirlpool', 'LG', 'Samsung'], models: ['WED5000', 'DLE3400W', 'DVG45T6000'] },
  { category: 'dishwasher', skills: [['dishwasher', 'plumbing']], brands: ['Bosch', 'KitchenAid', 'GE', 'Miele'], models: ['SHX78B75', 'KDTM404K', 'GDT665SSN', 'G7156'] },
  { category: 'refrigerator', skills: [['refrigeration'], ['refrigeration', 'electrical']], brands: ['Frigidaire', 'GE', 'Samsung', 'LG', 'Sub-Zero'], models: ['FFTR1835', 'GTE18GMN', 'RF28R7351', 'LRMVS3006', 'BI-36U'] },
  { category: 'oven', skills: [['oven', 'electrical'], ['oven', 'gas']], brands: ['Wolf', 'GE', 'Frigidaire', 'Bosch'], models: ['SO30TE', 'JB645RK', 'FCRG3052', 'HBL8453'] },
  { category: 'hvac', skills: [['hvac', 'refrigeration'], ['hvac', 'electrical']], brands: ['Carrier', 'Trane', 'Lennox', 'Daikin'], models: ['24ACC6', 'XR14', 'ML14XC1', 'DX16SA'] },
  { category: 'water-heater', skills: [['water heater', 'plumbing'], ['water heater', 'gas']], brands: ['Rheem', 'A.O. Smith', 'Bradford White'], models: ['XE50T10', 'GCR-50', 'RE250T6'] },
  { category: 'microwave', skills: [['microwave', 'electrical']], brands: ['Panasonic', 'Sharp'], models: ['NN-SN966S', 'SMD2470AS'] },
];

interface Model {
  modelId: string;
  brand: string;
  model: string;
  category: string;
  requiredSkills: string[];
}

function buildCatalog(): Model[] {
  const out: Model[] = [];
  for (const c of CATEGORIES) {
    c.models.forEach((model, i) => {
      const brand = c.brands[i % c.brands.length]!;
      out.push({ modelId: `mdl-${c.category}-${model.toLowerCase().replace(/[^a-z0-9]+/g, '')}`, brand, model, category: c.category, requiredSkills: c.skills[i % c.skills.length]! });
    });
  }
  return out;
}

const SKILL_POOL = [...new Set(CATEGORIES.flatMap((c) => c.skills.flat()))];
const FIRST = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Riley', 'Casey', 'Jamie', 'Avery', 'Quinn', 'Drew', 'Robin', 'Maria', 'Wei', 'Priya', 'Omar', 'Lena', 'Diego', 'Hana', 'Noah'];
const LAST = ['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Patel', 'Kim', 'Brown', 'Lopez', 'Murphy', 'Rossi', 'Cohen', 'Okafor', 'Silva', 'Walsh', 'Dubois', 'Novak'];
const STREETS = ['Main St', 'State St', 'Maple Ave', 'Oak St', 'Sumner Ave', 'Dickinson St', 'Boston Rd', 'Allen St', 'Carew St', 'Liberty St', 'Wilbraham Rd', 'Page Blvd'];
const PROBLEMS: Record<string, string[]> = {
  washer: ['leaks water during the spin cycle', 'does not drain', 'drum does not turn', 'shows error code E21'],
  dryer: ['runs but does not heat', 'makes a loud squeaking noise', 'stops after a few minutes'],
  dishwasher: ['dishes come out dirty', 'water stays at the bottom', 'leaks from the door'],
  refrigerator: ['not cooling', 'ice maker stopped working', 'freezer builds up frost', 'compressor clicks constantly'],
  oven: ['does not reach temperature', 'igniter clicks but no flame', 'display is dead'],
  hvac: ['blows warm air', 'short cycles', 'thermostat not responding', 'outdoor unit is noisy'],
  'water-heater': ['no hot water', 'pilot light keeps going out', 'leaks at the bottom'],
  microwave: ['does not heat', 'turntable does not spin', 'sparks inside'],
};

/**
 * Knowledge-base articles the demo's experts wrote from completed tickets: one per kind of problem
 * (category, then the problem as tickets describe it), with what the expert found and did.
 */
const ARTICLES: Record<string, Record<string, { title: string; problem: string; fix: string; tags: string[] }>> = {
  'washer': {
    'leaks water during the spin cycle': {
      title: 'Washer leaks during the spin cycle',
      problem: 'Water pools under the washer only while it spins; the tub seal or the drain hose clamp gives way under vibration.',
      fix: 'Check the drain hose clamp at the pump first and tighten or replace it. If the leak comes from under the tub, replace the tub seal and the bearings together (they fail together), then run an empty spin cycle and check for drips.',
      tags: ['leak', 'spin', 'tub seal'],
    },
    'does not drain': {
      title: 'Washer does not drain',
      problem: 'Water stays in the drum at the end of the cycle; the drain pump hums or stays silent.',
      fix: 'Open the pump filter at the front and clear lint, coins and hair clips. If the pump still hums without pumping, replace the drain pump; if it is silent, check its connector and the lid switch before replacing the control board.',
      tags: ['drain', 'pump', 'filter'],
    },
    'drum does not turn': {
      title: 'Washer drum does not turn',
      problem: 'The motor runs or hums but the drum stays still, during washing and spinning.',
      fix: 'Remove the back panel and check the drive belt: a worn or slipped belt is the usual cause, replace it. On direct-drive models check the motor coupling and the rotor position sensor instead.',
      tags: ['drum', 'belt', 'motor'],
    },
    'shows error code E21': {
      title: 'Washer shows error code E21',
      problem: 'The washer stops with E21 (draining takes too long) and does not finish the cycle.',
      fix: 'E21 means the water did not drain in time: clean the pump filter and check the drain hose for kinks or a blocked standpipe. Reset by unplugging for a minute; replace the pump only if it fails the resistance test.',
      tags: ['error code', 'e21', 'drain'],
    },
  },
  'dryer': {
    'runs but does not heat': {
      title: 'Dryer runs but does not heat',
      problem: 'The drum turns and the timer runs, but the air stays cold and clothes stay wet.',
      fix: 'Test the thermal fuse and the high-limit thermostat for continuity and replace a blown one; then find why it blew: clear the lint from the exhaust duct to the outside. On electric models also test the heating element, on gas models the igniter and the gas valve coils.',
      tags: ['heat', 'thermal fuse', 'vent'],
    },
    'makes a loud squeaking noise': {
      title: 'Dryer squeaks loudly',
      problem: 'A loud squeak or squeal while the drum turns, worse with a full load.',
      fix: 'Replace the drum support rollers and the idler pulley; they wear out together. Check the drum glides and the belt while the cabinet is open.',
      tags: ['noise', 'rollers', 'idler pulley'],
    },
    'stops after a few minutes': {
      title: 'Dryer stops after a few minutes',
      problem: 'The dryer starts normally, then stops by itself after a few minutes.',
      fix: 'The motor overheats and its thermal protector cuts it: clean the lint screen housing and the exhaust duct, and check the motor for a seized bearing. Replace the cycling thermostat if the temperature overshoots.',
      tags: ['stops', 'overheat', 'motor'],
    },
  },
  'dishwasher': {
    'dishes come out dirty': {
      title: 'Dishwasher leaves dishes dirty',
      problem: 'Food residue and a gritty film stay on the dishes after a full cycle.',
      fix: 'Clean the filter assembly and the spray arm holes, and check that the wash pump builds pressure. Check the water inlet temperature (at least 50 °C) and that the detergent dispenser opens.',
      tags: ['dirty dishes', 'filter', 'spray arm'],
    },
    'water stays at the bottom': {
      title: 'Water stays at the bottom of the dishwasher',
      problem: 'Standing water remains in the tub after the cycle ends.',
      fix: 'Clean the filter and the sump, then check the drain hose loop and the air gap or garbage disposal connection for a blockage. Replace the drain pump if it does not run.',
      tags: ['drain', 'standing water', 'sump'],
    },
    'leaks from the door': {
      title: 'Dishwasher leaks from the door',
      problem: 'Water drips from the bottom of the door during the wash.',
      fix: 'Replace the door gasket and check the tub is level side to side. Use dishwasher detergent only (hand soap foams over the gasket).',
      tags: ['leak', 'door', 'gasket'],
    },
  },
  'refrigerator': {
    'not cooling': {
      title: 'Refrigerator is not cooling',
      problem: 'The fridge section is warm while the light and controls work.',
      fix: 'Clean the condenser coils and check the condenser fan. If the compressor runs but the evaporator stays warm, look for an iced-up evaporator (defrost fault) before suspecting a refrigerant leak.',
      tags: ['cooling', 'condenser', 'compressor'],
    },
    'ice maker stopped working': {
      title: 'Ice maker stopped working',
      problem: 'No new ice, although the freezer is cold.',
      fix: 'Check the water supply valve and the inlet line for ice; thaw a frozen fill tube. Test the water inlet valve solenoid and replace the ice maker module if it does not cycle.',
      tags: ['ice maker', 'water valve'],
    },
    'freezer builds up frost': {
      title: 'Freezer builds up frost',
      problem: 'Frost builds up on the back wall and the fan gets noisy.',
      fix: 'The defrost system fails: test the defrost heater, the defrost thermostat and the defrost timer or control board, and replace the failed part. Check the door gasket seals.',
      tags: ['frost', 'defrost', 'gasket'],
    },
    'compressor clicks constantly': {
      title: 'Compressor clicks on and off',
      problem: 'The compressor clicks every few minutes and does not keep running.',
      fix: 'Replace the start relay and the overload protector (they are sold as a kit). Clean the condenser coils; if it still clicks, measure the compressor windings.',
      tags: ['compressor', 'start relay', 'clicking'],
    },
  },
  'oven': {
    'does not reach temperature': {
      title: 'Oven does not reach temperature',
      problem: 'Preheating takes too long and food stays undercooked.',
      fix: 'Test the bake and broil elements (electric) or the igniter current draw (gas); a weak igniter opens the gas valve late. Check the temperature sensor resistance and recalibrate the offset.',
      tags: ['temperature', 'element', 'igniter'],
    },
    'igniter clicks but no flame': {
      title: 'Gas igniter clicks but no flame',
      problem: 'The burner clicks without lighting, or lights only after many tries.',
      fix: 'Clean the burner cap and ports and dry them fully; check the igniter position. If the spark is weak, replace the spark module; check the gas supply valve is fully open.',
      tags: ['igniter', 'gas', 'burner'],
    },
    'display is dead': {
      title: 'Oven display is dead',
      problem: 'No display and no response to the keys, although the oven has power.',
      fix: 'Check the line fuse and the thermal cut-out behind the control panel; replace the cut-out if open. If the board gets power but shows nothing, replace the control board.',
      tags: ['display', 'control board', 'fuse'],
    },
  },
  'hvac': {
    'blows warm air': {
      title: 'Air conditioner blows warm air',
      problem: 'The indoor fan runs but the air is warm.',
      fix: 'Check the outdoor unit: if the condenser fan or the compressor does not start, test the run capacitor and the contactor. Replace the filter and check for a low refrigerant charge.',
      tags: ['warm air', 'capacitor', 'contactor'],
    },
    'short cycles': {
      title: 'System short cycles',
      problem: 'The system starts and stops every few minutes.',
      fix: 'Replace a clogged air filter, check the thermostat location (not near a supply vent) and the flame sensor on a furnace; an oversized unit may need the fan speed reduced.',
      tags: ['short cycle', 'filter', 'flame sensor'],
    },
    'thermostat not responding': {
      title: 'Thermostat not responding',
      problem: 'The thermostat display is blank or the system ignores it.',
      fix: 'Replace the batteries, then check for 24 V between R and C at the thermostat; a blown low-voltage fuse on the control board points to a shorted wire.',
      tags: ['thermostat', 'low voltage', 'fuse'],
    },
    'outdoor unit is noisy': {
      title: 'Outdoor unit is noisy',
      problem: 'A rattle or a grinding noise from the outdoor unit.',
      fix: 'Tighten the panels and the fan blade, clear debris from the fan; a grinding noise means a worn fan motor bearing, replace the motor and its capacitor.',
      tags: ['noise', 'fan motor', 'outdoor unit'],
    },
  },
  'water-heater': {
    'no hot water': {
      title: 'No hot water',
      problem: 'Only cold water comes out of the hot taps.',
      fix: 'Electric: reset the high-limit switch and test the upper element and thermostat. Gas: check that the pilot is lit and test the thermocouple; replace it if the pilot will not stay on.',
      tags: ['hot water', 'element', 'pilot'],
    },
    'pilot light keeps going out': {
      title: 'Pilot light keeps going out',
      problem: 'The pilot lights but goes out after a while.',
      fix: 'Replace the thermocouple, clean the pilot orifice, and check the draft: a blocked flue or strong draft puts the pilot out.',
      tags: ['pilot', 'thermocouple', 'flue'],
    },
    'leaks at the bottom': {
      title: 'Water heater leaks at the bottom',
      problem: 'Water collects under the tank.',
      fix: 'Check the drain valve and the relief valve discharge pipe first; replace a leaking drain valve. Water from the tank itself means corrosion: the tank must be replaced.',
      tags: ['leak', 'relief valve', 'tank'],
    },
  },
  'microwave': {
    'does not heat': {
      title: 'Microwave runs but does not heat',
      problem: 'The light and turntable work, the food stays cold.',
      fix: 'Discharge the high-voltage capacitor first. Test the high-voltage diode, the magnetron and the capacitor; a failed diode is the most common cause.',
      tags: ['heat', 'magnetron', 'diode'],
    },
    'turntable does not spin': {
      title: 'Turntable does not spin',
      problem: 'The plate stays still while the microwave heats.',
      fix: 'Check the coupler under the glass tray for a broken drive, then replace the turntable motor.',
      tags: ['turntable', 'motor'],
    },
    'sparks inside': {
      title: 'Sparks inside the microwave',
      problem: 'Sparks or arcing in the cavity while heating.',
      fix: 'Replace the waveguide cover (food splatter burns through it) and clean the cavity; touch up chipped cavity paint with microwave-safe enamel.',
      tags: ['sparks', 'waveguide cover'],
    },
  },
};

const CENTER = { lat: 42.1015, lon: -72.5898 };
function around(rng: Rng, maxKm: number): { lat: number; lon: number } {
  const r = maxKm * Math.sqrt(rng.float());
  const theta = rng.float() * 2 * Math.PI;
  const dLat = (r * Math.cos(theta)) / 111.32;
  const dLon = (r * Math.sin(theta)) / (111.32 * Math.cos((CENTER.lat * Math.PI) / 180));
  return { lat: Math.round((CENTER.lat + dLat) * 1e5) / 1e5, lon: Math.round((CENTER.lon + dLon) * 1e5) / 1e5 };
}
function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const DAY = 86_400_000;

const CARD_MIX = ['visa', 'mastercard', 'visa', 'amex', 'mastercard', 'discover'] as const;

/** The month ('YYYY-MM', UTC) `months` after the instant `at` (ms). */
function monthsAfter(at: number, months: number): string {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 7);
}
const HOUR = 3_600_000;
const MIN = 60_000;

// ---- the generator ----------------------------------------------------------------------------

interface ExpertSeed {
  expertId: string;
  home: { lat: number; lon: number };
  radiusKm: number;
  skills: string[];
}
interface CustomerSeed {
  customerId: string;
  location: { lat: number; lon: number };
}

export async function seedDemo(sys: SeedSystem, options: SeedOptions = {}): Promise<SeedSummary> {
  const size: SeedSize = {
    customers: options.customers ?? DEFAULT_SIZE.customers,
    experts: options.experts ?? DEFAULT_SIZE.experts,
    tickets: options.tickets ?? DEFAULT_SIZE.tickets,
  };
  const rng = new Rng(mulberry32(options.seed ?? 20260302));
  const realNow = options.now ?? new Date();
  const today = Math.floor(realNow.getTime() / DAY) * DAY;
  /** Day the demo history starts: tickets opened then, completed visits in the days after. */
  const t0 = today - 12 * DAY;
  const progress = (phase: string, done: number, total: number) => {
    if (options.shouldStop?.()) throw new SeedInterrupted();
    options.onProgress?.(phase, done, total);
  };
  const system: Actor = { userId: 'seed', role: 'system' };
  const failures: string[] = [];
  let failureCount = 0;
  const meta = (commandId: string, at: number, actor: Actor = system): CommandMetadata => ({ commandId: `seed:${commandId}`, now: new Date(at), actor, correlationId: `seed:${commandId.split(':')[0]}` });
  const attempt = async (what: string, effect: () => Promise<unknown>): Promise<boolean> => {
    try {
      await effect();
      return true;
    } catch (error) {
      failureCount++;
      if (failures.length < 10) failures.push(`${what}: ${(error as Error).message}`);
      return false;
    }
  };
  const inChunks = async <T>(phase: string, items: readonly T[], each: (item: T, i: number) => Promise<unknown>, width = 16) => {
    progress(phase, 0, items.length);
    for (let i = 0; i < items.length; i += width) {
      await Promise.all(items.slice(i, i + width).map((item, k) => each(item, i + k)));
      progress(phase, Math.min(items.length, i + width), items.length);
    }
  };
  sys.clock.now = new Date(t0 + 7 * HOUR);
  const setupAt = t0 + 7 * HOUR;

  // catalog
  const models = buildCatalog();
  await inChunks('catalog', models, (m) =>
    attempt(`model ${m.modelId}`, () => send(sys.commands, applianceModels, { type: 'addApplianceModel', data: { ...m, aliases: [`${m.brand} ${m.model}`] }, metadata: meta(`model:${m.modelId}`, setupAt) })),
  );

  // experts: every category covered by several experts
  const expertSeeds: ExpertSeed[] = [];
  for (let i = 0; i < size.experts; i++) {
    const primary = CATEGORIES[i % CATEGORIES.length]!;
    const skills = new Set<string>(primary.skills.flat());
    for (const s of rng.sample(SKILL_POOL, rng.int(1, 3))) skills.add(s);
    expertSeeds.push({ expertId: `exp-${pad(i + 1, 3)}`, home: around(rng, 15), radiusKm: rng.int(10, 25), skills: [...skills].sort() });
  }
  await inChunks('experts', expertSeeds, (e, i) => {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
    return attempt(`expert ${e.expertId}`, () =>
      send(sys.commands, experts, {
        type: 'onboardExpert',
        data: {
          expertId: e.expertId,
          name,
          contact: { email: `${e.expertId}@experts.demo.sysops.local`, phone: `+1413555${pad(1000 + i, 4)}` },
          locale: 'en-US',
          homeLocation: e.home,
          serviceArea: { kind: 'radius', radiusKm: e.radiusKm },
          skills: e.skills,
          availability: { timeZone: 'America/New_York', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) },
          feePerVisitCents: rng.int(60, 140) * 100,
        },
        metadata: meta(`expert:${e.expertId}`, setupAt),
      }),
    );
  });

  // customers: contact, plan(s), payment token, paid-until
  const customerSeeds: CustomerSeed[] = [];
  for (let i = 0; i < size.customers; i++) customerSeeds.push({ customerId: `cust-${pad(i + 1, 4)}`, location: around(rng, 15) });
  const tiers: { tier: PlanTier; cents: number }[] = [
    { tier: 'basic', cents: 999 },
    { tier: 'standard', cents: 1999 },
    { tier: 'premium', cents: 3499 },
  ];
  const customerDetails = customerSeeds.map((c, i) => ({
    name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
    street: `${rng.int(1, 1999)} ${rng.pick(STREETS)}`,
    notifyBy: rng.float() < 0.6 ? ('email' as const) : ('sms' as const),
    plans: rng.sample(CATEGORIES, rng.int(1, 3)).map((c2) => ({ product: c2.category, ...rng.pick(tiers) })),
    last4: pad(rng.int(0, 9999), 4),
    // Brand and expiry from the index: drawing them would shift every later draw of the seed.
    brand: CARD_MIX[i % CARD_MIX.length]!,
    expiresInMonths: 3 + ((i * 7) % 58),
    paidDays: rng.int(20, 365),
    index: i,
  }));
  await inChunks('customers', customerSeeds, async (c, i) => {
    const d = customerDetails[i]!;
    const at = setupAt + i * 1000;
    const ok = await attempt(`customer ${c.customerId}`, () =>
      send(sys.commands, customers, {
        type: 'registerCustomer',
        data: {
          customerId: c.customerId,
          contact: { name: d.name, email: `${c.customerId}@customers.demo.sysops.local`, phone: `+1413556${pad(i % 10000, 4)}`, address: { line1: d.street, city: 'Springfield', postalCode: `011${pad(i % 100, 2)}`, country: 'US', location: c.location } },
          notifyBy: d.notifyBy,
        },
        metadata: meta(`customer:${c.customerId}`, at),
      }),
    );
    if (!ok) return;
    for (const [k, p] of d.plans.entries()) {
      await attempt(`plan ${c.customerId}`, () =>
        send(sys.commands, customers, {
          type: 'purchaseSupportPlan',
          data: { customerId: c.customerId, plan: { planId: `plan-${c.customerId}-${k + 1}`, product: p.product, tier: p.tier, monthlyPriceCents: p.cents } },
          metadata: meta(`plan:${c.customerId}:${k}`, at),
        }),
      );
    }
    await attempt(`payment ${c.customerId}`, () =>
      send(sys.commands, customers, { type: 'setPaymentMethod', data: { customerId: c.customerId, gatewayToken: `tok_demo_${c.customerId}`, last4: d.last4, brand: d.brand, expiry: monthsAfter(at, d.expiresInMonths) }, metadata: meta(`pm:${c.customerId}`, at) }),
    );
    await attempt(`paid-until ${c.customerId}`, () =>
      send(sys.commands, customers, {
        type: 'advancePaidUntil',
        data: { customerId: c.customerId, paidUntil: new Date(today + d.paidDays * DAY).toISOString(), invoiceId: `inv-demo-${c.customerId}` },
        metadata: meta(`paid:${c.customerId}`, at),
      }),
    );
  });

  // logins, one per role
  const roles = Object.keys(DEMO_LOGINS) as UserRole[];
  progress('logins', 0, roles.length);
  for (const [i, role] of roles.entries()) {
    const link = role === 'customer' && customerSeeds[0] ? { customerId: customerSeeds[0].customerId } : role === 'expert' && expertSeeds[0] ? { expertId: expertSeeds[0].expertId } : {};
    const userId = `user-demo-${role}`;
    const existing = await sys.events.readStream(streamName(StreamCategory.user, userId)).catch(() => []);
    if (existing.length === 0) {
      const passwordHash = await hashPassword(DEMO_LOGINS[role].password);
      await attempt(`login ${role}`, () =>
        send(sys.commands, userAccounts, { type: 'registerUser', data: { userId, email: DEMO_LOGINS[role].email, role, passwordHash, ...link }, metadata: meta(`user:${userId}`, setupAt) }),
      );
    }
    progress('logins', i + 1, roles.length);
  }
  await sys.settle();

  // ---- tickets --------------------------------------------------------------------------------
  const weekdaysFrom = (from: number, to: number) => {
    const days: number[] = [];
    for (let d = from; d <= to; d += DAY) {
      const wd = new Date(d).getUTCDay();
      if (wd !== 0 && wd !== 6) days.push(d);
    }
    return days;
  };
  const pastDays = weekdaysFrom(t0 + DAY, today - DAY);
  const lastWeekday = pastDays[pastDays.length - 1] ?? t0 + DAY;
  const futureDays = weekdaysFrom(today + DAY, today + 21 * DAY);
  /** 2-hour slots inside 08:00–18:00 New York time (13:00–21:00 UTC in winter, 12:00–20:00 in summer). */
  const SLOT_HOURS = [13, 15, 17];
  const booked = new Set<string>();

  const plans: TicketPlan[] = [];
  const mix: [TicketPlan, number][] = [
    ['completed', 0.35],
    ['matched', 0.18],
    ['en-route', 0.05],
    ['started', 0.05],
    ['escalated', 0.1],
    ['open', 0.14],
    ['on-hold', 0.06],
    ['cancelled', 0.07],
  ];
  for (let i = 0; i < size.tickets; i++) {
    // round-robin over the mix for tiny sizes, weighted random for the rest
    if (i < mix.length) plans.push(mix[i]![0]);
    else {
      let r = rng.float();
      const found = mix.find(([, w]) => (r -= w) < 0);
      plans.push(found ? found[0] : 'open');
    }
  }

  interface TicketSeed {
    ticketId: string;
    visitId: string;
    plan: TicketPlan;
    customer: CustomerSeed;
    model: Model;
    priority: Priority;
    openedAt: number;
    day: number;
    durationMinutes: number;
    expert?: ExpertSeed;
    start?: number;
    problem: string;
    /** The kind of problem (a key of PROBLEMS' category). */
    trouble: string;
  }
  const seeds: TicketSeed[] = plans.map((plan, i) => {
    const customer = rng.pick(customerSeeds);
    const model = rng.pick(models);
    const needsExpert = plan === 'completed' || plan === 'matched' || plan === 'en-route' || plan === 'started';
    let day = plan === 'completed' ? rng.pick(pastDays) : plan === 'en-route' || plan === 'started' ? lastWeekday : rng.pick(futureDays);
    const durationMinutes = rng.pick([60, 90, 120]);
    let expert: ExpertSeed | undefined;
    let start: number | undefined;
    if (needsExpert) {
      const fit = expertSeeds.filter((e) => hasAllSkills(e.skills, model.requiredSkills) && distanceKm(e.home, customer.location) <= e.radiusKm);
      const candidates = rng.sample(fit, fit.length);
      const dayChoices = plan === 'completed' ? rng.sample(pastDays, pastDays.length) : plan === 'matched' ? rng.sample(futureDays, futureDays.length) : [lastWeekday];
      search: for (const d of dayChoices) {
        for (const e of candidates) {
          for (const h of rng.sample(SLOT_HOURS, SLOT_HOURS.length)) {
            const key = `${e.expertId}:${d}:${h}`;
            if (!booked.has(key)) {
              booked.add(key);
              expert = e;
              start = d + h * HOUR;
              day = d;
              break search;
            }
          }
        }
      }
    }
    const actual: TicketPlan = needsExpert && !expert ? 'open' : plan;
    if (actual !== plan) day = rng.pick(futureDays);
    const openedAt = actual === 'open' ? realNow.getTime() - rng.int(10, 300) * MIN : t0 + 8 * HOUR + i * 1000;
    const priority: Priority = actual === 'escalated' ? 'urgent' : actual === 'open' ? rng.pick(['normal', 'low'] as const) : rng.pick(['normal', 'normal', 'high', 'low'] as const);
    const trouble = rng.pick(PROBLEMS[model.category] ?? ['not working']);
    return {
      ticketId: `tkt-${pad(i + 1, 5)}`,
      visitId: `vis-${pad(i + 1, 5)}-1`,
      plan: actual,
      customer,
      model,
      priority,
      openedAt,
      day,
      durationMinutes,
      ...(expert ? { expert } : {}),
      ...(start !== undefined ? { start } : {}),
      problem: `${model.brand} ${model.model}: ${trouble}`,
      trouble,
    };
  });

  const counts = Object.fromEntries(mix.map(([p]) => [p, 0])) as Record<TicketPlan, number>;
  let skipped = 0;
  const fresh: TicketSeed[] = [];
  await inChunks('check tickets', seeds, async (t) => {
    const existing = options.resume ? [] : await sys.events.readStream(streamName(StreamCategory.ticket, t.ticketId), { maxCount: 1 }).catch(() => []);
    if (existing.length > 0) skipped++;
    else fresh.push(t);
  }, 64);
  fresh.sort((a, b) => a.ticketId.localeCompare(b.ticketId));
  const is = (...p: TicketPlan[]) => fresh.filter((t) => p.includes(t.plan));

  const openOne = (t: TicketSeed) => {
    const windowStart = t.day + 12 * HOUR;
    return attempt(`open ${t.ticketId}`, () =>
      send(sys.commands, tickets, {
        type: 'openTicket',
        data: {
          ticketId: t.ticketId,
          customerId: t.customer.customerId,
          applianceModelId: t.model.modelId,
          problem: t.problem,
          priority: t.priority,
          location: t.customer.location,
          visits: [{ visitId: t.visitId, skills: t.model.requiredSkills, expertsNeeded: 1, durationMinutes: t.durationMinutes, windows: [{ start: new Date(windowStart).toISOString(), end: new Date(windowStart + 10 * HOUR).toISOString() }] }],
          dependencies: [],
          paymentStatus: t.plan === 'on-hold' ? 'unknown' : 'paid',
        },
        metadata: meta(`open:${t.ticketId}`, t.openedAt, { userId: `customer:${t.customer.customerId}`, role: 'customer' }),
      }),
    );
  };

  // 1. open the historical tickets (the matching saga plans their visits and starts match clocks)
  sys.clock.now = new Date(t0 + 8 * HOUR);
  await inChunks('open tickets', is('completed', 'matched', 'en-route', 'started', 'escalated', 'on-hold', 'cancelled'), openOne);
  await sys.settle();

  // 2. nobody proposes for the urgent ones: their match-timeout fires, the ticket escalates
  progress('escalations', 0, 1);
  sys.clock.now = new Date(t0 + 8 * HOUR + (size.tickets + 60) * 1000 + 45 * MIN);
  await sys.fireDueDeadlines();
  await sys.settle();
  await sys.fireDueDeadlines();
  await sys.settle();
  progress('escalations', 1, 1);

  // 3. experts propose; the matching saga books calendars and finalizes
  const proposeAt = sys.clock.now.getTime() + 30 * MIN;
  sys.clock.now = new Date(proposeAt);
  const matched = is('completed', 'matched', 'en-route', 'started');
  await inChunks('proposals', matched, (t) =>
    attempt(`propose ${t.ticketId}`, () =>
      send(sys.commands, visits, {
        type: 'proposeSlot',
        data: { visitId: t.visitId, expertId: t.expert!.expertId, expertSkills: t.expert!.skills, starts: [new Date(t.start!).toISOString()] },
        metadata: meta(`propose:${t.visitId}`, proposeAt, { userId: t.expert!.expertId, role: 'expert' }),
      }),
    ),
  );
  await sys.settle();

  // 4. cancellations
  await inChunks('cancellations', is('cancelled'), (t) =>
    attempt(`cancel ${t.ticketId}`, () =>
      send(sys.commands, tickets, { type: 'cancelTicket', data: { ticketId: t.ticketId, reason: 'customer fixed it themselves' }, metadata: meta(`cancel:${t.ticketId}`, proposeAt + HOUR) }),
    ),
  );

  // 5. execution: en route, arrived, started, completed
  const step = (t: TicketSeed, type: 'markEnRoute' | 'markArrived' | 'markStarted' | 'completeVisit', at: number, extra: Record<string, string> = {}) =>
    send(sys.commands, visits, {
      type,
      data: { visitId: t.visitId, expertId: t.expert!.expertId, ...extra },
      metadata: meta(`${type}:${t.visitId}`, at, { userId: t.expert!.expertId, role: 'expert' }),
    } as Parameters<typeof send<never, never, never>>[2]);
  await inChunks('visits', is('completed', 'en-route', 'started'), (t) =>
    attempt(`execute ${t.ticketId}`, async () => {
      // Random draws before the first await: the chunk's visits run concurrently, and drawing in
      // completion order would make the demo data differ from run to run.
      const notes = rng.pick(['replaced the pump', 'cleaned the filter and tested', 'replaced the control board', 'replaced a worn belt', 'recharged refrigerant, no leaks found']);
      const start = t.start!;
      await step(t, 'markEnRoute', start - 30 * MIN, { eta: new Date(start).toISOString() });
      if (t.plan === 'en-route') return;
      await step(t, 'markArrived', start - 2 * MIN);
      await step(t, 'markStarted', start);
      if (t.plan === 'started') return;
      await step(t, 'completeVisit', start + t.durationMinutes * MIN, { notes });
    }),
  );
  await sys.settle();

  // 6. the tickets whose visit is done are completed, most get a survey
  const completedTickets = new Set<string>();
  await inChunks('surveys', is('completed'), (t, i) =>
    attempt(`complete ${t.ticketId}`, async () => {
      // Drawn before the first await (see above). Mostly happy customers, a few unhappy ones.
      const rating = rng.pick([5, 5, 5, 5, 4, 4, 4, 3, 3, 2, 1]);
      const end = t.start! + t.durationMinutes * MIN;
      await send(sys.commands, tickets, { type: 'completeTicket', data: { ticketId: t.ticketId, resolution: 'repaired on site' }, metadata: meta(`complete:${t.ticketId}`, end + 15 * MIN, { userId: t.expert!.expertId, role: 'expert' }) });
      completedTickets.add(t.ticketId);
      if (i % 5 !== 4) {
        await send(sys.commands, tickets, {
          type: 'recordSurvey',
          data: { ticketId: t.ticketId, rating, comments: rating >= 4 ? 'quick and friendly' : 'took longer than expected' },
          metadata: meta(`survey:${t.ticketId}`, end + DAY),
        });
      }
    }),
  );

  // 6b. the knowledge base: for each kind of problem, the expert of the first completed ticket
  //     that had it writes up what they found and did, linked to that ticket; a few colleagues
  //     rate it. Ids and command ids follow from the kind of problem: written once, ever.
  const firstOfKind = new Map<string, TicketSeed>();
  for (const t of is('completed')) {
    const key = `${t.model.category}: ${t.trouble}`;
    if (completedTickets.has(t.ticketId) && ARTICLES[t.model.category]?.[t.trouble] && !firstOfKind.has(key)) firstOfKind.set(key, t);
  }
  let articlesWritten = 0;
  await inChunks('knowledge base', [...firstOfKind.values()], (t, i) =>
    attempt(`article ${t.ticketId}`, async () => {
      const content = ARTICLES[t.model.category]![t.trouble]!;
      const articleId = `kb-${t.model.category}-${t.trouble.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
      const author = t.expert!.expertId;
      const writtenAt = Math.min(t.start! + t.durationMinutes * MIN + 2 * HOUR, realNow.getTime());
      const written = await send(sys.commands, articles, {
        type: 'writeArticle',
        data: { articleId, ...content, applianceModelId: t.model.modelId, category: t.model.category, linkedTicketId: t.ticketId },
        metadata: meta(`article:${articleId}`, writtenAt, { userId: author, role: 'expert' }),
      });
      if (!written.repeated) articlesWritten++;
      const colleagues = expertSeeds.filter((e) => e.expertId !== author && e.skills.some((s) => t.model.requiredSkills.includes(s)));
      for (let k = 0; k < Math.min(colleagues.length, i % 4); k++) {
        const voter = colleagues[(i * 7 + k * 3) % colleagues.length]!.expertId;
        await send(sys.commands, articles, {
          type: 'rateArticle',
          data: { articleId, helpful: (i + k) % 5 !== 4 },
          metadata: meta(`rate:${articleId}:${voter}`, Math.min(writtenAt + (k + 1) * DAY, realNow.getTime()), { userId: voter, role: 'expert' }),
        });
      }
    }),
  );

  // 7. fresh tickets still waiting for proposals (their match clocks run in real time)
  sys.clock.now = new Date(realNow.getTime());
  await inChunks('open tickets (today)', is('open'), openOne);
  await sys.settle();

  for (const t of fresh) counts[t.plan]++;
  return { size, catalogModels: models.length, tickets: counts, articles: articlesWritten, skippedTickets: skipped, failures: failureCount, failureSamples: failures, logins: DEMO_LOGINS };
}
