/** Which gateway the configuration chooses, and the Stripe keys it requires together. */
import { ConfigError, loadConfig } from '../../config/config';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { paymentGatewayFor } from '../choose';

describe('payment gateway configuration', () => {
  const documents = new EmbeddedDocumentStore({ path: ':memory:' });
  afterAll(() => documents.close());
  const clock = () => new Date('2026-03-02T08:00:00.000Z');

  it('the Stripe secret key without the publishable key is a configuration error naming it', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123' })).toThrow(ConfigError);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123' })).toThrow(/STRIPE_PUBLISHABLE_KEY=.*required with STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_PUBLISHABLE_KEY: 'pk_live_abc123' })).toThrow(/same mode/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_PUBLISHABLE_KEY: 'sk_test_abc123' })).toThrow(/pk_test_/);
  });

  it('with both keys Stripe is the gateway and its card form loads with the publishable key; without, the sandbox', () => {
    const config = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123' });
    const stripe = paymentGatewayFor(config, documents, clock);
    expect(stripe.name).toBe('stripe');
    expect(stripe.publishableKey).toBe('pk_test_abc123');
    const sandbox = paymentGatewayFor(loadConfig({}), documents, clock);
    expect(sandbox.name).toBe('sandbox');
    expect(sandbox.publishableKey).toBeUndefined();
    expect(sandbox.startCardSetup).toBeUndefined();
  });
});
