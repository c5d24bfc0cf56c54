/** The sandbox gateway's card form over HTTP, and a card saved through it on the customer's profile. */
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
