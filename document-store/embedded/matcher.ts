/**
 * A filter compiled for testing many documents: mingo's Query, except for the conditions most
 * filters are made of, which are tested directly:
 * - `{ field: { $in: [...] } }` with a list of strings, through a Set: mingo hashes every value
 *   of an `$in` list for every document it tests, so a list of a hundred (the feed's windows
 *   that fit an expert's calendar) cost more than the rest of the query;
 * - `{ field: value }` with a string, number or boolean.
 * Both on a plain top-level field. mingo is compiled only for the rest, if any: a new Query
 * cost more than the test for the small filters of the outbox, the deadlines and the sagas
 * (about 1.5 % of the main thread under create load).
 */
import { Query } from 'mingo';
import { Document, Filter } from '../port';

type Scalar = string | number | boolean;

export class Matcher {
  private query: Query | undefined;
  /** What mingo tests: the conditions not tested here, or none. */
  private readonly rest: Filter | undefined;
  /** field → the strings its `$in` lists. */
  private readonly lists: [string, Set<string>][] = [];
  /** field → the value it equals. */
  private readonly equals: [string, Scalar][] = [];

  constructor(private readonly filter: Filter) {
    const rest: Filter = {};
    let restKeys = 0;
    for (const [field, condition] of Object.entries(filter)) {
      const list = plainField(field) ? stringList(condition) : undefined;
      if (list) this.lists.push([field, new Set(list)]);
      else if (plainField(field) && isScalar(condition)) this.equals.push([field, condition]);
      else {
        rest[field] = condition;
        restKeys++;
      }
    }
    this.rest = restKeys > 0 ? rest : undefined;
  }

  test(doc: Document): boolean {
    return this.inLists(doc) && this.equal(doc) && (this.rest === undefined || this.mingo().test(doc));
  }

  /** mingo's cursor (sort, skip, limit, projection) over the matching documents of `source`. */
  find(source: Iterable<Document>, projection: Record<string, unknown>) {
    const direct = this.lists.length > 0 || this.equals.length > 0;
    const tested = direct ? this.tested(source) : source;
    // Everything is tested here: the cursor of a query that matches everything will do. A
    // positional projection (`field.$`) needs the query's own conditions.
    if (this.rest === undefined && !Object.keys(projection).some((key) => key.endsWith('.$'))) return everything().find<Document>(tested, projection);
    return this.mingo().find<Document>(tested, projection);
  }

  private mingo(): Query {
    this.query ??= new Query(this.rest ?? this.filter, {});
    return this.query;
  }

  private *tested(source: Iterable<Document>): Iterable<Document> {
    for (const doc of source) if (this.inLists(doc) && this.equal(doc)) yield doc;
  }

  /**
   * mingo's `$in` for a list of strings: the field's value, or one of its elements when it is an
   * array, is one of them (a missing field or null matches only a list holding null).
   */
  private inLists(doc: Document): boolean {
    for (const [field, strings] of this.lists) {
      const value = (doc as Record<string, unknown>)[field];
      const found = typeof value === 'string' ? strings.has(value) : Array.isArray(value) && value.some((v) => typeof v === 'string' && strings.has(v));
      if (!found) return false;
    }
    return true;
  }

  /** mingo's equality with a scalar: the field's value is it, or an array holding it. */
  private equal(doc: Document): boolean {
    for (const [field, expected] of this.equals) {
      const value = (doc as Record<string, unknown>)[field];
      if (value !== expected && !(Array.isArray(value) && value.includes(expected))) return false;
    }
    return true;
  }
}

/**
 * One query of no conditions for the whole process: every new Query copies mingo's tables of
 * operators (a few hundred entries), which cost more than the small finds it served.
 */
let matchesEverything: Query | undefined;
function everything(): Query {
  matchesEverything ??= new Query({}, {});
  return matchesEverything;
}

/** A top-level field, not an operator nor a path. */
function plainField(field: string): boolean {
  return !field.startsWith('$') && !field.includes('.');
}

function isScalar(condition: unknown): condition is Scalar {
  return typeof condition === 'string' || typeof condition === 'boolean' || (typeof condition === 'number' && !Number.isNaN(condition));
}

/** The strings of `{ $in: [...] }`, when it is only that and they are all strings. */
function stringList(condition: unknown): string[] | undefined {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return undefined;
  const keys = Object.keys(condition);
  const list = (condition as { $in?: unknown }).$in;
  if (keys.length !== 1 || keys[0] !== '$in' || !Array.isArray(list)) return undefined;
  return list.every((v): v is string => typeof v === 'string') ? list : undefined;
}
