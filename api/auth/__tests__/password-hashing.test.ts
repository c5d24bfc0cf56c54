import { HttpProblem } from '../../http/problem';
import { hashPassword, PasswordHashing } from '../passwords';

describe('PasswordHashing: a few hashes at a time', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('runs at most `concurrency` hashes at once; the others wait their turn and every one finishes', async () => {
    const hashing = new PasswordHashing(2);
    const checks = ['correct horse battery staple', 'wrong', 'correct horse battery staple', 'also wrong', 'correct horse battery staple'].map((p) => hashing.verify(p, stored));
    expect(hashing.load()).toEqual({ running: 2, waiting: 3 });
    const seen: number[] = [];
    const watch = setInterval(() => seen.push(hashing.load().running), 5);
    try {
      expect(await Promise.all(checks)).toEqual([true, false, true, false, true]);
    } finally {
      clearInterval(watch);
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(hashing.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses, 503 with Retry-After, a hash that would wait behind more than its share; the slots are not lost', async () => {
    const hashing = new PasswordHashing(1, 1);
    const running = hashing.verify('correct horse battery staple', stored);
    const waiting = hashing.hash('a new passphrase');
    const refused = await hashing.verify('correct horse battery staple', stored).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpProblem);
    expect(refused).toMatchObject({ status: 503, title: 'Too many logins at once', headers: { 'Retry-After': '2' } });
    expect(await running).toBe(true);
    expect(await waiting).toMatch(/^\$scrypt\$N=32768,r=8,p=1\$/);
    expect(hashing.load()).toEqual({ running: 0, waiting: 0 });
    expect(await hashing.verify('correct horse battery staple', stored)).toBe(true);
  });

  it('a hash that fails hands its slot on to the next one', async () => {
    const hashing = new PasswordHashing(1);
    // More memory than scrypt is allowed: it fails.
    const failing = hashing.verify('x', '$scrypt$N=1048576,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA');
    const next = hashing.verify('correct horse battery staple', stored);
    await expect(failing).rejects.toThrow();
    expect(await next).toBe(true);
    expect(hashing.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('needs at least one hash at a time', () => {
    expect(() => new PasswordHashing(0)).toThrow(RangeError);
    expect(() => new PasswordHashing(1.5)).toThrow(RangeError);
  });
});
