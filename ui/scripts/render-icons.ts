/**
 * Renders the app's PNG icons (the web app manifest's, Apple's touch icon) from the SVGs in
 * ui/public/icons with Chromium (CHROMIUM_PATH, else Debian's /usr/bin/chromium):
 * `npx tsx ui/scripts/render-icons.ts`.
 * The PNGs are committed; run it again after changing an SVG.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const icons = join(__dirname, '..', 'public', 'icons');
const renders = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'maskable.svg', png: 'maskable-512.png', size: 512 },
  { svg: 'maskable.svg', png: 'apple-touch-icon.png', size: 180 },
];

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    for (const { svg, png, size } of renders) {
      const page = await browser.newPage({ viewport: { width: size, height: size } });
      const source = readFileSync(join(icons, svg), 'utf8');
      await page.setContent(`<html><body style="margin:0;background:transparent">${source.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
      await page.screenshot({ path: join(icons, png), omitBackground: true });
      await page.close();
      console.log(`ui/public/icons/${png} (${size}×${size})`);
    }
  } finally {
    await browser.close();
  }
}

void main();
