import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/decider';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { SURVEY_TOKENS, SurveyTokenDoc, SurveyTokens } from '../survey-tokens';

const SECRET = 'a-survey-secret-of-some-length';
const T0 = new Date('2026-03-02T08:00:00.000Z');
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  return 'no error';
}

describe('survey tokens', () => {
  let documents: EmbeddedDocumentStore;
  let tokens: SurveyTokens;
  beforeEach(() => {
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
    tokens = new SurveyTokens(documents, SECRET);
  });
  afterEach(() => documents.close());

  it('issues a URL-safe token, the same for the same ticket, and stores only its hash', async () => {
    const token = await tokens.issue('t1', 'c1', T0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await tokens.issue('t1', 'c1', days(3))).toBe(token);
    expect(await tokens.issue('t2', 'c1', T0)).not.toBe(token);
    expect(new SurveyTokens(documents, 'another-secret-of-length').tokenFor('t1')).not.toBe(token);

    const stored = await documents.collection<SurveyTokenDoc>(SURVEY_TOKENS).find({});
    expect(stored).toHaveLength(2);
    const first = stored.find((d) => d.ticketId === 't1')!;
    expect(first).toEqual({
      _id: createHash('sha256').update(token).digest('hex'),
      ticketId: 't1',
      customerId: 'c1',
      issuedAt: T0.toISOString(),
      expiresAt: days(30).toISOString(),
      usedAt: null,
    });
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('redeems once; a second use is refused', async () => {
    const token = await tokens.issue('t1', 'c1', T0);
    expect(await tokens.verify(token, days(1))).toEqual({ ticketId: 't1', customerId: 'c1' });
    expect(await tokens.redeem(token, days(1))).toEqual({ ticketId: 't1', customerId: 'c1' });
    expect(await code(tokens.redeem(token, days(2)))).toBe('survey-token-used');
    expect(await code(tokens.verify(token, days(2)))).toBe('survey-token-used');
    // Issuing again (the saga re-handling TicketCompleted) does not revive it.
    await tokens.issue('t1', 'c1', days(3));
    expect(await code(tokens.redeem(token, days(3)))).toBe('survey-token-used');
  });

  it('of two concurrent redemptions only one succeeds', async () => {
    const token = await tokens.issue('t1', 'c1', T0);
    const results = await Promise.allSettled([tokens.redeem(token, days(1)), tokens.redeem(token, days(1))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('expires after its validity', async () => {
    const token = await tokens.issue('t1', 'c1', T0, 7);
    expect(await code(tokens.redeem(token, days(7)))).toBe('survey-token-expired');
    const other = await tokens.issue('t2', 'c1', T0);
    expect(await tokens.redeem(other, days(29))).toMatchObject({ ticketId: 't2' });
  });

  it('an unknown or malformed token is refused', async () => {
    await tokens.issue('t1', 'c1', T0);
    expect(await code(tokens.redeem(tokens.tokenFor('t-never-issued'), T0))).toBe('survey-token-unknown');
    expect(await code(tokens.redeem('../../etc/passwd', T0))).toBe('survey-token-unknown');
    expect(await code(tokens.redeem('', T0))).toBe('survey-token-unknown');
  });

  it('needs a real secret', () => {
    expect(() => new SurveyTokens(documents, 'short')).toThrow(/secret/);
  });
});
