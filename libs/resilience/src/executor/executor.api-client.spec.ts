import type http from 'node:http';
import { VirtualClock } from '../core/clock.js';
import { ApiClient } from '../http/client/api-client.js';
import { AdaptiveRateLimiter } from '../http/limiters/adaptive-rate-limiter.js';
import { startTestServer, waitFor, type TestServer } from '../http/testing-support/http-test-server.js';
import { Executor } from './executor.js';

/** The executor in front of a real `ApiClient` and a real `node:http` server on 127.0.0.1. */
const CANARY = 'sk-canary0123456789abcdefCANARY';
let srv: TestServer;
let client: ApiClient;
const script: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

beforeAll(async () => {
  srv = await startTestServer();
  srv.handle = (_req, res) => {
    const next = script.shift() ?? { status: 200, body: { ok: true } };
    send(res, next.status, next.headers ?? {}, next.body ?? {});
  };
  client = new ApiClient({
    name: 'upstream',
    baseUrl: srv.baseUrl,
    timeoutMs: 2000,
    headers: { authorization: `Bearer ${CANARY}`, 'x-api-key': CANARY },
    secrets: [CANARY],
  });
});
afterAll(async () => {
  await client.close();
  await srv.close();
});
beforeEach(() => {
  srv.received.length = 0;
  script.length = 0;
});

const RL = {
  'x-ratelimit-limit-requests': '60',
  'x-ratelimit-remaining-requests': '0',
  'x-ratelimit-reset-requests': '2s',
};

describe('Executor with ApiClient', () => {
  it('honours Retry-After of a 429 (on the executor clock), pauses both buckets, feeds the adaptive limiter', async () => {
    const clock = new VirtualClock(Date.now());
    const adaptive = new AdaptiveRateLimiter({ name: 'adapt', initialRate: 10 }, { clock });
    const fed: (number | undefined)[] = [];
    const update = adaptive.updateFromHeaders.bind(adaptive);
    adaptive.updateFromHeaders = (h, status, sentAt) => (fed.push(status), update(h, status, sentAt));
    const executor = Executor.create(
      'llm',
      {
        concurrencyLimit: 2,
        requestsRate: 100,
        apiTokensRate: 1000,
        apiTokensPeriodMs: 1000,
        retry: { maxRetries: 3, baseDelayMs: 1, jitter: 'none' },
        adaptive,
      },
      { clock },
    );
    script.push({ status: 429, headers: { 'retry-after': '2', ...RL }, body: { error: { message: 'slow down' } } });
    script.push({
      status: 200,
      headers: { 'x-ratelimit-remaining-requests': '59', 'set-cookie': `s=${CANARY}` },
      body: { ok: true },
    });
    const ev = executor.submit(({ signal }) => client.requestRaw('POST', '/v1/chat', { json: { q: 1 }, signal }), {
      tokens: 400,
    });
    await waitFor(() => srv.received.length === 1 && ev.status === 'PROCESSING');
    expect(ev.responseStatus).toBe(429);
    // Both buckets are paused (emptied) until the Retry-After.
    expect(executor.tokensLimiter!.snapshot().available).toBeLessThanOrEqual(0);
    await clock.advance(1999);
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.received).toHaveLength(1);
    // Then the emptied token bucket refills the 400 tokens (400 ms at 1,000 per s).
    await clock.advance(399);
    await new Promise((r) => setTimeout(r, 30));
    expect(srv.received).toHaveLength(1);
    await clock.advance(2);
    await waitFor(() => ev.status === 'COMPLETED');
    expect(srv.received).toHaveLength(2);
    expect(ev.attempts).toBe(2);
    expect(ev.responseStatus).toBe(200);
    expect(ev.responseBody).toEqual({ ok: true });
    expect(ev.responseHeaders).toMatchObject({ 'x-ratelimit-remaining-requests': '59' });
    expect(ev.responseHeaders).not.toHaveProperty('set-cookie');
    expect(JSON.stringify(ev.toJSON())).not.toContain(CANARY);
    expect(fed).toEqual([429, 200]);
    expect(ev.callStartedAt! - ev.createdAt).toBeLessThan(2000);
    expect(clock.now() - ev.createdAt).toBeGreaterThanOrEqual(2400);
  });

  it("a 503 (not processed) refunds the attempt's reservation; a 500 keeps it", async () => {
    const clock = new VirtualClock(Date.now());
    const executor = Executor.create(
      'refund',
      { concurrencyLimit: 1, requestsRate: 100, apiTokensRate: 1000, apiTokensPeriodMs: 3_600_000 },
      { clock },
    );
    script.push({ status: 503 }, { status: 500 });
    const a = executor.submit(({ signal }) => client.requestRaw('GET', '/a', { signal }), { tokens: 400 });
    await waitFor(() => a.status === 'FAILED');
    expect(executor.tokensLimiter!.snapshot().available).toBeCloseTo(1000, 0);
    const b = executor.submit(({ signal }) => client.requestRaw('GET', '/b', { signal }), { tokens: 400 });
    await waitFor(() => b.status === 'FAILED');
    expect(executor.tokensLimiter!.snapshot().available).toBeCloseTo(600, 0);
  });

  it('a 429 pauses the requests bucket for every event until Retry-After', async () => {
    const clock = new VirtualClock(Date.now());
    const executor = Executor.create('pause', { concurrencyLimit: 2, requestsRate: 100 }, { clock });
    script.push({ status: 429, headers: { 'retry-after': '3' } });
    const first = executor.submit(({ signal }) => client.requestRaw('GET', '/a', { signal }));
    await waitFor(() => first.status === 'FAILED');
    const second = executor.submit(({ signal }) => client.requestRaw('GET', '/b', { signal }));
    await clock.advance(2900);
    await new Promise((r) => setTimeout(r, 30));
    expect(second.status).toBe('PROCESSING');
    await clock.advance(200);
    await waitFor(() => second.status === 'COMPLETED');
  });

  it('the canary key is absent from toJSON, logs, errorMessage and the error', async () => {
    const clock = new VirtualClock(Date.now());
    const executor = Executor.create('leaky', { concurrencyLimit: 1, requestsRate: 100 }, { clock });
    script.push({
      status: 400,
      headers: { 'x-api-key': CANARY, 'set-cookie': `sid=${CANARY}`, 'x-echo': `Bearer ${CANARY}` },
      body: { error: { message: `Incorrect API key provided: ${CANARY}` } },
    });
    const ev = executor.submit(({ signal }) => client.requestRaw('POST', `/v1/x?api_key=${CANARY}`, { signal }), {
      metadata: { user: 'u1' },
    });
    await waitFor(() => ev.status === 'FAILED');
    expect(srv.received[0]!.headers['x-api-key']).toBe(CANARY);
    const everything = [JSON.stringify(ev.toJSON()), ev.logs.join('\n'), ev.errorMessage, JSON.stringify(ev.error)];
    for (const s of everything) expect(s).not.toContain(CANARY);
    expect(ev.errorType).toBe('UpstreamBadRequestError');
    expect(ev.responseStatus).toBe(400);
  });
});
