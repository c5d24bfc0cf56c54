import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { SqliteEventStore } from '../../event-store/sqlite';
import { auditTrailProjection } from '../../projections/audit-trail/projection';
import { ProjectionEngine } from '../../projections/engine';
import { rebuild } from '../../projections/rebuild';
import { Metric, perSecond, ratio, Scenario } from '../harness';
import { rawInsert, sampleData, sampleMetadata } from './store';

const REPLAY_EVENTS = 200_000;
const LIVE_RATE = 1000; // appends per second
const LIVE_SECONDS = 10;
const REPLAY_ROUNDS = 3;

export const projectionsScenario: Scenario = {
  name: 'projections',
  async run(ctx) {
    const metrics: Metric[] = [];
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const eventsPath = join(ctx.dir, 'events.db');
    let bar = ctx.progress('filling 200k events to replay', REPLAY_EVENTS);
    rawInsert(eventsPath, REPLAY_EVENTS, 1000, (n) => bar.tick(n));
    bar.done();
    const events = new SqliteEventStore({ path: eventsPath, watchOtherWriters: false });

    // The reference, measured here so the ratio comes from one run: reading every event. This
    // machine's speed drifts within seconds, so the replay is measured REPLAY_ROUNDS times, each
    // between two reference passes, and the median of the rounds is reported.
    const readAllOnce = async (): Promise<number> => {
      const start = process.hrtime.bigint();
      let position = 0;
      for (;;) {
        const page = await events.readAll({ fromPosition: position, maxCount: 1000 });
        if (page.length === 0) break;
        position = page[page.length - 1]!.position;
      }
      return perSecond(REPLAY_EVENTS, start);
    };
    const rounds: { readAll: number; replay: number }[] = [];
    let before = await readAllOnce();
    for (let round = 1; round <= REPLAY_ROUNDS; round++) {
      // Rebuild a projection that writes one document per event (the audit trail), into a fresh file.
      const path = join(ctx.dir, `documents-${round}.db`);
      const documents = new EmbeddedDocumentStore({ path });
      bar = ctx.progress(`replaying into the audit trail (${round}/${REPLAY_ROUNDS})`, REPLAY_EVENTS);
      let last = 0;
      const start = process.hrtime.bigint();
      await rebuild(events, documents, auditTrailProjection, 'rebuild', {
        onProgress: (p) => {
          bar.tick(p - last);
          last = p;
        },
      });
      const replay = perSecond(REPLAY_EVENTS, start);
      bar.done();
      await documents.close();
      for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
      const after = await readAllOnce();
      rounds.push({ readAll: (before + after) / 2, replay });
      before = after;
    }
    const ratios = rounds.map((r) => r.replay / r.readAll);
    const chosen = rounds[ratios.indexOf(median(ratios))]!;
    const readAll = { name: 'store.read_all', value: chosen.readAll, unit: 'events/s' };
    const replay = {
      name: 'projections.replay',
      value: chosen.replay,
      unit: 'events/s',
      note: `audit trail (1 document/event), embedded store, 200k events; median of ${REPLAY_ROUNDS} rounds (ratios ${ratios.map((r) => r.toFixed(3)).join(', ')})`,
    };
    metrics.push(
      replay,
      ratio('projections.replay_ratio', replay, readAll, 'replay / read_all of the same events, read just before and after it (target >= 0.3)'),
    );
    await events.close();

    // Live lag: steady appends, time from the append call to the document being committed.
    const liveEvents = new SqliteEventStore({ path: join(ctx.dir, 'live-events.db'), synchronous: 'FULL' });
    const liveDocuments = new EmbeddedDocumentStore({ path: join(ctx.dir, 'live-documents.db') });
    const engine = new ProjectionEngine(liveEvents, liveDocuments, [auditTrailProjection]);
    await engine.start();
    // Warm-up, not timed: the store's writer thread takes about 130 ms to start, which the
    // first appends of a store just opened would otherwise wait (a running server is long past it).
    const warmUp = await liveEvents.appendToStream('ticket-live-warm-up', [{ type: 'TicketOpened', data: sampleData, metadata: sampleMetadata }]);
    await engine.waitFor(warmUp.position, { timeoutMs: 10_000, projections: ['audit-trail'] });
    const total = LIVE_RATE * LIVE_SECONDS;
    bar = ctx.progress(`live: ${LIVE_RATE} appends/s for ${LIVE_SECONDS}s`, total);
    const lags: number[] = [];
    const waits: Promise<void>[] = [];
    const began = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * LIVE_RATE));
      for (; sent < due; sent++) {
        const t0 = performance.now();
        waits.push(
          liveEvents
            .appendToStream(`ticket-live-${sent}`, [{ type: 'TicketOpened', data: sampleData, metadata: sampleMetadata }])
            .then(({ position }) => engine.waitFor(position, { timeoutMs: 10_000, projections: ['audit-trail'] }))
            .then((visible) => {
              lags.push(visible ? performance.now() - t0 : 10_000);
              bar.tick();
            }),
        );
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(waits);
    bar.done();
    await engine.stop();
    await liveEvents.close();
    await liveDocuments.close();
    lags.sort((a, b) => a - b);
    const p = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!;
    metrics.push(
      { name: 'projections.live_lag_p50_ms', value: p(0.5), unit: 'ms', note: 'append call → document committed, steady 1,000 appends/s' },
      { name: 'projections.live_lag_p99_ms', value: p(0.99), unit: 'ms', note: 'target <= 50 ms' },
    );
    return metrics;
  },
};
