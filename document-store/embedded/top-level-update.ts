/**
 * The way projections mostly write — `updateOne({ _id, field: value }, { $set, $inc, $unset })`
 * on top-level fields with plain values — decided and applied without mingo. Compiling a mingo
 * query and running its updater cost more than the rest of such a write (a projection moves
 * its checkpoint this way once per batch). Anything else (dotted paths, arrays, other
 * operators, objects as values) answers `undefined`: the caller takes the general path.
 */
import { Document, Filter } from '../port';
import { isPlainObject } from '../semantics';

type Plain = string | boolean | number;

/** A value JSON keeps exactly as it is. */
function isPlain(value: unknown): value is Plain {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0));
}

/** A top-level field the fast path handles: not `_id`, nor named like a member of every object (`toString`, `__proto__`). */
function isTopLevel(field: string): boolean {
  return !field.includes('.') && !field.startsWith('$') && field !== '_id' && !(field in Object.prototype);
}

/** The document's own field (never one inherited from Object.prototype, like `toString`). */
function own(doc: Document, field: string): unknown {
  return Object.hasOwn(doc, field) ? doc[field] : undefined;
}

/**
 * Whether `doc` (found by the filter's `_id`) matches the filter's other conditions, when they
 * are all plain equalities on top-level fields the document holds no array in.
 */
export function matchesTopLevel(doc: Document, filter: Filter): boolean | undefined {
  let matches = true;
  for (const field in filter) {
    if (field === '_id') continue;
    const wanted = filter[field];
    if (!isTopLevel(field) || !isPlain(wanted)) return undefined;
    const held = own(doc, field);
    if (Array.isArray(held)) return undefined; // equality on an array matches its elements
    if (held !== wanted) matches = false;
  }
  return matches;
}

/**
 * The next version of `target` after `$set` / `$unset` / `$inc` of plain top-level values:
 * a new object (the target is shared with the cache), `null` when nothing changes.
 */
export function applyTopLevel(target: Document, modifier: Record<string, unknown>): Document | null | undefined {
  const touched = new Set<string>();
  for (const operator in modifier) {
    const fields = modifier[operator];
    if ((operator !== '$set' && operator !== '$unset' && operator !== '$inc') || !isPlainObject(fields)) return undefined;
    let any = false;
    for (const field in fields) {
      any = true;
      // The same field under two operators is a conflict MongoDB reports: leave that to the general path.
      if (!isTopLevel(field) || touched.has(field)) return undefined;
      touched.add(field);
      const value = fields[field];
      if (operator === '$set' && !isPlain(value) && value !== null) return undefined;
      if (operator === '$inc') {
        const held = Object.hasOwn(target, field) ? target[field] : 0; // null is no number: MongoDB refuses it
        if (typeof value !== 'number' || !isPlain(value) || typeof held !== 'number' || !isPlain(held + value)) return undefined;
      }
    }
    if (!any) return undefined;
  }
  let next: Document | undefined;
  const change = (field: string, value: unknown): void => {
    next ??= { ...target };
    if (value === undefined) delete next[field];
    else next[field] = value;
  };
  for (const operator in modifier) {
    const fields = modifier[operator] as Record<string, unknown>;
    for (const field in fields) {
      const held = own(target, field);
      const has = Object.hasOwn(target, field);
      if (operator === '$set') {
        if (held !== fields[field] || !has) change(field, fields[field]);
      } else if (operator === '$unset') {
        if (has) change(field, undefined);
      } else {
        const sum = ((held as number | undefined) ?? 0) + (fields[field] as number);
        if (!has || sum !== held) change(field, sum);
      }
    }
  }
  return next ?? null;
}
