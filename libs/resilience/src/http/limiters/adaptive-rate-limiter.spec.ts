import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { RateLimiterRejectedError, ResilienceConfigError, VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter, UpstreamRateLimitError, errorFromTransport } from 'nest-resilience/http';

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

describe('AdaptiveRateLimiter', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock(Date.parse('2026-11-24T10:00:00Z'));
  });

  it('rate = remaining / time to reset × safetyFactor (50 remaining over 60 s → 0.75/s)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.1 }, { clock });
    const u = l.updateFromHeaders({
      'x-ratelimit-remaining': '50',
      'x-ratelimit-limit': '100',
      'x-ratelimit-reset': '60',
    });
    expect(u.previousRate).toBe(10);
    expect(u.rate).toBeCloseTo(0.75, 12);
    expect(l.rate).toBeCloseTo(0.75, 12);
    expect(u.pausedUntil).toBeUndefined();
    expect(l.snapshot()).toMatchObject({
      name: 'adaptive',
      periodMs: 1000,
      burst: 10,
      minRate: 0.1,
      maxRate: Infinity,
      safetyFactor: 0.9,
      updates: 1,
      lastWindow: { limit: 100, remaining: 50, resetMs: 60_000 },
    });
  });

  it('OpenAI headers: requests window by default, tokens window with unit "tokens"', () => {
    const h = {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    const req = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    expect(req.updateFromHeaders(h).rate).toBeCloseTo(59 * 0.9, 12);
    const tok = new AdaptiveRateLimiter({ initialRate: 100, unit: 'tokens', burst: 4000 }, { clock });
    expect(tok.updateFromHeaders(h).rate).toBeCloseTo((149_984 / 360_000) * 1000 * 0.9, 9);
  });

  it('Anthropic RFC 3339 resets and a custom safety factor and period', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, periodMs: 60_000, safetyFactor: 0.5 }, { clock });
    const u = l.updateFromHeaders({
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '600',
      'anthropic-ratelimit-requests-reset': '2026-11-24T10:00:30Z',
    });
    // 600 per 30 s = 1200 per minute, × 0.5
    expect(u.rate).toBeCloseTo(600, 9);
  });

  it('clamps to [minRate, maxRate]', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5, minRate: 0.1, maxRate: 20 }, { clock });
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '60' }).rate).toBe(0.1);
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '10000', 'x-ratelimit-reset': '1' }).rate).toBe(20);
    expect(l.rateFor(3, 1000)).toBeCloseTo(2.7, 12);
  });

  it('a tiny reset is floored at minResetMs (12ms reset does not give 1000s of calls per second)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '12ms' }).rate,
    ).toBeCloseTo(59 * 0.9, 12);
  });

  it('remaining without a reset assumes defaultResetMs (60 s)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5, minRate: 0.01 }, { clock });
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '120' }).rate).toBeCloseTo(1.8, 12);
  });

  it('headers without rate information leave the rate alone', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    const u = l.updateFromHeaders({ 'content-type': 'application/json' }, 200);
    expect(u).toEqual({ rate: 5, previousRate: 5, info: {} });
    expect(l.snapshot().updates).toBe(0);
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

  it('execute runs the function after admission; setRate clamps', async () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 1, maxRate: 50 }, { clock });
    await expect(l.execute(() => 42)).resolves.toBe(42);
    expect(l.setRate(500)).toBe(50);
    expect(l.setRate(0.001)).toBe(1);
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

  it('validates options with ResilienceConfigError naming the path and value', () => {
    const bad: Array<[object, string]> = [
      [{ initialRate: 0 }, 'adaptiveLimiters.adaptive.initialRate'],
      [{ initialRate: 5, safetyFactor: 1.5 }, 'adaptiveLimiters.adaptive.safetyFactor'],
      [{ initialRate: 5, minRate: 10 }, 'adaptiveLimiters.adaptive.initialRate'],
      [{ initialRate: 5, minRate: 2, maxRate: 1 }, 'adaptiveLimiters.adaptive.maxRate'],
      [{ initialRate: 5, unit: 'bytes' }, 'adaptiveLimiters.adaptive.unit'],
      [{ initialRate: 5, safetyFactr: 0.5 }, 'adaptiveLimiters.adaptive.safetyFactr'],
      [{ initialRate: 5, maxPauseMs: Infinity }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, maxPauseMs: -1 }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, maxPauseMs: '60s' }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, defaultPauseMs: 5000, maxPauseMs: 1000 }, 'adaptiveLimiters.adaptive.maxPauseMs'],
    ];
    for (const [opts, path] of bad) {
      let err: unknown;
      try {
        new AdaptiveRateLimiter(opts as never, { clock });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(path);
    }
    const named = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ResilienceConfigError).path;
      }
      return 'no error';
    };
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, mode: 'queue' } as never))).toBe(
      'adaptiveLimiters.openai.mode',
    );
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, maxWaitMs: -1 }))).toBe(
      'adaptiveLimiters.openai.maxWaitMs',
    );
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5 }, { clock: {} as never }))).toBe(
      'adaptiveLimiters.openai.clock.now',
    );
    const l = new AdaptiveRateLimiter({ name: 'openai', initialRate: 5 }, { clock });
    expect(named(() => l.setRate(-1))).toBe('adaptiveLimiters.openai.rate');
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

describe('AdaptiveRateLimiter fed by a real server (axios response and ApiClientError headers)', () => {
  let server: http.Server;
  let base: string;
  const agent = new http.Agent({ keepAlive: false });
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/limited') {
        res.writeHead(429, {
          'content-type': 'application/json',
          'Retry-After': '3',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '20s',
          'x-ratelimit-limit-requests': '60',
        });
        res.end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '30',
        'x-ratelimit-reset-requests': '10s',
      });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('adapts from a 200 and pauses on a 429 mapped by errorFromTransport', async () => {
    const clock = new VirtualClock();
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.5 }, { clock });
    const ok = await axios.get(`${base}/ok`, { httpAgent: agent, proxy: false });
    expect(l.updateFromHeaders(ok.headers, ok.status).rate).toBeCloseTo(2.7, 12); // 30 / 10 s × 0.9
    const raw = await axios.get(`${base}/limited`, { httpAgent: agent, proxy: false }).catch((e: unknown) => e);
    const err = errorFromTransport(raw, { method: 'GET', url: `${base}/limited` });
    expect(err).toBeInstanceOf(UpstreamRateLimitError);
    const u = l.updateFromHeaders(err.headers, err.status);
    expect(u.rate).toBe(0.5);
    // remaining 0 → until the 20 s reset, which outlasts Retry-After: 3
    expect(u.pausedUntil).toBe(clock.now() + 20_000);
  });
});
