/**
 * The soak's clients: each one, in a loop, picks an action by weight and does it as one of the
 * logged-in users — customers opening and reading their tickets, experts reading their feed,
 * proposing slots for open visits and executing the visits they got (en route once the visit
 * starts within EN_ROUTE_LEAD_MIN, arrived, started, complete, then the ticket), helpdesk reading
 * its queue and ticket histories.
 */
import { randomUUID } from 'node:crypto';
import { Answer, ApiClient, inBatches } from '../http/api-client';
import { Login } from '../http/bench-logins';
import { newTicketBody } from '../http/ticket-bodies';
import { IntervalRecorder } from './intervals';

/**
 * Access tokens last 15 minutes: renewed before that with the refresh token, as the web app does
 * (`ui/src/auth/session.ts`), so a 10-minute soak renews every session once, in its last minute.
 */
const RENEW_MS = 10 * 60_000;
const HOUR = 3_600_000;
const KNOWN_TICKETS = 2000;

/**
 * Visits an expert's day takes, about: the tickets' windows are six hours and their visits last
 * 60 to 120 minutes. The soak opens weeks of tickets a minute, so it moves its customers' windows
 * a weekday later every `experts × VISITS_PER_EXPERT_DAY` tickets, as customers pick later days
 * when the nearer ones are booked. With fixed windows every expert was booked up within minutes,
 * and the rest of the soak had no matching in it.
 */
const VISITS_PER_EXPERT_DAY = 3;

interface VisitView {
  visitId: string;
  proposals?: { expertId: string }[];
  ticketId: string;
  status: string;
  durationMinutes: number;
  windows: { start: string; end: string }[];
  start: string | null;
  /** In the feed: the starts the server offers this expert (clear of their hours, time off and bookings). */
  openStarts?: string[];
}

interface Session {
  login: Login;
  /** The expert a login is linked to (an expert does not propose twice for a visit). */
  expertId: string | undefined;
  token: string;
  refreshToken: string;
  loggedInAt: number;
  /** The renewal under way: a refresh token works once, so the session's clients share it. */
  renewing?: Promise<void>;
  /** A customer's tickets. */
  tickets: string[];
  /** An expert's open visits from the feed, and the visits they are executing. */
  feed: VisitView[];
  work: VisitView[];
  /** Visits a client of this session is executing a step of: other clients leave them alone. */
  executing: Set<string>;
}

type Action = (session: Session) => Promise<void>;

/** Execution steps: the visit's status → the next step and its body. */
const NEXT_STEP: Record<string, { path: string; body: (visit: VisitView) => unknown }> = {
  finalized: { path: 'en-route', body: (v) => ({ eta: new Date(Math.max(Date.parse(v.start ?? '') || 0, Date.now() + 5 * 60_000)).toISOString() }) },
  'en-route': { path: 'arrived', body: () => ({}) },
  arrived: { path: 'started', body: () => ({}) },
  started: { path: 'complete', body: () => ({ notes: 'fixed during the soak' }) },
};

/** The server refuses "on my way" earlier than this before the start (EN_ROUTE_LEAD_MIN, default 120). */
const EN_ROUTE_LEAD_MS = Number(process.env.EN_ROUTE_LEAD_MIN ?? 120) * 60_000;

/** A visit to take a step of now: one under way, or a scheduled one starting within the en-route lead. */
export function dueForStep(visit: Pick<VisitView, 'status' | 'start'>, now = Date.now()): boolean {
  return visit.status !== 'finalized' || (visit.start !== null && Date.parse(visit.start) - now <= EN_ROUTE_LEAD_MS);
}

/**
 * The starts an expert proposes for a visit of their feed: the first three the server offers
 * (inside the customer's windows and the expert's hours, clear of their time off and bookings,
 * as the web app lists them) that are at least two hours ahead. Starts the client worked out
 * from the windows alone clashed with the expert's bookings once their calendar filled: such a
 * proposal can never be finalized, so the visit stayed open in every feed.
 */
export function proposedStarts(visit: Pick<VisitView, 'openStarts'>, now = Date.now()): string[] {
  return (visit.openStarts ?? []).filter((start) => Date.parse(start) >= now + 2 * HOUR).slice(0, 3);
}

/**
 * Which visit of the feed an expert proposes for next (its index; -1: none): one of those they
 * have not proposed for and can offer starts for, at random, as experts choose by reasons of
 * their own (the way there, the day). When each took the first one their feed listed, they all
 * competed for the same few visits: two proposals in five came after another expert had won
 * the visit (422 visit-not-open), two tickets in five were never matched, and the open visits
 * piled up all through the soak, which no business with enough experts sees.
 */
export function visitToPropose(feed: readonly Pick<VisitView, 'proposals' | 'openStarts'>[], expertId: string | undefined, random = Math.random, now = Date.now()): number {
  const open = feed.flatMap((visit, i) => (visit.proposals?.some((p) => p.expertId === expertId) || proposedStarts(visit, now).length === 0 ? [] : [i]));
  return open.length === 0 ? -1 : open[Math.floor(random() * open.length)]!;
}

/** "/visits/abc/proposals?x=1" → "/visits/{id}/proposals". */
function routeOf(path: string): string {
  return path
    .replace(/\?.*$/, '')
    .replace(/^\/(tickets|visits)\/(?!feed$|mine$)[^/]+/, '/$1/{id}');
}

export class SoakMix {
  private readonly byRole = new Map<string, Session[]>();
  private readonly knownTickets: string[] = [];
  private ticketsOpened = 0;
  private readonly actions: { role: string; weight: number; run: Action }[] = [
    { role: 'customer', weight: 10, run: (s) => this.openTicket(s) },
    { role: 'customer', weight: 20, run: (s) => this.readTicket(s) },
    { role: 'customer', weight: 5, run: (s) => this.listTickets(s) },
    { role: 'expert', weight: 10, run: (s) => this.readFeed(s) },
    // Half as many proposals again as new tickets: a proposal meets a visit taken since the
    // feed was read (422) or finds none to make often enough that, at the same weight as
    // opening tickets, matching fell behind and the open visits grew by about 500 a minute
    // (6,357 after 9 minutes), which a dispatch with enough experts never sees.
    { role: 'expert', weight: 15, run: (s) => this.propose(s) },
    { role: 'expert', weight: 10, run: (s) => this.executeStep(s) },
    { role: 'helpdesk', weight: 5, run: (s) => this.readQueue(s) },
    { role: 'helpdesk', weight: 5, run: (s) => this.readHistory(s) },
  ];

  private constructor(
    private readonly api: ApiClient,
    private readonly recorder: IntervalRecorder,
    private readonly renewMs: number,
  ) {}

  /** Logs every login in (a login that fails stops the soak before it starts); `renewMs`: age at which a session renews its access token. */
  static async start(api: ApiClient, recorder: IntervalRecorder, logins: readonly Login[], options: { renewMs?: number } = {}): Promise<SoakMix> {
    const mix = new SoakMix(api, recorder, options.renewMs ?? RENEW_MS);
    const sessions = await inBatches(logins, 8, async (login): Promise<Session> => {
      const { token, refreshToken, user } = await api.signIn(login.email, login.password);
      return { login, expertId: user.expertId, token, refreshToken, loggedInAt: Date.now(), tickets: [], feed: [], work: [], executing: new Set() };
    });
    for (const session of sessions) mix.byRole.set(session.login.role, [...(mix.byRole.get(session.login.role) ?? []), session]);
    return mix;
  }

  /** One client: actions one after the other until `stopped()`. */
  async client(stopped: () => boolean): Promise<void> {
    const actions = this.actions.filter((a) => (this.byRole.get(a.role)?.length ?? 0) > 0);
    if (actions.length === 0) throw new Error('no customer, expert or helpdesk login to soak with');
    const total = actions.reduce((n, a) => n + a.weight, 0);
    while (!stopped()) {
      let r = Math.random() * total;
      const action = actions.find((a) => (r -= a.weight) < 0) ?? actions[actions.length - 1]!;
      const sessions = this.byRole.get(action.role)!;
      const session = sessions[Math.floor(Math.random() * sessions.length)]!;
      try {
        await this.fresh(session);
        await action.run(session);
      } catch {
        // Recorded as "no answer" by call(); a server that went away should not spin this loop.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private async call<T = any>(session: Session | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>> {
    const started = performance.now();
    const request = `${method} ${routeOf(path)}`;
    try {
      const answer = await this.api.call<T>(method, path, { ...(session ? { token: session.token } : {}), ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
      this.recorder.record(answer.ms, answer.status, request, answer.body);
      return answer;
    } catch (error) {
      this.recorder.record(performance.now() - started, 0, request, (error as Error).message);
      throw error;
    }
  }

  private fresh(session: Session): Promise<void> {
    if (Date.now() - session.loggedInAt < this.renewMs) return Promise.resolve();
    session.renewing ??= this.renew(session).finally(() => {
      session.renewing = undefined;
    });
    return session.renewing;
  }

  /** With the refresh token; when that is refused, with the password, as a user would. */
  private async renew(session: Session): Promise<void> {
    type Renewed = { accessToken?: string; refreshToken?: string };
    let answer = await this.call<Renewed>(undefined, 'POST', '/auth/refresh', { refreshToken: session.refreshToken });
    if (answer.status !== 200) answer = await this.call<Renewed>(undefined, 'POST', '/auth/login', { email: session.login.email, password: session.login.password });
    if (answer.status === 200 && answer.body?.accessToken && answer.body.refreshToken) {
      Object.assign(session, { token: answer.body.accessToken, refreshToken: answer.body.refreshToken, loggedInAt: Date.now() });
    }
  }

  /** The weekdays from tomorrow on the soak's experts are booked up on, about, after `ticketsOpened` tickets. */
  private weekdaysBookedUp(ticketsOpened: number): number {
    const experts = this.byRole.get('expert')?.length ?? 0;
    return experts === 0 ? 0 : Math.floor(ticketsOpened / (experts * VISITS_PER_EXPERT_DAY));
  }

  /**
   * The open visits now (the staff report's open work), read as a helpdesk user outside the
   * mix's figures; undefined without a helpdesk login or an answer.
   */
  async openVisits(): Promise<number | undefined> {
    const session = this.byRole.get('helpdesk')?.[0];
    if (!session) return undefined;
    try {
      await this.fresh(session);
      const answer = await this.api.call<{ openWork?: { visits?: { open?: number } } }>('GET', '/reports/summary', { token: session.token });
      return answer.status === 200 ? answer.body.openWork?.visits?.open : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(ticketIds: readonly string[]): void {
    this.knownTickets.push(...ticketIds);
    if (this.knownTickets.length > KNOWN_TICKETS) this.knownTickets.splice(0, this.knownTickets.length - KNOWN_TICKETS);
  }

  private async openTicket(s: Session): Promise<void> {
    const n = this.ticketsOpened++;
    const answer = await this.call<{ ticketId: string }>(s, 'POST', '/tickets', newTicketBody(n, Date.now(), this.weekdaysBookedUp(n)), { 'idempotency-key': `soak-${randomUUID()}` });
    if (answer.status === 201) {
      s.tickets.push(answer.body.ticketId);
      this.remember([answer.body.ticketId]);
    }
  }

  private async listTickets(s: Session): Promise<void> {
    const answer = await this.call<{ tickets: { ticketId: string }[] }>(s, 'GET', '/tickets?limit=20');
    if (answer.status !== 200) return;
    const ids = answer.body.tickets.map((t) => t.ticketId);
    s.tickets = [...new Set([...ids, ...s.tickets])].slice(0, 50);
    this.remember(ids);
  }

  private async readTicket(s: Session): Promise<void> {
    if (s.tickets.length === 0) return this.listTickets(s);
    await this.call(s, 'GET', `/tickets/${s.tickets[Math.floor(Math.random() * s.tickets.length)]}`);
  }

  private async readFeed(s: Session): Promise<void> {
    const answer = await this.call<{ visits: VisitView[] }>(s, 'GET', '/visits/feed?limit=50');
    if (answer.status === 200) s.feed = answer.body.visits;
  }

  private async propose(s: Session): Promise<void> {
    const i = visitToPropose(s.feed, s.expertId);
    if (i < 0) return this.readFeed(s);
    const [visit] = s.feed.splice(i, 1);
    await this.call(s, 'POST', `/visits/${visit!.visitId}/proposals`, { starts: proposedStarts(visit!) }, { 'idempotency-key': `soak-${randomUUID()}` });
  }

  /** The next step of a visit the expert is on; their schedule is read when they have nothing to do. */
  private async executeStep(s: Session): Promise<void> {
    const visit = s.work.shift();
    if (!visit) {
      const answer = await this.call<{ scheduled: VisitView[] }>(s, 'GET', '/visits/mine');
      if (answer.status !== 200) return;
      const queued = new Set([...s.executing, ...s.work.map((v) => v.visitId)]);
      s.work.push(...answer.body.scheduled.filter((v) => (v.status in NEXT_STEP || v.status === 'completed') && dueForStep(v) && !queued.has(v.visitId)));
      return;
    }
    s.executing.add(visit.visitId);
    try {
      if (visit.status === 'completed') {
        await this.call(s, 'POST', `/tickets/${visit.ticketId}/complete`, { resolution: 'repaired during the soak' }, { 'idempotency-key': `soak-${randomUUID()}` });
        return;
      }
      const step = NEXT_STEP[visit.status]!;
      const answer = await this.call<{ status?: string }>(s, 'POST', `/visits/${visit.visitId}/${step.path}`, step.body(visit), { 'idempotency-key': `soak-${randomUUID()}` });
      // Refused (taken over, rescheduled…): dropped; the schedule is read again when there is nothing left.
      if (answer.status === 200 && answer.body.status) s.work.push({ ...visit, status: answer.body.status });
    } finally {
      s.executing.delete(visit.visitId);
    }
  }

  private async readQueue(s: Session): Promise<void> {
    await this.call(s, 'GET', '/helpdesk/queue?limit=50');
  }

  private async readHistory(s: Session): Promise<void> {
    if (this.knownTickets.length === 0) return this.readQueue(s);
    await this.call(s, 'GET', `/tickets/${this.knownTickets[Math.floor(Math.random() * this.knownTickets.length)]}/history`);
  }
}
