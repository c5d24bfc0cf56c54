/** Saving a card with Stripe: a SetupIntent the browser confirms, read back from Stripe, never from the browser. */
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { CardSetupRefused, GatewayUnavailable } from '../gateway';
import { STRIPE_CUSTOMERS_COLLECTION, StripeGateway, stripeClient } from '../stripe';
import { StripeFake } from './stripe-fake';

describe('Stripe adapter: saving a card', () => {
  const fake = new StripeFake();
  const documents = new EmbeddedDocumentStore({ path: ':memory:' });
  let gateway: StripeGateway;
  let apiUrl: string;
  const ann = { customerId: 'cust-ann', name: 'Ann Smith', email: 'ann@example.com' };
  const bob = { customerId: 'cust-bob', name: 'Bob Jones', email: 'bob@example.com' };
  beforeAll(async () => {
    apiUrl = await fake.start();
    gateway = new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl, timeoutMs: 5_000 }), undefined, { publishableKey: 'pk_test_local', documents });
  });
  afterAll(async () => {
    await fake.stop();
    await documents.close();
  });

  it('starts an off-session SetupIntent on the Stripe Customer it creates once and remembers', async () => {
    const first = await gateway.startCardSetup(ann);
    expect(first).toEqual({ setupId: expect.stringMatching(/^seti_/), clientSecret: expect.stringContaining('_secret_'), publishableKey: 'pk_test_local' });
    const second = await gateway.startCardSetup(ann);
    const intents = [fake.setupIntents.get(first.setupId)!, fake.setupIntents.get(second.setupId)!];
    expect(intents.map((i) => i.usage)).toEqual(['off_session', 'off_session']);
    expect(intents[0]!.customer).toMatch(/^cus_/);
    expect(intents[1]!.customer).toBe(intents[0]!.customer);
    expect(fake.requests.filter((r) => r.path === '/v1/customers')).toHaveLength(1);
    expect(fake.customers.get(intents[0]!.customer!)).toMatchObject({ email: 'ann@example.com', metadata: { customerId: 'cust-ann' } });
    expect(await documents.collection(STRIPE_CUSTOMERS_COLLECTION).findOne({ _id: 'cust-ann' })).toMatchObject({ stripeCustomer: intents[0]!.customer });
  });

  it('a confirmed setup gives the card as Stripe describes it, with a token an off-session charge takes', async () => {
    const { setupId } = await gateway.startCardSetup(ann);
    const method = fake.confirmSetup(setupId, { brand: 'mastercard', last4: '4444', exp_month: 3, exp_year: 2031 });
    const card = await gateway.cardOfSetup(ann, setupId);
    const customer = fake.setupIntents.get(setupId)!.customer;
    expect(card).toEqual({ gatewayToken: `${customer}/${method.id}`, brand: 'mastercard', last4: '4444', expiry: '2031-03' });
    const charged = await gateway.charge({ invoiceId: 'inv-1', attempt: 1, customerId: 'cust-ann', amountCents: 1999, currency: 'USD', gatewayToken: card.gatewayToken, description: 'plans' });
    expect(charged).toMatchObject({ status: 'succeeded', amountCents: 1999 });
    expect(fake.requests[fake.requests.length - 1]!.fields).toMatchObject({ customer: customer, payment_method: method.id, off_session: 'true' });
  });

  it('brands Stripe knows and we do not name are other', async () => {
    const { setupId } = await gateway.startCardSetup(ann);
    fake.confirmSetup(setupId, { brand: 'jcb', last4: '0000', exp_month: 12, exp_year: 2030 });
    expect(await gateway.cardOfSetup(ann, setupId)).toMatchObject({ brand: 'other', last4: '0000', expiry: '2030-12' });
  });

  it("another customer's setup is refused as unknown, one not confirmed as incomplete, a missing one as unknown", async () => {
    const { setupId } = await gateway.startCardSetup(ann);
    fake.confirmSetup(setupId);
    await gateway.startCardSetup(bob);
    await expect(gateway.cardOfSetup(bob, setupId)).rejects.toMatchObject({ name: 'CardSetupRefused', code: 'unknown-setup' });
    const pending = await gateway.startCardSetup(ann);
    await expect(gateway.cardOfSetup(ann, pending.setupId)).rejects.toMatchObject({ code: 'setup-incomplete', message: expect.stringContaining('requires payment method') });
    await expect(gateway.cardOfSetup(ann, 'seti_nothing')).rejects.toBeInstanceOf(CardSetupRefused);
    // A customer who never began a setup has no Stripe Customer: nothing of theirs to save.
    await expect(gateway.cardOfSetup({ customerId: 'cust-new', name: 'N', email: 'n@example.com' }, setupId)).rejects.toMatchObject({ code: 'unknown-setup' });
  });

  it('without the publishable key cards cannot be entered: a misconfiguration', async () => {
    const bare = new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl }));
    expect(bare.publishableKey).toBeUndefined();
    await expect(bare.startCardSetup(ann)).rejects.toMatchObject({ name: 'GatewayUnavailable', misconfigured: true });
    const nobody = new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 }), undefined, { publishableKey: 'pk_test_local', documents });
    await expect(nobody.startCardSetup(bob)).rejects.toBeInstanceOf(GatewayUnavailable);
  });
});
