import { PositionWaiters } from '../position-waiters';

describe('position waiters', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('a wait released in time resolves true and leaves no timer behind', async () => {
    const waiters = new PositionWaiters();
    const reached = waiters.wait(3, 7, 2000);
    const beyond = waiters.wait(3, 9, 2000);
    expect(jest.getTimerCount()).toBe(2);
    waiters.release(8);
    await expect(reached).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(1); // the wait for 9 goes on
    waiters.release(9);
    await expect(beyond).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a wait not released in time resolves false, and a later release does not resolve it again', async () => {
    const waiters = new PositionWaiters();
    const reached = waiters.wait(0, 5, 2000);
    jest.advanceTimersByTime(2000);
    await expect(reached).resolves.toBe(false);
    waiters.release(5);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a position already reached resolves at once, without a timer', async () => {
    const waiters = new PositionWaiters();
    await expect(waiters.wait(5, 5, 2000)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});
