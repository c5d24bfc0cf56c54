/**
 * What the embedded store keeps in memory of its committed documents: every document's row
 * (`seq`) by a hash of its id, and the bodies of those used lately, up to a budget of bytes
 * shared by every collection of the store. The rest is read back from the file by its row.
 */
import { idHash as hashOfId, RowsById } from './rows-by-id';
import { knownText, parseStored, serialized, Stored } from './json-text';
import { Document } from '../port';
import { RecentlyUsed } from './recently-used';

/** Reads committed rows back from the file, for documents the cache does not hold. */
export interface RowReader {
  row(seq: number): string | undefined;
  /** The id and text of the document at a row. */
  rowAt(seq: number): [id: string, doc: string] | undefined;
  /** The id of the document at a row. */
  idAt(seq: number): string | undefined;
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
export class HeldBodies extends RecentlyUsed<Held> {
  constructor(budget: number) {
    super(budget, (victim) => victim.cache.release(victim));
  }

  get documents(): number {
    return this.count;
  }
}

/**
 * A collection's committed documents: the row of each, and the bodies `HeldBodies` lets it keep.
 * A document written and not read since is kept as its JSON text and parsed on first read; one
 * written by the background writer (a rebuild's batch) is not kept at all until someone reads it.
 * Rebuilds write far more than they read, and hundreds of thousands of documents kept in memory
 * would otherwise keep the garbage collector busy.
 *
 * The rows are kept by a hash of the id (rows-by-id.ts), not by the id: a collection of a million
 * documents costs 16 MB and no object per document. A document whose body is not held is found
 * by its hash and told apart from others sharing it by the id its row holds in the file; an id
 * whose hash is not there at all (nearly every new document) is known to be new without a read.
 */
export class DocumentCache {
  /** Every document's row, by a hash of its id. */
  private readonly rowsById = new RowsById();
  /** The documents whose bodies are held, by id, and by row (how indexes know documents). */
  private readonly held = new Map<string, Held>();
  private readonly heldByRow = new Map<number, Held>();

  constructor(
    private readonly collection: string,
    private readonly reader: RowReader,
    private readonly bodies: HeldBodies,
    /** How ids are hashed: tests squeeze it so that ids share hashes. */
    private readonly idHash: (id: string) => number = hashOfId,
  ) {}

  /** How many documents the collection has. */
  get size(): number {
    return this.rowsById.size;
  }

  get(id: string): Document | undefined {
    const held = this.current(id);
    if (held === undefined) return undefined;
    if (typeof held.doc !== 'string') return held.doc;
    held.doc = parseStored(held.doc);
    this.bodies.resize(held, approximateBytes(held.doc));
    return held.doc;
  }

  /**
   * The id of the document at a row (undefined if none is there), for a query that found the row
   * through an index and reads the document next: its body is held from now on, so that read
   * does not go to the file again.
   */
  idAt(row: number): string | undefined {
    const held = this.heldByRow.get(row);
    if (held) return held.id;
    // A row a commit under way has just deleted is missing: the document is gone, as the
    // committed state will say once that commit lands.
    const found = this.reader.rowAt(row);
    if (found === undefined) return undefined;
    const [id, text] = found;
    if (!this.held.has(id)) this.hold(id, row, text);
    return id;
  }

  /** The document or, if nobody has parsed it yet, its text (left as it is). */
  stored(id: string): Stored | undefined {
    return this.current(id)?.doc;
  }

  has(id: string): boolean {
    return this.seq(id) !== undefined;
  }

  seq(id: string): number | undefined {
    for (let settled = false; ; settled = true) {
      const held = this.held.get(id);
      if (held) return held.seq;
      const found = this.inFile(id, false);
      if (found !== LOST) return found?.seq;
      this.settleOnce(settled);
    }
  }

  /** Keeps documents that readers use as objects, new or unread ones as text. */
  put(id: string, seq: number, doc: Stored): void {
    const held = this.held.get(id);
    if (held) {
      if (held.seq !== seq) {
        this.rowsById.move(this.idHash(id), held.seq, seq);
        this.heldByRow.delete(held.seq);
        this.heldByRow.set(seq, held);
      }
      const read = typeof held.doc === 'object' && typeof doc === 'object';
      held.seq = seq;
      held.doc = read ? doc : serialized(doc);
      this.bodies.resize(held, approximateBytes(held.doc));
      return;
    }
    this.setRow(id, seq);
    this.hold(id, seq, serialized(doc));
  }

  /** A document the background writer has written: only in the file until someone reads it. */
  putInFile(id: string, seq: number): void {
    const held = this.held.get(id);
    if (held) {
      this.bodies.remove(held);
      this.forget(held);
      if (held.seq !== seq) this.rowsById.move(this.idHash(id), held.seq, seq);
      return;
    }
    this.setRow(id, seq);
  }

  /** `putInFile` of a row the background writer has just inserted (or the store found at load), for an id this cache does not hold. */
  putNew(id: string, seq: number): void {
    this.rowsById.add(this.idHash(id), seq);
  }

  /** Forgets a document the commit being recorded has deleted. */
  delete(id: string): void {
    const held = this.held.get(id);
    if (held) {
      this.bodies.remove(held);
      this.forget(held);
      this.rowsById.remove(this.idHash(id), held.seq);
      return;
    }
    // Called once the commit has deleted the row: the entry to take out is the one whose row holds
    // this id, or else the one whose row is gone.
    const hash = this.idHash(id);
    let gone: number | undefined;
    const seq = this.rowsById.find(hash, (row) => {
      const other = this.reader.idAt(row);
      if (other === undefined) gone ??= row;
      return other === id;
    });
    const row = seq ?? gone;
    if (row !== undefined) this.rowsById.remove(hash, row);
  }

  /** Called by `HeldBodies` when it lets go of a body: the document is only in the file again. */
  release(held: Held): void {
    if (this.held.get(held.id) === held) this.forget(held);
  }

  private forget(held: Held): void {
    this.held.delete(held.id);
    if (this.heldByRow.get(held.seq) === held) this.heldByRow.delete(held.seq);
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
    if (this.held.size < this.rowsById.size) {
      yield* this.scanFile();
      return;
    }
    for (const { id, seq } of [...this.held.values()].sort((a, b) => a.seq - b.seq)) {
      const doc = this.get(id);
      if (doc) yield { id, seq, doc };
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
    if (this.held.has(id)) return this.get(id)!;
    const doc = parseStored(text);
    if (this.rowsById.find(this.idHash(id), (row) => row === seq) !== undefined) this.hold(id, seq, doc);
    return doc;
  }

  private hold(id: string, seq: number, doc: Document | string, bytes = approximateBytes(doc)): Held {
    const held: Held = { id, seq, doc, bytes, cache: this, newer: undefined, older: undefined };
    this.held.set(id, held);
    this.heldByRow.set(seq, held);
    this.bodies.add(held);
    return held;
  }

  /** Records the document's row, for an id whose body is not held. */
  private setRow(id: string, seq: number): void {
    const before = this.seq(id);
    if (before === undefined) this.rowsById.add(this.idHash(id), seq);
    else if (before !== seq) this.rowsById.move(this.idHash(id), before, seq);
  }

  /** The body of a document (marked as used), read from the file (as text) if it is only there. */
  private current(id: string): Held | undefined {
    for (let settled = false; ; settled = true) {
      const held = this.held.get(id);
      if (held) {
        this.bodies.touch(held);
        return held;
      }
      const found = this.inFile(id, true);
      if (found !== LOST) return found && this.hold(id, found.seq, found.text!);
      this.settleOnce(settled);
    }
  }

  /**
   * The row of a document whose body is not held (with its text, if asked): each row with the
   * id's hash is read until one holds the id. LOST if a row the cache knows is missing from the
   * file: moved or deleted by a commit under way that the cache has not seen yet.
   */
  private inFile(id: string, withText: boolean): { seq: number; text?: string } | undefined | typeof LOST {
    const hash = this.idHash(id);
    if (!this.rowsById.mayHold(hash)) return undefined; // most new ids: no read at all
    let lost = false;
    let text: string | undefined;
    const seq = this.rowsById.find(hash, (row) => {
      const found = withText ? this.reader.rowAt(row) : this.reader.idAt(row);
      if (found === undefined) lost = true;
      else if (typeof found === 'string') return found === id;
      else if (found[0] === id) text = found[1];
      return text !== undefined;
    });
    if (seq !== undefined) return withText ? { seq, text: text! } : { seq };
    return lost ? LOST : undefined;
  }

  /** Lets the commits under way land, once: a row still missing after that was not removed by this store. */
  private settleOnce(settled: boolean): void {
    if (settled) throw new Error(`document store: '${this.collection}' has lost a row (was the file changed by another process?)`);
    this.reader.settle();
  }
}

/** `inFile`: a row the cache knows is not in the file (yet). */
const LOST = Symbol('lost');
