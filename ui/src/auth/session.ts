/**
 * The signed-in user's tokens. The access token (15 minutes) stays in memory and is renewed
 * silently a minute before it runs out; the refresh token (single use, rotated at each renewal)
 * is kept in localStorage so a reload keeps the user signed in. An expired refresh token or a
 * disabled account ends the session with a reason the login page shows.
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
const RENEW_BEFORE_MS = 60_000;

type Listener = (user: SignedIn | null, reason?: string) => void;

class Session {
  private tokens: Tokens | null = null;
  private renewing: Promise<Tokens | null> | null = null;
  private readonly listeners = new Set<Listener>();
  private endedBecause: string | undefined;

  get user(): SignedIn | null {
    return this.tokens?.user ?? null;
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
    return (await this.renew())?.user ?? null;
  }

  /** A current access token (renewed first when about to expire), or null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.tokens) return null;
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
    const wasIn = this.tokens !== null;
    this.tokens = null;
    localStorage.removeItem(REFRESH_KEY);
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
    localStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    if (!wasIn) for (const listener of this.listeners) listener(tokens.user);
    return tokens;
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
