/**
 * The queries the system makes most read through indexes, not scans: the embedded store's
 * `explain` reports the plan and the documents examined of every query a request makes, on read
 * models grown with copies of real documents (the test system's own data is too small for a
 * planner to prefer an index).
 */
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { Document } from '../../document-store/port';
import { AUDIT_TRAIL } from '../../projections/audit-trail/projection';
import { queueKey, TICKETS } from '../../projections/tickets/projection';
import { MAX_SKILLS_BY_SUBSET, OPEN_VISIT_SHAPES, OpenVisitShapeDoc, VisitDoc, VISITS, shapeOf, skillSetOf, visitsProjection } from '../../projections/visits/projection';
import { Deadlines, DEADLINES } from '../../sagas/deadlines';
import { NOTIFICATIONS } from '../../notifications/outbox-store';
import { startTestSystem, TestSystem } from './harness';
import { markPaid, openTicket } from './scenario';

const COPIES = 400;
const STATUSES = ['open', 'finalized', 'completed', 'cancelled'];
const TICKET_STATUSES = ['open', 'on-hold', 'completed', 'cancelled'];

describe('hot queries read through indexes', () => {
  let sys: TestSystem;
  let ticketId: string;
  let tokens: { customer: string; expert: string; helpdesk: string };

  beforeAll(async () => {
    sys = await startTestSystem();
    await markPaid(sys, 'cust-test');
    tokens = { customer: await sys.token('customer'), expert: await sys.token('expert'), helpdesk: await sys.token('helpdesk') };
    ({ ticketId } = await openTicket(sys, tokens.customer));
    await grow(TICKETS, true, (doc, i) => {
      // A quarter in helpdesk's queue, flagged for one of two reasons.
      const openedAt = new Date(Date.UTC(2026, 1, 1) + i * 60_000).toISOString();
      const held = i % 4 === 0;
      return {
        ...doc,
        _id: `t-copy-${i}`,
        ticketId: `t-copy-${i}`,
        customerId: `cust-copy-${i % 40}`,
        status: TICKET_STATUSES[i % 4],
        flagged: held,
        escalated: false,
        inQueue: held,
        queueKey: held ? queueKey(i % 8 === 0 ? 'urgent' : 'normal', openedAt, `t-copy-${i}`) : null,
        flagReasons: held ? [i % 8 === 0 ? 'no-access' : 'payment-status-unknown'] : [],
        openedAt,
      };
    });
    await grow(VISITS, true, (doc, i) => ({
      ...doc,
      _id: `v-copy-${i}`,
      visitId: `v-copy-${i}`,
      ticketId: `t-copy-${i}`,
      status: STATUSES[i % 4],
      experts: [],
      plannedAt: new Date(Date.parse(doc.plannedAt as string) - (i + 1) * 60_000).toISOString(),
    }));
    await grow(AUDIT_TRAIL, true, (doc, i) => ({ ...doc, _id: `e-copy-${i}`, stream: `ticket-t-copy-${i % 100}` }));
    await grow(NOTIFICATIONS, false, (doc, i) => ({ ...doc, _id: `n-copy-${i}`, ticketId: `t-copy-${i}`, status: 'sent', nextAttemptAt: null, seq: `0-${i}` }));
    await grow(DEADLINES, false, (doc, i) => ({ ...doc, _id: `d-copy-${i}`, status: 'fired', payload: { ticketId: `t-copy-${i}`, visitId: `v-copy-${i}` } }));
  }, 60_000);
  afterAll(() => sys.stop());

  /** Adds COPIES documents made from the collection's first one (a read model's, or a plain collection's). */
  async function grow(name: string, readModel: boolean, copy: (doc: Document, i: number) => Document): Promise<void> {
    const col = readModel ? await sys.services.readModels.collection(name) : sys.services.documents.collection(name);
    const [first] = await col.find({}, { limit: 1 });
    expect([name, first]).toEqual([name, expect.anything()]);
    await col.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: copy(first!, i) } })));
  }

  /**
   * Runs `work`; expects no query it made to scan, but those of `small` collections read whole
   * (one document per distinct value, not per ticket), and at most `examined` documents looked at.
   */
  async function indexed(work: () => Promise<unknown>, examined: number, small: string[] = []): Promise<string[]> {
    const explained = await (sys.services.documents as EmbeddedDocumentStore).explain(work);
    expect(explained.plans.filter((plan) => plan.startsWith('scan') && !small.some((name) => plan.startsWith(`scan ${name}`)))).toEqual([]);
    expect(explained.examined).toBeLessThanOrEqual(examined);
    return explained.plans;
  }

  const get = async (path: string, token: string) => {
    const r = await sys.call('GET', path, { token });
    expect([path, r.status]).toEqual([path, 200]);
    return r.body;
  };

  it("tickets: staff lists by status or all, newest first, with totals; a customer's own; a ticket's history", async () => {
    const byStatus = await indexed(() => get('/tickets?status=cancelled&limit=20', tokens.helpdesk), 21);
    expect(byStatus).toEqual(expect.arrayContaining(['index by_status in sort order', 'count by_status']));
    expect(await indexed(() => get('/tickets?limit=20', tokens.helpdesk), 20)).toContain('index by_opened in sort order');
    await indexed(() => get('/tickets', tokens.customer), 5);
    const history = await indexed(() => get(`/tickets/${ticketId}/history`, tokens.customer), 20);
    expect(history).toContain('index history_by_stream');
  });

  it("reports: the summary's tickets by status, escalated and flagged are counted through indexes", async () => {
    // The days' figures are one document a day, read whole.
    const plans = await indexed(() => get('/reports/summary', tokens.helpdesk), 40, ['report_days']);
    expect(plans).toEqual(expect.arrayContaining(['count by_status', 'count by_escalated', 'count by_flagged']));
  });

  it('helpdesk queue: a page of flagged or escalated tickets in the queue\'s order, its total, and the visits of each', async () => {
    const first = await indexed(() => get('/helpdesk/queue?limit=20', tokens.helpdesk), 21 + 20);
    expect(first).toEqual(expect.arrayContaining(['index queue_by_key in sort order', 'count queue_by_key']));
    const { nextCursor } = await get('/helpdesk/queue?limit=20', tokens.helpdesk);
    expect(await indexed(() => get(`/helpdesk/queue?limit=20&cursor=${nextCursor}`, tokens.helpdesk), 21 + 20)).toContain('index queue_by_key in sort order');
    expect(await indexed(() => get('/helpdesk/queue?limit=20&reason=no-access', tokens.helpdesk), 21 + 20 + COPIES / 8)).toContain('index by_flag_reason in sort order');
  });

  it("experts: the feed of open visits and an expert's own schedule", async () => {
    expect(await indexed(() => get('/visits/feed', tokens.expert), COPIES / 4 + 5, [OPEN_VISIT_SHAPES])).toContain('index open_by_planned in sort order');
    expect(await indexed(() => get('/visits/mine', tokens.expert), 5)).toContain('index open_by_offering');
  });

  it("experts: the schedule does not read the visits an expert has done", async () => {
    const me = (await get('/auth/me', tokens.expert)).expertId as string;
    const visits = await sys.services.readModels.collection<VisitDoc>(VISITS);
    const [first] = await visits.find({}, { limit: 1 });
    const done = (i: number) => ({ ...first!, _id: `v-done-${i}`, visitId: `v-done-${i}`, status: 'completed' as const, experts: [me], start: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString() });
    await visits.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: done(i) } })));
    const plans = await indexed(() => get('/visits/mine', tokens.expert), 5);
    expect(plans.some((plan) => plan.startsWith('index by_expert_status_start in sort order'))).toBe(true);
    expect((await get('/visits/mine?includeClosed=true', tokens.expert)).scheduled).toHaveLength(COPIES);
  });

  it('experts: the schedule reads only the fortnight ahead unless asked, and tells when the next visit after it is', async () => {
    const me = (await get('/auth/me', tokens.expert)).expertId as string;
    const before = await get('/visits/mine', tokens.expert);
    const fortnight = Date.parse(before.until) - sys.clock.now.getTime();
    expect(fortnight).toBe(14 * 24 * 3_600_000);
    // Months booked ahead: COPIES visits, one an hour from a day after the fortnight on.
    const visits = await sys.services.readModels.collection<VisitDoc>(VISITS);
    const [first] = await visits.find({}, { limit: 1 });
    const later = (i: number) => new Date(Date.parse(before.until) + 24 * 3_600_000 + i * 3_600_000).toISOString();
    const booked = (i: number) => ({ ...first!, _id: `v-ahead-${i}`, visitId: `v-ahead-${i}`, status: 'finalized' as const, experts: [me], start: later(i), end: later(i + 1) });
    await visits.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: booked(i) } })));
    const plans = await indexed(() => get('/visits/mine', tokens.expert), 5 + 7);
    expect(plans.some((plan) => plan.startsWith('index by_expert_status_start in sort order'))).toBe(true);
    const now = await get('/visits/mine', tokens.expert);
    expect(now).toEqual({ ...before, nextStart: later(0) });
    // The span asked for: from the next visit on, a day's worth.
    const day = await get(`/visits/mine?from=${later(0)}&to=${later(24)}`, tokens.expert);
    expect(day.scheduled.map((v: { visitId: string }) => v.visitId)).toEqual(Array.from({ length: 24 }, (_, i) => `v-ahead-${i}`));
    expect([day.until, day.nextStart]).toEqual([later(24), later(24)]);
    await visits.deleteMany({ _id: { $in: Array.from({ length: COPIES }, (_, i) => `v-ahead-${i}`) } });
  });

  it("experts: open visits whose windows fit no start of the expert's calendar cost the feed nothing", async () => {
    // A backlog nobody can take any more: COPIES open visits whose only window is over.
    const over = [{ start: '2026-01-05T14:00:00.000Z', end: '2026-01-05T20:00:00.000Z' }];
    const visits = await sys.services.readModels.collection<VisitDoc>(VISITS);
    const [first] = await visits.find({ status: 'open' }, { limit: 1 });
    const shape = shapeOf({ skills: first!.skills, durationMinutes: first!.durationMinutes, windows: over });
    await visits.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: { ...first!, _id: `v-over-${i}`, visitId: `v-over-${i}`, windows: over, shape, plannedAt: new Date(Date.parse(first!.plannedAt) - i * 1000).toISOString() } } })));
    await (await sys.services.readModels.collection<OpenVisitShapeDoc>(OPEN_VISIT_SHAPES)).insertOne({ _id: shape, skills: first!.skills, skillSet: skillSetOf(first!.skills), durationMinutes: first!.durationMinutes, windows: over, open: COPIES });
    const before = await get('/visits/feed', tokens.expert);
    const plans = await indexed(() => get('/visits/feed', tokens.expert), COPIES / 4 + 5 + 2, [OPEN_VISIT_SHAPES]);
    expect(plans).toContain('index open_by_shape_planned in sort order');
    expect(await get('/visits/feed', tokens.expert)).toEqual(before);
  });

  it('experts: the feed reads only the shapes of open visits the expert has the skills for', async () => {
    // A backlog of skills the expert does not have (half of them with the expert's too): COPIES shapes, a visit each.
    const visits = await sys.services.readModels.collection<VisitDoc>(VISITS);
    const shapes = await sys.services.readModels.collection<OpenVisitShapeDoc>(OPEN_VISIT_SHAPES);
    const [first] = await visits.find({ status: 'open' }, { limit: 1 });
    const other = (i: number) => ({ skills: [`other-skill-${i}`, ...(i % 2 === 0 ? first!.skills : [])], durationMinutes: first!.durationMinutes, windows: first!.windows });
    const before = await get('/visits/feed', tokens.expert);
    await visits.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: { ...first!, ...other(i), _id: `v-other-${i}`, visitId: `v-other-${i}`, shape: shapeOf(other(i)) } } })));
    await shapes.bulkWrite(Array.from({ length: COPIES }, (_, i) => ({ insertOne: { document: { _id: shapeOf(other(i)), ...other(i), skillSet: skillSetOf(other(i).skills), open: 1 } } })));
    try {
      const plans = await indexed(() => get('/visits/feed', tokens.expert), COPIES / 4 + 5 + 5);
      expect(plans).toEqual(expect.arrayContaining(['index by_skill_set', 'index open_by_shape_planned in sort order']));
      expect(await get('/visits/feed', tokens.expert)).toEqual(before);
    } finally {
      await visits.deleteMany({ _id: { $regex: '^v-other-' } });
      await shapes.deleteMany({ skillSet: { $in: Array.from({ length: COPIES }, (_, i) => skillSetOf(other(i).skills)) } });
    }
  });

  it('experts: the feed of an expert with more skills than it asks for by key reads every shape, and shows the same', async () => {
    const me = (await get('/auth/me', tokens.expert)).expertId as string;
    const admin = await sys.token('admin');
    const skills = async (list: string[]) => expect((await sys.call('PUT', `/experts/${me}/skills`, { token: admin, body: { skills: list } })).status).toBe(200);
    const own = (await get(`/experts/${me}`, admin)).skills as string[];
    const before = await get('/visits/feed', tokens.expert);
    expect(before.visits.length).toBeGreaterThan(0);
    await skills([...own, ...Array.from({ length: MAX_SKILLS_BY_SUBSET }, (_, i) => `rare-skill-${i}`)]);
    try {
      const plans = await indexed(() => get('/visits/feed', tokens.expert), COPIES / 4 + 5, [OPEN_VISIT_SHAPES]);
      expect(plans).toContain(`scan ${OPEN_VISIT_SHAPES}_v${visitsProjection.version}`);
      expect(await get('/visits/feed', tokens.expert)).toEqual(before);
    } finally {
      await skills(own);
    }
  });

  it("notification delivery: due messages, the next one's time, a ticket's messages; due deadlines", async () => {
    const { outbox } = sys.services;
    const now = sys.clock.now;
    expect(await indexed(() => outbox.due(new Date(now.getTime() + 3_600_000), 50), 10)).toEqual(['index waiting in sort order']);
    expect(await indexed(() => outbox.nextDue(), 1)).toEqual(['index waiting in sort order']);
    expect(await indexed(() => outbox.listByTicket(ticketId), 10)).toEqual(['index by_ticket in sort order']);
    expect(await indexed(() => outbox.countByStatus('parked'), 0)).toEqual(['count waiting']);
    const deadlines = new Deadlines(sys.services.documents);
    expect(await indexed(() => deadlines.due(new Date(now.getTime() + 86_400_000 * 30)), 10)).toEqual(['index pending_by_due']);
    expect(await indexed(() => deadlines.next(), 1)).toEqual(['index pending_by_due in sort order']);
    // A backlog of due messages: a batch reads the batch, not the backlog.
    const notifications = sys.services.documents.collection(NOTIFICATIONS);
    const [sample] = await notifications.find({}, { limit: 1 });
    const backlog = Array.from({ length: 200 }, (_, i) => ({
      ...sample!,
      _id: `n-due-${i}`,
      status: 'pending',
      nextAttemptAt: new Date(now.getTime() - (200 - i) * 1000).toISOString(),
      seq: `1-${String(i).padStart(3, '0')}`,
    }));
    await notifications.bulkWrite(backlog.map((document) => ({ insertOne: { document } })));
    try {
      const batch: unknown[] = [];
      expect(await indexed(async () => batch.push(...(await outbox.due(now, 5))), 5)).toEqual(['index waiting in sort order']);
      expect(batch.map((m) => (m as { _id: string })._id)).toEqual(['n-due-0', 'n-due-1', 'n-due-2', 'n-due-3', 'n-due-4']);
    } finally {
      await notifications.deleteMany({ _id: { $in: backlog.map((m) => m._id) } });
    }
    // The matching saga cancels the pending deadlines of a ticket or a visit (sagas/matching.ts, cancelWhere).
    const pending = (where: Record<string, unknown>) => sys.services.documents.collection(DEADLINES).find({ saga: 'matching', status: 'pending', ...where });
    expect(await indexed(() => pending({ kind: 'widen', 'payload.visitId': 'v-copy-7' }), 1)).toEqual(['index pending_by_visit']);
    expect(await indexed(() => pending({ 'payload.ticketId': 't-copy-7' }), 1)).toEqual(['index pending_by_ticket']);
  });
});
