/**
 * A filter compiled for testing many documents: mingo's Query, except that a top-level
 * `{ field: { $in: [...] } }` with a long list of strings is tested through a Set. mingo hashes
 * every value of an `$in` list for every document it tests, so a list of a hundred (the feed's
 * windows that fit an expert's calendar) cost more than the rest of the query.
 */
import { Query } from 'mingo';
import { Document, Filter } from '../port';

/** Lists at least this long are tested through a Set. */
const SET_FROM = 16;

export class Matcher {
  private readonly query: Query;
  /** field → the strings its `$in` lists. */
  private readonly lists: [string, Set<string>][] = [];

  constructor(filter: Filter) {
    const rest: Filter = {};
    for (const [field, condition] of Object.entries(filter)) {
      const list = stringList(field, condition);
      if (list) this.lists.push([field, new Set(list)]);
      else rest[field] = condition;
    }
    this.query = new Query(this.lists.length > 0 ? rest : filter, {});
  }

  test(doc: Document): boolean {
    return this.inLists(doc) && this.query.test(doc);
  }

  /** mingo's cursor over the matching documents of `source`. */
  find(source: Iterable<Document>, projection: Record<string, unknown>) {
    return this.query.find<Document>(this.lists.length > 0 ? this.listed(source) : source, projection);
  }

  private *listed(source: Iterable<Document>): Iterable<Document> {
    for (const doc of source) if (this.inLists(doc)) yield doc;
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
}

/** The strings of `{ $in: [...] }` on a plain top-level field, when there are enough of them. */
function stringList(field: string, condition: unknown): string[] | undefined {
  if (field.startsWith('$') || field.includes('.') || typeof condition !== 'object' || condition === null || Array.isArray(condition)) return undefined;
  const keys = Object.keys(condition);
  const list = (condition as { $in?: unknown }).$in;
  if (keys.length !== 1 || keys[0] !== '$in' || !Array.isArray(list) || list.length < SET_FROM) return undefined;
  return list.every((v): v is string => typeof v === 'string') ? list : undefined;
}
