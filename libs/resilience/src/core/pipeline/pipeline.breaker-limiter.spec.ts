import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { observe } from '../testing-support/observe.js';

// Issue 8 §3: once a breaker is open, nothing but trials reaches the upstream, even for calls
// that were already queued at the limiter; a queued caller holds no half-open trial slot.

let clock: VirtualClock;
let store: MemoryStore;
let T0: number;

beforeEach(() => {
  clock = new VirtualClock();
  store = new MemoryStore();
  T0 = clock.now();
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const boom = () => Promise.reject(new Error('boom'));

/** A breaker and a 10/s limiter (burst 1, waits up to 10 s), composed as the decorators do. */
function setup(recoveryTimeMs: number) {
  const breaker = CircuitBreakerPolicy.create(
    'b',
    { failureThreshold: 1, recoveryTimeMs, halfOpenMaxCalls: 1 },
    { clock, store },
  );
  const limiter = RateLimiterPolicy.create(
    'l',
    { rate: 10, periodMs: 1000, burst: 1, maxWaitMs: 10_000 },
    { clock, store },
  );
  const run: Pipeline = createPipeline({ breaker, limiter, clock });
  const bucket = limiter.bucketFor([]);
  const calls: number[] = [];
  /** An upstream call that records when it ran (ms after T0). */
  const upstream = (value: string) => async () => {
    calls.push(clock.now() - T0);
    return value;
  };
  return { breaker, limiter, run, bucket, calls, upstream };
}

describe('createPipeline: breaker ▸ limiter under waits', () => {
  it('callers queued at the limiter when the breaker opens never reach fn, get CircuitBreakerOpenError and give their tokens back', async () => {
    const { breaker, run, bucket, calls, upstream } = setup(60_000);
    expect(await run(upstream('first'), undefined, [])).toBe('first'); // takes the only token
    const queued = Array.from({ length: 5 }, (_, i) => observe(run(upstream(`q${i}`), undefined, [])));
    await clock.advance(0);
    expect(bucket.waiting()).toBe(5);
    // Other calls (straight through the breaker, no limiter) open it while the five wait.
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    expect(breaker.state()).toBe('open');
    await clock.advance(1000); // every queued caller's token would have arrived by now
    expect(calls).toEqual([0]); // none of the five reached the upstream
    for (const q of queued) {
      expect(q.state).toBe('rejected');
      expect(q.error).toBeInstanceOf(CircuitBreakerOpenError);
      expect((q.error as CircuitBreakerOpenError).state).toBe('open');
      expect((q.error as CircuitBreakerOpenError).retryAfterMs).toBeGreaterThan(0);
    }
    // Each refused caller gave its token back, so the next one found it there: all five were
    // refused when the first token arrived (100 ms), and the token is still in the bucket.
    expect(bucket.waiting()).toBe(0);
    expect(bucket.available()).toBeCloseTo(1, 6);
    breaker.reset();
    const next = observe(run(upstream('next'), undefined, []));
    await clock.advance(0);
    expect(next.state).toBe('fulfilled'); // admitted at once: no wait for a refill
    expect(calls).toEqual([0, 1000]);
  });

  it('an open breaker refuses a caller before it queues: it takes no place in the queue and no token', async () => {
    const { breaker, run, bucket, calls, upstream } = setup(60_000);
    await run(upstream('first'), undefined, []);
    const waiting = observe(run(upstream('waits'), undefined, []));
    await clock.advance(0);
    breaker.forceOpen();
    const refused = observe(run(upstream('refused'), undefined, []));
    await clock.advance(0);
    expect(refused.state).toBe('rejected');
    expect(refused.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(bucket.waiting()).toBe(1); // only the caller that queued before the breaker opened
    await clock.advance(100);
    expect(waiting.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(calls).toEqual([0]);
  });

  it('half-open: a caller still queued at the limiter holds no trial slot (another caller takes it)', async () => {
    const { breaker, run, bucket, calls, upstream } = setup(1000);
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    await clock.advance(1000); // recovery time over: the next admission is a trial
    expect(bucket.acquire(1, 0)).toBeUndefined(); // someone else takes the bucket's token
    const queued = [observe(run(upstream('q0'), undefined, [])), observe(run(upstream('q1'), undefined, []))];
    await clock.advance(0);
    expect(bucket.waiting()).toBe(2);
    // The trial slot is free while they wait: a call straight through the breaker gets it.
    let finishTrial!: (v: string) => void;
    const trial = observe(breaker.execute(() => new Promise<string>((r) => (finishTrial = r))));
    await clock.advance(0);
    expect(trial.state).toBe('pending'); // admitted as the trial, running
    // Their tokens arrive while that trial runs: both are refused (half-open, slot taken), tokens back.
    await clock.advance(100);
    for (const q of queued) {
      expect(q.state).toBe('rejected');
      expect((q.error as CircuitBreakerOpenError).state).toBe('half_open');
    }
    expect(calls).toEqual([]);
    expect(bucket.available()).toBeCloseTo(1, 6);
    finishTrial('trial ok');
    await clock.advance(0);
    expect(trial.value).toBe('trial ok');
    expect(breaker.state()).toBe('closed');
    expect(await run(upstream('after'), undefined, [])).toBe('after'); // the refunded token, at once
    expect(calls).toEqual([1100]);
  });

  it('half-open: the trial slot goes to the first caller whose token arrives, when it arrives', async () => {
    const { breaker, run, bucket, calls } = setup(1000);
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    await clock.advance(1000);
    expect(bucket.acquire(1, 0)).toBeUndefined();
    let finish!: () => void;
    const gated = async () => {
      calls.push(clock.now() - T0);
      await new Promise<void>((r) => (finish = r));
      return 'trial';
    };
    const first = observe(run(gated, undefined, []));
    const second = observe(run(gated, undefined, []));
    await clock.advance(50);
    expect(calls).toEqual([]); // no trial runs yet: the first caller's token is not there
    expect(breaker.snapshot().rejections).toBe(0);
    await clock.advance(50); // the first caller's token arrives (100 ms after the drain)
    expect(calls).toEqual([1100]);
    await clock.advance(100); // the second one's arrives while the trial runs: refused, token back
    expect(second.state).toBe('rejected');
    expect((second.error as CircuitBreakerOpenError).state).toBe('half_open');
    expect(bucket.available()).toBeCloseTo(1, 6);
    finish();
    await clock.advance(0);
    expect(first.value).toBe('trial');
    expect(breaker.state()).toBe('closed');
  });

  it('the success fast path takes tokens and passes the breaker without a timer', async () => {
    const { run, bucket, calls, upstream } = setup(1000);
    expect(await run(upstream('a'), undefined, [])).toBe('a');
    expect(clock.pendingTimers()).toBe(0);
    expect(bucket.available()).toBeCloseTo(0, 6);
    expect(calls).toEqual([0]);
  });
});
