/**
 * The embedded store's file: its tables, its page size and the settings every connection to it
 * (the main one, the background writer's and its checkpointer's) opens with.
 */
import { journalSizeLimit } from '../../sqlite/wal-limit';

export const PAGE_SIZE = 16384;

// Checkpoint every ~40 MB of WAL instead of 4 MB: each checkpoint fsyncs, and rebuilds write a lot.
export const AUTOCHECKPOINT = 'wal_autocheckpoint = 10000';

export const PRAGMAS = [
  'journal_mode = WAL',
  // Read models can be rebuilt from the event store: losing the last commits on power loss is acceptable.
  'synchronous = NORMAL',
  'busy_timeout = 10000',
  AUTOCHECKPOINT,
  journalSizeLimit(),
];

export const DOCUMENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY) WITHOUT ROWID;
-- No index on (collection, id): the cache knows every document's seq, so writes address rows
-- by seq and new rows append at the end. An index on random ids (event ids, uuids) would dirty
-- a different page for almost every write and make rebuilds several times slower.
CREATE TABLE IF NOT EXISTS documents (
  seq        INTEGER PRIMARY KEY, -- declared, so VACUUM keeps it: full-text rows use it as rowid
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_in_order ON documents (collection, seq);
CREATE TABLE IF NOT EXISTS indexes (
  collection TEXT NOT NULL,
  name       TEXT NOT NULL,
  spec       TEXT NOT NULL,
  PRIMARY KEY (collection, name)
);
`;
