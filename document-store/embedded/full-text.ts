/**
 * Full-text search of the embedded store with SQLite's FTS5: one table per text-indexed
 * collection, whose rows are the documents' rows (`seq`) and hold the text of the indexed
 * fields. Written with the documents in the same SQLite transaction (committed-state.ts).
 */
import Database from 'better-sqlite3';
import { Query } from 'mingo';
import { copyOf } from './json-text';
import { Layer } from './overlay';
import { Document, SearchHit, SearchOptions } from '../port';
import { valuesAt } from '../semantics';

const DEFAULT_SEARCH_LIMIT = 20;

const ROLLBACK = Symbol('rollback');

export interface FtsStatements {
  insert: Database.Statement<[number, string]>;
  delete: Database.Statement<[number]>;
  search: Database.Statement<[string], { id: string; relevance: number }>;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One FTS5 table per text-indexed collection, so bm25 statistics are the collection's own. */
export function ftsTable(collection: string): string {
  return quoteIdentifier(`fts:${collection}`);
}

/** What the text index holds of a document: the strings at its indexed fields. */
export function textOf(doc: Document, fields: readonly string[]): string {
  return fields
    .flatMap((field) => valuesAt(doc, field.split('.')))
    .filter((value): value is string => typeof value === 'string')
    .join('\n');
}

export function prepareFts(db: Database.Database, collection: string): FtsStatements {
  const table = ftsTable(collection);
  return {
    insert: db.prepare(`INSERT INTO ${table} (rowid, content) VALUES (?, ?)`),
    delete: db.prepare(`DELETE FROM ${table} WHERE rowid = ?`),
    search: db.prepare(
      `SELECT d.id AS id, bm25(${table}) AS relevance FROM ${table} JOIN documents d ON d.seq = ${table}.rowid
         WHERE ${table} MATCH ? ORDER BY relevance`,
    ),
  };
}

/** Creates a collection's FTS5 table, inside the transaction that records its text index. */
export function createFtsTable(
  db: Database.Database,
  collection: string,
  fields: readonly string[],
  rows: Iterable<{ seq: number; doc: string }>,
): void {
  db.exec(`CREATE VIRTUAL TABLE ${ftsTable(collection)} USING fts5(content, tokenize = 'porter unicode61')`);
  // Back-fill: documents written before the text index existed become searchable too.
  const fts = prepareFts(db, collection);
  for (const { seq, doc } of rows) {
    fts.insert.run(seq, textOf(JSON.parse(doc) as Document, fields));
  }
}

/**
 * Ranked hits for `words` from the collection's FTS5 table, each document as `layer` has it.
 * `writePending` writes a transaction's uncommitted changes: they are written, searched and
 * rolled back inside one synchronous SQLite transaction, so the view ranks exactly as it will
 * after commit and nobody else sees them.
 */
export function rankedHits<T extends Document>(
  db: Database.Database,
  fts: FtsStatements,
  collection: string,
  words: readonly string[],
  options: SearchOptions,
  layer: Layer,
  writePending: (() => void) | undefined,
): SearchHit<T>[] {
  // Each word quoted (it holds only letters and digits), any word may match: partial matches still rank.
  const match = words.map((w) => `"${w}"`).join(' OR ');
  const limit = options.limit === undefined ? DEFAULT_SEARCH_LIMIT : options.limit === 0 ? Infinity : options.limit;
  const query = options.filter && Object.keys(options.filter).length > 0 ? new Query(options.filter, {}) : undefined;
  const collect = (): SearchHit<T>[] => {
    const hits: SearchHit<T>[] = [];
    if (limit <= 0) return hits;
    for (const row of fts.search.iterate(match)) {
      const doc = layer.get(collection, row.id);
      if (!doc || (query && !query.test(doc))) continue;
      hits.push({ document: copyOf(doc) as T, score: -row.relevance }); // bm25: lower is better
      if (hits.length >= limit) break;
    }
    return hits;
  };
  if (!writePending) return collect();
  let hits: SearchHit<T>[] = [];
  try {
    db.transaction(() => {
      writePending();
      hits = collect();
      throw ROLLBACK;
    })();
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return hits;
}
