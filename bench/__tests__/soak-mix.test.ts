import { Answer, ApiClient } from '../http/api-client';
import { IntervalRecorder } from '../soak/intervals';
import { proposedStarts, SoakMix } from '../soak/mix';

describe("the soak's experts propose as real experts would", () => {
  const visit = { durationMinutes: 60, windows: [{ start: '2026-12-10T12:00:00.000Z', end: '2026-12-11T04:00:00.000Z' }] };
  const now = Date.parse('2026-12-09T00:00:00.000Z');

  it('whole hours inside the windows, at most three', () => {
    expect(proposedStarts(visit, now)).toEqual(['2026-12-10T12:00:00.000Z', '2026-12-10T13:00:00.000Z', '2026-12-10T14:00:00.000Z']);
  });

  it("only inside the expert's weekly hours, in their time zone", () => {
    // Thursday 08:00–18:00 in New York is 13:00–23:00 UTC in December.
    const weekdays = { timeZone: 'America/New_York', days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '18:00' }])) };
    expect(proposedStarts(visit, now, weekdays)).toEqual(['2026-12-10T13:00:00.000Z', '2026-12-10T14:00:00.000Z', '2026-12-10T15:00:00.000Z']);
    const lateStarts = proposedStarts({ ...visit, windows: [{ start: '2026-12-10T22:00:00.000Z', end: '2026-12-11T04:00:00.000Z' }] }, now, weekdays);
    expect(lateStarts).toEqual(['2026-12-10T22:00:00.000Z']);
  });

  it('none when the windows fall outside their hours', () => {
    const mornings = { timeZone: 'UTC', days: [0, 1, 2, 3, 4, 5, 6].map(() => [{ from: '06:00', to: '09:00' }]) };
    expect(proposedStarts(visit, now, mornings)).toEqual([]);
  });
});

describe("the soak's sessions renew as the web app does", () => {
  const helpdesk = { role: 'helpdesk' as const, email: 'helpdesk@soak.test', password: 'soak-test-password' };

  /** A server with one helpdesk login: its queue answers 200; it records what was asked. */
  function fakeApi(refresh: (refreshToken: string) => Answer) {
    const asked: { method: string; path: string; token?: string; body?: any }[] = [];
    const api = {
      async signIn() {
        return { token: 'access-0', refreshToken: 'refresh-0', user: {} };
      },
      async call(method: string, path: string, options: { token?: string; body?: any } = {}): Promise<Answer> {
        asked.push({ method, path, ...options });
        // Slow enough for a second client to find the renewal under way.
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (path === '/auth/refresh') return refresh(options.body.refreshToken);
        if (path === '/auth/login') return { status: 200, body: { accessToken: 'access-by-password', refreshToken: 'refresh-by-password' }, ms: 20 };
        return { status: 200, body: { tickets: [] }, ms: 20 };
      },
    };
    return { api: api as unknown as ApiClient, asked };
  }

  /** Runs `clients` clients until each has done one action. */
  async function oneActionEach(mix: SoakMix, clients: number, asked: { path: string }[]): Promise<void> {
    const done = () => asked.filter((a) => a.path.startsWith('/helpdesk/') || a.path.endsWith('/history')).length >= clients;
    await Promise.all(Array.from({ length: clients }, () => mix.client(done)));
  }

  it('with the refresh token, once for a session its clients share, and the new token is used', async () => {
    const { api, asked } = fakeApi((token) => (token === 'refresh-0' ? { status: 200, body: { accessToken: 'access-1', refreshToken: 'refresh-1' }, ms: 20 } : { status: 401, body: {}, ms: 20 }));
    const mix = await SoakMix.start(api, new IntervalRecorder(), [helpdesk], { renewMs: 0 });
    await oneActionEach(mix, 2, asked);
    expect(asked.filter((a) => a.path === '/auth/refresh').map((a) => a.body)).toEqual([{ refreshToken: 'refresh-0' }]);
    expect(asked.filter((a) => a.path === '/auth/login')).toEqual([]);
    expect(asked.filter((a) => a.path.startsWith('/helpdesk/')).map((a) => a.token)).toEqual(['access-1', 'access-1']);
  });

  it('with the password when the refresh token is refused', async () => {
    const { api, asked } = fakeApi(() => ({ status: 401, body: { title: 'Invalid refresh token' }, ms: 20 }));
    const mix = await SoakMix.start(api, new IntervalRecorder(), [helpdesk], { renewMs: 0 });
    await oneActionEach(mix, 1, asked);
    expect(asked.filter((a) => a.path === '/auth/login').map((a) => a.body)).toEqual([{ email: helpdesk.email, password: helpdesk.password }]);
    expect(asked.filter((a) => a.path.startsWith('/helpdesk/')).map((a) => a.token)).toEqual(['access-by-password']);
  });

  it('not before the access token is RENEW_MS old', async () => {
    const { api, asked } = fakeApi(() => ({ status: 500, body: {}, ms: 20 }));
    const mix = await SoakMix.start(api, new IntervalRecorder(), [helpdesk]);
    await oneActionEach(mix, 1, asked);
    expect(asked.map((a) => a.path)).toEqual(['/helpdesk/queue?limit=50']);
    expect(asked[0]!.token).toBe('access-0');
  });
});
