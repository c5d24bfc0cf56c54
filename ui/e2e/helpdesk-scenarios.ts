/**
 * What the helpdesk browser journeys share: staff signed in, each in a browser window of their
 * own at 1280 px whose clock reads the test system's; the axe check and the screenshot of a page
 * as it is; and a ticket held because nobody could confirm the customer's payment.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { send } from '../../commands/aggregate';
import { tickets } from '../../commands/ticket';
import { PASSWORD, TestSystem } from '../../api/__tests__/harness';
import { Window } from '../../api/__tests__/scenario';

export const VIEWPORT = { width: 1280, height: 800 };

export interface SignedInWindows {
  /** A browser window of its own at 1280 px, in UTC, whose clock reads the test system's, logged in. */
  signedIn(role: 'helpdesk' | 'customer', options?: { realClock?: boolean }): Promise<Page>;
  closeAll(): Promise<void>;
}

export function signedInWindows(sys: TestSystem, browser: Browser): SignedInWindows {
  const contexts: BrowserContext[] = [];
  return {
    async signedIn(role, options = {}) {
      const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: VIEWPORT, reducedMotion: 'reduce' });
      contexts.push(context);
      const page = await context.newPage();
      // A page whose clock is replaced has no performance timeline to measure with.
      if (!options.realClock) await page.clock.install({ time: sys.clock.now });
      await page.goto(`${sys.url}/login`);
      await page.getByLabel('E-mail').fill(sys.accounts[role].email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      return page;
    },
    async closeAll() {
      for (const context of contexts) await context.close();
    },
  };
}

/** No serious or critical accessibility violation on the page as it is (the rest is printed). */
export async function axe(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  // eslint-disable-next-line no-console
  console.log(`axe ${name}: ${results.passes.length} rules pass${results.violations.length ? `; below serious: ${results.violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`).join(', ')}` : ''}`);
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect({ page: name, blocking: blocking.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })) }).toEqual({ page: name, blocking: [] });
}

/**
 * A dishwasher ticket of the test customer opened while nobody could confirm their payment: it
 * is held ('payment-status-unknown') until helpdesk releases or cancels it.
 */
export async function heldForPayment(sys: TestSystem, ticketId: string, window: Window): Promise<void> {
  await send(sys.services.commands, tickets, {
    type: 'openTicket',
    data: {
      ticketId,
      customerId: 'cust-test',
      applianceModelText: 'Bosch dishwasher',
      problem: 'Does not drain',
      priority: 'normal',
      location: { lat: 42.1015, lon: -72.5898 },
      visits: [{ visitId: `${ticketId}.1`, skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window] }],
      dependencies: [],
      paymentStatus: 'unknown',
    },
    metadata: { commandId: `open-${ticketId}`, now: sys.clock.now, actor: { userId: 'user-customer', role: 'customer' } },
  });
}
