/**
 * The signed-in user's tokens. The access token (15 minutes) stays in memory and is renewed
 * silently a minute before it runs out; the refresh token (single use, rotated at each renewal)
 * is kept in localStorage so a reload keeps the user signed in. An expired refresh token or a
 * disabled account ends the session with a reason the login page shows.
 */
export type Role = 'customer' | 'expert' | 'helpdesk' | 'admin' | 'manager' | 'ops';

export interface SignedIn {
  userId: string;
  email: string;
  role: Role;
  customerId?: string;
  expertId?: string;
}

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
    const response = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail ?? body.title ?? `Login failed (${response.status})`);
    return this.start(body).user;
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
    if (token && refreshToken) {
      await fetch('/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ refreshToken }) }).catch(() => undefined);
    }
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
      const response = await fetch('/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) }).catch(() => null);
      if (!response) return this.tokens; // offline: keep what we have, try again later
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        this.end(response.status === 403 ? 'This account is disabled; contact helpdesk.' : 'Your session has expired; please log in again.');
        return null;
      }
      return this.start(body);
    })().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private start(body: { accessToken: string; expiresIn: number; refreshToken: string; user: SignedIn }): Tokens {
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
