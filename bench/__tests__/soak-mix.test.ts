import { Answer, ApiClient } from '../http/api-client';
import { IntervalRecorder } from '../soak/intervals';
import { proposedStarts, SoakMix, visitToPropose } from '../soak/mix';

describe("the soak's experts propose as real experts would", () => {
  const now = Date.parse('2026-12-09T10:00:00.000Z');

  it("the first three starts the feed offers them, from two hours ahead", () => {
    const openStarts = ['2026-12-09T11:30:00.000Z', '2026-12-09T12:00:00.000Z', '2026-12-09T12:30:00.000Z', '2026-12-09T13:00:00.000Z', '2026-12-09T15:00:00.000Z'];
    expect(proposedStarts({ openStarts }, now)).toEqual(['2026-12-09T12:00:00.000Z', '2026-12-09T12:30:00.000Z', '2026-12-09T13:00:00.000Z']);
  });

  it('none when the feed offers none (their calendar is full in the windows) or all are too soon', () => {
    expect(proposedStarts({ openStarts: [] }, now)).toEqual([]);
    expect(proposedStarts({}, now)).toEqual([]);
    expect(proposedStarts({ openStarts: ['2026-12-09T11:59:00.000Z'] }, now)).toEqual([]);
  });

  it('pick one of the visits they can propose for, at random (not all experts the first one)', () => {
    const later = new Date(now + 3 * 3_600_000).toISOString();
    const feed = [
      { proposals: [{ expertId: 'exp-1' }], openStarts: [later] },
      { proposals: [], openStarts: [later] },
      { proposals: [], openStarts: [] },
      { proposals: [{ expertId: 'exp-2' }], openStarts: [later] },
    ];
    expect(visitToPropose(feed, 'exp-1', () => 0, now)).toBe(1);
    expect(visitToPropose(feed, 'exp-1', () => 0.99, now)).toBe(3);
    expect(visitToPropose(feed, 'exp-2', () => 0.99, now)).toBe(1);
    expect(visitToPropose(feed.slice(0, 1), 'exp-1', () => 0, now)).toBe(-1);
    expect(visitToPropose([], 'exp-1')).toBe(-1);
  });

  it("propose the feed's starts for a visit they have not proposed for", async () => {
    const later = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    const feed = [
      { visitId: 'vis-mine', proposals: [{ expertId: 'exp-1' }], openStarts: [later(3)] },
      { visitId: 'vis-new', proposals: [{ expertId: 'exp-2' }], openStarts: [later(1), later(3), later(4)] },
    ];
    const proposed: { path: string; body: unknown }[] = [];
    const api = {
      async signIn() {
        return { token: 'access', refreshToken: 'refresh', user: { expertId: 'exp-1' } };
      },
      async call(method: string, path: string, options: { body?: unknown } = {}): Promise<Answer> {
        if (method === 'POST') proposed.push({ path, body: options.body });
        return { status: 200, body: path.startsWith('/visits/feed') ? { visits: [...feed] } : path === '/visits/mine' ? { scheduled: [] } : {}, ms: 1 };
      },
    } as unknown as ApiClient;
    const mix = await SoakMix.start(api, new IntervalRecorder(), [{ role: 'expert', email: 'expert@soak.test', password: 'soak-test-password' }]);
    await mix.client(() => proposed.length > 0);
    expect(proposed).toEqual([{ path: '/visits/vis-new/proposals', body: { starts: [feed[1]!.openStarts[1], feed[1]!.openStarts[2]] } }]);
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

describe("the soak's open backlog", () => {
  const helpdesk = { role: 'helpdesk' as const, email: 'helpdesk@soak.test', password: 'soak-test-password' };
  function fakeApi(answer: Answer) {
    const asked: { path: string; token?: string }[] = [];
    const api = {
      async signIn() {
        return { token: 'access-0', refreshToken: 'refresh-0', user: {} };
      },
      async call(_method: string, path: string, options: { token?: string } = {}): Promise<Answer> {
        asked.push({ path, ...options });
        return answer;
      },
    };
    return { api: api as unknown as ApiClient, asked };
  }

  it("is the staff report's open visits, read as the helpdesk, outside the mix's figures", async () => {
    const { api, asked } = fakeApi({ status: 200, body: { openWork: { visits: { open: 42, finalized: 7 } } }, ms: 5 });
    const recorder = new IntervalRecorder();
    const mix = await SoakMix.start(api, recorder, [helpdesk]);
    expect(await mix.openVisits()).toBe(42);
    expect(asked).toEqual([{ path: '/reports/summary', token: 'access-0' }]);
    expect(recorder.take().latencies).toEqual([]);
  });

  it('is unknown when the report is refused, or there is no helpdesk login', async () => {
    expect(await (await SoakMix.start(fakeApi({ status: 403, body: {}, ms: 5 }).api, new IntervalRecorder(), [helpdesk])).openVisits()).toBeUndefined();
    const expert = { role: 'expert' as const, email: 'expert@soak.test', password: 'soak-test-password' };
    expect(await (await SoakMix.start(fakeApi({ status: 200, body: {}, ms: 5 }).api, new IntervalRecorder(), [expert])).openVisits()).toBeUndefined();
  });
});
