/**
 * The signed-in user's tokens. The access token (15 minutes) stays in memory and is renewed
 * silently a minute before it runs out; the refresh token (single use, rotated at each renewal)
 * is kept in localStorage so a reload keeps the user signed in. An expired refresh token or a
 * disabled account ends the session with a reason the login page shows.
 *
 * Offline (the server unreachable, not refusing), a reload opens the app as the user it was
 * signed in as (kept beside the refresh token), without an access token: the app shows what it
 * kept and queues commands; the token is renewed at the first call once the network is back.
 */
import createClient from 'openapi-fetch';
import type { Answer } from '../api/answers';
import type { paths } from '../api/schema';

type SessionAnswer = Answer<'/auth/login', 'post'>;
export type SignedIn = SessionAnswer['user'];
export type Role = SignedIn['role'];

/** The session's own calls, without the app client's token handling (which relies on the session). */
const auth = createClient<paths>({ baseUrl: window.location.origin });

interface Tokens {
  accessToken: string;
  expiresAt: number;
  refreshToken: string;
  user: SignedIn;
}

const REFRESH_KEY = 'sysops.refresh';
const USER_KEY = 'sysops.user';
const RENEW_BEFORE_MS = 60_000;

type Listener = (user: SignedIn | null, reason?: string) => void;

class Session {
  private tokens: Tokens | null = null;
  /** Signed in, but the server could not be reached to renew the token (offline). */
  private offlineUser: SignedIn | null = null;
  private renewing: Promise<Tokens | null> | null = null;
  private readonly listeners = new Set<Listener>();
  private endedBecause: string | undefined;

  get user(): SignedIn | null {
    return this.tokens?.user ?? this.offlineUser;
  }

  /** Why the last session ended (shown once on the login page). */
  takeReason(): string | undefined {
    const reason = this.endedBecause;
    this.endedBecause = undefined;
    return reason;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async logIn(email: string, password: string): Promise<SignedIn> {
    const { data, error, response } = await auth.POST('/auth/login', { body: { email, password } });
    if (!data) {
      const problem = error as { detail?: string; title?: string } | undefined;
      throw new Error(problem?.detail ?? problem?.title ?? `Login failed (${response.status})`);
    }
    return this.start(data).user;
  }

  /** On page load: resumes the session from the stored refresh token, if it still works. */
  async resume(): Promise<SignedIn | null> {
    if (this.tokens) return this.tokens.user;
    if (!localStorage.getItem(REFRESH_KEY)) return null;
    const renewed = await this.renew();
    if (renewed) return renewed.user;
    // Not refused (that forgets the refresh token) but unanswered: offline.
    if (localStorage.getItem(REFRESH_KEY)) this.offlineUser = storedUser();
    return this.offlineUser;
  }

  /** A current access token (renewed first when about to expire), or null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.tokens) return this.offlineUser ? ((await this.renew())?.accessToken ?? null) : null;
    if (this.tokens.expiresAt - Date.now() > RENEW_BEFORE_MS) return this.tokens.accessToken;
    return (await this.renew())?.accessToken ?? null;
  }

  async logOut(): Promise<void> {
    const token = this.tokens?.accessToken;
    const refreshToken = this.tokens?.refreshToken ?? localStorage.getItem(REFRESH_KEY);
    this.end();
    // Revokes every refresh token of the user (the other devices sign in again).
    if (token && refreshToken) await auth.POST('/auth/logout', { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
  }

  end(reason?: string): void {
    const wasIn = this.tokens !== null || this.offlineUser !== null;
    this.tokens = null;
    this.offlineUser = null;
    localStorage.removeItem(REFRESH_KEY);
    localStorage.removeItem(USER_KEY);
    if (reason) this.endedBecause = reason;
    if (wasIn || reason) for (const listener of this.listeners) listener(null, reason);
  }

  private renew(): Promise<Tokens | null> {
    // One renewal at a time: a refresh token works once.
    this.renewing ??= (async () => {
      const refreshToken = this.tokens?.refreshToken ?? localStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return null;
      const answer = await auth.POST('/auth/refresh', { body: { refreshToken } }).catch(() => null);
      if (!answer) return this.tokens; // offline: keep what we have, try again later
      if (!answer.data) {
        this.end(answer.response.status === 403 ? 'This account is disabled; contact helpdesk.' : 'Your session has expired; please log in again.');
        return null;
      }
      return this.start(answer.data);
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private start(body: SessionAnswer): Tokens {
    const tokens = { accessToken: body.accessToken, expiresAt: Date.now() + body.expiresIn * 1000, refreshToken: body.refreshToken, user: body.user };
    const wasIn = this.tokens !== null;
    this.tokens = tokens;
    this.offlineUser = null;
    localStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    localStorage.setItem(USER_KEY, JSON.stringify(tokens.user));
    // Also after an offline start: the app then connects its live updates with the new token.
    if (!wasIn) for (const listener of this.listeners) listener(tokens.user);
    return tokens;
  }
}

/** The user last signed in on this device (for an offline start), if any. */
function storedUser(): SignedIn | null {
  try {
    const user = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as SignedIn | null;
    return user && typeof user.userId === 'string' && typeof user.role === 'string' ? user : null;
  } catch {
    return null;
  }
}

export const session = new Session();

/** Each role's home page. */
export function homeOf(role: Role): string {
  switch (role) {
    case 'customer':
      return '/portal';
    case 'expert':
      return '/field';
    default:
      return '/staff';
  }
}
