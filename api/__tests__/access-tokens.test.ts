import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { ACCESS_TOKEN_TTL_SECONDS, TokenService, VERIFIED_TOKENS_KEPT } from '../auth/tokens';

describe('access tokens', () => {
  // Access tokens are signed and checked on the machine's clock.
  const setClock = (at: Date) => jest.setSystemTime(at);
  const tokens = () => new TokenService('a-secret-long-enough-for-the-tests-0123456789', new EmbeddedDocumentStore({ path: ':memory:' }));
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    setClock(new Date('2026-03-02T10:00:00Z'));
  });
  afterEach(() => jest.useRealTimers());

  it('gives the caller of a token, again and again', () => {
    const service = tokens();
    const { accessToken } = service.issueAccess({ userId: 'u-1', role: 'customer', customerId: 'c-1' });
    expect(service.verifyAccess(accessToken)).toEqual({ userId: 'u-1', role: 'customer', customerId: 'c-1' });
    expect(service.verifyAccess(accessToken)).toEqual({ userId: 'u-1', role: 'customer', customerId: 'c-1' });
  });

  it('refuses a remembered token once it has expired', () => {
    const service = tokens();
    const { accessToken } = service.issueAccess({ userId: 'u-1', role: 'helpdesk' });
    expect(service.verifyAccess(accessToken)).not.toBeNull();
    const { exp, iat } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(exp - iat).toBe(ACCESS_TOKEN_TTL_SECONDS);
    setClock(new Date(exp * 1000 - 1));
    expect(service.verifyAccess(accessToken)).not.toBeNull();
    setClock(new Date(exp * 1000));
    expect(service.verifyAccess(accessToken)).toBeNull();
    expect(service.verifyAccess(accessToken)).toBeNull();
  });

  it('refuses a token whose signature or claims were changed, even after the genuine one was seen', () => {
    const service = tokens();
    const { accessToken } = service.issueAccess({ userId: 'u-1', role: 'customer', customerId: 'c-1' });
    expect(service.verifyAccess(accessToken)).not.toBeNull();
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    expect(service.verifyAccess(`${header}.${promoted}.${signature}`)).toBeNull();
    expect(service.verifyAccess(`${header}.${payload}.${signature.slice(0, -2)}AA`)).toBeNull();
    const other = new TokenService('another-secret-long-enough-for-the-tests-987654', new EmbeddedDocumentStore({ path: ':memory:' }));
    expect(other.verifyAccess(accessToken)).toBeNull();
  });

  it('keeps a bounded number of tokens and still verifies the ones it let go', () => {
    const service = tokens();
    const issued = Array.from({ length: VERIFIED_TOKENS_KEPT + 10 }, (_, i) => service.issueAccess({ userId: `u-${i}`, role: 'expert', expertId: `e-${i}` }).accessToken);
    for (const token of issued) service.verifyAccess(token);
    expect((service as unknown as { verified: Map<string, unknown> }).verified.size).toBe(VERIFIED_TOKENS_KEPT);
    expect(service.verifyAccess(issued[0]!)).toEqual({ userId: 'u-0', role: 'expert', expertId: 'e-0' });
  });
});
