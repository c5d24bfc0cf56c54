/** The app shell in a real browser: each role logs in and lands on its own home; a dead session goes back to the login page. */
import { Browser, Page } from 'playwright-core';
import { startTestSystem, TestSystem, PASSWORD } from '../../api/__tests__/harness';
import { buildWebApp, describeInBrowser, launchBrowser } from './browser';

jest.setTimeout(120_000);

describeInBrowser('web app: logging in', () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  const logIn = async (email: string, password = PASSWORD) => {
    await page.goto(`${sys.url}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };

  it('a customer lands on their tickets, an expert on the open visits, helpdesk on the staff overview', async () => {
    for (const [role, home, heading] of [
      ['customer', '/portal', 'My tickets'],
      ['expert', '/field', 'Open visits'],
      ['helpdesk', '/staff', 'Welcome'],
    ] as const) {
      await logIn(sys.accounts[role].email);
      await page.getByRole('heading', { name: heading }).waitFor();
      expect(new URL(page.url()).pathname).toBe(home);
      await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe(sys.accounts[role].email);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
    }
  });

  it('an admin sees how far behind the event store each read model and saga is', async () => {
    await logIn(sys.accounts.admin.email);
    await page.getByRole('heading', { name: 'Read models and sagas' }).waitFor();
    await page.getByRole('cell', { name: 'tickets', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'matching', exact: true }).waitFor();
  });

  it('a wrong password is refused with the API’s words; another role’s page sends the user home', async () => {
    await logIn(sys.accounts.customer.email, 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('E-mail or password is wrong');
    await logIn(sys.accounts.customer.email);
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.goto(`${sys.url}/field`);
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/portal');
  });

  it('a reload keeps the session; a revoked refresh token lands on the login page with the reason', async () => {
    await logIn(sys.accounts.customer.email);
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    // Revoked elsewhere (log out everywhere): the next renewal fails.
    await page.evaluate("localStorage.setItem('sysops.refresh', 'revoked-token')");
    await page.context().clearCookies();
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await expect(page.getByText('Your session has expired').count()).resolves.toBe(1);
  });

  it('API requests are never answered with the page; unknown asset paths are 404', async () => {
    const api = await fetch(`${sys.url}/tickets`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    const page = await fetch(`${sys.url}/portal/anything`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${sys.url}/assets/nope.js`)).status).toBe(404);
  });
});
