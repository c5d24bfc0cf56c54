import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DocumentStore } from '../../document-store/port';
import { Position } from '../../event-store/port';
import { rebuild, RebuildResult, switchTo } from '../../projections/rebuild';
import { ProjectionFailed } from '../../projections/runner';
import { route, RouteTable } from '../http/route';
import { HttpProblem } from '../http/problem';
import { ApiServices } from '../services';

/**
 * Rebuilding one read model from the browser: the same rebuild as `npm run replay -- --projection
 * NAME` (history replayed into fresh collections while the current build keeps serving, then
 * readers switched), started by an admin and watched by polling. One at a time per process: a
 * second start is refused while one runs.
 */

const AnInstant = z.iso.datetime({ offset: true });

export const RebuildSchema = z.strictObject({
  rebuildId: z.string(),
  readModel: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  startedAt: AnInstant,
  startedBy: z.string().describe('The admin who started it'),
  finishedAt: AnInstant.nullable(),
  position: z.number().int().describe('The last event position replayed'),
  head: z.number().int().describe("The event store's head when it started: done at 100 %"),
  percent: z.number().min(0).max(100),
  eventsPerSecond: z.number().describe('Events replayed per second so far'),
  resumedFrom: z.number().int().nullable().describe('Where an interrupted rebuild of it was picked up again (0: from the start)'),
  error: z.string().nullable().describe('Why it failed (readers keep the read model they had)'),
});
export type Rebuild = z.infer<typeof RebuildSchema>;

const RebuildList = z.strictObject({
  rebuilds: z.array(RebuildSchema).describe('Newest first; this process keeps the last few'),
  readModels: z.array(z.string()).describe('The read models that can be rebuilt'),
});

const KEPT = 10;

/** The rebuilds of this process: the running one and the last few finished. */
class Rebuilds {
  private readonly list: Rebuild[] = [];
  private readonly clocks = new Map<string, number>();

  running(): Rebuild | undefined {
    return this.list.find((r) => r.state === 'running');
  }

  all(): Rebuild[] {
    return this.list.map((r) => ({ ...r }));
  }

  get(rebuildId: string): Rebuild | undefined {
    const found = this.list.find((r) => r.rebuildId === rebuildId);
    return found && { ...found };
  }

  start(readModel: string, head: Position, startedBy: string, at: Date): Rebuild {
    const entry: Rebuild = { rebuildId: randomUUID(), readModel, state: 'running', startedAt: at.toISOString(), startedBy, finishedAt: null, position: 0, head, percent: head === 0 ? 100 : 0, eventsPerSecond: 0, resumedFrom: null, error: null };
    this.list.unshift(entry);
    this.list.splice(KEPT);
    this.clocks.set(entry.rebuildId, performance.now());
    return entry;
  }

  progress(entry: Rebuild, position: Position): void {
    entry.position = position;
    entry.percent = entry.head === 0 ? 100 : Math.min(100, Math.floor((position / entry.head) * 1000) / 10);
    const seconds = (performance.now() - (this.clocks.get(entry.rebuildId) ?? performance.now())) / 1000;
    entry.eventsPerSecond = seconds > 0 ? Math.round((position - (entry.resumedFrom ?? 0)) / seconds) : 0;
  }

  finish(entry: Rebuild, at: Date, outcome: { result: RebuildResult } | { error: string }): void {
    entry.finishedAt = at.toISOString();
    if ('result' in outcome) {
      entry.resumedFrom = outcome.result.resumedFrom;
      this.progress(entry, outcome.result.position);
      entry.percent = 100;
      entry.state = 'done';
    } else {
      entry.state = 'failed';
      entry.error = outcome.error;
    }
    this.clocks.delete(entry.rebuildId);
  }
}

// One tracker per set of stores (per process; test systems each have their own).
const trackers = new WeakMap<DocumentStore, Rebuilds>();
function rebuildsOf(services: ApiServices): Rebuilds {
  let tracker = trackers.get(services.documents);
  if (!tracker) trackers.set(services.documents, (tracker = new Rebuilds()));
  return tracker;
}

/** Runs the rebuild: through this process's projection engine when it has one, else by the stores (the projector follows the switch). */
async function replace(services: ApiServices, readModel: string, onProgress: (position: Position) => void): Promise<RebuildResult> {
  if (services.engine) return services.engine.replace(readModel, { onProgress });
  const projection = services.projections.find((p) => p.name === readModel)!;
  const result = await rebuild(services.events, services.documents, projection, 'rebuild', { onProgress });
  await switchTo(services.documents, projection, result.target, services.clock());
  services.readModels.refresh();
  return result;
}

function failure(error: unknown): string {
  if (error instanceof ProjectionFailed) return `${error.message}. Readers keep the read model they had; starting the rebuild again resumes it.`;
  return error instanceof Error ? error.message : String(error);
}

export const operationsRoutes: RouteTable<ApiServices> = [
  route({
    method: 'get',
    path: '/rebuilds',
    summary: 'Read model rebuilds started from the API (admin): the running one and the last few, newest first, with the read models that can be rebuilt',
    tag: 'Ops',
    roles: ['admin'],
    success: 200,
    operationId: 'listRebuilds',
    response: RebuildList,
    async handler(_request, services: ApiServices) {
      const body: z.infer<typeof RebuildList> = { rebuilds: rebuildsOf(services).all(), readModels: services.projections.map((p) => p.name) };
      return { status: 200, body, headers: { 'Cache-Control': 'no-store' } };
    },
  }),
  route({
    method: 'get',
    path: '/rebuilds/:rebuildId',
    summary: "One rebuild's progress (admin): poll it until its state is done or failed",
    tag: 'Ops',
    roles: ['admin'],
    params: z.object({ rebuildId: z.string().min(1).max(100) }),
    success: 200,
    operationId: 'getRebuild',
    response: RebuildSchema,
    async handler({ params }, services: ApiServices) {
      const found = rebuildsOf(services).get(params.rebuildId);
      if (!found) throw new HttpProblem(404, 'Not found', `No rebuild ${params.rebuildId} in this process (it keeps the last ${KEPT}).`);
      return { status: 200, body: found, headers: { 'Cache-Control': 'no-store' } };
    },
  }),
  route({
    method: 'post',
    path: '/rebuilds',
    summary:
      'Rebuild one read model from the event store (admin), as `npm run replay -- --projection NAME` does: the current build keeps serving until the new one has caught up, then readers switch to it. Refused (409) while another rebuild runs',
    tag: 'Ops',
    roles: ['admin'],
    body: z.object({ readModel: z.string().trim().min(1).max(100) }),
    success: 202,
    operationId: 'startRebuild',
    response: RebuildSchema,
    responses: { 202: 'Started: poll the Location until its state is done or failed', 409: 'Another rebuild is running (`detail` names it)' },
    async handler({ body, user }, services: ApiServices) {
      if (!services.projections.some((p) => p.name === body.readModel)) {
        throw new HttpProblem(400, 'Invalid request', `No read model ${body.readModel}: one of ${services.projections.map((p) => p.name).join(', ')}.`, { errors: [{ field: 'readModel', message: 'not a read model' }] });
      }
      const tracker = rebuildsOf(services);
      const running = tracker.running();
      if (running) {
        throw new HttpProblem(409, 'A rebuild is running', `The ${running.readModel} read model is being rebuilt (${running.percent} %); start another when it is done.`, { code: 'rebuild-running', rebuildId: running.rebuildId });
      }
      const entry = tracker.start(body.readModel, await services.events.headPosition(), user.userId, services.clock());
      const started = { ...entry };
      // Runs on after the answer; its progress is read from GET /rebuilds/:rebuildId.
      void replace(services, body.readModel, (position) => tracker.progress(entry, position)).then(
        (result) => tracker.finish(entry, services.clock(), { result }),
        (error: unknown) => {
          services.logger.error({ err: error, readModel: body.readModel }, 'read model rebuild failed');
          tracker.finish(entry, services.clock(), { error: failure(error) });
        },
      );
      return { status: 202, body: started, headers: { Location: `/rebuilds/${entry.rebuildId}` } };
    },
  }),
];
