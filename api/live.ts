/**
 * Live updates over socket.io, fed FROM THE PROJECTIONS: the gateway follows the event store and,
 * once the projection engine has applied an event (`engine.waitFor(position)`), tells the rooms
 * that care. Clients authenticate the handshake with their access token (`auth: { token }`).
 *
 * Rooms: `user:<userId>`, `role:<role>`, `customer:<customerId>`, `expert:<expertId>`.
 * Every change a screen shows reaches whoever sees it: staff (helpdesk, admin, manager) see
 * everything, a customer their tickets and visits, an expert the visits and tickets they are on
 * (or were, until the change that took them off) and their own calendar. Events:
 * - `ticket.updated` {ticketId, status, event, position} → the ticket's customer, the experts on
 *   its visits, staff;
 * - `visit.updated` {ticketId, visitId, status, start, end, experts, event, position} → on every
 *   change of a visit (planned, finalized, expert replaced, rescheduled, extended, each step,
 *   completed, cancelled…): the ticket's customer (not for proposals and assignments, which a
 *   customer does not see), the experts on it and those the event names (proposing, replaced,
 *   released), staff;
 * - `expert.updated` {expertId, event, position} → the expert (a booking made or released,
 *   time off, profile…) and staff;
 * - `visit.eta` {ticketId, visitId, expertId, eta} → the ticket's customer, on VisitEnRoute;
 * - `feed.visit-opened` / `feed.visit-taken` → experts whose skills cover the visit's skills;
 * - `helpdesk.flagged` / `helpdesk.escalated` → `role:helpdesk`;
 * - `dashboard.open-tickets` {byStatus, total, at} → `role:manager` and `role:helpdesk`,
 *   throttled with rxjs `auditTime` (one message per second at most, carrying the latest counts).
 *
 * Several API instances: a client is connected to one instance, but a room broadcast must reach
 * sockets on every instance. Use a socket.io adapter so `io.to(room)` and `fetchSockets()` span the
 * cluster: `@socket.io/mongo-adapter` (we already run MongoDB in production; a capped collection)
 * or `@socket.io/redis-adapter` (Redis pub/sub): `io.adapter(createAdapter(...))` right after
 * `new Server(...)`, plus sticky sessions (or `transports: ['websocket']`) at the load balancer.
 * With an adapter, let ONE instance follow the store and emit (`emit: false` on the others,
 * `roomsSpanInstances: true` on it), otherwise each event is broadcast once per instance. Not
 * installed here: a single process needs no adapter.
 */
import { Server as HttpServer } from 'node:http';
import { Subject, Subscription, auditTime } from 'rxjs';
import { Server, Socket } from 'socket.io';
import { hasAllSkills } from '../domain/expert/skills';
import { AllSubscription, RecordedEvent } from '../event-store/port';
import { categoryPrefix, parseStreamName, StreamCategory } from '../event-store/streams';
import { TICKETS, TicketDoc } from '../projections/tickets/projection';
import { VISITS, VisitDoc } from '../projections/visits/projection';
import { authenticateBearer } from './auth/accounts';
import { AuthUser } from './http/route';
import { STAFF } from './routes/roles';
import { ApiServices } from './services';

export interface LiveGatewayOptions {
  /** Throttle window of the dashboard counter (ms). */
  dashboardMs?: number;
  /** How long to wait for the projections before emitting anyway (ms). */
  projectionWaitMs?: number;
  /** socket.io CORS origin(s); none by default (same origin). */
  corsOrigin?: string | string[];
  /** Follow the store and emit (false on secondary instances behind a shared adapter). */
  emit?: boolean;
  /**
   * A shared adapter is installed, so this instance's broadcasts reach sockets on others: it
   * addresses every event even when none is connected here. Without one (the default), an
   * event that comes while nobody is connected is not addressed (nothing is read for it).
   */
  roomsSpanInstances?: boolean;
}

export interface LiveGateway {
  io: Server;
  /** Resolves when every event up to `position` has been emitted. */
  waitFor(position: number, timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The read models whose documents address the gateway's messages (and that clients read again on them). */
const ADDRESSING = ['tickets', 'visits'];
const EXPERT_READ_MODELS = ['experts'];
/** Staff see every ticket, visit and expert. */
const STAFF_ROOMS = STAFF.map((role) => `role:${role}`);
/** What a customer's screens do not show: who offered or was assigned before the visit is finalized. */
const NOT_FOR_CUSTOMERS = ['VisitSlotsProposed', 'VisitProposalWithdrawn', 'VisitExpertAssigned'];
const OPEN_STATUSES = ['open', 'on-hold'] as const;

type Services = Pick<ApiServices, 'events' | 'tokens' | 'readModels' | 'experts' | 'logger' | 'engine'>;

export function ticketRoom(customerId: string): string {
  return `customer:${customerId}`;
}

export function expertRoom(expertId: string): string {
  return `expert:${expertId}`;
}

/** The experts a visit event names besides those on the visit now: who proposed, was replaced or released. */
function expertsNamedBy(data: { expertId?: unknown; experts?: unknown; outExpertId?: unknown; inExpertId?: unknown; releasedExperts?: unknown; notChosen?: unknown }): string[] {
  const named = [data.expertId, data.outExpertId, data.inExpertId, ...[data.experts, data.releasedExperts, data.notChosen].flatMap((list) => (Array.isArray(list) ? list : []))];
  return named.filter((id): id is string => typeof id === 'string');
}

export async function startLiveGateway(server: HttpServer, services: Services, options: LiveGatewayOptions = {}): Promise<LiveGateway> {
  const io = new Server(server, { path: '/socket.io', serveClient: false, ...(options.corsOrigin ? { cors: { origin: options.corsOrigin } } : {}) });

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    authenticateBearer(services, typeof token === 'string' ? token : undefined).then(
      (authentication) => {
        if (!authentication.user) return next(new Error(authentication.why === 'disabled' ? 'account disabled' : 'unauthorized'));
        socket.data.user = authentication.user;
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  });

  io.on('connection', async (socket: Socket) => {
    const user = socket.data.user as AuthUser;
    const rooms = [`user:${user.userId}`, `role:${user.role}`];
    if (user.customerId) rooms.push(ticketRoom(user.customerId));
    if (user.expertId) rooms.push(expertRoom(user.expertId));
    await socket.join(rooms);
    if (user.expertId) {
      try {
        const expert = await services.experts.get(user.expertId);
        socket.data.skills = expert?.skills ?? [];
      } catch {
        socket.data.skills = [];
      }
    }
    socket.emit('ready', { rooms });
    if (user.role === 'manager' || user.role === 'helpdesk') await emitDashboard(socket);
  });

  // Who an event concerns (ticket → customer, visit → skills) is read from the read models once
  // they have applied the event: the gateway keeps no state of its own, so neither its start-up
  // time nor its memory grows with history.
  const ticketOf = async (ticketId: string) => (await services.readModels.collection<TicketDoc>(TICKETS)).findOne({ _id: ticketId });
  const visitOf = async (visitId: string) => (await services.readModels.collection<VisitDoc>(VISITS)).findOne({ _id: visitId });
  const dashboard = async () => {
    const col = await services.readModels.collection<TicketDoc>(TICKETS);
    const byStatus: Record<string, number> = {};
    for (const status of ['on-hold', 'open', 'completed', 'cancelled'] as const) {
      const n = await col.count({ status });
      if (n > 0) byStatus[status] = n;
    }
    const total = OPEN_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
    return { byStatus, total, at: new Date().toISOString() };
  };
  const emitDashboard = async (to: { emit(name: string, payload: unknown): unknown }) => {
    try {
      to.emit('dashboard.open-tickets', await dashboard());
    } catch (error) {
      services.logger.warn({ err: error }, 'live gateway: dashboard counts failed');
    }
  };
  const dashboardTicks = new Subject<void>();
  const dashboardSub: Subscription = dashboardTicks.pipe(auditTime(options.dashboardMs ?? 1000)).subscribe(() => {
    void (async () => {
      // Counted only when someone watches: a connecting manager gets the counts at once anyway.
      const staff = io.in(['role:manager', 'role:helpdesk']);
      if ((await staff.fetchSockets()).length > 0) await emitDashboard(staff);
    })();
  });

  const emitToSkilled = async (name: string, skills: readonly string[], payload: unknown) => {
    const sockets = await io.in('role:expert').fetchSockets();
    for (const s of sockets) if (hasAllSkills((s.data.skills as string[] | undefined) ?? [], skills)) s.emit(name, payload);
  };

  // Live only: events before the start are history, which clients read over HTTP (and read
  // again after a reconnect), so the gateway starts at the head instead of replaying it all.
  const startHead = await services.events.headPosition();
  let emitted = startHead;
  const waiters: { position: number; resolve: (ok: boolean) => void }[] = [];

  const publish = async (event: RecordedEvent) => {
    if (options.emit === false) return;
    // Nobody to tell: a client that connects later reads the state over HTTP, as after a reconnect.
    if (!options.roomsSpanInstances && io.of('/').sockets.size === 0) return;
    const category = parseStreamName(event.stream).category;
    const readModels = category === StreamCategory.expert ? EXPERT_READ_MODELS : ADDRESSING;
    if (services.engine) await services.engine.waitFor(event.position, { timeoutMs: options.projectionWaitMs ?? 2000, projections: readModels });
    if (category === StreamCategory.expert) {
      const { expertId } = event.data as { expertId: string };
      io.to([expertRoom(expertId), ...STAFF_ROOMS]).emit('expert.updated', { expertId, event: event.type, position: event.position });
      return;
    }
    if (category === StreamCategory.ticket) {
      const data = event.data as { ticketId: string; reason?: string };
      const ticket = await ticketOf(data.ticketId);
      if (ticket) {
        const experts = ticket.visits.flatMap((v) => v.experts).map(expertRoom);
        io.to([ticketRoom(ticket.customerId), ...experts, ...STAFF_ROOMS]).emit('ticket.updated', { ticketId: data.ticketId, status: ticket.status, event: event.type, position: event.position });
      }
      if (event.type === 'TicketFlaggedForHelpdesk') io.to('role:helpdesk').emit('helpdesk.flagged', { ...(event.data as object) });
      if (event.type === 'TicketEscalated') io.to('role:helpdesk').emit('helpdesk.escalated', { ...(event.data as object) });
      dashboardTicks.next();
      return;
    }
    if (category === StreamCategory.visit) {
      const d = event.data as { visitId: string; ticketId: string; expertId?: string; eta?: string; experts?: string[]; skills?: string[] };
      const visit = await visitOf(d.visitId);
      if (visit) {
        const rooms = [...new Set([...visit.experts, ...expertsNamedBy(d)])].map(expertRoom);
        const customerId = visit.customerId ?? (await ticketOf(d.ticketId))?.customerId;
        if (customerId && !NOT_FOR_CUSTOMERS.includes(event.type)) rooms.push(ticketRoom(customerId));
        const { ticketId, visitId, status, start, end, experts } = visit;
        io.to([...rooms, ...STAFF_ROOMS]).emit('visit.updated', { ticketId, visitId, status, start, end, experts, event: event.type, position: event.position });
      }
      if (event.type === 'VisitPlanned' && d.skills) await emitToSkilled('feed.visit-opened', d.skills, { visitId: d.visitId, ticketId: d.ticketId, skills: d.skills });
      if (event.type === 'VisitFinalized' || event.type === 'VisitExpertAssigned') {
        if (visit) await emitToSkilled('feed.visit-taken', visit.skills, { visitId: d.visitId, ticketId: d.ticketId });
        for (const expertId of d.experts ?? (d.expertId ? [d.expertId] : [])) io.to(expertRoom(expertId)).emit('visit.assigned', { visitId: d.visitId, ticketId: d.ticketId });
      }
      if (event.type === 'VisitEnRoute') {
        const ticket = await ticketOf(d.ticketId);
        if (ticket) io.to(ticketRoom(ticket.customerId)).emit('visit.eta', { ticketId: d.ticketId, visitId: d.visitId, expertId: d.expertId, eta: d.eta });
      }
    }
  };

  const subscription: AllSubscription = services.events.subscribeToAll({ fromPosition: startHead, filter: { streamPrefixes: [StreamCategory.ticket, StreamCategory.visit, StreamCategory.expert].map(categoryPrefix) } });
  let stopped = false;
  const loop = (async () => {
    try {
      for await (const event of subscription) {
        if (stopped) break;
        try {
          await publish(event);
        } catch (error) {
          services.logger.warn({ err: error, position: event.position }, 'live gateway: emit failed');
        }
        emitted = Math.max(emitted, event.position);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.position <= emitted) waiters.splice(i, 1)[0]!.resolve(true);
        }
      }
    } catch (error) {
      if (!stopped) services.logger.error({ err: error }, 'live gateway: subscription failed');
    }
  })();

  return {
    io,
    async waitFor(position, timeoutMs = 5000) {
      if (emitted >= position) return true;
      return new Promise<boolean>((resolve) => {
        const entry = { position, resolve };
        waiters.push(entry);
        setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          resolve(false);
        }, timeoutMs).unref();
      });
    },
    async close() {
      stopped = true;
      dashboardSub.unsubscribe();
      await subscription.stop();
      await loop.catch(() => undefined);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
