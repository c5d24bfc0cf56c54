/**
 * What the expert app reads besides the visit itself: the ticket's problem in the feed and on
 * every visit, whom to see and where on the visits an expert is on, the map's tile server from
 * the configuration, and the installable app's files served with the right cache headers.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, mapTilesOf } from '../../config/config';
import { startTestSystem, TestSystem } from './harness';
import { markPaid, onboardExpert, openTicket, propose, ticketBody, windowOn } from './scenario';

const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '01103', country: 'US', location: { lat: 42.1015, lon: -72.5898 } };

describe('the expert app’s reads', () => {
  let sys: TestSystem;
  let webApp: string;
  let tokens: { customer: string; expert: string; helpdesk: string; admin: string };

  beforeAll(async () => {
    webApp = mkdtempSync(join(tmpdir(), 'sysops-web-app-'));
    writeFileSync(join(webApp, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(webApp, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(webApp, 'manifest.webmanifest'), '{"name":"Sysops Squad"}');
    mkdirSync(join(webApp, 'icons'));
    writeFileSync(join(webApp, 'icons', 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    sys = await startTestSystem({ webApp });
    await markPaid(sys, 'cust-test');
    tokens = { customer: await sys.token('customer'), expert: await sys.token('expert'), helpdesk: await sys.token('helpdesk'), admin: await sys.token('admin') };
  });
  afterAll(async () => {
    await sys.stop();
    rmSync(webApp, { recursive: true, force: true });
  });

  it('the feed shows each open visit with its ticket’s problem', async () => {
    const { visitIds } = await openTicket(sys, tokens.customer, ticketBody({ problem: 'Drum makes a grinding noise' }));
    const feed = await sys.call('GET', '/visits/feed', { token: tokens.expert });
    expect(feed.status).toBe(200);
    expect(feed.body.visits.find((v: { visitId: string }) => v.visitId === visitIds[0])).toMatchObject({ problem: 'Drum makes a grinding noise' });
  });

  it('whom to see and where: on the schedule and the visit for the expert on it and staff, not for others', async () => {
    const { visitIds } = await openTicket(sys, tokens.customer, ticketBody({ problem: 'Leaks at the door', visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(3, '13:00', '16:00')] }] }));
    const visitId = visitIds[0]!;
    // Another washer expert sees it in their feed before it is taken: no contact for them.
    const other = await onboardExpert(sys, tokens.admin, { name: 'Olga Other', email: 'olga@test.local', phone: '+15550100099', password: 'another password 123' });
    const seen = await sys.call('GET', `/visits/${visitId}`, { token: other.token });
    expect(seen.status).toBe(200);
    expect(seen.body.contact).toBeUndefined();
    expect(seen.body.problem).toBe('Leaks at the door');

    await propose(sys, tokens.expert, visitId, ['2026-03-03T13:00:00.000Z']);
    const contact = { name: 'Casey Customer', phone: '+15550100001', address: ADDRESS };
    const mine = await sys.call('GET', '/visits/mine', { token: tokens.expert });
    expect(mine.body.scheduled.find((v: { visitId: string }) => v.visitId === visitId)).toMatchObject({ status: 'finalized', problem: 'Leaks at the door', contact });
    for (const token of [tokens.expert, tokens.helpdesk]) {
      const visit = await sys.call('GET', `/visits/${visitId}`, { token });
      expect(visit.body.contact).toEqual(contact);
    }
    // The customer knows where they live: the field is left out for them.
    const theirs = await sys.call('GET', `/visits/${visitId}`, { token: tokens.customer });
    expect(theirs.status).toBe(200);
    expect(theirs.body.contact).toBeUndefined();
  });

  it('the schedule lists the fortnight ahead, or the span asked for; a span that ends before it starts is refused', async () => {
    const { visitIds } = await openTicket(sys, tokens.customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [windowOn(24, '09:00', '12:00')] }] }));
    await propose(sys, tokens.expert, visitIds[0]!, ['2026-03-24T09:00:00.000Z']);
    const ids = (answer: { body: { scheduled: { visitId: string }[] } }) => answer.body.scheduled.map((v) => v.visitId);
    // 24 March is past the fortnight from 2 March: named as the next visit, listed when asked for.
    const fortnight = await sys.call('GET', '/visits/mine', { token: tokens.expert });
    expect(fortnight.status).toBe(200);
    expect(ids(fortnight)).not.toContain(visitIds[0]);
    expect(fortnight.body.until).toBe(new Date(sys.clock.now.getTime() + 14 * 24 * 3_600_000).toISOString());
    expect(fortnight.body.nextStart).toBe('2026-03-24T09:00:00.000Z');
    // An offset is read as the instant it names.
    const week = await sys.call('GET', `/visits/mine?from=${encodeURIComponent('2026-03-23T02:00:00+02:00')}&to=2026-03-30T00:00:00Z`, { token: tokens.expert });
    expect([week.status, ids(week), week.body.until, week.body.nextStart]).toEqual([200, [visitIds[0]], '2026-03-30T00:00:00.000Z', null]);
    const before = await sys.call('GET', '/visits/mine?from=2026-03-25T00:00:00Z&to=2026-03-30T00:00:00Z', { token: tokens.expert });
    expect(ids(before)).toEqual([]);

    const backwards = await sys.call('GET', '/visits/mine?from=2026-03-30T00:00:00Z&to=2026-03-23T00:00:00Z', { token: tokens.expert });
    expect([backwards.status, backwards.headers.get('content-type')]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
    expect(backwards.body.errors).toEqual([{ field: 'to', message: 'must be after from' }]);
    const notAnInstant = await sys.call('GET', '/visits/mine?to=next-week', { token: tokens.expert });
    expect([notAnInstant.status, notAnInstant.body.errors?.[0]?.field]).toEqual([400, 'to']);
  });

  it('withdrawing proposals takes an Idempotency-Key: sent again, the first answer and nothing new', async () => {
    const { visitIds } = await openTicket(sys, tokens.customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 2, durationMinutes: 60, windows: [windowOn(3, '09:00', '12:00')] }] }));
    await propose(sys, tokens.expert, visitIds[0]!, ['2026-03-03T09:00:00.000Z']);
    const headers = { 'Idempotency-Key': 'withdraw-once-0001' };
    const first = await sys.call('DELETE', `/visits/${visitIds[0]}/proposals`, { token: tokens.expert, headers });
    const again = await sys.call('DELETE', `/visits/${visitIds[0]}/proposals`, { token: tokens.expert, headers });
    expect([first.status, first.body]).toEqual([200, { visitId: visitIds[0], starts: [] }]);
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([200, first.body, 'true']);
  });

  it('the web app’s settings: the map tiles from MAP_TILE_URL and MAP_TILE_ATTRIBUTION, or none', async () => {
    const r = await sys.call('GET', '/web-app/config');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ mapTiles: { url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '© OpenStreetMap contributors' }, enRouteLeadMinutes: 120, payments: { gateway: 'sandbox', publishableKey: null } });
    expect(mapTilesOf(loadConfig({ MAP_TILE_URL: 'off' }))).toBeNull();
    expect(mapTilesOf(loadConfig({ MAP_TILE_URL: '/tiles/{z}/{x}/{y}.png', MAP_TILE_ATTRIBUTION: 'Our own tiles' }))).toEqual({ url: '/tiles/{z}/{x}/{y}.png', attribution: 'Our own tiles' });
    expect(() => loadConfig({ MAP_TILE_URL: 'https://tiles.example.com/map.png' })).toThrow(/MAP_TILE_URL.*\{z\}, \{x\} and \{y\}/);
  });

  it('the installable app: the service worker and manifest are revalidated at each use, the page is served as /index.html too', async () => {
    const sw = await fetch(`${sys.url}/sw.js`);
    expect([sw.status, sw.headers.get('cache-control'), sw.headers.get('content-type')]).toEqual([200, 'no-cache', 'text/javascript; charset=utf-8']);
    const manifest = await fetch(`${sys.url}/manifest.webmanifest`);
    expect([manifest.status, manifest.headers.get('cache-control'), manifest.headers.get('content-type')]).toEqual([200, 'no-cache', 'application/manifest+json']);
    const page = await fetch(`${sys.url}/index.html`);
    expect([page.status, page.headers.get('cache-control'), await page.text()]).toEqual([200, 'no-cache', expect.stringContaining('<div id="root">')]);
    const icon = await fetch(`${sys.url}/icons/icon-192.png`);
    expect([icon.status, icon.headers.get('cache-control')]).toEqual([200, 'public, max-age=86400']);
    expect((await fetch(`${sys.url}/icons/nope.png`)).status).toBe(404);
  });
});
