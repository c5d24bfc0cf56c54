import { send } from '../../commands/aggregate';
import { articles } from '../../commands/article';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { hasAllSkills } from '../../domain/expert/skills';
import { Priority } from '../../domain/ticket/ticket';
import { StreamCategory, streamName } from '../../event-store/streams';
import { ARTICLES } from './articles';
import { Model, PROBLEMS } from './content';
import { distanceKm } from './geography';
import { TicketPlan } from './options';
import { DAY, HOUR, MIN, pad, SeedRun } from './run';
import { CustomerSeed, ExpertSeed, SeedSetup } from './setup';

export interface TicketsWritten {
  counts: Record<TicketPlan, number>;
  /** Tickets already there (a second run). */
  skipped: number;
  articlesWritten: number;
}

/**
 * Tickets in every state, driven through the real sagas with the clock the seed controls: opened,
 * escalated at their match-timeout, proposed for and finalized, cancelled, executed, completed
 * with surveys; then the knowledge-base articles written from them and today's open tickets.
 */
export async function seedTickets(run: SeedRun, setup: SeedSetup): Promise<TicketsWritten> {
  const { sys, options, rng, size, realNow, today, t0, meta, attempt, inChunks, progress } = run;
  const { models, expertSeeds, customerSeeds } = setup;
  const weekdaysFrom = (from: number, to: number) => {
    const days: number[] = [];
    for (let d = from; d <= to; d += DAY) {
      const wd = new Date(d).getUTCDay();
      if (wd !== 0 && wd !== 6) days.push(d);
    }
    return days;
  };
  const pastDays = weekdaysFrom(t0 + DAY, today - DAY);
  const lastWeekday = pastDays[pastDays.length - 1] ?? t0 + DAY;
  const futureDays = weekdaysFrom(today + DAY, today + 21 * DAY);
  /** 2-hour slots inside 08:00–18:00 New York time (13:00–21:00 UTC in winter, 12:00–20:00 in summer). */
  const SLOT_HOURS = [13, 15, 17];
  const booked = new Set<string>();

  const plans: TicketPlan[] = [];
  const mix: [TicketPlan, number][] = [
    ['completed', 0.35],
    ['matched', 0.18],
    ['en-route', 0.05],
    ['started', 0.05],
    ['escalated', 0.1],
    ['open', 0.14],
    ['on-hold', 0.06],
    ['cancelled', 0.07],
  ];
  for (let i = 0; i < size.tickets; i++) {
    // round-robin over the mix for tiny sizes, weighted random for the rest
    if (i < mix.length) plans.push(mix[i]![0]);
    else {
      let r = rng.float();
      const found = mix.find(([, w]) => (r -= w) < 0);
      plans.push(found ? found[0] : 'open');
    }
  }

  interface TicketSeed {
    ticketId: string;
    visitId: string;
    plan: TicketPlan;
    customer: CustomerSeed;
    model: Model;
    priority: Priority;
    openedAt: number;
    day: number;
    durationMinutes: number;
    expert?: ExpertSeed;
    start?: number;
    problem: string;
    /** The kind of problem (a key of PROBLEMS' category). */
    trouble: string;
  }
  const seeds: TicketSeed[] = plans.map((plan, i) => {
    const customer = rng.pick(customerSeeds);
    const model = rng.pick(models);
    const needsExpert = plan === 'completed' || plan === 'matched' || plan === 'en-route' || plan === 'started';
    let day = plan === 'completed' ? rng.pick(pastDays) : plan === 'en-route' || plan === 'started' ? lastWeekday : rng.pick(futureDays);
    const durationMinutes = rng.pick([60, 90, 120]);
    let expert: ExpertSeed | undefined;
    let start: number | undefined;
    if (needsExpert) {
      const fit = expertSeeds.filter((e) => hasAllSkills(e.skills, model.requiredSkills) && distanceKm(e.home, customer.location) <= e.radiusKm);
      const candidates = rng.sample(fit, fit.length);
      const dayChoices = plan === 'completed' ? rng.sample(pastDays, pastDays.length) : plan === 'matched' ? rng.sample(futureDays, futureDays.length) : [lastWeekday];
      search: for (const d of dayChoices) {
        for (const e of candidates) {
          for (const h of rng.sample(SLOT_HOURS, SLOT_HOURS.length)) {
            const key = `${e.expertId}:${d}:${h}`;
            if (!booked.has(key)) {
              booked.add(key);
              expert = e;
              start = d + h * HOUR;
              day = d;
              break search;
            }
          }
        }
      }
    }
    const actual: TicketPlan = needsExpert && !expert ? 'open' : plan;
    if (actual !== plan) day = rng.pick(futureDays);
    const openedAt = actual === 'open' ? realNow.getTime() - rng.int(10, 300) * MIN : t0 + 8 * HOUR + i * 1000;
    const priority: Priority = actual === 'escalated' ? 'urgent' : actual === 'open' ? rng.pick(['normal', 'low'] as const) : rng.pick(['normal', 'normal', 'high', 'low'] as const);
    const trouble = rng.pick(PROBLEMS[model.category] ?? ['not working']);
    return {
      ticketId: `tkt-${pad(i + 1, 5)}`,
      visitId: `vis-${pad(i + 1, 5)}-1`,
      plan: actual,
      customer,
      model,
      priority,
      openedAt,
      day,
      durationMinutes,
      ...(expert ? { expert } : {}),
      ...(start !== undefined ? { start } : {}),
      problem: `${model.brand} ${model.model}: ${trouble}`,
      trouble,
    };
  });

  const counts = Object.fromEntries(mix.map(([p]) => [p, 0])) as Record<TicketPlan, number>;
  let skipped = 0;
  const fresh: TicketSeed[] = [];
  await inChunks('check tickets', seeds, async (t) => {
    const existing = options.resume ? [] : await sys.events.readStream(streamName(StreamCategory.ticket, t.ticketId), { maxCount: 1 }).catch(() => []);
    if (existing.length > 0) skipped++;
    else fresh.push(t);
  }, 64);
  fresh.sort((a, b) => a.ticketId.localeCompare(b.ticketId));
  const is = (...p: TicketPlan[]) => fresh.filter((t) => p.includes(t.plan));

  const openOne = (t: TicketSeed) => {
    const windowStart = t.day + 12 * HOUR;
    return attempt(`open ${t.ticketId}`, () =>
      send(sys.commands, tickets, {
        type: 'openTicket',
        data: {
          ticketId: t.ticketId,
          customerId: t.customer.customerId,
          applianceModelId: t.model.modelId,
          problem: t.problem,
          priority: t.priority,
          location: t.customer.location,
          visits: [{ visitId: t.visitId, skills: t.model.requiredSkills, expertsNeeded: 1, durationMinutes: t.durationMinutes, windows: [{ start: new Date(windowStart).toISOString(), end: new Date(windowStart + 10 * HOUR).toISOString() }] }],
          dependencies: [],
          paymentStatus: t.plan === 'on-hold' ? 'unknown' : 'paid',
        },
        metadata: meta(`open:${t.ticketId}`, t.openedAt, { userId: `customer:${t.customer.customerId}`, role: 'customer' }),
      }),
    );
  };

  // 1. open the historical tickets (the matching saga plans their visits and starts match clocks)
  sys.clock.now = new Date(t0 + 8 * HOUR);
  await inChunks('open tickets', is('completed', 'matched', 'en-route', 'started', 'escalated', 'on-hold', 'cancelled'), openOne);
  await sys.settle();

  // 2. nobody proposes for the urgent ones: their match-timeout fires, the ticket escalates
  progress('escalations', 0, 1);
  sys.clock.now = new Date(t0 + 8 * HOUR + (size.tickets + 60) * 1000 + 45 * MIN);
  await sys.fireDueDeadlines();
  await sys.settle();
  await sys.fireDueDeadlines();
  await sys.settle();
  progress('escalations', 1, 1);

  // 3. experts propose; the matching saga books calendars and finalizes
  const proposeAt = sys.clock.now.getTime() + 30 * MIN;
  sys.clock.now = new Date(proposeAt);
  const matched = is('completed', 'matched', 'en-route', 'started');
  await inChunks('proposals', matched, (t) =>
    attempt(`propose ${t.ticketId}`, () =>
      send(sys.commands, visits, {
        type: 'proposeSlot',
        data: { visitId: t.visitId, expertId: t.expert!.expertId, expertSkills: t.expert!.skills, starts: [new Date(t.start!).toISOString()] },
        metadata: meta(`propose:${t.visitId}`, proposeAt, { userId: t.expert!.expertId, role: 'expert' }),
      }),
    ),
  );
  await sys.settle();

  // 4. cancellations
  await inChunks('cancellations', is('cancelled'), (t) =>
    attempt(`cancel ${t.ticketId}`, () =>
      send(sys.commands, tickets, { type: 'cancelTicket', data: { ticketId: t.ticketId, reason: 'customer fixed it themselves' }, metadata: meta(`cancel:${t.ticketId}`, proposeAt + HOUR) }),
    ),
  );

  // 5. execution: en route, arrived, started, completed
  const step = (t: TicketSeed, type: 'markEnRoute' | 'markArrived' | 'markStarted' | 'completeVisit', at: number, extra: Record<string, string> = {}) =>
    send(sys.commands, visits, {
      type,
      data: { visitId: t.visitId, expertId: t.expert!.expertId, ...extra },
      metadata: meta(`${type}:${t.visitId}`, at, { userId: t.expert!.expertId, role: 'expert' }),
    } as Parameters<typeof send<never, never, never>>[2]);
  await inChunks('visits', is('completed', 'en-route', 'started'), (t) =>
    attempt(`execute ${t.ticketId}`, async () => {
      // Random draws before the first await: the chunk's visits run concurrently, and drawing in
      // completion order would make the demo data differ from run to run.
      const notes = rng.pick(['replaced the pump', 'cleaned the filter and tested', 'replaced the control board', 'replaced a worn belt', 'recharged refrigerant, no leaks found']);
      const start = t.start!;
      await step(t, 'markEnRoute', start - 30 * MIN, { eta: new Date(start).toISOString() });
      if (t.plan === 'en-route') return;
      await step(t, 'markArrived', start - 2 * MIN);
      await step(t, 'markStarted', start);
      if (t.plan === 'started') return;
      await step(t, 'completeVisit', start + t.durationMinutes * MIN, { notes });
    }),
  );
  await sys.settle();

  // 6. the tickets whose visit is done are completed, most get a survey
  const completedTickets = new Set<string>();
  await inChunks('surveys', is('completed'), (t, i) =>
    attempt(`complete ${t.ticketId}`, async () => {
      // Drawn before the first await (see above). Mostly happy customers, a few unhappy ones.
      const rating = rng.pick([5, 5, 5, 5, 4, 4, 4, 3, 3, 2, 1]);
      const end = t.start! + t.durationMinutes * MIN;
      await send(sys.commands, tickets, { type: 'completeTicket', data: { ticketId: t.ticketId, resolution: 'repaired on site' }, metadata: meta(`complete:${t.ticketId}`, end + 15 * MIN, { userId: t.expert!.expertId, role: 'expert' }) });
      completedTickets.add(t.ticketId);
      if (i % 5 !== 4) {
        await send(sys.commands, tickets, {
          type: 'recordSurvey',
          data: { ticketId: t.ticketId, rating, comments: rating >= 4 ? 'quick and friendly' : 'took longer than expected' },
          metadata: meta(`survey:${t.ticketId}`, end + DAY),
        });
      }
    }),
  );

  // 6b. the knowledge base: for each kind of problem, the expert of the first completed ticket
  //     that had it writes up what they found and did, linked to that ticket; a few colleagues
  //     rate it. Ids and command ids follow from the kind of problem: written once, ever.
  const firstOfKind = new Map<string, TicketSeed>();
  for (const t of is('completed')) {
    const key = `${t.model.category}: ${t.trouble}`;
    if (completedTickets.has(t.ticketId) && ARTICLES[t.model.category]?.[t.trouble] && !firstOfKind.has(key)) firstOfKind.set(key, t);
  }
  let articlesWritten = 0;
  await inChunks('knowledge base', [...firstOfKind.values()], (t, i) =>
    attempt(`article ${t.ticketId}`, async () => {
      const content = ARTICLES[t.model.category]![t.trouble]!;
      const articleId = `kb-${t.model.category}-${t.trouble.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
      const author = t.expert!.expertId;
      const writtenAt = Math.min(t.start! + t.durationMinutes * MIN + 2 * HOUR, realNow.getTime());
      const written = await send(sys.commands, articles, {
        type: 'writeArticle',
        data: { articleId, ...content, applianceModelId: t.model.modelId, category: t.model.category, linkedTicketId: t.ticketId },
        metadata: meta(`article:${articleId}`, writtenAt, { userId: author, role: 'expert' }),
      });
      if (!written.repeated) articlesWritten++;
      const colleagues = expertSeeds.filter((e) => e.expertId !== author && e.skills.some((s) => t.model.requiredSkills.includes(s)));
      for (let k = 0; k < Math.min(colleagues.length, i % 4); k++) {
        const voter = colleagues[(i * 7 + k * 3) % colleagues.length]!.expertId;
        await send(sys.commands, articles, {
          type: 'rateArticle',
          data: { articleId, helpful: (i + k) % 5 !== 4 },
          metadata: meta(`rate:${articleId}:${voter}`, Math.min(writtenAt + (k + 1) * DAY, realNow.getTime()), { userId: voter, role: 'expert' }),
        });
      }
    }),
  );

  // 7. fresh tickets still waiting for proposals (their match clocks run in real time)
  sys.clock.now = new Date(realNow.getTime());
  await inChunks('open tickets (today)', is('open'), openOne);
  await sys.settle();

  for (const t of fresh) counts[t.plan]++;
  return { counts, skipped, articlesWritten };
}
