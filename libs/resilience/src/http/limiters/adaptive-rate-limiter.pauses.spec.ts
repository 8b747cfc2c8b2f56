import { RateLimiterRejectedError, VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter } from 'nest-resilience/http';

function tracker(p: Promise<unknown>): { done: () => boolean; error: () => unknown } {
  let done = false;
  let error: unknown;
  p.then(
    () => (done = true),
    (e) => {
      done = true;
      error = e;
    },
  );
  return { done: () => done, error: () => error };
}

describe('AdaptiveRateLimiter pauses and admission', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock(Date.parse('2026-11-24T10:00:00Z'));
  });

  it('a 429 with Retry-After pauses the bucket until the hinted time (virtual clock)', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10 }, { clock });
    const t0 = clock.now();
    const u = l.updateFromHeaders({ 'Retry-After': '2' }, 429);
    expect(u.pausedUntil).toBe(t0 + 2000);
    expect(l.snapshot().pausedUntil).toBe(t0 + 2000);
    const a = tracker(l.acquire());
    await clock.advance(1999);
    expect(a.done()).toBe(false);
    // nothing accumulates during the pause: the first token arrives one interval (100 ms at 10/s) after it
    await clock.advance(100);
    expect(a.done()).toBe(false);
    await clock.advance(1);
    expect(a.done()).toBe(true);
    expect(a.error()).toBeUndefined();
    expect(l.snapshot().pausedUntil).toBeUndefined();
  });

  it('retry-after-ms works too, and a 429 without any hint pauses defaultPauseMs', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, defaultPauseMs: 500 }, { clock });
    expect(l.updateFromHeaders({ 'retry-after-ms': '250' }, 429).pausedUntil).toBe(clock.now() + 250);
    await clock.advance(300);
    expect(l.updateFromHeaders({}, 429).pausedUntil).toBe(clock.now() + 500);
  });

  it('a 429 without retry-after uses the window reset', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.5, maxPauseMs: 600_000 }, { clock });
    const u = l.updateFromHeaders({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' }, 429);
    expect(u.rate).toBe(0.5);
    expect(u.pausedUntil).toBe(clock.now() + 360_000);
    // with the default maxPauseMs, capped at 60 s
    const capped = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.5 }, { clock });
    expect(
      capped.updateFromHeaders({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' }, 429)
        .pausedUntil,
    ).toBe(clock.now() + 60_000);
  });

  it('remaining 0 pauses until the reset even on a 200', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 1 }, { clock });
    const u = l.updateFromHeaders({ RateLimit: '"default";r=0;t=3', 'RateLimit-Policy': '"default";q=100;w=60' }, 200);
    expect(u.pausedUntil).toBe(clock.now() + 3000);
    const a = tracker(l.acquire());
    await clock.advance(3999);
    expect(a.done()).toBe(false);
    await clock.advance(1); // 1 token at 1/s after the pause
    expect(a.done()).toBe(true);
  });

  it('pauses extend, never shorten', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10 }, { clock });
    l.updateFromHeaders({ 'retry-after': '5' }, 429);
    l.updateFromHeaders({ 'retry-after': '1' }, 429);
    expect(l.snapshot().pausedUntil).toBe(clock.now() + 5000);
  });

  it('keeps the core bound after adapting: admitted ≤ burst + rate × W', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, burst: 10, maxWaitMs: Infinity }, { clock });
    l.updateFromHeaders({ 'x-ratelimit-remaining': '20', 'x-ratelimit-reset': '9' }); // 20/9 s × 0.9 = 2/s
    expect(l.rate).toBeCloseTo(2, 12);
    const all = Array.from({ length: 40 }, () => tracker(l.acquire()));
    await clock.advance(0);
    expect(all.filter((t) => t.done()).length).toBe(10);
    await clock.advance(5000);
    expect(all.filter((t) => t.done()).length).toBe(20); // 10 + 2/s × 5 s
    expect(l.snapshot().waiting).toBe(20);
    await clock.advance(10_000);
    expect(all.filter((t) => t.done()).length).toBe(40);
  });

  it('reject mode surfaces RateLimiterRejectedError while paused', async () => {
    const l = new AdaptiveRateLimiter({ name: 'openai', initialRate: 10, mode: 'reject' }, { clock });
    l.updateFromHeaders({ 'retry-after': '3' }, 429);
    const err = await l.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    expect((err as RateLimiterRejectedError).policy).toBe('openai');
    // 3 s pause, then one token at 10/s
    expect((err as RateLimiterRejectedError).retryAfterMs).toBe(3100);
  });

  it('a hostile Retry-After never pauses longer than maxPauseMs (default 60 s)', async () => {
    for (const ra of ['Fri, 29 Sep 100000 16:26:57 GMT', '99999999999999999999999999999999999']) {
      const l = new AdaptiveRateLimiter({ initialRate: 10 }, { clock });
      expect(l.maxPauseMs).toBe(60_000);
      const u = l.updateFromHeaders({ 'retry-after': ra }, 429);
      // the 5-digit year is not a date: the default pause applies; 1e38 ms is capped
      expect(u.pausedUntil).toBe(clock.now() + (ra.includes('GMT') ? 1000 : 60_000));
    }
    const l = new AdaptiveRateLimiter({ initialRate: 10, maxPauseMs: 5000, maxWaitMs: Infinity }, { clock });
    expect(l.updateFromHeaders({ 'retry-after': '86400' }, 429).pausedUntil).toBe(clock.now() + 5000);
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '9999999999999' }, 200).pausedUntil,
    ).toBe(clock.now() + 5000);
    const a = tracker(l.acquire());
    await clock.advance(6001); // cap + one token at minRate (remaining 0 set the rate to 1/s)
    expect(a.done()).toBe(true);
    expect(a.error()).toBeUndefined();
  });

  it('"Zun, …" is no date: the default pause applies, not 0', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, defaultPauseMs: 2000 }, { clock });
    expect(l.updateFromHeaders({ 'retry-after': 'Zun, 29 Sep 2023 16:26:57 GMT' }, 429).pausedUntil).toBe(
      clock.now() + 2000,
    );
  });

  it('a later healthy 200 with fresh headers (remaining > 0) ends the pause early', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, burst: 1, maxWaitMs: Infinity }, { clock });
    l.updateFromHeaders({ 'retry-after': '30' }, 429);
    expect(l.snapshot().pausedUntil).toBe(clock.now() + 30_000);
    const waiting = tracker(l.acquire());
    await clock.advance(1000);
    expect(waiting.done()).toBe(false);
    // a 503 or a 200 without remaining > 0 does not end it
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '10' }, 503).resumed,
    ).toBeUndefined();
    expect(l.updateFromHeaders({ 'x-ratelimit-limit': '100' }, 200).resumed).toBeUndefined();
    expect(l.snapshot().pausedUntil).toBeDefined();
    const u = l.updateFromHeaders(
      { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '50', 'x-ratelimit-reset': '10' },
      200,
    );
    expect(u.resumed).toBe(true);
    expect(l.snapshot().pausedUntil).toBeUndefined();
    // the bucket refills from empty at the new rate (50 / 10 s × 0.9 = 4.5/s): first token in ≈ 223 ms, not 29 s
    await clock.advance(230);
    expect(waiting.done()).toBe(true);
    expect(waiting.error()).toBeUndefined();
  });

  it('a 200 to a request sent before the one that was refused does not end the pause (stale headers)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10 }, { clock });
    const t0 = clock.now();
    l.updateFromHeaders({ 'retry-after': '30' }, 429, t0 + 10); // sent at t0 + 10
    const stale = l.updateFromHeaders({ 'x-ratelimit-remaining': '50', 'x-ratelimit-reset': '10' }, 200, t0);
    expect(stale.resumed).toBeUndefined();
    // stale headers change nothing at all: neither the rate nor the last window
    expect(stale.rate).toBe(10);
    expect(l.snapshot()).toMatchObject({ rate: 10, pausedUntil: t0 + 30_000 });
    expect(l.snapshot().lastWindow).toBeUndefined();
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining': '50', 'x-ratelimit-reset': '10' }, 200, t0 + 20).resumed,
    ).toBe(true);
    // a manual pause is never ended by headers
    l.pause(clock.now() + 10_000);
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining': '50', 'x-ratelimit-reset': '10' }, 200).resumed,
    ).toBeUndefined();
    expect(l.snapshot().pausedUntil).toBe(clock.now() + 10_000);
  });
});
