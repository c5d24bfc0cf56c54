/**
 * The embedded document store: SQLite for durability, mingo for MongoDB's query language,
 * FTS5 for search. What the rest of the system uses of it; the files of this folder are its parts.
 */
export { DOCUMENT_STORE_DAMAGE_REMEDY, DOCUMENTS_SCHEMA, EmbeddedDocumentStore } from './store';
export type { EmbeddedDocumentStoreOptions } from './store';
