import { UpstreamServerError } from '../index.js';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  RateLimiterPolicy,
  RateLimiterRejectedError,
  RetryPolicy,
} from '../../core/index.js';
import { ResilienceRegistry } from '../../nest/registry/resilience.registry.js';
import { isUpstreamFailure } from './upstream-failure.js';
import { client, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

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
