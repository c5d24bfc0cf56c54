/**
 * The typed API client: every path, parameter, body and answer comes from `schema.d.ts`, which
 * `npm run gen:api` generates from the server's OpenAPI document (never written by hand).
 */
import createClient, { Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { session } from '../auth/session';

/** An answer that is not a success: the API's RFC 9457 problem (a domain rule's `code`, a 400's field `errors`). */
export type Problem = components['schemas']['Problem'];

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

const authenticate: Middleware = {
  async onRequest({ request }) {
    const token = await session.accessToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ response }) {
    // A token the server no longer takes (expired early, account disabled): back to the login page.
    if (response.status === 401 && !new URL(response.url).pathname.startsWith('/auth/')) {
      const problem = (await response.clone().json().catch(() => null)) as Problem | null;
      session.end(problem?.title === 'Account disabled' ? 'This account is disabled; contact helpdesk.' : 'Your session has ended; please log in again.');
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authenticate);

/** The data of an answer, or throws its problem (for TanStack Query: an error state with the API's words). */
export function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const error = result.error as Partial<Problem> | undefined;
    throw new ApiError({ type: 'about:blank', title: error?.title ?? result.response.statusText, status: result.response.status, ...error });
  }
  return result.data as T;
}

/** A fresh Idempotency-Key for one user action (a retried request then changes nothing). */
export function actionKey(): string {
  return crypto.randomUUID();
}
