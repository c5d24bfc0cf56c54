/**
 * With Stripe as the payment gateway, a customer adds a card in the web app through Stripe.js's
 * card form: Stripe confirms a SetupIntent, our server reads the card back from Stripe and shows
 * it masked. Stripe's API is the local fake; Stripe.js is a small stand-in served in its place
 * (no network): the card data never reaches our server.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { StripeFake } from '../../payments/__tests__/stripe-fake';
import { StripeGateway, stripeClient } from '../../payments/stripe';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser, screenshot } from './browser';

jest.setTimeout(180_000);

/**
 * Stands in for Stripe.js and mirrors only the calls the card form makes: Stripe(key),
 * elements().create('card') with on('change'), mount() and destroy(), and confirmCardSetup(),
 * which asks "Stripe" (the test, below) to confirm the setup the client secret names.
 */
const STRIPE_JS_STAND_IN = `
window.Stripe = function Stripe(publishableKey) {
  return {
    elements: () => ({
      create: () => {
        const frame = document.createElement('iframe');
        frame.title = 'Secure card payment input frame';
        frame.style.cssText = 'border:0;width:100%;height:22px;display:block';
        return { on() {}, mount(el) { el.appendChild(frame); }, destroy() { frame.remove(); } };
      },
    }),
    confirmCardSetup: async (clientSecret) => {
      const answer = await fetch('https://js.stripe.com/stand-in/confirm', { method: 'POST', body: publishableKey + ' ' + clientSecret });
      return answer.json();
    },
  };
};`;

describeInBrowser('web app: adding a card with Stripe', () => {
  const fake = new StripeFake();
  const gatewayDocuments = new EmbeddedDocumentStore({ path: ':memory:' });
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What the card form asked of "Stripe": the stand-in script loaded, setups confirmed. */
  const stripeJs = { loads: 0, confirms: [] as string[], declineNext: true };
  /** Any request to another host: there must be none. */
  const elsewhere: string[] = [];

  async function answerAsStripe(route: Route): Promise<void> {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('/stripe.js')) {
      stripeJs.loads++;
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: STRIPE_JS_STAND_IN });
    }
    const [publishableKey, clientSecret] = (route.request().postData() ?? '').split(' ');
    const setupId = clientSecret!.split('_secret_')[0]!;
    stripeJs.confirms.push(`${publishableKey} ${setupId}`);
    // The first card tried is declined by its bank, as Stripe.js reports it.
    const answer = stripeJs.declineNext
      ? { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } }
      : (fake.confirmSetup(setupId, { brand: 'mastercard', last4: '4444', exp_month: 11, exp_year: 2030 }), { setupIntent: { id: setupId, object: 'setup_intent', status: 'succeeded' } });
    stripeJs.declineNext = false;
    return route.fulfill({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(answer) });
  }

  beforeAll(async () => {
    const apiUrl = await fake.start();
    const gateway = new StripeGateway(stripeClient({ secretKey: StripeFake.SECRET_KEY, apiUrl, timeoutMs: 5_000 }), undefined, { publishableKey: 'pk_test_local', documents: gatewayDocuments });
    sys = await startTestSystem({ webApp: buildWebApp(), paymentGateway: gateway });
    browser = await launchBrowser();
    context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    const local = new URL(sys.url).host;
    // Registered first, matched last: everything not ours and not Stripe.js is refused and noted.
    await context.route(
      (url) => url.host !== local,
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort();
      },
    );
    await context.route('https://js.stripe.com/**', answerAsStripe);
    page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sys?.stop();
    await fake.stop();
    await gatewayDocuments.close();
  });

  async function accessible(name: string): Promise<void> {
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ page: name, serious: serious.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) })) }).toEqual({ page: name, serious: [] });
  }

  it("enters the card in Stripe's form; a declined card is said so in the form; the saved card shows masked as Stripe has it", async () => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts.customer.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();

    await page.getByRole('link', { name: 'Payment method' }).click();
    await page.getByRole('heading', { name: 'Payment method' }).waitFor();
    await page.getByTestId('no-card').waitFor();
    // Stripe's card form, not ours: no field of the page takes a card number.
    await page.getByTestId('stripe-card').locator('iframe[title="Secure card payment input frame"]').waitFor();
    expect(await page.getByLabel('Card number').count()).toBe(0);
    expect(stripeJs.loads).toBe(1);
    await accessible('payment method (Stripe card form)');

    await page.getByRole('button', { name: 'Save the card' }).click();
    await page.getByText('Your card was declined.').waitFor();
    expect(await page.getByTestId('card-on-file').count()).toBe(0);
    await accessible('payment method (Stripe declined the card)');
    await screenshot(page, 'customer-payment-method-stripe-declined');

    await page.getByRole('button', { name: 'Save the card' }).click();
    const onFile = page.getByTestId('card-on-file');
    await onFile.getByText('Expires 11/2030').waitFor();
    await expect(page.getByTestId('masked-card').textContent()).resolves.toBe('Mastercard •••• ending in 4444');
    await page.getByText('Mastercard •••• 4444 will be charged from now on.').waitFor();
    await accessible('payment method (saved with Stripe)');
    await screenshot(page, 'customer-payment-method-stripe');

    // Each try was a SetupIntent of this customer's Stripe Customer, confirmed with the publishable key.
    expect(stripeJs.confirms).toHaveLength(2);
    expect(stripeJs.confirms.every((c) => c.startsWith('pk_test_local seti_'))).toBe(true);
    const confirmed = fake.setupIntents.get(stripeJs.confirms[1]!.split(' ')[1]!)!;
    expect(confirmed).toMatchObject({ status: 'succeeded', usage: 'off_session', metadata: { customerId: 'cust-test' } });
    const me = await sys.call('GET', '/customers/me', { token: await sys.token('customer') });
    expect(me.body.paymentMethod).toEqual({ brand: 'mastercard', last4: '4444', expiry: '2030-11', expiresBeforeBilling: null });
    expect(elsewhere).toEqual([]);
  });
});
