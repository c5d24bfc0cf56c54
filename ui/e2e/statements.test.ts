/**
 * Statements in a real browser, at 1280 px: a customer with three months of billing (paid,
 * declined, then issued again) opens their billing history, downloads an invoice as PDF, picks a
 * month's statement (opening balance, activity, closing balance) and downloads it as PDF; helpdesk
 * sees the customer in dunning with the decline and the next retry, and follows the link to them.
 * Every page is checked with axe: no serious or critical violation.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: invoices, statements and dunning', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let customerId: string;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), start: '2026-03-02T08:00:00.000Z' });
    customerId = sys.accounts.customer.customerId!;
    const admin = await sys.token('admin');
    const customer = await sys.token('customer');
    expect((await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } })).status).toBe(201);
    // Billed as the back office does: March paid, April declined; May issued.
    const issue = async (period: string) => expect((await sys.call('POST', `/customers/${customerId}/invoices`, { token: admin, body: { period } })).status).toBe(201);
    const outcome = async (period: string, body: unknown) => expect((await sys.call('POST', `/customers/${customerId}/invoices/${period}/charge-outcome`, { token: admin, body: { outcome: body } })).status).toBe(200);
    await issue('2026-03');
    await outcome('2026-03', { kind: 'chargeSucceeded', gatewayReference: 'ch_march', amountCents: 1999 });
    sys.clock.set('2026-04-01T06:00:00.000Z');
    await issue('2026-04');
    await outcome('2026-04', { kind: 'chargeFailed', reason: 'Your card has insufficient funds.', gatewayCode: 'insufficient_funds' });
    sys.clock.set('2026-05-01T06:00:00.000Z');
    await issue('2026-05');
    await sys.settle();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  /** A browser window of its own at 1280 px, in UTC, whose clock reads the test system's, logged in. */
  async function signedIn(role: 'customer' | 'helpdesk'): Promise<Page> {
    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: VIEWPORT, reducedMotion: 'reduce', acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts[role].email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    return page;
  }

  /** No serious or critical accessibility violation on the page as it is. */
  async function axe(page: Page, name: string): Promise<void> {
    await page.mouse.move(0, 0);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ page: name, blocking: blocking.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })) }).toEqual({ page: name, blocking: [] });
  }

  /** Clicks what downloads a file; returns its name and bytes. */
  async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
  }

  it('a customer downloads an invoice, reads a month’s statement and downloads it, as PDF', async () => {
    const page = await signedIn('customer');
    await page.getByRole('link', { name: 'Billing history' }).click();
    await page.getByRole('heading', { name: 'Billing history' }).waitFor();
    await page.getByTestId('invoice').nth(2).waitFor();
    await page.getByTestId('statement-picker').getByText('Balance owed: $39.98').waitFor();
    await axe(page, 'billing history');
    await screenshotWithoutMessages(page, 'customer-billing-pdf');

    const invoice = await downloaded(page, () => page.getByRole('button', { name: 'Download the invoice for March 2026 (PDF)' }).click());
    expect(invoice.name).toBe(`invoice-2026-03-${customerId}.pdf`);
    expect(invoice.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // The statement of a month with activity, picked from the months that have some.
    await page.getByRole('combobox', { name: 'Monthly statement' }).click();
    await page.getByRole('option', { name: 'April 2026' }).click();
    await page.getByRole('heading', { name: 'Statement for April 2026' }).waitFor();
    await expect(page.getByTestId('statement-summary').textContent()).resolves.toMatch(/Opening balance\$0\.00Invoiced\$19\.99Paid\$0\.00Closing balance\$19\.99/);
    const entries = await page.getByTestId('statement-entry').allTextContents();
    expect(entries).toEqual([expect.stringMatching(/^Apr 1, 2026InvoiceInvoice for April 2026\$19\.99\$19\.99$/)]);
    // That month's invoice below, with its failed attempt.
    await page.getByRole('heading', { name: 'Invoice for April 2026' }).waitFor();
    await page.getByText(/Attempt 1, .*: Your card has insufficient funds\./).waitFor();
    await axe(page, 'statement');
    await screenshotWithoutMessages(page, 'customer-statement-pdf');

    const statement = await downloaded(page, () => page.getByRole('button', { name: 'Download statement (PDF)' }).click());
    expect(statement.name).toBe(`statement-2026-04-${customerId}.pdf`);
    expect(statement.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const april = await downloaded(page, () => page.getByRole('button', { name: 'Download invoice (PDF)' }).click());
    expect(april.name).toBe(`invoice-2026-04-${customerId}.pdf`);
    expect(april.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // A month before the first invoice has no statement.
    await page.goto(`${sys.url}/portal/billing/2026-01`);
    await page.getByTestId('no-statement').waitFor();
  });

  it('helpdesk sees the customer in dunning, with the decline and the next retry, and a link to them', async () => {
    const page = await signedIn('helpdesk');
    await page.goto(`${sys.url}/staff/helpdesk`);
    await page.getByRole('link', { name: 'Dunning' }).click();
    await page.getByRole('heading', { name: 'Customers in dunning' }).waitFor();
    const row = page.getByTestId('dunning-item');
    await row.first().waitFor();
    await expect(row.allTextContents()).resolves.toEqual([expect.stringMatching(/Casey Customer.*April 2026\$19\.991 of 4Your card has insufficient funds\.insufficient_funds.*Apr 2, 2026Retry now/)]);
    await axe(page, 'dunning');
    await screenshotWithoutMessages(page, 'helpdesk-dunning');

    await page.locator('label').filter({ hasText: /^Past due$/ }).click();
    await page.getByTestId('no-dunning').waitFor();
    await page.locator('label').filter({ hasText: /^All$/ }).click();
    await row.first().waitFor();

    await page.getByRole('link', { name: 'Casey Customer' }).click();
    await page.waitForURL(`**/staff/helpdesk/new?customer=${customerId}`);
  });
});
