/**
 * One secondary index of the embedded store, over a collection's committed documents, kept in
 * memory: a key per document (several when an indexed field holds an array), each key ending
 * with the document's row so keys are unique and equal values keep natural order. The planner
 * that reads it is indexes.ts.
 *
 * Documents are known by their rows, not their ids: a document keeps its row while it exists
 * (an update rewrites the row in place) and rows are not reused, and an index holding ids kept
 * every id string in memory (the audit trail's only holder of them) besides a slot per key.
 * Readers learn a candidate's id from the document cache when they read it.
 */
import { Document } from '../port';
import { atomsAt, encodeSeq, encodeValue, FieldShape, IndexValue, scalarAt, seqOf } from './index-keys';
import { IndexPages } from './index-pages';
import { Matcher } from './matcher';
import { RowPlaces } from './row-places';
import { SortedKeys } from './sorted-keys';

/** One condition of a partial index's filter: the field holds one of these values. */
export interface PartialClause {
  field: string;
  values: IndexValue[];
}

/** An ordinary index a collection declared: its name and fields, in order, and its partial filter. */
export interface IndexDefinition {
  name: string;
  fields: readonly string[];
  /** Only documents meeting every clause are in the index (a partial index, in MongoDB terms). */
  partial?: readonly PartialClause[];
}

/**
 * Keys are joined, not concatenated with +: `a + b` makes a rope (a cons string pointing at its
 * parts), so each key the index kept was up to five heap objects. Every key lives as long as its
 * document, and the garbage collector marks all of them at each full collection: those pauses,
 * every few seconds under load, held up every request in flight.
 */
function joined(parts: string[]): string {
  return parts.join('');
}

/** A document with more keys than this (arrays in several fields) is proposed to every query instead. */
const MAX_KEYS_PER_DOCUMENT = 64;

/** One index over a collection's committed documents. */
export class SecondaryIndex {
  /** A document with one key is found again through `keys.keyOf` when it changes. */
  readonly keys: SortedKeys;
  /** row → the keys of a document with several (what to take out when it changes). */
  private readonly multikeys = new Map<number, string[]>();
  /** row → bit mask of the fields whose values are not one scalar, for the documents that have any. */
  private readonly irregular = new RowPlaces();
  private readonly irregularPerField: number[];
  /** The rows of documents with too many keys to list: proposed to every query. */
  readonly unlisted = new Set<number>();
  private readonly paths: string[][];
  /** Whether a document belongs in a partial index (mingo's test of its filter). */
  private readonly member: Matcher | undefined;
  /** The partial filter's values per field, encoded as index atoms. */
  private readonly partialAtoms: [field: string, atoms: Set<string>][] | undefined;

  /** `pages`: where the keys are kept (the store's, within its budget; by default all in memory). */
  constructor(
    readonly definition: IndexDefinition,
    pages?: IndexPages,
  ) {
    this.keys = new SortedKeys(seqOf, pages);
    this.paths = definition.fields.map((field) => field.split('.'));
    this.irregularPerField = definition.fields.map(() => 0);
    if (definition.partial) {
      this.member = new Matcher(Object.fromEntries(definition.partial.map(({ field, values }) => [field, { $in: values }])));
      this.partialAtoms = definition.partial.map(({ field, values }) => [field, new Set(values.map(encodeValue))]);
    }
  }

  /**
   * Whether every document a query with these equalities can match is in the index: a partial
   * index serves a query only if, for each field of its filter, the query pins the field to
   * values the filter lists. (A document matching `{ f: v }` holds v in f, or in an element of
   * f, and so matches `{ f: { $in: [..., v, ...] } }`.)
   */
  covers(points: (field: string) => readonly IndexValue[] | undefined): boolean {
    if (!this.partialAtoms) return true;
    return this.partialAtoms.every(([field, atoms]) => {
      const values = points(field);
      return values !== undefined && values.every((value) => atoms.has(encodeValue(value)));
    });
  }

  get fields(): readonly string[] {
    return this.definition.fields;
  }

  /** Whether the planner may look values up in this field (a path through array positions is left to scans). */
  usable(field: number): boolean {
    return !this.paths[field]!.some((part) => /^\d+$/.test(part));
  }

  /** Whether every document holds one scalar in these fields, so key order is mingo's sort order. */
  regular(fromField: number, toField: number): boolean {
    if (this.unlisted.size > 0) return false;
    for (let i = fromField; i < toField; i++) if (this.irregularPerField[i] !== 0) return false;
    return true;
  }

  /** Records the current version of the document at row `seq` (null: deleted). */
  write(seq: number, doc: Document | null): void {
    const before = this.multikeys.get(seq) ?? this.keys.keyOf(seq);
    const next = doc && this.holds(doc) ? this.keysOf(doc, seq) : { keys: [], mask: 0 };
    const keys = next.keys ?? [];
    if (!sameKeys(before, keys)) {
      if (typeof before === 'string') this.keys.delete(before);
      else if (before) for (const key of before) this.keys.delete(key);
      if (keys.length === 1) this.keys.insert(keys[0]!, true);
      else for (const key of keys) this.keys.insert(key);
      if (keys.length > 1) this.multikeys.set(seq, keys);
      else this.multikeys.delete(seq);
    }
    if (next.keys === undefined) this.unlisted.add(seq);
    else this.unlisted.delete(seq);
    this.setMask(seq, next.mask);
  }

  /** While an empty index is filled: records a document and adds its keys to `all`, sorted at the end by `loaded`. */
  collect(seq: number, doc: Document, all: string[]): void {
    if (!this.holds(doc)) return;
    const { keys, mask } = this.keysOf(doc, seq);
    if (keys === undefined) this.unlisted.add(seq);
    else {
      for (const key of keys) all.push(key);
      if (keys.length > 1) this.multikeys.set(seq, keys);
    }
    this.setMask(seq, mask);
  }

  loaded(all: string[]): void {
    this.keys.load(all, (seq) => !this.multikeys.has(seq));
  }

  /** Whether the document belongs in the index: always, unless the index is partial. */
  private holds(doc: Document): boolean {
    return this.member === undefined || this.member.test(doc);
  }

  /** The keys of a document (undefined: too many to list), and which fields were not one scalar. */
  private keysOf(doc: Document, seq: number): { keys: string[] | undefined; mask: number } {
    const atoms: string[] = [];
    for (const path of this.paths) {
      const atom = scalarAt(doc, path);
      if (atom === undefined) return this.multikeysOf(doc, seq);
      atoms.push(atom);
    }
    atoms.push(encodeSeq(seq));
    return { keys: [joined(atoms)], mask: 0 };
  }

  /** `keysOf` a document with an array or an object in an indexed field: a key per combination of elements. */
  private multikeysOf(doc: Document, seq: number): { keys: string[] | undefined; mask: number } {
    let tuples = [''];
    let mask = 0;
    for (let i = 0; i < this.paths.length; i++) {
      const atoms = new Set<string>();
      const shape: FieldShape = { array: false, other: false };
      atomsAt(doc, this.paths[i]!, atoms, shape);
      if (shape.array || shape.other) mask |= 1 << i;
      if (tuples.length * atoms.size > MAX_KEYS_PER_DOCUMENT) return { keys: undefined, mask: mask | ((1 << this.paths.length) - 1) };
      tuples = atoms.size === 1 ? tuples.map((t) => t + [...atoms][0]!) : tuples.flatMap((t) => [...atoms].map((a) => t + a));
    }
    const row = encodeSeq(seq);
    return { keys: tuples.map((t) => joined([t, row])), mask };
  }

  private setMask(seq: number, mask: number): void {
    const before = this.irregular.get(seq) ?? 0;
    if (before === mask) return;
    for (let i = 0; i < this.irregularPerField.length; i++) {
      this.irregularPerField[i]! += ((mask >> i) & 1) - ((before >> i) & 1);
    }
    if (mask === 0) this.irregular.delete(seq);
    else this.irregular.set(seq, mask);
  }
}

function sameKeys(before: string | string[] | undefined, keys: string[]): boolean {
  if (before === undefined) return keys.length === 0;
  if (typeof before === 'string') return keys.length === 1 && keys[0] === before;
  return before.length === keys.length && before.every((key, i) => key === keys[i]);
}
