import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { normalizeCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.normalize.js';
import { MemoryStore } from './memory-store.js';

describe('MemoryStore', () => {
  it('returns a new, independent backend on every create call (it keeps no map of them)', () => {
    const clock = new VirtualClock(0);
    const store = new MemoryStore();
    const owner = { policy: 'payments', key: 'breaker:payments' };
    const options = normalizeCircuitBreakerOptions({ failureThreshold: 1 }, 'breakers.payments');
    const a = store.createBreaker(owner, options, clock);
    const b = store.createBreaker(owner, options, clock);
    expect(a).not.toBe(b);
    a.onFailure(a.admit() as number, 0);
    expect(a.state()).toBe('open');
    expect(b.state()).toBe('closed');
    const spec = { rate: 1, periodMs: 1000, burst: 1 };
    const owner2 = { policy: 'api', key: 'limiter:api' };
    expect(store.createBucket(owner2, spec, clock)).not.toBe(store.createBucket(owner2, spec, clock));
  });

  it('two policies of one name on the same memory store share nothing (as its JSDoc says)', async () => {
    const clock = new VirtualClock(0);
    const store = new MemoryStore();
    const first = CircuitBreakerPolicy.create('x', { failureThreshold: 1 }, { clock, store });
    const second = CircuitBreakerPolicy.create('x', { failureThreshold: 1 }, { clock, store });
    await expect(first.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(first.state()).toBe('open');
    expect(second.state()).toBe('closed');
  });
});
