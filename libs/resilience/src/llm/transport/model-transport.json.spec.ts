import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Executor } from '../../executor/executor.js';
import { AdaptiveRateLimiter } from '../../http/limiters/adaptive-rate-limiter.js';
import { isUpstreamConnectionError, isUpstreamTimeoutError } from '../../http/errors/transport.error.js';
import { isUpstreamServerError } from '../../http/errors/status.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import {
  openAIInvalidKey,
  openAIRateLimited,
  openAIServerError,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import { ModelTransport } from './model-transport.js';
import type { ModelTransportOptions } from './transport.options.js';

const KEY = 'sk-canary-7f3a9e';
const config = { model: 'gpt-4o-mini', apiKey: KEY, baseUrl: '', maxTokens: 50 };

function setup(server: OpenAIServer, o: Partial<ModelTransportOptions> = {}) {
  const executor = Executor.create('t', {
    concurrencyLimit: 4,
    requestsRate: 1000,
    retry: { maxRetries: 2, baseDelayMs: 1 },
  });
  const transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000, ...o });
  const req = openAIProvider.chatRequest(
    { messages: [{ role: 'user', content: 'hi there' }] },
    { ...config, baseUrl: server.apiBaseUrl },
    false,
  );
  const send = (tokens = 500) =>
    transport.sendJson(server.apiBaseUrl + req.path, req.headers, JSON.stringify(req.body), {
      tokens,
      metadata: { k: 1 },
    });
  return { executor, transport, send };
}

/** Nothing of the key in what a caller may log. */
function expectNoKey(...values: unknown[]): void {
  for (const v of values) {
    const e = v as { stack?: string };
    expect(JSON.stringify(v)).not.toContain(KEY);
    expect(String(v)).not.toContain(KEY);
    if (typeof e?.stack === 'string') expect(e.stack).not.toContain(KEY);
  }
}

/** A port nothing listens on (a server started and closed). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let server: OpenAIServer;
beforeEach(async () => {
  server = await startOpenAIServer({ apiKey: KEY });
});
afterEach(async () => {
  await server.close();
});

describe('ModelTransport.sendJson', () => {
  it('resolves with the 2xx reply and reconciles the reservation with the reported usage', async () => {
    const { send } = setup(server);
    const { event, reply } = send(500);
    const r = await reply;
    expect(r.status).toBe(200);
    const usage = (r.data as { usage: { total_tokens: number } }).usage;
    expect(event.actualTokens).toBe(usage.total_tokens);
    expect(event.actualTokens).toBeLessThan(500);
    expect(r.headers['x-request-id']).toBe('req_1');
    expect(event.responseStatus).toBe(200);
    expect(event.method).toBe('POST');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expectNoKey(event, event.logs);
  });

  it('retries a 429 (honouring retry-after) and resolves with the following 200: two server hits', async () => {
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const { send } = setup(server);
    const { event, reply } = send();
    await expect(reply).resolves.toMatchObject({ status: 200 });
    expect(server.received).toHaveLength(2);
    expect(event.attempts).toBe(2);
  });

  it("feeds the executor's adaptive limiter with the headers of every answer (the 429 and the 200)", async () => {
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const adaptive = new AdaptiveRateLimiter({ name: 'adapt', initialRate: 100 });
    const fed: { status: number | undefined; remaining: string | undefined }[] = [];
    const update = adaptive.updateFromHeaders.bind(adaptive);
    adaptive.updateFromHeaders = (h, status, sentAt) => {
      fed.push({ status, remaining: (h as Record<string, string>)['x-ratelimit-remaining-requests'] });
      return update(h, status, sentAt);
    };
    const executor = Executor.create('ad', {
      concurrencyLimit: 1,
      requestsRate: 1000,
      adaptive,
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    const transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000 });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    const { reply } = transport.sendJson(
      server.apiBaseUrl + '/chat/completions',
      { authorization: `Bearer ${KEY}` },
      body,
      { tokens: 5 },
    );
    await reply;
    expect(fed.map((f) => f.status)).toEqual([429, 200]);
    expect(fed[1]!.remaining).toBeDefined();
  });

  it('does not retry a 500 on a POST (it may have been processed)', async () => {
    server.enqueue(openAIServerError(500));
    const { send } = setup(server);
    const { event, reply } = send();
    const error = await reply.catch((e: unknown) => e);
    expect(isUpstreamServerError(error)).toBe(true);
    expect((error as { isTransient: boolean }).isTransient).toBe(false);
    expect(server.received).toHaveLength(1);
    expect(event.attempts).toBe(1);
    expectNoKey(error, event);
  });

  it('retries a refused connection (the POST was never sent)', async () => {
    const dead = await closedPort();
    let calls = 0;
    const fetchOnce: typeof fetch = (input, init) => {
      calls++;
      const url = calls === 1 ? String(input).replace(`:${server.port}`, `:${dead}`) : input;
      return fetch(url, init);
    };
    const { send } = setup(server, { fetch: fetchOnce });
    const { event, reply } = send();
    await expect(reply).resolves.toMatchObject({ status: 200 });
    expect(calls).toBe(2);
    expect(event.attempts).toBe(2);
    expect(server.received).toHaveLength(1);
  });

  it('a refused connection that persists fails with a transient UpstreamConnectionError after the retries', async () => {
    const dead = await closedPort();
    const { transport } = setup(server);
    const { event, reply } = transport.sendJson(`http://127.0.0.1:${dead}/v1/chat/completions?key=${KEY}`, {}, '{}', {
      tokens: 1,
    });
    const error = await reply.catch((e: unknown) => e);
    expect(isUpstreamConnectionError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ECONNREFUSED');
    expect((error as { isTransient: boolean }).isTransient).toBe(true);
    expect(event.attempts).toBe(3);
    expect(event.url).not.toContain(KEY);
    expectNoKey(error, event);
  });

  it('does not retry a connection reset after the request was sent', async () => {
    server.enqueue({ kind: 'drop' });
    const { send } = setup(server);
    const { event, reply } = send();
    const error = await reply.catch((e: unknown) => e);
    expect(isUpstreamConnectionError(error)).toBe(true);
    expect((error as { isTransient: boolean }).isTransient).toBe(false);
    expect((error as { notRetriedReason?: string }).notRetriedReason).toBeDefined();
    expect(server.received).toHaveLength(1);
    expect(event.attempts).toBe(1);
  });

  it('times out a hung answer with an UpstreamTimeoutError (not retried for a POST) and closes the connection', async () => {
    // Its own server, recording whether the socket that carried each request closed (after an
    // abort, undici may open a fresh idle connection, so a count of open sockets cannot tell).
    const socketClosed: boolean[] = [];
    const hang = http.createServer((req) => {
      const i = socketClosed.push(false) - 1;
      req.socket.on('close', () => (socketClosed[i] = true));
      req.resume(); // and never answer
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const { transport } = setup(server, { timeoutMs: 150 });
      const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/v1/chat/completions`;
      const { event, reply } = transport.sendJson(url, { authorization: `Bearer ${KEY}` }, '{}', { tokens: 5 });
      const error = await reply.catch((e: unknown) => e);
      expect(isUpstreamTimeoutError(error)).toBe(true);
      expect((error as { timeoutMs: number }).timeoutMs).toBe(150);
      expect((error as { isTransient: boolean }).isTransient).toBe(false);
      expect(event.attempts).toBe(1);
      expect(socketClosed).toHaveLength(1);
      await waitFor(() => socketClosed[0] === true);
      expectNoKey(error, event);
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it('maps a 401 whose body echoes the key to a typed error without the key', async () => {
    server.enqueue(openAIInvalidKey(KEY));
    const { send } = setup(server);
    const { event, reply } = send();
    const error = await reply.catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(401);
    expectNoKey(error, event);
  });

  it('rejects bad options with a ResilienceConfigError naming the option', () => {
    const executor = Executor.create('cfg', { concurrencyLimit: 1, requestsRate: 1 });
    expect(() => new ModelTransport(executor, { provider: openAIProvider, secrets: [], timeoutMs: 0 })).toThrow(
      /transport\.cfg\.timeoutMs/,
    );
  });
});
