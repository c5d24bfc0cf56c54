/**
 * MongoDB rules that both adapters need to agree on: which fields an upsert copies from its
 * filter, how index names default, which words a search looks for, which keys a document
 * takes in a unique index.
 */
import { Document, Filter, IndexSpec, Update } from './port';

/** An object literal, from any realm (Jest runs tests in a vm context with its own Object). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'));
}

/** Sets `a.b.c` on `target`, creating the objects on the way (as an upsert does). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (isPlainObject(next)) at = next;
    else at = at[part] = {};
  }
  at[parts[parts.length - 1]!] = value;
}

/**
 * The document an upsert starts from, as MongoDB builds it: the filter's equality conditions
 * (`{ a: 1 }`, `{ 'b.c': 2 }`, `{ d: { $eq: 3 } }`, also inside `$and`); ranges, `$in`, regexes
 * and `$or` give no value and are left out.
 */
export function upsertSeed(filter: Filter): Record<string, unknown> {
  const seed: Record<string, unknown> = {};
  const visit = (f: Filter): void => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const clause of value) if (isPlainObject(clause)) visit(clause);
      } else if (key.startsWith('$') || value instanceof RegExp) {
        continue;
      } else if (isOperatorObject(value)) {
        if ('$eq' in value) setPath(seed, key, structuredClone(value.$eq));
      } else {
        setPath(seed, key, structuredClone(value));
      }
    }
  };
  visit(filter);
  return seed;
}

/** Rejects replacement-style objects where an update (operators only) is expected. */
export function assertOperatorUpdate(update: Update): void {
  const keys = Object.keys(update);
  if (keys.length === 0 || keys.some((k) => !k.startsWith('$'))) {
    throw new Error(`An update must use update operators only ($set, $inc, …), got keys: ${keys.join(', ') || 'none'}`);
  }
}

export function assertReplacement(replacement: object): void {
  // A plain loop: projections replace a document per event, and this runs on every one.
  for (const key in replacement) {
    if (key.charCodeAt(0) === 36 /* $ */ && Object.hasOwn(replacement, key)) {
      throw new Error(`A replacement document cannot contain update operators (${key})`);
    }
  }
}

/** MongoDB's default index name: `email_1`, `title_text_body_text`. */
export function indexName(spec: IndexSpec): string {
  return spec.name ?? Object.entries(spec.keys).map(([field, kind]) => `${field}_${kind}`).join('_');
}

export function textFields(spec: IndexSpec): string[] {
  return Object.entries(spec.keys)
    .filter(([, kind]) => kind === 'text')
    .map(([field]) => field);
}

/**
 * The words of a user's search text. Everything but letters, marks and digits separates
 * words, so no quote, dash, star or bracket ever reaches a query language (FTS5 or `$text`).
 */
export function searchWords(text: string): string[] {
  return text.split(/[^\p{L}\p{M}\p{N}]+/u).filter((w) => w.length > 0);
}

/** The values at a dotted path, descending into arrays the way a multikey index does. */
export function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) {
    if (Array.isArray(value)) return value.length > 0 ? value : [undefined];
    return [value];
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head)) return valuesAt(value[Number(head)], rest);
    return value.length > 0 ? value.flatMap((item) => valuesAt(item, path)) : [undefined];
  }
  if (typeof value === 'object' && value !== null) return valuesAt((value as Record<string, unknown>)[head], rest);
  return [undefined];
}

export interface UniqueIndex {
  name: string;
  fields: readonly string[];
}

/**
 * The keys a document takes in a unique index: one per combination of array elements; a
 * missing field counts as null, as in MongoDB (two documents without the field collide).
 */
export function uniqueKeys(document: Document, index: UniqueIndex): string[] {
  let tuples: unknown[][] = [[]];
  for (const field of index.fields) {
    const values = valuesAt(document, field.split('.'));
    tuples = tuples.flatMap((tuple) => values.map((v) => [...tuple, v ?? null]));
  }
  return [...new Set(tuples.map((tuple) => JSON.stringify(tuple)))];
}

/** `{ email: 'a@x' }`: what a DuplicateKey reports for a key made by `uniqueKeys`. */
export function describeKey(index: UniqueIndex, key: string): Record<string, unknown> {
  const values = JSON.parse(key) as unknown[];
  return Object.fromEntries(index.fields.map((field, i) => [field, values[i]]));
}
