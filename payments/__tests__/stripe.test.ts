import Stripe from 'stripe';
import { chargeKey, GatewayUnavailable } from '../gateway';
import { StripeGateway, stripeClient, WebhookSignatureInvalid } from '../stripe';
import { StripeFake } from './stripe-fake';

const WEBHOOK_SECRET = 'whsec_local_test_secret';

describe('Stripe adapter', () => {
  const fake = new StripeFake();
  let gateway: StripeGateway;
  let apiUrl: string;
  beforeAll(async () => {
    apiUrl = await fake.start();
    gateway = new StripeGateway(stripeClient({ secretKey: 'sk_test_local', apiUrl, timeoutMs: 5_000 }), WEBHOOK_SECRET);
  });
  afterAll(() => fake.stop());

  const charge = (gatewayToken: string, attempt = 1) =>
    gateway.charge({ invoiceId: 'inv-7', attempt, customerId: 'cust-7', amountCents: 3999, currency: 'USD', gatewayToken, description: 'Support plans 2026-11' });

  it('confirms an off-session PaymentIntent of the saved card, keyed by invoice and attempt', async () => {
    await charge('cus_9/pm_card_visa', 3);
    const sent = fake.requests[fake.requests.length - 1]!;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents', idempotencyKey: chargeKey('inv-7', 3), authorization: 'Bearer sk_test_local' });
    expect(sent.fields).toMatchObject({ amount: '3999', currency: 'usd', customer: 'cus_9', payment_method: 'pm_card_visa', confirm: 'true', off_session: 'true', 'metadata[invoiceId]': 'inv-7', 'metadata[attempt]': '3' });
  });

  it('a PaymentIntent still processing is pending: the webhook tells the outcome', async () => {
    expect(await charge('cus_9/pm_card_processing', 4)).toEqual({ status: 'pending', chargeId: expect.stringMatching(/^pi_/) });
  });

  it('a payment method Stripe does not know is declined as invalid_payment_method (the customer enters the card again)', async () => {
    expect(await charge('cus_9/pm_gone', 5)).toMatchObject({ status: 'declined', code: 'invalid_payment_method' });
  });

  it('rejected credentials are a misconfiguration, not a decline; no answer at all is plain unavailability', async () => {
    const wrongKey = new StripeGateway(stripeClient({ secretKey: 'sk_test_wrong', apiUrl, timeoutMs: 2_000 }));
    const request = { invoiceId: 'i', attempt: 1, customerId: 'c', amountCents: 1, currency: 'USD' as const, gatewayToken: 'pm_card_visa', description: 'x' };
    await expect(wrongKey.charge(request)).rejects.toMatchObject({ name: 'GatewayUnavailable', misconfigured: true });
    const nobody = new StripeGateway(stripeClient({ secretKey: 'sk_test_local', apiUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 }));
    await expect(nobody.charge(request)).rejects.toMatchObject({ name: 'GatewayUnavailable', misconfigured: false });
    await expect(nobody.lookup('pi_1')).rejects.toBeInstanceOf(GatewayUnavailable);
  });

  describe('webhooks', () => {
    const intent = (status: string, extra: object = {}) => ({ id: 'pi_w1', object: 'payment_intent', amount: 3999, amount_received: status === 'succeeded' ? 3999 : 0, status, metadata: { invoiceId: 'inv-7', attempt: '2' }, last_payment_error: null, ...extra });
    const signed = (event: object, secret = WEBHOOK_SECRET) => {
      const payload = JSON.stringify(event);
      return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
    };

    it('a verified payment_intent.succeeded names the invoice attempt and its outcome', () => {
      const { payload, signature } = signed({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: intent('succeeded') } });
      expect(gateway.chargeNotice(payload, signature)).toEqual({ eventId: 'evt_1', invoiceId: 'inv-7', attempt: 2, outcome: { status: 'succeeded', chargeId: 'pi_w1', amountCents: 3999 } });
    });

    it('a payment_failed carries the decline code', () => {
      const failed = intent('requires_payment_method', { last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
      const { payload, signature } = signed({ id: 'evt_2', object: 'event', type: 'payment_intent.payment_failed', data: { object: failed } });
      expect(gateway.chargeNotice(payload, signature)?.outcome).toEqual({ status: 'declined', chargeId: 'pi_w1', code: 'insufficient_funds', reason: 'Your card has insufficient funds.' });
    });

    it('a bad signature, another secret or an altered body is refused', () => {
      const { payload, signature } = signed({ id: 'evt_3', object: 'event', type: 'payment_intent.succeeded', data: { object: intent('succeeded') } }, 'whsec_someone_else');
      expect(() => gateway.chargeNotice(payload, signature)).toThrow(WebhookSignatureInvalid);
      const good = signed({ id: 'evt_4', object: 'event', type: 'payment_intent.succeeded', data: { object: intent('succeeded') } });
      expect(() => gateway.chargeNotice(good.payload.replace('3999', '1'), good.signature)).toThrow(WebhookSignatureInvalid);
      expect(() => gateway.chargeNotice(good.payload, undefined)).toThrow(WebhookSignatureInvalid);
    });

    it('events about anything else are ignored', () => {
      const { payload, signature } = signed({ id: 'evt_5', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } });
      expect(gateway.chargeNotice(payload, signature)).toBeNull();
    });
  });
});
