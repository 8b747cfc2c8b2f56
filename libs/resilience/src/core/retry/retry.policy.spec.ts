import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock, type RandomSource } from '../clock.js';
import type { ExecuteContext } from '../policy/execute-options.js';
import type { RetryEvent } from './retry.events.js';
import type { RetryOptions } from './retry.options.js';
import { RetryPolicy } from './retry.policy.js';
import { captureListenerErrors, observe, restoreListenerErrors } from '../testing-support/observe.js';

class TransientError extends Error {
  readonly isTransient = true;
}
class HintError extends TransientError {
  constructor(readonly retryAfterMs: number) {
    super(`retry after ${retryAfterMs}`);
  }
}
class NotFoundError extends Error {}
class ValidationError extends Error {}
class StrictValidationError extends ValidationError {}

let clock: VirtualClock;
let T0: number;
/** Clock time (relative to T0) at which each attempt started. */
let starts: number[];
let events: RetryEvent[];

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
  starts = [];
  events = [];
});

afterEach(() => {
  restoreListenerErrors();
  expect(clock.pendingTimers()).toBe(0);
});

function make(options: RetryOptions, random?: RandomSource): RetryPolicy {
  return RetryPolicy.create(
    'r',
    { jitter: 'none', baseDelayMs: 100, onRetry: (e) => events.push(e), ...options },
    { clock, random },
  );
}

/** An attempt function that records its start time and throws `errors[attempt - 1]` (or returns 'ok@<n>' past the end). */
function failing(errors: readonly unknown[], always?: unknown) {
  return async ({ attempt }: ExecuteContext) => {
    starts.push(clock.now() - T0);
    if (always !== undefined) throw always;
    const i = attempt - 1;
    if (i < errors.length) throw errors[i];
    return `ok@${i}`;
  };
}

describe('RetryPolicy: attempts', () => {
  it('maxRetries 3 → exactly 4 calls, then the last error', async () => {
    const errors = [1, 2, 3, 4, 5].map((i) => new TransientError(`e${i}`));
    const s = observe(make({ maxRetries: 3 }).execute(failing(errors)));
    await clock.runAll();
    expect(starts).toHaveLength(4);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(errors[3]);
  });

  it('maxRetries 0 → exactly 1 call', async () => {
    const err = new TransientError('once');
    const s = observe(make({ maxRetries: 0 }).execute(failing([], err)));
    await clock.runAll();
    expect(starts).toEqual([0]);
    expect(s.error).toBe(err);
    expect(events).toEqual([]);
  });

  it('the default is 3 retries (4 calls)', async () => {
    const s = observe(make({}).execute(failing([], new TransientError('x'))));
    await clock.runAll();
    expect(starts).toHaveLength(4);
    expect(s.state).toBe('rejected');
  });

  it('returns the first success, passing attempt numbers 1, 2, 3 and the signal', async () => {
    const seen: ExecuteContext[] = [];
    const ac = new AbortController();
    const s = observe(
      make({ maxRetries: 5 }).execute(
        (ctx) => {
          seen.push({ ...ctx });
          if (ctx.attempt < 3) throw new TransientError('t');
          return 42;
        },
        { signal: ac.signal },
      ),
    );
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 42 });
    expect(seen).toEqual([
      { attempt: 1, signal: ac.signal },
      { attempt: 2, signal: ac.signal },
      { attempt: 3, signal: ac.signal },
    ]);
  });

  it('a synchronous success does not schedule a timer or call onRetry', async () => {
    await expect(make({}).execute(() => 'sync')).resolves.toBe('sync');
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toEqual([]);
  });

  it('maxRetries Infinity keeps retrying until success', async () => {
    const errors = Array.from({ length: 12 }, () => new TransientError('t'));
    const s = observe(make({ maxRetries: Infinity, maxDelayMs: 1_000 }).execute(failing(errors)));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@12' });
    expect(starts).toHaveLength(13);
  });
});

describe('RetryPolicy: delays', () => {
  it("jitter 'none': onRetry reports 100, 200, 400, then maxDelayMs", async () => {
    const errors = [1, 2, 3, 4, 5].map((i) => new TransientError(`e${i}`));
    const s = observe(make({ maxRetries: 5, backoffFactor: 2, maxDelayMs: 500 }).execute(failing(errors)));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@5' });
    expect(events).toEqual([
      { type: 'retry.scheduled', policy: 'r', attempt: 1, retry: 1, delayMs: 100, error: errors[0] },
      { type: 'retry.scheduled', policy: 'r', attempt: 2, retry: 2, delayMs: 200, error: errors[1] },
      { type: 'retry.scheduled', policy: 'r', attempt: 3, retry: 3, delayMs: 400, error: errors[2] },
      { type: 'retry.scheduled', policy: 'r', attempt: 4, retry: 4, delayMs: 500, error: errors[3] },
      { type: 'retry.scheduled', policy: 'r', attempt: 5, retry: 5, delayMs: 500, error: errors[4] },
    ]);
    expect(starts).toEqual([0, 100, 300, 700, 1200, 1700]);
  });

  it('the next attempt does not start 1 ms before its delay, and does start at it', async () => {
    const s = observe(make({ maxRetries: 3 }).execute(failing([], new TransientError('t'))));
    await clock.advance(0);
    expect(starts).toEqual([0]);
    for (const [delay, n] of [
      [100, 2],
      [200, 3],
      [400, 4],
    ] as const) {
      expect(clock.pendingTimers()).toBe(1);
      await clock.advance(delay - 1);
      expect(starts).toHaveLength(n - 1);
      await clock.advance(1);
      expect(starts).toHaveLength(n);
    }
    expect(starts).toEqual([0, 100, 300, 700]);
    await clock.advance(0);
    expect(s.state).toBe('rejected');
  });

  it('time spent inside an attempt does not shorten the next wait', async () => {
    const s = observe(
      make({ maxRetries: 1 }).execute(async ({ attempt }) => {
        starts.push(clock.now() - T0);
        await new Promise<void>((r) => clock.setTimeout(r, 30));
        if (attempt === 1) throw new TransientError('slow failure');
        return 'done';
      }),
    );
    await clock.runAll();
    expect(s.value).toBe('done');
    expect(starts).toEqual([0, 130]);
  });

  it('jittered delays (full, equal, proportional) stay within bounds over many seeded draws', () => {
    const err = new TransientError('t');
    const bounds = {
      full: (d: number) => [0, d],
      equal: (d: number) => [d / 2, d],
      0.3: (d: number) => [d * 0.7, Math.min(2_000, d * 1.3)],
    } as const;
    for (const jitter of ['full', 'equal', 0.3] as const) {
      const p = RetryPolicy.create(
        'j',
        { jitter, baseDelayMs: 100, maxDelayMs: 2_000, maxRetries: 10 },
        { clock, random: seededRandom(99) },
      );
      const bad: unknown[] = [];
      for (let i = 0; i < 1_000; i++) {
        for (let n = 1; n <= 6; n++) {
          const d = Math.min(2_000, 100 * 2 ** (n - 1));
          const [lo, hi] = bounds[jitter](d);
          const v = p.nextDelay(err, n, 0);
          if (!(v >= lo! && v <= hi!)) bad.push({ jitter, n, v });
        }
      }
      expect(bad).toEqual([]);
    }
  });

  it('with seededRandom the delays (and attempt times) are deterministic', async () => {
    const runOnce = async (seed: number) => {
      clock = new VirtualClock();
      T0 = clock.now();
      starts = [];
      events = [];
      const s = observe(
        make({ maxRetries: 4, jitter: 'full' }, seededRandom(seed)).execute(failing([], new TransientError('t'))),
      );
      await clock.runAll();
      expect(s.state).toBe('rejected');
      return { delays: events.map((e) => e.delayMs), starts: starts.slice() };
    };
    const a = await runOnce(2024);
    const b = await runOnce(2024);
    const c = await runOnce(2025);
    expect(a).toEqual(b);
    expect(a.delays).not.toEqual(c.delays);
    const r = seededRandom(2024);
    expect(a.delays).toEqual([100, 200, 400, 800].map((d) => d * r()));
    // Each attempt starts when its wait ends (float rounding of epoch-sized clock values aside).
    let t = 0;
    const expected = [0, ...a.delays.map((d) => (t += d))];
    expect(a.starts).toHaveLength(5);
    a.starts.forEach((s, i) => expect(Math.abs(s - expected[i]!)).toBeLessThan(0.001));
  });
});

describe('RetryPolicy: which errors are retried', () => {
  const callsFor = async (options: RetryOptions, error: unknown) => {
    starts = [];
    const s = observe(make({ maxRetries: 2, ...options }).execute(failing([], error)));
    await clock.runAll();
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(error);
    return starts.length;
  };

  it('by default: transient errors, retryable statuses and network codes are retried; others are not', async () => {
    expect(await callsFor({}, new TransientError('t'))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('busy'), { status: 503 }))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('missing'), { status: 404 }))).toBe(1);
    expect(await callsFor({}, Object.assign(new Error('nope'), { status: 501 }))).toBe(1);
    expect(await callsFor({}, new TypeError('undefined is not a function'))).toBe(1);
    expect(await callsFor({}, new Error('plain'))).toBe(1);
    expect(await callsFor({}, new DOMException('aborted', 'AbortError'))).toBe(1);
    expect(await callsFor({}, 'a string')).toBe(1);
  });

  it('retryOn classes replace the default', async () => {
    expect(await callsFor({ retryOn: [NotFoundError] }, new NotFoundError('nf'))).toBe(3);
    expect(await callsFor({ retryOn: [NotFoundError] }, new TransientError('t'))).toBe(1);
  });

  it('retryOn predicate', async () => {
    const retryOn = (e: unknown) => e instanceof Error && e.message.startsWith('retry');
    expect(await callsFor({ retryOn }, new Error('retry me'))).toBe(3);
    expect(await callsFor({ retryOn }, new Error('fatal'))).toBe(1);
  });

  it('excludeOn wins over retryOn', async () => {
    expect(
      await callsFor({ retryOn: [ValidationError], excludeOn: [StrictValidationError] }, new ValidationError('v')),
    ).toBe(3);
    expect(
      await callsFor(
        { retryOn: [ValidationError], excludeOn: [StrictValidationError] },
        new StrictValidationError('s'),
      ),
    ).toBe(1);
    expect(await callsFor({ retryOn: () => true, excludeOn: () => true }, new TransientError('t'))).toBe(1);
  });

  it('an error that is not retried emits no onRetry event', async () => {
    await callsFor({}, new Error('plain'));
    expect(events).toEqual([]);
  });
});

describe('RetryPolicy: Retry-After hints', () => {
  it('a hint larger than the backoff is waited exactly', async () => {
    const err = new HintError(5_000);
    const s = observe(make({ maxRetries: 1 }).execute(failing([err])));
    await clock.advance(0);
    expect(events).toEqual([
      { type: 'retry.scheduled', policy: 'r', attempt: 1, retry: 1, delayMs: 5_000, error: err },
    ]);
    await clock.advance(4_999);
    expect(starts).toEqual([0]);
    await clock.advance(1);
    expect(starts).toEqual([0, 5_000]);
    await clock.advance(0);
    expect(s.value).toBe('ok@1');
  });

  it('a hint smaller than the backoff does not shorten it', async () => {
    const s = observe(make({ maxRetries: 1, baseDelayMs: 300 }).execute(failing([new HintError(50)])));
    await clock.runAll();
    expect(s.value).toBe('ok@1');
    expect(events.map((e) => e.delayMs)).toEqual([300]);
    expect(starts).toEqual([0, 300]);
  });

  it('a hint of exactly maxRetryAfterMs is honoured; 1 ms more gives up at once (1 call, no timer)', async () => {
    const s1 = observe(make({ maxRetries: 3, maxRetryAfterMs: 2_000 }).execute(failing([new HintError(2_000)])));
    await clock.runAll();
    expect(s1.value).toBe('ok@1');
    expect(starts).toEqual([0, 2_000]);

    starts = [];
    T0 = clock.now();
    events = [];
    const err = new HintError(2_001);
    const s2 = observe(make({ maxRetries: 3, maxRetryAfterMs: 2_000 }).execute(failing([err])));
    await clock.advance(0);
    expect(s2.state).toBe('rejected');
    expect(s2.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the default maxRetryAfterMs is 60 s', async () => {
    const s = observe(make({ maxRetries: 3 }).execute(failing([new HintError(60_001)])));
    await clock.advance(0);
    expect(s.state).toBe('rejected');
    expect(starts).toEqual([0]);
  });

  it('a hint on a non-retryable error does not make it retryable', async () => {
    const err = Object.assign(new Error('bad request'), { status: 400, retryAfterMs: 10 });
    const s = observe(make({ maxRetries: 3 }).execute(failing([], err)));
    await clock.runAll();
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
  });

  it('invalid hints (negative, NaN, strings) are ignored: the backoff applies', async () => {
    for (const hint of [-5, NaN, '9000', Infinity]) {
      const err = Object.assign(new TransientError('t'), { retryAfterMs: hint });
      expect(make({ maxRetries: 1 }).nextDelay(err, 1, 0)).toBe(100);
    }
  });
});

describe('RetryPolicy: maxElapsedMs', () => {
  it('a wait that would pass the deadline is not started', async () => {
    // Attempts at 0, 100, 300; the next wait (400) would end at 700 > 650.
    const err = new TransientError('t');
    const s = observe(make({ maxRetries: 10, maxElapsedMs: 650 }).execute(failing([], err)));
    await clock.advance(300);
    expect(starts).toEqual([0, 100, 300]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(err);
    expect(events.map((e) => e.delayMs)).toEqual([100, 200]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a wait ending exactly at the deadline is allowed', async () => {
    const s = observe(make({ maxRetries: 10, maxElapsedMs: 700 }).execute(failing([], new TransientError('t'))));
    await clock.runAll();
    expect(starts).toEqual([0, 100, 300, 700]);
    expect(s.state).toBe('rejected');
  });

  it('counts the time spent in attempts, and applies to Retry-After hints', async () => {
    const p = make({ maxRetries: 10, maxElapsedMs: 1_000 });
    expect(p.tracksElapsed).toBe(true);
    expect(make({}).tracksElapsed).toBe(false);
    const s = observe(
      p.execute(async () => {
        starts.push(clock.now() - T0);
        await new Promise<void>((r) => clock.setTimeout(r, 350));
        throw new TransientError('slow');
      }),
    );
    // 0..350 fail, wait 100 → 450..800 fail, next wait 200 → 1000 ≤ 1000 ok → 1000..1350 fail, 1350+400 > 1000: stop.
    await clock.runAll();
    expect(starts).toEqual([0, 450, 1_000]);
    expect(s.state).toBe('rejected');

    expect(p.nextDelay(new HintError(800), 1, 300)).toBe(-1);
    expect(p.nextDelay(new HintError(700), 1, 300)).toBe(700);
  });
});

describe('RetryPolicy: hints and the deadline together', () => {
  it('a hint that would pass maxElapsedMs gives up at once with the original error (no wait, no timer)', async () => {
    // First failure: hint 300 fits (0 + 300 ≤ 500). Second failure at 300: hint 300 → 600 > 500.
    const errors = [new HintError(300), new HintError(300)];
    const s = observe(make({ maxRetries: 5, maxElapsedMs: 500 }).execute(failing(errors)));
    await clock.advance(300);
    expect(starts).toEqual([0, 300]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(errors[1]);
    expect(events.map((e) => e.delayMs)).toEqual([300]);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('RetryPolicy: AbortSignal', () => {
  it('abort during a wait rejects at once with signal.reason; no further attempt, no timer left', async () => {
    const ac = new AbortController();
    const s = observe(make({ maxRetries: 5 }).execute(failing([], new TransientError('t')), { signal: ac.signal }));
    await clock.advance(150);
    expect(starts).toEqual([0, 100]);
    expect(clock.pendingTimers()).toBe(1);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    await clock.advance(0); // microtasks only, no time passes
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(10_000);
    expect(starts).toEqual([0, 100]);
    expect(events).toHaveLength(2);
  });

  it('an already-aborted signal makes no call', async () => {
    const ac = new AbortController();
    const reason = new Error('already');
    ac.abort(reason);
    let calls = 0;
    await expect(
      make({}).execute(
        () => {
          calls++;
          return 1;
        },
        { signal: ac.signal },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('abort while an attempt runs: its error is rethrown and nothing is retried', async () => {
    const ac = new AbortController();
    const err = new TransientError('t');
    const s = observe(
      make({ maxRetries: 5 }).execute(
        async () => {
          starts.push(clock.now() - T0);
          ac.abort();
          throw err;
        },
        { signal: ac.signal },
      ),
    );
    await clock.runAll();
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
  });

  it('sleep(): rejects at once for an aborted signal, resolves without a timer for 0 ms', async () => {
    const p = make({});
    const ac = new AbortController();
    ac.abort('why');
    await expect(p.sleep(100, ac.signal)).rejects.toBe('why');
    await expect(p.sleep(0)).resolves.toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    const s = observe(p.sleep(100, new AbortController().signal));
    await clock.advance(99);
    expect(s.state).toBe('pending');
    await clock.advance(1);
    expect(s.state).toBe('fulfilled');
  });
});

describe('RetryPolicy: sleep never ends early', () => {
  it('re-arms when the timer fires before the delay has passed on the clock (Node timers run on whole-ms loop time)', async () => {
    const base = new VirtualClock();
    // A clock whose timers fire 0.6 ms early, as Node's may against performance.now().
    const early = {
      now: () => base.now(),
      setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms - 0.6),
      clearTimeout: (h: unknown) => base.clearTimeout(h),
    };
    const p = RetryPolicy.create('early', { maxRetries: 1 }, { clock: early });
    const t0 = base.now();
    let doneAt = -1;
    const s = p.sleep(100).then(() => (doneAt = base.now() - t0));
    await base.runAll();
    await s;
    expect(doneAt).toBeGreaterThanOrEqual(100);
  });
});

describe('RetryPolicy: onRetry', () => {
  it('a throwing onRetry does not change the outcome, and is called for every retry', async () => {
    const reported = captureListenerErrors();
    let hookCalls = 0;
    const p = RetryPolicy.create(
      'r',
      {
        jitter: 'none',
        baseDelayMs: 100,
        maxRetries: 3,
        onRetry: () => {
          hookCalls++;
          throw new Error('hook bug');
        },
      },
      { clock },
    );
    const s = observe(p.execute(failing([new TransientError('a'), new TransientError('b')])));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@2' });
    expect(starts).toEqual([0, 100, 300]);
    expect(hookCalls).toBe(2);
    expect(reported).toHaveLength(2);

    starts = [];
    T0 = clock.now();
    const err = new TransientError('last');
    const s2 = observe(p.execute(failing([], err)));
    await clock.runAll();
    expect(s2.error).toBe(err);
    expect(starts).toHaveLength(4);
  });
});

describe('RetryPolicy.nextDelay', () => {
  it('returns −1 once retries are spent or the error is not retryable', () => {
    const p = make({ maxRetries: 2 });
    const t = new TransientError('t');
    expect([1, 2, 3].map((n) => p.nextDelay(t, n, 0))).toEqual([100, 200, -1]);
    expect(p.nextDelay(new Error('plain'), 1, 0)).toBe(-1);
  });
});
