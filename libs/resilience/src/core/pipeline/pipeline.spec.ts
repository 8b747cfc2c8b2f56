import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import type { CircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.options.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { CircuitBreakerOpenError, RateLimiterRejectedError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import type { RateLimiterOptions } from '../rate-limiter/rate-limiter.options.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import type { RetryEvent } from '../retry/retry.events.js';
import type { RetryOptions } from '../retry/retry.options.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { captureListenerErrors, observe, restoreListenerErrors, type Settled } from '../testing-support/observe.js';

class TransientError extends Error {
  readonly isTransient = true;
}
class NotFoundError extends Error {}

let clock: VirtualClock;
let store: MemoryStore;
let T0: number;
/** Clock time (relative to T0) at which fn was entered. */
let starts: number[];
let events: RetryEvent[];

beforeEach(() => {
  clock = new VirtualClock();
  store = new MemoryStore();
  T0 = clock.now();
  starts = [];
  events = [];
});

afterEach(() => {
  restoreListenerErrors();
  expect(clock.pendingTimers()).toBe(0);
});

const retryP = (o: RetryOptions) =>
  RetryPolicy.create('r', { jitter: 'none', baseDelayMs: 100, onRetry: (e) => events.push(e), ...o }, { clock });
const breakerP = (o: CircuitBreakerOptions) => CircuitBreakerPolicy.create('b', o, { clock, store });
const limiterP = (o: RateLimiterOptions) => RateLimiterPolicy.create('l', o, { clock, store });

/** A function that records when it is entered and fails with `errors[n]` on its n-th call (then returns `ok@n`). */
function failing(errors: readonly unknown[], always?: unknown) {
  return async () => {
    const n = starts.length;
    starts.push(clock.now() - T0);
    if (always !== undefined) throw always;
    if (n < errors.length) throw errors[n];
    return `ok@${n}`;
  };
}

/** Runs `fn` through `run` and drives virtual time until nothing is left. */
async function drive<T>(run: Pipeline, fn: () => Promise<T>, signal?: AbortSignal): Promise<Settled<Awaited<T>>> {
  const s = observe(run(fn, undefined, [], signal));
  await clock.runAll();
  return s;
}

describe('createPipeline: pass-through and call shape', () => {
  it('with no policies returns a pass-through that keeps this, args, result and error', async () => {
    const run = createPipeline({});
    expect(run.name).toBe('passThrough');
    const target = {
      base: 10,
      add(this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      },
    };
    await expect(run(target.add, target, [1, 2])).resolves.toBe(13);
    const err = new TransientError('t');
    let calls = 0;
    await expect(
      run(
        () => {
          calls++;
          throw err;
        },
        undefined,
        [],
      ),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('with every policy, passes `this` and the arguments to fn unchanged', async () => {
    const run = createPipeline({
      retry: retryP({ maxRetries: 1 }),
      breaker: breakerP({}),
      limiter: limiterP({ rate: 10 }),
      clock,
    });
    const seen: unknown[] = [];
    const target = {
      base: 'svc',
      async call(this: { base: string }, ...args: unknown[]) {
        seen.push(this, args);
        if (seen.length === 2) throw new TransientError('first');
        return `${this.base}:${args.join(',')}`;
      },
    };
    const s = observe(run(target.call, target, ['a', 1, null]));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'svc:a,1,' });
    expect(seen).toEqual([target, ['a', 1, null], target, ['a', 1, null]]);
  });

  it('a success goes through without a timer or retry event', async () => {
    const run = createPipeline({ retry: retryP({}), breaker: breakerP({}), limiter: limiterP({ rate: 10 }), clock });
    await expect(run(() => 7, undefined, [])).resolves.toBe(7);
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toEqual([]);
  });

  it('retry alone: maxRetries 3 → 4 calls at 0, 100, 300, 700', async () => {
    const err = new TransientError('t');
    const s = await drive(createPipeline({ retry: retryP({ maxRetries: 3 }), clock }), failing([], err));
    expect(s.error).toBe(err);
    expect(starts).toEqual([0, 100, 300, 700]);
    expect(events.map((e) => [e.retry, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ]);
  });
});

describe('createPipeline: the call arguments select partitions and token counts', () => {
  it("the limiter's tokens and partitionKey functions and the breaker's partitionKey see the call's arguments", async () => {
    interface Req {
      tenant: string;
      cost: number;
    }
    const limiter = limiterP({
      rate: 10,
      periodMs: 60_000,
      mode: 'reject',
      tokens: (r: Req) => r.cost,
      partitionKey: (r: Req) => r.tenant,
    });
    const breaker = breakerP({ failureThreshold: 1, partitionKey: (r: Req) => r.tenant });
    const run = createPipeline({ breaker, limiter, clock });
    const call = (r: Req, fn: () => Promise<string> = async () => r.tenant) => observe(run(fn, undefined, [r]));
    await clock.advance(0);
    const a = call({ tenant: 'acme', cost: 7 });
    const b = call({ tenant: 'globex', cost: 4 });
    await clock.advance(0);
    expect([a.value, b.value]).toEqual(['acme', 'globex']);
    expect(limiter.snapshot('acme').available).toBe(3);
    expect(limiter.snapshot('globex').available).toBe(6);
    const over = call({ tenant: 'acme', cost: 4 });
    await clock.advance(0);
    expect(over.error).toBeInstanceOf(RateLimiterRejectedError);
    expect((over.error as RateLimiterRejectedError).tokens).toBe(4);
    expect((over.error as RateLimiterRejectedError).partitionKey).toBe('acme');
    const down = call({ tenant: 'globex', cost: 1 }, async () => {
      throw new TransientError('globex down');
    });
    await clock.advance(0);
    expect(down.error).toBeInstanceOf(TransientError);
    expect(breaker.state('globex')).toBe('open');
    expect(breaker.state('acme')).toBe('closed');
    const refused = call({ tenant: 'globex', cost: 1 });
    await clock.advance(0);
    expect((refused.error as CircuitBreakerOpenError).partitionKey).toBe('globex');
    const fine = call({ tenant: 'acme', cost: 1 });
    await clock.advance(0);
    expect(fine.value).toBe('acme');
  });
});

describe('createPipeline: retry ▸ limiter (every attempt takes tokens)', () => {
  it('a reject-mode limiter with rate 2 stops a 5-retry sequence after 2 calls', async () => {
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ retry: retryP({ maxRetries: 5, maxRetryAfterMs: 1_000 }), limiter, clock });
    const s = await drive(run, failing([], new TransientError('t')));
    expect(starts).toEqual([0, 100]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBeInstanceOf(RateLimiterRejectedError);
    const e = s.error as RateLimiterRejectedError;
    expect(e.policy).toBe('l');
    expect(e.tokens).toBe(1);
    // Third attempt at t=300: 0.01 token refilled, 0.99 missing at 2 per 60 s.
    expect(e.retryAfterMs).toBeCloseTo(29_700, 3);
    // Two retry waits happened; the limiter's hint (29.7 s > maxRetryAfterMs) ended the sequence.
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200]);
  });

  it("when the limiter's hint is within maxRetryAfterMs, the retry waits exactly that long and the attempt is admitted", async () => {
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), limiter, clock });
    const s = await drive(run, failing([new TransientError('a'), new TransientError('b')]));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@2' });
    expect(events.map((ev) => ev.error instanceof RateLimiterRejectedError)).toEqual([false, false, true]);
    expect(events[2]!.delayMs).toBeCloseTo(29_700, 3);
    expect(starts).toHaveLength(3);
    expect(starts[2]).toBeCloseTo(30_000, 3);
  });

  it('a wait-mode limiter delays each retry until its token is there', async () => {
    const limiter = limiterP({ rate: 1, periodMs: 1_000, burst: 1 });
    const run = createPipeline({ retry: retryP({ maxRetries: 2 }), limiter, clock });
    const err = new TransientError('t');
    const s = await drive(run, failing([], err));
    expect(s.error).toBe(err);
    // Backoff ends at 100 and 1200, but tokens only come at 1000 and 2000.
    expect(starts).toEqual([0, 1_000, 2_000]);
    expect(limiter.snapshot().waiting).toBe(0);
  });
});

describe('createPipeline: retry ▸ breaker (every attempt counts)', () => {
  it('failureThreshold 3 + 5 retries → exactly 3 calls, then CircuitBreakerOpenError beyond maxRetryAfterMs', async () => {
    const breaker = breakerP({ failureThreshold: 3, recoveryTimeMs: 30_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5, maxRetryAfterMs: 10_000 }), breaker, clock });
    const s = await drive(run, failing([], new TransientError('down')));
    expect(starts).toEqual([0, 100, 300]);
    expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    const e = s.error as CircuitBreakerOpenError;
    expect(e.policy).toBe('b');
    expect(e.state).toBe('open');
    // The breaker opened at t=300; the 4th attempt came at t=700 (after the 400 ms backoff):
    // the hint is the time left until recovery, recoveryTimeMs − 400, which exceeds maxRetryAfterMs.
    expect(e.retryAfterMs).toBe(29_600);
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200, 400]);
    const snap = breaker.snapshot();
    expect(snap.state).toBe('open');
    expect(snap.failures).toBe(3);
    expect(snap.rejections).toBe(1);
    expect(snap.openedAt).toBe(T0 + 300);
  });

  it("an open breaker's hint within maxRetryAfterMs is waited exactly; the half-open trial then succeeds", async () => {
    const breaker = breakerP({ failureThreshold: 3, recoveryTimeMs: 5_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), breaker, clock });
    const s = await drive(run, failing([1, 2, 3].map((i) => new TransientError(`e${i}`))));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@3' });
    // Opened at 300; rejected at 700 with 4600 ms left (> backoff 800) → trial at 5300.
    expect(starts).toEqual([0, 100, 300, 5_300]);
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200, 400, 4_600]);
    expect(events[3]!.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(breaker.state()).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ failures: 3, successes: 1, rejections: 1 });
  });

  it('calls refused by an open breaker never reach fn and do not count as failures', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    const run = createPipeline({ breaker, clock });
    await drive(run, failing([], new TransientError('down')));
    for (let i = 0; i < 3; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    }
    expect(starts).toEqual([0]);
    expect(breaker.snapshot()).toMatchObject({ failures: 1, rejections: 3, state: 'open' });
  });

  it('the breaker is outside the limiter: calls refused by an open breaker take no token', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    const first = await drive(run, failing([], new TransientError('down')));
    expect(first.error).toBeInstanceOf(TransientError);
    for (let i = 0; i < 5; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    }
    expect(starts).toEqual([0]);
    expect(limiter.snapshot().available).toBe(1);
    expect(breaker.snapshot()).toMatchObject({ failures: 1, rejections: 5 });
  });

  it('a call refused by the limiter after the breaker admitted it is not a breaker failure', async () => {
    const breaker = breakerP({ failureThreshold: 2 });
    const limiter = limiterP({ rate: 1, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    const first = await drive(run, failing([], new TransientError('down')));
    expect(first.error).toBeInstanceOf(TransientError);
    for (let i = 0; i < 3; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(RateLimiterRejectedError);
    }
    expect(starts).toEqual([0]);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 1, failureCount: 1 });
  });

  it('a limiter refusal of a half-open trial releases the trial slot', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: 1 });
    const limiter = limiterP({ rate: 1, periodMs: 10_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    await drive(run, failing([], new TransientError('down')));
    expect(breaker.state()).toBe('open');
    await clock.advance(1_000);
    const refused = await drive(run, failing([], new Error('must not run')));
    expect(refused.error).toBeInstanceOf(RateLimiterRejectedError);
    expect(breaker.state()).toBe('half_open');
    // The slot is free again: a call through the breaker alone is admitted as the trial.
    const trial = await drive(createPipeline({ breaker, clock }), async () => 'trial ok');
    expect(trial).toEqual({ state: 'fulfilled', value: 'trial ok' });
    expect(breaker.state()).toBe('closed');
    expect(starts).toEqual([0]);
  });

  it('an excluded error releases a half-open trial slot and counts nothing', async () => {
    const breaker = breakerP({
      failureThreshold: 1,
      recoveryTimeMs: 1_000,
      halfOpenMaxCalls: 1,
      excludeOn: [NotFoundError],
    });
    const run = createPipeline({ breaker, clock });
    await drive(run, failing([], new TransientError('down')));
    await clock.advance(1_000);
    const nf = new NotFoundError('404');
    const excluded = await drive(run, failing([], nf));
    expect(excluded.error).toBe(nf);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.snapshot().failures).toBe(1);
    // Not "half-open with all trial calls in flight": the slot was released.
    const next = await drive(run, async () => 'ok');
    expect(next).toEqual({ state: 'fulfilled', value: 'ok' });
    expect(breaker.state()).toBe('closed');
  });

  it('excluded errors do not count while closed, even when retried', async () => {
    const breaker = breakerP({ failureThreshold: 2, excludeOn: [NotFoundError] });
    const run = createPipeline({ retry: retryP({ maxRetries: 3, retryOn: [NotFoundError] }), breaker, clock });
    const s = await drive(run, failing([], new NotFoundError('404')));
    expect(s.error).toBeInstanceOf(NotFoundError);
    expect(starts).toHaveLength(4);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0, failureCount: 0 });
  });

  it('a non-retryable error is not retried but still counts as a breaker failure', async () => {
    const breaker = breakerP({ failureThreshold: 2 });
    const run = createPipeline({ retry: retryP({ maxRetries: 3 }), breaker, clock });
    const err = new Error('plain');
    const s = await drive(run, failing([], err));
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(breaker.snapshot().failureCount).toBe(1);
  });
});

describe('createPipeline: deadline, abort, hooks', () => {
  it('maxElapsedMs is measured on the pipeline clock: a wait past the deadline is not started', async () => {
    const err = new TransientError('t');
    const s = await drive(
      createPipeline({ retry: retryP({ maxRetries: 10, maxElapsedMs: 650 }), clock }),
      failing([], err),
    );
    expect(s.error).toBe(err);
    expect(starts).toEqual([0, 100, 300]);
  });

  it('abort during a wait rejects at once with signal.reason; no further attempt, no timer, no breaker trial leaked', async () => {
    const breaker = breakerP({ failureThreshold: 10 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), breaker, limiter: limiterP({ rate: 100 }), clock });
    const ac = new AbortController();
    const s = observe(run(failing([], new TransientError('t')), undefined, [], ac.signal));
    await clock.advance(150);
    expect(starts).toEqual([0, 100]);
    expect(clock.pendingTimers()).toBe(1);
    const reason = new Error('cancelled');
    ac.abort(reason);
    await clock.advance(0);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(starts).toEqual([0, 100]);
    expect(breaker.snapshot().failures).toBe(2);
  });

  it("abort while an attempt runs: the attempt's error is rethrown, no retry event, no further call", async () => {
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), clock });
    const ac = new AbortController();
    const err = new TransientError('t');
    const s = await drive(
      run,
      async () => {
        starts.push(clock.now() - T0);
        ac.abort(new Error('reason'));
        throw err;
      },
      ac.signal,
    );
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
  });

  it('an already-aborted signal makes no call and takes no permit or token', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 1_000 });
    const limiter = limiterP({ rate: 1, periodMs: 60_000 });
    const run = createPipeline({ retry: retryP({}), breaker, limiter, clock });
    const ac = new AbortController();
    ac.abort('stop');
    const s = await drive(run, failing([], new Error('must not run')), ac.signal);
    expect(s).toEqual({ state: 'rejected', error: 'stop' });
    expect(starts).toEqual([]);
    expect(limiter.snapshot().available).toBe(1);
    expect(breaker.snapshot()).toMatchObject({ failures: 0, successes: 0, rejections: 0 });
  });

  it('abort while queued at a wait-mode limiter rejects with the reason and never calls fn', async () => {
    const limiter = limiterP({ rate: 1, periodMs: 10_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 3 }), limiter, clock });
    await expect(run(async () => 'first', undefined, [])).resolves.toBe('first');
    const ac = new AbortController();
    const s = observe(run(failing([], new Error('must not run')), undefined, [], ac.signal));
    await clock.advance(5_000);
    expect(s.state).toBe('pending');
    ac.abort('bye');
    await clock.advance(0);
    expect(s).toEqual({ state: 'rejected', error: 'bye' });
    expect(starts).toEqual([]);
    expect(limiter.snapshot().waiting).toBe(0);
  });

  it('a throwing onRetry does not change the outcome (its error goes to the listener-error reporter)', async () => {
    const reported = captureListenerErrors();
    const retry = RetryPolicy.create(
      'r',
      {
        jitter: 'none',
        baseDelayMs: 100,
        maxRetries: 3,
        onRetry: () => {
          throw new Error('hook bug');
        },
      },
      { clock },
    );
    const s = await drive(createPipeline({ retry, breaker: breakerP({}), clock }), failing([new TransientError('a')]));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@1' });
    expect(starts).toEqual([0, 100]);
    expect(reported.map((e) => (e as Error).message)).toEqual(['hook bug']);
  });
});
