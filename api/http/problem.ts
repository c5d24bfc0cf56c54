import { ErrorRequestHandler, Request } from 'express';
import { ZodError } from 'zod';
import { ConcurrencyConflict, PreconditionFailed } from '../../commands/handler';
import { DomainError, NotFound } from '../../domain/decider';
import { DocumentStoreUnavailable, DuplicateKey } from '../../document-store/port';
import { EventStoreUnavailable, WrongExpectedVersion } from '../../event-store/port';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error that already knows its HTTP answer (401, 403, 404, 429 …). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    /** Headers of the answer (Retry-After …). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? title);
  }
}

const TYPE_BASE = 'https://sysops-squad.dev/problems/';

/** Domain refusals about who acts, not about the state of things: 403 (README: refusals). */
const FORBIDDING = ['forbidden', 'expert-not-on-ticket'];
/** Refusals that clash with what is already there or under way: 409. */
const CONFLICTING = ['refund-id-taken', 'credit-note-id-taken', 'charge-pending'];

/**
 * Refusals answered by their HTTP meaning rather than their code: a survey link is its own
 * credential, so an unknown one is not found, a used one a conflict and an expired one gone.
 */
const AS_HTTP: ReadonlyMap<string, { status: number; title: string }> = new Map([
  ['survey-token-unknown', { status: 404, title: 'Not found' }],
  ['survey-token-used', { status: 409, title: 'Survey already answered' }],
  ['survey-token-expired', { status: 410, title: 'Survey link expired' }],
]);

/** Maps every error the layers below can throw to a problem; unknown errors are 500s. */
export function toProblem(error: unknown): Problem {
  if (error instanceof HttpProblem) {
    return { type: `${TYPE_BASE}${slug(error.title)}`, title: error.title, status: error.status, detail: error.message, ...error.extensions };
  }
  if (error instanceof ZodError) {
    return {
      type: `${TYPE_BASE}invalid-request`,
      title: 'Invalid request',
      status: 400,
      detail: 'Some fields are missing or not valid.',
      errors: error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    };
  }
  if (error instanceof NotFound) return toProblem(new HttpProblem(404, 'Not found', error.message));
  if (error instanceof DomainError) {
    const asHttp = AS_HTTP.get(error.code);
    if (asHttp) return toProblem(new HttpProblem(asHttp.status, asHttp.title, error.message));
    const status = FORBIDDING.includes(error.code) ? 403 : CONFLICTING.includes(error.code) ? 409 : error.code.endsWith('-not-found') ? 404 : 422;
    return { ...error.details, type: `${TYPE_BASE}${error.code}`, title: titleOf(error.code), status, detail: error.message, code: error.code };
  }
  if (error instanceof PreconditionFailed) {
    return { type: `${TYPE_BASE}precondition-failed`, title: 'Precondition failed', status: 412, detail: 'The resource changed since you read it (If-Match).', currentRevision: error.actual };
  }
  if (error instanceof ConcurrencyConflict || error instanceof WrongExpectedVersion) {
    return { type: `${TYPE_BASE}conflict`, title: 'Conflict', status: 409, detail: 'The resource kept changing concurrently; try again.' };
  }
  if (error instanceof DuplicateKey) {
    return { type: `${TYPE_BASE}duplicate`, title: 'Already exists', status: 409, detail: error.message };
  }
  if (error instanceof EventStoreUnavailable || error instanceof DocumentStoreUnavailable) {
    return { type: `${TYPE_BASE}unavailable`, title: 'Service unavailable', status: 503, detail: 'A store is unreachable; try again shortly.' };
  }
  const unreadable = unreadableRequestProblem(error);
  if (unreadable) return unreadable;
  return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Something went wrong on our side; it has been logged.' };
}

/**
 * What Express and its body parser throw while reading a request, before any route runs: the
 * caller's mistake, a 4xx, or null for anything else.
 *
 * - a path parameter that is not valid percent-encoding of UTF-8 (`/tickets/%E0%A4%A`): the
 *   router's URIError, which it marks 400;
 * - the body parser's errors: its own (`type`: `entity.parse.failed` for JSON that does not
 *   parse, `entity.too.large` 413, `encoding.unsupported` and `charset.unsupported` 415,
 *   `request.aborted` …) and a body that does not decompress as its Content-Encoding says
 *   (zlib's error, which it marks 400 and exposes, without a `type`).
 */
export function unreadableRequestProblem(error: unknown, request?: Pick<Request, 'headers'>): Problem | null {
  const e = error as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  if (error instanceof URIError) {
    return { type: `${TYPE_BASE}invalid-path`, title: 'Invalid path', status: 400, detail: 'A path segment is not valid percent-encoding: %XX escapes of UTF-8 bytes only.' };
  }
  if (typeof e.type === 'string') return { type: `${TYPE_BASE}invalid-body`, title: 'Invalid request body', status: e.status, detail: String(e.message) };
  if (e.expose === true) {
    const encoding = request?.headers['content-encoding'];
    const said = typeof encoding === 'string' ? ` (${encoding})` : '';
    return { type: `${TYPE_BASE}invalid-body`, title: 'Invalid request body', status: e.status, detail: `The body does not decode as its Content-Encoding says${said}: ${String(e.message)}.` };
  }
  return null;
}

/** The last Express middleware: every error becomes application/problem+json. */
export function problemHandler(log: (error: unknown, problem: Problem) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = { ...(unreadableRequestProblem(error, req) ?? toProblem(error)), instance: req.originalUrl };
    log(error, problem);
    if (res.headersSent) return;
    if (error instanceof HttpProblem) res.set(error.headers);
    res.status(problem.status).type('application/problem+json').json(problem);
  };
}

function titleOf(code: string): string {
  const words = code.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
