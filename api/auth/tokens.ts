import { createHash, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { Role } from '../../domain/decider';
import { IndexesOnFirstUse } from '../../document-store/indexes-on-first-use';
import { DocumentStore } from '../../document-store/port';
import { AuthUser } from '../http/route';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_DAYS = 7;
const REFRESH_TOKENS = 'refresh_tokens';

/**
 * Access tokens whose signature was checked, until they expire: every request carries one, and
 * checking it again (HMAC, JSON, claims) was a twentieth of a GET's time. A token's claims never
 * change, so a remembered one cannot go stale; its expiry is checked on every use.
 */
export const VERIFIED_TOKENS_KEPT = 4096;

const Claims = z.object({
  sub: z.string().min(1),
  exp: z.number(),
  role: z.enum(['customer', 'expert', 'helpdesk', 'admin', 'manager']),
  cid: z.string().optional(),
  eid: z.string().optional(),
});

interface RefreshDoc {
  _id: string; // sha256 of the token: a leaked database does not leak working tokens
  userId: string;
  expiresAt: string;
  revokedAt: string | null;
  [field: string]: unknown;
}

/**
 * Short-lived JWT access tokens (HS256, 15 minutes) and opaque refresh tokens (7 days, stored
 * hashed, rotated at every use: a refresh token works once).
 */
export class TokenService {
  /**
   * The secret as a key object, made once: given the string, jsonwebtoken first tries to read it
   * as a public key on every call (and fails), which took 16% of the server's time under load.
   */
  private readonly key: KeyObject;
  /** Signing out everywhere finds a user's tokens by user. */
  private readonly indexes: IndexesOnFirstUse;
  /** token → its caller and expiry (ms), oldest first; at most VERIFIED_TOKENS_KEPT. */
  private readonly verified = new Map<string, { user: AuthUser; expiresAtMs: number }>();

  constructor(
    secret: string,
    private readonly documents: DocumentStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.indexes = new IndexesOnFirstUse(documents, REFRESH_TOKENS, [{ keys: { userId: 1 }, name: 'by_user' }]);
  }

  issueAccess(user: AuthUser): { accessToken: string; expiresIn: number } {
    const claims = { role: user.role, ...(user.customerId ? { cid: user.customerId } : {}), ...(user.expertId ? { eid: user.expertId } : {}) };
    const accessToken = jwt.sign(claims, this.key, {
      algorithm: 'HS256',
      subject: user.userId,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      issuer: 'sysops-squad',
    });
    return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** The caller of a request, or null for a missing, expired or forged token. */
  verifyAccess(token: string): AuthUser | null {
    // Access tokens live on the machine's clock, as jsonwebtoken signs and checks them: the
    // service clock moves by days in tests whose tokens must keep working.
    const nowMs = Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (nowMs < known.expiresAtMs) return known.user;
      this.verified.delete(token);
      return null;
    }
    let claims: z.infer<typeof Claims>;
    try {
      const payload = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: 'sysops-squad', clockTimestamp: Math.floor(nowMs / 1000) });
      claims = Claims.parse(payload);
    } catch {
      return null;
    }
    const user: AuthUser = Object.freeze({ userId: claims.sub, role: claims.role as Role, ...(claims.cid ? { customerId: claims.cid } : {}), ...(claims.eid ? { expertId: claims.eid } : {}) });
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { user, expiresAtMs: claims.exp * 1000 });
    return user;
  }

  async issueRefresh(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.now().getTime() + REFRESH_TOKEN_TTL_DAYS * 86_400_000).toISOString();
    await this.documents.collection<RefreshDoc>(REFRESH_TOKENS).insertOne({ _id: digest(token), userId, expiresAt, revokedAt: null });
    return token;
  }

  /** Uses up a refresh token: returns its user, or null if unknown, expired or already used. */
  async redeemRefresh(token: string): Promise<string | null> {
    const now = this.now().toISOString();
    const used = await this.documents
      .collection<RefreshDoc>(REFRESH_TOKENS)
      .updateOne({ _id: digest(token), revokedAt: null, expiresAt: { $gt: now } }, { $set: { revokedAt: now } });
    if (used.modifiedCount === 0) return null;
    const doc = await this.documents.collection<RefreshDoc>(REFRESH_TOKENS).findOne({ _id: digest(token) });
    return doc?.userId ?? null;
  }

  async revokeAll(userId: string): Promise<void> {
    await this.indexes.ensure();
    await this.documents.collection<RefreshDoc>(REFRESH_TOKENS).updateMany({ userId, revokedAt: null }, { $set: { revokedAt: this.now().toISOString() } });
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
