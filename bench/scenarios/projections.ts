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

export const projectionsScenario: Scenario = {
  name: 'projections',
  async run(ctx) {
    const metrics: Metric[] = [];
    const eventsPath = join(ctx.dir, 'events.db');
    let bar = ctx.progress('filling 200k events to replay', REPLAY_EVENTS);
    rawInsert(eventsPath, REPLAY_EVENTS, 1000, (n) => bar.tick(n));
    bar.done();
    const events = new SqliteEventStore({ path: eventsPath, watchOtherWriters: false });

    // The reference, measured here so the ratio comes from one run: reading every event.
    let start = process.hrtime.bigint();
    let position = 0;
    for (;;) {
      const page = await events.readAll({ fromPosition: position, maxCount: 1000 });
      if (page.length === 0) break;
      position = page[page.length - 1]!.position;
    }
    const readAll = { name: 'store.read_all', value: perSecond(REPLAY_EVENTS, start), unit: 'events/s' };

    // Rebuild a projection that writes one document per event (the audit trail).
    const documents = new EmbeddedDocumentStore({ path: join(ctx.dir, 'documents.db') });
    bar = ctx.progress('replaying into the audit trail', REPLAY_EVENTS);
    let last = 0;
    start = process.hrtime.bigint();
    await rebuild(events, documents, auditTrailProjection, 'rebuild', {
      onProgress: (p) => {
        bar.tick(p - last);
        last = p;
      },
    });
    const replay = { name: 'projections.replay', value: perSecond(REPLAY_EVENTS, start), unit: 'events/s', note: 'audit trail (1 document/event), embedded store, 200k events' };
    bar.done();
    metrics.push(replay, ratio('projections.replay_ratio', replay, readAll, 'replay / read_all of the same events, this run (target >= 0.3)'));
    await documents.close();
    await events.close();

    // Live lag: steady appends, time from the append call to the document being committed.
    const liveEvents = new SqliteEventStore({ path: join(ctx.dir, 'live-events.db'), synchronous: 'FULL' });
    const liveDocuments = new EmbeddedDocumentStore({ path: join(ctx.dir, 'live-documents.db') });
    const engine = new ProjectionEngine(liveEvents, liveDocuments, [auditTrailProjection], undefined);
    await engine.start();
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
