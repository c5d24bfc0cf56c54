/** The sandbox gateway's card form over HTTP, a card saved through it on the customer's profile, and Stripe's webhooks. */
import Stripe from 'stripe';
import { StripeFake } from '../../payments/__tests__/stripe-fake';
import { StripeGateway, stripeClient } from '../../payments/stripe';
import { startTestSystem, TestSystem } from './harness';
import { expectProblem } from './scenario';

describe('the sandbox card form', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  it('turns a test card into a token the customer saves as their card; the number is stored nowhere', async () => {
    const customer = await sys.token('customer');
    const saved = await sys.call('POST', '/payments/sandbox/cards', { token: customer, body: { number: '4000 0000 0000 9995', expMonth: 8, expYear: 2029 } });
    expect(saved.status).toBe(201);
    expect(saved.body).toEqual({ gatewayToken: expect.stringMatching(/^pm_sandbox_[a-z]+$/), brand: 'visa', last4: '9995', expiry: '2029-08' });
    const put = await sys.call('PUT', '/customers/cust-test/payment-method', { token: customer, body: saved.body });
    expect(put.status).toBe(200);
    const everything = JSON.stringify(await sys.services.documents.collection('_sandbox_gateway').find({}));
    expect(everything).not.toContain('4000000000009995');
  });

  it('refuses a card that is not a test card (422, with the test cards named), bad input (400), and experts (403)', async () => {
    const customer = await sys.token('customer');
    const refused = await sys.call('POST', '/payments/sandbox/cards', { token: customer, body: { number: '4111 1111 1111 1111', expMonth: 8, expYear: 2029 } });
    expectProblem(refused, 422, 'card-refused');
    expect(refused.body.detail).toContain('4242424242424242');
    expectProblem(await sys.call('POST', '/payments/sandbox/cards', { token: customer, body: { number: '4242', expMonth: 13, expYear: 2029 } }), 400);
    expectProblem(await sys.call('POST', '/payments/sandbox/cards', { token: await sys.token('expert'), body: { number: '4242424242424242', expMonth: 8, expYear: 2029 } }), 403);
  });
});

describe('Stripe webhooks over HTTP', () => {
  const SECRET = 'whsec_local_webhook_secret';
  const fake = new StripeFake();
  let sys: TestSystem;
  beforeAll(async () => {
    const apiUrl = await fake.start();
    sys = await startTestSystem({ paymentGateway: new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl }), SECRET) });
    const admin = await sys.token('admin');
    expect((await sys.call('POST', '/customers/cust-test/plans', { token: await sys.token('customer'), body: { product: 'oven', tier: 'basic' } })).status).toBe(201);
    await sys.settle();
    expect((await sys.call('POST', '/customers/cust-test/invoices', { token: admin, body: { period: '2026-03' } })).status).toBe(201);
  });
  afterAll(async () => {
    await sys.stop();
    await fake.stop();
  });

  const post = (payload: string, signature?: string) =>
    fetch(`${sys.url}/payments/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) }, body: payload });
  const succeeded = (id: string, amount: number) =>
    JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_late_1', object: 'payment_intent', status: 'succeeded', amount, amount_received: amount, metadata: { invoiceId: 'cust-test:2026-03', attempt: '1' }, last_payment_error: null } } });
  const invoice = async () => (await sys.call('GET', '/customers/cust-test/invoices/2026-03', { token: await sys.token('admin') })).body;

  it('a bad signature is refused with 400 and records nothing', async () => {
    const head = await sys.services.events.headPosition();
    const payload = succeeded('evt_bad', 1);
    const refused = await post(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' }));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('webhook-signature-invalid');
    expect((await post(payload)).status).toBe(400);
    expect(await sys.services.events.headPosition()).toBe(head);
  });

  it('a verified payment_intent.succeeded pays the invoice; Stripe redelivering it records nothing new', async () => {
    const total = (await invoice()).totalCents;
    const payload = succeeded('evt_paid_1', total);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const first = await post(payload, signature);
    expect([first.status, await first.json()]).toEqual([200, { recorded: true }]);
    expect(await invoice()).toMatchObject({ status: 'paid', gatewayReference: 'pi_late_1' });
    const head = await sys.services.events.headPosition();
    const again = await post(payload, signature);
    expect(again.status).toBe(200);
    expect(await sys.services.events.headPosition()).toBe(head);
  });
});
