/**
 * given(events) / when(request) / then(answer) specifications for HTTP routes that need no whole
 * system, in the style of Emmett's ApiSpecification. The routes are mounted on a bare Express app
 * the way the API mounts them (validation, roles, idempotency, problem documents), around fresh
 * in-memory services for each case; the caller is named, not logged in, and no read model is
 * waited for (nothing projects). Routes whose answers need projections or sagas keep the
 * whole-system harness (api/__tests__/harness.ts). Test support only: uses Jest's expect.
 */
import express from 'express';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { ApiServices } from '../api/services';
import { PasswordHashing } from '../api/auth/passwords';
import { TokenService } from '../api/auth/tokens';
import { problemHandler } from '../api/http/problem';
import { AuthUser, mountRoutes, RouterHooks, RouteTable } from '../api/http/route';
import { CommandHandler } from '../commands/handler';
import { EmbeddedDocumentStore } from '../document-store/embedded';
import { InMemoryEventStore } from '../event-store/memory';
import { RecordedEvent } from '../event-store/port';
import { ReadModelExpertDirectory } from '../read-models/expert-directory';
import { PaidCustomersCache } from '../read-models/payment-status';
import { DocumentOutbox } from '../notifications/outbox-store';
import { SurveyTokens } from '../notifications/survey-tokens';
import { allProjections } from '../projections/all';
import { ReadModels } from '../read-models/read-models';
import { TEST_NOW } from './commands';
import { SandboxGateway } from '../payments/sandbox';

/** An event already in the store before the request. */
export interface GivenEvent {
  stream: string;
  type: string;
  data: unknown;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The caller (as a verified token would name them); none: anonymous. */
  as?: AuthUser;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ExpectedAnswer {
  status: number;
  /** Matched as a subset (toMatchObject). */
  body?: unknown;
  /** The problem type's last segment, e.g. `not-found` or `customer-not-paid`: the answer is a problem document. */
  problem?: string;
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  /** What the request appended to the event store, in order. */
  newEvents: RecordedEvent[];
}

/** Fresh in-memory API services: an empty event store, an empty document store, nothing projecting. */
export interface TestApiServices extends ApiServices {
  events: InMemoryEventStore;
  /** Sets the clock the services and command metadata read. */
  setClock(iso: string): void;
  stop(): Promise<void>;
}

export function testApiServices(overrides: Partial<ApiServices> = {}): TestApiServices {
  let now = TEST_NOW;
  const clock = () => now;
  const events = new InMemoryEventStore();
  const documents = new EmbeddedDocumentStore({ path: ':memory:' });
  const readModels = new ReadModels(documents, allProjections, { ttlMs: 0 });
  const logger = pino({ level: 'silent' });
  return {
    commands: new CommandHandler(events),
    documents,
    readModels,
    projections: allProjections,
    sagaNames: [],
    outbox: new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@test.local', logger, clock }),
    surveyTokens: new SurveyTokens(documents, 'test-survey-secret-0123456789'),
    tokens: new TokenService('test-jwt-secret-0123456789-0123456789', documents, clock),
    passwords: new PasswordHashing(),
    payments: new PaidCustomersCache(readModels),
    experts: new ReadModelExpertDirectory(readModels),
    clock,
    logger,
    readyMaxLag: 1000,
    readyMaxSagaLag: 1000,
    enRouteLeadMinutes: 120,
    mapTiles: null,
    statements: { company: { name: 'Test Company', address: ['1 Test Street'], email: 'billing@test.local' }, taxRate: null },
    dunningRetryDays: [1, 3, 7],
    paymentGateway: new SandboxGateway(documents, clock),
    ...overrides,
    events,
    setClock(iso) {
      now = new Date(iso);
    },
    stop: () => documents.close(),
  };
}

export interface ApiSpecification {
  given(...events: GivenEvent[]): {
    when(request: ApiRequest): {
      then(expected: ExpectedAnswer): Promise<Answer>;
    };
  };
}

/**
 * A specification of `routes` over services from `services` (called once per case, so cases
 * share nothing): given events are appended first, then the request is sent and its answer checked.
 */
export function apiSpecification(routes: RouteTable<ApiServices>, services: () => TestApiServices | Promise<TestApiServices>): ApiSpecification {
  return {
    given: (...given) => ({
      when: (request) => ({
        then: async (expected) => {
          const system = await services();
          try {
            return check(await exchange(routes, system, given, request), expected);
          } finally {
            await system.stop();
          }
        },
      }),
    }),
  };
}

async function exchange(routes: RouteTable<ApiServices>, services: TestApiServices, given: readonly GivenEvent[], request: ApiRequest): Promise<Answer> {
  for (const event of given) {
    const metadata = { correlationId: 'given', causationId: null, actor: { userId: 'given', role: 'system' }, timestamp: services.clock().toISOString() };
    await services.events.appendToStream(event.stream, [{ type: event.type, data: event.data, metadata }]);
  }
  const before = await services.events.headPosition();
  const server = await listen(appFor(routes, services, request.as));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${request.path}`, {
      method: request.method,
      headers: { ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await response.text();
    const newEvents = (await services.events.readAll()).filter((e) => e.position > before);
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers, newEvents };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function check(answer: Answer, expected: ExpectedAnswer): Answer {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status: expected.status, ...(expected.body !== undefined ? { body: expected.body } : {}) });
  if (expected.problem !== undefined) {
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: expected.status, type: `https://sysops-squad.dev/problems/${expected.problem}` });
  }
  return answer;
}

/** The routes as the API mounts them, with the caller already known and answers checked against their schemas. */
function appFor(routes: RouteTable<ApiServices>, services: ApiServices, caller: AuthUser | undefined): express.Express {
  const app = express();
  app.use(express.json());
  const hooks: RouterHooks = {
    authenticate: async () => (caller ? { user: caller } : { user: null, why: 'missing' }),
    // One request per case: there is never an earlier answer to replay.
    recall: async () => null,
    remember: async () => undefined,
    // Nothing projects here: there is nothing to wait for.
    waitForReadModels: async () => undefined,
    checkAnswers: true,
    now: services.clock,
  };
  mountRoutes(app, routes, services, hooks);
  app.use(problemHandler(() => undefined));
  return app;
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}
