/**
 * The planner of the embedded store's secondary indexes (secondary-index.ts), for the simple
 * cases MongoDB's planner handles: equality (or `$in`) on leading fields of an index, then a
 * range on the next one, and a sort on the fields after the equalities, stopping early when a
 * limit is reached. Anything else scans.
 *
 * An index only proposes candidates: mingo still tests each one, so an index needs to propose
 * every document that may match, never only those. Where arrays make that subtle (a document
 * holds several keys; two bounds of a range may be met by different elements), the planner
 * widens what it proposes, and it never uses an index for order over fields holding arrays or
 * objects (mingo sorts those its own way).
 */
import { Document, Filter } from '../port';
import { encodeValue, IndexValue, isIndexValue, keyPrefix, PAST, seqOf, typeRange } from './index-keys';
import { isPlainObject } from '../semantics';
import { IndexDefinition, SecondaryIndex } from './secondary-index';
import { IndexPages } from './index-pages';

/** `$in` values (times those of earlier fields) an index looks up one by one; more, and it stops at that field. */
const MAX_RANGES = 256;

interface Bound {
  value: number | string;
  inclusive: boolean;
}

/** What a filter says about one field, as far as an index can tell. */
interface FieldCondition {
  /** Equality or `$in`: the values the field may hold (the first such condition on the field). */
  points?: IndexValue[];
  lower: Bound[];
  upper: Bound[];
}

/** The conditions an index can look up, per field, and whether they are all the filter says. */
export interface FilterConditions {
  fields: Map<string, FieldCondition>;
  /** Every condition of the filter is one of `fields`, each on its own: the keys alone decide a match. */
  complete: boolean;
}

/** Reads a filter's top-level conditions (and those of `$and`) that an index can look up. */
export function conditionsOf(filter: Filter): FilterConditions {
  const found: FilterConditions = { fields: new Map(), complete: true };
  const condition = (field: string): FieldCondition => {
    let c = found.fields.get(field);
    if (!c) found.fields.set(field, (c = { lower: [], upper: [] }));
    else found.complete = false; // two conditions on one field: arrays may meet them with different elements
    return c;
  };
  const visit = (f: Filter): void => {
    for (const key in f) {
      if (!Object.hasOwn(f, key)) continue;
      const value = f[key];
      if (key === '$and' && Array.isArray(value)) {
        for (const clause of value) {
          if (isPlainObject(clause)) visit(clause);
          else found.complete = false;
        }
      } else if (key.startsWith('$')) found.complete = false;
      else if (isIndexValue(value)) addPoints(condition(key), [value]);
      else if (isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((op) => op.startsWith('$'))) {
        const c = condition(key);
        for (const [op, operand] of Object.entries(value)) if (!addOperator(c, op, operand)) found.complete = false;
      } else found.complete = false;
    }
  };
  visit(filter);
  return found;
}

function addPoints(c: FieldCondition, values: IndexValue[]): void {
  c.points ??= values;
}

/** Adds what `{ op: operand }` says; false if an index cannot answer it exactly. */
function addOperator(c: FieldCondition, op: string, operand: unknown): boolean {
  if (op === '$eq' && isIndexValue(operand)) {
    if (c.points) return false;
    addPoints(c, [operand]);
    return true;
  }
  if (op === '$in' && Array.isArray(operand) && operand.every(isIndexValue)) {
    if (c.points) return false;
    addPoints(c, operand);
    return true;
  }
  if (op === '$all' && Array.isArray(operand) && isIndexValue(operand[0])) {
    // Every value must be an element: candidates hold the first one (the others are for mingo).
    addPoints(c, [operand[0]]);
    return false;
  }
  if ((typeof operand === 'number' && !Number.isNaN(operand)) || typeof operand === 'string') {
    if (op === '$gt' || op === '$gte') c.lower.push({ value: operand, inclusive: op === '$gte' });
    else if (op === '$lt' || op === '$lte') c.upper.push({ value: operand, inclusive: op === '$lte' });
    else return false;
    return true;
  }
  return false;
}

/** Keys in `[from, to)`. */
interface KeyRange {
  from: string;
  to: string;
}

/** How an index answers a query. */
export interface IndexPlan {
  index: SecondaryIndex;
  /** In key order, disjoint. */
  ranges: KeyRange[];
  /** Leading fields of the index the ranges narrow down (0: the whole index, walked for its order). */
  used: number;
  /** Keys in the ranges. */
  entries: number;
  /**
   * Set when walking the ranges in key order gives the sort's order: the direction, how many
   * atoms make a sort group, and how many leading atoms are the same within a range (with
   * several ranges, one per `$in` value, the walks are merged on the atoms after those).
   */
  order?: { backward: boolean; groupAtoms: number; constantAtoms: number };
  /** The keys alone decide which documents match, one key per document. */
  exact: boolean;
}

/** A top-level `$or` answered branch by branch, each through its best index: the union of their candidates. */
export interface UnionPlan {
  branches: IndexPlan[];
  entries: number;
}

export type QueryPlan = IndexPlan | UnionPlan;

function pointAtoms(points: IndexValue[]): string[] {
  return [...new Set(points.map((p) => encodeValue(p)))].sort();
}

/** The tightest bound (the greatest lower or the least upper; exclusive wins a tie). */
function tightest(bounds: Bound[], lower: boolean): Bound | undefined {
  let best: Bound | undefined;
  for (const b of bounds) {
    const tighter = !best || (lower ? b.value > best.value : b.value < best.value) || (b.value === best.value && !b.inclusive);
    if (tighter) best = b;
  }
  return best;
}

/**
 * The keys a field's bounds allow, in mingo's terms: a bound compares only with values of its own
 * type. Several bounds are combined only where every document holds one scalar in the field
 * (otherwise one element may meet the lower bound and another the upper); else the first is used.
 */
function boundRange(c: FieldCondition, regular: boolean): { range: KeyRange; exact: boolean } {
  const all = [...c.lower, ...c.upper];
  const type = typeof all[0]!.value;
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  let exact = true;
  if (regular && all.every((b) => typeof b.value === type)) {
    lower = tightest(c.lower, true);
    upper = tightest(c.upper, false);
  } else {
    if (c.lower.length > 0) lower = c.lower[0];
    else upper = c.upper[0];
    exact = all.length === 1;
  }
  const types = typeRange(all[0]!.value);
  const from = lower ? encodeValue(lower.value) + (lower.inclusive ? '' : PAST) : types.from;
  const to = upper ? encodeValue(upper.value) + (upper.inclusive ? PAST : '') : types.to;
  return { range: { from, to: to < from ? from : to }, exact };
}

/** The plan of one index for a query: undefined if it neither narrows the candidates nor gives the sort's order. */
function planFor(index: SecondaryIndex, conditions: FilterConditions, sort: [string, 1 | -1][] | undefined): IndexPlan | undefined {
  // A partial index lacks the documents its filter leaves out: only for queries that leave them out too.
  if (!index.covers((field) => conditions.fields.get(field)?.points)) return undefined;
  const { fields } = index;
  let prefixes = [''];
  let ranges: KeyRange[] | undefined;
  let used = 0;
  let pinned = 0; // leading fields narrowed to one value each
  let pointed = 0; // leading fields narrowed to values (one per range)
  let exact = conditions.complete;
  for (let i = 0; i < fields.length && index.usable(i); i++) {
    const c = conditions.fields.get(fields[i]!);
    if (!c) break;
    if (c.points) {
      const atoms = pointAtoms(c.points);
      if (prefixes.length * atoms.length > MAX_RANGES) break;
      prefixes = prefixes.flatMap((p) => atoms.map((a) => p + a));
      if (atoms.length === 1 && pinned === used) pinned++;
      if (pointed === used) pointed++;
      if (c.lower.length + c.upper.length > 0) exact = false;
      used++;
      continue;
    }
    if (c.lower.length + c.upper.length === 0) break;
    const bound = boundRange(c, index.regular(i, i + 1));
    if (!bound.exact) exact = false;
    ranges = prefixes.map((p) => ({ from: p + bound.range.from, to: p + bound.range.to }));
    used++;
    break;
  }
  ranges ??= prefixes.map((p) => ({ from: p, to: p + PAST }));
  // Conditions on fields the ranges do not cover, and documents with arrays (several keys each), leave the decision to mingo.
  if (used < conditions.fields.size || !distinctKeys(index)) exact = false;
  // One range is in order after its single values; several (an `$in`) each after their values, merged.
  const order = sort ? (ranges.length === 1 ? orderFor(index, pinned, sort) : orderFor(index, pointed, sort, pinned)) : undefined;
  if (used === 0 && !order) return undefined;
  let entries = 0;
  for (const range of ranges) entries += index.keys.countBetween(range.from, range.to);
  return { index, ranges, used, entries, exact, ...(order ? { order } : {}) };
}

/**
 * Whether walking the index gives the sort's order: after the fields pinned to one value, the
 * sort's keys (leaving out pinned fields: they are constant) must be the next fields of the index,
 * in one direction, each document holding one scalar in them. With several ranges (an `$in`),
 * `pinned` counts the leading fields each range holds one value of and `single` those with one
 * value in every range: the sort must not name the others, whose values differ between the walks.
 */
function orderFor(index: SecondaryIndex, pinned: number, sort: [string, 1 | -1][], single = pinned): IndexPlan['order'] {
  // Walks merged on what follows their values cannot give an order by the fields whose values they differ in.
  const varying = new Set(index.fields.slice(single, pinned));
  if (sort.some(([field]) => varying.has(field))) return undefined;
  const constant = new Set(index.fields.slice(0, pinned));
  const keys = sort.filter(([field]) => !constant.has(field));
  if (keys.length === 0) return undefined; // one value for every candidate: natural order is the order
  const direction = keys[0]![1];
  let n = 0;
  while (pinned + n < index.fields.length && n < keys.length && keys[n]![0] === index.fields[pinned + n] && keys[n]![1] === direction && index.usable(pinned + n)) n++;
  if (n === 0 || !index.regular(pinned, pinned + n)) return undefined;
  return { backward: direction === -1, groupAtoms: pinned + n, constantAtoms: pinned };
}

/** What a query asks of a collection's indexes. */
export interface Selection {
  filter: Filter;
  sort?: Record<string, 1 | -1>;
  /** With a sort: how many of the first matches in sort order the caller keeps (skip + limit). */
  need?: number;
  /** Whether a document matches the filter (a walk in sort order stops once it has `need`). */
  test(doc: Document): boolean;
}

/** A document that may match, and its place in natural order (its row). */
export interface Candidate {
  at: number;
  /** Its id; absent for one an index found, which knows documents by row, until it is read (`candidateId`). */
  id?: string;
  /** Where such a candidate's id is learnt from, and whether a layer above has its own version of it. */
  source?: Pick<CandidateSource, 'idAt' | 'shadowed'>;
}

/**
 * A candidate's id, learnt from its row if need be (when it is about to be read, so a query that
 * stops early reads no more rows than it uses); undefined when the row is gone or a layer above
 * has its own version of the document.
 */
export function candidateId(candidate: Candidate): string | undefined {
  const { id, source } = candidate;
  if (id !== undefined || !source) return id;
  const found = source.idAt(candidate.at);
  return found === undefined || source.shadowed?.(found) ? undefined : found;
}

/** How the committed documents are read for a query. */
export interface CandidateSource {
  fetch(id: string): Document | undefined;
  /** The id of the document at a row (indexes know documents by row); its body is read with it, for `fetch`. */
  idAt(row: number): string | undefined;
  /** Documents a layer above has its own version of: left out (and not counted towards `need`). */
  shadowed?: (id: string) => boolean;
  /** Called for each document a walk tested and left out. */
  rejected?: () => void;
}

/**
 * The indexes of one collection, each built the first time a query it may serve comes (one pass
 * over the documents for those that query wants), then kept up to date by every commit. An index
 * that no query of the process uses costs nothing: under load most writes go to collections
 * (the outbox, the audit trail) whose other indexes serve pages people seldom open.
 */
export class CollectionIndexes {
  /** The declared indexes, in declaration order (the planner's tie-break), each once built. */
  private readonly slots: { definition: IndexDefinition; index?: SecondaryIndex }[];
  /** The built ones, in declaration order. */
  indexes: SecondaryIndex[] = [];

  constructor(
    definitions: readonly IndexDefinition[],
    private readonly pages?: IndexPages,
  ) {
    this.slots = definitions.map((definition) => ({ definition }));
  }

  /** Gives the built indexes' keys back to the pages (the collection's indexes are dropped or built again). */
  clear(): void {
    for (const index of this.indexes) index.keys.clear();
  }

  /** Whether any index is built (those take every write). */
  get built(): boolean {
    return this.indexes.length > 0;
  }

  /** Whether one of the indexes may serve a query on these fields (`queriedFields`). */
  mayServe(fields: ReadonlySet<string>): boolean {
    return this.slots.some(({ definition }) => fields.has(definition.fields[0]!));
  }

  /** Whether an index that may serve a query on these fields is not built yet. */
  missing(fields: ReadonlySet<string>): boolean {
    return this.slots.some(({ definition, index }) => !index && fields.has(definition.fields[0]!));
  }

  /** Builds, in one pass over every committed document, the missing indexes that may serve a query on these fields. */
  build(fields: ReadonlySet<string>, documents: Iterable<{ seq: number; doc: Document }>): void {
    const missing = this.slots.filter(({ definition, index }) => !index && fields.has(definition.fields[0]!));
    if (missing.length === 0) return;
    const built = missing.map(({ definition }) => new SecondaryIndex(definition, this.pages));
    load(built, documents);
    missing.forEach((slot, i) => (slot.index = built[i]));
    this.indexes = this.slots.flatMap(({ index }) => (index ? [index] : []));
  }

  write(seq: number, doc: Document | null): void {
    for (const index of this.indexes) index.write(seq, doc);
  }

  /**
   * The plan for a query over `size` documents: the index whose ranges hold the fewest keys, or
   * one that walks in the sort's order when a limit makes stopping early cheaper; undefined when
   * no index helps, or the best would propose most of the collection (a scan is cheaper then).
   */
  plan(selection: Pick<Selection, 'filter' | 'sort' | 'need'>, size: number): QueryPlan | undefined {
    const sort = selection.sort && Object.keys(selection.sort).length > 0 ? Object.entries(selection.sort) : undefined;
    const { filtering: single, ordered } = this.plans(conditionsOf(selection.filter), sort, selection.need);
    const union = this.union(selection.filter);
    const filtering = union && (!single || union.entries < single.entries) ? union : single;
    if (ordered) {
      // A walk in order meets `need` matches after about need × keys ÷ matches keys; matches are at most the best filter's keys.
      const matches = Math.max(1, filtering?.entries ?? size);
      if (!filtering || ordered.entries <= filtering.entries || (selection.need! * ordered.entries) / matches < filtering.entries) return ordered;
    }
    if (filtering && filtering.entries <= size / 2) return 'branches' in filtering ? filtering : { ...filtering, order: undefined };
    return undefined;
  }

  /** The number of matches, when the keys of an index alone decide it (counting keys is cheap however many match). */
  count(filter: Filter): { matches: number; index: string } | undefined {
    const conditions = conditionsOf(filter);
    for (const index of this.indexes) {
      const plan = planFor(index, conditions, undefined);
      if (plan?.exact) return { matches: plan.entries, index: index.definition.name };
    }
    return undefined;
  }

  /** The index that narrows the candidates most, and the smallest that walks in the sort's order. */
  private plans(conditions: FilterConditions, sort: [string, 1 | -1][] | undefined, need: number | undefined): { filtering?: IndexPlan; ordered?: IndexPlan } {
    let filtering: IndexPlan | undefined;
    let ordered: IndexPlan | undefined;
    for (const index of this.indexes) {
      const plan = planFor(index, conditions, sort);
      if (!plan) continue;
      if (plan.used > 0 && (!filtering || plan.entries < filtering.entries)) filtering = plan;
      if (plan.order && need !== undefined && (!ordered || plan.entries < ordered.entries)) ordered = plan;
    }
    return { ...(filtering ? { filtering } : {}), ...(ordered ? { ordered } : {}) };
  }

  /** A plan per branch of the filter's `$or` (each with the conditions beside the `$or`), if every branch has one. */
  private union(filter: Filter): UnionPlan | undefined {
    const branches = filter.$or;
    if (!Array.isArray(branches) || branches.length === 0 || !branches.every(isPlainObject)) return undefined;
    const { $or: _, ...rest } = filter;
    const plans: IndexPlan[] = [];
    let entries = 0;
    for (const branch of branches) {
      const { filtering } = this.plans(conditionsOf({ $and: [rest, branch] }), undefined, undefined);
      if (!filtering) return undefined;
      plans.push({ ...filtering, order: undefined });
      entries += filtering.entries;
    }
    return { branches: plans, entries };
  }

  /**
   * A plan's candidates in natural order (by row). Walking in sort order for `need` matches, only
   * those up to the end of the sort group in which the `need`th match was found: every other
   * document sorts after at least `need` matches.
   */
  candidates(plan: QueryPlan, selection: Selection, source: CandidateSource): Candidate[] {
    const found: Candidate[] = [];
    if ('branches' in plan) {
      const seen = new Set<number>(); // a document may match several branches
      for (const branch of plan.branches) collectAll(branch, source, found, seen);
    } else if (plan.order && selection.need !== undefined) walkInOrder(plan, plan.order, selection, source, found);
    else collectAll(plan, source, found, distinctKeys(plan.index) ? undefined : new Set());
    return found.sort(byRow);
  }
}

/** Fills new (empty) indexes in one pass over the documents. */
function load(indexes: SecondaryIndex[], documents: Iterable<{ seq: number; doc: Document }>): void {
  const keys = indexes.map((): string[] => []);
  for (const { seq, doc } of documents) {
    for (let i = 0; i < indexes.length; i++) indexes[i]!.collect(seq, doc, keys[i]!);
  }
  indexes.forEach((index, i) => index.loaded(keys[i]!));
}

/** Every document in a plan's ranges (`seen`: those found already, when one may be found twice). */
function collectAll(plan: IndexPlan, source: CandidateSource, found: Candidate[], seen: Set<number> | undefined): void {
  const { index } = plan;
  const take = (at: number) => {
    if (seen?.has(at)) return;
    seen?.add(at);
    found.push({ at, source });
  };
  for (const range of plan.ranges) for (const key of index.keys.between(range.from, range.to)) take(seqOf(key));
  for (const at of index.unlisted) take(at);
}

/** How explain names a plan. */
export function describePlan(plan: QueryPlan): string {
  if ('branches' in plan) return `index ${plan.branches.map((b) => b.index.definition.name).join(' or ')}`;
  const merging = plan.order && plan.ranges.length > 1 ? `, merging ${plan.ranges.length} walks` : '';
  return `index ${plan.index.definition.name}${plan.order ? ' in sort order' : ''}${merging}`;
}

/** Whether each document holds one key at most (else some field holds an array, in some document). */
function distinctKeys(index: SecondaryIndex): boolean {
  return index.regular(0, index.fields.length);
}

function byRow(a: Candidate, b: Candidate): number {
  return a.at - b.at;
}

/**
 * The plan's keys in sort order: one range walked, or several (one per `$in` value) merged on
 * what follows their constant atoms, through a heap of the walks' next keys: the feed merges a
 * walk per shape of open visit, and the shapes grow in number as tickets come in.
 */
function* inOrder(plan: IndexPlan, order: NonNullable<IndexPlan['order']>): IterableIterator<string> {
  if (plan.ranges.length === 1) {
    yield* plan.index.keys.between(plan.ranges[0]!.from, plan.ranges[0]!.to, order.backward);
    return;
  }
  const heads = new WalkHeads(order.backward);
  const advance = (walk: IterableIterator<string>) => {
    const next = walk.next();
    if (!next.done) heads.push({ key: next.value, rest: next.value.slice(keyPrefix(next.value, order.constantAtoms).length), walk });
  };
  for (const range of plan.ranges) advance(plan.index.keys.between(range.from, range.to, order.backward));
  for (let head = heads.pop(); head; head = heads.pop()) {
    yield head.key;
    advance(head.walk);
  }
}

interface WalkHead {
  key: string;
  /** The key after its range's constant atoms: what the walks are merged on. */
  rest: string;
  walk: IterableIterator<string>;
}

/** A binary heap of walks by their next key, least first (greatest when `backward`); ties by arrival. */
class WalkHeads {
  private readonly heap: { head: WalkHead; arrival: number }[] = [];
  private arrivals = 0;

  constructor(private readonly backward: boolean) {}

  push(head: WalkHead): void {
    const heap = this.heap;
    heap.push({ head, arrival: this.arrivals++ });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): WalkHead | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (!top || !last || heap.length === 0) return top?.head;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < heap.length && this.before(heap[left]!, heap[first]!)) first = left;
      if (right < heap.length && this.before(heap[right]!, heap[first]!)) first = right;
      if (first === i) break;
      [heap[i], heap[first]] = [heap[first]!, heap[i]!];
      i = first;
    }
    return top.head;
  }

  private before(a: { head: WalkHead; arrival: number }, b: { head: WalkHead; arrival: number }): boolean {
    if (a.head.rest !== b.head.rest) return this.backward ? a.head.rest > b.head.rest : a.head.rest < b.head.rest;
    return a.arrival < b.arrival;
  }
}

function walkInOrder(plan: IndexPlan, order: NonNullable<IndexPlan['order']>, selection: Selection, source: CandidateSource, found: Candidate[]): void {
  let matched = 0;
  let boundary: string | undefined;
  // The sort group of a key: its sort atoms, after those constant within its range.
  const groupOf = (key: string) => keyPrefix(key, order.groupAtoms).slice(keyPrefix(key, order.constantAtoms).length);
  const seen = distinctKeys(plan.index) ? undefined : new Set<number>();
  for (const key of inOrder(plan, order)) {
    if (boundary !== undefined && groupOf(key) !== boundary) return;
    const at = seqOf(key);
    if (seen?.has(at)) continue;
    seen?.add(at);
    const id = source.idAt(at);
    if (id === undefined || source.shadowed?.(id)) continue;
    const doc = source.fetch(id);
    if (!doc || !selection.test(doc)) {
      source.rejected?.();
      continue;
    }
    found.push({ id, at });
    if (boundary === undefined && ++matched >= selection.need!) boundary = groupOf(key);
  }
}

/**
 * The fields a query has a condition on (at the top or in a branch of `$or`) or sorts on: an
 * index may serve it if its first field is one of them. Cheap: tells whether building an index
 * is worth it.
 */
export function queriedFields(selection: Pick<Selection, 'filter' | 'sort'>): Set<string> {
  const fields = new Set(conditionsOf(selection.filter).fields.keys());
  const branches = selection.filter.$or;
  if (Array.isArray(branches)) for (const branch of branches) if (isPlainObject(branch)) for (const field of conditionsOf(branch).fields.keys()) fields.add(field);
  for (const field of Object.keys(selection.sort ?? {})) fields.add(field);
  return fields;
}

/** The ids of an `_id: { $in: [...] }` condition (all strings), which the cache looks up one by one. */
export function idsOf(filter: Filter): string[] | undefined {
  const condition = filter._id;
  if (!isPlainObject(condition)) return undefined;
  const keys = Object.keys(condition);
  const values = condition.$in;
  if (keys.length !== 1 || !Array.isArray(values) || !values.every((v) => typeof v === 'string')) return undefined;
  return values as string[];
}
