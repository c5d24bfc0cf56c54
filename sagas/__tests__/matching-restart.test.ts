/**
 * Kill and restart the matching saga at random points — after a random number of handled
 * events, halfway through an event's commands, with its checkpoint kept, lost or rewound (a
 * crash before the checkpoint was saved, or an old backup), and with deadlines fired again as
 * if the process died before marking them — while clients drive a day of tickets through it.
 * The end state of every aggregate, the deadlines and the outbox must equal an uninterrupted
 * run, and the outbox never receives the same message twice in different guises.
 */
import fc from 'fast-check';
import { Aggregate } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { experts } from '../../commands/expert';
import { CommandResult } from '../../commands/handler';
import { invoices } from '../../commands/invoice';
import { tickets } from '../../commands/ticket';
import { visits } from '../../commands/visit';
import { Command, DomainEvent } from '../../domain/decider';
import { RIGHT_AFTER } from '../../domain/shared/visit-plan';
import { parseStreamName } from '../../event-store/streams';
import { replaceExpert } from '../../flows/replace-expert';
import { Deadline, DEADLINES } from '../deadlines';
import { SagaEngine } from '../engine';
import { ProcessManager, SagaContext } from '../process-manager';
import { SAGA_CHECKPOINTS } from '../runner';
import { MATCHING } from '../matching';
import { at, customerActor, expertActor, FakeOutbox, helpdesk, MatchingHarness, range, visitSpec } from './matching-harness';

interface CrashPlan {
  /** Events handled normally before the crash. */
  handled: number;
  /** Commands the crashing event still sends before the process dies. */
  sends: number;
  /** What the restarted process finds as its checkpoint. */
  checkpoint: 'kept' | 'lost' | number;
}

interface Chaos {
  crashes: CrashPlan[];
  /** Per deadline firing round: fire the fired ones again (the process died before marking them). */
  refire: boolean[];
}

class Dead extends Error {
  override readonly name = 'Dead';
}

/** The saga of a process that dies as planned: after that, everything it tries fails. */
function mortal(saga: ProcessManager, plan: CrashPlan | null, onDeath: () => void): ProcessManager {
  let handled = 0;
  let dead = false;
  const die = (): never => {
    if (!dead) {
      dead = true;
      onDeath();
    }
    throw new Dead('the process died');
  };
  return {
    name: saga.name,
    eventTypes: saga.eventTypes,
    ...(saga.deadlines ? { deadlines: saga.deadlines } : {}),
    async handle(event, ctx) {
      if (dead) die();
      if (!plan || handled < plan.handled) {
        handled++;
        return saga.handle(event, ctx);
      }
      let sends = 0;
      const dying: SagaContext = {
        ...ctx,
        send<S, C extends Command, E extends DomainEvent>(aggregate: Aggregate<S, C, E>, type: C['type'], data: C['data'], step: string): Promise<CommandResult<S>> {
          if (dead || sends++ >= plan.sends) die();
          return ctx.send(aggregate, type, data, step);
        },
      };
      await saga.handle(event, dying);
      return die(); // handled, but dead before the checkpoint was saved
    },
  };
}

/** A process running the saga engine, killed and restarted according to the chaos plan. */
class Operator {
  engine: SagaEngine | undefined;
  crashed = 0;
  private readonly crashes: CrashPlan[];
  private readonly refires: boolean[];
  private activePlan: CrashPlan | null = null;
  private died = false;
  private death: Promise<void> = Promise.resolve();

  constructor(
    private readonly h: MatchingHarness,
    chaos: Chaos | null,
  ) {
    this.crashes = [...(chaos?.crashes ?? [])];
    this.refires = [...(chaos?.refire ?? [])];
  }

  /** Runs the saga until it handled everything, restarting it whenever it dies; returns the live engine. */
  async drive(): Promise<SagaEngine> {
    for (;;) {
      const engine = this.engine ?? this.launch();
      if (await this.quiesce(engine)) return engine;
      this.crashed++;
      await engine.stop();
      this.engine = undefined;
      await this.restore(this.activePlan?.checkpoint ?? 'kept');
    }
  }

  private launch(): SagaEngine {
    const plan = this.crashes.shift() ?? null;
    this.activePlan = plan;
    this.died = false;
    let signal: () => void = () => undefined;
    this.death = new Promise<void>((resolve) => (signal = resolve));
    const engine = this.h.newEngine(
      mortal(this.h.saga(), plan, () => {
        this.died = true;
        signal();
      }),
    );
    engine.start({ manualDeadlines: true });
    this.engine = engine;
    return engine;
  }

  private async quiesce(engine: SagaEngine): Promise<boolean> {
    for (let round = 0; round < 1000; round++) {
      if (this.died) return false;
      const head = await this.h.events.headPosition();
      if (!(await this.h.projections.waitFor(head, { timeoutMs: 5000 }))) throw new Error('read models stuck');
      const reached = await Promise.race([engine.waitFor(head, 5000), this.death.then(() => false)]);
      if (this.died) return false;
      if (!reached) throw new Error(`saga stuck: ${JSON.stringify(engine.status())}`);
      if (!(await this.h.projections.waitFor(await this.h.events.headPosition(), { timeoutMs: 5000 }))) throw new Error('read models stuck');
      if ((await this.h.events.headPosition()) === head) return true;
    }
    throw new Error('never settled');
  }

  /** What checkpoint the next process finds after the crash. */
  private async restore(checkpoint: CrashPlan['checkpoint']): Promise<void> {
    const saved = this.h.documents.collection<{ _id: string; position: number }>(SAGA_CHECKPOINTS);
    if (checkpoint === 'lost') await saved.deleteMany({ _id: MATCHING });
    else if (typeof checkpoint === 'number') {
      const current = (await saved.findOne({ _id: MATCHING }))?.position ?? 0;
      const position = Math.floor(current * checkpoint);
      // An older checkpoint names the event it stopped at, as every checkpoint does.
      const event = await this.h.events.eventAt(position);
      await saved.updateOne({ _id: MATCHING }, { $set: { position, ...(event ? { eventId: event.id, eventRecordedAt: event.recordedAt } : {}) } }, { upsert: true });
    }
  }

  /**
   * Moves the clock, fires what is due (maybe twice), and drives the consequences. The clock
   * only moves here, so a deadline always fires at the same time of the day, whichever process
   * (or the engine's own timer) fires it.
   */
  async advance(to: number | string): Promise<void> {
    this.h.now = typeof to === 'string' ? new Date(to) : new Date(this.h.now.getTime() + to * 60_000);
    const engine = await this.drive();
    await engine.fireDueDeadlines();
    if (this.refires.shift()) {
      await this.h.documents.collection<Deadline>(DEADLINES).updateMany({ status: 'fired' }, { $set: { status: 'pending' }, $unset: { firedAt: '' } });
      await engine.fireDueDeadlines();
    }
    await this.drive();
  }
}

/** A day of tickets: every path of the saga, driven as clients would. */
async function day(h: MatchingHarness, op: Operator): Promise<void> {
  const step = async (act: () => Promise<unknown>) => {
    await act();
    await op.drive();
  };
  await step(async () => {
    for (const e of ['e1', 'e2', 'e3']) await h.onboard(e, { skills: ['washer'] });
    await h.onboard('p1', { skills: ['plumbing'] });
    await h.onboard('l1', { skills: ['electrical'] });
    await h.exec(customers, 'registerCustomer', {
      customerId: 'c1',
      contact: { name: 'C One', email: 'c1@home.example', phone: '+15550100', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.6 } } },
      notifyBy: 'sms',
    }, customerActor('c1'));
    await h.exec(invoices, 'issueInvoice', { customerId: 'c1', period: '2026-03', lines: [{ planId: 'p', product: 'washer', tier: 'basic', amountCents: 900 }], currency: 'USD', dueAt: at(0, '08:00') }, { userId: 'billing', role: 'system' });
    await h.exec(invoices, 'recordChargeAttempt', { customerId: 'c1', period: '2026-03', outcome: { kind: 'chargeSucceeded', gatewayReference: 'ch_1', amountCents: 900 } }, { userId: 'billing', role: 'system' });
  });
  await step(async () => {
    await h.openTicket({
      ticketId: 't1',
      customerId: 'c1',
      visits: [visitSpec('pipe', ['plumbing'], [range(1, '09:00', '13:00')]), visitSpec('wire', ['electrical'], [range(1, '09:00', '14:00')])],
      dependencies: [{ before: 'pipe', after: 'wire', ...RIGHT_AFTER }],
    });
    await h.openTicket({ ticketId: 't2', customerId: 'c1', visits: [visitSpec('v2', ['washer'], [range(1, '09:00', '12:00')])] });
    await h.openTicket({ ticketId: 't3', customerId: 'c1', visits: [visitSpec('v3', ['washer'], [range(1, '13:00', '17:00')], { expertsNeeded: 2 })] });
    await h.openTicket({ ticketId: 't4', customerId: 'c1', visits: [visitSpec('v4', ['washer'], [range(1, '09:00', '12:00')])], payments: { statusOf: () => Promise.reject(new Error('down')) } });
  });
  const propose = async (expertId: string, visitId: string, starts: string[]) => {
    await h.exec(visits, 'proposeSlot', { visitId, expertId, expertSkills: [expertId.startsWith('p') ? 'plumbing' : expertId.startsWith('l') ? 'electrical' : 'washer'], starts }, expertActor(expertId));
  };
  await step(() => propose('p1', 'pipe', [at(1, '10:00')]));
  await step(() => propose('l1', 'wire', [at(1, '11:00')]));
  await step(() => propose('e1', 'v2', [at(1, '09:00'), at(1, '09:30')]));
  await step(() => propose('e2', 'v3', [at(1, '14:00')]));
  await op.advance(15); // widen
  await step(() => h.exec(visits, 'reportCantArrive', { visitId: 'v2', expertId: 'e1', reason: 'flat tyre' }, expertActor('e1')));
  await step(() => replaceExpert(h.flow(helpdesk, 'replace-v2'), h.directory, { visitId: 'v2', outExpertId: 'e1' }));
  await op.advance(at(1, '09:50')); // the first match timeouts, flag reminders
  await step(async () => {
    await h.exec(visits, 'markEnRoute', { visitId: 'pipe', expertId: 'p1', eta: at(1, '10:00') }, expertActor('p1'));
    await h.exec(visits, 'markArrived', { visitId: 'pipe', expertId: 'p1' }, expertActor('p1'));
    await h.exec(visits, 'reportCantEnter', { visitId: 'pipe', expertId: 'p1', note: 'nobody home' }, expertActor('p1'));
  });
  await op.advance(20); // no access
  await step(() => h.exec(tickets, 'resolveFlag', { ticketId: 't4', reason: 'payment-status-unknown', resolution: 'released', note: 'paid' }, helpdesk));
  await step(() => h.exec(tickets, 'cancelTicket', { ticketId: 't3', reason: 'not needed any more' }, customerActor('c1')));
  await step(async () => {
    await h.exec(visits, 'markEnRoute', { visitId: 'v2', expertId: 'e2', eta: at(1, '10:30') }, expertActor('e2'));
    await h.exec(visits, 'markArrived', { visitId: 'v2', expertId: 'e2' }, expertActor('e2'));
    await h.exec(visits, 'markStarted', { visitId: 'v2', expertId: 'e2' }, expertActor('e2'));
    await h.exec(visits, 'closeIncomplete', { visitId: 'v2', expertId: 'e2', reason: 'needs-parts', note: 'pump on order' }, expertActor('e2'));
  });
  await step(() => propose('e3', 'v4', [at(1, '11:00')]));
  await op.advance(240); // match timeouts, flag reminders
  await step(() => propose('e1', 'v2-followup', [at(2, '10:00')]));
}

interface Outcome {
  states: Record<string, unknown>;
  deadlines: unknown[];
  messages: string[];
  duplicates: number;
  crashed: number;
}

const AGGREGATES: Record<string, Aggregate<unknown, Command, DomainEvent>> = {
  ticket: tickets as unknown as Aggregate<unknown, Command, DomainEvent>,
  visit: visits as unknown as Aggregate<unknown, Command, DomainEvent>,
  expert: experts as unknown as Aggregate<unknown, Command, DomainEvent>,
  customer: customers as unknown as Aggregate<unknown, Command, DomainEvent>,
  invoice: invoices as unknown as Aggregate<unknown, Command, DomainEvent>,
};

async function run(chaos: Chaos | null): Promise<Outcome> {
  const h = new MatchingHarness();
  await h.start({ saga: false });
  const op = new Operator(h, chaos);
  try {
    await day(h, op);
    const streams = [...new Set((await h.events.readAll()).map((e) => e.stream))].sort();
    const states: Record<string, unknown> = {};
    for (const stream of streams) {
      const { category, id } = parseStreamName(stream);
      states[stream] = await h.flow(helpdesk).load(AGGREGATES[category]!, id);
    }
    const deadlines = (await h.documents.collection<Deadline>(DEADLINES).find({}, { sort: { _id: 1 } })).map((d) => [d._id, d.status, d.dueAt]);
    const messages = h.outbox.messages.map((m) => JSON.stringify([FakeOutbox.key(m), m.params, m.recipient])).sort();
    return { states, deadlines, messages, duplicates: h.outbox.duplicates, crashed: op.crashed };
  } finally {
    await op.engine?.stop();
    await h.stop();
  }
}

describe('matching saga under crashes and restarts', () => {
  let reference: Outcome;
  beforeAll(async () => {
    reference = await run(null);
  });

  it('the uninterrupted day goes through every path', () => {
    const everything = JSON.stringify(reference.states);
    expect(reference.crashed).toBe(0);
    expect(reference.states['visit-pipe']).toMatchObject({ status: 'open', rescheduleCount: 1 });
    expect(reference.states['visit-wire']).toMatchObject({ status: 'finalized', experts: ['l1'] });
    expect(reference.states['visit-v2']).toMatchObject({ status: 'closed-incomplete', experts: ['e2'] });
    expect(reference.states['visit-v2-followup']).toMatchObject({ status: 'finalized', experts: ['e1'] });
    expect(reference.states['visit-v3']).toMatchObject({ status: 'cancelled' });
    expect(reference.states['visit-v4']).toMatchObject({ status: 'finalized', experts: ['e3'] });
    expect(reference.states['ticket-t1']).toMatchObject({ escalatedVisits: ['pipe'] });
    expect(reference.states['customer-c1']).toMatchObject({ paidUntil: '2026-04-01T00:00:00.000Z' });
    expect(everything).toContain('no-access');
    expect(reference.messages.length).toBeGreaterThan(5);
  });

  it('killing and restarting the saga anywhere leaves the same effects and never a duplicate message', async () => {
    const plan = fc.record({
      handled: fc.nat(20),
      sends: fc.nat(4),
      checkpoint: fc.oneof(fc.constant<'kept'>('kept'), fc.constant<'lost'>('lost'), fc.integer({ min: 0, max: 99 }).map((percent) => percent / 100)),
    });
    await fc.assert(
      fc.asyncProperty(fc.record({ crashes: fc.array(plan, { minLength: 1, maxLength: 6 }), refire: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }), async (chaos) => {
        const outcome = await run(chaos);
        expect(outcome.crashed).toBeGreaterThan(0);
        expect(outcome.states).toEqual(reference.states);
        expect(outcome.deadlines).toEqual(reference.deadlines);
        expect(outcome.messages).toEqual(reference.messages);
        expect(new Set(outcome.messages).size).toBe(outcome.messages.length);
      }),
      { numRuns: Number(process.env.RESTART_RUNS ?? 60), verbose: 2 },
    );
  });
});
