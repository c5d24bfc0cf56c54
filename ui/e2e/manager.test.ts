/**
 * The manager's dashboards in a real browser, at 1280 px: a manager opens them from the
 * navigation (the load timed), reads the key figures, changes the range of days, reads a chart as
 * a table and downloads it as CSV (its content checked), is told why a bad range is refused, then
 * looks at the dashboards as of a past moment (the figures are those of then, not now) and goes
 * back to the live figures, which follow a new ticket without a reload. Every page is checked with
 * axe (no serious or critical violation); the dashboards are photographed.
 */
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { markPaid, openTicket, propose, ticketBody, walk } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser, screenshot } from './browser';

jest.setTimeout(300_000);

const VIEWPORT = { width: 1280, height: 800 };

describeInBrowser('web app: the manager dashboards', () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let customer: string;
  /** A moment (wall clock: events are stamped with it) after the first tickets, before the last. */
  let moment: Date;
  const checked: string[] = [];
  const timings: string[] = [];

  /** The expert takes the visit at `start`, does it, and the ticket is completed. */
  async function done(ticketId: string, visitId: string, start: string): Promise<void> {
    const expert = await sys.token('expert');
    await propose(sys, expert, visitId, [start]);
    await walk(sys, expert, visitId, [
      ['en-route', { eta: start }],
      ['arrived', {}],
      ['started', {}],
      ['complete', { notes: 'replaced the hose' }],
    ]);
    expect((await sys.call('POST', `/tickets/${ticketId}/complete`, { token: expert, body: { resolution: 'fixed' } })).status).toBe(200);
    await sys.settle();
  }

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true, start: '2026-02-24T08:00:00.000Z' });
    await markPaid(sys, 'cust-test');
    customer = await sys.token('customer');
    // 24 February: one ticket, done within the day.
    const early = await openTicket(sys, customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [{ start: '2026-02-25T09:00:00.000Z', end: '2026-02-25T12:00:00.000Z' }] }] }));
    sys.clock.advanceMinutes(30);
    await done(early.ticketId, early.visitIds[0]!, '2026-02-25T09:00:00.000Z');
    // 2 March: two tickets, one done.
    sys.clock.set('2026-03-02T08:00:00.000Z');
    const first = await openTicket(sys, customer, ticketBody());
    sys.clock.advanceMinutes(45);
    await done(first.ticketId, first.visitIds[0]!, '2026-03-03T09:00:00.000Z');
    await openTicket(sys, customer, ticketBody());
    moment = new Date();
    // Later than the moment by more than its second: the as-of picker goes to the second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await openTicket(sys, customer, ticketBody());
    await openTicket(sys, customer, ticketBody({ priority: 'urgent' }));
    sys.clock.set('2026-03-02T10:00:00.000Z');

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
    console.log(`manager dashboards: ${timings.join('; ')}; axe: ${checked.join(', ')}`);
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
  const chartShown = () => panel('Tickets per day').locator('svg.recharts-surface').first().waitFor();

  it('opens the dashboards from the navigation, with the last 30 days, live', async () => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Dashboards' }).waitFor();
    const started = Date.now();
    await page.getByRole('link', { name: 'Dashboards' }).click();
    await chartShown();
    timings.push(`opened from the navigation in ${Date.now() - started} ms`);

    expect([await input('From').inputValue(), await input('To').inputValue()]).toEqual(['2026-02-01', '2026-03-02']);
    await figureReads('Opened', '5');
    await figureReads('Completed', '2');
    await figureReads('Median time to match', '30 min');
    await figureReads('First-time fix', '100 %');
    await page.getByText('Live', { exact: true }).waitFor();
    await panel('Open work now').getByText('open: 3').first().waitFor();
    await panel('Time to match').getByText('2 tickets; median 30 min, 90 % within 45 min, longest 45 min').waitFor();
    await accessible('dashboards');
    await screenshot(page, 'manager-dashboards');

    const reloaded = Date.now();
    await page.reload();
    await chartShown();
    await figureReads('Opened', '5');
    timings.push(`reloaded in ${Date.now() - reloaded} ms`);
  });

  it('changes the range, reads a chart as a table and downloads it as CSV', async () => {
    await input('From').fill('2026-02-20');
    await input('To').fill('2026-02-28');
    await page.getByRole('button', { name: 'Show these days' }).click();
    await figureReads('Opened', '1');
    await figureReads('Median resolution', '30 min');
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-02-20');

    await panel('Tickets per day').getByText('Table').click();
    const table = panel('Tickets per day').getByRole('table');
    await table.getByRole('row', { name: /2026-02-24/ }).waitFor();
    expect(await table.getByRole('row').count()).toBe(1 + 9);
    await accessible('dashboards (a table)');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Tickets per day as CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('tickets-per-day_2026-02-20_2026-02-28.csv');
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('Day,Opened,Matched,Escalated,Completed,Cancelled');
    expect(csv).toHaveLength(1 + 9);
    expect(csv).toContain('2026-02-24,1,1,0,1,0');
    expect(csv).toContain('2026-02-25,0,0,0,0,0');

    // A range the API refuses: its words, next to the pickers.
    await input('From').fill('2026-03-05');
    await input('To').fill('2026-03-01');
    await page.getByRole('button', { name: 'Show these days' }).click();
    await page.getByRole('alert').getByText("from: 'from' must not be after 'to'").waitFor();
    await accessible('dashboards (a bad range)');
    await page.getByRole('button', { name: '30 days' }).click();
    await figureReads('Opened', '5');
  });

  it('shows the dashboards as of a past moment, then the live figures again, which follow new tickets', async () => {
    const started = Date.now();
    await input('As of day').fill(moment.toISOString().slice(0, 10));
    await input('Time').fill(moment.toISOString().slice(11, 19));
    await page.getByRole('button', { name: 'Show as of then' }).click();
    await page.getByTestId('as-of-banner').waitFor();
    // Then, two tickets were yet to come.
    await figureReads('Opened', '3');
    await chartShown();
    timings.push(`as of a past moment in ${Date.now() - started} ms`);
    await panel('Open work then').getByText('open: 1').first().waitFor();
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(new Date(Math.floor(moment.getTime() / 1000) * 1000 + 999).toISOString());
    await accessible('dashboards as of a past moment');
    await screenshot(page, 'manager-dashboards-as-of');

    await page.getByRole('tab', { name: 'Experts' }).click();
    await panel('Expert performance').getByText('Table').click();
    await panel('Expert performance').getByRole('row', { name: /Eli Expert/ }).waitFor();

    await page.getByRole('button', { name: 'Back to live figures' }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    await panel('Expert performance').getByRole('row', { name: /Eli Expert/ }).waitFor();
    await accessible('expert performance');
    await screenshot(page, 'manager-experts');

    // Live: a ticket opened now shows without a reload.
    await page.getByRole('tab', { name: 'Tickets' }).click();
    await figureReads('Opened', '5');
    await openTicket(sys, customer, ticketBody());
    await figureReads('Opened', '6');
  });
});
