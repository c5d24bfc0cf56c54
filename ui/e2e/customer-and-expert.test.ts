/**
 * The customer portal and the expert app in a real browser, together: a customer opens a ticket
 * from the catalog, an expert proposes a start from the feed, the customer's page shows the visit
 * booked without a reload, and the expert's "on my way" reaches the customer as an ETA.
 */
import { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestSystem, TestSystem, PASSWORD } from '../../api/__tests__/harness';
import { markPaid } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser } from './browser';

jest.setTimeout(180_000);

describeInBrowser('web app: a customer and an expert', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    await markPaid(sys, 'cust-test');
    const admin = await sys.token('admin');
    const added = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Whirlpool', model: 'WTW5000DW', category: 'washer', requiredSkills: ['washer'] } });
    expect(added.status).toBe(201);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  /** A browser window of its own (separate storage) whose clock reads the test system's. */
  const signedIn = async (role: 'customer' | 'expert'): Promise<Page> => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts[role].email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    return page;
  };

  it('opens a ticket, gets it matched by the expert, and sees the expert coming, all live', async () => {
    const customer = await signedIn('customer');
    await customer.getByRole('heading', { name: 'My tickets' }).waitFor();
    await customer.getByRole('link', { name: 'Open a ticket' }).first().click();

    // The form refuses what is missing, in words.
    await customer.getByRole('button', { name: 'Open the ticket' }).click();
    await customer.getByText('Pick your appliance, or type it if it is not listed').waitFor();
    await customer.getByText('Tell us what is wrong').waitFor();

    await customer.getByRole('combobox', { name: 'Appliance' }).fill('WTW5');
    await customer.getByRole('option', { name: /Whirlpool WTW5000DW/ }).click();
    await customer.getByLabel('What is wrong?').fill('Leaks water during the spin cycle');
    await customer.getByTestId('visit-plan').getByText(/washer/).waitFor();
    await customer.getByRole('button', { name: 'Open the ticket' }).click();
    await customer.getByTestId('ticket-status').getByText('open').waitFor();
    const ticketUrl = customer.url();
    expect(ticketUrl).toMatch(/\/portal\/tickets\//);

    const expert = await signedIn('expert');
    await expert.getByRole('heading', { name: 'Open visits' }).waitFor();
    const card = expert.getByTestId('feed-visit').filter({ hasText: 'washer' });
    await card.getByRole('button', { name: 'Propose times' }).click();
    // Tomorrow's window 09:00–12:00 with a 90-minute visit: starts from 09:00 to 10:30.
    await expert.getByRole('dialog').getByText(/09:00/).first().click();
    await expect(expert.getByRole('checkbox').first().isChecked()).resolves.toBe(true);
    await expert.getByRole('button', { name: /^Propose 1 start$/ }).click();
    await expert.getByText('Proposed').waitFor();

    // The matching saga books the expert; the customer's page changes without a reload.
    await customer.getByTestId('visit').getByText('finalized').waitFor({ timeout: 20_000 });
    await customer.getByTestId('visit').getByText('Expert: exp-test').waitFor();

    // The morning of the visit (an expert goes en route only shortly before it starts).
    sys.clock.set('2026-03-03T08:30:00.000Z');
    for (const page of [customer, expert]) await page.clock.setSystemTime(sys.clock.now);
    await expert.getByRole('link', { name: 'My schedule' }).click();
    await expert.getByTestId('scheduled-visit').first().click();
    await expert.getByRole('button', { name: 'On my way' }).click();
    await expert.getByTestId('visit-status').getByText('en-route').waitFor();
    await customer.getByTestId('eta').waitFor({ timeout: 20_000 });
    await expect(customer.getByTestId('eta').textContent()).resolves.toContain('Your expert is on the way');
  });
});
