/**
 * Browser tests drive the system's Chromium (Debian's `chromium` package; CI installs it) with
 * playwright-core, against the built web app served by a test system over real HTTP.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEB_APP = join(__dirname, '..', '..', 'dist', 'ui');

/** Builds the web app when its sources changed since the last build (a no-op otherwise). */
export function buildWebApp(): string {
  execFileSync(process.execPath, [join(__dirname, '..', 'build.mjs')], { stdio: 'pipe' });
  return WEB_APP;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No background connections: this machine's network is closed, and tests need none.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
