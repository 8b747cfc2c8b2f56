import type http from 'node:http';
import { RateLimiterRejectedError, ResilienceConfigError, RetryPolicy, VirtualClock } from '../../core/index.js';
import { AdaptiveRateLimiter } from '../limiters/adaptive-rate-limiter.js';
import { ApiClient } from './api-client.js';
import { UpstreamBadRequestError, UpstreamRateLimitError, UpstreamServerError } from '../errors/status.error.js';
import { startTestServer, waitFor, type TestServer } from '../testing-support/http-test-server.js';

/**
 * What the server tells the client beyond the status: `x-should-retry`, quota-exhausted 429
 * bodies, Gemini `RetryInfo`, and rate-limit headers feeding an `adaptiveLimiter`.
 */
let srv: TestServer;
const clients: ApiClient[] = [];
/** Answers for the next requests to `/scripted` (then 200 `{"ok":true}`). */
const script: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

beforeAll(async () => {
  srv = await startTestServer();
  srv.handle = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/scripted') {
      const next = script.shift() ?? { status: 200, body: { ok: true } };
      return send(res, next.status, next.headers ?? {}, next.body ?? {});
    }
    if (path === '/rl-ok')
      return send(
        res,
        200,
        {
          'x-ratelimit-limit-requests': '60',
          'x-ratelimit-remaining-requests': '30',
          'x-ratelimit-reset-requests': '10s',
        },
        { ok: true },
      );
    if (path === '/rl-429')
      return send(res, 429, { 'retry-after': '2' }, { error: { message: 'slow down', code: 'rate_limit_exceeded' } });
    if (path === '/503') return send(res, 503, {}, { error: { message: 'down' } });
    return send(res, 200, {}, { path });
  };
});
afterEach(() => {
  srv.received.length = 0;
  script.length = 0;
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await srv.close();
});

function client(clock: VirtualClock, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}): ApiClient {
  const retry = RetryPolicy.create('hints', { maxRetries: 2, baseDelayMs: 10, jitter: 'none' }, { clock });
  const c = new ApiClient({ name: 'hints', baseUrl: srv.baseUrl, timeoutMs: 2000, retry, ...extra });
  clients.push(c);
  return c;
}
const hits = () => srv.received.filter((r) => r.url === '/scripted').length;

/** Runs `p` to completion while advancing the virtual clock through the backoff waits. */
async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T | unknown> {
  let done = false;
  const out = p.then(
    (v) => ((done = true), v),
    (e: unknown) => ((done = true), e),
  );
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 1));
    if (clock.pendingTimers() > 0) await clock.advance(10);
  }
  return out;
}

describe('x-should-retry overrides the status-based decision (default retry predicate)', () => {
  it('x-should-retry: false makes a 503 permanent: sent once', async () => {
    const clock = new VirtualClock();
    script.push({ status: 503, headers: { 'x-should-retry': 'false' } });
    const e = await settle(clock, client(clock).request('GET', '/scripted'));
    expect(e).toBeInstanceOf(UpstreamServerError);
    expect((e as UpstreamServerError).isTransient).toBe(false);
    expect(hits()).toBe(1);
  });

  it('x-should-retry: true makes a 400 transient: retried until it succeeds', async () => {
    const clock = new VirtualClock();
    script.push(
      { status: 400, headers: { 'x-should-retry': 'true' } },
      { status: 400, headers: { 'x-should-retry': 'true' } },
    );
    expect(await settle(clock, client(clock).request('GET', '/scripted'))).toEqual({ ok: true });
    expect(hits()).toBe(3);
  });

  it('without the header a 400 is sent once and a 503 is retried', async () => {
    const clock = new VirtualClock();
    script.push({ status: 400 });
    expect(await settle(clock, client(clock).request('GET', '/scripted'))).toBeInstanceOf(UpstreamBadRequestError);
    expect(hits()).toBe(1);
    srv.received.length = 0;
    script.push({ status: 503 });
    expect(await settle(clock, client(clock).request('GET', '/scripted'))).toEqual({ ok: true });
    expect(hits()).toBe(2);
  });
});

describe('quota-exhausted 429s are permanent; other 429s are retried', () => {
  const cases: [string, unknown][] = [
    [
      'OpenAI insufficient_quota',
      { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } },
    ],
    [
      'Gemini per-day quota',
      {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'quota',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' },
          ],
        },
      },
    ],
    ['Anthropic billing_error', { type: 'error', error: { type: 'billing_error', message: 'credit balance too low' } }],
  ];
  it.each(cases)('%s → UpstreamRateLimitError, quotaExhausted, sent once', async (_label, body) => {
    const clock = new VirtualClock();
    script.push({ status: 429, body });
    const e = (await settle(clock, client(clock).request('POST', '/scripted', { json: {} }))) as UpstreamRateLimitError;
    expect(e).toBeInstanceOf(UpstreamRateLimitError);
    expect(e.quotaExhausted).toBe(true);
    expect(e.isTransient).toBe(false);
    expect(hits()).toBe(1);
  });

  it('OpenAI rate_limit_exceeded is retried', async () => {
    const clock = new VirtualClock();
    script.push({
      status: 429,
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    expect(await settle(clock, client(clock).request('GET', '/scripted'))).toEqual({ ok: true });
    expect(hits()).toBe(2);
  });
});

describe('Gemini RetryInfo.retryDelay drives the retry wait', () => {
  it('a per-minute 429 with retryDelay "34.4s" is retried after exactly 34 400 ms (virtual time)', async () => {
    const clock = new VirtualClock();
    script.push({
      status: 429,
      body: {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'You exceeded your current quota',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
          ],
        },
      },
    });
    const p = client(clock).request('POST', '/scripted', { json: { contents: [] } });
    await waitFor(() => hits() === 1 && clock.pendingTimers() === 1);
    await clock.advance(34_399);
    expect(clock.pendingTimers()).toBe(1); // the retry wait has not fired
    expect(hits()).toBe(1);
    await clock.advance(1);
    await expect(p).resolves.toEqual({ ok: true });
    expect(hits()).toBe(2);
  });
});

describe('ApiClient adaptiveLimiter', () => {
  it('every response updates the rate; a 429 pauses the next request until the hint (virtual time)', async () => {
    const clock = new VirtualClock();
    const adaptive = new AdaptiveRateLimiter({ name: 'up', initialRate: 10, minRate: 0.5 }, { clock });
    const c = client(clock, { retry: undefined, adaptiveLimiter: adaptive });
    await c.request('GET', '/rl-ok');
    expect(adaptive.rate).toBeCloseTo(2.7, 12); // 30 left over 10 s × 0.9
    const e = await c.request('GET', '/rl-429').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UpstreamRateLimitError); // the error's headers fed the limiter too
    expect(adaptive.snapshot()).toMatchObject({ pausedUntil: clock.now() + 2000, updates: 2 });
    srv.received.length = 0;
    const next = c.request('GET', '/after');
    await waitFor(() => clock.pendingTimers() === 1);
    // The pause (2000 ms), then one token at 2.7/s: ceil(2000 + 1000 / 2.7) = 2371 ms.
    await clock.advance(2370);
    expect(clock.pendingTimers()).toBe(1);
    expect(srv.received).toHaveLength(0);
    await clock.advance(1);
    await expect(next).resolves.toEqual({ path: '/after' });
  });

  it('each attempt, retries included, takes a token', async () => {
    const clock = new VirtualClock();
    const adaptive = new AdaptiveRateLimiter({ name: 'two', initialRate: 1, burst: 2, mode: 'reject' }, { clock });
    const e = await settle(clock, client(clock, { adaptiveLimiter: adaptive }).request('GET', '/503'));
    expect(e).toBeInstanceOf(RateLimiterRejectedError); // the 3rd attempt found the bucket empty
    expect((e as RateLimiterRejectedError).policy).toBe('two');
    expect(srv.received.filter((r) => r.url === '/503')).toHaveLength(2);
  });

  it('an abort while waiting for a token rejects with the reason, nothing sent', async () => {
    const clock = new VirtualClock();
    const adaptive = new AdaptiveRateLimiter({ initialRate: 1 }, { clock });
    adaptive.pause(clock.now() + 10_000); // within maxWaitMs: the request queues
    const ac = new AbortController();
    const p = client(clock, { retry: undefined, adaptiveLimiter: adaptive }).request('GET', '/x', {
      signal: ac.signal,
    });
    await waitFor(() => clock.pendingTimers() === 1);
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(srv.received).toHaveLength(0);
  });

  it('must be an AdaptiveRateLimiter', () => {
    let err: unknown;
    try {
      new ApiClient({ name: 'bad', baseUrl: srv.baseUrl, adaptiveLimiter: { acquire() {} } as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as ResilienceConfigError).path).toBe('clients.bad.adaptiveLimiter');
  });
});
