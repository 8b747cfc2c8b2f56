import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RetryPolicy } from '../../core/index.js';
import { ApiClient } from './api-client.js';
import {
  UpstreamConnectionError,
  UpstreamTimeoutError,
  UpstreamConflictError,
  UpstreamServerError,
  type ApiClientError,
} from '../index.js';

/**
 * A real upstream that counts arrivals per logical request (`x-logical` header) and answers
 * by route: `/hang` never answers, `/fail/<status>` answers that status, `/once/<status>`
 * answers it to the first arrival only (then 200), `/hang-once` hangs the first arrival only,
 * `/reset` resets mid-body.
 */
const arrivals = new Map<string, number>();
const sockets = new Set<Socket>();
let server: http.Server;
let baseUrl: string;
let seq = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const id = String(req.headers['x-logical']);
    const n = (arrivals.get(id) ?? 0) + 1;
    arrivals.set(id, n);
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path === '/hang' || (path === '/hang-once' && n === 1)) return;
      if (path === '/reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setImmediate(() => req.socket.destroy());
        return;
      }
      const m = /^\/(fail|once)\/(\d{3})(?:\/(.*))?$/.exec(path);
      if (m !== null && (m[1] === 'fail' || n === 1)) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (m[3] === 'should-retry') headers['x-should-retry'] = 'true';
        if (m[3] === 'retry-after') headers['retry-after'] = '0';
        res.writeHead(Number(m[2]), headers).end('{"error":{"message":"failed"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const clients: ApiClient[] = [];
function client(extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}, maxRetries = 2): ApiClient {
  const retry = RetryPolicy.create(`idem-${++seq}`, { maxRetries, baseDelayMs: 1, jitter: 'none' });
  const c = new ApiClient({ name: 'idem', baseUrl, timeoutMs: 150, retry, ...extra });
  clients.push(c);
  return c;
}
/** Runs a logical request; returns its outcome and how many times it reached the server. */
async function logical(
  fn: (headers: Record<string, string>) => Promise<unknown>,
): Promise<{ arrivals: number; error?: ApiClientError; value?: unknown }> {
  const id = `L${++seq}`;
  try {
    const value = await fn({ 'x-logical': id });
    return { arrivals: arrivals.get(id) ?? 0, value };
  } catch (error) {
    return { arrivals: arrivals.get(id) ?? 0, error: error as ApiClientError };
  }
}

describe('idempotency: no double-billed request by default', () => {
  it('POST whose response timed out after it was sent: exactly 1 arrival, not retried, says why', async () => {
    const r = await logical((headers) => client().request('POST', '/hang', { json: { prompt: 'hi' }, headers }));
    expect(r.arrivals).toBe(1);
    expect(r.error).toBeInstanceOf(UpstreamTimeoutError);
    expect(r.error!.isTransient).toBe(false);
    expect(r.error!.notRetriedReason).toMatch(/POST is not idempotent/);
    expect(r.error!.message).toMatch(/not retried/);
    expect(r.error!.toJSON()).toMatchObject({ notRetriedReason: expect.stringContaining('Idempotency-Key') });
  });

  it.each([500, 502, 504, 409, 408])('POST answered %d: 1 arrival', async (status) => {
    const r = await logical((headers) => client().request('POST', `/fail/${status}`, { json: {}, headers }));
    expect(r.arrivals).toBe(1);
    expect(r.error!.status).toBe(status);
    expect(r.error!.isTransient).toBe(false);
    if (status === 409) expect(r.error).toBeInstanceOf(UpstreamConflictError);
  });

  it('POST reset mid-body: 1 arrival', async () => {
    const r = await logical((headers) => client().request('POST', '/reset', { json: {}, headers }));
    expect(r.arrivals).toBe(1);
    expect(r.error).toBeInstanceOf(UpstreamConnectionError);
    expect(r.error!.isTransient).toBe(false);
  });

  it.each([
    ['503', '/once/503'],
    ['503 with Retry-After', '/once/503/retry-after'],
    ['529', '/once/529'],
    ['429', '/once/429'],
    ['500 with x-should-retry: true', '/once/500/should-retry'],
  ])('POST answered %s (provably not processed): retried', async (_label, path) => {
    const r = await logical((headers) => client().request('POST', path, { json: {}, headers }));
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ n: 2 });
    expect(r.arrivals).toBe(2);
  });

  it('POST with an Idempotency-Key whose response timed out: retried (any case of the header name)', async () => {
    const r = await logical((headers) =>
      client().request('POST', '/hang-once', { json: {}, headers: { ...headers, 'idempotency-key': 'k-1' } }),
    );
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ n: 2 });
    expect(r.arrivals).toBe(2);
  });

  it('a configured idempotencyHeader counts as the key', async () => {
    const r = await logical((headers) =>
      client({ idempotencyHeader: 'X-Request-Key' }).request('POST', '/once/500', {
        json: {},
        headers: { ...headers, 'X-Request-Key': 'k' },
      }),
    );
    expect(r.arrivals).toBe(2);
    expect(r.value).toEqual({ n: 2 });
  });

  it('GET, PUT and DELETE whose response timed out or got 500: retried as before', async () => {
    const get = await logical((headers) => client().request('GET', '/hang-once', { headers }));
    expect(get).toMatchObject({ arrivals: 2, value: { n: 2 } });
    const put = await logical((headers) => client().request('PUT', '/once/500', { json: {}, headers }));
    expect(put).toMatchObject({ arrivals: 2, value: { n: 2 } });
    const del = await logical((headers) => client().request('DELETE', '/hang', { headers }));
    expect(del.arrivals).toBe(3); // maxRetries 2
    expect(del.error).toBeInstanceOf(UpstreamTimeoutError);
    expect(del.error!.isTransient).toBe(true);
    expect(del.error!.notRetriedReason).toBeUndefined();
  });

  it('idempotent: true on the client or the request retries a POST; idempotent: false stops a PUT', async () => {
    const viaClient = await logical((headers) =>
      client({ idempotent: true }).request('POST', '/once/500', { json: {}, headers }),
    );
    expect(viaClient).toMatchObject({ arrivals: 2, value: { n: 2 } });
    const viaRequest = await logical((headers) =>
      client().call({ method: 'POST', url: '/hang-once', json: {}, headers, idempotent: true }),
    );
    expect(viaRequest).toMatchObject({ arrivals: 2, value: { n: 2 } });
    const put = await logical((headers) =>
      client().request('PUT', '/fail/502', { json: {}, headers, idempotent: false }),
    );
    expect(put.arrivals).toBe(1);
    expect(put.error).toBeInstanceOf(UpstreamServerError);
    expect(put.error!.isTransient).toBe(false);
  });

  it('POST to a refused port: retried (never sent), the error stays transient', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let attempts = 0;
    const retry = RetryPolicy.create(`idem-${++seq}`, {
      maxRetries: 2,
      baseDelayMs: 1,
      jitter: 'none',
      onRetry: () => void attempts++,
    });
    const c = new ApiClient({ name: 'refused', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 500, retry });
    clients.push(c);
    const err = (await c.request('POST', '/x', { json: {} }).catch((e: unknown) => e)) as ApiClientError;
    expect(err).toBeInstanceOf(UpstreamConnectionError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.isTransient).toBe(true);
    expect(attempts).toBe(2);
  });

  it('a retry policy wrapped around the client (as @WithRetry does) gives up on the same errors', async () => {
    const outer = RetryPolicy.create(`outer-${++seq}`, { maxRetries: 3, baseDelayMs: 1, jitter: 'none' });
    const c = client({ retry: undefined });
    const post = await logical((headers) => outer.execute(() => c.request('POST', '/hang', { json: {}, headers })));
    expect(post.arrivals).toBe(1);
    const post503 = await logical((headers) =>
      outer.execute(() => c.request('POST', '/once/503', { json: {}, headers })),
    );
    expect(post503).toMatchObject({ arrivals: 2, value: { n: 2 } });
    const get = await logical((headers) => outer.execute(() => c.request('GET', '/hang-once', { headers })));
    expect(get).toMatchObject({ arrivals: 2, value: { n: 2 } });
  });

  it('validates the options', () => {
    expect(() => client({ idempotent: 'yes' as never })).toThrow(/clients\.idem\.idempotent/);
    expect(() => client({ idempotencyHeader: 'Bad Header' })).toThrow(/clients\.idem\.idempotencyHeader/);
  });
});
