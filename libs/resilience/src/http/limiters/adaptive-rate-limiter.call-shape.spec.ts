import { RateLimiterRejectedError, ResilienceConfigError, VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter } from 'nest-resilience/http';

describe('AdaptiveRateLimiter execute and setRate', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock(Date.parse('2026-11-24T10:00:00Z'));
  });

  it('execute runs the function after admission; setRate clamps', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 1, maxRate: 50 }, { clock });
    await expect(l.execute(() => 42)).resolves.toBe(42);
    expect(l.setRate(500)).toBe(50);
    expect(l.setRate(0.001)).toBe(1);
  });
});

describe('AdaptiveRateLimiter call shape and events', () => {
  it('execute(fn, { signal, tokens }) hands fn its context and takes the tokens', async () => {
    const clock = new VirtualClock();
    const l = new AdaptiveRateLimiter({ initialRate: 1, burst: 3, mode: 'reject' }, { clock });
    const ac = new AbortController();
    expect(await l.execute((ctx) => ctx, { signal: ac.signal, tokens: 2 })).toEqual({ signal: ac.signal, attempt: 1 });
    expect(l.snapshot().available).toBe(1);
    expect(await l.execute((ctx) => ctx.signal)).toBeUndefined();
    expect(await l.execute(() => 1).catch((e: unknown) => e)).toBeInstanceOf(RateLimiterRejectedError);
    const bad = (await l.acquire({ tokens: 4 }).catch((e: unknown) => e)) as ResilienceConfigError;
    expect(bad).toBeInstanceOf(ResilienceConfigError);
    expect(bad.path).toBe('adaptiveLimiters.adaptive.tokens');
  });

  it("onRateChange emits 'adaptive.rate' for header updates, pauses, resumes and setRate; disposing stops it", () => {
    const clock = new VirtualClock();
    const l = new AdaptiveRateLimiter({ name: 'openai', initialRate: 10, minRate: 1, maxRate: 50 }, { clock });
    const seen: unknown[] = [];
    const sub = l.onRateChange((e) => seen.push(e));
    const u = l.updateFromHeaders({ 'x-ratelimit-remaining': '20', 'x-ratelimit-reset': '10' }, 200);
    expect(u.rate).toBeCloseTo(1.8, 12); // 20 / 10 s × 0.9, still returned by updateFromHeaders
    l.updateFromHeaders({ 'x-ratelimit-remaining': '20', 'x-ratelimit-reset': '10' }, 200); // no change: no event
    l.updateFromHeaders({ 'retry-after': '2' }, 429);
    l.updateFromHeaders({ 'x-ratelimit-remaining': '20', 'x-ratelimit-reset': '10' }, 200);
    l.setRate(5);
    l.setRate(5); // no change: no event
    l.pause(clock.now() + 500);
    expect(seen).toEqual([
      { type: 'adaptive.rate', policy: 'openai', rate: u.rate, previousRate: 10, cause: 'headers' },
      {
        type: 'adaptive.rate',
        policy: 'openai',
        rate: u.rate,
        previousRate: u.rate,
        pausedUntil: clock.now() + 2000,
        cause: 'headers',
      },
      { type: 'adaptive.rate', policy: 'openai', rate: u.rate, previousRate: u.rate, resumed: true, cause: 'headers' },
      { type: 'adaptive.rate', policy: 'openai', rate: 5, previousRate: u.rate, cause: 'set-rate' },
      {
        type: 'adaptive.rate',
        policy: 'openai',
        rate: 5,
        previousRate: 5,
        pausedUntil: clock.now() + 500,
        cause: 'pause',
      },
    ]);
    sub.dispose();
    l.setRate(7);
    expect(seen).toHaveLength(5);
  });
});
