/**
 * The expert app in a real browser, on a phone-sized screen (375×812): the live feed (proposing,
 * a 422 shown with the expert's hours, withdrawing), the schedule by day and week, a visit's
 * address and map, every step of the visit, the knowledge base (suggested articles, reading one,
 * adding what was done), and working offline: steps recorded without a connection reach the
 * server once each when it returns (even sent twice), the app reopens offline from its service
 * worker with the last synced visit, and a step the server refuses after reconnecting is shown
 * with its reason. Each page is checked with axe (no serious or critical violation) and
 * screenshotted into docs/screenshots. The map's tiles never leave the machine: they are answered
 * by the test.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { PASSWORD, startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { markPaid, openTicket, propose, ticketBody, windowOn } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';

jest.setTimeout(240_000);

const PHONE = { width: 375, height: 812 };
/** Resolves once the page's service worker is active (the app shell cached). */
const SERVICE_WORKER_READY = 'navigator.serviceWorker.ready.then(() => true)';
/** A 1×1 grey PNG: every map tile (no network in tests). */
const TILE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN8/P9/PQAJpAPr2X8uGQAAAABJRU5ErkJggg==', 'base64');

describeInBrowser('web app: the expert app on a phone', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tiles: string[] = [];
  let tokens: { customer: string; expert: string; helpdesk: string };

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    await markPaid(sys, 'cust-test');
    tokens = { customer: await sys.token('customer'), expert: await sys.token('expert'), helpdesk: await sys.token('helpdesk') };
    // What the knowledge base suggests for a leaking washer.
    const article = await sys.call('POST', '/kb/articles', {
      token: tokens.helpdesk,
      body: { title: 'Washer leaks at the door', problem: 'Water on the floor after a wash, leaking at the door', fix: 'Replace the door seal (bellow); check the drain hose clamp.', tags: ['seal'], category: 'washer' },
    });
    expect(article.status).toBe(201);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sys?.stop();
  });

  /** A phone of its own (storage, service worker), its clock the test system's, the map tiles answered here. */
  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: PHONE, timezoneId: 'UTC', locale: 'en-GB', hasTouch: true });
    contexts.push(context);
    const config = await sys.call('GET', '/web-app/config');
    const tileHost = new URL(config.body.mapTiles.url.replace(/\{[a-z]\}/g, '0')).origin;
    await context.route(`${tileHost}/**`, (route) => {
      tiles.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'image/png', body: TILE });
    });
    const page = await context.newPage();
    await page.clock.install({ time: sys.clock.now });
    return { context, page };
  };

  const logIn = async (page: Page) => {
    await page.goto(`${sys.url}/login`);
    await page.getByLabel('E-mail').fill(sys.accounts.expert.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Open visits' }).waitFor();
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

  /** Moves the system's clock and the page's. */
  const setClock = async (page: Page, iso: string) => {
    sys.clock.set(iso);
    await page.clock.setSystemTime(sys.clock.now);
  };

  const historyOf = async (ticketId: string, visitId: string) => {
    const r = await sys.call('GET', `/tickets/${ticketId}/history`, { token: tokens.helpdesk });
    expect(r.status).toBe(200);
    return (r.body.history as { stream: string; type: string; causationId: string | null }[]).filter((e) => e.stream === `visit-${visitId}`);
  };

  /** A washer ticket whose visit the expert is booked on (proposed and finalized through the API). */
  const bookedVisit = async (day: number, start: string) => {
    const { ticketId, visitIds } = await openTicket(sys, tokens.customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(day, '09:00', '17:00')] }] }));
    await propose(sys, tokens.expert, visitIds[0]!, [start]);
    return { ticketId, visitId: visitIds[0]! };
  };

  it("feed: live, proposing (only starts inside the expert's hours are offered), withdrawing; the time to interactive is measured", async () => {
    // Two experts needed: one proposal keeps it open (so it can be withdrawn).
    const pair = await openTicket(
      sys,
      tokens.customer,
      ticketBody({ problem: 'Drum does not turn, makes a grinding noise', visits: [{ skills: ['washer'], expertsNeeded: 2, durationMinutes: 60, windows: [windowOn(3, '09:00', '12:00')] }] }),
    );
    // A returning expert opens the app (page and scripts from its service worker's cache): from the
    // navigation's start to the first open visit on screen. A browser of its own, whose clock is
    // not replaced (the measure needs the real one).
    const measuring = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
    contexts.push(measuring);
    const fresh = await measuring.newPage();
    await logIn(fresh);
    await fresh.evaluate(SERVICE_WORKER_READY);
    await fresh.goto(`${sys.url}/field`);
    await fresh.getByTestId('feed-visit').first().waitFor();
    // (Browser code as text: the tests are type-checked without the DOM's types.)
    const timing = await fresh.evaluate<{ interactive: number | null; domContentLoaded: number | null }>(`({
      interactive: performance.getEntriesByName('feed-interactive')[0]?.startTime ?? null,
      domContentLoaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
    })`);
    // eslint-disable-next-line no-console
    console.log(`feed time to interactive: the first open visit was on screen ${timing.interactive?.toFixed(0)} ms after navigation start (DOMContentLoaded at ${timing.domContentLoaded?.toFixed(0)} ms)`);
    expect(timing.interactive).toEqual(expect.any(Number));
    await fresh.close();

    const { page } = await phone();
    await logIn(page);
    const drum = page.getByTestId('feed-visit').filter({ hasText: 'Drum does not turn' });
    await expect(drum.getByTestId('feed-problem').textContent()).resolves.toContain('grinding noise');
    await expect(drum.textContent()).resolves.toContain('09:00 – 12:00');
    await axe(page, 'feed');
    await screenshotWithoutMessages(page, 'expert-feed');

    // Live: a visit opened now appears without a reload.
    const evening = await openTicket(
      sys,
      tokens.customer,
      ticketBody({ problem: 'Door will not open after the cycle', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(3, '17:00', '20:00')] }] }),
    );
    const door = page.getByTestId('feed-visit').filter({ hasText: 'Door will not open' });
    await door.waitFor({ timeout: 20_000 });

    // Only starts inside the expert's hours (08:00–18:00) are offered: of the 17:00–20:00 window, 17:00 alone.
    await door.getByRole('button', { name: 'Propose times' }).click();
    const dialog = page.getByRole('dialog');
    const offered = dialog.getByRole('group', { name: /Starts that fit/ }).locator('label');
    await offered.first().waitFor();
    await expect(offered.allTextContents()).resolves.toEqual([expect.stringMatching(/17:00/)]);
    await axe(page, 'propose dialog');
    await page.keyboard.press('Escape');

    // Several starts in a few taps, then withdrawn.
    await drum.getByRole('button', { name: 'Propose times' }).click();
    await dialog.getByText(/09:00/).first().click();
    await dialog.getByText(/09:30/).first().click();
    await screenshotWithoutMessages(page, 'expert-propose');
    await dialog.getByRole('button', { name: /^Propose 2 starts$/ }).click();
    await drum.getByTestId('my-proposal').waitFor();
    await expect(drum.getByTestId('my-proposal').textContent()).resolves.toMatch(/09:00.*09:30/);
    const proposed = await sys.call('GET', `/visits/${pair.visitIds[0]}`, { token: tokens.helpdesk });
    expect(proposed.body.proposals).toEqual([{ expertId: 'exp-test', starts: ['2026-03-03T09:00:00.000Z', '2026-03-03T09:30:00.000Z'] }]);
    await drum.getByRole('button', { name: 'Withdraw' }).click();
    await drum.getByTestId('my-proposal').waitFor({ state: 'detached' });
    const withdrawn = await sys.call('GET', `/visits/${pair.visitIds[0]}`, { token: tokens.helpdesk });
    expect(withdrawn.body.proposals).toEqual([]);

    // Taken (by this expert, at a start inside their hours): it leaves the feed live.
    await door.getByRole('button', { name: 'Propose times' }).click();
    await dialog.getByText(/17:00/).first().click();
    await dialog.getByRole('button', { name: /^Propose 1 start$/ }).click();
    await door.waitFor({ state: 'detached', timeout: 20_000 });
    const taken = await sys.call('GET', `/visits/${evening.visitIds[0]}`, { token: tokens.helpdesk });
    expect(taken.body).toMatchObject({ status: 'finalized', experts: ['exp-test'] });
  });

  it('schedule by day and week, the visit with its address and map, every step, suggested articles, completing and adding what was done', async () => {
    const { ticketId, visitId } = await bookedVisit(4, '2026-03-04T10:00:00.000Z');
    const { page } = await phone();
    await logIn(page);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'My schedule' }).click();
    await page.getByRole('heading', { name: 'My schedule' }).waitFor();
    // Today (Monday 2 March) has nothing; the next visit is a tap away.
    await page.getByText('No visits this day.').waitFor();
    await page.getByText('Week', { exact: true }).click();
    await expect(page.getByTestId('schedule-range').textContent()).resolves.toBe('Mon 2 Mar – Sun 8 Mar');
    const card = page.getByTestId('scheduled-visit').filter({ hasText: '10:00' });
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('1 Main St, Springfield');
    await axe(page, 'schedule (week)');
    await screenshotWithoutMessages(page, 'expert-schedule-week');
    await page.getByText('Day', { exact: true }).click();
    await page.getByRole('button', { name: /^Next visit/ }).waitFor();
    await page.getByRole('button', { name: 'Next day' }).click();
    await page.getByRole('button', { name: 'Next day' }).click();
    await expect(page.getByTestId('schedule-range').textContent()).resolves.toBe('Wednesday 4 March');
    await screenshotWithoutMessages(page, 'expert-schedule-day');
    await card.click();

    // The visit: what, where (address, map), and the knowledge base's suggestions.
    await page.getByTestId('visit-status').getByText('finalized').waitFor();
    await expect(page.getByTestId('visit-problem').textContent()).resolves.toBe('The washer leaks water on the floor');
    await expect(page.getByTestId('visit-address').textContent()).resolves.toBe('1 Main St, 01103 Springfield');
    await page.getByTestId('visit-map').locator('.leaflet-container').waitFor();
    await page.getByTestId('visit-map').locator('.leaflet-tile-loaded').first().waitFor();
    expect(tiles.length).toBeGreaterThan(0);
    const suggestion = page.getByTestId('suggested-article').filter({ hasText: 'Washer leaks at the door' });
    await suggestion.waitFor();
    await axe(page, 'visit');
    await screenshotWithoutMessages(page, 'expert-visit');

    await suggestion.getByRole('link').click();
    await expect(page.getByTestId('article-fix').textContent()).resolves.toContain('Replace the door seal');
    await axe(page, 'article');
    await screenshotWithoutMessages(page, 'expert-article');
    await page.getByRole('button', { name: '‹ Back' }).click();

    // "On my way" only from EN_ROUTE_LEAD_MIN (120) before the start; the open page shows it when due.
    await expect(page.getByTestId('set-off-from').textContent()).resolves.toMatch(/from Wed 4 Mar.*08:00/);
    await expect(page.getByRole('button', { name: 'On my way' }).count()).resolves.toBe(0);
    // Step by step, the morning of the visit.
    await setClock(page, '2026-03-04T09:30:00.000Z');
    await page.clock.runFor(31_000);
    await page.getByRole('button', { name: 'On my way' }).click();
    await page.getByTestId('visit-status').getByText('en-route').waitFor();
    await page.getByRole('button', { name: 'I have arrived' }).click();
    await page.getByTestId('visit-status').getByText('arrived').waitFor();
    await page.getByRole('button', { name: 'Start the work' }).click();
    await page.getByTestId('visit-status').getByText('started').waitFor();
    await page.getByLabel('What you did').fill('Replaced the door seal; the drain hose clamp was loose, tightened it.');
    await axe(page, 'visit started');
    await page.getByRole('button', { name: 'Visit done' }).click();
    await page.getByTestId('visit-status').getByText('completed').waitFor();
    expect((await historyOf(ticketId, visitId)).map((e) => e.type)).toEqual(expect.arrayContaining(['VisitEnRoute', 'VisitArrived', 'VisitStarted', 'VisitCompleted']));

    await expect(page.getByLabel('Resolution').inputValue()).resolves.toContain('Replaced the door seal');
    await page.getByRole('button', { name: 'Complete the ticket' }).click();
    await page.getByTestId('ticket-completed').waitFor();
    await expect(sys.call('GET', `/tickets/${ticketId}`, { token: tokens.customer }).then((r) => r.body.status)).resolves.toBe('completed');

    // What was done, for the next expert: linked to the ticket.
    await page.getByLabel('Title').fill('Door seal and drain clamp on a leaking washer');
    await expect(page.getByLabel('What fixed it').inputValue()).resolves.toContain('Replaced the door seal');
    await page.getByRole('combobox', { name: 'Tags' }).fill('seal');
    await page.keyboard.press('Enter');
    await axe(page, 'add article');
    await screenshotWithoutMessages(page, 'expert-add-article');
    await page.getByRole('button', { name: 'Add the article' }).click();
    const added = page.getByTestId('article-added');
    await added.getByRole('link').waitFor();
    const articleId = (await added.getByRole('link').getAttribute('href'))!.split('/').pop()!;
    const article = await sys.call('GET', `/kb/articles/${articleId}`, { token: tokens.helpdesk });
    expect(article.body).toMatchObject({ title: 'Door seal and drain clamp on a leaking washer', linkedTicketId: ticketId, category: 'washer', tags: ['seal'] });

    // Searching the knowledge base finds it.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await page.getByLabel('Search the knowledge base').fill('drain clamp');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('kb-hit').filter({ hasText: 'Door seal and drain clamp' }).waitFor();
    await axe(page, 'knowledge base search');
    await screenshotWithoutMessages(page, 'expert-kb-search');
  });

  it('weeks past the fortnight the schedule keeps: their visits are asked for when the expert looks that far ahead', async () => {
    await bookedVisit(25, '2026-03-25T10:00:00.000Z');
    const { page } = await phone();
    await logIn(page);
    await page.goto(`${sys.url}/field/schedule`);
    await page.getByRole('heading', { name: 'My schedule' }).waitFor();
    await page.getByText('Week', { exact: true }).click();
    for (const range of ['Mon 9 Mar – Sun 15 Mar', 'Mon 16 Mar – Sun 22 Mar', 'Mon 23 Mar – Sun 29 Mar']) {
      await page.getByRole('button', { name: 'Next week' }).click();
      await expect(page.getByTestId('schedule-range').textContent()).resolves.toBe(range);
    }
    await page.getByTestId('scheduled-visit').filter({ hasText: '10:00' }).waitFor();
    await expect(page.getByTestId('scheduled-visit').count()).resolves.toBe(1);
    await axe(page, 'schedule (a week past the fortnight)');
    await screenshotWithoutMessages(page, 'expert-schedule-later-week');
    // On a desktop too.
    await page.setViewportSize({ width: 1280, height: 800 });
    // The navigation slides in at this width: the picture is taken once it is there.
    await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
    await page.getByRole('link', { name: 'My schedule' }).waitFor();
    await screenshotWithoutMessages(page, 'expert-schedule-later-week-desktop');
  });

  it('offline: two steps recorded without a connection reach the server once each, even sent twice; the app reopens offline', async () => {
    const { ticketId, visitId } = await bookedVisit(5, '2026-03-05T10:00:00.000Z');
    const { context, page } = await phone();
    await setClock(page, '2026-03-05T09:30:00.000Z');
    await logIn(page);
    await page.goto(`${sys.url}/field/schedule`);
    // Today's visit.
    await page.getByTestId('scheduled-visit').filter({ hasText: '10:00' }).click();
    await page.getByTestId('visit-status').getByText('finalized').waitFor();
    // The app shell is cached by its service worker, the visit saved on the device.
    await page.evaluate(SERVICE_WORKER_READY);

    // The connection goes (the browser may or may not say so: a request without an answer tells the app).
    await context.setOffline(true);
    await page.getByRole('button', { name: 'On my way' }).click();
    await page.getByTestId('visit-status').getByText('en-route').waitFor();
    await expect(page.getByTestId('sync-badge').textContent()).resolves.toBe('1 action waiting to sync');
    await page.getByTestId('offline-badge').waitFor();
    await page.getByRole('button', { name: 'I have arrived' }).click();
    await page.getByTestId('visit-status').getByText('arrived').waitFor();
    await expect(page.getByTestId('sync-badge').textContent()).resolves.toBe('2 actions waiting to sync');
    await page.getByTestId('visit-pending').waitFor();
    await axe(page, 'visit offline');
    await screenshotWithoutMessages(page, 'expert-offline');
    expect((await historyOf(ticketId, visitId)).map((e) => e.type)).not.toContain('VisitEnRoute');

    // Reopened without a connection: the page from the service worker, the visit and the two
    // waiting steps from the device.
    await page.reload();
    await page.getByTestId('visit-status').getByText('arrived').waitFor();
    await expect(page.getByTestId('sync-badge').textContent()).resolves.toBe('2 actions waiting to sync');
    await expect(page.getByTestId('visit-address').textContent()).resolves.toBe('1 Main St, 01103 Springfield');
    await page.goto(`${sys.url}/field/schedule`);
    await page.getByTestId('last-synced').waitFor();

    // Back online. The first answer to "arrived" is lost on the way (the server applied it):
    // the app sends it again, with the same Idempotency-Key.
    const arrivedSent: Request[] = [];
    await context.route('**/visits/*/arrived', async (route) => {
      arrivedSent.push(route.request());
      if (arrivedSent.length === 1) {
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await context.setOffline(false);
    await page.getByTestId('sync-badge').waitFor({ state: 'detached', timeout: 30_000 });
    await context.unroute('**/visits/*/arrived');

    expect(arrivedSent.length).toBe(2);
    const keys = await Promise.all(arrivedSent.map((r) => r.headerValue('idempotency-key')));
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    const events = (await historyOf(ticketId, visitId)).map((e) => e.type);
    expect(events.filter((t) => t === 'VisitEnRoute')).toHaveLength(1);
    expect(events.filter((t) => t === 'VisitArrived')).toHaveLength(1);
    const visit = await sys.call('GET', `/visits/${visitId}`, { token: tokens.helpdesk });
    expect(visit.body.status).toBe('arrived');
    await page.getByTestId('scheduled-visit').filter({ hasText: 'arrived' }).waitFor();
  });

  it('offline: a step the server refuses once back online is shown with its reason until dismissed', async () => {
    const { ticketId, visitId } = await bookedVisit(6, '2026-03-06T10:00:00.000Z');
    const { context, page } = await phone();
    await setClock(page, '2026-03-06T09:30:00.000Z');
    await logIn(page);
    await page.goto(`${sys.url}/field/visits/${visitId}`);
    await page.getByTestId('visit-status').getByText('finalized').waitFor();

    await context.setOffline(true);
    await page.getByRole('button', { name: 'On my way' }).click();
    await expect(page.getByTestId('sync-badge').textContent()).resolves.toBe('1 action waiting to sync');
    await page.getByTestId('offline-badge').waitFor();
    // Meanwhile the customer cancels: the step is no longer allowed.
    const cancelled = await sys.call('POST', `/tickets/${ticketId}/cancel`, { token: tokens.customer, body: { reason: 'Fixed it myself' } });
    expect(cancelled.status).toBe(200);
    await sys.settle();

    await context.setOffline(false);
    const refused = page.getByTestId('refused-command');
    await refused.waitFor({ timeout: 30_000 });
    await expect(refused.textContent()).resolves.toMatch(/Not applied: On my way.*cancelled/i);
    await page.getByTestId('sync-badge').waitFor({ state: 'detached' });
    await page.getByTestId('visit-status').getByText('cancelled').waitFor();
    // Nothing else on the page suffered from the connection going and coming back (the map stays).
    await page.getByTestId('visit-map').locator('.leaflet-container').waitFor();
    await expect(page.getByText(/could not be shown/).count()).resolves.toBe(0);
    await axe(page, 'refused after reconnecting');
    await screenshotWithoutMessages(page, 'expert-refused');
    expect((await historyOf(ticketId, visitId)).map((e) => e.type)).not.toContain('VisitEnRoute');

    // Read, then dismissed: only then does it go.
    await refused.getByRole('button', { name: 'Dismiss' }).click();
    await refused.waitFor({ state: 'detached' });
  });
});
