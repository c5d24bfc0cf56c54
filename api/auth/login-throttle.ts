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
 *
 * A failure is counted once its answer is known, not while the login is under way: counted on
 * arrival and taken back on success (express-rate-limit's skipSuccessfulRequests), eleven
 * people logging in at once behind one address were refused, the right password too (the
 * soak's clients, logging in again together, met it).
 */
import { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
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
  return {
    // An IPv6 address counts with its /56, as express-rate-limit counts it: one network, one address.
    perAddress: failureLimit(options.loginLimitPerMinute, (req) => `address:${ipKeyGenerator(req.ip ?? '')}`),
    // Without a usable e-mail the route answers 400; the limit per address counts it.
    perAccount: failureLimit(options.loginLimitPerMinute, (req) => {
      const account = accountOfLogin(req);
      return account === null ? null : `account:${account}`;
    }),
    signUps: rateLimit({
      windowMs: WINDOW_MS,
      limit: options.signUpLimitPerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // X-Forwarded-For from an untrusted peer is ignored on purpose (TRUST_PROXY unset).
      validate: { xForwardedForHeader: false },
      handler: (_req, _res, next) => next(tooMany()),
    }),
  };
}

function tooMany(): HttpProblem {
  return new HttpProblem(429, 'Too many attempts', 'Too many attempts; wait a minute and try again.');
}

/**
 * Refuses a key (null: not counted) with `limit` failed answers (4xx, 5xx; not the 429s of the
 * limits themselves, nor the 503s of password hashing too busy to check a password at all) in the
 * current minute; counts each failure when it is answered.
 */
function failureLimit(limit: number, keyOf: (req: Request) => string | null): RequestHandler {
  const failures = new MemoryStore();
  failures.init({ windowMs: WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
  return (req, res, next) => {
    const key = keyOf(req);
    if (key === null) return next();
    failures.get(key).then((counted) => {
      if (counted && counted.totalHits >= limit) {
        const resetTime = counted.resetTime?.getTime() ?? Date.now() + WINDOW_MS;
        res.set('Retry-After', String(Math.max(1, Math.ceil((resetTime - Date.now()) / 1000))));
        return next(tooMany());
      }
      res.on('finish', () => {
        if (res.statusCode >= 400 && res.statusCode !== 429 && res.statusCode !== 503) void failures.increment(key);
      });
      next();
    }, next);
  };
}
