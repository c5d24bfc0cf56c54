/**
 * The embedded document store: SQLite for durability, mingo for MongoDB's query language, FTS5
 * for search. What the rest of the system imports; the other files of this folder are its parts:
 *
 * - store.ts: the store itself (what the port asks), and transaction-view.ts, what a transaction sees
 * - collection.ts: a collection's reads and writes over a layer; overlay.ts, the layers
 *   (a transaction's uncommitted writes over the committed state)
 * - committed-state.ts: what is committed, its SQL and the bookkeeping of each commit, with
 *   schema.ts (the file's tables and settings), cache.ts (documents in memory),
 *   unique-keys.ts, declared-indexes.ts, full-text.ts (FTS5), group-commit.ts (plain commits)
 *   and background-commits.ts (big ones, through writer.ts, a second connection on a worker thread)
 * - indexes.ts: the query planner over secondary-index.ts, with index-keys.ts and sorted-keys.ts
 * - json-text.ts, rows-by-id.ts, top-level-update.ts: how documents are kept, looked up and updated fast
 */
export { DOCUMENT_STORE_DAMAGE_REMEDY, DOCUMENTS_SCHEMA, EmbeddedDocumentStore } from './store';
export type { EmbeddedDocumentStoreOptions } from './store';
