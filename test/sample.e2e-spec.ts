import 'reflect-metadata';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CircuitBreakerService,
  seededRandom,
  VirtualClock,
  type ResilienceModuleOptions,
  type RetryEvent,
} from 'nest-resilience';
import { SampleModule } from '../apps/sample/src/sample.module.js';
import {
  FlakyUpstream,
  formatDuration,
  type FlakyUpstreamOptions,
  type UpstreamStats,
} from '../apps/sample/src/upstream/flaky-upstream.js';

/** Waits (bounded) for something the app does asynchronously; never a timing assertion. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Upstream counters gained since `before`. */
function delta(upstream: FlakyUpstream, before: UpstreamStats): UpstreamStats {
  const now = upstream.stats;
  return {
    requests: now.requests - before.requests,
    ok: now.ok - before.ok,
    notFound: now.notFound - before.notFound,
    unavailable: now.unavailable - before.unavailable,
    rateLimited: now.rateLimited - before.rateLimited,
    unauthorized: now.unauthorized - before.unauthorized,
  };
}

const RECOVERY_MS = 10_000;

/** More options of {@link createSample}. */
interface SampleSetup {
  /** Options of the simulated provider (besides its scripted random source), given the clock. */
  upstream?: (clock: VirtualClock) => FlakyUpstreamOptions;
  env?: Record<string, string>;
  /** Where the app logs (default: nowhere). */
  logger?: LoggerService;
  requestTimeoutMs?: number;
}

/** Builds the sample on a virtual clock with a scripted upstream. */
async function createSample(resilience: ResilienceModuleOptions = {}, setup: SampleSetup = {}) {
  const clock = new VirtualClock();
  // The upstream draws from this queue first, then 0.99 (= success unless a share is ~1).
  const draws: number[] = [];
  const upstream = new FlakyUpstream({ random: () => draws.shift() ?? 0.99, ...setup.upstream?.(clock) });
  const retries: Array<Pick<RetryEvent, 'retry' | 'delayMs'>> = [];
  const moduleRef = await Test.createTestingModule({
    imports: [
      SampleModule.register({
        upstream,
        env: setup.env ?? {},
        ...(setup.requestTimeoutMs !== undefined ? { requestTimeoutMs: setup.requestTimeoutMs } : {}),
        resilience: {
          clock,
          random: seededRandom(42),
          breakers: { quotes: { failureThreshold: 3, recoveryTimeMs: RECOVERY_MS } },
          retries: {
            quotes: {
              maxRetries: 2,
              baseDelayMs: 0,
              jitter: 'none',
              maxRetryAfterMs: 5000,
              onRetry: (e) => retries.push({ retry: e.retry, delayMs: e.delayMs }),
            },
          },
          limiters: { quotes: { rate: 1000, periodMs: 1000 } },
          ...resilience,
        },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: setup.logger ?? false });
  await app.init();
  return { app, clock, draws, upstream, retries, breakers: app.get(CircuitBreakerService) };
}

describe('quotes sample app', () => {
  let sample: Awaited<ReturnType<typeof createSample>>;
  let app: INestApplication;
  let upstream: FlakyUpstream;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    sample = await createSample();
    app = sample.app;
    upstream = sample.upstream;
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    upstream.configure({ failureRate: 0, latencyMs: 0, rateLimitShare: 0 });
    sample.breakers.reset('quotes');
    sample.draws.length = 0;
    sample.retries.length = 0;
  });

  /** Makes every upstream call fail and spends one request opening the breaker. */
  async function openBreaker(): Promise<void> {
    await http().post('/chaos').send({ failureRate: 1 }).expect(200);
    const before = upstream.stats;
    const res = await http().get('/quotes/ACME').expect(502);
    expect(res.body).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'Quotes provider answered 503',
      upstreamStatus: 503,
    });
    // 1 attempt + 2 retries, each counted by the breaker (threshold 3).
    expect(delta(upstream, before)).toEqual({
      requests: 3,
      ok: 0,
      notFound: 0,
      unavailable: 3,
      rateLimited: 0,
      unauthorized: 0,
    });
    expect(sample.breakers.state('quotes')).toBe('open');
  }

  describe('routes', () => {
    it('GET /quotes/:symbol returns the provider quote, upper-casing the ticker', async () => {
      const before = upstream.stats;
      const res = await http().get('/quotes/acme').expect(200);
      expect(res.body).toEqual({
        symbol: 'ACME',
        currency: 'USD',
        price: expect.any(Number),
        seq: before.requests + 1,
      });
      expect(Math.abs(res.body.price - 123.45)).toBeLessThanOrEqual(0.38);
      expect(delta(upstream, before)).toEqual({
        requests: 1,
        ok: 1,
        notFound: 0,
        unavailable: 0,
        rateLimited: 0,
        unauthorized: 0,
      });
      expect(sample.breakers.snapshot('quotes').successes).toBeGreaterThanOrEqual(1);
    });

    it('maps an unknown symbol to 404 without retrying it or counting it as a breaker failure', async () => {
      const before = upstream.stats;
      const failuresBefore = sample.breakers.snapshot('quotes').failures;
      const res = await http().get('/quotes/NOPE').expect(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Unknown symbol' });
      expect(delta(upstream, before).requests).toBe(1);
      expect(sample.retries).toEqual([]);
      expect(sample.breakers.snapshot('quotes')).toMatchObject({
        state: 'closed',
        failures: failuresBefore,
        failureCount: 0,
      });
    });

    it('rejects a malformed ticker with 400 before calling the provider', async () => {
      const before = upstream.stats;
      await http().get('/quotes/%24%24%24').expect(400);
      expect(delta(upstream, before).requests).toBe(0);
    });

    it('GET /health lists every breaker, all closed and up', async () => {
      const res = await http().get('/health').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.details.circuits).toEqual({
        status: 'up',
        store: 'memory',
        open: [],
        openCritical: [],
        breakers: {
          quotes: {
            state: 'closed',
            consecutiveFailures: 0,
            failureThreshold: 3,
            totalFailures: 0,
            totalRejections: 0,
            retryAfterMs: 0,
          },
        },
      });
      expect(Object.keys(res.body.details.circuits.breakers)).toEqual(sample.breakers.names());
    });

    it('GET /circuits returns one snapshot per breaker', async () => {
      const res = await http().get('/circuits').expect(200);
      expect(res.body).toEqual([
        expect.objectContaining({
          name: 'quotes',
          state: 'closed',
          disabled: false,
          forcedOpen: false,
          failureCount: 0,
          retryAfterMs: 0,
          stateChanges: [],
        }),
      ]);
    });

    it('POST /chaos validates every field and changes nothing when one is bad', async () => {
      const bad = await http().post('/chaos').send({ latencyMs: 5, failureRate: 2 }).expect(400);
      expect(bad.body.message).toBe('failureRate must be a number in [0, 1] (got 2)');
      const unknown = await http().post('/chaos').send({ failurerate: 0.5 }).expect(400);
      expect(unknown.body.message).toBe(
        'Unknown chaos setting(s): failurerate (known: failureRate, latencyMs, rateLimitShare)',
      );
      const res = await http().get('/chaos').expect(200);
      expect(res.body).toMatchObject({ failureRate: 0, latencyMs: 0, rateLimitShare: 0 });
      const ok = await http().post('/chaos').send({ rateLimitShare: 0.25 }).expect(200);
      expect(ok.body).toMatchObject({ failureRate: 0, latencyMs: 0, rateLimitShare: 0.25 });
      expect(upstream.chaos).toEqual({ failureRate: 0, latencyMs: 0, rateLimitShare: 0.25 });
    });
  });

  describe('when the provider fails', () => {
    it('opens the breaker; later calls fail fast with 503 and Retry-After, without reaching the provider', async () => {
      await openBreaker();
      const before = upstream.stats;
      const rejectionsBefore = sample.breakers.snapshot('quotes').rejections;
      const res = await http().get('/quotes/ACME').expect(503);
      expect(res.headers['retry-after']).toBe('10');
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: "Circuit breaker 'quotes' is open; retry after 10000 ms",
        circuit: 'quotes',
        retryAfterMs: RECOVERY_MS,
      });
      await sample.clock.advance(4_000);
      const later = await http().get('/quotes/GLOBEX').expect(503);
      expect(later.headers['retry-after']).toBe('6');
      expect(delta(upstream, before).requests).toBe(0);
      expect(sample.breakers.snapshot('quotes').rejections - rejectionsBefore).toBe(2);
    });

    it('/health reports down with the open breaker, when it opened and when it will retry', async () => {
      // failures / rejections are lifetime totals (reset() does not clear them).
      const before = sample.breakers.snapshot('quotes');
      await openBreaker();
      const openedAt = new Date(sample.clock.now()).toISOString();
      const res = await http().get('/health').expect(503);
      expect(res.body.status).toBe('error');
      expect(res.body.error.circuits).toEqual({
        status: 'down',
        store: 'memory',
        open: ['quotes'],
        openCritical: ['quotes'],
        breakers: {
          // consecutiveFailures counts toward opening and is cleared when the breaker opens;
          // totalFailures / totalRejections are lifetime totals.
          quotes: {
            state: 'open',
            consecutiveFailures: 0,
            failureThreshold: 3,
            totalFailures: before.failures + 3,
            totalRejections: before.rejections,
            retryAfterMs: RECOVERY_MS,
            openedAt,
          },
        },
      });
      const circuits = await http().get('/circuits').expect(200);
      expect(circuits.body[0]).toMatchObject({ name: 'quotes', state: 'open', openedAt: sample.clock.now() });
      expect(circuits.body[0].stateChanges.at(-1)).toEqual({
        type: 'breaker.state',
        policy: 'quotes',
        from: 'closed',
        to: 'open',
        at: sample.clock.now(),
      });
    });

    it('recovers by itself: after recoveryTimeMs a successful trial call closes the breaker', async () => {
      await openBreaker();
      await http().post('/chaos').send({ failureRate: 0 }).expect(200);
      await sample.clock.advance(RECOVERY_MS);
      expect(sample.breakers.state('quotes')).toBe('half_open');
      const health = await http().get('/health').expect(200);
      expect(health.body.details.circuits.breakers.quotes.state).toBe('half_open');
      await http().get('/quotes/ACME').expect(200);
      expect(sample.breakers.state('quotes')).toBe('closed');
      await http().get('/health').expect(200);
    });

    it('a failed trial call opens the breaker again for a full recoveryTimeMs', async () => {
      await openBreaker();
      await sample.clock.advance(RECOVERY_MS);
      const before = upstream.stats;
      sample.retries.length = 0;
      const res = await http().get('/quotes/ACME').expect(503);
      // The trial failed and reopened the breaker; the retry then met the open breaker and gave
      // up (its 10 s hint is beyond maxRetryAfterMs), so only one call reached the provider.
      expect(res.headers['retry-after']).toBe('10');
      expect(res.body.circuit).toBe('quotes');
      expect(delta(upstream, before)).toEqual({
        requests: 1,
        ok: 0,
        notFound: 0,
        unavailable: 1,
        rateLimited: 0,
        unauthorized: 0,
      });
      expect(sample.retries).toEqual([{ retry: 1, delayMs: 0 }]);
      expect(sample.breakers.snapshot('quotes')).toMatchObject({ state: 'open', retryAfterMs: RECOVERY_MS });
    });

    it('POST /circuits/:name/reset closes it at once', async () => {
      await openBreaker();
      await http().post('/chaos').send({ failureRate: 0 }).expect(200);
      const res = await http().post('/circuits/quotes/reset').expect(200);
      expect(res.body).toMatchObject({ name: 'quotes', state: 'closed', failureCount: 0, retryAfterMs: 0 });
      await http().get('/health').expect(200);
      await http().get('/quotes/HOOLI').expect(200);
      const unknown = await http().post('/circuits/nope/reset').expect(404);
      expect(unknown.body.message).toBe('No circuit breaker named "nope" (known: quotes)');
    });
  });

  describe('when the provider rate-limits', () => {
    it("retries a 429 after the provider's Retry-After (the adaptive limiter pauses as long), then answers 200", async () => {
      await http().post('/chaos').send({ rateLimitShare: 0.5 }).expect(200);
      sample.draws.push(0.1); // first call: 429 with Retry-After: 1; the next ones succeed
      const before = upstream.stats;
      const failuresBefore = sample.breakers.snapshot('quotes').failures;
      let settled = false;
      const pending = http()
        .get('/quotes/INITECH')
        .then((res) => {
          settled = true;
          return res;
        });
      // The retry is now waiting on the (virtual) clock for the 1 s hint.
      await until(() => sample.clock.pendingTimers() === 1, 'the retry to wait');
      expect(settled).toBe(false);
      expect(sample.retries).toEqual([{ retry: 1, delayMs: 1000 }]);
      expect(delta(upstream, before)).toEqual({
        requests: 1,
        ok: 0,
        notFound: 0,
        unavailable: 0,
        rateLimited: 1,
        unauthorized: 0,
      });
      // The same 429 paused the client's adaptive limiter for the hinted second.
      const paused = (await http().get('/ratelimit').expect(200)).body as {
        rate: number;
        pausedForMs: number;
        available: number;
      };
      expect(paused).toMatchObject({ name: 'quotes-upstream', pausedForMs: 1000, available: 0 });
      await sample.clock.advance(999);
      expect(settled).toBe(false);
      await sample.clock.advance(1);
      // The retry is due; nothing accumulated during the pause, so it waits one token interval.
      await until(() => sample.clock.pendingTimers() === 1, 'the retry to wait for a token');
      const interval = Math.ceil(1000 / paused.rate);
      await sample.clock.advance(interval - 1);
      expect(delta(upstream, before).requests).toBe(1);
      await sample.clock.advance(1);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ symbol: 'INITECH', currency: 'USD' });
      expect(delta(upstream, before)).toEqual({
        requests: 2,
        ok: 1,
        notFound: 0,
        unavailable: 0,
        rateLimited: 1,
        unauthorized: 0,
      });
      // A 429 is the provider pacing us, not failing: the breaker does not count it.
      expect(sample.breakers.snapshot('quotes')).toMatchObject({
        state: 'closed',
        failureCount: 0,
        failures: failuresBefore,
      });
    });
  });
});

describe('quotes sample app with a tight client-side limit', () => {
  it('answers 429 with Retry-After once the limiter rejects, without calling the provider', async () => {
    const sample = await createSample({ limiters: { quotes: { rate: 2, periodMs: 60_000, mode: 'reject' } } });
    try {
      const http = () => request(sample.app.getHttpServer());
      const before = sample.upstream.stats;
      await http().get('/quotes/ACME').expect(200);
      await http().get('/quotes/ACME').expect(200);
      const res = await http().get('/quotes/ACME').expect(429);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        limiter: 'quotes',
        retryAfterMs: 30_000,
      });
      expect(delta(sample.upstream, before).requests).toBe(2);
    } finally {
      await sample.app.close();
    }
  });

  it('stops the simulated provider when the app closes', async () => {
    const sample = await createSample();
    const url = sample.upstream.url;
    await sample.app.close();
    expect(() => sample.upstream.url).toThrow('FlakyUpstream is not started');
    await expect(fetch(`${url}/quotes/ACME`)).rejects.toThrow('fetch failed');
  });
});

describe('GET /ratelimit: the adaptive limiter follows the provider', () => {
  it('starts at its initial rate, then follows x-ratelimit-* and waits for the reset instead of getting a 429', async () => {
    // A provider allowing 10 requests per second, its window on the virtual clock.
    const sample = await createSample(
      {},
      { upstream: (clock) => ({ quotaLimit: 10, quotaWindowMs: 1000, now: () => clock.now() }) },
    );
    try {
      const http = () => request(sample.app.getHttpServer());
      const initial = await http().get('/ratelimit').expect(200);
      expect(initial.body).toEqual({
        name: 'quotes-upstream',
        rate: 10,
        periodMs: 1000,
        burst: 20,
        available: 20,
        waiting: 0,
        minRate: 1,
        maxRate: 100,
        safetyFactor: 0.9,
        updates: 0,
        pausedForMs: 0,
      });
      await http().get('/quotes/ACME').expect(200);
      const first = await http().get('/ratelimit').expect(200);
      // 9 left in a window resetting in 1 s: 9 / 1 s × 0.9.
      expect(first.body).toMatchObject({
        rate: 8.1,
        updates: 1,
        lastWindow: { limit: 10, remaining: 9, resetMs: 1000 },
        lastUpdateAt: sample.clock.now(),
        pausedForMs: 0,
      });
      expect(first.body.available).toBeCloseTo(19, 9);
      for (let i = 0; i < 9; i++) await http().get('/quotes/GLOBEX').expect(200);
      // The window is spent: the rate drops to minRate and the limiter pauses until the reset.
      const spent = await http().get('/ratelimit').expect(200);
      expect(spent.body).toMatchObject({
        rate: 1,
        updates: 10,
        lastWindow: { limit: 10, remaining: 0, resetMs: 1000 },
        pausedForMs: 1000,
        available: 0,
      });
      const before = sample.upstream.stats;
      let settled = false;
      const next = http()
        .get('/quotes/HOOLI')
        .then((res) => {
          settled = true;
          return res;
        });
      await until(() => sample.clock.pendingTimers() === 1, 'the call to wait for the limiter');
      expect((await http().get('/ratelimit').expect(200)).body).toMatchObject({ waiting: 1, pausedForMs: 1000 });
      // The pause (1000 ms), then one token at 1/s.
      await sample.clock.advance(1999);
      expect(settled).toBe(false);
      expect(delta(sample.upstream, before).requests).toBe(0);
      await sample.clock.advance(1);
      expect((await next).status).toBe(200);
      // The provider's window had reset: no 429 at all, and the rate is back up.
      expect(delta(sample.upstream, before)).toEqual({
        requests: 1,
        ok: 1,
        notFound: 0,
        unavailable: 0,
        rateLimited: 0,
        unauthorized: 0,
      });
      expect(sample.upstream.stats.rateLimited).toBe(0);
      expect((await http().get('/ratelimit').expect(200)).body).toMatchObject({
        rate: 8.1,
        waiting: 0,
        pausedForMs: 0,
        lastWindow: { remaining: 9 },
      });
    } finally {
      await sample.app.close();
    }
  });

  it('a limiter wait longer than maxWaitMs answers 429 naming the adaptive limiter, not counted by the breaker', async () => {
    const sample = await createSample(
      {},
      { upstream: (clock) => ({ quotaLimit: 1, quotaWindowMs: 60_000, now: () => clock.now() }) },
    );
    try {
      const http = () => request(sample.app.getHttpServer());
      await http().get('/quotes/ACME').expect(200); // remaining 0, reset in 60 s: paused for a minute
      expect((await http().get('/ratelimit').expect(200)).body).toMatchObject({ pausedForMs: 60_000 });
      const before = sample.upstream.stats;
      const res = await http().get('/quotes/ACME').expect(429);
      expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', limiter: 'quotes-upstream' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(60);
      expect(delta(sample.upstream, before).requests).toBe(0);
      expect(sample.breakers.snapshot('quotes')).toMatchObject({ state: 'closed', failures: 0 });
    } finally {
      await sample.app.close();
    }
  });
});

describe('the sample never shows its provider key', () => {
  it('a canary key reaches the provider and appears in no answer, header or log line', async () => {
    const canary = `zq-canary-${Math.random().toString(36).slice(2)}`;
    const lines: string[] = [];
    const capture = (...args: unknown[]) =>
      void lines.push(args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' '));
    const logger: LoggerService = {
      log: capture,
      error: capture,
      warn: capture,
      debug: capture,
      verbose: capture,
      fatal: capture,
    };
    const shown: string[] = [];
    const record = (res: request.Response) => shown.push(String(res.status), JSON.stringify(res.headers), res.text);

    // 1. The provider expects the key: success, 404, 503 (breaker opens), breaker open, 429, timeout.
    const sample = await createSample(
      {},
      { env: { QUOTES_API_KEY: canary }, upstream: () => ({ apiKey: canary }), logger, requestTimeoutMs: 20 },
    );
    try {
      const http = () => request(sample.app.getHttpServer());
      record(await http().get('/quotes/ACME').expect(200));
      record(await http().get('/quotes/NOPE').expect(404));
      record(await http().post('/chaos').send({ failureRate: 1 }).expect(200));
      record(await http().get('/quotes/ACME').expect(502));
      record(await http().get('/quotes/ACME').expect(503));
      sample.breakers.reset('quotes');
      record(await http().post('/chaos').send({ failureRate: 0, rateLimitShare: 1 }).expect(200));
      sample.retries.length = 0;
      let done = false;
      const limited = http()
        .get('/quotes/ACME')
        .then((res) => ((done = true), res));
      // Move the clock through every retry and limiter wait until the answer comes.
      for (let i = 0; i < 2000 && !done; i++) {
        if (sample.clock.pendingTimers() > 0) await sample.clock.advance(1000);
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const spent = await limited;
      expect(spent.status).toBe(502);
      expect(spent.body).toMatchObject({ message: 'Quotes provider answered 429', upstreamStatus: 429 });
      record(spent);
      sample.breakers.reset('quotes');
      record(await http().post('/chaos').send({ rateLimitShare: 0, latencyMs: 200 }).expect(200));
      await sample.clock.advance(5000);
      const slow = await http().get('/quotes/ACME').expect(502);
      expect(slow.body.message).toBe('Quotes provider did not answer in time');
      record(slow);
      for (const path of ['/ratelimit', '/health', '/circuits', '/chaos']) record(await http().get(path));
      expect(sample.upstream.stats.unauthorized).toBe(0); // every call carried the key
      expect(sample.upstream.stats.requests).toBeGreaterThanOrEqual(8);
    } finally {
      await sample.app.close();
    }

    // 2. A provider that rejects the key and echoes it back (401).
    const rejecting = await createSample(
      {},
      { env: { QUOTES_API_KEY: canary }, upstream: () => ({ apiKey: 'another-key' }), logger },
    );
    try {
      const res = await request(rejecting.app.getHttpServer()).get('/quotes/ACME').expect(502);
      expect(res.body).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'Quotes provider answered 401',
        upstreamStatus: 401,
      });
      record(res);
      expect(rejecting.upstream.stats.unauthorized).toBe(1);
    } finally {
      await rejecting.app.close();
    }

    // The client's debug lines and the filter's warnings were written: that path was exercised.
    expect(lines.some((l) => l.includes('quotes GET') && l.includes('/quotes/ACME') && l.includes('200'))).toBe(true);
    expect(lines.some((l) => l.includes('Quotes provider answered 401'))).toBe(true);
    const leaks = [...shown, ...lines].filter((x) => x.includes(canary));
    expect(leaks).toEqual([]);
  });
});

describe('quote board: timeout, bulkhead and fallback to the last known quote', () => {
  let sample: Awaited<ReturnType<typeof createSample>>;
  const http = () => request(sample.app.getHttpServer());

  beforeAll(async () => {
    sample = await createSample({}, { env: { BOARD_TIMEOUT_MS: '1500' } });
  });

  afterAll(async () => {
    await sample.app.close();
  });

  beforeEach(() => {
    sample.upstream.configure({ failureRate: 0, latencyMs: 0, rateLimitShare: 0 });
    sample.breakers.reset('quotes');
  });

  it('answers fresh quotes; when the provider fails, the last known quote marked stale', async () => {
    const fresh = await http().get('/board/acme').expect(200);
    expect(fresh.body).toMatchObject({ symbol: 'ACME', currency: 'USD', stale: false });
    await http().post('/chaos').send({ failureRate: 1 }).expect(200);
    const stale = await http().get('/board/ACME').expect(200);
    expect(stale.body).toEqual({ ...fresh.body, stale: true, staleReason: 'UpstreamServerError' });
    // The breaker opened meanwhile: the board still answers, without calling the provider.
    expect(sample.breakers.state('quotes')).toBe('open');
    const before = sample.upstream.stats.requests;
    const refused = await http().get('/board/ACME').expect(200);
    expect(refused.body).toMatchObject({ stale: true, staleReason: 'CircuitBreakerOpenError' });
    expect(sample.upstream.stats.requests).toBe(before);
  });

  it('with no quote known yet the failure goes through; an unknown symbol (404) is never hidden', async () => {
    await http().get('/board/NOPE').expect(404);
    await http().post('/chaos').send({ failureRate: 1 }).expect(200);
    await http().get('/board/GLOBEX').expect(502);
  });

  it('a provider slower than BOARD_TIMEOUT_MS gets the last known quote at the deadline (TimeoutError)', async () => {
    const fresh = await http().get('/board/HOOLI').expect(200);
    await http().post('/chaos').send({ latencyMs: 300 }).expect(200);
    const requests = sample.upstream.stats.requests;
    let done = false;
    const pending = http()
      .get('/board/HOOLI')
      .then((res) => ((done = true), res));
    await until(() => sample.upstream.stats.requests > requests, 'the board call to reach the provider');
    await sample.clock.advance(1_499);
    expect(done).toBe(false);
    await sample.clock.advance(1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...fresh.body, stale: true, staleReason: 'TimeoutError' });
    // The late answer still arrives and refreshes the board's cache (seen once the provider fails).
    await http().post('/chaos').send({ latencyMs: 0, failureRate: 1 }).expect(200);
    let latest = res.body as { seq: number };
    for (let i = 0; i < 200 && latest.seq === fresh.body.seq; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      latest = (await http().get('/board/HOOLI').expect(200)).body;
    }
    expect(latest).toMatchObject({ symbol: 'HOOLI', stale: true });
    expect(latest.seq).toBeGreaterThan(fresh.body.seq);
  });

  it('/health reports the board bulkhead: calls in flight and queued beside its limits', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body.details.bulkheads).toEqual({
      status: 'up',
      saturated: [],
      saturatedCritical: [],
      bulkheads: { board: { inFlight: 0, queued: 0, maxConcurrent: 10, maxQueued: 20, saturated: false } },
    });
  });
});

describe('FlakyUpstream', () => {
  let upstream: FlakyUpstream;
  let now = 5_000;
  const draws: number[] = [];

  beforeAll(async () => {
    upstream = await new FlakyUpstream({
      random: () => draws.shift() ?? 0.99,
      quotaLimit: 3,
      quotaWindowMs: 1000,
      now: () => now,
    }).start();
  });

  afterAll(async () => {
    await upstream.stop();
  });

  it('sends rate-limit headers and, for a simulated 429, Retry-After in seconds', async () => {
    upstream.configure({ failureRate: 0.2, rateLimitShare: 0.3 });
    draws.push(0.9, 0.1, 0.3);
    const ok = await fetch(`${upstream.url}/quotes/ACME`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(ok.headers.get('x-ratelimit-reset-requests')).toBe('1s');
    expect(ok.headers.get('retry-after')).toBeNull();
    now += 250;
    const unavailable = await fetch(`${upstream.url}/quotes/ACME`);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(unavailable.headers.get('x-ratelimit-reset-requests')).toBe('750ms');
    const limited = await fetch(`${upstream.url}/quotes/ACME`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ error: 'rate_limited', message: 'Too many requests' });
    // The real quota (3 per window) is spent: the 4th request is refused whatever the draw.
    const overQuota = await fetch(`${upstream.url}/quotes/ACME`);
    expect(overQuota.status).toBe(429);
    expect(overQuota.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // A new window restores the quota.
    now += 1000;
    const fresh = await fetch(`${upstream.url}/quotes/ACME`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(upstream.stats).toEqual({
      requests: 5,
      ok: 2,
      notFound: 0,
      unavailable: 1,
      rateLimited: 2,
      unauthorized: 0,
    });
  });

  it('rejects out-of-range chaos settings, naming the setting', () => {
    expect(() => upstream.configure({ rateLimitShare: -0.1 })).toThrow(
      'rateLimitShare must be a number in [0, 1] (got -0.1)',
    );
    expect(() => new FlakyUpstream({ latencyMs: Number.NaN })).toThrow(
      'latencyMs must be a number in [0, 60000] (got NaN)',
    );
  });

  it('formats reset durations like provider headers', () => {
    expect([0, 250, 999, 999.2, 1000, 1001, 59_000, 90_000].map(formatDuration)).toEqual([
      '0ms',
      '250ms',
      '999ms',
      '1s',
      '1s',
      '2s',
      '59s',
      '1m30s',
    ]);
  });
});
