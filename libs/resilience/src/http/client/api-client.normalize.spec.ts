import { ResilienceConfigError, RetryPolicy, VirtualClock } from '../../core/index.js';
import type { PolicyResolver } from '../../core/policy/policy-resolver.js';
import { startTestServer, type TestServer } from '../testing-support/http-test-server.js';
import { ApiClient } from './api-client.js';
import { normalizeApiClientOptions } from './api-client.normalize.js';
import { API_CLIENT_DEFAULTS } from './api-client.options.js';

let srv: TestServer;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  for (const o of open) await o.close();
  await srv.close();
});

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return (error as ResilienceConfigError).path;
  }
  return undefined;
}

describe('normalizeApiClientOptions', () => {
  it('applies API_CLIENT_DEFAULTS', () => {
    const o = normalizeApiClientOptions({ baseUrl: 'http://127.0.0.1:1/v1/' }, undefined);
    expect(o).toMatchObject({
      name: API_CLIENT_DEFAULTS.name,
      baseUrl: 'http://127.0.0.1:1/v1',
      origin: 'http://127.0.0.1:1',
      timeoutMs: 60_000,
      allowAbsoluteUrls: false,
      maxSockets: Infinity,
      keepAlive: true,
      idempotent: false,
      idempotencyHeader: 'idempotency-key',
    });
    expect(o.breaker).toBeUndefined();
  });

  it('names clients.<name>.<option> for every bad option', () => {
    const cases: [object, string][] = [
      [{ timeoutMs: 0 }, 'clients.p.timeoutMs'],
      [{ keepAlive: 'no' }, 'clients.p.keepAlive'],
      [{ idempotent: 1 }, 'clients.p.idempotent'],
      [{ idempotencyHeader: 'Idem Key' }, 'clients.p.idempotencyHeader'],
      [{ secretHeaders: 'x-key' }, 'clients.p.secretHeaders'],
      [{ secrets: 'sk-1' }, 'clients.p.secrets'],
      [{ headers: { a: 1 } }, 'clients.p.headers.a'],
      [{ logger: {} }, 'clients.p.logger'],
      [{ adaptiveLimiter: {} }, 'clients.p.adaptiveLimiter'],
      [{ breaker: 'b' }, 'clients.p.breaker'],
      [{ retry: 5 }, 'clients.p.retry'],
    ];
    for (const [extra, path] of cases)
      expect(
        pathOf(() => normalizeApiClientOptions({ name: 'p', baseUrl: 'http://x', ...extra } as never, undefined)),
      ).toBe(path);
  });

  it('resolves policy names through the resolver; its refusal is reported under the option', () => {
    const retry = RetryPolicy.create('fast', { maxRetries: 1 });
    const notAsked = () => {
      throw new Error('not asked');
    };
    const resolver: PolicyResolver = {
      retry: (name) => {
        if (name === 'fast') return retry;
        throw new ResilienceConfigError(`retries.${name}`, name, 'a declared retry policy: fast');
      },
      breaker: notAsked,
      limiter: notAsked,
      timeout: notAsked,
      bulkhead: notAsked,
      fallback: notAsked,
    };
    expect(normalizeApiClientOptions({ name: 'p', baseUrl: 'http://x', retry: 'fast' }, resolver).retry).toBe(retry);
    let err: ResilienceConfigError | undefined;
    try {
      normalizeApiClientOptions({ name: 'p', baseUrl: 'http://x', retry: 'slow' }, resolver);
    } catch (e) {
      err = e as ResilienceConfigError;
    }
    expect(err?.path).toBe('clients.p.retry');
    expect(err?.expected).toBe('a declared retry policy: fast');
  });
});

describe('ApiClient durations', () => {
  it('log lines measure the request on the injected clock, not Date.now()', async () => {
    const clock = new VirtualClock();
    srv.handle = (_req, res) => {
      void clock.advance(1234).then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    };
    try {
      const lines: string[] = [];
      const c = new ApiClient(
        { name: 'timed', baseUrl: srv.baseUrl, logger: { debug: (m) => lines.push(m) } },
        { clock },
      );
      open.push(c);
      await c.request('GET', '/slow');
      expect(lines).toEqual([`timed GET ${srv.baseUrl}/slow → 200 in 1234 ms`]);
    } finally {
      srv.handle = (await import('../testing-support/http-test-server.js')).defaultRoutes;
    }
  });
});
