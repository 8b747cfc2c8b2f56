import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { BulkheadPolicy } from '../../core/bulkhead/bulkhead.policy.js';
import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { FallbackPolicy } from '../../core/fallback/fallback.policy.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { TimeoutPolicy } from '../../core/timeout/timeout.policy.js';
import { KIND_NAMES, POLICY_KINDS, type KindName, type PolicyKind } from './policy-kinds.js';

const deps = { clock: new VirtualClock(0), random: () => 0.5, store: undefined };
const table = POLICY_KINDS as unknown as Record<KindName, PolicyKind<unknown, unknown, { name: string }>>;

/** The smallest valid options of each kind, and its policy class. */
const SAMPLES: Record<KindName, { options: object; cls: abstract new (...args: never[]) => unknown }> = {
  breaker: { options: {}, cls: CircuitBreakerPolicy },
  retry: { options: {}, cls: RetryPolicy },
  limiter: { options: { rate: 5 }, cls: RateLimiterPolicy },
  timeout: { options: { timeoutMs: 100 }, cls: TimeoutPolicy },
  bulkhead: { options: { maxConcurrent: 2 }, cls: BulkheadPolicy },
  fallback: { options: { value: 0 }, cls: FallbackPolicy },
};

describe('POLICY_KINDS', () => {
  it('lists the six kinds with their section and decorator', () => {
    expect(KIND_NAMES).toEqual(['breaker', 'retry', 'limiter', 'timeout', 'bulkhead', 'fallback']);
    expect(KIND_NAMES.map((k) => [k, table[k].section, table[k].decorator])).toEqual([
      ['breaker', 'breakers', '@CircuitBreaker'],
      ['retry', 'retries', '@WithRetry'],
      ['limiter', 'limiters', '@RateLimited'],
      ['timeout', 'timeouts', '@Timeout'],
      ['bulkhead', 'bulkheads', '@Bulkhead'],
      ['fallback', 'fallbacks', '@Fallback'],
    ]);
  });

  it('only breakers and limiters may keep state in the shared store: limiters by default, breakers on request', () => {
    expect(Object.fromEntries(KIND_NAMES.map((k) => [k, table[k].sharedByDefault]))).toEqual({
      breaker: false,
      retry: undefined,
      limiter: true,
      timeout: undefined,
      bulkhead: undefined,
      fallback: undefined,
    });
  });

  it.each(KIND_NAMES)('%s: normalize validates under the given path; create builds the policy class', (kind) => {
    const k = table[kind];
    const policy = k.create('p', k.normalize(SAMPLES[kind].options, `${k.section}.p`), deps);
    expect(policy).toBeInstanceOf(SAMPLES[kind].cls);
    expect(policy.name).toBe('p');
    expect(() => k.normalize({ ...SAMPLES[kind].options, bogus: 1 }, 'here')).toThrow(ResilienceConfigError);
    expect(() => k.normalize({ ...SAMPLES[kind].options, bogus: 1 }, 'here')).toThrow('here.bogus');
  });

  it.each(KIND_NAMES)('%s: events() lists subscriptions that each return a disposable', (kind) => {
    const k = table[kind];
    const policy = k.create('p', k.normalize(SAMPLES[kind].options, 'p'), deps);
    const events = (k.events as (p: unknown) => readonly ((l: () => void) => { dispose(): void })[])(policy);
    expect(events.length).toBeGreaterThan(0);
    for (const subscribe of events) subscribe(() => undefined).dispose();
  });

  it('required options are those a kind cannot default', () => {
    expect(Object.fromEntries(KIND_NAMES.map((k) => [k, table[k].requires?.anyOf]))).toEqual({
      breaker: undefined,
      retry: undefined,
      limiter: ['rate'],
      timeout: ['timeoutMs', 'totalTimeoutMs'],
      bulkhead: ['maxConcurrent'],
      fallback: ['value', 'fn', 'method'],
    });
  });
});
