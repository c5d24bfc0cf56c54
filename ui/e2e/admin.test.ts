/**
 * The administration console in a real browser at 1280×800: an admin onboards an expert with
 * skills and weekly hours (a bad form first, refused with the API's words), gives them time off,
 * and the new expert logs in and finds the visits that need their skill (not the others);
 * staff accounts are created and disabled; a catalog model is retired with its successor and
 * free text is kept as a model's alias; the plan tiers are listed. Each page is checked with axe
 * (no serious or critical violation) and screenshotted.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { markPaid, openTicket, ticketBody, windowOn } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: the administration console', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: string;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    await markPaid(sys, 'cust-test');
    admin = await sys.token('admin');
    for (const model of ['SHX3AR75UC', 'SHX5AV55UC']) {
      const r = await sys.call('POST', '/catalog/models', { token: admin, body: { brand: 'Bosch', model, category: 'dishwasher', requiredSkills: ['dishwasher'] } });
      expect(r.status).toBe(201);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  /** A browser window of its own whose clock reads the test system's. */
  const window = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    return page;
  };

  const logIn = async (page: Page, email: string, password = PASSWORD) => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
  };

  const asAdmin = async (path: string): Promise<Page> => {
    const page = await window();
    await logIn(page, sys.accounts.admin.email);
    await page.goto(`${sys.url}${path}`);
    return page;
  };

  /** No serious or critical accessibility violation on the page as it is (the rest is printed). */
  const axe = async (page: Page, name: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const counted = results.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
    // eslint-disable-next-line no-console
    console.log(`axe ${name}: ${results.passes.length} rules pass, ${results.violations.length} violated${counted.length ? ` — ${counted.join(', ')}` : ''}`);
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(blocking.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))).toEqual([]);
  };

  it('onboards an expert with skills and weekly hours, who then logs in and sees the visits that need their skill', async () => {
    // Visits waiting: one for a dishwasher expert, one for an oven expert (nobody has either skill yet).
    await openTicket(sys, await sys.token('customer'), ticketBody({ applianceModelText: 'Bosch dishwasher', problem: 'Dishwasher does not drain', visits: [{ skills: ['dishwasher'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(3, '09:00', '12:00')] }] }));
    await openTicket(sys, await sys.token('customer'), ticketBody({ applianceModelText: 'Oven', problem: 'Oven does not heat', visits: [{ skills: ['oven'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(3, '09:00', '12:00')] }] }));

    const page = await asAdmin('/staff/admin');
    await page.getByRole('heading', { name: 'Experts' }).waitFor();
    await page.getByTestId('experts').getByRole('link', { name: 'Eli Expert' }).waitFor();
    await axe(page, 'admin experts');
    await screenshotWithoutMessages(page, 'admin-experts');

    await page.getByRole('link', { name: 'Onboard an expert' }).click();
    await page.getByRole('heading', { name: 'Onboard an expert' }).waitFor();
    // Sent half filled in: the API's words come back, field by field.
    await page.getByRole('textbox', { name: 'Name' }).fill('Dana Dishwasher');
    await page.getByRole('button', { name: 'Onboard', exact: true }).click();
    const refused = page.getByRole('alert').filter({ hasText: /email/ });
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toMatch(/skills/);

    await page.getByRole('textbox', { name: /^E-mail/ }).fill('dana@test.local');
    await page.getByLabel('Phone').fill('+1 555 0199');
    await page.getByLabel('First password').fill('dishes-all-day-long');
    const skills = page.getByLabel('Skills', { exact: true }).and(page.locator('input'));
    await skills.fill('dishwasher');
    await skills.press('Enter');
    await page.getByLabel('Home latitude').fill('42.1015');
    await page.getByLabel('Home longitude').fill('-72.5898');
    await page.getByLabel('Radius (km)').fill('30');
    // The week: office hours in UTC, plus a Saturday morning.
    await page.getByRole('combobox', { name: 'Time zone of the hours' }).fill('UTC');
    await page.getByRole('option', { name: 'UTC', exact: true }).click();
    await page.getByRole('button', { name: 'Add hours on Saturday' }).click();
    await page.getByLabel('Saturday from, slot 1').fill('09:00');
    await page.getByLabel('Saturday until, slot 1').fill('13:00');
    await axe(page, 'admin onboard expert');
    await screenshotWithoutMessages(page, 'admin-new-expert');
    await page.getByRole('button', { name: 'Onboard', exact: true }).click();

    await page.getByRole('heading', { name: 'Dana Dishwasher' }).waitFor();
    const created = (await sys.call('GET', '/experts?skill=dishwasher', { token: admin })).body.experts[0];
    expect(created).toMatchObject({ name: 'Dana Dishwasher', skills: ['dishwasher'], serviceArea: { kind: 'radius', radiusKm: 30 }, active: true });
    expect(created.availability).toEqual({ timeZone: 'UTC', days: [[], ...[1, 2, 3, 4, 5].map(() => [{ from: '08:00', to: '17:00' }]), [{ from: '09:00', to: '13:00' }]] });
    await expect(page.getByLabel('Saturday from, slot 1').inputValue()).resolves.toBe('09:00');

    // Time off, shown in the expert's calendar.
    await page.getByLabel('Off from').fill('2026-03-20T08:00');
    await page.getByLabel('Back at').fill('2026-03-21T18:00');
    await page.getByLabel('Reason').fill('Family wedding');
    await page.getByRole('button', { name: 'Add time off' }).click();
    await page.getByTestId('time-off').getByRole('cell', { name: 'Family wedding' }).waitFor();
    await axe(page, 'admin expert');
    await screenshotWithoutMessages(page, 'admin-expert');

    // The new expert logs in and finds the dishwasher visit (and not the oven one).
    const field = await window();
    await logIn(field, 'dana@test.local', 'dishes-all-day-long');
    await field.getByRole('heading', { name: 'Open visits' }).waitFor();
    await field.getByTestId('feed-visit').filter({ hasText: 'Dishwasher does not drain' }).waitFor();
    expect(await field.getByTestId('feed-visit').filter({ hasText: 'Oven does not heat' }).count()).toBe(0);
  });

  it('edits an expert, then deactivates and reactivates them', async () => {
    const page = await asAdmin(`/staff/admin/experts/${sys.accounts.expert.expertId}`);
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await page.getByLabel('Locale').fill('es-MX');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved').waitFor();
    expect((await sys.call('GET', `/experts/${sys.accounts.expert.expertId}`, { token: admin })).body.locale).toBe('es-MX');

    await page.getByRole('button', { name: 'Deactivate' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Moved away');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Deactivated: Moved away').waitFor();
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('button', { name: 'Deactivate' }).waitFor();
  });

  it('creates a staff account and disables another one', async () => {
    const page = await asAdmin('/staff/admin/users');
    await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
    await page.getByTestId('users').getByRole('cell', { name: sys.accounts.helpdesk.email, exact: true }).waitFor();
    await axe(page, 'admin users');
    await screenshotWithoutMessages(page, 'admin-users');

    const form = page.getByRole('region', { name: 'New staff account' });
    await form.getByLabel('E-mail').fill('new.helpdesk@test.local');
    await form.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Helpdesk' }).click();
    await form.getByLabel('First password').fill('short');
    await form.getByRole('button', { name: 'Create account' }).click();
    await form.getByRole('alert').waitFor();
    await form.getByLabel('First password').fill('a long enough password');
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('users').getByRole('cell', { name: 'new.helpdesk@test.local', exact: true }).waitFor();

    await page.getByRole('button', { name: `Disable ${sys.accounts.manager.email}` }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('Left the company');
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: `Enable ${sys.accounts.manager.email}` }).waitFor();
    const login = await sys.call('POST', '/auth/login', { body: { email: sys.accounts.manager.email, password: PASSWORD } });
    expect([login.status, login.body.title]).toEqual([403, 'Account disabled']);
  });

  it('retires a catalog model in favour of its successor, and keeps free text as an alias', async () => {
    const page = await asAdmin('/staff/admin/catalog');
    await page.getByRole('heading', { name: 'Appliance catalog' }).waitFor();
    const models = page.getByTestId('models');
    await models.getByRole('rowheader', { name: 'Bosch SHX3AR75UC' }).waitFor();
    await axe(page, 'admin catalog');
    await screenshotWithoutMessages(page, 'admin-catalog');

    await page.getByRole('button', { name: 'Retire Bosch SHX3AR75UC' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Successor' }).click();
    await page.getByRole('option', { name: 'Bosch SHX5AV55UC' }).click();
    await dialog.getByRole('button', { name: 'Retire' }).click();
    const row = models.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Bosch SHX3AR75UC' }) });
    await row.getByText('replaced by SHX5AV55UC').waitFor();
    await row.getByRole('button', { name: 'Reinstate Bosch SHX3AR75UC' }).waitFor();
    // The ticket form (public list) no longer offers it.
    const listed = (await sys.call('GET', '/catalog/models')).body.models.map((m: { modelId: string }) => m.modelId);
    expect(listed).toEqual(expect.arrayContaining(['bosch-shx5av55uc']));
    expect(listed).not.toContain('bosch-shx3ar75uc');

    await page.getByLabel('What a customer typed').fill('bosch shx5');
    await page.getByRole('button', { name: 'Keep “bosch shx5” as an alias of Bosch SHX5AV55UC' }).click();
    await models.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Bosch SHX5AV55UC' }) }).getByText('bosch shx5', { exact: true }).waitFor();
    expect((await sys.call('GET', '/catalog/models/match?text=bosch%20shx5')).body.matches[0]).toMatchObject({ modelId: 'bosch-shx5av55uc', matchedOn: 'alias' });
  });

  it('lists the support plan tiers with their prices', async () => {
    const page = await asAdmin('/staff/admin/plans');
    await page.getByRole('heading', { name: 'Support plans' }).waitFor();
    const tiers = (await sys.call('GET', '/catalog/support-plans')).body.tiers as { tier: string }[];
    // The heading shows before the tiers arrive: count the rows once a price is on screen.
    await page.getByTestId('plans').getByText('$9.99').waitFor();
    await expect(page.getByTestId('plans').getByRole('row').count()).resolves.toBe(tiers.length + 1);
    await axe(page, 'admin plans');
  });
});
