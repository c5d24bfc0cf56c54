import { IntervalRecorder, intervalFigures, intervalLine, summaryLines } from '../soak/intervals';

describe("the soak's summary", () => {
  const server = { rssMb: 500, walBytes: undefined, lag: undefined };
  function interval(index: number, requests: [string, number[]][]) {
    const recorder = new IntervalRecorder();
    for (const [request, latencies] of requests) for (const ms of latencies) recorder.record(ms, 200, request);
    return intervalFigures(index, 60, recorder.take(), server);
  }

  it('names which requests slowed down between the first interval and the last, busiest first, and those only one of them made', () => {
    const first = interval(1, [
      ['GET /tickets/{id}', [10, 10, 10, 10]],
      ['GET /visits/mine', [20, 20]],
      ['GET /helpdesk/queue', [5]],
    ]);
    const middle = interval(2, [['GET /tickets/{id}', [99]]]);
    const last = interval(3, [
      ['GET /tickets/{id}', [10, 12, 10]],
      ['GET /visits/mine', [40, 40, 40, 40, 40]],
      ['POST /tickets', [30]],
    ]);
    expect(summaryLines([first, middle, last], 4).slice(-5)).toEqual([
      'by request (first interval → last):',
      '  GET /visits/mine: 2 → 5 requests, p50 20 ms → 40 ms (2.00), p99 20 ms → 40 ms (2.00)',
      '  GET /tickets/{id}: 4 → 3 requests, p50 10 ms → 10 ms (1.00), p99 10 ms → 12 ms (1.20)',
      // Made in one of the two only: the mix changed.
      '  POST /tickets: 0 → 1 requests, p50 - → 30 ms (-), p99 - → 30 ms (-)',
      '  GET /helpdesk/queue: 1 → 0 requests, p50 5 ms → - (-), p99 5 ms → - (-)',
    ]);
  });

  it('shows the open visits of each interval, and how the backlog moved from the first to the last', () => {
    const recorder = new IntervalRecorder();
    const at = (index: number, openVisits: number | undefined) => intervalFigures(index, 60, recorder.take(), { ...server, openVisits });
    const [first, last] = [at(1, 120), at(2, 135)];
    expect(intervalLine(last, 2)).toMatch(/ {2}open visits 135$/);
    expect(summaryLines([first, last], 4)).toContain('drift (last interval ÷ first): p99 -, rss 1.00, wal -, open visits 120 → 135');
    expect(intervalLine(at(3, undefined), 3)).toMatch(/ {2}open visits -$/);
  });

  it('counts each request of an interval once, with its own percentiles', () => {
    const figures = interval(1, [['GET /tickets/{id}', [1, 2, 3, 4, 100]]]);
    expect(figures.byRequest).toEqual({ 'GET /tickets/{id}': { requests: 5, p50: 3, p99: 100 } });
    expect(figures.requests).toBe(5);
  });
});
