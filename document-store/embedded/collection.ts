/**
 * A collection of the embedded store: MongoDB semantics from mingo over whatever layer it is
 * given (committed state, or a transaction's overlay). Every write runs against a scratch
 * overlay and reaches the workspace as one batch, so a failing write changes nothing; writes
 * of one document by `_id` (insertOne, replaceOne by `_id`, the way projections write) skip
 * the scratch overlay and keep the document as its JSON text until someone reads it.
 * Method bodies are synchronous: no other write can interleave with one.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Aggregator, ProcessingMode } from 'mingo';
import { copyOf, knownText, parsedWithText, parseStored } from './json-text';
import { deepFreeze } from '../../domain/shared/frozen';
import { Matcher } from './matcher';
import { Candidate, candidateId } from './indexes';
import { Changes, Layer, Overlay, Workspace } from './overlay';
import {
  BulkOperation,
  BulkWriteResult,
  Collection,
  DeleteResult,
  Document,
  DuplicateKey,
  Filter,
  FindOptions,
  IndexSpec,
  PipelineStage,
  Update,
  UpdateOptions,
  UpdateResult,
} from '../port';
import { applyTopLevel, matchesTopLevel } from './top-level-update';
import { assertOperatorUpdate, assertReplacement, isPlainObject, upsertSeed } from '../semantics';

export { serialized } from './json-text';

/** Whether the filter has exactly one field (its `_id`, checked by the caller), without building an array of keys. */
function onlyKey(filter: Filter): boolean {
  let keys = 0;
  for (const key in filter) if (Object.hasOwn(filter, key) && ++keys > 1) return false;
  return keys === 1;
}

/** A caller's object whose JSON text is just its fields (no `toJSON` hook can change `_id`). */
function plainForJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

// mingo's updater module directly: the root export's `update` copies its whole operator
// table on every call, which made each write about four times slower.
const { update: applyUpdate } = require('mingo/updater') as typeof import('mingo/types/updater');

type Modifier = Parameters<typeof applyUpdate>[1];

/**
 * `$addToSet` as MongoDB does it: appends each value the array lacks and leaves the array
 * alone otherwise. mingo 7 de-duplicates the whole array instead (so ['c', 'c'] + 'a' is a
 * no-op there, and existing duplicates vanish), hence this. Positional paths go to mingo.
 */
function addToSet(doc: Document, expr: Record<string, unknown>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [path, spec] of Object.entries(expr)) {
    if (path.includes('$')) {
      rest[path] = spec;
      continue;
    }
    const values = copyOf(isPlainObject(spec) && Array.isArray(spec.$each) ? (spec.$each as unknown[]) : [spec]);
    const parts = path.split('.');
    let parent: Record<string, unknown> | unknown[] = doc;
    for (const part of parts.slice(0, -1)) {
      const next: unknown = Array.isArray(parent) ? parent[Number(part)] : parent[part];
      if (typeof next === 'object' && next !== null) parent = next as Record<string, unknown> | unknown[];
      else if (next === undefined && !Array.isArray(parent)) parent = parent[part] = {};
      else throw new Error(`Cannot apply $addToSet to '${path}': '${part}' is not an object`);
    }
    const last = parts[parts.length - 1]!;
    const container = parent as Record<string, unknown>;
    const current = container[last];
    if (current !== undefined && !Array.isArray(current)) throw new Error(`Cannot apply $addToSet to non-array field '${path}'`);
    const array: unknown[] = current ?? [];
    for (const value of values) if (!array.some((item) => isDeepStrictEqual(item, value))) array.push(value);
    container[last] = array;
  }
  return rest;
}

/**
 * An upsert's new document when the update only `$set`s top-level fields (durable timers are
 * scheduled with `$setOnInsert: wholeDocument`): assigned in place without mingo, whose deep
 * cloning updater cost more than the rest of such a write. False: nothing done, take mingo.
 */
function setTopLevel(doc: Document, modifier: Record<string, unknown>): boolean {
  const operators = Object.keys(modifier);
  const fields = modifier.$set;
  if (operators.length !== 1 || operators[0] !== '$set' || !isPlainObject(fields)) return false;
  for (const field in fields) if (field.includes('.') || field.startsWith('$') || field in Object.prototype || (field === '_id' && fields._id !== doc._id)) return false;
  // The caller stores a JSON copy of the document (parsedWithText): values are not shared.
  for (const field in fields) if (field !== '_id') doc[field] = fields[field];
  return true;
}

/** Applies update operators to `doc` in place. */
function applyModifier(doc: Document, modifier: Record<string, unknown>): void {
  const { $addToSet, ...others } = modifier;
  // MongoDB accepts setting _id to the value it already has (e.g. `$setOnInsert: wholeRecord`); mingo never does.
  if (isPlainObject(others.$set) && '_id' in others.$set) {
    const { _id, ...fields } = others.$set;
    if (_id !== doc._id) throw new Error(`Performing an update on the path '_id' would modify the immutable field '_id'`);
    if (Object.keys(fields).length > 0) others.$set = fields;
    else delete others.$set;
  }
  if ($addToSet !== undefined) {
    const positional = addToSet(doc, $addToSet as Record<string, unknown>);
    if (Object.keys(positional).length > 0) others.$addToSet = positional;
  }
  if (Object.keys(others).length > 0) applyUpdate(doc, others as Modifier, undefined, undefined, { cloneMode: 'deep' });
}

/** Stages that would write somewhere mingo cannot reach. */
const UNSUPPORTED_STAGES = ['$out', '$merge'];
/**
 * Stages that only read their input documents. Others (e.g. $addFields on a dotted path) may
 * write into nested objects they share with the input, which here is the cache.
 */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$sort', '$limit', '$skip', '$count', '$sortByCount']);

export class EmbeddedCollection<T extends Document = Document> implements Collection<T> {
  constructor(
    readonly name: string,
    private readonly workspace: Workspace,
  ) {}

  async findOne(filter: Filter, options: Pick<FindOptions, 'projection' | 'sort'> = {}): Promise<T | null> {
    return this.findSync(filter, { ...options, limit: 1 })[0] ?? null;
  }

  async find(filter: Filter = {}, options: FindOptions = {}): Promise<T[]> {
    return this.findSync(filter, options);
  }

  async findReadOnly(filter: Filter = {}, options: FindOptions = {}): Promise<readonly Readonly<T>[]> {
    return this.findSync(filter, options, deepFreeze);
  }

  async count(filter: Filter = {}): Promise<number> {
    const layer = this.workspace.layer;
    const known = typeof filter._id === 'string' ? undefined : layer.count(this.name, filter);
    if (known !== undefined) return known;
    let n = 0;
    for (const _ of this.matching(layer, filter)) n += 1;
    return n;
  }

  async aggregate<R = Document>(pipeline: PipelineStage[]): Promise<R[]> {
    const layer = this.workspace.layer;
    for (const stage of pipeline) {
      const op = Object.keys(stage)[0];
      if (op && UNSUPPORTED_STAGES.includes(op)) throw new Error(`${op} is not supported by the embedded document store`);
    }
    // Leading $match stages run here, on the shared documents; only what they keep is cloned.
    let start = 0;
    const matches: Filter[] = [];
    while (start < pipeline.length && '$match' in pipeline[start]!) matches.push(pipeline[start++]!.$match as Filter);
    const filter = matches.length === 0 ? {} : matches.length === 1 ? matches[0]! : { $and: matches };
    const input = [...this.matching(layer, filter)];
    const rest = pipeline.slice(start);
    if (rest.length === 0) return input.map((doc) => copyOf(doc) as unknown as R);
    const readOnly = rest.every((stage) => READ_ONLY_STAGES.has(Object.keys(stage)[0] ?? ''));
    const aggregator = new Aggregator(rest, {
      // Outputs are always copied (a $group may hand back arrays of the input); inputs only when a stage might write.
      processingMode: readOnly ? ProcessingMode.CLONE_OUTPUT : ProcessingMode.CLONE_ALL,
      collectionResolver: (name) => [...layer.documents(name)],
    });
    return aggregator.run(input) as R[];
  }

  async insertOne(document: T): Promise<void> {
    this.insertOneIn(this.workspace, document);
  }

  async updateOne(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.write((scratch) => this.update(scratch, filter, update, options.upsert ?? false, true));
  }

  async updateMany(filter: Filter, update: Update, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.write((scratch) => this.update(scratch, filter, update, options.upsert ?? false, false));
  }

  async replaceOne(filter: Filter, replacement: T, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.replaceOneIn(this.workspace, filter, replacement, options.upsert ?? false);
  }

  async deleteOne(filter: Filter): Promise<DeleteResult> {
    return this.write((scratch) => this.delete(scratch, filter, true));
  }

  async deleteMany(filter: Filter): Promise<DeleteResult> {
    return this.write((scratch) => this.delete(scratch, filter, false));
  }

  /**
   * Ordered, stop at the first failure, like MongoDB: the operations before the failing one
   * are committed (together, in one SQLite transaction), the failing one and the rest are not,
   * and the error is rethrown.
   */
  async bulkWrite(operations: BulkOperation<T>[]): Promise<BulkWriteResult> {
    const batch = new Overlay(this.workspace.layer);
    const inBatch: Workspace = {
      layer: batch,
      stats: this.workspace.stats,
      commit: (changes: Changes) => batch.putAll(changes),
      commitOne: (collection, id, doc, absent) => batch.put(collection, id, doc, absent),
      createIndex: (collection, spec) => this.workspace.createIndex(collection, spec),
      dropIndex: (collection, name) => this.workspace.dropIndex(collection, name),
    };
    const result: BulkWriteResult = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
    const add = (r: UpdateResult) => {
      result.matchedCount += r.matchedCount;
      result.modifiedCount += r.modifiedCount;
      if (r.upsertedId !== undefined) result.upsertedCount += 1;
    };
    try {
      for (const op of operations) {
        if ('insertOne' in op) {
          this.insertOneIn(inBatch, op.insertOne.document);
          result.insertedCount += 1;
        } else if ('updateOne' in op) {
          const { filter, update, upsert } = op.updateOne;
          add(this.write((s) => this.update(s, filter, update, upsert ?? false, true), inBatch));
        } else if ('updateMany' in op) {
          const { filter, update, upsert } = op.updateMany;
          add(this.write((s) => this.update(s, filter, update, upsert ?? false, false), inBatch));
        } else if ('replaceOne' in op) {
          const { filter, replacement, upsert } = op.replaceOne;
          add(this.replaceOneIn(inBatch, filter, replacement, upsert ?? false));
        } else if ('deleteOne' in op) {
          result.deletedCount += this.write((s) => this.delete(s, op.deleteOne.filter, true), inBatch).deletedCount;
        } else {
          result.deletedCount += this.write((s) => this.delete(s, op.deleteMany.filter, false), inBatch).deletedCount;
        }
      }
    } finally {
      this.workspace.commit(batch.changed());
    }
    return result;
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    this.workspace.createIndex(this.name, spec);
  }

  async dropIndex(name: string): Promise<void> {
    this.workspace.dropIndex(this.name, name);
  }

  /**
   * `handOut` turns a stored document into what the caller gets: a copy by default; for a
   * read-only caller, the document itself, frozen. Stored documents are never changed in place
   * (a write stores a new object), so a frozen one stays right for every reader.
   */
  private findSync(filter: Filter, options: FindOptions, handOut: (doc: Document) => Document = copyOf): T[] {
    const { sort, skip, limit, projection } = options;
    const plain = !projection || Object.keys(projection).length === 0;
    if (plain && !skip && typeof filter._id === 'string' && onlyKey(filter)) {
      // One document by id (read-modify-write projections, once per event): the caller's copy
      // is parsed from the stored text, which the store keeps as it is, so it is parsed once.
      const stored = this.workspace.layer.stored(this.name, filter._id);
      if (stored === undefined) return [];
      return [(typeof stored === 'string' ? JSON.parse(stored) : handOut(stored)) as T];
    }
    if (plain && (!sort || Object.keys(sort).length === 0)) {
      const found: T[] = [];
      let skipped = 0;
      for (const doc of this.matching(this.workspace.layer, filter)) {
        if (skipped++ < (skip ?? 0)) continue;
        found.push(handOut(doc) as T);
        if (limit && found.length >= limit) break;
      }
      return found;
    }
    const query = new Matcher(filter);
    // With a limit, an index in the sort's order proposes only the documents that can make the first skip + limit.
    const need = sort && limit ? (skip ?? 0) + limit : undefined;
    const source = this.candidates(this.workspace.layer, filter, query, sort, need);
    const cursor = query.find(source, projection ?? {});
    if (sort && Object.keys(sort).length > 0) cursor.sort(sort);
    if (skip) cursor.skip(skip);
    if (limit) cursor.limit(limit); // 0 means no limit, as in MongoDB
    // A projection's documents are mingo's own: copied or not, they are nobody else's.
    return cursor.all().map((doc) => (plain ? handOut(doc as Document) : copyOf(doc)) as T);
  }

  /**
   * The documents a query has to test, in natural order: the one with the filter's string `_id`,
   * those an index proposes (see indexes.ts), or else every document.
   */
  private *candidates(layer: Layer, filter: Filter, query: Matcher | undefined, sort?: Record<string, 1 | -1>, need?: number): Iterable<Document> {
    const { stats } = this.workspace;
    const id = filter._id;
    if (typeof id === 'string') {
      stats.plans?.push('_id');
      const doc = layer.get(this.name, id);
      if (!doc) return;
      stats.examined++;
      yield doc;
      return;
    }
    const test = query ? (doc: Document) => query.test(doc) : () => true;
    const asked = query !== undefined || sort !== undefined;
    const found = asked ? layer.candidates(this.name, { filter, test, ...(sort ? { sort } : {}), ...(need ? { need } : {}) }) : undefined;
    if (!asked) stats.plans?.push(`scan ${this.name}`); // else the committed state says how it answered
    for (const doc of found ? this.fetched(layer, found) : layer.documents(this.name)) {
      stats.examined++;
      yield doc;
    }
  }

  private *fetched(layer: Layer, found: Candidate[]): Iterable<Document> {
    for (const candidate of found) {
      const id = candidateId(candidate);
      const doc = id === undefined ? undefined : layer.get(this.name, id);
      if (doc) yield doc;
    }
  }

  private *matching(layer: Layer, filter: Filter): Iterable<Document> {
    const keys = Object.keys(filter);
    // `{ _id: 'x' }` alone is answered by the lookup: compiling a mingo query costs more than the write.
    const byIdOnly = keys.length === 1 && typeof filter._id === 'string';
    const query = keys.length > 0 && !byIdOnly ? new Matcher(filter) : undefined;
    for (const doc of this.candidates(layer, filter, query)) if (!query || query.test(doc)) yield doc;
  }

  private first(layer: Layer, filter: Filter): Document | undefined {
    for (const doc of this.matching(layer, filter)) return doc;
    return undefined;
  }

  private write<R>(work: (scratch: Overlay) => R, workspace: Workspace = this.workspace): R {
    const scratch = new Overlay(workspace.layer);
    const result = work(scratch);
    workspace.commit(scratch.changed());
    return result;
  }

  /**
   * One document, one change: no scratch overlay needed (a put that breaks a unique key throws
   * before changing anything). The document is kept as its JSON text until someone reads it.
   */
  private insertOneIn(workspace: Workspace, document: T): void {
    if (!plainForJson(document)) {
      this.write((scratch) => this.insertCopy(scratch, parsedWithText(document)), workspace);
      return;
    }
    const id = document._id;
    if (typeof id !== 'string') throw new TypeError(`'${this.name}': a document's _id must be a string`);
    const text = JSON.stringify(document);
    if (workspace.layer.has(this.name, id)) throw new DuplicateKey(this.name, { _id: id });
    workspace.commitOne(this.name, id, text, true);
  }

  /** `replaceOne({ _id }, replacement)`, the way projections write, without a scratch overlay; otherwise as `replace`. */
  private replaceOneIn(workspace: Workspace, filter: Filter, replacement: T, upsert: boolean): UpdateResult {
    const id = filter._id;
    const byId =
      typeof id === 'string' &&
      replacement !== null &&
      typeof replacement === 'object' &&
      replacement._id === id &&
      plainForJson(replacement) &&
      onlyKey(filter);
    if (!byId) return this.write((scratch) => this.replace(scratch, filter, replacement, upsert), workspace);
    assertReplacement(replacement);
    const text = JSON.stringify(replacement);
    const stored = workspace.layer.stored(this.name, id);
    if (stored === undefined) {
      if (!upsert) return { matchedCount: 0, modifiedCount: 0 };
      workspace.commitOne(this.name, id, text, true);
      return { matchedCount: 0, modifiedCount: 0, upsertedId: id };
    }
    const before = typeof stored === 'string' ? stored : knownText(stored);
    if (before === text) return { matchedCount: 1, modifiedCount: 0 };
    if (before !== undefined) {
      // Other text, so another document: the replacement is stored as given, field order
      // included. Kept as text until someone reads it: a rebuild replacing a document per
      // event would otherwise parse each one only to drop it at the next event.
      workspace.commitOne(this.name, id, text);
      return { matchedCount: 1, modifiedCount: 1 };
    }
    const next = parseStored(text);
    if (isDeepStrictEqual(next, stored)) return { matchedCount: 1, modifiedCount: 0 };
    workspace.commitOne(this.name, id, next);
    return { matchedCount: 1, modifiedCount: 1 };
  }

  /** Inserts a document that is already this store's own copy. */
  private insertCopy(scratch: Overlay, doc: Document): void {
    if (typeof doc._id !== 'string') throw new TypeError(`'${this.name}': a document's _id must be a string`);
    if (scratch.get(this.name, doc._id)) throw new DuplicateKey(this.name, { _id: doc._id });
    scratch.put(this.name, doc._id, doc);
  }

  private update(scratch: Overlay, filter: Filter, update: Update, upsert: boolean, justOne: boolean): UpdateResult {
    assertOperatorUpdate(update);
    // Not cloned: a RegExp in `$pull` must stay a RegExp; mingo deep-copies the values it sets.
    const { $setOnInsert, ...modifier } = update;
    const hasModifier = Object.keys(modifier).length > 0;
    if (justOne && hasModifier && typeof filter._id === 'string') {
      const quick = this.updateTopLevel(scratch, filter as Filter & { _id: string }, modifier);
      if (quick) return quick;
    }
    const targets = justOne ? [this.first(scratch, filter)].filter((d) => d !== undefined) : [...this.matching(scratch, filter)];
    if (targets.length > 0) {
      let modifiedCount = 0;
      for (const target of targets) {
        if (!hasModifier) continue;
        const next = copyOf(target);
        applyModifier(next, modifier);
        if (next._id !== target._id) throw new Error(`'${this.name}': an update cannot change the immutable field _id`);
        const normalized = parsedWithText(next);
        if (isDeepStrictEqual(normalized, target)) continue;
        scratch.put(this.name, target._id, normalized);
        modifiedCount += 1;
      }
      return { matchedCount: targets.length, modifiedCount };
    }
    if (!upsert) return { matchedCount: 0, modifiedCount: 0 };
    const seed = upsertSeed(filter);
    const onInsert = $setOnInsert as Record<string, unknown> | undefined;
    // The new _id: the filter's, else one the update sets, else a fresh one.
    const setId = onInsert?._id ?? (isPlainObject(modifier.$set) ? modifier.$set._id : undefined);
    const id = typeof seed._id === 'string' ? seed._id : typeof setId === 'string' ? setId : randomUUID();
    const doc = { ...seed, _id: id } as Document;
    const insertModifier = onInsert ? { ...modifier, $set: { ...(modifier.$set as object | undefined), ...onInsert } } : modifier;
    if (!setTopLevel(doc, insertModifier)) applyModifier(doc, insertModifier);
    this.insertCopy(scratch, parsedWithText(doc));
    return { matchedCount: 0, modifiedCount: 0, upsertedId: doc._id };
  }

  /** The top-level fast path (top-level-update.ts) for the document with the filter's `_id`; undefined: take the general path. */
  private updateTopLevel(scratch: Overlay, filter: Filter & { _id: string }, modifier: Record<string, unknown>): UpdateResult | undefined {
    const target = scratch.get(this.name, filter._id);
    if (!target || matchesTopLevel(target, filter) !== true) return undefined;
    const next = applyTopLevel(target, modifier);
    if (next === undefined) return undefined;
    if (next === null) return { matchedCount: 1, modifiedCount: 0 };
    scratch.put(this.name, target._id, next);
    return { matchedCount: 1, modifiedCount: 1 };
  }

  private replace(scratch: Overlay, filter: Filter, replacement: T, upsert: boolean): UpdateResult {
    assertReplacement(replacement);
    let next = parsedWithText(replacement);
    const target = this.first(scratch, filter);
    if (target) {
      if (next._id === undefined) next = parsedWithText({ ...next, _id: target._id });
      else if (next._id !== target._id) throw new Error(`'${this.name}': a replacement cannot change the immutable field _id`);
      if (isDeepStrictEqual(next, target)) return { matchedCount: 1, modifiedCount: 0 };
      scratch.put(this.name, target._id, next);
      return { matchedCount: 1, modifiedCount: 1 };
    }
    if (!upsert) return { matchedCount: 0, modifiedCount: 0 };
    if (next._id === undefined) {
      const seeded = upsertSeed(filter)._id;
      next = parsedWithText({ ...next, _id: typeof seeded === 'string' ? seeded : randomUUID() });
    }
    this.insertCopy(scratch, next);
    return { matchedCount: 0, modifiedCount: 0, upsertedId: next._id };
  }

  private delete(scratch: Overlay, filter: Filter, justOne: boolean): DeleteResult {
    const targets = justOne ? [this.first(scratch, filter)].filter((d) => d !== undefined) : [...this.matching(scratch, filter)];
    for (const target of targets) scratch.put(this.name, target._id, null);
    return { deletedCount: targets.length };
  }
}
