import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Collection, Document, IndexSpec } from '../../document-store/port';
import { Metric, ratio, Scenario } from '../harness';

const SMALL = 2_000;
const LARGE = 200_000;
const ROUNDS = 5;
const QUERIES_PER_ROUND = 400;
const STATUSES = ['open', 'matched', 'in-progress', 'completed', 'cancelled'];
const INDEXES: IndexSpec[] = [
  { keys: { status: 1, openedAt: -1 }, name: 'by_status' },
  { keys: { customerId: 1, openedAt: -1 }, name: 'by_customer' },
];

/** About the size and shape of a tickets read-model document. */
function ticket(i: number): Document {
  const id = `t-${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    _id: id,
    ticketId: id,
    customerId: `c-${i % 5000}`,
    status: STATUSES[i % STATUSES.length],
    priority: i % 10 === 0 ? 'high' : 'normal',
    flagged: false,
    escalated: false,
    applianceModelId: 'whirlpool-wfw5620hw',
    problem: 'Washer stops mid-cycle and shows error F21; water does not drain.',
    openedAt: new Date(Date.UTC(2026, 0, 1) + i * 30_000).toISOString(),
    visits: [{ visitId: `v-${i}`, status: 'open', skills: ['washer'], start: null, experts: [] }],
    revision: 3,
  };
}

/** A pseudo-random but repeatable sequence: both sizes answer the same queries. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}

/** Pages of a status list, newest first, 20 a page, somewhere in its first 400: what staff's screens ask. */
async function pages(tickets: Collection, count: number, seed: number): Promise<number> {
  const next = sequence(seed);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const status = STATUSES[Math.floor(next() * STATUSES.length)]!;
    const found = await tickets.find({ status }, { sort: { openedAt: -1 }, skip: 20 * Math.floor(next() * 20), limit: 20 });
    if (found.length !== 20) throw new Error(`expected a full page, got ${found.length}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / count;
}

async function fill(path: string, n: number, tick: (n: number) => void): Promise<void> {
  const store = new EmbeddedDocumentStore({ path });
  for (const spec of INDEXES) await store.collection('tickets').createIndex(spec);
  for (let i = 0; i < n; i += 1000) {
    await store.transaction(async (tx) => {
      const tickets = tx.collection('tickets');
      for (let k = i; k < Math.min(n, i + 1000); k++) await tickets.insertOne(ticket(k));
    });
    tick(Math.min(1000, n - i));
  }
  await store.close();
}

export const docstoreScenario: Scenario = {
  name: 'docstore',
  async run(ctx) {
    const paths = { small: join(ctx.dir, 'small.db'), large: join(ctx.dir, 'large.db') };
    let bar = ctx.progress(`filling ${SMALL} and ${LARGE} tickets`, SMALL + LARGE);
    await fill(paths.small, SMALL, (n) => bar.tick(n));
    await fill(paths.large, LARGE, (n) => bar.tick(n));
    bar.done();

    // Opened again, as after a restart: bodies are read from the file, indexes built at first use.
    const small = new EmbeddedDocumentStore({ path: paths.small });
    const large = new EmbeddedDocumentStore({ path: paths.large });
    const query = (store: EmbeddedDocumentStore) => store.collection('tickets').find({ status: 'open' }, { sort: { openedAt: -1 }, limit: 20 });
    await query(small);
    let start = process.hrtime.bigint();
    const { plans } = await large.explain(() => query(large));
    const build = Number(process.hrtime.bigint() - start) / 1e6;
    if (plans[0] !== 'index by_status in sort order') throw new Error(`the bench query does not use its index: ${plans.join(', ')}`);

    // Alternately, as this machine's speed drifts within seconds; the round with the median ratio is reported.
    const rounds: { small: number; large: number }[] = [];
    bar = ctx.progress('indexed finds, 2k vs 200k documents', ROUNDS * 2 * QUERIES_PER_ROUND);
    for (let round = 1; round <= ROUNDS; round++) {
      const s = await pages(small.collection('tickets'), QUERIES_PER_ROUND, round);
      bar.tick(QUERIES_PER_ROUND);
      const l = await pages(large.collection('tickets'), QUERIES_PER_ROUND, round);
      bar.tick(QUERIES_PER_ROUND);
      rounds.push({ small: s, large: l });
    }
    bar.done();
    const ratios = rounds.map((r) => r.large / r.small);
    const chosen = rounds[ratios.indexOf([...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!)]!;

    // The same shape of query on a field without an index, for scale.
    bar = ctx.progress('the same find without an index, 200k documents', 1);
    start = process.hrtime.bigint();
    await large.collection('tickets').find({ priority: 'high' }, { sort: { openedAt: -1 }, limit: 20 });
    const scan = Number(process.hrtime.bigint() - start) / 1e6;
    bar.done();
    const held = large.heldBodies();
    const keys = large.indexPages();
    await small.close();
    await large.close();

    const smallFind: Metric = { name: 'docstore.indexed_find_2k', value: chosen.small, unit: 'ms', note: 'find({ status }, sort openedAt -1, skip 0-380, limit 20) on 2k tickets' };
    const largeFind: Metric = { name: 'docstore.indexed_find_200k', value: chosen.large, unit: 'ms', note: `the same on 200k; median of ${ROUNDS} rounds (ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})` };
    return [
      smallFind,
      largeFind,
      ratio('docstore.indexed_find_growth', largeFind, smallFind, 'indexed_find_200k / indexed_find_2k (target <= 2)'),
      { name: 'docstore.index_build_200k', value: build, unit: 'ms', note: 'first query after opening: the index is built from the file' },
      { name: 'docstore.scan_find_200k', value: scan, unit: 'ms', note: 'find({ priority }, sort openedAt -1, limit 20): no index, scans' },
      { name: 'docstore.held_bodies_200k', value: held.bytes / 2 ** 20, unit: 'MiB', note: `document bodies in memory after the run (${held.documents} documents; budget 32 MiB)` },
      {
        name: 'docstore.index_keys_200k',
        value: keys.bytes / 2 ** 20,
        unit: 'MiB',
        note: `index keys in memory after the run (budget ${keys.budget / 2 ** 20} MiB; ${keys.resident} chunks; ${keys.writes} written out to the temporary file, ${keys.reads} read back)`,
      },
    ];
  },
};
