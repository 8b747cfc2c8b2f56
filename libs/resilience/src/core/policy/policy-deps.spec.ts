import { describe, expect, it } from '@jest/globals';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { normalizeCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.normalize.js';
import { seededRandom, VirtualClock } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { normalizeRateLimiterOptions } from '../rate-limiter/rate-limiter.normalize.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { normalizeRetryOptions } from '../retry/retry.normalize.js';

/** The ResilienceConfigError `make` throws (fails the test when it throws nothing or something else). */
function configError(make: () => unknown): ResilienceConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return error as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const breaker = (deps: unknown) => CircuitBreakerPolicy.create('pay', { failureThreshold: 2 }, deps as never);
const retry = (deps: unknown) => RetryPolicy.create('idem', { maxRetries: 1 }, deps as never);
const limiter = (deps: unknown) => RateLimiterPolicy.create('partner', { rate: 5 }, deps as never);

const fullStore = { kind: 'custom', createBucket: () => undefined, createBreaker: () => undefined };

describe('policy deps are validated when the policy is created (issue 8 §9)', () => {
  it.each([
    ['breaker clock {}', () => breaker({ clock: {} }), 'breakers.pay.clock.now', undefined],
    ['breaker clock 5', () => breaker({ clock: 5 }), 'breakers.pay.clock', 5],
    ['breaker store {}', () => breaker({ store: {} }), 'breakers.pay.store.createBucket', undefined],
    ['breaker store "redis"', () => breaker({ store: 'redis' }), 'breakers.pay.store', 'redis'],
    ['retry clock {}', () => retry({ clock: {} }), 'retries.idem.clock.now', undefined],
    ['retry random 0.5', () => retry({ random: 0.5 }), 'retries.idem.random', 0.5],
    ['retry random "seed"', () => retry({ random: 'seed' }), 'retries.idem.random', 'seed'],
    ['limiter clock {}', () => limiter({ clock: {} }), 'limiters.partner.clock.now', undefined],
    ['limiter clock null', () => limiter({ clock: null }), 'limiters.partner.clock', null],
    [
      'limiter store without createBreaker',
      () => limiter({ store: { kind: 'x', createBucket: () => undefined } }),
      'limiters.partner.store.createBreaker',
      undefined,
    ],
    [
      'limiter store without kind',
      () => limiter({ store: { ...fullStore, kind: '' } }),
      'limiters.partner.store.kind',
      '',
    ],
    [
      'limiter store with a non-function createSlidingWindow',
      () => limiter({ store: { ...fullStore, createSlidingWindow: true } }),
      'limiters.partner.store.createSlidingWindow',
      true,
    ],
    ['deps null', () => breaker(null), 'breakers.pay.deps', null],
    ['deps 1', () => retry(1), 'retries.idem.deps', 1],
  ])('%s fails at create with ResilienceConfigError naming the path and the value', (_label, make, path, value) => {
    const e = configError(make);
    expect(e.path).toBe(path);
    expect(e.value).toBe(value);
    expect(e.message).toContain(path);
  });

  it('a clock whose now() is not a finite number fails at create, naming clock.now()', () => {
    const clock = { now: () => NaN, setTimeout: () => 0, clearTimeout: () => undefined };
    const e = configError(() => limiter({ clock }));
    expect(e.path).toBe('limiters.partner.clock.now()');
    expect(Number.isNaN(e.value)).toBe(true);
  });

  it('the constructors check deps too (the Nest registry and the HTTP limiters call them directly)', () => {
    expect(
      configError(
        () => new CircuitBreakerPolicy('b', normalizeCircuitBreakerOptions({}, 'breakers.b'), { clock: {} } as never),
      ).path,
    ).toBe('breakers.b.clock.now');
    expect(
      configError(() => new RetryPolicy('r', normalizeRetryOptions({}, 'retries.r'), { random: 0.5 } as never)).path,
    ).toBe('retries.r.random');
    expect(
      configError(
        () =>
          new RateLimiterPolicy('l', normalizeRateLimiterOptions({ rate: 1 }, 'limiters.l'), { store: {} } as never),
      ).path,
    ).toBe('limiters.l.store.createBucket');
  });

  it('valid deps are accepted and used; the random source is not called at create (a seeded sequence is not shifted)', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore();
    let draws = 0;
    const seeded = seededRandom(7);
    const random = () => {
      draws++;
      return seeded();
    };
    const b = breaker({ clock, store });
    const r = RetryPolicy.create('idem', { maxRetries: 1, baseDelayMs: 100, retryOn: () => true }, { clock, random });
    const l = limiter({ clock, store });
    expect(b.clock).toBe(clock);
    expect(r.clock).toBe(clock);
    expect(r.random).toBe(random);
    expect(l.clock).toBe(clock);
    expect(draws).toBe(0);
    expect(await b.execute(() => 'ok')).toBe('ok');
    expect(await l.execute(() => 'ok')).toBe('ok');
    let attempts = 0;
    const done = r.execute(() => {
      if (attempts++ === 0) throw new Error('transient');
      return 'ok';
    });
    await clock.runAll();
    expect(await done).toBe('ok');
    expect(draws).toBe(1);
  });

  it('undefined deps (and undefined members) keep the defaults', () => {
    expect(() => breaker(undefined)).not.toThrow();
    expect(() => retry({ clock: undefined, random: undefined })).not.toThrow();
    expect(() => limiter({ store: undefined })).not.toThrow();
  });
});
