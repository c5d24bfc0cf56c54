/**
 * Scenario steps shared by the HTTP scenario tests: what a customer, expert, helpdesk or admin
 * client does, over real HTTP against a `startTestSystem()` system.
 */
import { send } from '../../commands/aggregate';
import { customers } from '../../commands/customer';
import { TestSystem } from './harness';

export interface Window {
  start: string;
  end: string;
}

/** A window on 2026-03-DD from HH:MM to HH:MM (UTC). */
export function windowOn(day: number, from: string, to: string): Window {
  const d = String(day).padStart(2, '0');
  return { start: `2026-03-${d}T${from}:00.000Z`, end: `2026-03-${d}T${to}:00.000Z` };
}

/** An instant on 2026-03-DD at HH:MM (UTC), as the API answers it. */
export function at(day: number, hhmm: string): string {
  return `2026-03-${String(day).padStart(2, '0')}T${hhmm}:00.000Z`;
}

export const WINDOW = windowOn(3, '09:00', '12:00');

/** A washer ticket with one one-hour visit in `WINDOW` (fields overridable). */
export function ticketBody(extra: Record<string, unknown> = {}) {
  return {
    applianceModelText: 'Acme washer 3000',
    problem: 'The washer leaks water on the floor',
    priority: 'normal',
    visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [WINDOW] }],
    ...extra,
  };
}

/** Billing reports the customer paid (the paid-customers cache then knows them). */
export async function markPaid(sys: TestSystem, customerId: string, paidUntil = '2026-12-31T00:00:00.000Z'): Promise<void> {
  await send(sys.services.commands, customers, {
    type: 'advancePaidUntil',
    data: { customerId, paidUntil, invoiceId: `inv-${customerId}` },
    metadata: { commandId: `setup-paid-${customerId}`, now: sys.clock.now, actor: { userId: 'test-setup', role: 'system' } },
  });
  await sys.settle();
}

export interface Opened {
  ticketId: string;
  visitIds: string[];
  status: string;
  paymentStatus: string;
}

/** POST /tickets (201 expected), then lets projections and sagas catch up. */
export async function openTicket(sys: TestSystem, token: string, body: Record<string, unknown> = ticketBody()): Promise<Opened> {
  const r = await sys.call('POST', '/tickets', { token, body });
  expect([r.status, r.body]).toEqual([201, expect.anything()]);
  await sys.settle();
  return r.body as Opened;
}

/** A one-visit washer ticket in `window`, proposed by the expert at `start`: the visit is finalized with them. */
export async function scheduledVisit(
  sys: TestSystem,
  tokens: { customer: string; expert: string },
  window: Window,
  start: string,
  extra: Record<string, unknown> = {},
): Promise<{ ticketId: string; visitId: string }> {
  const { ticketId, visitIds } = await openTicket(sys, tokens.customer, ticketBody({ visits: [{ skills: ['washer'], expertsNeeded: 1, durationMinutes: 60, windows: [window] }], ...extra }));
  const visitId = visitIds[0]!;
  await propose(sys, tokens.expert, visitId, [start]);
  const visit = await sys.call('GET', `/visits/${visitId}`, { token: tokens.expert });
  expect(visit.body).toMatchObject({ visitId, status: 'finalized', start });
  return { ticketId, visitId };
}

/** POST /visits/:id/proposals (200 expected), then settles. */
export async function propose(sys: TestSystem, token: string, visitId: string, starts: string[]): Promise<void> {
  const r = await sys.call('POST', `/visits/${visitId}/proposals`, { token, body: { starts } });
  expect([r.status, r.body]).toEqual([200, expect.objectContaining({ visitId })]);
  await sys.settle();
}

/**
 * Runs `step` with the clock `minutes` before `start` when it is earlier than that, then puts the
 * clock back: an expert goes en route shortly before the visit (at most EN_ROUTE_LEAD_MIN
 * before it), while the scenario keeps its own clock for everything else.
 */
export async function shortlyBefore<T>(sys: TestSystem, start: string, step: () => Promise<T>, minutes = 30): Promise<T> {
  const before = sys.clock.now;
  const setOff = new Date(Date.parse(start) - minutes * 60_000);
  if (before >= setOff) return step();
  sys.clock.set(setOff.toISOString());
  try {
    return await step();
  } finally {
    sys.clock.now = before;
  }
}

/** The expert's execution steps, each answered 200, then settles. 'en-route' is sent shortly before the visit starts. */
export async function walk(sys: TestSystem, token: string, visitId: string, steps: readonly (readonly [string, Record<string, unknown>])[]): Promise<void> {
  for (const [path, body] of steps) {
    const send = () => sys.call('POST', `/visits/${visitId}/${path}`, { token, body });
    const r = path === 'en-route' ? await shortlyBefore(sys, (await sys.call('GET', `/visits/${visitId}`, { token })).body.start, send) : await send();
    expect([path, r.status, r.body]).toEqual([path, 200, expect.anything()]);
  }
  await sys.settle();
}

/** Asserts an RFC 9457 answer with `status` (and `code`, for a domain rule). */
export function expectProblem(r: { status: number; body: any; headers: Headers }, status: number, code?: string): void {
  expect([r.status, r.headers.get('content-type')]).toEqual([status, expect.stringMatching(/^application\/problem\+json/)]);
  expect(r.body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
  if (code !== undefined) expect(r.body.code).toBe(code);
}

/** Admin onboards a washer expert over HTTP (Mon–Fri 08–18 UTC unless told); returns their id and a login token. */
export async function onboardExpert(
  sys: TestSystem,
  adminToken: string,
  who: { name: string; email: string; phone: string; password: string; skills?: string[]; location?: { lat: number; lon: number }; radiusKm?: number; everyDay?: boolean; feePerVisitCents?: number },
): Promise<{ expertId: string; token: string }> {
  const days = [0, 1, 2, 3, 4, 5, 6].map((d) => (!who.everyDay && (d === 0 || d === 6) ? [] : [{ from: '08:00', to: '18:00' }]));
  const onboarded = await sys.call('POST', '/experts', {
    token: adminToken,
    body: {
      name: who.name,
      email: who.email,
      phone: who.phone,
      homeLocation: who.location ?? { lat: 42.1015, lon: -72.5898 },
      serviceArea: { kind: 'radius', radiusKm: who.radiusKm ?? 25 },
      skills: who.skills ?? ['washer'],
      availability: { timeZone: 'UTC', days },
      feePerVisitCents: who.feePerVisitCents ?? 7500,
      password: who.password,
    },
  });
  expect([onboarded.status, onboarded.body]).toEqual([201, expect.anything()]);
  await sys.settle();
  const login = await sys.call('POST', '/auth/login', { body: { email: who.email, password: who.password } });
  expect(login.status).toBe(200);
  return { expertId: onboarded.body.expertId, token: login.body.accessToken };
}
