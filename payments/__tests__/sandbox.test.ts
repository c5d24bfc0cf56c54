import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { ChargeRequest } from '../gateway';
import { CardRefused, SandboxGateway } from '../sandbox';

describe('sandbox gateway: its test cards', () => {
  let dir: string;
  let store: EmbeddedDocumentStore;
  let now = new Date('2026-11-30T12:00:00.000Z');
  let sandbox: SandboxGateway;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    store = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    now = new Date('2026-11-30T12:00:00.000Z');
    sandbox = new SandboxGateway(store, () => now);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const charge = (gatewayToken: string, attempt = 1): ChargeRequest => ({ invoiceId: 'inv-1', attempt, customerId: 'c', amountCents: 1299, currency: 'USD', gatewayToken, description: 'x' });

  it('saves a test card as a token with brand, last four and expiry (the number is kept nowhere)', async () => {
    const saved = await sandbox.saveCard({ number: '5555 5555 5555 4444', expMonth: 3, expYear: 2028 });
    expect(saved).toEqual({ gatewayToken: expect.stringMatching(/^pm_sandbox_/), brand: 'mastercard', last4: '4444', expiry: '2028-03' });
    expect(JSON.stringify(await store.collection('_sandbox_gateway').find({}))).not.toContain('5555555555554444');
  });

  it('saving with an idempotency key gives a token derived from it, and the same card again', async () => {
    const first = await sandbox.saveCard({ number: '4242424242424242', expMonth: 3, expYear: 2028 }, 'customer-1');
    expect(first.gatewayToken).toMatch(/^pm_sandbox_[a-z]{20}$/);
    expect(await sandbox.saveCard({ number: '4242424242424242', expMonth: 3, expYear: 2028 }, 'customer-1')).toEqual(first);
    expect(await new SandboxGateway(store, () => now).saveCard({ number: '4242424242424242', expMonth: 3, expYear: 2028 }, 'customer-1')).toEqual(first);
    expect((await sandbox.saveCard({ number: '4242424242424242', expMonth: 3, expYear: 2028 }, 'customer-2')).gatewayToken).not.toBe(first.gatewayToken);
    expect((await sandbox.saveCard({ number: '4242424242424242', expMonth: 3, expYear: 2028 })).gatewayToken).not.toBe(first.gatewayToken);
  });

  it('refuses cards that are not its test cards, and expired ones', async () => {
    await expect(sandbox.saveCard({ number: '4111111111111111', expMonth: 1, expYear: 2030 })).rejects.toThrow(CardRefused);
    await expect(sandbox.saveCard({ number: '4242424242424242', expMonth: 10, expYear: 2026 })).rejects.toThrow(/expired in 2026-10/);
    await expect(sandbox.saveCard({ number: '4242424242424242', expMonth: 13, expYear: 2030 })).rejects.toThrow(/month/);
  });

  it('4000 0000 0000 0341 is declined on the first attempt of an invoice and paid on a retry', async () => {
    const { gatewayToken } = await sandbox.saveCard({ number: '4000000000000341', expMonth: 12, expYear: 2029 });
    expect(await sandbox.charge(charge(gatewayToken, 1))).toMatchObject({ status: 'declined', code: 'try_again_later' });
    expect(await sandbox.charge(charge(gatewayToken, 2))).toMatchObject({ status: 'succeeded', amountCents: 1299 });
  });

  it('declines expired_card for 4000 0000 0000 0069, and for any card once its expiry has passed', async () => {
    const expiredCard = await sandbox.saveCard({ number: '4000000000000069', expMonth: 12, expYear: 2029 });
    expect(await sandbox.charge(charge(expiredCard.gatewayToken))).toMatchObject({ status: 'declined', code: 'expired_card' });
    const good = await sandbox.saveCard({ number: '4242424242424242', expMonth: 12, expYear: 2026 });
    now = new Date('2027-01-02T00:00:00.000Z');
    expect(await sandbox.charge({ ...charge(good.gatewayToken), invoiceId: 'inv-2' })).toMatchObject({ status: 'declined', code: 'expired_card' });
  });

  it('an unknown token is declined invalid_payment_method', async () => {
    expect(await sandbox.charge(charge('pm_sandbox_gone'))).toMatchObject({ status: 'declined', code: 'invalid_payment_method' });
  });

  it('keeps its charges in the store: after a restart the same attempt is the same charge', async () => {
    const { gatewayToken } = await sandbox.saveCard({ number: '4242424242424242', expMonth: 12, expYear: 2029 });
    const first = await sandbox.charge(charge(gatewayToken));
    await store.close();
    store = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    const reopened = new SandboxGateway(store, () => now);
    expect(await reopened.charge(charge(gatewayToken))).toEqual(first);
    expect(await store.collection('_sandbox_gateway').count({ kind: 'charge' })).toBe(1);
  });
});
