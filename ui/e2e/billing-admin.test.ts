/**
 * Customer billing in the staff console, in a real browser at 1280×800, with the payments saga
 * running on the sandbox gateway: the customer's plan was billed and charged to their card; the
 * admin finds them, refunds part of the paid invoice and sees the gateway refund it, issues a
 * credit note, and a bad amount is refused in the API's words. Helpdesk reads the same page
 * without the forms. Each page is checked with axe (no serious or critical violation) and
 * screenshotted.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: customer billing (refunds and credit notes)', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let customerId: string;
  let period: string;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true, payments: true });
    customerId = sys.accounts.customer.customerId!;
    const customer = await sys.token('customer');
    const card = await sys.call('POST', '/payments/sandbox/cards', { token: customer, body: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 } });
    expect((await sys.call('PUT', `/customers/${customerId}/payment-method`, { token: customer, body: card.body })).status).toBe(200);
    // The first purchase bills its first period at once; the sandbox card pays it.
    expect((await sys.call('POST', `/customers/${customerId}/plans`, { token: customer, body: { product: 'washer', tier: 'standard' } })).status).toBe(201);
    await sys.settle();
    const history = await sys.call('GET', `/customers/${customerId}/invoices`, { token: await sys.token('admin') });
    expect(history.body.invoices).toEqual([expect.objectContaining({ status: 'paid', totalCents: 1999 })]);
    period = history.body.invoices[0].period;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  const window = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    return page;
  };

  const logIn = async (page: Page, email: string) => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
  };

  const axe = async (page: Page, name: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const counted = results.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
    // eslint-disable-next-line no-console
    console.log(`axe ${name}: ${results.passes.length} rules pass, ${results.violations.length} violated${counted.length ? ` — ${counted.join(', ')}` : ''}`);
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(blocking.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))).toEqual([]);
  };

  const monthOf = (p: string) => new Date(`${p}-01T00:00:00Z`).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

  it('an admin refunds part of a paid invoice and sees it refunded, issues a credit note, and a bad amount gets the API’s words', async () => {
    const page = await window();
    await logIn(page, sys.accounts.admin.email);
    await page.getByRole('link', { name: 'Customer billing' }).click();
    await page.getByRole('textbox', { name: 'Customer' }).fill('Casey');
    await page.getByTestId('billing-customers').getByRole('link', { name: 'Casey Customer' }).click();
    await page.getByTestId('staff-invoice').first().waitFor();
    await axe(page, 'billing customer');
    await page.getByRole('button', { name: `Open ${monthOf(period)}` }).click();
    const panel = page.getByTestId('invoice-panel');
    await panel.waitFor();

    // A bad amount: the form sends it, the API refuses it and its message is shown.
    const refund = panel.getByRole('form', { name: 'Refund' });
    await refund.getByLabel('Refund amount (USD)').fill('0');
    await refund.getByLabel('Refund reason').fill('visit cancelled');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await expect(refund.getByRole('alert').textContent()).resolves.toMatch(/Invalid request.*amountCents: more than 0 cents/);
    await refund.getByLabel('Refund amount (USD)').fill('4.005');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await refund.getByRole('alert').getByText('amountCents: a whole number of cents').waitFor();
    // More than was paid: a rule of the invoice, in its words.
    await refund.getByLabel('Refund amount (USD)').fill('25.00');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await refund.getByRole('alert').getByText(/has 1999 cents of its payment left to refund/).waitFor();
    // Nothing typed: said by the form before anything is sent.
    await refund.getByLabel('Refund amount (USD)').fill('five');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await refund.getByText('Type the amount in dollars and cents, e.g. 12.50').waitFor();

    await refund.getByLabel('Refund amount (USD)').fill('5.50');
    await refund.getByRole('button', { name: 'Refund' }).click();
    await page.getByText('Refund of $5.50 asked of the payment gateway.').waitFor();
    // The payments saga refunds through the gateway; the page looks again until it is done.
    await panel.getByTestId('refunds').getByText('Refunded', { exact: true }).waitFor();
    await expect(panel.getByTestId('refunds').textContent()).resolves.toMatch(/\$5\.50: visit cancelled/);
    await expect(page.getByTestId('staff-invoice').first().textContent()).resolves.toMatch(/\$19\.99\$0\.00\$0\.00\$5\.50Paid/);

    const credit = panel.getByRole('form', { name: 'Credit note' });
    await credit.getByLabel('Credit note amount (USD)').fill('2.50');
    await credit.getByLabel('Credit note reason').fill('technician was late');
    await credit.getByRole('button', { name: 'Issue the credit note' }).click();
    await page.getByText('Credit note of $2.50 issued.').waitFor();
    await expect(panel.getByTestId('credit-notes').textContent()).resolves.toMatch(/\$2\.50: technician was late/);
    await expect(page.getByTestId('staff-invoice').first().textContent()).resolves.toMatch(/\$19\.99\$0\.00\$2\.50\$5\.50Paid/);
    await axe(page, 'billing invoice');
    await screenshotWithoutMessages(page, 'staff-billing');

    const invoice = await sys.call('GET', `/customers/${customerId}/invoices/${period}`, { token: await sys.token('admin') });
    expect(invoice.body).toMatchObject({ refundedCents: 550, credits: [expect.objectContaining({ amountCents: 250 })], refunds: [expect.objectContaining({ amountCents: 550, status: 'refunded' })] });
  });

  it('helpdesk reads the invoices, with no refund or credit note form', async () => {
    const page = await window();
    await logIn(page, sys.accounts.helpdesk.email);
    await page.goto(`${sys.url}/staff/billing/${customerId}`);
    await page.getByRole('button', { name: `Open ${monthOf(period)}` }).click();
    await page.getByTestId('invoice-panel').getByTestId('refunds').waitFor();
    expect(await page.getByRole('form', { name: 'Refund' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Credit note' }).count()).toBe(0);
    await axe(page, 'billing helpdesk');
  });
});
