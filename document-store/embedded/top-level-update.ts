/**
 * The way projections mostly write — `updateOne({ _id, field: value }, { $set, $inc, $unset })`
 * on top-level fields with plain values — decided and applied without mingo. Compiling a mingo
 * query and running its updater cost more than the rest of such a write (a projection moves
 * its checkpoint this way once per batch), and `$inc` of counters inside objects (the
 * activity and report tallies, once per event). Anything else (other dotted paths, arrays,
 * other operators, objects as values) answers `undefined`: the caller takes the general path.
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
  const touched: string[] = [];
  for (const operator in modifier) {
    const fields = modifier[operator];
    if ((operator !== '$set' && operator !== '$unset' && operator !== '$inc') || !isPlainObject(fields)) return undefined;
    let any = false;
    for (const field in fields) {
      any = true;
      const path = operator === '$inc' ? counterPath(field) : isTopLevel(field) ? [field] : undefined;
      // The same field (or a field and one inside it) under two operators is a conflict MongoDB reports: leave that to the general path.
      if (!path || touched.some((t) => t === field || t.startsWith(`${field}.`) || field.startsWith(`${t}.`))) return undefined;
      touched.push(field);
      const value = fields[field];
      if (operator === '$set' && !isPlain(value) && value !== null) return undefined;
      if (operator === '$inc') {
        const held = counterAt(target, path); // null is no number: MongoDB refuses it
        if (typeof value !== 'number' || !isPlain(value) || held === undefined || !isPlain(held.value + value)) return undefined;
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
      } else if (field.includes('.')) {
        const path = field.split('.');
        const { value: count, has: counted } = counterAt(target, path)!;
        const sum = count + (fields[field] as number);
        if (counted && sum === count) continue;
        // Copies of the objects on the way: the target's are shared with the cache.
        next ??= { ...target };
        let node: Record<string, unknown> = next;
        for (const part of path.slice(0, -1)) {
          const inner = own(node as Document, part);
          const copy: Record<string, unknown> = isPlainObject(inner) ? { ...inner } : {};
          node[part] = copy;
          node = copy;
        }
        node[path[path.length - 1]!] = sum;
      } else {
        const sum = ((held as number | undefined) ?? 0) + (fields[field] as number);
        if (!has || sum !== held) change(field, sum);
      }
    }
  }
  return next ?? null;
}

/**
 * The path of a counter `$inc` may reach: a top-level field, or one inside objects (a tally by
 * kind, `byType.TicketOpened`), never through an array position or an operator-like name.
 */
function counterPath(field: string): string[] | undefined {
  const path = field.split('.');
  return path.every((part, i) => part !== '' && !/^\d+$/.test(part) && (i > 0 ? !part.startsWith('$') && !(part in Object.prototype) : isTopLevel(part))) ? path : undefined;
}

/** The number at `path` (0, not held, when it or an object on the way is missing); undefined when something else is in the way. */
function counterAt(doc: Document, path: readonly string[]): { value: number; has: boolean } | undefined {
  let node: unknown = doc;
  for (const part of path.slice(0, -1)) {
    node = own(node as Document, part);
    if (node === undefined) return { value: 0, has: false };
    if (!isPlainObject(node)) return undefined;
  }
  const leaf = path[path.length - 1]!;
  if (!Object.hasOwn(node as Document, leaf)) return { value: 0, has: false };
  const value = (node as Document)[leaf];
  return typeof value === 'number' ? { value, has: true } : undefined;
}
