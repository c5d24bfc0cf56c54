/**
 * Plan prices in a real browser at 1280×800: an admin changes the premium price (a bad amount
 * first, refused with the API's words), the page says plans already bought keep their price, and
 * the customer's plans page offers the new price while the plan bought before keeps the old one;
 * a premium plan bought then is charged the new price. A price set for a later day shows under
 * today's, which purchases keep paying until then. The pages are checked with axe and screenshotted.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: support plan prices', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp() });
    // The appliances a customer can cover are the catalog's categories.
    const admin = await sys.token('admin');
    for (const [model, category] of [['WTW5000DW', 'washer'], ['WED5000DW', 'dryer']]) {
      const r = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Whirlpool', model, category, requiredSkills: [category] } });
      expect(r.status).toBe(201);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  /** A browser window of its own, logged in, whose clock reads the test system's. */
  const loggedIn = async (email: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    return page;
  };

  /** No serious or critical accessibility violation on the page as it is. */
  const axe = async (page: Page, name: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const counted = results.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
    // eslint-disable-next-line no-console
    console.log(`axe ${name}: ${results.passes.length} rules pass, ${results.violations.length} violated${counted.length ? ` — ${counted.join(', ')}` : ''}`);
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(blocking.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))).toEqual([]);
  };

  const row = (page: Page, tier: string) => page.getByTestId('plans').getByRole('row').filter({ has: page.getByRole('rowheader', { name: tier }) });

  it('an admin changes the premium price; the customer is offered it, and a plan bought before keeps its price', async () => {
    const customerId = sys.accounts.customer.customerId!;
    const before = await sys.call('POST', `/customers/${customerId}/plans`, { token: await sys.token('customer'), body: { product: 'dryer', tier: 'premium' } });
    expect(before.body.monthlyPriceCents).toBe(3999);

    const admin = await loggedIn(sys.accounts.admin.email);
    await admin.goto(`${sys.url}/staff/admin/plans`);
    await admin.getByRole('heading', { name: 'Support plans' }).waitFor();
    await row(admin, 'Premium').getByText('$39.99').waitFor();
    await row(admin, 'Premium').getByText('Launch price').waitFor();

    // A bad amount: the API's own words, and nothing changes.
    await row(admin, 'Premium').getByRole('button', { name: 'Change the Premium price' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Change the Premium price' });
    const amount = dialog.getByRole('textbox', { name: 'New monthly price (USD)' });
    await expect(amount.inputValue()).resolves.toBe('39.99');
    await amount.fill('44.999');
    await dialog.getByRole('button', { name: 'Set the new price' }).click();
    await dialog.getByRole('alert').getByText('monthlyPriceCents: give the price as a whole number of cents').waitFor();
    await amount.fill('0');
    await dialog.getByRole('button', { name: 'Set the new price' }).click();
    await dialog.getByRole('alert').getByText('monthlyPriceCents: a price is more than zero').waitFor();
    await dialog.getByText('Plans already bought keep the price they were bought at').waitFor();
    await axe(admin, 'admin plan price (bad amount)');
    expect((await sys.call('GET', '/catalog/support-plans')).body.tiers[2].monthlyPriceCents).toBe(3999);

    // Dollars and cents in, whole cents sent; the page confirms whom the change reaches.
    await amount.fill('44.99');
    await dialog.getByRole('button', { name: 'Set the new price' }).click();
    await dialog.waitFor({ state: 'detached' });
    const confirmation = admin.getByRole('status').filter({ hasText: 'Premium now costs $44.99 a month' });
    await confirmation.getByText('Plans already bought keep the price they were bought at.').waitFor();
    await row(admin, 'Premium').getByText('$44.99').waitFor();
    await row(admin, 'Premium').getByText(`by ${sys.accounts.admin.email}`).waitFor();
    await row(admin, 'Basic').getByText('$9.99').waitFor();
    await axe(admin, 'admin plans (price changed)');
    await screenshotWithoutMessages(admin, 'admin-plans');
    expect((await sys.call('GET', '/catalog/support-plans')).body.tiers[2]).toEqual({ tier: 'premium', monthlyPriceCents: 4499, currency: 'USD' });

    // The customer's plans page: the new price on offer, the dryer plan still at its own.
    const customer = await loggedIn(sys.accounts.customer.email);
    await customer.getByRole('link', { name: 'Support plans' }).click();
    await customer.getByRole('heading', { name: 'Support plans' }).waitFor();
    await customer.getByRole('radio', { name: /Premium.*\$44\.99 a month/ }).waitFor();
    const active = customer.getByTestId('active-plans');
    await expect(active.getByRole('row').filter({ hasText: 'Dryer' }).textContent()).resolves.toMatch(/Premium.*\$39\.99/);
    await customer.getByRole('combobox', { name: 'Appliance to cover' }).click();
    await customer.getByRole('option', { name: 'Washer' }).click();
    await customer.getByRole('radio', { name: /Premium/ }).click();
    await customer.getByRole('button', { name: 'Buy the plan' }).click();
    await active.getByRole('row').filter({ hasText: 'Washer' }).getByText('$44.99').waitFor();
    await axe(customer, 'customer plans (new price)');
    await screenshotWithoutMessages(customer, 'customer-plans-new-price');
    const plans = (await sys.call('GET', '/customers/me', { token: await sys.token('customer') })).body.activePlans as { product: string; monthlyPriceCents: number }[];
    expect(Object.fromEntries(plans.map((p) => [p.product, p.monthlyPriceCents]))).toEqual({ dryer: 3999, washer: 4499 });
  });

  it('an admin sets a price for a later day: today\'s purchases still pay the current one', async () => {
    const admin = await loggedIn(sys.accounts.admin.email);
    await admin.goto(`${sys.url}/staff/admin/plans`);
    await row(admin, 'Basic').getByRole('button', { name: 'Change the Basic price' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Change the Basic price' });
    await dialog.getByRole('textbox', { name: 'New monthly price (USD)' }).fill('$12.49');
    await dialog.getByRole('radio', { name: 'From a later day' }).check();
    await dialog.getByRole('button', { name: 'Set the new price' }).click();
    await dialog.getByText('Pick the day it takes effect').waitFor();
    await dialog.getByRole('textbox', { name: 'From' }).fill('2026-03-10');
    await dialog.getByRole('textbox', { name: 'From' }).press('Tab');
    await axe(admin, 'admin plan price (later day)');
    await dialog.getByRole('button', { name: 'Set the new price' }).click();
    await dialog.waitFor({ state: 'detached' });
    await admin.getByRole('status').filter({ hasText: 'Basic will cost $12.49 a month from Tue, Mar 10, 12:00 AM' }).waitFor();
    await row(admin, 'Basic').getByText('$12.49 from Tue, Mar 10, 12:00 AM').waitFor();
    // The price of today first, the one to come under it.
    await expect(row(admin, 'Basic').getByRole('cell').first().textContent()).resolves.toBe('$9.99$12.49 from Tue, Mar 10, 12:00 AM');
    const basic = (await sys.call('GET', '/catalog/support-plans', { token: await sys.token('admin') })).body.tiers[0];
    expect(basic).toMatchObject({ tier: 'basic', monthlyPriceCents: 999, nextPrice: { monthlyPriceCents: 1249, effectiveFrom: '2026-03-10T00:00:00.000Z' } });
    const today = await sys.call('POST', `/customers/${sys.accounts.customer.customerId}/plans`, { token: await sys.token('customer'), body: { product: 'oven', tier: 'basic' } });
    expect(today.body.monthlyPriceCents).toBe(999);
  });
});
