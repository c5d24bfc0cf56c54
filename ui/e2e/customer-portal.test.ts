/**
 * The customer portal in a real browser, at 1280 px: a customer opens a ticket for a model the
 * catalog does not list (free text); once it is done, answers the survey from the link the
 * completion e-mail carries (found in the development outbox), without logging in; then buys a
 * support plan, saves a card (shown masked), reads the billing history and a statement, and
 * cancels the plan. Every page visited is checked with axe: no serious or critical violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestSystem, TestSystem, PASSWORD } from '../../api/__tests__/harness';
import { markPaid, shortlyBefore } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 800 };
/** Tomorrow's default window in the ticket form is 09:00–12:00 (the browser runs in UTC). */
const START = '2026-03-03T09:00:00.000Z';

interface AxeSummary {
  page: string;
  violations: { id: string; impact: string | null | undefined; nodes: number }[];
}

describeInBrowser('web app: the customer portal', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let customer: Page;
  let ticketId: string;
  let surveyPath: string;
  const checked: AxeSummary[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    await markPaid(sys, 'cust-test');
    const admin = await sys.token('admin');
    // The catalog lists a washer (the kind the free-text ticket is about), not the customer's model.
    const added = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Whirlpool', model: 'WTW5000DW', category: 'washer', requiredSkills: ['washer'] } });
    expect(added.status).toBe(201);
    browser = await launchBrowser();
    customer = await newPage();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
    // What axe found below the serious level, for the record.
    const minor = checked.flatMap((c) => c.violations.map((v) => `${c.page}: ${v.id} (${v.impact}, ${v.nodes})`));
    // eslint-disable-next-line no-console
    if (checked.length > 0) console.log(`axe: ${checked.length} pages checked; below serious: ${minor.length ? minor.join('; ') : 'none'}`);
  });

  /** A browser window of its own (separate storage) at 1280 px whose clock reads the test system's. */
  async function newPage(): Promise<Page> {
    // Reduced motion: no dialog is checked for contrast half-way through its fade-in.
    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: VIEWPORT, reducedMotion: 'reduce' });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    return page;
  }

  /** axe on the page as it is: no serious or critical violation (the others are listed at the end). */
  async function accessible(page: Page, name: string): Promise<void> {
    await page.mouse.move(0, 0); // what the last click left hovered is not the page's look
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ page: name, serious: serious.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })) }).toEqual({ page: name, serious: [] });
    checked.push({ page: name, violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })) });
  }

  it('logs in and opens a ticket for a model the catalog does not list, in free text', async () => {
    const page = customer;
    await page.goto(`${sys.url}/login`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await accessible(page, 'login');
    await screenshotWithoutMessages(page, 'customer-login');
    await page.getByLabel('E-mail').fill(sys.accounts.customer.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.getByText('No tickets yet').waitFor();
    await accessible(page, 'my tickets (none)');

    await page.getByRole('link', { name: 'Open a ticket' }).first().click();
    await page.getByRole('heading', { name: 'Open a ticket' }).waitFor();
    await page.getByRole('button', { name: 'My model is not listed' }).click();
    // Missing fields are refused in words, next to each field.
    await page.getByRole('button', { name: 'Open the ticket' }).click();
    await page.getByText('Type the brand and model as on its label').waitFor();
    await page.getByText('Pick the kind of appliance').waitFor();
    await accessible(page, 'new ticket (errors shown)');

    await page.getByLabel('Appliance model').fill('Acme SpinMaster 9');
    await page.getByRole('combobox', { name: 'Kind of appliance' }).click();
    await page.getByRole('option', { name: 'washer' }).click();
    await page.getByLabel('What is wrong?').fill('The drum does not turn and the display shows E21');
    await page.getByTestId('visit-plan').getByText(/washer/).waitFor();
    await screenshotWithoutMessages(page, 'customer-new-ticket');
    await page.getByRole('button', { name: 'Open the ticket' }).click();
    await page.getByTestId('ticket-status').getByText('open').waitFor();
    await page.getByRole('heading', { name: 'Acme SpinMaster 9' }).waitFor();
    ticketId = new URL(page.url()).pathname.split('/').pop()!;
    await accessible(page, 'ticket');
    await screenshotWithoutMessages(page, 'customer-ticket');

    // Recorded as the customer typed it: free text, no catalog model.
    const token = await sys.token('customer');
    const ticket = await sys.call('GET', `/tickets/${ticketId}`, { token });
    expect(ticket.body).toMatchObject({ appliance: { modelId: null, text: 'Acme SpinMaster 9' }, status: 'open' });

    await page.getByRole('link', { name: 'My tickets' }).click();
    await page.getByTestId('ticket-card').filter({ hasText: 'E21' }).waitFor();
    await accessible(page, 'my tickets');
    await screenshotWithoutMessages(page, 'customer-my-tickets');
  });

  it('answers the survey from the link of the completion e-mail, once, without logging in', async () => {
    // An expert takes the visit and does the job (through the API, as the expert app would).
    const expert = await sys.token('expert');
    const visitId = (await sys.call('GET', `/tickets/${ticketId}`, { token: await sys.token('customer') })).body.visits[0].visitId as string;
    expect((await sys.call('POST', `/visits/${visitId}/proposals`, { token: expert, body: { starts: [START] } })).status).toBe(200);
    await sys.settle();
    for (const [step, body] of [
      ['en-route', { eta: '2026-03-03T09:05:00.000Z' }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'replaced the motor brushes' }],
    ] as const) {
      const send = () => sys.call('POST', `/visits/${visitId}/${step}`, { token: expert, body });
      const r = step === 'en-route' ? await shortlyBefore(sys, START, send) : await send();
      expect([step, r.status]).toEqual([step, 200]);
    }
    await sys.settle();
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'motor brushes replaced' } })).status).toBe(200);
    await sys.settle();

    // The e-mail as delivered (the development outbox records it instead of sending it).
    await sys.dispatcher.dispatchDue(sys.clock.now);
    const outbox = await sys.call('GET', `/notifications/dev-outbox?ticketId=${encodeURIComponent(ticketId)}&channel=email`, { token: await sys.token('admin') });
    const mail = outbox.body.messages.find((m: { template: string }) => m.template === 'ticket-completed-survey');
    expect(mail).toMatchObject({ to: sys.accounts.customer.email });
    const link = /https?:\/\/\S+\/feedback\/[A-Za-z0-9_-]+/.exec(mail.body)?.[0];
    expect(link).toBeDefined();
    surveyPath = new URL(link!).pathname; // the link names PUBLIC_URL; the test system runs elsewhere

    // Opened in a browser that never logged in.
    const page = await newPage();
    await page.goto(`${sys.url}${surveyPath}`);
    await page.getByRole('heading', { name: 'How did we do?' }).waitFor();
    await page.getByText('Acme SpinMaster 9').waitFor();
    await page.getByText('What we did: motor brushes replaced').waitFor();
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByText('Pick a rating from 1 to 5 stars').waitFor();
    await accessible(page, 'survey (rating missing)');
    // Keyboard: the stars are radios, Space picks the focused one.
    await page.getByRole('radio', { name: '4 of 5: Satisfied' }).focus();
    await page.keyboard.press('Space');
    await page.getByText('Satisfied', { exact: true }).waitFor();
    await page.getByLabel('Anything to tell us?').fill('On time and tidy.');
    await screenshotWithoutMessages(page, 'customer-survey');
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByRole('heading', { name: 'Thank you for your feedback.' }).waitFor();
    await accessible(page, 'survey (answered)');
    await sys.settle();
    const ticket = await sys.call('GET', `/tickets/${ticketId}`, { token: await sys.token('customer') });
    expect(ticket.body.survey).toMatchObject({ rating: 4, comments: 'On time and tidy.' });

    // Single use: the same link again says so; so does a link e-mailed before the page moved (/survey/…).
    await page.goto(`${sys.url}${surveyPath}`);
    await page.getByRole('heading', { name: 'This survey was already answered' }).waitFor();
    await accessible(page, 'survey (already answered)');
    await screenshotWithoutMessages(page, 'customer-survey-used');
    await page.goto(`${sys.url}${surveyPath.replace('/feedback/', '/survey/')}`);
    await page.getByRole('heading', { name: 'This survey was already answered' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(surveyPath);

    // Unknown and expired links.
    await page.goto(`${sys.url}/feedback/${'x'.repeat(43)}`);
    await page.getByRole('heading', { name: 'This survey link is not valid' }).waitFor();
    await accessible(page, 'survey (unknown link)');
    const expired = await sys.services.surveyTokens.issue('ticket-long-ago', 'cust-test', new Date('2026-01-01T00:00:00.000Z'), 7);
    await page.goto(`${sys.url}/feedback/${expired}`);
    await page.getByRole('heading', { name: 'This survey link has expired' }).waitFor();
    await page.getByText('This survey link expired on 2026-01-08').waitFor();
    await accessible(page, 'survey (expired link)');
  });

  it('buys a support plan, saves a card shown masked, reads the billing history and a statement, cancels the plan', async () => {
    const page = customer;
    const customerId = sys.accounts.customer.customerId!;
    const token = await sys.token('customer');

    // Support plans: none yet; buy one for washers.
    await page.getByRole('link', { name: 'Support plans' }).click();
    await page.getByRole('heading', { name: 'Support plans' }).waitFor();
    await page.getByTestId('no-plans').waitFor();
    await page.getByRole('button', { name: 'Buy the plan' }).click();
    await page.getByText('Pick the appliance to cover').waitFor();
    await page.getByText('Pick a tier').waitFor();
    await accessible(page, 'support plans (none, errors shown)');
    await page.getByRole('combobox', { name: 'Appliance to cover' }).click();
    await page.getByRole('option', { name: 'Washer' }).click();
    await page.getByRole('radio', { name: /Standard/ }).click();
    await page.getByRole('button', { name: 'Buy the plan' }).click();
    const active = page.getByTestId('active-plans');
    await active.getByText('Washer').waitFor();
    await expect(active.textContent()).resolves.toMatch(/Standard.*\$19\.99/);
    await accessible(page, 'support plans');
    await screenshotWithoutMessages(page, 'customer-plans');

    // Payment method: none on file; a typo and an expired card are refused next to their field.
    await page.getByRole('link', { name: 'Payment method' }).click();
    await page.getByRole('heading', { name: 'Payment method' }).waitFor();
    await page.getByTestId('no-card').waitFor();
    await page.getByLabel('Card number').fill('4242 4242 4242 4241');
    await page.getByLabel('Expiry (MM/YY)').fill('02/26');
    await page.getByRole('button', { name: 'Save the card' }).click();
    await page.getByText('This number has a typo').waitFor();
    await page.getByText('This card has expired').waitFor();
    await accessible(page, 'payment method (errors shown)');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByTestId('brand').getByText('Visa').waitFor();
    await page.getByLabel('Expiry (MM/YY)').fill('08/29');
    await page.getByRole('button', { name: 'Save the card' }).click();
    const onFile = page.getByTestId('card-on-file');
    await onFile.getByText('Expires 08/2029').waitFor();
    await expect(page.getByTestId('masked-card').textContent()).resolves.toBe('Visa •••• ending in 4242');
    expect(await page.content()).not.toContain('4242 4242');
    await accessible(page, 'payment method');
    await screenshotWithoutMessages(page, 'customer-payment-method');
    const me = await sys.call('GET', '/customers/me', { token });
    expect(me.body.paymentMethod).toEqual({ brand: 'visa', last4: '4242', expiry: '2029-08', expiresBeforeBilling: null });

    // Billing: February paid, March's charge failed (issued and charged as the back office does).
    const admin = await sys.token('admin');
    for (const period of ['2026-02', '2026-03']) expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period } })).status).toBe(201);
    const outcome = (period: string, body: unknown) => sys.call('POST', `/customers/${customerId}/invoices/${period}/charge-outcome`, { token: admin, body: { outcome: body } });
    expect((await outcome('2026-02', { kind: 'chargeSucceeded', gatewayReference: 'ch_feb_1', amountCents: 1999 })).status).toBe(200);
    expect((await outcome('2026-03', { kind: 'chargeFailed', reason: 'insufficient funds', gatewayCode: 'card_declined' })).status).toBe(200);
    await sys.settle();

    await page.getByRole('link', { name: 'Billing history' }).click();
    await page.getByRole('heading', { name: 'Billing history' }).waitFor();
    await page.getByTestId('invoice').nth(1).waitFor();
    const rows = await page.getByTestId('invoice').allTextContents();
    expect(rows[0]).toMatch(/March 2026.*\$19\.99.*Payment failed/);
    expect(rows[1]).toMatch(/February 2026.*\$19\.99.*Paid/);
    await expect(page.getByTestId('billing-summary').textContent()).resolves.toMatch(/Invoices2Paid\$19\.99Due\$19\.99/);
    await accessible(page, 'billing history');
    await screenshotWithoutMessages(page, 'customer-billing');
    await page.locator('label').filter({ hasText: /^Paid$/ }).click();
    await page.getByTestId('invoice').nth(1).waitFor({ state: 'detached' });
    await expect(page.getByTestId('invoice').allTextContents()).resolves.toEqual([expect.stringMatching(/^February 2026/)]);
    await page.locator('label').filter({ hasText: /^All$/ }).click();
    await page.getByTestId('invoice').nth(1).waitFor();

    await page.getByRole('link', { name: 'March 2026' }).click();
    await page.getByRole('heading', { name: 'Statement for March 2026' }).waitFor();
    await expect(page.getByTestId('statement-lines').textContent()).resolves.toMatch(/Washer.*Standard.*\$19\.99.*Total.*\$19\.99/);
    await page.getByText(/Attempt 1, .*: insufficient funds/).waitFor();
    await accessible(page, 'statement');
    await screenshotWithoutMessages(page, 'customer-statement');
    await page.goto(`${sys.url}/portal/billing/2025-01`);
    await page.getByTestId('no-statement').waitFor();

    // Cancel the plan: confirmed in a dialog; it moves to the cancelled plans.
    await page.getByRole('link', { name: 'Support plans' }).click();
    await page.getByRole('button', { name: 'Cancel the Washer plan' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Repairs of your washer will no longer be covered').waitFor();
    await accessible(page, 'support plans (cancel dialog)');
    await dialog.getByRole('button', { name: 'Cancel the plan' }).click();
    await page.getByTestId('no-plans').waitFor();
    await page.getByTestId('cancelled-plans').getByText('Washer').waitFor();
    expect((await sys.call('GET', '/customers/me', { token })).body.activePlans).toEqual([]);
  });
});
