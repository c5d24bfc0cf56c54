/**
 * What the embedded store keeps in memory of its committed documents: every document's row
 * (`seq`) by id, and the bodies of those used lately, up to a budget of bytes shared by every
 * collection of the store. The rest is read back from the file by its row.
 */
import { IdFilter } from './id-filter';
import { knownText, parseStored, serialized, Stored } from './json-text';
import { Document } from '../port';

/** Reads committed rows back from the file, for documents the cache does not hold. */
export interface RowReader {
  row(seq: number): string | undefined;
  /** A collection's rows after `afterSeq`, in row order, at most `limit`: `[seq, id, doc]`. */
  page(collection: string, afterSeq: number, limit: number): [number, string, string][];
  /** Waits for the commits under way (their rows may be missing from the file until then). */
  settle(): void;
}

/** A body the cache holds, in the store's list from most to least recently used. */
interface Held {
  readonly id: string;
  seq: number;
  /** The document, or its JSON text until someone reads it. */
  doc: Document | string;
  bytes: number;
  readonly cache: DocumentCache;
  newer: Held | undefined;
  older: Held | undefined;
}

/**
 * What a held body costs, roughly (measured with documents of a few hundred bytes): its text, or
 * a parsed document — about as big as its text — together with that text, which json-text keeps
 * for it; and about a hundred bytes of bookkeeping.
 */
function approximateBytes(doc: Document | string): number {
  return typeof doc === 'string' ? heldBytes(doc.length, false) : heldBytes((knownText(doc) ?? serialized(doc)).length, true);
}

function heldBytes(textLength: number, parsed: boolean): number {
  return 100 + (parsed ? 3 : 1) * textLength;
}

/** Rows read per query while a scan goes through a collection in the file. */
const SCAN_PAGE = 512;

/**
 * The bodies every cache of a store holds, least recently used first out once their bytes pass
 * the budget. The most recently used one stays even if it alone is bigger.
 */
export class HeldBodies {
  private newest: Held | undefined;
  private oldest: Held | undefined;
  private used = 0;
  private count = 0;

  constructor(readonly budget: number) {}

  get bytes(): number {
    return this.used;
  }

  get documents(): number {
    return this.count;
  }

  /** Whether `bytes` more fit without pushing anything out. */
  hasRoom(bytes: number): boolean {
    return this.used + bytes <= this.budget;
  }

  add(held: Held): void {
    this.link(held);
    this.used += held.bytes;
    this.count++;
    this.trim();
  }

  /** Marks it most recently used. */
  touch(held: Held): void {
    if (this.newest === held) return;
    this.unlink(held);
    this.link(held);
  }

  resize(held: Held, bytes: number): void {
    this.used += bytes - held.bytes;
    held.bytes = bytes;
    this.touch(held);
    this.trim();
  }

  remove(held: Held): void {
    this.unlink(held);
    this.used -= held.bytes;
    this.count--;
  }

  private trim(): void {
    while (this.used > this.budget && this.oldest && this.oldest !== this.newest) {
      const victim = this.oldest;
      this.remove(victim);
      victim.cache.release(victim);
    }
  }

  private link(held: Held): void {
    held.older = this.newest;
    held.newer = undefined;
    if (this.newest) this.newest.newer = held;
    this.newest = held;
    this.oldest ??= held;
  }

  private unlink(held: Held): void {
    if (held.newer) held.newer.older = held.older;
    else this.newest = held.older;
    if (held.older) held.older.newer = held.newer;
    else this.oldest = held.newer;
    held.newer = held.older = undefined;
  }
}

/**
 * A collection's committed documents: the row of each, and the bodies `HeldBodies` lets it keep.
 * A document written and not read since is kept as its JSON text and parsed on first read; one
 * written by the background writer (a rebuild's batch) is not kept at all until someone reads it.
 * Rebuilds write far more than they read, and hundreds of thousands of documents kept in memory
 * would otherwise keep the garbage collector busy.
 */
export class DocumentCache {
  /**
   * id → the document's row (seq) alone when its body is only in the file (no object per entry: a
   * rebuild adds hundreds of thousands), else the body held, with its row.
   */
  private readonly entries = new Map<string, number | Held>();
  /** Answers most lookups of ids the cache does not hold (a rebuild's new documents) before `entries` does. */
  private readonly held = new IdFilter(() => this.entries.keys());
  /** How many entries are only in the file. */
  private unloaded = 0;

  constructor(
    private readonly collection: string,
    private readonly reader: RowReader,
    private readonly bodies: HeldBodies,
  ) {}

  /** How many documents the collection has. */
  get size(): number {
    return this.entries.size;
  }

  get(id: string): Document | undefined {
    const held = this.current(id);
    if (held === undefined) return undefined;
    if (typeof held.doc !== 'string') return held.doc;
    held.doc = parseStored(held.doc);
    this.bodies.resize(held, approximateBytes(held.doc));
    return held.doc;
  }

  /** The document or, if nobody has parsed it yet, its text (left as it is). */
  stored(id: string): Stored | undefined {
    return this.current(id)?.doc;
  }

  has(id: string): boolean {
    return this.held.mayHold(id) && this.entries.has(id);
  }

  seq(id: string): number | undefined {
    const entry = this.entry(id);
    return typeof entry === 'number' ? entry : entry?.seq;
  }

  /** Keeps documents that readers use as objects, new or unread ones as text. */
  put(id: string, seq: number, doc: Stored): void {
    const entry = this.entry(id);
    if (typeof entry === 'object') {
      const read = typeof entry.doc === 'object' && typeof doc === 'object';
      entry.seq = seq;
      entry.doc = read ? doc : serialized(doc);
      this.bodies.resize(entry, approximateBytes(entry.doc));
      return;
    }
    if (typeof entry === 'number') this.unloaded--;
    else this.held.add(id);
    this.hold(id, seq, serialized(doc));
  }

  /** A document the background writer has written: only in the file until someone reads it. */
  putInFile(id: string, seq: number): void {
    const entry = this.entry(id);
    if (entry === undefined) this.held.add(id);
    if (typeof entry === 'object') this.bodies.remove(entry);
    if (typeof entry !== 'number') this.unloaded++;
    this.entries.set(id, seq);
  }

  /** `putInFile` of a row the background writer has just inserted (or the store found at load), for an id this cache does not hold. */
  putNew(id: string, seq: number): void {
    this.held.add(id);
    this.entries.set(id, seq);
    this.unloaded++;
  }

  delete(id: string): void {
    const entry = this.entry(id);
    if (typeof entry === 'number') this.unloaded--;
    else if (entry) this.bodies.remove(entry);
    this.entries.delete(id); // its bits stay until the filter grows: a "maybe" more
  }

  /** Called by `HeldBodies` when it lets go of a body: the document is only in the file again. */
  release(held: Held): void {
    if (this.entries.get(held.id) !== held) return;
    this.entries.set(held.id, held.seq);
    this.unloaded++;
  }

  /**
   * Every document in natural (row) order. When the cache holds them all, from memory; else
   * streamed from the file a page at a time.
   */
  *values(): IterableIterator<Document> {
    for (const row of this.rows()) yield row.doc;
  }

  /** Every document with its id and row, in row order (what an index is built from). */
  *rows(): IterableIterator<{ id: string; seq: number; doc: Document }> {
    if (this.unloaded > 0) {
      yield* this.scanFile();
      return;
    }
    for (const id of this.entries.keys()) {
      const doc = this.get(id);
      if (doc) yield { id, seq: this.seq(id)!, doc };
    }
  }

  /**
   * The collection's rows in the file, a page at a time: once the commits under way have landed,
   * they are exactly the committed documents, in natural order.
   */
  private *scanFile(): IterableIterator<{ id: string; seq: number; doc: Document }> {
    this.reader.settle();
    let after = 0;
    for (;;) {
      const rows = this.reader.page(this.collection, after, SCAN_PAGE);
      for (const [seq, id, text] of rows) {
        after = seq;
        yield { id, seq, doc: this.scanned(id, seq, text) };
      }
      if (rows.length < SCAN_PAGE) return;
    }
  }

  /**
   * A row a scan read, as a document: kept (as the object it is now) while the budget has room,
   * so a scan of a big collection does not push out what is in use; once it has none, only parsed
   * (without recording its text for copies, which cost most of a scan).
   */
  private scanned(id: string, seq: number, text: string): Document {
    if (!this.bodies.hasRoom(heldBytes(text.length, true))) return JSON.parse(text) as Document;
    const entry = this.entry(id);
    if (typeof entry === 'object') return this.get(id)!;
    const doc = parseStored(text);
    if (entry === seq) {
      this.unloaded--;
      this.hold(id, seq, doc);
    }
    return doc;
  }

  private hold(id: string, seq: number, doc: Document | string, bytes = approximateBytes(doc)): Held {
    const held: Held = { id, seq, doc, bytes, cache: this, newer: undefined, older: undefined };
    this.entries.set(id, held);
    this.bodies.add(held);
    return held;
  }

  private entry(id: string): number | Held | undefined {
    return this.held.mayHold(id) ? this.entries.get(id) : undefined;
  }

  /** The body of a document (marked as used), read from the file (as text) if it is only there. */
  private current(id: string): Held | undefined {
    const entry = this.entry(id);
    if (typeof entry === 'number') return this.fromFile(id, entry);
    if (entry) this.bodies.touch(entry);
    return entry;
  }

  private fromFile(id: string, seq: number): Held | undefined {
    const text = this.reader.row(seq);
    if (text === undefined) {
      // Deleted or moved by a commit under way that the cache has not seen yet.
      this.reader.settle();
      const now = this.entry(id);
      if (now === seq) {
        throw new Error(`document store: '${this.collection}' has no row ${seq} for '${id}' (was the file changed by another process?)`);
      }
      return typeof now === 'number' ? this.fromFile(id, now) : now;
    }
    this.unloaded--;
    return this.hold(id, seq, text);
  }
}
