import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import axios from 'axios';
import {
  ApiClientError,
  UpstreamConnectionError,
  UpstreamTimeoutError,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  ClientClosedError,
  UpstreamConflictError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamNotFoundError,
  UpstreamServerError,
  UpstreamStatusError,
} from '../index.js';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  RateLimiterPolicy,
  RateLimiterRejectedError,
  ResilienceConfigError,
  RetryPolicy,
} from '../../core/index.js';
import { ResilienceRegistry } from '../../nest/registry/resilience.registry.js';
import { ApiClient } from './api-client.js';
import { isUpstreamFailure } from './upstream-failure.js';
import { HostOverrideError, InvalidRequestError } from '../errors/invalid-request.error.js';
import { HeaderInjectionError } from '../errors/header-injection.error.js';
import { closedPort, startTestServer, waitFor, type TestServer } from '../testing-support/http-test-server.js';

let srv: TestServer;
const clients: ApiClient[] = [];
function client(
  extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {},
  deps?: ConstructorParameters<typeof ApiClient>[1],
): ApiClient {
  const c = new ApiClient({ name: 'test', baseUrl: srv.baseUrl, timeoutMs: 2000, ...extra }, deps);
  clients.push(c);
  return c;
}
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  srv = await startTestServer();
});
afterEach(() => {
  srv.received.length = 0;
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await srv.close();
});

describe('ApiClient on a given axios instance (e.g. HttpService.axiosRef)', () => {
  it("sends through the instance (its interceptors run) with the client's own response handling", async () => {
    const instance = axios.create({
      baseURL: 'http://127.0.0.1:1/ignored',
      validateStatus: (s) => s < 300,
      maxRedirects: 5,
    });
    let intercepted = 0;
    instance.interceptors.request.use((config) => {
      intercepted++;
      config.headers.set('x-intercepted', 'yes');
      return config;
    });
    const c = client({ axios: instance });
    expect(await c.request('GET', '/json')).toEqual({ ok: true, n: 1 });
    expect(srv.received.at(-1)!.headers['x-intercepted']).toBe('yes');
    // The instance would throw an AxiosError for a 404; the client's typed error wins.
    await expect(c.request('GET', '/status/404')).rejects.toBeInstanceOf(UpstreamNotFoundError);
    expect(intercepted).toBe(2);
    await c.close();
    // Closing the client leaves the instance usable.
    await expect(instance.get(`${srv.baseUrl}/text`, { responseType: 'text' })).resolves.toMatchObject({
      status: 200,
      data: 'hello',
    });
  });

  it('rejects something that is not an axios instance, naming the option', () => {
    expect(() => client({ axios: {} as never })).toThrow(/clients\.test\.axios: "object" \(expected an axios instance/);
  });
});

describe('ApiClient bodies', () => {
  it('parses JSON, returns text otherwise and undefined for 204 / empty bodies', async () => {
    const c = client();
    expect(await c.request('GET', '/json')).toEqual({ ok: true, n: 1 });
    expect(await c.request('GET', '/text')).toBe('hello');
    expect(await c.request('GET', '/empty')).toBeUndefined();
    expect(await c.request('GET', '/empty-200')).toBeUndefined();
  });

  it('requestRaw returns status, lower-cased headers and the parsed body', async () => {
    const raw = await client().requestRaw('GET', '/json');
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(raw.data).toEqual({ ok: true, n: 1 });
    const empty = await client().requestRaw('DELETE', 'empty');
    expect(empty).toEqual({ status: 204, headers: expect.any(Object), data: undefined });
  });

  it('a JSON content type with an invalid body is a typed, non-transient error', async () => {
    const e = (await failure(client().request('GET', '/bad-json'))) as ApiClientError;
    expect(e).toBeInstanceOf(ApiClientError);
    expect(e.status).toBe(200);
    expect(e.isTransient).toBe(false);
  });

  it('sends json with Content-Type application/json, params as a query string, data raw', async () => {
    const c = client();
    const echoed = (await c.request('POST', '/echo', {
      json: { a: 1 },
      params: { q: 'x y', list: [1, 2], skip: undefined },
    })) as Record<string, unknown>;
    expect(echoed).toEqual({
      method: 'POST',
      url: '/echo?q=x+y&list=1&list=2',
      body: '{"a":1}',
      contentType: 'application/json',
    });
    const raw = (await c.request('PUT', '/echo', {
      data: 'plain',
      headers: { 'Content-Type': 'text/plain' },
    })) as Record<string, unknown>;
    expect(raw).toEqual({ method: 'PUT', url: '/echo', body: 'plain', contentType: 'text/plain' });
  });

  it('call() reads a request object without mutating it and refuses unknown keys', async () => {
    const req = Object.freeze({ method: 'post', url: '/echo', json: { b: 2 }, params: { p: 1 } });
    const out = (await client().call(req)) as Record<string, unknown>;
    expect(out).toEqual({ method: 'POST', url: '/echo?p=1', body: '{"b":2}', contentType: 'application/json' });
    expect(req).toEqual({ method: 'post', url: '/echo', json: { b: 2 }, params: { p: 1 } });
    const e = await failure(client().call({ url: '/json', model: 'x' } as never));
    expect(e).toBeInstanceOf(InvalidRequestError);
    expect((e as InvalidRequestError).reason).toBe('unknown-option');
    expect(srv.received.filter((r) => r.url === '/json')).toHaveLength(0);
  });

  it('call() defaults to GET /', async () => {
    srv.received.length = 0;
    await failure(client().call({}));
    expect(srv.received[0]).toMatchObject({ method: 'GET', url: '/' });
  });
});

describe('ApiClient status → error class', () => {
  const cases: [number, new (...a: never[]) => ApiClientError, boolean][] = [
    [400, UpstreamBadRequestError, false],
    [401, UpstreamAuthenticationError, false],
    [403, UpstreamPermissionError, false],
    [404, UpstreamNotFoundError, false],
    [408, UpstreamStatusError, true],
    [409, UpstreamConflictError, true],
    [410, UpstreamStatusError, false],
    [422, UpstreamBadRequestError, false],
    [429, UpstreamRateLimitError, true],
    [500, UpstreamServerError, true],
    [503, UpstreamServerError, true],
    [529, UpstreamServerError, true],
    [302, UpstreamStatusError, false],
  ];
  it.each(cases)('%i → %p (transient %p)', async (status, cls, transient) => {
    const e = (await failure(client().request('GET', `/status/${status}?page=2`))) as ApiClientError;
    expect(e).toBeInstanceOf(cls);
    expect(e.constructor).toBe(cls);
    expect(e.status).toBe(status);
    expect(e.isTransient).toBe(transient);
    expect(e.method).toBe('GET');
    expect(e.url).toBe(`${srv.baseUrl}/status/${status}?page=2`);
    expect(e.requestId).toBe(`req_${status}`);
    if (status === 429) expect((e as UpstreamRateLimitError).retryAfterMs).toBe(2000);
  });
});

describe('ApiClient transport failures', () => {
  it('connection refused → UpstreamConnectionError ECONNREFUSED', async () => {
    const port = await closedPort();
    const c = new ApiClient({ name: 'down', baseUrl: `http://127.0.0.1:${port}` });
    clients.push(c);
    const e = (await failure(c.request('GET', '/x'))) as UpstreamConnectionError;
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.isTransient).toBe(true);
  });

  it('a socket reset mid-body → UpstreamConnectionError', async () => {
    const e = (await failure(client().request('GET', '/reset'))) as ApiClientError;
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.isTransient).toBe(true);
  });

  it('timeout → UpstreamTimeoutError with timeoutMs', async () => {
    const e = (await failure(client().request('GET', '/hang', { timeoutMs: 40 }))) as UpstreamTimeoutError;
    expect(e).toBeInstanceOf(UpstreamTimeoutError);
    expect(e.timeoutMs).toBe(40);
    expect(e.isTransient).toBe(true);
  });

  it('abort via signal rejects with the signal reason, before or during the request', async () => {
    const c = client();
    const before = new AbortController();
    const reason = new Error('stop');
    before.abort(reason);
    srv.received.length = 0;
    expect(await failure(c.request('GET', '/json', { signal: before.signal }))).toBe(reason);
    const during = new AbortController();
    const p = c.request('GET', '/hang', { signal: during.signal });
    await waitUntil(() => srv.received.some((r) => r.url === '/hang'));
    during.abort(reason);
    expect(await failure(p)).toBe(reason);
    expect(srv.received.filter((r) => r.url === '/json')).toHaveLength(0);
  });

  it('close() during a request fails it with ClientClosedError', async () => {
    const c = client();
    const p = c.request('GET', '/hang');
    await waitUntil(() => srv.received.some((r) => r.url === '/hang'));
    await c.close();
    const e = await failure(p);
    expect(e).toBeInstanceOf(ClientClosedError);
  });

  it('close() releases the keep-alive socket: the server sees it close at once', async () => {
    const sockets: Socket[] = [];
    const onConnection = (s: Socket) => sockets.push(s);
    srv.server.on('connection', onConnection);
    try {
      const c = client();
      await c.request('GET', '/json');
      await c.request('GET', '/text'); // same keep-alive socket
      expect(sockets).toHaveLength(1);
      let closed = false;
      sockets[0]!.once('close', () => (closed = true));
      await new Promise((r) => setTimeout(r, 5));
      expect(closed).toBe(false); // kept alive by the agent (the server would wait 5 s)
      await c.close();
      await waitFor(() => closed, 2000);
    } finally {
      srv.server.off('connection', onConnection);
    }
  });

  it('close() destroys the sockets; a later request → ClientClosedError, nothing sent', async () => {
    const c = client();
    await c.request('GET', '/json');
    await c.close();
    await c.close(); // idempotent
    srv.received.length = 0;
    const e = (await failure(c.request('GET', '/json'))) as ClientClosedError;
    expect(e).toBeInstanceOf(ClientClosedError);
    expect(e.client).toBe('test');
    expect(e.isTransient).toBe(false);
    expect(srv.received).toHaveLength(0);
    expect(c.closed).toBe(true);
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error('condition not met');
}

describe('ApiClient refuses unsafe requests before any I/O', () => {
  it.each([
    'http://evil.example/x',
    'https://evil.example',
    '//evil.example/x',
    '\\\\evil.example/x',
    '/\\evil.example',
    ' //evil.example',
    'HTTP://evil.example',
  ])('rejects %p', async (path) => {
    srv.received.length = 0;
    const e = (await failure(client().request('GET', path))) as HostOverrideError;
    expect(e).toBeInstanceOf(HostOverrideError);
    expect(e.reason).toBe('host-override');
    expect(e.isTransient).toBe(false);
    expect(srv.received).toHaveLength(0);
  });

  it('keeps ordinary paths on the base host (including "@" and ":" in the path)', async () => {
    const c = client();
    expect(await c.request('GET', '/echo', { params: { a: 1 } })).toMatchObject({ url: '/echo?a=1' });
    srv.received.length = 0;
    const e = (await failure(c.request('GET', '@evil.example:80'))) as UpstreamNotFoundError; // → base/@evil.example:80
    expect(e.url).toBe(`${srv.baseUrl}/@evil.example:80`);
    expect(srv.received.map((r) => r.url)).toEqual(['/@evil.example:80']);
  });

  it('accepts absolute URLs only with allowAbsoluteUrls', async () => {
    const c = client({ allowAbsoluteUrls: true });
    expect(await c.request('GET', `${srv.baseUrl}/json`)).toEqual({ ok: true, n: 1 });
    expect(await c.request('GET', `//127.0.0.1:${srv.port}/json`)).toEqual({ ok: true, n: 1 });
  });

  it('rejects CR/LF in request headers (typed, value not echoed)', async () => {
    srv.received.length = 0;
    const e = (await failure(
      client().request('GET', '/json', { headers: { 'X-Token': 'abc\r\nX-Evil: 1' } }),
    )) as HeaderInjectionError;
    expect(e).toBeInstanceOf(HeaderInjectionError);
    expect(e.part).toBe('value');
    expect(e.message).not.toContain('abc');
    const n = (await failure(
      client().request('GET', '/json', { headers: { 'X-A\r\nX-B': 'v' } }),
    )) as HeaderInjectionError;
    expect(n.part).toBe('name');
    expect(srv.received).toHaveLength(0);
    expect(() => client({ headers: { Authorization: 'Bearer x\ny' } })).toThrow(HeaderInjectionError);
  });

  it('refuses both json and data', async () => {
    const e = (await failure(client().request('POST', '/echo', { json: {}, data: 'x' }))) as InvalidRequestError;
    expect(e.reason).toBe('body-conflict');
    const t = (await failure(client().request('GET', '/json', { timeoutMs: -1 }))) as InvalidRequestError;
    expect(t.reason).toBe('invalid-option');
  });
});

describe('ApiClient options', () => {
  it('validates options with ResilienceConfigError naming clients.<name>.<option>', () => {
    const cases: [object, string][] = [
      [{ baseUrl: 'ftp://x' }, 'clients.test.baseUrl'],
      [{ baseUrl: 'http://x?q=1' }, 'clients.test.baseUrl'],
      [{ timeout: 0 }, 'clients.test.timeout'],
      [{ maxSockets: 0.5 }, 'clients.test.maxSockets'],
      [{ allowAbsoluteUrls: 'yes' }, 'clients.test.allowAbsoluteUrls'],
      [{ retry: 'nope' }, 'clients.test.retry'],
      [{ timout: 5 }, 'clients.test.timout'],
    ];
    for (const [extra, path] of cases) {
      let err: unknown;
      try {
        new ApiClient({ name: 'test', baseUrl: 'http://127.0.0.1:1', ...extra } as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(path);
    }
  });

  it('resolves policy names through a registry; an unknown name names the option', async () => {
    const registry = await ResilienceRegistry.create({ retries: { fast: { maxRetries: 1 } } });
    try {
      expect(
        () => new ApiClient({ name: 'p', baseUrl: 'http://127.0.0.1:1', retry: 'slow' }, { policies: registry }),
      ).toThrow(expect.objectContaining({ path: 'clients.p.retry', value: 'slow' }) as never);
      const c = new ApiClient({ name: 'p', baseUrl: 'http://127.0.0.1:1', retry: 'fast' }, { policies: registry });
      await c.close();
    } finally {
      await registry.close();
    }
  });
});

describe('ApiClient policies (one pass per attempt)', () => {
  it('a named retry policy retries a 503: the server sees exactly maxRetries + 1 requests', async () => {
    const registry = await ResilienceRegistry.create({
      retries: { twice: { maxRetries: 2, baseDelayMs: 1, jitter: 'none' } },
    });
    try {
      const c = client({ retry: 'twice' }, { policies: registry });
      const e = (await failure(c.request('GET', '/status/503'))) as UpstreamServerError;
      expect(e).toBeInstanceOf(UpstreamServerError);
      expect(srv.received.filter((r) => r.url === '/status/503')).toHaveLength(3);
      srv.received.length = 0;
      await failure(c.request('GET', '/status/404')); // permanent: not retried
      expect(srv.received).toHaveLength(1);
    } finally {
      await registry.close();
    }
  });

  it('each attempt takes a limiter token (retries cannot bypass the limit)', async () => {
    const registry = await ResilienceRegistry.create({
      retries: { many: { maxRetries: 5, baseDelayMs: 1, jitter: 'none' } },
      limiters: { two: { rate: 1, periodMs: 3_600_000, burst: 2, mode: 'reject' } },
    });
    try {
      const c = client({ retry: 'many', limiter: 'two' }, { policies: registry });
      const e = await failure(c.request('GET', '/status/503'));
      expect(e).toBeInstanceOf(RateLimiterRejectedError); // 3rd attempt refused by the limiter
      expect(srv.received).toHaveLength(2);
      expect(registry.limiter('two').snapshot().available).toBeCloseTo(0, 3);
    } finally {
      await registry.close();
    }
  });

  it('the breaker sees one outcome per attempt and opens', async () => {
    const breaker = CircuitBreakerPolicy.create('upstream', { failureThreshold: 3, recoveryTimeMs: 60_000 });
    const retry = RetryPolicy.create('r', {
      maxRetries: 1,
      baseDelayMs: 1,
      jitter: 'none',
      retryOn: (e) => e instanceof UpstreamServerError,
    });
    const c = client({ breaker, retry });
    await failure(c.request('GET', '/status/500')); // 2 attempts → 2 failures
    expect(breaker.snapshot().state).toBe('closed');
    await failure(c.request('GET', '/status/500')); // 3rd failure opens; the retry is refused
    expect(breaker.state()).toBe('open');
    expect(srv.received).toHaveLength(3);
    const e = await failure(c.request('GET', '/json'));
    expect(e).toBeInstanceOf(CircuitBreakerOpenError);
    expect(srv.received).toHaveLength(3);
  });

  it('isUpstreamFailure keeps 4xx caller errors from opening a breaker', async () => {
    const breaker = CircuitBreakerPolicy.create('b4xx', { failureThreshold: 2, failOn: isUpstreamFailure });
    const c = client({ breaker });
    for (let i = 0; i < 4; i++) await failure(c.request('GET', '/status/404'));
    await failure(c.request('GET', '/status/429'));
    expect(breaker.state()).toBe('closed');
    await failure(c.request('GET', '/status/502'));
    await failure(c.request('GET', '/status/500'));
    expect(breaker.state()).toBe('open');
  });

  it('isUpstreamFailure: connection errors, timeouts, 408 and 5xx count; 4xx, 429 and refused requests do not', async () => {
    const c = client();
    const of = async (path: string, timeout?: number) =>
      isUpstreamFailure(await failure(c.request('GET', path, timeout ? { timeoutMs: timeout } : {})));
    expect(await of('/status/500')).toBe(true);
    expect(await of('/status/408')).toBe(true);
    expect(await of('/hang', 30)).toBe(true);
    expect(await of('/reset')).toBe(true);
    expect(await of('/status/400')).toBe(false);
    expect(await of('/status/429')).toBe(false);
    expect(await of('//evil.example')).toBe(false);
    expect(isUpstreamFailure(new Error('bug'))).toBe(true);
    // Local refusals (a limiter or breaker inside the call) never reached the upstream.
    const limiter = RateLimiterPolicy.create('local', { rate: 1, periodMs: 60_000, mode: 'reject' });
    await limiter.acquire([], 1);
    expect(isUpstreamFailure(await failure(limiter.acquire([], 1)))).toBe(false);
    const inner = CircuitBreakerPolicy.create('inner', { failureThreshold: 1 });
    inner.forceOpen();
    expect(isUpstreamFailure(await failure(inner.execute(async () => 1)))).toBe(false);
  });
});

const rnd = () => `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
describe.each([
  // A key shaped like an OpenAI key (also caught by the key-shape patterns)...
  ['sk-canary', `sk-canary-${rnd()}`, 'authorization', (k: string) => `Bearer ${k}`],
  // ...and one no pattern recognises: only the client's own secret list can hide it.
  ['plain canary', `zq${rnd()}`, 'x-api-key', (k: string) => k],
] as const)('ApiClient never leaks its key (%s)', (_label, canary, header, headerValue) => {
  it('the key reaches the server and nothing else', async () => {
    // A hostile server that echoes the key in bodies and headers.
    srv.handle = (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const auth = String(req.headers[header] ?? '');
      const m = /^\/status\/(\d{3})$/.exec(path);
      if (path === '/hang') return;
      if (path === '/reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000', 'x-echo': auth });
        res.write(`{"partial":"${auth}`);
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      if (path === '/bad-json')
        return void res.writeHead(200, { 'content-type': 'application/json', 'x-echo': auth }).end(`{not json ${auth}`);
      if (path === '/text-error')
        return void res.writeHead(418, { 'content-type': 'text/plain', 'x-echo': auth }).end(`teapot says ${auth}`);
      const status = m !== null ? Number(m[1]) : 200;
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-echo': auth,
        'x-request-id': auth.slice(7),
        'www-authenticate': auth,
      });
      res.end(JSON.stringify({ error: { message: `bad key ${auth} / ${auth.slice(7)}` }, request_id: auth }));
    };
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m) };
    const c = client({ name: 'canary', headers: { [header]: headerValue(canary) }, logger });
    const outputs: string[] = [];
    const record = (x: unknown) => {
      outputs.push(inspect(x, { depth: 20, showHidden: true }), String(x), JSON.stringify(x) ?? '');
      if (x instanceof Error)
        outputs.push(x.message, x.stack ?? '', JSON.stringify((x as ApiClientError).toJSON?.() ?? {}));
    };
    try {
      await c.request('GET', '/ok', { params: { api_key: canary } }); // the body is the server's (echoes the key): not recorded
      for (const s of [400, 401, 403, 404, 408, 409, 410, 422, 429, 500, 503, 529])
        record(await failure(c.request('GET', `/status/${s}?key=${canary}`)));
      record(await failure(c.request('GET', '/reset')));
      record(await failure(c.request('GET', '/bad-json')));
      record(await failure(c.call({ method: 'POST', url: '/text-error', json: { q: 1 } })));
      record(await failure(c.call({ url: '/x', apiKey: canary } as never)));
      record(await failure(c.request('GET', '/hang', { timeoutMs: 30 })));
      record(await failure(c.request('GET', `http://evil.example/?token=${canary}`)));
      record(await failure(c.request('GET', '/x', { headers: { 'x-api-key': `${canary}\n` } })));
      const port = await closedPort();
      const down = new ApiClient({
        name: 'down',
        baseUrl: `http://127.0.0.1:${port}`,
        headers: { [header]: headerValue(canary) },
        logger,
      });
      record(await failure(down.request('GET', '/x')));
      record(down);
      await down.close();
      record(await failure(down.request('GET', '/x')));
      record(c);
    } finally {
      srv.handle = (await import('../testing-support/http-test-server.js')).defaultRoutes;
    }
    const sent = srv.received.filter((r) => r.headers[header] === headerValue(canary));
    expect(sent.length).toBe(17);
    expect(lines.length).toBeGreaterThanOrEqual(17);
    outputs.push(...lines);
    const leaks = outputs.filter((o) => o.includes(canary));
    expect(leaks).toEqual([]);
    // The output is still useful: statuses and redacted URLs are there.
    expect(lines.some((l) => l.includes('GET') && l.includes('429') && l.includes('key=[REDACTED]'))).toBe(true);
  });
});
