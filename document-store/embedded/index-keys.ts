/**
 * Index keys of the embedded store: a document's values at an index's fields, encoded as one
 * string whose plain string order (UTF-16 code units) is the order mingo sorts those values in,
 * so a sorted list of keys can answer equalities, ranges and sorts.
 *
 * Each value is an atom: a type tag (in mingo's and MongoDB's order of types: null and missing
 * alike, numbers, strings, objects and arrays, booleans), then the value. A key is the atoms of
 * the index's fields in order, then the document's row (seq), which makes every key unique and
 * orders ties in natural order. Keys stay one-byte strings unless a value has wider characters.
 */

/** Null and missing: mingo's sort puts them in one group, and `{ field: null }` matches both. */
const NULL = '\x02';
const NUMBER = '\x03';
const STRING = '\x04';
/** An object or a nested array: never looked up, only there so the document stays in the index. */
const OTHER = '\x06';
const BOOLEAN = '\x09';
/** The tag after strings: the end of the string range. */
const AFTER_STRINGS = '\x05';
/** The tag after numbers: the end of the number range. */
const AFTER_NUMBERS = STRING;

/** Sorts after any continuation of a key prefix that ends on an atom (tags and seq bytes are below it). */
export const PAST = '\uffff';

const SEQ_CHARS = 6;

const numberBits = new DataView(new ArrayBuffer(8));

/** A scalar value an index can look up: what mingo compares by type and value. */
export type IndexValue = string | number | boolean | null;

export function isIndexValue(value: unknown): value is IndexValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && !Number.isNaN(value));
}

function encodeNumber(n: number): string {
  numberBits.setFloat64(0, n === 0 ? 0 : n); // -0 is 0 to mingo
  const negative = numberBits.getUint8(0) >= 0x80;
  let text = NUMBER;
  for (let i = 0; i < 8; i++) {
    const byte = numberBits.getUint8(i);
    // Flipping the sign bit (positives) or every bit (negatives) makes byte order numeric order.
    text += String.fromCharCode(negative ? 255 - byte : i === 0 ? byte ^ 0x80 : byte);
  }
  return text;
}

/** The string, `\0` escaped as `\0\x01`, ended by `\0\0`: a prefix sorts before what extends it. */
function encodeString(s: string): string {
  return STRING + (s.includes('\0') ? s.replace(/\0/g, '\0\x01') : s) + '\0\0';
}

export function encodeValue(value: IndexValue | undefined): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string') return encodeString(value);
  return value ? BOOLEAN + '\x01' : BOOLEAN + '\x00';
}

/** The keys between which every value of `value`'s type lies (`[from, to)`): mingo compares within one type only. */
export function typeRange(value: number | string): { from: string; to: string } {
  return typeof value === 'number' ? { from: NUMBER, to: AFTER_NUMBERS } : { from: STRING, to: AFTER_STRINGS };
}

export function encodeSeq(seq: number): string {
  const high = Math.floor(seq / 0x1000000);
  return String.fromCharCode((high >>> 16) & 255, (high >>> 8) & 255, high & 255, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255);
}

/** The row a key ends with. */
export function seqOf(key: string): number {
  const n = key.length - SEQ_CHARS;
  const high = (key.charCodeAt(n) << 16) | (key.charCodeAt(n + 1) << 8) | key.charCodeAt(n + 2);
  return high * 0x1000000 + ((key.charCodeAt(n + 3) << 16) | (key.charCodeAt(n + 4) << 8) | key.charCodeAt(n + 5));
}

/** Where the atom starting at `at` ends. */
function atomEnd(key: string, at: number): number {
  const tag = key[at];
  if (tag === NUMBER) return at + 9;
  if (tag === BOOLEAN) return at + 2;
  if (tag !== STRING) return at + 1;
  let i = at + 1;
  for (;;) {
    const zero = key.indexOf('\0', i);
    if (key.charCodeAt(zero + 1) === 0) return zero + 2;
    i = zero + 2;
  }
}

/** The first `atoms` atoms of a key: the values of the index's first fields. */
export function keyPrefix(key: string, atoms: number): string {
  let end = 0;
  for (let i = 0; i < atoms; i++) end = atomEnd(key, end);
  return key.slice(0, end);
}

/**
 * The one atom of `doc` at a dotted path when no array or object is on the way (the common case,
 * answered without collecting atoms); undefined otherwise: ask `atomsAt`.
 */
export function scalarAt(doc: unknown, path: readonly string[]): string | undefined {
  let value = doc;
  for (const field of path) {
    if (typeof value !== 'object' || value === null) return NULL;
    if (Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
  }
  if (typeof value === 'object' && value !== null) return undefined;
  return encodeValue(value as IndexValue | undefined);
}

/** What a document's values at one field look like, beyond the atoms themselves. */
export interface FieldShape {
  /** An array was on the way: the document may hold several keys, and mingo sorts arrays its own way. */
  array: boolean;
  /** An object (or a nested array) was the value: encoded as OTHER, which mingo does not sort that way. */
  other: boolean;
}

/**
 * The atoms of `value` at a dotted path, descending into arrays (at any depth: mingo matches
 * elements of nested arrays too). A missing field, or a scalar where the path goes on, is null;
 * an empty array is null as well, so the document keeps a place in compound indexes.
 */
export function atomsAt(value: unknown, path: readonly string[], into: Set<string>, shape: FieldShape, depth = 0): void {
  if (Array.isArray(value)) {
    shape.array = true;
    if (value.length === 0) into.add(NULL);
    for (const item of value) atomsAt(item, path, into, shape, depth);
    return;
  }
  if (depth === path.length) {
    if (typeof value === 'object' && value !== null) {
      shape.other = true;
      into.add(OTHER);
    } else into.add(encodeValue(value as IndexValue | undefined));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const field = path[depth]!;
    atomsAt(Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined, path, into, shape, depth + 1);
    return;
  }
  into.add(NULL);
}
