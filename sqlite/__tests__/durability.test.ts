/**
 * What survives a crash or a power loss is decided per SQLite connection: every connection of
 * both stores, as the composition root opens them, reports its settings, and each is asserted
 * here — a `synchronous = OFF` (or a rollback journal, or an unbounded WAL) anywhere fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createContainer } from '../../app/container';
import { TOKENS } from '../../app/tokens';
import { loadConfig } from '../../config/config';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { DocumentStore } from '../../document-store/port';
import { EventStore } from '../../event-store/port';
import { SqliteEventStore } from '../../event-store/sqlite';
import { DEFAULT_WAL_LIMIT_BYTES } from '../wal-limit';

const WAL = { journalMode: 'wal', journalSizeLimit: DEFAULT_WAL_LIMIT_BYTES };

describe('durability settings of every SQLite connection', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sysops-durability-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function stores(env: Record<string, string> = {}) {
    const container = createContainer(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, ...env }), pino({ level: 'silent' }));
    return { events: container.get<EventStore>(TOKENS.EventStore), documents: container.get<DocumentStore>(TOKENS.DocumentStore) };
  }

  it('the event store: synchronous FULL by default (every acknowledged append survives power loss), in WAL mode, its WAL bounded, on both connections', async () => {
    const { events, documents } = stores();
    try {
      expect(events).toBeInstanceOf(SqliteEventStore);
      expect(await (events as SqliteEventStore).durability()).toEqual([
        { connection: 'main', synchronous: 'FULL', ...WAL },
        { connection: 'writer', synchronous: 'FULL', ...WAL },
      ]);
    } finally {
      await events.close();
      await documents.close();
    }
  });

  it('the event store: NORMAL only when configured so (SQLITE_SYNCHRONOUS=NORMAL)', async () => {
    const { events, documents } = stores({ SQLITE_SYNCHRONOUS: 'NORMAL' });
    try {
      expect(await (events as SqliteEventStore).durability()).toEqual([
        { connection: 'main', synchronous: 'NORMAL', ...WAL },
        { connection: 'writer', synchronous: 'NORMAL', ...WAL },
      ]);
    } finally {
      await events.close();
      await documents.close();
    }
  });

  it('the document store: its own connection and the background writer’s, NORMAL (read models are rebuilt from the events; a crash loses no commit, a power loss the last ones at most), WAL, bounded', async () => {
    const { events, documents } = stores();
    try {
      expect(documents).toBeInstanceOf(EmbeddedDocumentStore);
      expect(await (documents as EmbeddedDocumentStore).durability()).toEqual([
        { connection: 'main', synchronous: 'NORMAL', ...WAL },
        { connection: 'writer', synchronous: 'NORMAL', ...WAL },
      ]);
    } finally {
      await events.close();
      await documents.close();
    }
  });

  it('the document store’s checkpointer thread too, once it has started', async () => {
    const documents = new EmbeddedDocumentStore({ path: join(dir, 'documents.db'), backgroundCommitRows: 10, checkpointEveryKiB: 64 });
    try {
      // Big transactions go to the writer; once it has appended half a checkpoint's worth, the checkpointer starts.
      for (let round = 0; round < 5; round++) {
        await documents.transaction(async (tx) => {
          for (let i = 0; i < 50; i++) await tx.collection('things').insertOne({ _id: `r${round}-${i}`, text: 'x'.repeat(2000) });
        });
      }
      let reported = await documents.durability();
      for (let i = 0; i < 100 && reported.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        reported = await documents.durability();
      }
      expect(reported).toEqual([
        { connection: 'main', synchronous: 'NORMAL', ...WAL },
        { connection: 'writer', synchronous: 'NORMAL', ...WAL },
        { connection: 'checkpointer', synchronous: 'NORMAL', ...WAL },
      ]);
    } finally {
      await documents.close();
    }
  });
});
