import { inspect } from 'node:util';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { ApiClient } from '../client/api-client.js';
import { Endpoint } from './endpoint.js';
import type { EndpointConfig } from './endpoint-config.options.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { UpstreamAuthenticationError } from '../errors/status.error.js';
import { startTestServer, type TestServer } from '../testing-support/http-test-server.js';

const CANARY = `sk-canary-${Math.random().toString(36).slice(2)}`;
let srv: TestServer;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  srv = await startTestServer();
});
afterEach(() => {
  srv.received.length = 0;
});
afterAll(async () => {
  for (const o of open) await o.close();
  await srv.close();
});

function endpoint(cfg: Partial<EndpointConfig> = {}, env: Record<string, string> = { TEST_KEY: CANARY }): Endpoint {
  const e = new Endpoint(
    { name: 'chat', provider: 'openai', baseUrl: srv.baseUrl, endpoint: 'echo', apiKeyEnv: 'TEST_KEY', ...cfg },
    { env },
  );
  open.push(e);
  return e;
}

describe('Endpoint.createPayload', () => {
  it('merges requestDefaults and the request (request wins, undefined skipped) without mutating either', () => {
    const defaults = { model: 'gpt-4o-mini', temperature: 0.2 };
    const req = Object.freeze({ temperature: 0.7, messages: [{ role: 'user', content: 'hi' }], user: undefined });
    const e = endpoint({ requestDefaults: defaults });
    const { payload, headers, path } = e.createPayload(req, { 'X-Trace': 't1' });
    expect(payload).toEqual({ model: 'gpt-4o-mini', temperature: 0.7, messages: [{ role: 'user', content: 'hi' }] });
    expect('user' in payload).toBe(false);
    expect(headers).toEqual({ 'Content-Type': 'application/json', Authorization: `Bearer ${CANARY}`, 'X-Trace': 't1' });
    expect(path).toBe('echo');
    expect(defaults).toEqual({ model: 'gpt-4o-mini', temperature: 0.2 });
    expect(e.createPayload(undefined).payload).toEqual({ model: 'gpt-4o-mini', temperature: 0.2 });
    expect(e.createPayload({}).payload).not.toBe(e.createPayload({}).payload);
  });

  it('fills {params} URL-encoded, from the call then the config; a missing one is a typed error', () => {
    const e = endpoint({ endpoint: 'models/{model}:generateContent/{v}', pathParams: { v: 'x' } });
    expect(e.createPayload({}, undefined, { model: 'gemini/../2.0 pro' }).path).toBe(
      'models/gemini%2F..%2F2.0%20pro:generateContent/x',
    );
    expect(e.createPayload({}, undefined, { model: 'm', v: 'y' }).path).toBe('models/m:generateContent/y');
    let err: unknown;
    try {
      e.createPayload({});
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).reason).toBe('path-param');
  });

  it('authType x-api-key / custom / none', () => {
    expect(endpoint({ authType: 'x-api-key' }).createPayload({}).headers).toEqual({
      'Content-Type': 'application/json',
      'x-api-key': CANARY,
    });
    expect(endpoint({ authType: 'api-key' }).createPayload({}).headers['api-key']).toBe(CANARY);
    expect(endpoint({ authType: 'none', apiKeyEnv: undefined }, {}).createPayload({}).headers).toEqual({
      'Content-Type': 'application/json',
    });
  });
});

describe('Endpoint configuration', () => {
  const bad: [Partial<EndpointConfig> | Record<string, unknown>, string][] = [
    [{ provider: '' }, 'endpoints.chat.provider'],
    [{ baseUrl: 'not a url' }, 'endpoints.chat.baseUrl'],
    [{ method: 'GE T' }, 'endpoints.chat.method'],
    [{ timeout: -1 }, 'endpoints.chat.timeout'],
    [{ transport: 'grpc' as never }, 'endpoints.chat.transport'],
    [{ apiKeyEnv: 'NOT-A-VAR' }, 'endpoints.chat.apiKeyEnv'],
    [{ apiKey: CANARY }, 'endpoints.chat.apiKey'], // with apiKeyEnv too
    [{ requestDefaults: [] as never }, 'endpoints.chat.requestDefaults'],
    [{ defaults: {} }, 'endpoints.chat.defaults'],
  ];
  it.each(bad)('%p → %s', (cfg, path) => {
    let err: unknown;
    try {
      endpoint(cfg as Partial<EndpointConfig>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as ResilienceConfigError).path).toBe(path);
    expect(`${(err as Error).message} ${inspect(err)}`).not.toContain(CANARY);
  });

  it('a missing env variable names the endpoint and the variable', () => {
    let err: unknown;
    try {
      endpoint({}, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as ResilienceConfigError).path).toBe('endpoints.chat.apiKeyEnv');
    expect((err as Error).message).toContain('TEST_KEY');
    expect((err as Error).message).toContain("'chat'");
  });

  it('sdk transport: no baseUrl needed, createPayload works, call() is refused', async () => {
    const e = new Endpoint({
      name: 'sdk',
      provider: 'anthropic',
      endpoint: 'messages',
      transport: 'sdk',
      apiKey: CANARY,
      authType: 'x-api-key',
    });
    expect(e.client).toBeUndefined();
    expect(e.createPayload({ a: 1 }).headers['x-api-key']).toBe(CANARY);
    await expect(e.call({})).rejects.toMatchObject({ reason: 'sdk-transport' });
  });

  it('config, toJSON(), JSON.stringify and util.inspect never show the key', () => {
    const e = endpoint({ defaultHeaders: { 'x-extra-token': CANARY, 'anthropic-version': '1' } });
    const shown = [
      JSON.stringify(e),
      JSON.stringify(e.config),
      inspect(e, { depth: 10, showHidden: true }),
      inspect(e.client, { depth: 10 }),
      String(e),
    ].join('\n');
    expect(shown).not.toContain(CANARY);
    expect(e.config.hasApiKey).toBe(true);
    expect(e.config.apiKeyEnv).toBe('TEST_KEY');
    expect(e.config.defaultHeaders).toEqual({ 'x-extra-token': '[REDACTED]', 'anthropic-version': '1' });
  });
});

describe('Endpoint.call', () => {
  it('POST sends the payload as JSON with the auth header to the filled path', async () => {
    const e = endpoint({ endpoint: '{route}', pathParams: { route: 'echo' }, requestDefaults: { model: 'm' } });
    const out = await e.call<Record<string, unknown>>({ input: 'hi' }, { headers: { 'X-Trace': '1' } });
    expect(out).toEqual({
      method: 'POST',
      url: '/echo',
      body: '{"model":"m","input":"hi"}',
      contentType: 'application/json',
    });
    expect(srv.received[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(srv.received[0]!.headers['x-trace']).toBe('1');
  });

  it('per-call pathParams fill a placeholder that has no default (README: models/{model}:generateContent)', async () => {
    const e = endpoint({ endpoint: '{route}?model={model}' });
    const out = await e.call<Record<string, unknown>>(
      { input: 'hi' },
      { pathParams: { route: 'echo', model: 'gemini-2.5-pro' } },
    );
    expect(out).toMatchObject({ method: 'POST', url: '/echo?model=gemini-2.5-pro' });
    const raw = await e.callRaw<Record<string, unknown>>({}, { pathParams: { route: 'echo', model: 'm 2' } });
    expect(raw.data).toMatchObject({ url: '/echo?model=m%202' });
    // still refused when neither the call nor the config gives a value
    await expect(e.call({}, { pathParams: { route: 'echo' } })).rejects.toMatchObject({
      reason: 'path-param',
      message: expect.stringContaining('no value for {model}'),
    });
  });

  it('GET sends the payload as query parameters', async () => {
    const out = await endpoint({ method: 'GET', requestDefaults: { limit: 5 } }).call<Record<string, unknown>>({
      q: 'a b',
    });
    expect(out).toMatchObject({ method: 'GET', url: '/echo?limit=5&q=a+b' });
  });

  it('a shared client gets the endpoint headers per request', async () => {
    const shared = new ApiClient({ name: 'shared', baseUrl: srv.baseUrl });
    open.push(shared);
    const e = new Endpoint(
      {
        name: 'viaShared',
        provider: 'p',
        baseUrl: srv.baseUrl,
        endpoint: 'echo',
        authType: 'x-api-key',
        apiKey: CANARY,
      },
      { client: shared },
    );
    await e.call({});
    expect(srv.received[0]!.headers['x-api-key']).toBe(CANARY);
    await e.close(); // does not close the shared client
    expect(shared.closed).toBe(false);
  });

  it('a shared client scrubs the endpoint key (custom auth header) from errors and debug lines', async () => {
    const key = `zq${Math.random().toString(36).slice(2)}x`; // no key-shaped pattern catches it
    srv.handle = (req, res) => {
      const got = String(req.headers['x-partner-auth'] ?? '');
      res.writeHead(req.url === '/ok' ? 200 : 500, {
        'content-type': 'application/json',
        'x-echo': got,
        'x-request-id': got,
      });
      res.end(JSON.stringify({ error: { message: `key ${got} rejected` }, request_id: got }));
    };
    const lines: string[] = [];
    const shared = new ApiClient({
      name: 'sharedCanary',
      baseUrl: srv.baseUrl,
      logger: { debug: (m) => lines.push(m) },
    });
    open.push(shared);
    try {
      const ok = new Endpoint(
        {
          name: 'partnerOk',
          provider: 'p',
          baseUrl: srv.baseUrl,
          endpoint: 'ok',
          authType: 'X-Partner-Auth',
          apiKey: key,
        },
        { client: shared },
      );
      const bad = new Endpoint(
        {
          name: 'partnerBad',
          provider: 'p',
          baseUrl: srv.baseUrl,
          endpoint: 'fail',
          authType: 'X-Partner-Auth',
          apiKey: key,
        },
        { client: shared },
      );
      await ok.call({});
      const err = await bad.call({}).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(Error);
      expect(srv.received.map((r) => r.headers['x-partner-auth'])).toEqual([key, key]);
      const shown = [
        String(err),
        JSON.stringify(err),
        inspect(err, { depth: 10, showHidden: true }),
        (err as Error).stack,
        ...lines,
        JSON.stringify(ok),
        inspect(bad, { depth: 10 }),
      ].join('\n');
      expect(lines).toHaveLength(2);
      expect(shown).not.toContain(key);
    } finally {
      srv.handle = (await import('../testing-support/http-test-server.js')).defaultRoutes;
    }
  });

  it('errors carry no key even when the server echoes it', async () => {
    srv.handle = (req, res) =>
      void res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers['x-api-key'])}` } }));
    try {
      const e = endpoint({ authType: 'x-api-key' });
      const err = await e.call({}).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(err).toBeInstanceOf(UpstreamAuthenticationError);
      expect(
        [String(err), JSON.stringify(err), inspect(err, { depth: 10 }), (err as Error).stack].join('\n'),
      ).not.toContain(CANARY);
    } finally {
      srv.handle = (await import('../testing-support/http-test-server.js')).defaultRoutes;
    }
  });
});
