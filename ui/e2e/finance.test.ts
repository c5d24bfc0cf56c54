/**
 * The manager's financial dashboards in a real browser, at 1280 px, over four months of billing
 * made through the API (plans bought and cancelled, invoices issued, charges failed, retried and
 * paid): a manager opens the Finance tab, reads the key figures, widens the range to the months
 * billed, reads a chart as a table and downloads it as CSV (its content checked to the cent), then
 * looks at the figures as of a past moment and goes back to the live ones. Every view is checked
 * with axe (no serious or critical violation) and photographed.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser, screenshot } from './browser';

jest.setTimeout(300_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: the financial dashboards', () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** A moment (wall clock: events are stamped with it) after March's invoice failed, before April's was issued. */
  let moment: Date;
  const checked: string[] = [];

  async function call(method: string, path: string, role: 'admin' | 'customer', at: string, body?: unknown): Promise<any> {
    sys.clock.set(at);
    const r = await sys.call(method, path, { token: await sys.token(role), ...(body !== undefined ? { body } : {}) });
    expect(r.status).toBeLessThan(300);
    return r.body;
  }

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), start: '2026-01-10T09:00:00.000Z' });
    const customer = `/customers/${sys.accounts.customer.customerId}`;
    const paid = (gatewayReference: string, amountCents: number) => ({ outcome: { kind: 'chargeSucceeded', gatewayReference, amountCents } });
    const declined = { outcome: { kind: 'chargeFailed', reason: 'card declined', gatewayCode: 'card_declined' } };
    // January: a washer plan ($19.99), billed and paid.
    const washer = await call('POST', `${customer}/plans`, 'customer', '2026-01-10T09:00:00.000Z', { product: 'washer', tier: 'standard' });
    await call('POST', `${customer}/invoices`, 'admin', '2026-01-10T10:00:00.000Z', { period: '2026-01', dueAt: '2026-01-15T00:00:00.000Z' });
    await call('POST', `${customer}/invoices/2026-01/charge-outcome`, 'admin', '2026-01-10T10:01:00.000Z', paid('ch_jan', 1999));
    // February: an oven plan too ($9.99); the invoice is declined, retried and paid on 1 March.
    await call('POST', `${customer}/plans`, 'customer', '2026-02-01T09:00:00.000Z', { product: 'oven', tier: 'basic' });
    await call('POST', `${customer}/invoices`, 'admin', '2026-02-10T10:00:00.000Z', { period: '2026-02', dueAt: '2026-02-15T00:00:00.000Z' });
    await call('POST', `${customer}/invoices/2026-02/charge-outcome`, 'admin', '2026-02-10T10:01:00.000Z', declined);
    await call('POST', `${customer}/invoices/2026-02/retry`, 'admin', '2026-03-01T08:00:00.000Z');
    await call('POST', `${customer}/invoices/2026-02/charge-outcome`, 'admin', '2026-03-01T08:01:00.000Z', paid('ch_feb', 2998));
    // March: the washer plan ends; the invoice is declined and stays unpaid.
    await call('DELETE', `${customer}/plans/${washer.planId}`, 'customer', '2026-03-05T09:00:00.000Z');
    await call('POST', `${customer}/invoices`, 'admin', '2026-03-10T10:00:00.000Z', { period: '2026-03', dueAt: '2026-03-15T00:00:00.000Z' });
    await call('POST', `${customer}/invoices/2026-03/charge-outcome`, 'admin', '2026-03-10T10:01:00.000Z', declined);
    await sys.settle();
    // Later than the moment by more than its second: the as-of picker goes to the second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    moment = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // April: issued, not paid yet.
    await call('POST', `${customer}/invoices`, 'admin', '2026-04-10T10:00:00.000Z', { period: '2026-04', dueAt: '2026-04-15T00:00:00.000Z' });
    sys.clock.set('2026-05-20T12:00:00.000Z');
    await sys.settle();

    browser = await launchBrowser();
    context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: VIEWPORT, reducedMotion: 'reduce', acceptDownloads: true });
    page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sys?.stop();
    // eslint-disable-next-line no-console
    console.log(`financial dashboards: axe: ${checked.join(', ')}`);
  });

  async function accessible(name: string): Promise<void> {
    await page.mouse.move(0, 0);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({ page: name, serious: serious.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })) }).toEqual({ page: name, serious: [] });
    checked.push(name);
  }

  /** The value under a key figure's label; waits until it reads `value`. */
  const figureReads = (label: string, value: string) =>
    page.getByTestId('key-figure').filter({ has: page.getByText(label, { exact: true }) }).locator('dd').filter({ hasText: new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor();
  const panel = (title: string) => page.getByRole('region', { name: title });
  const input = (name: string) => page.getByRole('textbox', { name, exact: true });

  it('opens the Finance tab with the months of the last 30 days', async () => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('tab', { name: 'Finance' }).click();
    await page.getByText('Whole months from April 2026 to May 2026').waitFor();
    // April's invoice is the range's revenue; March's and April's are unpaid and overdue on 20 May.
    await figureReads('Revenue recognised', '$9.99');
    await figureReads('Cash collected', '$0.00');
    await figureReads('MRR at end', '$9.99');
    await figureReads('Active subscriptions', '1');
    await figureReads('Overdue', '$19.98');
    await panel('Receivables now, by age').getByText('$19.98 in 2 invoices, $19.98 of it overdue').waitFor();
    await panel('MRR and its movement').locator('svg.recharts-surface').first().waitFor();
    await accessible('finance');
    await screenshot(page, 'manager-finance');
  });

  it('widens the range to the months billed, reads a chart as a table and downloads it as CSV', async () => {
    await input('From').fill('2026-01-01');
    await input('To').fill('2026-04-30');
    await page.getByRole('button', { name: 'Show these days' }).click();
    await page.getByText('Whole months from January 2026 to April 2026').waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-01-01');
    await figureReads('Revenue recognised', '$69.95');
    await figureReads('Cash collected', '$49.97');
    await figureReads('Failed charges', '2');
    await figureReads('Dunning recovery', '50.0 %');
    await figureReads('MRR change', '+$9.99');
    await panel('Dunning recovery').getByText('2 in the range, 1 paid since (50.0 %), 0 written off, 1 still in dunning').waitFor();

    await panel('Revenue and cash per month').getByText('Table').click();
    const table = panel('Revenue and cash per month').getByRole('table');
    await table.getByRole('row', { name: /2026-02/ }).waitFor();
    expect(await table.getByRole('row').count()).toBe(1 + 4);
    await accessible('finance (a table)');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Revenue and cash per month as CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('revenue-and-cash_2026-01_2026-04.csv');
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv).toEqual([
      'Month,Invoices,Billed (USD),Credit notes (USD),Revenue recognised (USD),Cash collected (USD),Refunds paid out (USD),Net cash (USD),Written off (USD)',
      '2026-01,1,19.99,0.00,19.99,19.99,0.00,19.99,0.00',
      '2026-02,1,29.98,0.00,29.98,0.00,0.00,0.00,0.00',
      '2026-03,1,9.99,0.00,9.99,29.98,0.00,29.98,0.00',
      '2026-04,1,9.99,0.00,9.99,0.00,0.00,0.00,0.00',
    ]);

    const [mrr] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download MRR and its movement as CSV' }).click()]);
    expect(readFileSync((await mrr.path())!, 'utf8').trim().split('\r\n')).toEqual([
      'Month,MRR at start (USD),New (USD),Expansion (USD),Contraction (USD),Churn (USD),MRR at end (USD),Active subscriptions at end',
      '2026-01,0.00,19.99,0.00,0.00,0.00,19.99,1',
      '2026-02,19.99,0.00,9.99,0.00,0.00,29.98,2',
      '2026-03,29.98,0.00,0.00,19.99,0.00,9.99,1',
      '2026-04,9.99,0.00,0.00,0.00,0.00,9.99,1',
    ]);
    await panel('Subscriptions per plan').getByText('Table').click();
    await panel('Subscriptions per plan').getByRole('row', { name: /basic oven 1 \$9\.99/ }).waitFor();
  });

  it('shows the figures as of a past moment, then the live ones again', async () => {
    await input('As of day').fill(moment.toISOString().slice(0, 10));
    await input('Time').fill(moment.toISOString().slice(11, 19));
    await page.getByRole('button', { name: 'Show as of then' }).click();
    await page.getByTestId('as-of-banner').waitFor();
    // Then, April's invoice was yet to come.
    await figureReads('Revenue recognised', '$59.96');
    await figureReads('Overdue', '$9.99');
    await panel('Receivables then, by age').waitFor();
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(new Date(Math.floor(moment.getTime() / 1000) * 1000 + 999).toISOString());
    await accessible('finance as of a past moment');
    await screenshot(page, 'manager-finance-as-of');

    await page.getByRole('button', { name: 'Back to live figures' }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    await figureReads('Revenue recognised', '$69.95');
    await panel('Receivables now, by age').waitFor();
  });
});
