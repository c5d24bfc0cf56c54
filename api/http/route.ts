import { randomUUID } from 'node:crypto';
import { Express, NextFunction, Request, Response, Router } from 'express';
import { z, ZodType } from 'zod';
import { requestCausation } from '../../commands/handler';
import { CommandMetadata, Role } from '../../domain/decider';
import { Position } from '../../event-store/port';
import { HttpProblem } from './problem';

/** Who is calling, from a verified access token. */
export interface AuthUser {
  userId: string;
  role: Role;
  customerId?: string;
  expertId?: string;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Global position of the last event the request wrote: the answer waits (bounded) until the
   * route's `readsNext` read models have applied it, and carries it as `X-Event-Position`.
   */
  position?: Position;
  /** Media type of a body that is not JSON (a string or bytes, sent as is), e.g. Prometheus text, a PDF or a problem document. */
  contentType?: string;
}

/** What a handler knows of its request besides the validated params, query and body. */
export interface RequestContext {
  user: AuthUser;
  /** Metadata for the commands this request sends (the Idempotency-Key becomes the command id). */
  command(): CommandMetadata;
  /** Revision from If-Match, for optimistic concurrency on aggregate resources. */
  ifMatch: number | undefined;
  /** The If-Match revision as the command handler's option (empty without If-Match). */
  expected: { expectedRevision?: number };
  correlationId: string;
}

export interface RouteRequest<P, Q, B> extends RequestContext {
  params: P;
  query: Q;
  body: B;
}

/** What the route table says of a route, its handler aside: the router, OpenAPI and the tests read it. */
export interface RouteDefinition {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path, e.g. `/tickets/:ticketId`. */
  path: string;
  summary: string;
  tag: string;
  /** Roles that may call the route ('public': no token needed). Ownership is checked by the handler. */
  roles: readonly Role[] | 'public';
  /**
   * Also answers a caller bearing the scrape token (METRICS_TOKEN) instead of an access token: a
   * Prometheus scraper, which has no account. Ops reads only; such a caller sends no command.
   */
  metricsToken?: boolean;
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  /** Commands accept Idempotency-Key: a retried request gets the first answer and writes nothing. */
  idempotent?: boolean;
  /**
   * The read models (projection names) that show what this command wrote — those behind the
   * resources its answer names. The answer waits (bounded) for these only, so a caller can read
   * those resources at once, while a slow unrelated read model (reports, audit) delays nobody.
   */
  readsNext?: readonly string[];
  /** Status of a successful answer, for the OpenAPI document. */
  success: number;
  /** The operation's name in the OpenAPI document and the generated client (e.g. `openTicket`). */
  operationId?: string;
  /**
   * The schema of a successful answer's JSON body: documented in OpenAPI (so the web app's
   * client is typed) and checked against every real answer when the router's `checkAnswers`
   * is on (the API tests), so the documentation cannot drift from what the route sends.
   */
  response?: ZodType;
  /**
   * What the answers mean, by status, for the OpenAPI document: the success and any deliberate
   * other (a probe's 503). Statuses of 400 and above are problem documents.
   */
  responses?: Readonly<Record<number, string>>;
  /** Media type of a successful answer that is not JSON (e.g. Prometheus text, a PDF). */
  successType?: string;
}

/**
 * A route as its module writes it: the handler's params, query and body are typed by the route's
 * own schemas (`route()` infers them), and `services` by what the handler declares.
 */
export interface RouteSpec<P, Q, B, S> extends RouteDefinition {
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  handler(request: RouteRequest<P, Q, B>, services: S): Promise<RouteResult>;
}

/** A request whose params, query and body passed the route's schemas, ready for its handler. */
export interface AcceptedRequest<S> {
  /** The body as validated (defaults filled in): part of the idempotency fingerprint. */
  body: unknown;
  readonly handle: (context: RequestContext, services: S) => Promise<RouteResult>;
}

/**
 * An entry of the route table. Its handler's own types stay inside: the only way to run it is
 * through `accept`, which validates with the route's schemas first, so routes of different
 * params and bodies share one table type and no handler sees a value its schema did not parse.
 */
export interface Route<S> extends RouteDefinition {
  readonly accept: (raw: { params: unknown; query: unknown; body: unknown }) => AcceptedRequest<S>;
}

/** Routes whose handlers take services `S` (the table and the router read them). */
export type RouteTable<S> = readonly Route<S>[];

/** Declares a route: its handler's types come from its schemas. */
export function route<P = unknown, Q = unknown, B = unknown, S = unknown>(spec: RouteSpec<P, Q, B, S>): Route<S> {
  return tableEntry(spec);
}

/**
 * The one place a handler's request types are widened: a RouteSpec<P, Q, B> passes as
 * RouteSpec<unknown, unknown, unknown> (TypeScript compares a method's parameters both ways).
 * Sound here because the handler only ever gets what these same schemas parse; a part without a
 * schema is `unknown` to its handler (what `route()` infers) and gets an empty object.
 */
function tableEntry<S>(spec: RouteSpec<unknown, unknown, unknown, S>): Route<S> {
  const { handler: _handler, ...definition } = spec;
  return {
    ...definition,
    accept(raw) {
      const params = spec.params ? spec.params.parse(raw.params) : {};
      const query = spec.query ? spec.query.parse(raw.query) : {};
      const body = spec.body ? spec.body.parse(raw.body) : {};
      return { body, handle: (context, services) => spec.handler({ ...context, params, query, body }, services) };
    },
  };
}

/** The caller, or why there is none. */
export type Authentication = { user: AuthUser } | { user: null; why: 'missing' | 'invalid' | 'disabled' };

export interface RouterHooks {
  authenticate(req: Request): Promise<Authentication>;
  /** Whether the request bears the scrape token (METRICS_TOKEN), for the routes that take it. */
  bearsMetricsToken?(req: Request): boolean;
  /** Replays a stored answer for (user, key), or null. */
  recall(userId: string, key: string, fingerprint: string): Promise<RouteResult | null>;
  remember(userId: string, key: string, fingerprint: string, result: RouteResult): Promise<void>;
  /** Waits (bounded) until the named read models, or every one, have applied `position`. */
  waitForReadModels(position: Position, projections: readonly string[] | 'all'): Promise<void>;
  /** Check each successful answer against its route's `response` schema (tests): a mismatch is a 500. */
  checkAnswers?: boolean;
  /** Makes what the request wrote durable before it is answered (the document store's `flush`). */
  durable?(): Promise<void>;
  /** How long a write route's handler (its command part) took, whatever its outcome. */
  observeCommand?(route: { method: string; path: string }, seconds: number): void;
  now(): Date;
}

/** A read's consistency token: the `X-Event-Position` of an earlier answer. */
const MinPosition = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const IdempotencyKey = z.string().min(8).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** The Idempotency-Key header, or a 400 that names it (a zod error on a header has no field to name). */
function idempotencyKey(header: string): string {
  const parsed = IdempotencyKey.safeParse(header);
  if (!parsed.success) throw new HttpProblem(400, 'Invalid Idempotency-Key', 'Idempotency-Key must be 8 to 200 letters, digits or _ . : - (a UUID will do).');
  return parsed.data;
}

/** Mounts route specs on Express: validation, authentication, roles, idempotency, read-your-writes. */
export function mountRoutes<S>(app: Express, routes: RouteTable<S>, services: S, hooks: RouterHooks): void {
  // One router per first path segment: a request is matched against its resource's few routes,
  // not against all of them in turn (a GET of a ticket walked some forty patterns first).
  const routers = new Map<string, Router>();
  for (const spec of routes) {
    const [, segment, rest] = /^\/([^/:]+)(\/.*)?$/.exec(spec.path) ?? [];
    if (segment === undefined) throw new Error(`route ${spec.method} ${spec.path}: a route starts with a fixed segment`);
    let router = routers.get(segment);
    if (!router) {
      routers.set(segment, (router = Router()));
      app.use(`/${segment}`, router);
    }
    router[spec.method](rest ?? '/', (req: Request, res: Response, next: NextFunction) => {
      res.locals.routePattern = spec.path; // the metrics' route label
      handle(spec, req, res, services, hooks).catch(next);
    });
  }
}

async function handle<S>(spec: Route<S>, req: Request, res: Response, services: S, hooks: RouterHooks): Promise<void> {
  const scraper = spec.metricsToken === true && hooks.bearsMetricsToken?.(req) === true;
  const authentication: Authentication = scraper ? { user: null, why: 'missing' } : await hooks.authenticate(req);
  const user = authentication.user;
  if (spec.roles !== 'public' && !scraper) {
    if (!user) {
      if ('why' in authentication && authentication.why === 'disabled') throw new HttpProblem(401, 'Account disabled', 'This account is disabled; contact helpdesk.');
      throw new HttpProblem(401, 'Unauthorized', 'Send a valid access token: Authorization: Bearer <token> (POST /auth/login).');
    }
    if (!spec.roles.includes(user.role)) throw new HttpProblem(403, 'Forbidden', `This needs one of the roles: ${spec.roles.join(', ')}.`);
  }
  const accepted = spec.accept({ params: req.params, query: req.query, body: req.body ?? {} });
  // Set by the app for every request (with the header); a router mounted alone makes its own.
  const correlationId = typeof req.id === 'string' ? req.id : (headerId(req, 'x-correlation-id') ?? randomUUID());
  res.setHeader('X-Correlation-Id', correlationId);

  const keyHeader = req.header('idempotency-key');
  const key = spec.idempotent && keyHeader !== undefined ? idempotencyKey(keyHeader) : undefined;
  const caller = user ?? { userId: 'anonymous', role: 'customer' as const };
  const fingerprint = `${spec.method} ${req.originalUrl.split('?')[0]} ${JSON.stringify(accepted.body)}`;
  if (key) {
    const earlier = await hooks.recall(caller.userId, key, fingerprint);
    if (earlier) return send(res, { ...earlier, headers: { ...earlier.headers, 'Idempotent-Replayed': 'true' } });
  }

  // Read-your-writes across resources: a read sent with the position of an earlier write waits
  // (bounded) until every read model has applied it.
  const minPosition = req.header('x-min-position');
  if (minPosition !== undefined) {
    const parsed = MinPosition.safeParse(minPosition);
    if (!parsed.success) throw new HttpProblem(400, 'Invalid X-Min-Position', 'X-Min-Position must be an X-Event-Position this API returned, e.g. 1234.');
    if (parsed.data > 0) await hooks.waitForReadModels(parsed.data, 'all');
  }

  const ifMatchHeader = req.header('if-match');
  const ifMatch = ifMatchHeader === undefined ? undefined : parseEtag(ifMatchHeader);
  const commandId = key ? `${caller.userId}:${key}` : randomUUID();
  // The command part, timed apart from the wait for read models below.
  const started = performance.now();
  let result: RouteResult;
  try {
    result = await accepted.handle(
      {
        user: caller,
        ifMatch,
        expected: ifMatch === undefined ? {} : { expectedRevision: ifMatch },
        correlationId,
        // The person logged in acts (their user id, in their role); an expert also names the
        // expert profile they act as, which the Visit and Ticket check.
        command: () => ({
          commandId,
          now: hooks.now(),
          actor: { userId: caller.userId, role: caller.role, ...(caller.expertId ? { expertId: caller.expertId } : {}) },
          correlationId,
          causationId: requestCausation(commandId),
        }),
      },
      services,
    );
  } finally {
    if (spec.method !== 'get') hooks.observeCommand?.(spec, (performance.now() - started) / 1000);
  }
  if (result.position !== undefined && result.position > 0) {
    if (spec.readsNext && spec.readsNext.length > 0) await hooks.waitForReadModels(result.position, spec.readsNext);
    result.headers = { ...result.headers, 'X-Event-Position': String(result.position) };
  }
  if (key && result.status < 500) await hooks.remember(caller.userId, key, fingerprint, result);
  if (spec.method !== 'get') await hooks.durable?.();
  if (hooks.checkAnswers && result.status < 300 && !spec.successType) checkAnswer(spec, result);
  send(res, result);
}

/** An answer that breaks its documented schema is the server's bug: a 500 naming the route and the mismatch. */
function checkAnswer(spec: RouteDefinition, result: RouteResult): void {
  const where = `${spec.method.toUpperCase()} ${spec.path}`;
  if (!spec.response) {
    if (result.body !== undefined) throw new Error(`${where} answered a body but documents no response schema`);
    return;
  }
  const checked = spec.response.safeParse(JSON.parse(JSON.stringify(result.body ?? null)));
  if (!checked.success) throw new Error(`${where} answered outside its response schema: ${z.prettifyError(checked.error)}`);
}

function send(res: Response, result: RouteResult): void {
  // Answers are per caller and change with every event; an aggregate's ETag is its stream
  // revision (for If-Match), which does not move when a ticket's visits do: a browser revalidating
  // with it got 304 and kept showing a visit as open after it was booked. Routes whose answers may
  // be cached say so themselves (the catalog).
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.body === undefined) res.status(result.status).end();
  else if (result.contentType) res.status(result.status).type(result.contentType).send(typeof result.body === 'string' || Buffer.isBuffer(result.body) ? result.body : JSON.stringify(result.body));
  else res.status(result.status).json(result.body);
}

function headerId(req: Request, name: string): string | undefined {
  const value = req.header(name);
  return value && /^[A-Za-z0-9_.:-]{1,100}$/.test(value) ? value : undefined;
}

/** `"3"` or `W/"3"` → 3. */
function parseEtag(value: string): number {
  const match = /^(?:W\/)?"(-?\d+)"$/.exec(value.trim());
  if (!match) throw new HttpProblem(400, 'Invalid If-Match', 'If-Match must be an ETag this API returned, e.g. "3".');
  return Number(match[1]);
}

/**
 * The answer to a command on an aggregate resource: the body, the stream's new revision as the
 * ETag, and the position read-your-writes waits for.
 */
export function written<B = undefined>(result: { revision: number | 'no_stream'; position: Position }, body?: B, status = 200): RouteResult & { body: B; headers: Record<string, string> } {
  return { status, body: body as B, headers: { ETag: etag(result.revision) }, position: result.position };
}

export function etag(revision: number | 'no_stream'): string {
  return `"${revision === 'no_stream' ? -1 : revision}"`;
}
