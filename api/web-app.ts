/**
 * Serves the web app (ui/, built into dist/ui) from the API's own server: hashed assets with a
 * year's cache, and index.html for page loads of the app's own paths (its client-side routes),
 * so a reload or a shared link to /portal/tickets/42 opens the app there. API requests are never
 * answered with the page: a page load is a GET that asks for HTML.
 *
 * The installable app's files: the service worker (`/sw.js`) and the web app manifest are
 * revalidated at every use (`no-cache`: a browser must see a new build's worker at once, or it
 * keeps running the old app from its cache), the icons are kept a day. The worker precaches the
 * page as `/index.html`, which is served as such too.
 */
import express, { Express, Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpProblem } from './http/problem';

export function mountWebApp(app: Express, dir: string): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const page = readFileSync(index);
  const sendPage = (res: Response) => {
    res.setHeader('Cache-Control', 'no-cache'); // always the current build's asset names
    res.type('html').send(page);
  };
  app.use(
    '/assets',
    express.static(join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
    }),
  );
  app.get('/favicon.svg', (_req, res) => res.sendFile(join(dir, 'favicon.svg'), { maxAge: '1d' }));
  app.use('/icons', express.static(join(dir, 'icons'), { maxAge: '1d', index: false, fallthrough: true }));
  if (existsSync(join(dir, 'sw.js'))) {
    app.get('/sw.js', (_req, res) =>
      res.sendFile(join(dir, 'sw.js'), { cacheControl: false, headers: { 'Cache-Control': 'no-cache', 'Content-Type': 'text/javascript; charset=utf-8' } }),
    );
  }
  if (existsSync(join(dir, 'manifest.webmanifest'))) {
    app.get('/manifest.webmanifest', (_req, res) =>
      res.sendFile(join(dir, 'manifest.webmanifest'), { cacheControl: false, headers: { 'Cache-Control': 'no-cache', 'Content-Type': 'application/manifest+json' } }),
    );
  }
  app.get('/index.html', (_req, res) => sendPage(res));
  // A missing asset (an old build's name) is a 404, never the page.
  app.use(['/assets', '/icons'], (req, _res, next) => next(new HttpProblem(404, 'Not found', `No file ${req.originalUrl}; reload the page for the current build.`)));
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!req.headers.accept?.includes('text/html') || req.path === '/docs') return next();
    sendPage(res);
  });
  return true;
}
