import { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import { VirtualClock } from '../core/clock.js';
import { isCircuitBreakerOpenError } from '../core/errors/circuit-breaker-open.error.js';
import type { PolicyResolver } from '../core/policy/policy-resolver.js';
import { RetryPolicy } from '../core/retry/retry.policy.js';
import { Executor } from './executor.js';

const transient = () => Object.assign(new Error('upstream down'), { isTransient: true });

describe('Executor breaker and retry', () => {
  it('an open breaker fails events before they take a request token', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'br',
      { concurrencyLimit: 1, requestsRate: 10, requestsBurst: 10, circuitBreaker: { failureThreshold: 2 } },
      { clock },
    );
    for (let i = 0; i < 2; i++) {
      const ev = executor.submit(async () => {
        throw transient();
      });
      await clock.advance(1);
      expect(ev.status).toBe('FAILED');
    }
    const before = executor.requestsLimiter.snapshot().available;
    let called = false;
    const ev = executor.submit(async () => (called = true));
    await clock.advance(0);
    expect(ev.status).toBe('FAILED');
    expect(isCircuitBreakerOpenError(ev.error)).toBe(true);
    expect(called).toBe(false);
    expect(executor.requestsLimiter.snapshot().available).toBeCloseTo(before, 1);
  });

  it('resolves retry and circuitBreaker by name through deps.resolver, and takes instances', async () => {
    const clock = new VirtualClock(0);
    const retry = RetryPolicy.create('shared', { maxRetries: 1, baseDelayMs: 10, jitter: 'none' }, { clock });
    const breaker = CircuitBreakerPolicy.create('shared', { failureThreshold: 50 }, { clock });
    const resolver = {
      clock,
      retry: (name: string) => (name === 'shared' ? retry : fail(name)),
      breaker: (name: string) => (name === 'shared' ? breaker : fail(name)),
    } as unknown as PolicyResolver;
    const byName = Executor.create(
      'named',
      { concurrencyLimit: 1, requestsRate: 100, retry: 'shared', circuitBreaker: 'shared' },
      { resolver },
    );
    let n = 0;
    const ev = byName.submit(async () => {
      if (++n === 1) throw transient();
      return 'second';
    });
    await clock.advance(10);
    await expect(ev.result()).resolves.toBe('second');
    expect(ev.attempts).toBe(2);
    expect(breaker.snapshot().state).toBe('closed');
    const byInstance = Executor.create('inst', { concurrencyLimit: 1, requestsRate: 100, retry }, { clock });
    const ev2 = byInstance.submit(async () => {
      throw transient();
    });
    await clock.advance(10);
    expect(ev2.status).toBe('FAILED');
    expect(ev2.attempts).toBe(2);
  });
});

describe('Executor cancel while waiting', () => {
  it('cancel during a retry delay: CANCELLED at once, no further attempt', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'rd',
      { concurrencyLimit: 1, requestsRate: 100, retry: { maxRetries: 5, baseDelayMs: 1000, jitter: 'none' } },
      { clock },
    );
    let calls = 0;
    const ev = executor.submit(async () => {
      calls++;
      throw transient();
    });
    await clock.advance(10);
    expect(ev.status).toBe('PROCESSING');
    expect(ev.cancel()).toBe(true);
    await clock.advance(5000);
    expect(calls).toBe(1);
    expect(ev.status).toBe('CANCELLED');
    expect(executor.snapshot().inFlight).toBe(0);
  });

  it('cancel while waiting for the calibration probe frees the slot; the next event reserves', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'probe',
      { concurrencyLimit: 3, requestsRate: 100, apiTokensRate: 1000, apiTokensPeriodMs: 1000 },
      { clock },
    );
    let release!: () => void;
    const probe = executor.submit(() => new Promise<string>((r) => (release = () => r('p'))), { tokens: 10 });
    const waiting = executor.submit(async () => 'w', { tokens: 10 });
    const third = executor.submit(async () => 't', { tokens: 10 });
    await clock.advance(1);
    expect([probe.status, waiting.status, third.status]).toEqual(['CALLING', 'PROCESSING', 'PROCESSING']);
    expect(waiting.cancel()).toBe(true);
    release();
    await clock.advance(1);
    expect(probe.status).toBe('COMPLETED');
    expect(third.status).toBe('COMPLETED');
    expect(waiting.status).toBe('CANCELLED');
  });
});

function fail(name: string): never {
  throw new Error(`unknown ${name}`);
}
