/**
 * The indexes each collection of the embedded store declared with `createIndex`, as its file
 * records them (the `indexes` table): which are unique, which are ordinary (built in memory by
 * indexes.ts) and which field the text index (full-text.ts) covers. MongoDB's rules for a new
 * definition are checked here, before anything is written.
 */
import { isDeepStrictEqual } from 'node:util';
import { Filter, IndexSpec } from '../port';
import { indexName, isPlainObject, textFields, UniqueIndex } from '../semantics';
import { isIndexValue } from './index-keys';
import { IndexDefinition, PartialClause } from './secondary-index';

function sameKeys(a: IndexSpec, b: IndexSpec): boolean {
  return isDeepStrictEqual(Object.entries(a.keys), Object.entries(b.keys));
}

function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return !!a.unique === !!b.unique && isDeepStrictEqual(a.partialFilterExpression ?? null, b.partialFilterExpression ?? null);
}

/**
 * A partial filter as the embedded store supports it: each field equal to a value, or `$in` a
 * list (what MongoDB accepts too); anything else is refused when the index is created.
 */
export function partialClauses(collection: string, filter: Filter): PartialClause[] {
  const refuse = (why: string) => new Error(`Partial filter of an index on '${collection}': ${why}`);
  const clauses: PartialClause[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field.startsWith('$')) throw refuse(`'${field}' is not supported; give each field a value or { $in: [values] }`);
    if (isIndexValue(condition)) clauses.push({ field, values: [condition] });
    else if (isPlainObject(condition) && Object.keys(condition).length === 1 && Array.isArray(condition.$in) && condition.$in.length > 0 && condition.$in.every(isIndexValue)) {
      clauses.push({ field, values: condition.$in });
    } else if (isPlainObject(condition) && Object.keys(condition).length === 1 && isIndexValue(condition.$eq)) clauses.push({ field, values: [condition.$eq] });
    else throw refuse(`'${field}' must be a value or { $in: [values] }`);
  }
  if (clauses.length === 0) throw refuse('it is empty');
  return clauses;
}

/** Rules a definition follows on its own, whatever the collection already has. */
export function validateIndexSpec(collection: string, spec: IndexSpec): void {
  const kinds = Object.values(spec.keys);
  if (kinds.length === 0) throw new Error(`An index on '${collection}' needs at least one key`);
  if (kinds.some((k) => k !== 1 && k !== -1 && k !== 'text')) throw new Error(`Index keys must be 1, -1 or 'text'`);
  const text = kinds.filter((k) => k === 'text').length;
  if (text > 0 && text < kinds.length) {
    throw new Error(`The embedded store does not support compound text indexes (text and ordinary keys mixed)`);
  }
  if (text > 0 && spec.unique) throw new Error(`A text index cannot be unique`);
  if (spec.partialFilterExpression !== undefined) {
    if (text > 0 || spec.unique) throw new Error(`The embedded store supports partial filters on ordinary (not unique, not text) indexes only`);
    partialClauses(collection, spec.partialFilterExpression);
  }
}

export class DeclaredIndexes {
  private readonly specs = new Map<string, IndexSpec[]>();
  /** collection → its unique indexes, derived from `specs`. */
  private readonly unique = new Map<string, readonly UniqueIndex[]>();

  /**
   * The definition to record for `requested` (its name defaulted), checked against the
   * collection's others; undefined when the same one exists already (createIndex is idempotent).
   */
  accept(collection: string, requested: IndexSpec): IndexSpec | undefined {
    const spec: IndexSpec = {
      keys: { ...requested.keys },
      name: indexName(requested),
      ...(requested.unique ? { unique: true } : {}),
      ...(requested.partialFilterExpression ? { partialFilterExpression: requested.partialFilterExpression } : {}),
    };
    const existing = this.specs.get(collection) ?? [];
    const sameName = existing.find((s) => s.name === spec.name);
    if (sameName) {
      if (sameKeys(sameName, spec) && sameOptions(sameName, spec)) return undefined; // idempotent
      throw new Error(`Index '${spec.name}' on '${collection}' already exists with different keys or options`);
    }
    const twin = existing.find((s) => sameKeys(s, spec));
    if (twin) throw new Error(`An index with the same keys already exists on '${collection}' as '${twin.name}'`);
    if (textFields(spec).length > 0 && existing.some((s) => textFields(s).length > 0)) {
      throw new Error(`'${collection}' already has a text index: a collection has at most one`);
    }
    return spec;
  }

  add(collection: string, spec: IndexSpec): void {
    let specs = this.specs.get(collection);
    if (!specs) this.specs.set(collection, (specs = []));
    specs.push(spec);
    this.unique.delete(collection);
  }

  /** The collection's index of that name, if it has one. */
  named(collection: string, name: string): IndexSpec | undefined {
    return this.specs.get(collection)?.find((s) => s.name === name);
  }

  remove(collection: string, name: string): void {
    const specs = this.specs.get(collection);
    if (!specs) return;
    this.specs.set(collection, specs.filter((s) => s.name !== name));
    this.unique.delete(collection);
  }

  forget(collection: string): void {
    this.specs.delete(collection);
    this.unique.delete(collection);
  }

  uniqueIndexes(collection: string): readonly UniqueIndex[] {
    const known = this.unique.get(collection);
    if (known) return known;
    const specs = this.specs.get(collection) ?? [];
    const indexes = specs.filter((s) => s.unique).map((s) => ({ name: s.name!, fields: Object.keys(s.keys) }));
    this.unique.set(collection, indexes);
    return indexes;
  }

  ordinaryIndexes(collection: string): IndexDefinition[] {
    return (this.specs.get(collection) ?? [])
      .filter((spec) => textFields(spec).length === 0)
      .map((spec) => ({
        name: spec.name!,
        fields: Object.keys(spec.keys),
        ...(spec.partialFilterExpression ? { partial: partialClauses(collection, spec.partialFilterExpression) } : {}),
      }));
  }

  /** The fields of the collection's text index; none without one. */
  textIndexFields(collection: string): string[] {
    const spec = this.specs.get(collection)?.find((s) => textFields(s).length > 0);
    return spec ? textFields(spec) : [];
  }
}
