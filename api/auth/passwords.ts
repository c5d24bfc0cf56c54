import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { HttpProblem } from '../http/problem';

// scrypt is memory-hard: N=2^15, r=8 takes 32 MB and about 135 ms of one core per hash here.
const N = 32768;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `$scrypt$N=32768,r=8,p=1$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `$scrypt$N=${N},r=${R},p=${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return false;
  const expected = Buffer.from(match[5]!, 'base64url');
  const key = await derive(password, Buffer.from(match[4]!, 'base64url'), Number(match[1]), Number(match[2]), Number(match[3]));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Run for unknown e-mails too, so response time does not reveal which accounts exist. */
export const DUMMY_HASH = '$scrypt$N=32768,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** One core less than the machine has, at least one: the API's own thread keeps a core. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Hashes a waiting request may queue behind, per hash allowed at once (about 4 s here). */
export const WAITING_PER_SLOT = 32;

/**
 * The API's password hashing, at most `concurrency` scrypt runs at once, the rest in turn.
 *
 * Unbounded, a burst of logins (a shift starting, every session renewing at once) runs one hash
 * per libuv thread, four by default, on however many cores there are: on two cores every other
 * request of the API slowed down to a third for as long as the burst lasted, and each running
 * hash held its 32 MB. A request that would wait behind more than WAITING_PER_SLOT hashes per
 * slot is answered 503 with Retry-After rather than left to time out.
 */
export class PasswordHashing {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number = defaultHashConcurrency(),
    private readonly waitingPerSlot: number = WAITING_PER_SLOT,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`password hash concurrency must be a whole number ≥ 1, not ${concurrency}`);
  }

  hash(password: string): Promise<string> {
    return this.inTurn(() => hashPassword(password));
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.inTurn(() => verifyPassword(password, stored));
  }

  /** Hashes running and waiting now (for tests and metrics). */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private async inTurn<T>(hash: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else {
      if (this.waiting.length >= this.concurrency * this.waitingPerSlot) {
        throw new HttpProblem(503, 'Too many logins at once', 'Passwords are being checked for many logins at this moment; try again in a few seconds.', {}, { 'Retry-After': '2' });
      }
      // The finishing hash hands its slot over: `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await hash();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
