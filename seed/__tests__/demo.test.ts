import { startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { tickets } from '../../commands/ticket';
import { TicketEvent, TicketState } from '../../domain/ticket/ticket';
import { loadConfig } from '../../config/config';
import { InvoiceEvent } from '../../domain/billing/invoice';
import { DEMO_LOGINS, seedDemo, SeedInterrupted } from '../demo';
import { RunningSeedSystem, startSeedSystem } from '../system';

/** The seed's own system on a test system's stores, as `npm start` runs it: the test system's sagas make way for the seed's. */
async function seedSystemOn(system: TestSystem): Promise<RunningSeedSystem> {
  await system.sagas.stop();
  const config = loadConfig({ NODE_ENV: 'test', SERVICE_TIME_ZONE: 'UTC' });
  const { events, documents, commands, outbox, engine, logger, surveyTokens, experts } = system.services;
  return startSeedSystem({ events, documents, commands, outbox, projections: engine, logger, config, surveyTokens, experts, dunningRetryDays: config.DUNNING_RETRY_DAYS });
}

describe('demo seed (tiny)', () => {
  let sys: TestSystem;
  let seedSys: RunningSeedSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    seedSys = await seedSystemOn(sys);
  });
  afterAll(async () => {
    await seedSys.stop();
    await sys.stop();
  });

  const ticketStatus = async (ticketId: string) => {
    const history = await sys.services.events.readStream(`ticket-${ticketId}`);
    return history.reduce<TicketState>((s, e) => tickets.decider.evolve(s, e as unknown as TicketEvent), tickets.decider.initialState());
  };

  it('writes tickets in several states through the commands, and a second run writes nothing', async () => {
    const now = new Date('2026-03-18T15:00:00.000Z');
    const summary = await seedDemo(seedSys, { experts: 6, customers: 5, tickets: 10, now });
    expect(summary.failureSamples).toEqual([]);
    const types = new Set((await sys.services.events.readAll()).map((e) => e.type));
    for (const t of ['TicketOpened', 'VisitFinalized', 'TicketEscalated', 'VisitEnRoute', 'VisitStarted', 'VisitCompleted', 'TicketCompleted', 'TicketSurveyRecorded', 'TicketCancelled', 'PaidUntilAdvanced']) {
      expect(types).toContain(t);
    }
    const statuses = new Set<string>();
    for (let i = 1; i <= 10; i++) statuses.add((await ticketStatus(`tkt-${String(i).padStart(5, '0')}`)).status);
    expect(statuses).toEqual(new Set(['open', 'completed', 'cancelled', 'on-hold']));

    const login = await sys.call('POST', '/auth/login', { body: DEMO_LOGINS.manager });
    expect(login.status).toBe(200);

    // The knowledge base has articles, each written by the expert of the completed ticket it links to.
    const written = (await sys.services.events.readAll()).filter((e) => e.type === 'ArticleWritten').map((e) => e.data as { linkedTicketId: string; authorId: string; applianceModelId: string });
    expect(summary.articles).toBe(written.length);
    expect(written.length).toBeGreaterThan(0);
    for (const article of written) {
      const ticket = await ticketStatus(article.linkedTicketId);
      expect(ticket.status).toBe('completed');
      if (ticket.status !== 'completed') continue;
      expect(ticket.applianceModelId).toBe(article.applianceModelId);
      expect(ticket.visits.flatMap((v) => v.experts)).toContain(article.authorId);
    }

    const head = await sys.services.events.headPosition();
    const again = await seedDemo(seedSys, { experts: 6, customers: 5, tickets: 10, now });
    expect(again.skippedTickets).toBe(10);
    await seedSys.settle();
    expect(await sys.services.events.headPosition()).toBe(head);
  }, 60_000);

  it('bills every customer monthly for a year through the billing run, never a month twice', async () => {
    // The seed ran in the test before: its customers joined a year before the tickets' history.
    const billing = (await sys.services.events.readAll()).filter((e) => e.type.startsWith('Invoice')).map((e) => e as unknown as InvoiceEvent);
    const issued = billing.filter((e) => e.type === 'InvoiceIssued');
    const byCustomer = new Map<string, string[]>();
    for (const e of issued) byCustomer.set(e.data.customerId, [...(byCustomer.get(e.data.customerId) ?? []), e.data.period]);
    expect(byCustomer.size).toBe(5);
    for (const [customerId, periods] of byCustomer) {
      expect(new Set(periods).size).toBe(periods.length);
      expect(periods.length).toBeGreaterThanOrEqual(12);
      // Issued on the billing day, not all at once at the end: months apart in the clock of the run.
      const issuedAt = issued.filter((e) => e.data.customerId === customerId).map((e) => Date.parse(e.type === 'InvoiceIssued' ? e.data.issuedAt : ''));
      expect(Math.max(...issuedAt) - Math.min(...issuedAt)).toBeGreaterThan(300 * 86_400_000);
    }
    // The demo login's customer pays every invoice, charged by the sandbox.
    const loginCustomer = 'cust-0001';
    const paid = billing.filter((e) => e.type === 'InvoicePaid' && e.data.customerId === loginCustomer);
    expect(paid.length).toBe(byCustomer.get(loginCustomer)!.length);
    const paidUntil = (await sys.services.events.readStream(`customer-${loginCustomer}`)).filter((e) => e.type === 'PaidUntilAdvanced');
    expect(paidUntil.length).toBe(paid.length);
  });

  it('is deterministic: two fresh systems seeded alike hold the same facts, stream by stream', async () => {
    const now = new Date('2026-03-18T15:00:00.000Z');
    const facts = async (interruptAt?: string) => {
      const other = await startTestSystem();
      try {
        const target = await seedSystemOn(other);
        const size = { experts: 6, customers: 8, tickets: 40, now };
        if (interruptAt) {
          // Interrupted (Ctrl-C on the first start) when a phase begins, then finished with `resume`.
          let phase = '';
          const interrupted = seedDemo(target, { ...size, onProgress: (p) => (phase = p), shouldStop: () => phase === interruptAt });
          await expect(interrupted).rejects.toBeInstanceOf(SeedInterrupted);
          await target.settle();
          await seedDemo(target, { ...size, resume: true });
        } else {
          await seedDemo(target, size);
        }
        const byStream = new Map<string, string[]>();
        // Password hashes are salted, and the order across streams depends on concurrency: compare each stream's own facts.
        for (const e of await other.services.events.readAll()) {
          const { passwordHash: _h, ...data } = e.data as Record<string, unknown>;
          byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), `${e.type} ${JSON.stringify(data)}`]);
        }
        await target.stop();
        return Object.fromEntries([...byStream].sort(([a], [b]) => a.localeCompare(b)));
      } finally {
        await other.stop();
      }
    };
    const first = await facts();
    expect(Object.keys(first).length).toBeGreaterThan(40);
    expect(await facts()).toEqual(first);
    // A seed interrupted half-way and resumed ends with the same facts as one never interrupted.
    expect(await facts('visits')).toEqual(first);
  }, 90_000);
});
