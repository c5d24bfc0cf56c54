/**
 * One conformance suite for every payment gateway adapter: the sandbox, and Stripe against a
 * local fake of its API (the real Stripe when credentials are given is for the operator). Each
 * adapter's test names its cards: one that succeeds, one declined for insufficient funds, one
 * that never answers.
 */
import { randomUUID } from 'node:crypto';
import { ChargeRequest, GatewayUnavailable, PaymentGateway, RefundRefused } from './gateway';

export interface GatewayHarness {
  open(): Promise<PaymentGateway>;
  cards(gateway: PaymentGateway): Promise<{ succeeds: string; insufficientFunds: string; networkError: string }>;
  /** Charges the gateway really made (distinct idempotency keys), for "charged once" checks. */
  chargesMade(): Promise<number>;
  cleanup(): Promise<void>;
}

export function describeGatewayConformance(name: string, harness: GatewayHarness): void {
  describe(`payment gateway conformance: ${name}`, () => {
    let gateway: PaymentGateway;
    let cards: Awaited<ReturnType<GatewayHarness['cards']>>;
    beforeAll(async () => {
      gateway = await harness.open();
      cards = await harness.cards(gateway);
    });
    afterAll(() => harness.cleanup());

    const request = (gatewayToken: string, overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
      invoiceId: `inv-${randomUUID()}`,
      attempt: 1,
      customerId: 'cust-1',
      amountCents: 3999,
      currency: 'USD',
      gatewayToken,
      description: 'Sysops Squad support plans, 2026-11',
      ...overrides,
    });

    it('charges a good card the invoice total, and looks the charge up', async () => {
      const outcome = await gateway.charge(request(cards.succeeds));
      expect(outcome).toEqual({ status: 'succeeded', chargeId: expect.any(String), amountCents: 3999 });
      expect(await gateway.lookup((outcome as { chargeId: string }).chargeId)).toEqual(outcome);
    });

    it('charges once per invoice attempt, however often asked (idempotency key)', async () => {
      const before = await harness.chargesMade();
      const same = request(cards.succeeds);
      const [a, b] = await Promise.all([gateway.charge(same), gateway.charge(same)]);
      const c = await gateway.charge(same);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(await harness.chargesMade()).toBe(before + 1);
      const retry = await gateway.charge({ ...same, attempt: 2 });
      expect(retry.status).toBe('succeeded');
      expect((retry as { chargeId: string }).chargeId).not.toBe((a as { chargeId: string }).chargeId);
      expect(await harness.chargesMade()).toBe(before + 2);
    });

    it('reports a decline with its code', async () => {
      const outcome = await gateway.charge(request(cards.insufficientFunds));
      expect(outcome).toMatchObject({ status: 'declined', code: 'insufficient_funds', reason: expect.any(String) });
    });

    it('a gateway that does not answer throws GatewayUnavailable: nothing is known, the attempt may be sent again', async () => {
      await expect(gateway.charge(request(cards.networkError))).rejects.toBeInstanceOf(GatewayUnavailable);
    });

    it('refunds part of a charge, once per key, never more than was charged', async () => {
      const charged = (await gateway.charge(request(cards.succeeds, { amountCents: 5000 }))) as { chargeId: string };
      const key = `refund-${randomUUID()}`;
      const first = await gateway.refund({ chargeId: charged.chargeId, amountCents: 2000, reason: 'visit cancelled', idempotencyKey: key });
      expect(first).toEqual({ refundId: expect.any(String), amountCents: 2000 });
      expect(await gateway.refund({ chargeId: charged.chargeId, amountCents: 2000, reason: 'visit cancelled', idempotencyKey: key })).toEqual(first);
      await expect(gateway.refund({ chargeId: charged.chargeId, amountCents: 3001, reason: 'too much', idempotencyKey: `refund-${randomUUID()}` })).rejects.toMatchObject({ code: 'exceeds-charge' });
      await expect(gateway.refund({ chargeId: charged.chargeId, amountCents: 3000, reason: 'the rest', idempotencyKey: `refund-${randomUUID()}` })).resolves.toMatchObject({ amountCents: 3000 });
    });

    it('refuses to refund a charge that captured nothing (declined)', async () => {
      const declined = await gateway.charge(request(cards.insufficientFunds));
      if (declined.status !== 'declined' || declined.chargeId === null) return; // no charge to name: nothing to refund
      await expect(gateway.refund({ chargeId: declined.chargeId, amountCents: 100, reason: 'x', idempotencyKey: `refund-${randomUUID()}` })).rejects.toBeInstanceOf(RefundRefused);
    });

    it('refuses to refund an unknown charge', async () => {
      await expect(gateway.refund({ chargeId: 'pi_unknown', amountCents: 100, reason: 'x', idempotencyKey: `refund-${randomUUID()}` })).rejects.toBeInstanceOf(RefundRefused);
    });

    it('looks up an unknown charge as null', async () => {
      expect(await gateway.lookup('pi_unknown')).toBeNull();
    });
  });
}
