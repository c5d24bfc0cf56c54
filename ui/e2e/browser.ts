/**
 * Browser tests drive Chromium with playwright-core against the built web app served by a test
 * system over real HTTP. Chromium is Debian's package (CI installs it; Playwright's own download
 * cannot work here): found through CHROMIUM_PATH, /usr/bin/chromium, or Playwright's cache.
 * Without one the browser suites are skipped with the reason — except under CI=true, where a
 * missing browser fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

export const WEB_APP = join(__dirname, '..', '..', 'dist', 'ui');
/**
 * Where screenshots of the main pages go: test artifacts (test-artifacts/screenshots, not
 * committed) on every run; with UPDATE_SCREENSHOTS=1 the README's own (docs/screenshots), which
 * are committed — pixels differ slightly from run to run, so a plain test run leaves them alone.
 */
export const SCREENSHOTS = join(__dirname, '..', '..', ...(process.env.UPDATE_SCREENSHOTS === '1' ? ['docs', 'screenshots'] : ['test-artifacts', 'screenshots']));

function playwrightCacheChromium(): string | undefined {
  const cache = join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return undefined;
  for (const dir of readdirSync(cache).filter((d) => d.startsWith('chromium-')).sort().reverse()) {
    const binary = join(cache, dir, 'chrome-linux', 'chrome');
    if (existsSync(binary)) return binary;
  }
  return undefined;
}

/** The Chromium to drive, or why there is none. */
export function findChromium(): { path: string } | { missing: string } {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? { path: given } : { missing: `CHROMIUM_PATH=${given} does not exist` };
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium' };
  const cached = playwrightCacheChromium();
  if (cached) return { path: cached };
  return { missing: "no Chromium: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH" };
}

const found = findChromium();
if ('missing' in found && process.env.CI === 'true') throw new Error(`Browser tests need Chromium under CI: ${found.missing}`);

/** `describe` for a browser suite: skipped, saying why, when no Chromium is found (outside CI). */
export const describeInBrowser: (name: string, body: () => void) => void =
  'path' in found
    ? describe
    : (name, body) => {
        // eslint-disable-next-line no-console
        console.warn(`skipping browser tests "${name}": ${found.missing}`);
        describe.skip(name, body);
      };

/** Builds the web app when its sources changed since the last build (a no-op otherwise). */
export function buildWebApp(): string {
  execFileSync(process.execPath, [join(__dirname, '..', 'build.mjs')], { stdio: 'pipe' });
  return WEB_APP;
}

export async function launchBrowser(): Promise<Browser> {
  if (!('path' in found)) throw new Error(found.missing);
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    // No background connections: this machine's network is closed, and tests need none.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Saves a screenshot of the page as <name>.png in SCREENSHOTS. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/**
 * A screenshot of the page itself: the messages that slide in after an action (and cover the
 * top) closed first, the pointer moved off any hover. A message may close by itself while it is
 * clicked (they time out): a click that finds nothing left is fine, and the page is looked at
 * again. Fails if a message is still there at the end.
 */
export async function screenshotWithoutMessages(page: Page, name: string): Promise<void> {
  const close = page.getByRole('button', { name: 'Close the message' });
  for (let i = 0; i < 5 && (await close.count()) > 0; i++) await close.first().click({ timeout: 2000 }).catch(() => undefined);
  await close.first().waitFor({ state: 'detached' });
  await page.mouse.move(0, 0);
  await screenshot(page, name);
}
