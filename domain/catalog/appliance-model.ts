/**
 * Appliance model in the catalog: brand, model, category, the skills a repair needs, and the
 * free-text spellings customers use for it. A retired model stays in the history (old tickets
 * point at it) but new tickets may not pick it and the catalog read model hides it. Retiring may
 * name a successor (the model that replaced it): a new ticket naming the retired model is then
 * recorded with the successor instead (`modelForNewTicket`). The successor's existence is the
 * caller's to check (another stream); reinstating a model drops its successor.
 *
 * Uniqueness of brand + model across the catalog is not this aggregate's to enforce (one stream
 * per model); callers that want it derive the id with `suggestModelId`, so a second "Whirlpool
 * WTW5000DW" lands on the same stream and fails with `model-already-exists`.
 */
import { Command, Decider, DomainError, DomainEvent } from '../decider';
import { isValidSkillList, normalizeSkills } from '../expert/skills';

// ---- events -------------------------------------------------------------------------------

export type ApplianceModelEvent =
  | DomainEvent<
      'ApplianceModelAdded',
      { modelId: string; brand: string; model: string; category: string; requiredSkills: string[]; aliases: string[]; addedAt: string }
    >
  | DomainEvent<'ApplianceModelUpdated', { modelId: string; requiredSkills: string[]; aliases: string[] }>
  /** `successorId` is absent from retirements recorded before successors existed (read as null). */
  | DomainEvent<'ApplianceModelRetired', { modelId: string; retiredAt: string; successorId?: string | null }>
  | DomainEvent<'ApplianceModelReinstated', { modelId: string; reinstatedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

export type ApplianceModelCommand =
  | Command<'addApplianceModel', { modelId: string; brand: string; model: string; category: string; requiredSkills: string[]; aliases?: string[] }>
  /** Omitted fields stay as they are. */
  | Command<'updateApplianceModel', { modelId: string; requiredSkills?: string[]; aliases?: string[] }>
  | Command<'retireApplianceModel', { modelId: string; successorId?: string }>
  | Command<'reinstateApplianceModel', { modelId: string }>;

// ---- state --------------------------------------------------------------------------------

export type ApplianceModelState =
  | { status: 'unknown' }
  | {
      status: 'listed' | 'retired';
      modelId: string;
      brand: string;
      model: string;
      category: string;
      requiredSkills: string[];
      aliases: string[];
      /** The model that replaced a retired one, if recorded; null while listed. */
      successorId: string | null;
    };

type Known = Exclude<ApplianceModelState, { status: 'unknown' }>;

// ---- decider ------------------------------------------------------------------------------

export const applianceModelDecider: Decider<ApplianceModelState, ApplianceModelCommand, ApplianceModelEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'ApplianceModelAdded') {
      const { addedAt: _at, ...model } = event.data;
      return { status: 'listed', ...model, successorId: null };
    }
    if (state.status === 'unknown') return state;
    switch (event.type) {
      case 'ApplianceModelUpdated':
        return { ...state, requiredSkills: event.data.requiredSkills, aliases: event.data.aliases };
      case 'ApplianceModelRetired':
        return { ...state, status: 'retired', successorId: event.data.successorId ?? null };
      case 'ApplianceModelReinstated':
        return { ...state, status: 'listed', successorId: null };
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    if (command.type === 'addApplianceModel') {
      if (state.status !== 'unknown') throw new DomainError('model-already-exists', `appliance model ${command.data.modelId} already exists`);
      const { modelId } = command.data;
      const brand = cleanText(command.data.brand);
      const model = cleanText(command.data.model);
      if (!brand || !model) throw new DomainError('invalid-model', 'an appliance model needs a brand and a model name');
      const category = normalizeCategory(command.data.category);
      if (!category) throw new DomainError('invalid-category', 'an appliance model needs a category');
      const requiredSkills = validSkills(command.data.requiredSkills);
      const aliases = validAliases(command.data.aliases ?? [], [brand, model]);
      return [{ type: 'ApplianceModelAdded', data: { modelId, brand, model, category, requiredSkills, aliases, addedAt: now } }];
    }
    const known = existing(state, command.data.modelId);
    switch (command.type) {
      case 'updateApplianceModel': {
        const requiredSkills = command.data.requiredSkills === undefined ? known.requiredSkills : validSkills(command.data.requiredSkills);
        const aliases = command.data.aliases === undefined ? known.aliases : validAliases(command.data.aliases, [known.brand, known.model]);
        if (sameList(requiredSkills, known.requiredSkills) && sameList(aliases, known.aliases)) return [];
        return [{ type: 'ApplianceModelUpdated', data: { modelId: known.modelId, requiredSkills, aliases } }];
      }
      case 'retireApplianceModel': {
        const successorId = command.data.successorId?.trim() || null;
        if (successorId === known.modelId) throw new DomainError('invalid-successor', 'a model cannot succeed itself');
        // Retired already: naming another successor records it (the retirement again, with it).
        if (known.status === 'retired' && (command.data.successorId === undefined || successorId === known.successorId)) return [];
        return [{ type: 'ApplianceModelRetired', data: { modelId: known.modelId, retiredAt: now, successorId } }];
      }
      case 'reinstateApplianceModel':
        if (known.status === 'listed') return [];
        return [{ type: 'ApplianceModelReinstated', data: { modelId: known.modelId, reinstatedAt: now } }];
    }
  },
};

function existing(state: ApplianceModelState, modelId: string): Known {
  if (state.status === 'unknown') throw new DomainError('model-not-found', `no appliance model ${modelId}`);
  return state;
}

function validSkills(skills: string[]): string[] {
  if (!isValidSkillList(skills)) throw new DomainError('invalid-skills', 'a model needs at least one required skill, none blank');
  return normalizeSkills(skills);
}

/**
 * Aliases are kept as written (trimmed, single-spaced), minus duplicates and minus spellings
 * that match the brand + model or the model already (they add nothing to matching).
 */
function validAliases(aliases: string[], [brand, model]: [string, string]): string[] {
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string' || !matchKey(a))) {
    throw new DomainError('invalid-aliases', 'an alias must contain letters or digits');
  }
  const seen = new Set([matchKey(model), matchKey(`${brand} ${model}`)]);
  const kept: string[] = [];
  for (const alias of aliases) {
    const key = matchKey(alias);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(cleanText(alias));
  }
  return kept;
}

function cleanText(text: string): string {
  return typeof text === 'string' ? text.trim().replace(/\s+/g, ' ') : '';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** 'Water Heater ' → 'water-heater'. */
export function normalizeCategory(category: string): string {
  return cleanText(category).toLowerCase().replace(/ /g, '-');
}

/** A stable id from brand and model: 'Whirlpool', 'WTW-5000 DW' → 'whirlpool-wtw5000dw'. */
export function suggestModelId(brand: string, model: string): string {
  return `${matchKey(brand)}-${matchKey(model)}`;
}

// ---- a model for a new ticket ---------------------------------------------------------------

/** What the catalog read model says of a model, enough to decide whether a new ticket may name it. */
export interface CatalogStatus {
  modelId: string;
  retired: boolean;
  successorId: string | null;
}

export type ModelForNewTicket =
  /** Listed: recorded as given. */
  | { outcome: 'listed'; modelId: string }
  /** Retired with a listed successor (following successors of successors): recorded as the successor. */
  | { outcome: 'succeeded'; modelId: string; retiredModelId: string }
  /** Retired, and no listed successor is recorded. */
  | { outcome: 'retired'; modelId: string }
  /** Not in the catalog. */
  | { outcome: 'unknown'; modelId: string };

/** Successors followed at most: a longer chain (or a loop) counts as none. */
export const MAX_SUCCESSORS = 10;

/**
 * Which model a new ticket that names `modelId` is recorded with. `entries` holds the catalog's
 * entries for the model and its successors (what the caller could find).
 */
export function modelForNewTicket(entries: ReadonlyMap<string, CatalogStatus>, modelId: string): ModelForNewTicket {
  const entry = entries.get(modelId);
  if (!entry) return { outcome: 'unknown', modelId };
  if (!entry.retired) return { outcome: 'listed', modelId };
  const seen = new Set([modelId]);
  let next = entry.successorId;
  while (next !== null && !seen.has(next) && seen.size <= MAX_SUCCESSORS) {
    const successor = entries.get(next);
    if (!successor) break;
    if (!successor.retired) return { outcome: 'succeeded', modelId: successor.modelId, retiredModelId: modelId };
    seen.add(next);
    next = successor.successorId;
  }
  return { outcome: 'retired', modelId };
}

// ---- free-text matching -------------------------------------------------------------------

/** What the catalog read model knows about a model, enough to match customer text against it. */
export interface CatalogEntry {
  modelId: string;
  brand: string;
  model: string;
  aliases: readonly string[];
  retired: boolean;
}

export interface FreeTextMatch {
  modelId: string;
  /** 0 < score ≤ 1: 1 is brand and model (or an alias) found in the text. */
  score: number;
  /** What carried the score: the model name, an alias, part of a name, or only the brand. */
  matchedOn: 'model' | 'alias' | 'partial' | 'brand';
}

const MODEL_WEIGHT = 0.8;
const BRAND_WEIGHT = 0.2;
/** A run of text tokens considered as one spelling ("wtw 5000 dw"): longer runs are not names. */
const MAX_RUN = 8;
/** Compact names at least this long also match across token boundaries inside the text. */
const LOOSE_MIN = 6;
/** Prefix credit ("wtw5000" for "wtw5000dw") needs this many characters. */
const PREFIX_MIN = 3;

/** Tokens of a text: accents dropped, lower-case, split at anything that is not a letter or digit. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** A spelling with case, spacing and punctuation removed: 'WTW-5000 dw' → 'wtw5000dw'. */
export function matchKey(text: string): string {
  return tokenize(text).join('');
}

interface PreparedText {
  tokens: string[];
  compact: string;
  /** Every contiguous run of up to MAX_RUN tokens, joined. */
  runs: string[];
}

function prepare(text: string): PreparedText {
  const tokens = tokenize(text);
  const runs: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let joined = '';
    for (let j = i; j < Math.min(tokens.length, i + MAX_RUN); j++) {
      joined += tokens[j];
      runs.push(joined);
    }
  }
  return { tokens, compact: tokens.join(''), runs };
}

/** Does the text spell `name` (spacing/punctuation-insensitively) as a whole? */
function spells(text: PreparedText, name: string): boolean {
  const key = matchKey(name);
  if (!key) return false;
  return text.runs.includes(key) || (key.length >= LOOSE_MIN && text.compact.includes(key));
}

/** Partial credit in [0, 1): a prefix of the name's code, or some of its words. */
function partial(text: PreparedText, name: string): number {
  const key = matchKey(name);
  if (key.length < PREFIX_MIN) return 0;
  let best = 0;
  for (const run of text.runs) {
    if (run.length < PREFIX_MIN || run === key) continue;
    if (key.startsWith(run)) best = Math.max(best, run.length / key.length);
    else if (run.startsWith(key)) best = Math.max(best, key.length / run.length);
  }
  const words = tokenize(name);
  if (words.length > 1) {
    const found = words.filter((w) => text.tokens.includes(w)).length;
    best = Math.max(best, found / words.length);
  }
  return Math.min(best, 0.9);
}

/**
 * Scores the listed (not retired) catalog models against a customer's free-text model, best
 * first (ties by brand, model, id). Matching ignores case, accents, spacing and punctuation:
 * "whirlpool wtw 5000-dw" spells Whirlpool WTW5000DW. The model name (or an alias) carries 80%
 * of the score, the brand 20%; models scoring 0 are left out. Helpdesk picks from the list; the
 * mapping itself is a Ticket command.
 */
export function matchFreeText(models: readonly CatalogEntry[], text: string): FreeTextMatch[] {
  const prepared = prepare(text);
  if (prepared.tokens.length === 0) return [];
  const matches: Array<FreeTextMatch & { brand: string; model: string }> = [];
  for (const entry of models) {
    if (entry.retired) continue;
    const brandScore = spells(prepared, entry.brand) ? 1 : 0;
    let modelScore = 0;
    let matchedOn: FreeTextMatch['matchedOn'] = 'brand';
    if (spells(prepared, entry.model)) {
      modelScore = 1;
      matchedOn = 'model';
    } else if (entry.aliases.some((a) => spells(prepared, a))) {
      modelScore = 1;
      matchedOn = 'alias';
    } else {
      modelScore = Math.max(partial(prepared, entry.model), ...entry.aliases.map((a) => partial(prepared, a)));
      if (modelScore > 0) matchedOn = 'partial';
    }
    const score = MODEL_WEIGHT * modelScore + BRAND_WEIGHT * brandScore;
    if (score <= 0) continue;
    matches.push({ modelId: entry.modelId, score: Math.round(score * 1000) / 1000, matchedOn, brand: entry.brand, model: entry.model });
  }
  return matches
    .sort((a, b) => b.score - a.score || compare(a.brand, b.brand) || compare(a.model, b.model) || compare(a.modelId, b.modelId))
    .map(({ modelId, score, matchedOn }) => ({ modelId, score, matchedOn }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
