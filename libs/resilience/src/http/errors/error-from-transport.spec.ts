import http from 'node:http';
import { inspect } from 'node:util';
import type { AddressInfo, Socket } from 'node:net';
import axios, { type AxiosInstance } from 'axios';
import {
  ApiClientError,
  UpstreamConnectionError,
  UpstreamTimeoutError,
  RequestAbortedError,
  UpstreamRateLimitError,
  UpstreamServerError,
  errorFromTransport,
  isAbortError,
} from 'nest-resilience/http';

const CANARY = 'sk-canary-XYZ';

/** A real server on 127.0.0.1 with one behaviour per path. */
function startServer(): Promise<{ server: http.Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/reset-mid-body') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if (path === '/reset-before-headers') {
      req.socket.destroy();
      return;
    }
    if (path === '/hang') {
      return; // never answers; the client times out
    }
    if (path === '/429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2', 'x-request-id': 'req_429' });
      res.end(
        JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }),
      );
      return;
    }
    if (path === '/503') {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after-ms': '250' });
      res.end('upstream unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, sockets })),
  );
}

/** A port nobody listens on: bind one, note it, close it. */
async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function capture(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('errorFromTransport against a real server (axios)', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let client: AxiosInstance;
  let base: string;
  const agent = new http.Agent({ keepAlive: false });

  beforeAll(async () => {
    srv = await startServer();
    base = `http://127.0.0.1:${srv.port}`;
    client = axios.create({
      baseURL: base,
      httpAgent: agent,
      headers: { Authorization: `Bearer ${CANARY}` },
      proxy: false,
    });
  });
  afterAll(async () => {
    agent.destroy();
    for (const s of srv.sockets) s.destroy();
    await new Promise<void>((r) => srv.server.close(() => r()));
  });

  const ctx = (path: string, extra: object = {}) => ({
    method: 'get',
    url: `${base}${path}?api_key=${CANARY}`,
    ...extra,
  });
  const noLeak = (e: ApiClientError) => {
    const text = `${JSON.stringify(e)} ${e.message} ${e.stack} ${inspect(e, { depth: 20 })} ${JSON.stringify((e as { cause?: unknown }).cause)}`;
    expect(text).not.toContain(CANARY);
    expect(JSON.stringify(e).toLowerCase()).not.toContain('authorization');
  };

  it('connection refused → UpstreamConnectionError (transient, ECONNREFUSED)', async () => {
    const port = await freePort();
    const raw = await capture(client.get(`http://127.0.0.1:${port}/x`));
    const e = errorFromTransport(raw, { method: 'get', url: `http://127.0.0.1:${port}/x?key=${CANARY}` });
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.isTransient).toBe(true);
    expect(e.status).toBeUndefined();
    expect(e.url).toBe(`http://127.0.0.1:${port}/x?key=[REDACTED]`);
    expect((e.cause as Error & { code?: string }).code).toBe('ECONNREFUSED');
    // the cause is a sanitized copy: no axios config (which holds the Authorization header)
    expect((e.cause as { config?: unknown }).config).toBeUndefined();
    noLeak(e);
  });

  it('reset before headers → UpstreamConnectionError', async () => {
    const raw = await capture(client.get('/reset-before-headers'));
    const e = errorFromTransport(raw, ctx('/reset-before-headers'));
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.isTransient).toBe(true);
    expect(e.code).toBe('ECONNRESET');
    noLeak(e);
  });

  it('reset mid-body → UpstreamConnectionError, not a status error', async () => {
    const raw = await capture(client.get('/reset-mid-body'));
    const e = errorFromTransport(raw, ctx('/reset-mid-body'));
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.isTransient).toBe(true);
    expect(e.status).toBeUndefined();
    // axios reports a body cut short as ERR_BAD_RESPONSE "stream has been aborted" with the 200 response attached
    expect(e.code).toBe('ERR_BAD_RESPONSE');
    expect(e.message).toContain('stream has been aborted');
    noLeak(e);
  });

  it('axios timeout → UpstreamTimeoutError with timeoutMs', async () => {
    const raw = await capture(client.get('/hang', { timeout: 50 }));
    const e = errorFromTransport(raw, ctx('/hang', { timeoutMs: 50 }));
    expect(e).toBeInstanceOf(UpstreamTimeoutError);
    expect(e.isTransient).toBe(true);
    expect((e as UpstreamTimeoutError).timeoutMs).toBe(50);
    expect(e.code).toBe('ECONNABORTED');
    expect(e.message).toContain('timed out after 50 ms');
    noLeak(e);
  });

  it('axios timeout with clarifyTimeoutError → ETIMEDOUT → UpstreamTimeoutError', async () => {
    const raw = await capture(client.get('/hang', { timeout: 50, transitional: { clarifyTimeoutError: true } }));
    const e = errorFromTransport(raw, ctx('/hang'));
    expect(e).toBeInstanceOf(UpstreamTimeoutError);
    expect(e.code).toBe('ETIMEDOUT');
  });

  it('abort via AbortSignal → RequestAbortedError (not transient)', async () => {
    const ac = new AbortController();
    const p = capture(client.get('/hang', { signal: ac.signal }));
    setTimeout(() => ac.abort(), 10);
    const raw = await p;
    expect(isAbortError(raw)).toBe(true);
    const e = errorFromTransport(raw, ctx('/hang'));
    expect(e).toBeInstanceOf(RequestAbortedError);
    expect(e.isTransient).toBe(false);
    expect(e.message).toBe(`GET ${base}/hang?api_key=[REDACTED] was aborted`);
  });

  it('an axios error with a 429 response → UpstreamRateLimitError with retryAfterMs', async () => {
    const raw = await capture(client.get('/429'));
    const e = errorFromTransport(raw, ctx('/429'));
    expect(e).toBeInstanceOf(UpstreamRateLimitError);
    expect(e.status).toBe(429);
    expect(e.retryAfterMs).toBe(2000);
    expect(e.requestId).toBe('req_429');
    expect(e.code).toBe('rate_limit_exceeded');
    expect((e.cause as { config?: unknown }).config).toBeUndefined();
    expect((e.cause as Error).message).toBe('Request failed with status code 429');
    noLeak(e);
  });

  it('an axios error with a 503 text response → UpstreamServerError with retry-after-ms', async () => {
    const raw = await capture(client.get('/503'));
    const e = errorFromTransport(raw, ctx('/503'));
    expect(e).toBeInstanceOf(UpstreamServerError);
    expect(e.retryAfterMs).toBe(250);
    expect(e.body).toBe('upstream unavailable');
  });

  it('plain Node errors: DNS codes and unknown errors', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    expect(errorFromTransport(dns, { method: 'get', url: 'http://nowhere.invalid/' })).toBeInstanceOf(
      UpstreamConnectionError,
    );
    const again = Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' });
    expect(errorFromTransport(again, { method: 'get', url: 'http://x/' }).code).toBe('EAI_AGAIN');
    const nested = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(errorFromTransport(nested, { method: 'get', url: 'http://x/' })).toBeInstanceOf(UpstreamConnectionError);
    const weird = errorFromTransport(new Error('something odd'), { method: 'get', url: 'http://x/' });
    expect(weird.constructor).toBe(ApiClientError);
    expect(weird.isTransient).toBe(false);
    const dom = errorFromTransport(new DOMException('This operation was aborted', 'AbortError'), {
      method: 'get',
      url: 'http://x/',
    });
    expect(dom).toBeInstanceOf(RequestAbortedError);
    const already = new UpstreamConnectionError('x', { method: 'GET', url: '/' });
    expect(errorFromTransport(already, { method: 'get', url: '/' })).toBe(already);
  });
});
