/**
 * Password guessing, throttled twice: per client address and per account.
 *
 * - Per client address (`req.ip`: the connection's peer, or what a proxy named in TRUST_PROXY
 *   says): failed logins and failed token refreshes. Without a trusted proxy a client cannot
 *   choose its address, so rotating X-Forwarded-For gains nothing.
 * - Per account: failed logins for one e-mail, from any address, so guessing one account's
 *   password from many addresses is slowed as well. Unknown e-mails are counted and refused
 *   exactly like known ones: a 429 never says whether an account exists.
 *
 * Only failures count: a user logging in several times a minute is not an attack. Once an
 * address or an account is over the limit, every login it tries is refused (429, Retry-After)
 * for the rest of the minute without looking at the password — the right password too, or a
 * refusal would tell a guesser when a guess was right. So the real user of an account under
 * attack waits a minute; everyone else, from another address, logs in as usual.
 */
import { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpProblem } from '../http/problem';

export interface LoginThrottleOptions {
  /** Failed logins per address and per account, failed refreshes per address, each a minute. */
  loginLimitPerMinute: number;
  /** Sign-ups per address and minute (each counts). */
  signUpLimitPerMinute: number;
}

const WINDOW_MS = 60_000;
/** Longer than any e-mail the login route accepts: not an account, so not counted per account. */
const MAX_EMAIL_LENGTH = 254;

/** The account a login names, as the login route compares it (trimmed, lower case), or null. */
export function accountOfLogin(req: Request): string | null {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  if (typeof email !== 'string') return null;
  const normalized = email.trim().toLowerCase();
  return normalized.length > 0 && normalized.length <= MAX_EMAIL_LENGTH ? normalized : null;
}

export interface LoginThrottles {
  /** POST /auth/login and /auth/refresh: failures per client address. */
  perAddress: RequestHandler;
  /** POST /auth/login: failures per account e-mail. */
  perAccount: RequestHandler;
  /** POST /auth/register: every sign-up, per client address. */
  signUps: RequestHandler;
}

export function loginThrottles(options: LoginThrottleOptions): LoginThrottles {
  const limiter = (limit: number, extra: Partial<Parameters<typeof rateLimit>[0]>) =>
    rateLimit({
      windowMs: WINDOW_MS,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // X-Forwarded-For from an untrusted peer is ignored on purpose (TRUST_PROXY unset).
      validate: { xForwardedForHeader: false },
      handler: (_req, _res, next) => next(new HttpProblem(429, 'Too many attempts', 'Too many attempts; wait a minute and try again.')),
      ...extra,
    });
  return {
    perAddress: limiter(options.loginLimitPerMinute, { skipSuccessfulRequests: true }),
    perAccount: limiter(options.loginLimitPerMinute, {
      skipSuccessfulRequests: true,
      keyGenerator: (req) => `account:${accountOfLogin(req)}`,
      // Without a usable e-mail the route answers 400; the limit per address counts it.
      skip: (req) => accountOfLogin(req) === null,
    }),
    signUps: limiter(options.signUpLimitPerMinute, {}),
  };
}
