/**
 * Saving a card with Stripe over HTTP: the customer begins a SetupIntent, Stripe.js confirms it in
 * the browser (here: the local fake of Stripe's API), and the server saves the card it reads back
 * from Stripe. With the sandbox gateway these routes answer 409.
 */
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { StripeFake } from '../../payments/__tests__/stripe-fake';
import { StripeGateway, stripeClient } from '../../payments/stripe';
import { PASSWORD, startTestSystem, TestSystem } from './harness';
import { expectProblem } from './scenario';

describe('saving a card with Stripe', () => {
  const fake = new StripeFake();
  const gatewayDocuments = new EmbeddedDocumentStore({ path: ':memory:' });
  let sys: TestSystem;
  let customer: string;
  beforeAll(async () => {
    const apiUrl = await fake.start();
    const gateway = new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl, timeoutMs: 5_000 }), undefined, { publishableKey: 'pk_test_local', documents: gatewayDocuments });
    sys = await startTestSystem({ paymentGateway: gateway });
    customer = await sys.token('customer');
  });
  afterAll(async () => {
    await sys.stop();
    await fake.stop();
    await gatewayDocuments.close();
  });

  const start = (token = customer, customerId = 'cust-test') => sys.call('POST', `/customers/${customerId}/payment-method/setup`, { token });
  const save = (setupId: string, key: string, token = customer, customerId = 'cust-test') =>
    sys.call('POST', `/customers/${customerId}/payment-method/from-setup`, { token, body: { setupId }, headers: { 'Idempotency-Key': key } });

  it('the web app learns that cards go through Stripe, and the key its card form loads with', async () => {
    const r = await sys.call('GET', '/web-app/config');
    expect(r.body.payments).toEqual({ gateway: 'stripe', publishableKey: 'pk_test_local' });
  });

  it('a confirmed setup saves the card as Stripe describes it; the profile shows it masked; a retry saves nothing new', async () => {
    const started = await start();
    expect(started.status).toBe(201);
    expect(started.body).toEqual({ setupId: expect.stringMatching(/^seti_/), clientSecret: expect.stringContaining('_secret_'), publishableKey: 'pk_test_local' });
    expect(fake.setupIntents.get(started.body.setupId)).toMatchObject({ usage: 'off_session', metadata: { customerId: 'cust-test' } });
    const method = fake.confirmSetup(started.body.setupId, { brand: 'mastercard', last4: '4444', exp_month: 11, exp_year: 2030 });

    const saved = await save(started.body.setupId, 'save-card-0001');
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ customerId: 'cust-test', paymentMethod: { brand: 'mastercard', last4: '4444', expiry: '2030-11', expiresBeforeBilling: null } });
    const head = await sys.services.events.headPosition();
    const again = await save(started.body.setupId, 'save-card-0001');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await sys.services.events.headPosition()).toBe(head);

    await sys.settle();
    const me = await sys.call('GET', '/customers/me', { token: customer });
    expect(me.body.paymentMethod).toEqual({ brand: 'mastercard', last4: '4444', expiry: '2030-11', expiresBeforeBilling: null });
    // The token the charges use names the Stripe Customer and the card saved to it.
    const events = await sys.services.events.readStream('customer-cust-test');
    const set = events.filter((e) => e.type === 'PaymentMethodSet').pop()!;
    expect(set.data).toMatchObject({ gatewayToken: `${fake.setupIntents.get(started.body.setupId)!.customer}/${method.id}` });
  });

  it('a setup not confirmed is refused (422); a setup of another customer and an unknown one are not found (404)', async () => {
    const pending = await start();
    const refused = await save(pending.body.setupId, 'save-card-0002');
    expectProblem(refused, 422, 'card-setup-incomplete');
    expect(refused.body.detail).toContain('requires payment method');

    // Another customer signs up and confirms a card of their own: Ann cannot save it as hers.
    const contact = { name: 'Dana Reyes', email: 'dana@example.com', phone: '+1 555 0100', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } } };
    expect((await sys.call('POST', '/auth/register', { body: { contact, notifyBy: 'sms', password: PASSWORD } })).status).toBe(201);
    const dana = (await sys.call('POST', '/auth/login', { body: { email: 'dana@example.com', password: PASSWORD } })).body.accessToken as string;
    await sys.settle();
    const danaId = (await sys.call('GET', '/customers/me', { token: dana })).body.customerId as string;
    const hers = await start(dana, danaId);
    expect(hers.status).toBe(201);
    fake.confirmSetup(hers.body.setupId);
    expectProblem(await save(hers.body.setupId, 'save-card-0003'), 404);
    expectProblem(await save('seti_nothing_here', 'save-card-0004'), 404);
    // Nor can she reach Ann's payment method at all.
    expectProblem(await start(dana, 'cust-test'), 404);
    expect((await save(hers.body.setupId, 'save-card-0005', dana, danaId)).status).toBe(200);
  });

  it('bad input is refused with the reason; staff cannot save a customer card (403)', async () => {
    const bad = await save('pm_card_visa', 'save-card-0006');
    expectProblem(bad, 400);
    expect(JSON.stringify(bad.body)).toContain('seti_');
    expectProblem(await start(await sys.token('helpdesk')), 403);
  });
});

describe('saving a card with the sandbox gateway', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
  });
  afterAll(() => sys.stop());

  it("has no card setup: 409, pointing to the sandbox's card form", async () => {
    const customer = await sys.token('customer');
    const r = await sys.call('POST', '/customers/cust-test/payment-method/setup', { token: customer });
    expectProblem(r, 409, 'gateway-has-no-card-setup');
    expect(r.body.detail).toContain('/payments/sandbox/cards');
    expectProblem(await sys.call('POST', '/customers/cust-test/payment-method/from-setup', { token: customer, body: { setupId: 'seti_1' }, headers: { 'Idempotency-Key': 'sandbox-setup-01' } }), 409);
    expect((await sys.call('GET', '/web-app/config')).body.payments).toEqual({ gateway: 'sandbox', publishableKey: null });
  });
});
