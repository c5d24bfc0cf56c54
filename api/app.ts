import express, { Express, Request } from 'express';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import { servingStatus } from '../projections/status';
import { SAGA_CHECKPOINTS, SagaCheckpoint } from '../sagas/runner';
import { TrustProxy } from '../config/config';
import { authenticateBearer } from './auth/accounts';
import { loginThrottles } from './auth/login-throttle';
import { HttpProblem, problemHandler } from './http/problem';
import { mountRoutes, RouteDefinition, RouteResult, RouterHooks } from './http/route';
import { ApiMetrics } from './metrics';
import { docsPage, openApiDocument } from './openapi';
import { PipelineStatus } from './pipeline-status';
import { mountWebApp } from './web-app';
import { probeRoutes } from './probes';
import { allRoutes } from './routes';
import { devOutboxRoutes } from './routes/ops';
import { ApiServices } from './services';
import { stripeWebhook } from './stripe-webhook';

const IDEMPOTENCY = '_idempotency';
const READ_YOUR_WRITES_MS = 2000;

interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  result: RouteResult;
  createdAt: string;
  [field: string]: unknown;
}

export interface ApiOptions {
  /** Serve the development outbox (never in production). */
  devOutbox: boolean;
  publicUrl: string;
  /** Failed logins per client address and per account, failed refreshes per address, a minute (default 10). */
  loginLimitPerMinute?: number;
  /** Sign-ups per client address and minute (default: the login limit). */
  signUpLimitPerMinute?: number;
  /** Proxies trusted to name the client in X-Forwarded-For (TRUST_PROXY); default none. */
  trustProxy?: TrustProxy;
  /** Bearer token that reads /metrics and /projections without an account (METRICS_TOKEN); none: admins only. */
  metricsToken?: string;
  /**
   * While this returns a reason (demo data being written on first start), the API answers 503
   * with Retry-After instead of serving; /health, /ready, /docs and /openapi.json still answer.
   */
  warmingUp?: () => string | null;
  /** Check every successful answer against its route's response schema (the API tests). */
  checkAnswers?: boolean;
  /** Folder of the built web app (dist/ui) to serve at `/`; none: the API only. */
  webApp?: string;
  /** Awaited before /ready answers 200 (see ProbeServices.onReady). */
  onReady?: () => Promise<void>;
}

const CORRELATION_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Every route /openapi.json describes: the probes, the development outbox where it is served, the route table. */
export function documentedRoutes(devOutbox: boolean): readonly RouteDefinition[] {
  return [...probeRoutes, ...(devOutbox ? devOutboxRoutes : []), ...allRoutes];
}

/** The HTTP API: every resource route comes from the route table (`api/routes`). */
export function createApi(services: ApiServices, options: ApiOptions): Express {
  const app = express();
  const pipeline = new PipelineStatus(services);
  const metrics = new ApiMetrics(pipeline, services.passwords, services.documents);
  app.use(metrics.timeRequests());
  app.disable('x-powered-by');
  // The client is the connection's peer unless TRUST_PROXY names the proxies in front: trusting
  // X-Forwarded-For from anyone let a client rotate it past the login limits.
  const trustProxy = options.trustProxy ?? false;
  app.set('trust proxy', trustProxy);
  // One correlation id per request, the caller's if it sent a usable one: the request log, the
  // answer's header and the metadata of the events the request writes all carry it.
  app.use((req, res, next) => {
    const given = req.headers['x-correlation-id'];
    req.id = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Correlation-Id', req.id);
    next();
  });
  // Below info the request log writes nothing, but building each request's child logger and
  // serializers still cost about a twentieth of a GET's time: mount it only when it writes.
  if (services.logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger: services.logger,
        genReqId: (req) => req.id,
        customProps: (req) => ({ correlationId: req.id }),
        autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
        // A 503 is a deliberate answer (starting up, not ready; the error behind an unreachable
        // store is logged by the problem handler): an info line, without a made-up error and its
        // stack. Other 5xx are failures.
        customLogLevel: (_req, res, error) => (res.statusCode === 503 && !error ? 'info' : error || res.statusCode >= 500 ? 'error' : 'info'),
        customErrorObject: (_req, res, _error, logged) => (res.statusCode === 503 && !res.err ? { res: logged.res, responseTime: logged.responseTime } : logged),
        customErrorMessage: (_req, res) => (res.statusCode === 503 && !res.err ? 'request answered 503 (unavailable)' : 'request errored'),
      }),
    );
  }
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  // Before the JSON parser: its signature is over the raw body.
  app.use(stripeWebhook(services));
  app.use(express.json({ limit: '100kb' }));

  // Password guessing is limited per client address and per account (api/auth/login-throttle.ts).
  const loginLimit = options.loginLimitPerMinute ?? 10;
  const throttles = loginThrottles({ loginLimitPerMinute: loginLimit, signUpLimitPerMinute: options.signUpLimitPerMinute ?? loginLimit });
  if (trustProxy === false) {
    let told = false;
    app.use(['/auth/login', '/auth/refresh', '/auth/register'], (req, _res, next) => {
      if (!told && req.headers['x-forwarded-for'] !== undefined) {
        told = true;
        services.logger.warn({ peer: req.socket.remoteAddress }, 'X-Forwarded-For arrives but TRUST_PROXY is not set: it is ignored, and every client behind that proxy shares its login limit');
      }
      next();
    });
  }
  app.use(['/auth/login', '/auth/refresh'], throttles.perAddress);
  app.use('/auth/login', throttles.perAccount);
  app.use('/auth/register', throttles.signUps);

  const hooks = routerHooks(services, metrics, options);
  // The probes answer while the API is starting up.
  mountRoutes(app, probeRoutes, { ...services, pipeline, metrics, warmingUp: options.warmingUp ?? (() => null), ...(options.onReady ? { onReady: options.onReady } : {}) }, hooks);
  // The web app's pages and assets answer while the demo data is written; its API calls wait.
  if (options.webApp) mountWebApp(app, options.webApp);
  if (options.warmingUp) {
    const warmingUp = options.warmingUp;
    app.use((req, res, next) => {
      const reason = req.path === '/docs' || req.path === '/openapi.json' ? null : warmingUp();
      if (!reason) return next();
      res.setHeader('Retry-After', '5');
      next(new HttpProblem(503, 'Starting up', reason));
    });
  }
  if (options.devOutbox) mountRoutes(app, devOutboxRoutes, services, hooks);

  const document = openApiDocument(documentedRoutes(options.devOutbox), { version: '1.0.0', serverUrl: options.publicUrl });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage());
  });

  mountRoutes(app, allRoutes, services, hooks);

  app.use((req, _res, next) => next(new HttpProblem(404, 'Not found', `No route for ${req.method} ${req.path}; see /docs.`)));
  app.use(
    problemHandler((error, problem) => {
      // Deliberate answers (503 while starting up) are not failures; anything else at 5xx is.
      if (problem.status >= 500 && !(error instanceof HttpProblem)) services.logger.error({ err: error, problem }, 'request failed');
    }),
  );
  return app;
}

function routerHooks(services: ApiServices, metrics: ApiMetrics, options: ApiOptions): RouterHooks {
  const store = () => services.documents.collection<IdempotencyDoc>(IDEMPOTENCY);
  const bearer = (req: Request) => {
    const header = req.header('authorization');
    return (header ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1];
  };
  // Compared as digests, in constant time: neither the token nor its length leaks through timing.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const metricsToken = options.metricsToken ? digest(options.metricsToken) : null;
  return {
    authenticate(req: Request) {
      return authenticateBearer(services, bearer(req));
    },
    bearsMetricsToken(req: Request) {
      const token = bearer(req);
      return metricsToken !== null && token !== undefined && timingSafeEqual(digest(token), metricsToken);
    },
    async recall(userId, key, fingerprint) {
      const doc = await store().findOne({ _id: `${userId}:${key}` });
      if (!doc) return null;
      if (doc.fingerprint !== fingerprint) {
        throw new HttpProblem(422, 'Idempotency key reused', 'This Idempotency-Key was used for a different request.');
      }
      return doc.result;
    },
    async remember(userId, key, fingerprint, result) {
      await store().updateOne(
        { _id: `${userId}:${key}` },
        { $setOnInsert: { fingerprint, result: JSON.parse(JSON.stringify(result)), createdAt: services.clock().toISOString() } },
        { upsert: true },
      );
    },
    async waitForReadModels(position, names) {
      // A name is a read model or a saga (whose commands the caller's next command relies on).
      const sagas = names === 'all' ? [] : names.filter((name) => services.sagaNames.includes(name));
      const projections = names === 'all' ? 'all' : names.filter((name) => !sagas.includes(name));
      await Promise.all([waitForProjections(services, position, projections), waitForSagas(services, position, sagas)]);
    },
    durable: () => services.documents.flush(),
    checkAnswers: options.checkAnswers === true,
    observeCommand: (route, seconds) => metrics.observeCommand(route, seconds),
    now: services.clock,
  };
}

async function waitForProjections(services: ApiServices, position: number, projections: readonly string[] | 'all'): Promise<void> {
  if (projections !== 'all' && projections.length === 0) return;
  if (services.engine) {
    await services.engine.waitFor(position, { timeoutMs: READ_YOUR_WRITES_MS, ...(projections === 'all' ? {} : { projections }) });
    return;
  }
  // API-only process: the projector runs elsewhere; watch the checkpoints (bounded).
  const watched = (name: string) => projections === 'all' || projections.includes(name);
  await pollUntil(async () => (await servingStatus(services.events, services.documents, services.projections)).every((s) => !watched(s.name) || s.position >= position));
}

async function waitForSagas(services: ApiServices, position: number, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  if (services.sagas) {
    await services.sagas.waitFor(position, READ_YOUR_WRITES_MS, names);
    return;
  }
  // The sagas run in another process: watch their checkpoints (bounded).
  const checkpoints = services.documents.collection<SagaCheckpoint>(SAGA_CHECKPOINTS);
  await pollUntil(async () => (await checkpoints.find({ _id: { $in: [...names] } })).filter((c) => c.position >= position).length === names.length);
}

async function pollUntil(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READ_YOUR_WRITES_MS;
  while (Date.now() < deadline && !(await done())) await new Promise((r) => setTimeout(r, 25));
}
