/**
 * The operations page in a real browser at 1280×800: every read model and saga with its status,
 * position and lag; the outbox with a parked message retried to a corrected number; and one read
 * model rebuilt from the browser, its progress followed to done while a second start is refused.
 * A read model whose handler waits at a gate stands for a long rebuild, so "running" can be seen.
 * Checked with axe (no serious or critical violation) and screenshotted.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, Page } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { markPaid, openTicket } from '../../api/__tests__/scenario';
import { allProjections } from '../../projections/all';
import { Projection } from '../../projections/projection';
import { buildWebApp, describeInBrowser, launchBrowser, screenshot } from './browser';

jest.setTimeout(240_000);

/** Events at or past `from` wait while the gate is shut. */
const gate = { shut: false, from: 0, open: () => undefined as void };
let opened: Promise<void> = Promise.resolve();
const slowReadModel: Projection = {
  name: 'slow-audit',
  version: 1,
  eventTypes: '*',
  collections: { slow_audit_events: [] },
  async handle(event, { collection }) {
    if (gate.shut && event.position >= gate.from) await opened;
    await collection('slow_audit_events').updateOne({ _id: event.id }, { $set: { type: event.type } }, { upsert: true });
  },
};

describeInBrowser('web app: the operations page', () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true, projections: [...allProjections, slowReadModel] });
    await markPaid(sys, 'cust-test');
    const customer = await sys.token('customer');
    for (let i = 0; i < 5; i++) await openTicket(sys, customer);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
    page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts.admin.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
  });
  afterAll(async () => {
    gate.open();
    await browser?.close();
    await sys?.stop();
  });

  const axe = async (name: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const counted = results.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
    // eslint-disable-next-line no-console
    console.log(`axe ${name}: ${results.passes.length} rules pass, ${results.violations.length} violated${counted.length ? ` — ${counted.join(', ')}` : ''}`);
    const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(blocking.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))).toEqual([]);
  };

  it('shows each read model and saga with its status, position and lag, and the outbox; a parked message is retried to a corrected number', async () => {
    await sys.services.outbox.enqueue({
      causedBy: 'test:no-number',
      channel: 'sms',
      to: '',
      template: 'expert-on-the-way',
      params: { customerName: 'Casey Customer', expertName: 'Eli Expert', eta: '2026-03-02T09:00:00.000Z', ticketId: 't-ops' },
      ticketId: 't-ops',
      recipient: { kind: 'customer', id: 'cust-test' },
    });
    await page.goto(`${sys.url}/staff/ops`);
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    const pipeline = page.getByTestId('pipeline');
    const head = await sys.services.events.headPosition();
    const tickets = pipeline.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'tickets', exact: true }) });
    await tickets.getByRole('cell', { name: String(head), exact: true }).waitFor();
    await expect(tickets.textContent()).resolves.toMatch(/read model.*live/);
    await pipeline.getByRole('rowheader', { name: 'matching', exact: true }).waitFor();
    await pipeline.getByRole('rowheader', { name: 'notifications', exact: true }).waitFor();

    const counts = page.getByTestId('outbox-counts');
    await expect(counts.textContent()).resolves.toMatch(/Parked1/);
    const parked = page.getByTestId('parked');
    await parked.getByRole('cell', { name: 'no phone number to send to' }).waitFor();
    await axe('ops');
    await screenshot(page, 'ops');

    await parked.getByRole('button', { name: /Retry the expert-on-the-way message/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry a parked message' });
    await dialog.getByLabel('Phone number').fill('+15550100123');
    await dialog.getByRole('button', { name: 'Send again' }).click();
    await page.getByText('No parked message').waitFor();
    await expect(counts.textContent()).resolves.toMatch(/Parked0/);
  });

  it('rebuilds one read model with its progress shown to done, refusing a second rebuild meanwhile', async () => {
    const head = await sys.services.events.headPosition();
    gate.shut = true;
    gate.from = Math.ceil(head / 2);
    opened = new Promise<void>((resolve) => (gate.open = resolve));

    await page.goto(`${sys.url}/staff/ops`);
    await page.getByRole('combobox', { name: 'Read model' }).click();
    await page.getByRole('option', { name: 'slow-audit' }).click();
    await page.getByRole('button', { name: 'Rebuild' }).click();

    const progress = page.getByTestId('rebuild-progress');
    await progress.getByText('running').waitFor();
    await expect(progress.textContent()).resolves.toContain(`of ${head} events`);
    await page.getByText('Wait until the slow-audit rebuild is done.').waitFor();
    expect(await page.getByRole('button', { name: 'Rebuild' }).isDisabled()).toBe(true);
    const refused = await sys.call('POST', '/rebuilds', { token: await sys.token('admin'), body: { readModel: 'tickets' } });
    expect([refused.status, refused.body.code]).toEqual([409, 'rebuild-running']);
    await axe('ops (rebuild running)');
    await screenshot(page, 'ops-rebuilding');

    gate.shut = false;
    gate.open();
    await progress.getByText('done').waitFor();
    await expect(progress.textContent()).resolves.toContain(`${head} of ${head} events (100 %)`);
    expect(await page.getByRole('button', { name: 'Rebuild' }).isDisabled()).toBe(false);
    // Readers now use the rebuilt copy, and it stays live.
    const status = (await sys.call('GET', '/projections', { token: await sys.token('admin') })).body.projections.find((p: { name: string }) => p.name === 'slow-audit');
    expect(status).toMatchObject({ role: 'active', suffix: expect.stringMatching(/^v1r/), position: head });
  });
});
