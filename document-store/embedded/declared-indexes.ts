/**
 * The indexes each collection of the embedded store declared with `createIndex`, as its file
 * records them (the `indexes` table): which are unique, which are ordinary (built in memory by
 * indexes.ts) and which field the text index (full-text.ts) covers. MongoDB's rules for a new
 * definition are checked here, before anything is written.
 */
import { isDeepStrictEqual } from 'node:util';
import { IndexSpec } from '../port';
import { indexName, textFields, UniqueIndex } from '../semantics';
import { IndexDefinition } from './secondary-index';

function sameKeys(a: IndexSpec, b: IndexSpec): boolean {
  return isDeepStrictEqual(Object.entries(a.keys), Object.entries(b.keys));
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
    const spec: IndexSpec = { keys: { ...requested.keys }, name: indexName(requested), ...(requested.unique ? { unique: true } : {}) };
    const existing = this.specs.get(collection) ?? [];
    const sameName = existing.find((s) => s.name === spec.name);
    if (sameName) {
      if (sameKeys(sameName, spec) && !!sameName.unique === !!spec.unique) return undefined; // idempotent
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
      .map((spec) => ({ name: spec.name!, fields: Object.keys(spec.keys) }));
  }

  /** The fields of the collection's text index; none without one. */
  textIndexFields(collection: string): string[] {
    const spec = this.specs.get(collection)?.find((s) => textFields(s).length > 0);
    return spec ? textFields(spec) : [];
  }
}
