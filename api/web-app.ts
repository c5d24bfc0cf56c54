/**
 * Serves the web app (ui/, built into dist/ui) from the API's own server: hashed assets with a
 * year's cache, and index.html for page loads of the app's own paths (its client-side routes),
 * so a reload or a shared link to /portal/tickets/42 opens the app there. API requests are never
 * answered with the page: a page load is a GET that asks for HTML.
 */
import express, { Express } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpProblem } from './http/problem';

export function mountWebApp(app: Express, dir: string): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const page = readFileSync(index);
  app.use(
    '/assets',
    express.static(join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
    }),
  );
  app.get('/favicon.svg', (_req, res) => res.sendFile(join(dir, 'favicon.svg'), { maxAge: '1d' }));
  // A missing asset (an old build's name) is a 404, never the page.
  app.use('/assets', (req, _res, next) => next(new HttpProblem(404, 'Not found', `No asset ${req.path}; reload the page for the current build.`)));
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!req.headers.accept?.includes('text/html') || req.path === '/docs') return next();
    res.setHeader('Cache-Control', 'no-cache'); // always the current build's asset names
    res.type('html').send(page);
  });
  return true;
}
