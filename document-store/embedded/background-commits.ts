/**
 * Big transactions (a projection rebuild's batches) committed by the background writer
 * (writer.ts) while the main thread goes on. Each one's rows get their `seq` here, on the main
 * thread, like every other row; until the writer reports it committed, the next transactions
 * read it through an overlay stacked on the committed state, and once it is, the committed
 * state's cache and indexes take it (`applyWritten`). Batches commit in the order they were
 * sent; when one fails, the transactions built on it fail too.
 */
import { StoreFile } from '../../sqlite/store-file';
import { Document } from '../port';
import { DocumentCache, RowReader } from './cache';
import { parsed, serialized } from './json-text';
import { Changes, CommittingChanges, CommittingVersions, Layer, Overlay } from './overlay';
import { BackgroundWriter } from './writer';

/** collection → id → row written (null: deleted). */
export type SeqChanges = Map<string, Map<string, number | null>>;

/**
 * A collection's new documents in a transaction handed to the background writer, in row
 * order (the first has row `first`): a list, not a map, because a rebuild adds hundreds per
 * batch and its cache takes them in that order. `read`: those someone has parsed, by place.
 */
export interface Added {
  first: number;
  ids: string[];
  read?: (Document | undefined)[];
}

/** A transaction handed to the background writer and not committed yet. */
export interface InFlight {
  changes: CommittingChanges;
  /** Rows rewritten or deleted, and new documents someone has parsed (the others: `changes` holds their row). */
  rows: SeqChanges;
  added: Map<string, Added>;
  /** Rows from this seq on are new: ids the cache does not hold. */
  firstNewSeq: number;
  /** The text of a new document that `changes` holds by its row. */
  heldText: (seq: number) => string;
  /** For collections whose indexes are built: each document written, with its row, to index once committed. */
  indexed: Map<string, IndexWrite[]>;
}

/** A document's new version at its row (null: deleted), for the indexes. */
export type IndexWrite = [seq: number, doc: Document | null];

/** What background commits need of the committed state (committed-state.ts). */
export interface CommittedRows extends Layer {
  /** The next row's seq: taken here too, so rows written by either connection never collide. */
  nextSeq: number;
  readonly rowReader: RowReader;
  /** The collection's cache, loaded on first use. */
  load(collection: string): DocumentCache;
  /** The collection's cache if it is loaded. */
  cached(collection: string): DocumentCache | undefined;
  /** Whether the collection's ordinary indexes are built (they then take every write). */
  indexesBuilt(collection: string): boolean;
  /** Commits the group of plain commits under way (group-commit.ts). */
  endGroup(): void;
  /** Brings the cache and the indexes up to date with what the writer has committed. */
  applyWritten(entry: InFlight): void;
}

export class BackgroundCommits {
  /** Oldest first: sent to the writer, not reported committed yet. */
  private readonly inflight: InFlight[] = [];
  /** The committed state with the in-flight transactions on top: what the next transaction builds on. */
  private pending: Layer;
  /** Incremented when a background commit fails: transactions built on it must not commit. */
  private failures = 0;

  constructor(
    private readonly committed: CommittedRows,
    private readonly writer: BackgroundWriter,
    private readonly file: StoreFile,
  ) {
    this.pending = committed;
  }

  /** What a new transaction reads: the committed documents and those of transactions still being committed. */
  get layer(): Layer {
    return this.pending;
  }

  /** Changes whenever a background commit fails. */
  get failureCount(): number {
    return this.failures;
  }

  get committing(): boolean {
    return this.inflight.length > 0;
  }

  /** Hands a transaction's changes to the writer: the promise settles once they are committed and cached. */
  commit(changes: Changes, fresh?: Pick<Overlay, 'isNew'>): Promise<void> {
    this.committed.endGroup(); // the writer's connection could not write while this one holds a transaction
    const batch = this.writer.batch();
    const firstNewSeq = this.committed.nextSeq;
    const entry: InFlight = {
      changes,
      rows: new Map(),
      added: new Map(),
      firstNewSeq,
      indexed: new Map(),
      heldText: (seq) => {
        // From the batch until the writer has committed it, then from the file.
        const text = batch.insertedText(seq - firstNewSeq) ?? this.committed.rowReader.row(seq);
        if (text === undefined) throw new Error(`document store: row ${seq} is missing (was the file changed by another process?)`);
        return text;
      },
    };
    for (const [collection, docs] of changes) {
      const versions: CommittingVersions = docs;
      this.committed.load(collection);
      const index = batch.collections.push(collection) - 1;
      const written = new Map<string, number | null>();
      entry.rows.set(collection, written);
      const added: Added = { first: this.committed.nextSeq, ids: [] };
      let registered = false;
      // Keys are taken now, while the documents are at hand (their text goes to the batch).
      const indexed: IndexWrite[] | undefined = this.committed.indexesBuilt(collection) ? [] : undefined;
      if (indexed) entry.indexed.set(collection, indexed);
      for (const [id, doc] of docs) {
        // A new document needs no lookup (in a rebuild, nearly all are new).
        const existing = fresh?.isNew(collection, id) ? undefined : this.seqOf(collection, id);
        if (doc && indexed) indexed.push([existing ?? this.committed.nextSeq, parsed(doc)]);
        else if (indexed && existing !== undefined) indexed.push([existing, null]);
        if (doc) {
          if (!registered) batch.registers.push(collection);
          registered = true;
          if (existing === undefined) {
            const seq = this.committed.nextSeq++;
            batch.insert(seq, index, id, serialized(doc));
            added.ids.push(id);
            // The batch has the text now (documents someone has read stay objects, for the cache).
            if (typeof doc === 'string') versions.set(id, seq);
            else {
              written.set(id, seq);
              (added.read ??= [])[added.ids.length - 1] = doc;
            }
          } else {
            batch.update(existing, serialized(doc));
            written.set(id, existing);
          }
        } else if (existing !== undefined) {
          batch.deletes.push(existing);
          written.set(id, null);
        }
      }
      if (added.ids.length > 0) entry.added.set(collection, added);
    }
    this.inflight.push(entry);
    this.restack();
    return new Promise<void>((resolve, reject) => {
      this.writer.write(batch, (error) => {
        // Settled in sending order: this is the oldest in flight.
        this.inflight.splice(this.inflight.indexOf(entry), 1);
        if (error) this.failures++;
        else this.committed.applyWritten(entry);
        this.restack();
        if (error) reject(this.file.failure(error));
        else resolve();
      });
    });
  }

  /** Waits (blocking) until every transaction handed to the writer is committed or failed. */
  settle(): void {
    if (this.inflight.length === 0) return;
    this.committed.endGroup(); // the writer's connection waits for this one's transaction
    this.writer.drain();
  }

  private seqOf(collection: string, id: string): number | undefined {
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const { rows, changes } = this.inflight[i]!;
      const written = rows.get(collection);
      if (written?.has(id)) return written.get(id) ?? undefined;
      const held = changes.get(collection)?.get(id);
      if (typeof held === 'number') return held; // a new document, held by its row
    }
    return this.committed.cached(collection)?.seq(id);
  }

  private restack(): void {
    let layer: Layer = this.committed;
    for (const { changes, heldText } of this.inflight) layer = new Overlay(layer, changes, heldText);
    this.pending = layer;
  }
}
