import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock } from '../clock.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { CircuitBreakerOptions, CircuitStateChange } from './circuit-breaker.options.js';
import { CircuitBreakerPolicy } from './circuit-breaker.policy.js';
import { captureListenerErrors, restoreListenerErrors } from '../testing-support/observe.js';

class NotFoundError extends Error {}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T = string>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let clock: VirtualClock;
let T0: number;
let calls: number;

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
  calls = 0;
});

afterEach(() => {
  restoreListenerErrors();
  // The breaker never schedules a timer (open → half-open is lazy).
  expect(clock.pendingTimers()).toBe(0);
});

function make(options: CircuitBreakerOptions, name = 'b'): CircuitBreakerPolicy {
  return CircuitBreakerPolicy.create(name, options, { clock, store: new MemoryStore() });
}

/** A call that fails with `err`; resolves to what execute rejected with. */
async function fail(b: CircuitBreakerPolicy, err: unknown = new Error('boom'), args: unknown[] = []): Promise<unknown> {
  return b
    .execute(
      () => {
        calls++;
        throw err;
      },
      { args },
    )
    .then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e,
    );
}

/** A call that succeeds with 'ok'. */
function ok(b: CircuitBreakerPolicy, args: unknown[] = []): Promise<string> {
  return b.execute(
    () => {
      calls++;
      return 'ok';
    },
    { args },
  );
}

/** A call whose fn runs for `ms` of virtual time, then succeeds (or fails). */
async function timed(b: CircuitBreakerPolicy, ms: number, outcome: 'ok' | 'fail' = 'ok'): Promise<unknown> {
  const p = b
    .execute(
      () =>
        new Promise<string>((res, rej) => {
          calls++;
          clock.setTimeout(() => (outcome === 'ok' ? res('slow-ok') : rej(new Error('slow-fail'))), ms);
        }),
    )
    .catch((e: unknown) => e);
  await clock.advance(ms);
  return p;
}

async function openError(p: Promise<unknown>): Promise<CircuitBreakerOpenError> {
  const e = await p;
  expect(e).toBeInstanceOf(CircuitBreakerOpenError);
  return e as CircuitBreakerOpenError;
}

describe('CircuitBreakerPolicy — consecutive mode', () => {
  it('opens after exactly failureThreshold consecutive failures', async () => {
    const b = make({ failureThreshold: 3, recoveryTimeMs: 10_000 });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(await fail(b)).toBeInstanceOf(Error);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(2);
    await fail(b);
    expect(b.state()).toBe('open');
    expect(calls).toBe(3);
    // Rejected without calling fn.
    await openError(fail(b));
    expect(calls).toBe(3);
  });

  it('a success resets the consecutive count', async () => {
    const b = make({ failureThreshold: 3 });
    await fail(b);
    await fail(b);
    expect(await ok(b)).toBe('ok');
    expect(b.snapshot().failureCount).toBe(0);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(2);
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('CircuitBreakerOpenError names the policy and the remaining recovery time (decreasing, never negative)', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 10_000 }, 'payments');
    await fail(b);
    let e = await openError(fail(b));
    expect(e.policy).toBe('payments');
    expect(e.state).toBe('open');
    expect(e.retryAfterMs).toBe(10_000);
    expect(e.partitionKey).toBeUndefined();
    expect(e.isTransient).toBe(true);
    expect(e.message).toBe("Circuit breaker 'payments' is open; retry after 10000 ms");
    expect(e.toJSON()).toEqual({
      name: 'CircuitBreakerOpenError',
      message: e.message,
      isTransient: true,
      policy: 'payments',
      state: 'open',
      retryAfterMs: 10_000,
      partitionKey: undefined,
    });

    await clock.advance(4_000);
    e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(6_000);
    expect(b.snapshot().retryAfterMs).toBe(6_000);

    await clock.advance(5_999);
    e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(1);
    expect(b.snapshot().retryAfterMs).toBe(1);
    expect(calls).toBe(1);

    await clock.advance(1);
    expect(b.snapshot().retryAfterMs).toBe(0);
    // Now admitted (a trial), not rejected with a negative wait.
    expect(await ok(b)).toBe('ok');
    expect(calls).toBe(2);
    expect(b.state()).toBe('closed');
  });

  it('counts a slow success as a failure', async () => {
    const b = make({ failureThreshold: 2, slowCallDurationMs: 100 });
    expect(await timed(b, 150)).toBe('slow-ok');
    expect(b.snapshot().failureCount).toBe(1);
    expect(await timed(b, 50)).toBe('slow-ok'); // fast: resets
    expect(b.snapshot().failureCount).toBe(0);
    await timed(b, 150);
    expect(b.state()).toBe('closed');
    await timed(b, 200);
    expect(b.state()).toBe('open');
  });

  it('does not count errors excluded by excludeOn / failOn', async () => {
    const b = make({
      failureThreshold: 2,
      excludeOn: [NotFoundError],
      failOn: (e) => (e as Error).message !== 'ignored',
    });
    for (let i = 0; i < 5; i++) {
      await fail(b, new NotFoundError());
      await fail(b, new Error('ignored'));
    }
    expect(b.state()).toBe('closed');
    const s = b.snapshot();
    expect([s.failureCount, s.failures, s.successes]).toEqual([0, 0, 0]);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('open');
  });
});

describe('CircuitBreakerPolicy — open → half-open', () => {
  it('reports half_open once recoveryTimeMs has passed, without any call', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 5_000 });
    await fail(b);
    expect(b.state()).toBe('open');
    await clock.advance(4_999);
    expect(b.state()).toBe('open');
    expect(b.snapshot().state).toBe('open');
    expect(b.snapshot().retryAfterMs).toBe(1);
    await clock.advance(1);
    expect(b.state()).toBe('half_open');
    const s = b.snapshot();
    expect(s.state).toBe('half_open');
    expect(s.retryAfterMs).toBe(0);
    expect(s.openedAt).toBe(T0);
    expect(calls).toBe(1);
  });

  it('recoveryTimeMs 0 admits a trial at once', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 0 });
    await fail(b);
    expect(b.state()).toBe('half_open');
    expect(await ok(b)).toBe('ok');
    expect(b.state()).toBe('closed');
  });

  it.each([1, 3])('admits exactly halfOpenMaxCalls = %i of 1,000 concurrent callers', async (max) => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: max });
    await fail(b);
    await clock.advance(1_000);
    calls = 0;
    const gate = deferred<string>();
    const results = Array.from({ length: 1_000 }, () =>
      b.execute(() => {
        calls++;
        return gate.promise;
      }),
    );
    await flushMicrotasks();
    expect(calls).toBe(max);
    expect(b.state()).toBe('half_open');
    gate.resolve('done');
    const settled = await Promise.allSettled(results);
    const fulfilled = settled.filter((r) => r.status === 'fulfilled');
    const rejected = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled.length).toBe(max);
    expect(fulfilled.every((r) => (r as PromiseFulfilledResult<string>).value === 'done')).toBe(true);
    expect(rejected.length).toBe(1_000 - max);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(CircuitBreakerOpenError);
      expect((r.reason as CircuitBreakerOpenError).state).toBe('half_open');
      expect((r.reason as CircuitBreakerOpenError).retryAfterMs).toBe(0);
    }
    expect(rejected[0]!.reason.message).toBe(
      "Circuit breaker 'b' is half-open with all trial calls in flight; retry after 0 ms",
    );
    expect(calls).toBe(max);
    const s = b.snapshot();
    expect(s.rejections).toBe(1_000 - max);
    expect(s.successes).toBe(max);
    expect(s.state).toBe('closed');
  });

  it.each([
    ['excludeOn', { excludeOn: [NotFoundError] }, () => new NotFoundError('nf')],
    ['failOn false', { failOn: (e: unknown) => !(e instanceof NotFoundError) }, () => new NotFoundError('nf')],
  ])('a trial ending in an excluded error (%s) releases its slot', async (_label, opts, makeErr) => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: 1, ...opts });
    await fail(b);
    await clock.advance(1_000);
    const gate = deferred<string>();
    const trial = b.execute(() => gate.promise).catch((e: unknown) => e);
    // Slot taken: a second caller is rejected.
    expect((await openError(fail(b))).state).toBe('half_open');
    const err = makeErr();
    gate.reject(err);
    expect(await trial).toBe(err);
    expect(b.state()).toBe('half_open');
    expect(b.snapshot().failures).toBe(1);
    // The slot is free again: the next call runs as a trial and closes the breaker.
    calls = 0;
    expect(await ok(b)).toBe('ok');
    expect(calls).toBe(1);
    expect(b.state()).toBe('closed');
  });

  it('a trial still running after the breaker closed cannot make a later half-open period over-admit', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: 2, successThreshold: 2 });
    let running = 0;
    let maxRunning = 0;
    const track = (gate: Deferred<string>) => () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      return gate.promise.finally(() => running--);
    };
    await fail(b);
    await clock.advance(1_000);
    const [gA, gB, gC] = [deferred(), deferred(), deferred()];
    const a = b.execute(track(gA));
    const late = b.execute(track(gB)); // stays in flight across the next cycle
    gA.resolve('a');
    await a;
    const c = b.execute(track(gC));
    gC.resolve('c');
    await c;
    expect(b.state()).toBe('closed');
    // Re-open and recover while the old trial still runs.
    await fail(b);
    await clock.advance(1_000);
    expect(b.state()).toBe('half_open');
    maxRunning = running;
    const gates = Array.from({ length: 5 }, () => deferred());
    const trials = gates.map((g) => b.execute(track(g)).catch((e: unknown) => e));
    await flushMicrotasks();
    // The old trial finishes: its slot is released, not a second one.
    gB.resolve('b');
    await late;
    const more = gates.map((g) => b.execute(track(g)).catch((e: unknown) => e));
    await flushMicrotasks();
    expect(maxRunning).toBeLessThanOrEqual(2);
    gates.forEach((g) => g.resolve('x'));
    await Promise.all([...trials, ...more]);
    expect(running).toBe(0);
  });

  it.each(['reset', 'forceOpen', 'disable'] as const)(
    'a trial still running across a manual %s() cannot make a later half-open period over-admit',
    async (action) => {
      const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: 1, excludeOn: [NotFoundError] });
      let running = 0;
      let maxRunning = 0;
      const track = (gate: Deferred<string>) => () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        return gate.promise.finally(() => running--);
      };
      await fail(b);
      await clock.advance(1_000);
      const old = deferred();
      const oldTrial = b.execute(track(old)).catch((e: unknown) => e);
      await flushMicrotasks();
      expect(running).toBe(1);
      b[action]();
      if (action !== 'reset') b.reset();
      // Open again and recover while the old trial still runs.
      await fail(b);
      await clock.advance(1_000);
      expect(b.state()).toBe('half_open');
      const gates = Array.from({ length: 3 }, () => deferred());
      const first = gates.map((g) => b.execute(track(g)).catch((e: unknown) => e));
      await flushMicrotasks();
      // The old trial ends in an excluded error: it frees its own slot, not a second one.
      old.reject(new NotFoundError('late'));
      await oldTrial;
      const second = gates.map((g) => b.execute(track(g)).catch((e: unknown) => e));
      await flushMicrotasks();
      expect(maxRunning).toBeLessThanOrEqual(1);
      gates.forEach((g) => g.resolve('x'));
      await Promise.all([...first, ...second]);
      expect(running).toBe(0);
      // Nothing leaked: the breaker closed, and the next half-open period admits a trial again.
      expect(b.state()).toBe('closed');
      await fail(b);
      await clock.advance(1_000);
      expect(await ok(b)).toBe('ok');
      expect(b.state()).toBe('closed');
    },
  );

  it('a throwing failOn / excludeOn predicate counts the error as a failure and never leaks a trial slot', async () => {
    const b = make({
      failureThreshold: 2,
      recoveryTimeMs: 1_000,
      failOn: (e) => (e as { code: { length: number } }).code.length > 0, // throws on errors without `code`
    });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(b.snapshot().failureCount).toBe(1);
    await fail(b);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    // The trial fails through the throwing predicate: re-opened, not stuck half-open.
    expect(await fail(b, boom)).toBe(boom);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    expect(await ok(b)).toBe('ok');
    expect(b.state()).toBe('closed');
  });

  it('a trial failure re-opens for the full recoveryTimeMs, from the time of the failure', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    await fail(b);
    await clock.advance(10_000);
    const gate = deferred<string>();
    const trial = b.execute(() => gate.promise).catch((e: unknown) => e);
    await clock.advance(700);
    gate.reject(new Error('trial failed'));
    expect(((await trial) as Error).message).toBe('trial failed');
    const failedAt = T0 + 10_700;
    expect(b.state()).toBe('open');
    let s = b.snapshot();
    expect(s.openedAt).toBe(failedAt);
    expect(s.retryAfterMs).toBe(10_000);
    expect((await openError(fail(b))).retryAfterMs).toBe(10_000);
    await clock.advance(9_999);
    expect(b.state()).toBe('open');
    expect((await openError(fail(b))).retryAfterMs).toBe(1);
    await clock.advance(1);
    expect(b.state()).toBe('half_open');
    s = b.snapshot();
    expect(s.openedAt).toBe(failedAt);
  });

  it('a slow trial success re-opens', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, slowCallDurationMs: 100 });
    await fail(b);
    await clock.advance(1_000);
    expect(await timed(b, 150)).toBe('slow-ok');
    expect(b.state()).toBe('open');
    expect(b.snapshot().openedAt).toBe(T0 + 1_150);
  });

  it('successThreshold > 1 needs that many trial successes to close', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, successThreshold: 3 });
    await fail(b);
    await clock.advance(1_000);
    await ok(b);
    expect(b.state()).toBe('half_open');
    await ok(b);
    expect(b.state()).toBe('half_open');
    // A failure in between starts over.
    await fail(b);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    await ok(b);
    await ok(b);
    expect(b.state()).toBe('half_open');
    await ok(b);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().openedAt).toBeUndefined();
  });
});

describe('CircuitBreakerPolicy — failure-rate mode', () => {
  it('count window: opens at failureRateThreshold once minimumCalls are in the window', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 });
    await fail(b);
    await fail(b);
    await fail(b);
    // 100 % but only 3 calls.
    expect(b.state()).toBe('closed');
    let s = b.snapshot();
    expect(s.failureRate).toBe(100);
    expect(s.failureCount).toBe(3);
    expect(s.slowCallRate).toBeUndefined();
    await ok(b);
    // 3 / 4 = 75 %.
    expect(b.state()).toBe('open');
    s = b.snapshot();
    // The window is cleared on opening.
    expect(s.failureRate).toBe(0);
    expect(s.failureCount).toBe(0);
  });

  it('count window: below the threshold stays closed; old outcomes slide out', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 });
    await fail(b);
    await ok(b);
    await ok(b);
    await ok(b);
    expect(b.snapshot().failureRate).toBe(25);
    await ok(b); // the failure slides out
    expect(b.snapshot().failureRate).toBe(0);
    await fail(b);
    expect(b.snapshot().failureRate).toBe(25);
    expect(b.state()).toBe('closed');
    await fail(b); // ok ok fail fail = 50 %
    expect(b.state()).toBe('open');
  });

  it('time window: only the calls of the last durationMs count', async () => {
    const b = make({ failureRateThreshold: 60, slidingWindow: { type: 'time', durationMs: 1_000 }, minimumCalls: 2 });
    await fail(b);
    await clock.advance(1_500);
    await fail(b);
    // The first failure left the window: 1 call < minimumCalls (else 2 of 2 would open).
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(1);
    expect(b.snapshot().failureRate).toBe(100);
    await clock.advance(300);
    await ok(b); // 1 / 2 = 50 %
    await ok(b); // 1 / 3
    await fail(b); // 2 / 4 = 50 %
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureRate).toBe(50);
    await fail(b); // 3 / 5 = 60 %
    expect(b.state()).toBe('open');
  });

  it('time window: minimumCalls defaults to 10', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'time', durationMs: 60_000 } });
    for (let i = 0; i < 9; i++) await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('slow calls open the breaker at slowCallRateThreshold', async () => {
    const b = make({
      failureRateThreshold: 100,
      slidingWindow: { type: 'count', size: 4 },
      minimumCalls: 4,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 50,
    });
    await timed(b, 150);
    await timed(b, 99);
    await timed(b, 10);
    let s = b.snapshot();
    expect(s.slowCallRate).toBeCloseTo(100 / 3, 10);
    expect(s.failureRate).toBe(0);
    expect(b.state()).toBe('closed');
    await timed(b, 100); // 2 slow of 4 = 50 %
    expect(b.state()).toBe('open');
    s = b.snapshot();
    expect(s.successes).toBe(4);
    expect(s.failures).toBe(0);
  });

  it('slow failures count both as failures and as slow calls', async () => {
    const b = make({
      failureRateThreshold: 100,
      slidingWindow: { type: 'count', size: 10 },
      minimumCalls: 2,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 100,
    });
    expect(((await timed(b, 120, 'fail')) as Error).message).toBe('slow-fail');
    await ok(b);
    const s = b.snapshot();
    expect(s.failureRate).toBe(50);
    expect(s.slowCallRate).toBe(50);
    expect(b.state()).toBe('closed');
  });
});

describe('CircuitBreakerPolicy — snapshot and events', () => {
  it('counts successes, failures and rejections', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000 });
    await ok(b);
    await ok(b);
    await fail(b);
    await fail(b);
    await openError(fail(b));
    await openError(fail(b));
    await openError(fail(b));
    const s = b.snapshot();
    expect(s).toEqual({
      name: 'b',
      state: 'open',
      disabled: false,
      forcedOpen: false,
      successes: 2,
      failures: 2,
      rejections: 3,
      failureCount: 0,
      openedAt: T0,
      retryAfterMs: 1_000,
      stateChanges: [{ type: 'breaker.state', policy: 'b', from: 'closed', to: 'open', at: T0 }],
    });
  });

  it('records state changes with timestamps and emits onStateChange for each', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, onStateChange: (e) => events.push(e) });
    await clock.advance(10);
    await fail(b); // closed → open at T0+10
    await clock.advance(1_500);
    await ok(b); // open → half_open → closed at T0+1510
    const expected = [
      { type: 'breaker.state', policy: 'b', from: 'closed', to: 'open', at: T0 + 10 },
      { type: 'breaker.state', policy: 'b', from: 'open', to: 'half_open', at: T0 + 1_510 },
      { type: 'breaker.state', policy: 'b', from: 'half_open', to: 'closed', at: T0 + 1_510 },
    ];
    expect(events).toEqual(expected);
    expect(b.snapshot().stateChanges).toEqual(expected);
    // The snapshot hands out a copy.
    b.snapshot().stateChanges.length = 0;
    expect(b.snapshot().stateChanges.length).toBe(3);
  });

  it('keeps at most historySize state changes (the newest)', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, recoveryTimeMs: 100, historySize: 2, onStateChange: (e) => events.push(e) });
    for (let i = 0; i < 5; i++) {
      await fail(b);
      await clock.advance(100);
      await ok(b);
    }
    expect(events.length).toBe(15);
    const h = b.snapshot().stateChanges;
    expect(h).toEqual(events.slice(-2));
    expect(h.map((e) => `${e.from}>${e.to}`)).toEqual(['open>half_open', 'half_open>closed']);
  });

  it('historySize 0 keeps no history but still emits events', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, historySize: 0, onStateChange: (e) => events.push(e) });
    await fail(b);
    expect(b.snapshot().stateChanges).toEqual([]);
    expect(events.length).toBe(1);
  });

  it('a throwing onStateChange listener breaks nothing (its error goes to the listener-error reporter)', async () => {
    let seen = 0;
    const reported = captureListenerErrors();
    const b = make({
      failureThreshold: 1,
      recoveryTimeMs: 100,
      onStateChange: () => {
        seen++;
        throw new Error('listener bug');
      },
    });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(b.state()).toBe('open');
    await openError(fail(b));
    await clock.advance(100);
    expect(await ok(b)).toBe('ok');
    expect(b.state()).toBe('closed');
    expect(seen).toBe(3);
    expect(reported.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug', 'listener bug']);
    expect(b.snapshot().stateChanges.length).toBe(3);
  });
});

describe('CircuitBreakerPolicy — manual control', () => {
  it('forceOpen() rejects every call until reset(), with no half-open', async () => {
    const b = make({ failureThreshold: 3, recoveryTimeMs: 1_000 });
    b.forceOpen();
    expect(b.state()).toBe('open');
    await clock.advance(3_600_000);
    expect(b.state()).toBe('open');
    const e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(1_000);
    expect(e.state).toBe('open');
    expect(calls).toBe(0);
    const s = b.snapshot();
    expect(s.forcedOpen).toBe(true);
    expect(s.state).toBe('open');
    expect(s.rejections).toBe(1);
    b.reset();
    expect(b.state()).toBe('closed');
    expect(b.snapshot().forcedOpen).toBe(false);
    expect(await ok(b)).toBe('ok');
  });

  it('reset() closes an open breaker and clears the failure count', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000 });
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('open');
    b.reset();
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(0);
    expect(b.snapshot().openedAt).toBeUndefined();
    await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('reset() of a closed breaker clears the failures counted so far (consecutive and rate mode)', async () => {
    const b = make({ failureThreshold: 3 });
    await fail(b);
    await fail(b);
    expect(b.snapshot().failureCount).toBe(2);
    b.reset();
    expect(b.snapshot().failureCount).toBe(0);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');

    const r = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 }, 'rate');
    await fail(r);
    await fail(r);
    await fail(r);
    b.reset();
    r.reset();
    expect(r.snapshot()).toMatchObject({ failureCount: 0, failureRate: 0 });
    await ok(r);
    await ok(r);
    await ok(r);
    await fail(r); // 1 of 4 after the reset (4 of 4 without it)
    expect(r.state()).toBe('closed');
  });

  it('disable() lets everything through and records nothing until reset()', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000 });
    await fail(b);
    expect(b.state()).toBe('open');
    const before = b.snapshot();
    b.disable();
    expect(b.state()).toBe('closed');
    calls = 0;
    for (let i = 0; i < 10; i++) await fail(b);
    for (let i = 0; i < 5; i++) await ok(b);
    expect(calls).toBe(15);
    expect(b.state()).toBe('closed');
    const s = b.snapshot();
    expect(s.disabled).toBe(true);
    expect([s.successes, s.failures, s.rejections, s.failureCount]).toEqual([
      before.successes,
      before.failures,
      before.rejections,
      0,
    ]);
    b.reset();
    expect(b.snapshot().disabled).toBe(false);
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('forceOpen() after disable() rejects again', async () => {
    const b = make({ failureThreshold: 1 });
    b.disable();
    b.forceOpen();
    const s = b.snapshot();
    expect([s.disabled, s.forcedOpen, s.state]).toEqual([false, true, 'open']);
    await openError(fail(b));
    expect(calls).toBe(0);
  });
});

describe('CircuitBreakerPolicy — partitions', () => {
  const byHost = (host: string) => host;

  it('gives each partition key its own breaker', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000, partitionKey: byHost });
    await fail(b, new Error('a down'), ['a']);
    await fail(b, new Error('a down'), ['a']);
    expect(b.state('a')).toBe('open');
    expect(b.state('b')).toBe('closed');
    expect(await ok(b, ['b'])).toBe('ok');
    const e = await openError(fail(b, new Error('x'), ['a']));
    expect(e.partitionKey).toBe('a');
    expect(e.message).toBe("Circuit breaker 'b' [a] is open; retry after 1000 ms");
    // Aggregate state is the worst partition.
    expect(b.state()).toBe('open');
    expect(b.partitionCount).toBe(2);
    const snaps = b.snapshots().sort((x, y) => x.partitionKey!.localeCompare(y.partitionKey!));
    expect(snaps.map((s) => [s.partitionKey, s.state, s.failures, s.successes])).toEqual([
      ['a', 'open', 2, 0],
      ['b', 'closed', 0, 1],
    ]);
    expect(b.snapshot('a').stateChanges).toEqual([
      { type: 'breaker.state', policy: 'b', partitionKey: 'a', from: 'closed', to: 'open', at: T0 },
    ]);
    const agg = b.snapshot();
    expect([agg.state, agg.successes, agg.failures, agg.rejections, agg.retryAfterMs]).toEqual([
      'open',
      1,
      2,
      1,
      1_000,
    ]);
    expect(agg.partitionKey).toBeUndefined();
  });

  it('aggregate state is half_open when the worst partition is half-open', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost });
    await fail(b, new Error('x'), ['a']);
    await ok(b, ['b']);
    await clock.advance(1_000);
    expect(b.state()).toBe('half_open');
    await fail(b, new Error('x'), ['c']);
    expect(b.state()).toBe('open');
  });

  it('an unknown partition reports closed and is not created by state() or snapshot(key)', async () => {
    const b = make({ failureThreshold: 1, partitionKey: byHost });
    expect(b.state('nope')).toBe('closed');
    const s = b.snapshot('nope');
    expect([s.partitionKey, s.state, s.successes]).toEqual(['nope', 'closed', 0]);
    expect(b.partitionCount).toBe(0);
    // With no live partition, the breaker still reports itself (health checks list every breaker).
    expect(b.snapshots().map((x) => [x.name, x.partitionKey, x.state, x.failures])).toEqual([
      ['b', undefined, 'closed', 0],
    ]);
    expect(b.partitionCount).toBe(0);
  });

  it('maxPartitions bounds memory; idle partitions are evicted first', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost, maxPartitions: 2 });
    await fail(b, new Error('x'), ['a']); // open: busy
    await ok(b, ['b']); // closed, nothing counted: idle
    await ok(b, ['c']); // b evicted, not the older a
    expect(b.partitionCount).toBe(2);
    expect(b.snapshots().map((s) => s.partitionKey)).toEqual(['a', 'c']);
    expect(b.state('a')).toBe('open');
    for (let i = 0; i < 100; i++) await ok(b, [`h${i}`]);
    expect(b.partitionCount).toBe(2);
    expect(b.state('a')).toBe('open');
  });

  it('a new partition keeps its state even when all others are busy', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000, partitionKey: byHost, maxPartitions: 2 });
    await fail(b, new Error('x'), ['a']);
    await fail(b, new Error('x'), ['a']);
    await fail(b, new Error('x'), ['b']);
    await fail(b, new Error('x'), ['b']);
    await fail(b, new Error('x'), ['c']);
    await fail(b, new Error('x'), ['c']);
    expect(b.partitionCount).toBe(2);
    expect(b.state('c')).toBe('open');
    expect(b.snapshots().map((s) => s.partitionKey)).toEqual(['b', 'c']);
  });

  it('snapshot(key) of a never-used partition under forceOpen reports open without emitting events or creating it', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, partitionKey: byHost, onStateChange: (e) => events.push(e) });
    b.forceOpen();
    const s = b.snapshot('ghost');
    expect([s.partitionKey, s.state, s.forcedOpen]).toEqual(['ghost', 'open', true]);
    b.snapshot('ghost');
    expect(events).toEqual([]);
    expect(b.partitionCount).toBe(0);
    // A real call creates it (open) and emits its change once.
    await openError(fail(b, new Error('x'), ['ghost']));
    expect(events).toEqual([
      { type: 'breaker.state', policy: 'b', partitionKey: 'ghost', from: 'closed', to: 'open', at: T0 },
    ]);
  });

  it('policy-level forceOpen applies to existing and new partitions until reset()', async () => {
    const b = make({ failureThreshold: 5, recoveryTimeMs: 1_000, partitionKey: byHost });
    await ok(b, ['a']);
    b.forceOpen();
    expect(b.state()).toBe('open');
    expect(b.state('z')).toBe('open');
    expect((await openError(fail(b, new Error('x'), ['a']))).partitionKey).toBe('a');
    const e = await openError(fail(b, new Error('x'), ['z']));
    expect(e.partitionKey).toBe('z');
    expect(calls).toBe(1);
    expect(b.snapshot().forcedOpen).toBe(true);
    expect(b.snapshot('z').forcedOpen).toBe(true);
    await clock.advance(3_600_000);
    expect(b.state('z')).toBe('open');
    b.reset();
    expect(b.state()).toBe('closed');
    expect(await ok(b, ['new'])).toBe('ok');
    expect(await ok(b, ['z'])).toBe('ok');
    expect(b.snapshot().forcedOpen).toBe(false);
  });

  it('forceOpen(key) opens one partition only; disable() applies to new partitions', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost });
    b.forceOpen('a');
    expect(b.state('a')).toBe('open');
    expect(b.state('b')).toBe('closed');
    expect(await ok(b, ['b'])).toBe('ok');
    b.reset('a');
    expect(b.state('a')).toBe('closed');
    b.disable();
    calls = 0;
    for (let i = 0; i < 3; i++) await fail(b, new Error('x'), ['fresh']);
    expect(calls).toBe(3);
    expect(b.state()).toBe('closed');
    expect(b.snapshot('fresh').disabled).toBe(true);
    expect(b.snapshot().disabled).toBe(true);
  });

  it('keys are stringified', async () => {
    const b = make({ failureThreshold: 1, partitionKey: (id: number) => id as unknown as string });
    await fail(b, new Error('x'), [7]);
    expect(b.state('7')).toBe('open');
  });
});

describe('CircuitBreakerPolicy — no timers', () => {
  it('schedules no timer in any state', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 500, halfOpenMaxCalls: 2, successThreshold: 2 });
    const p = make({
      failureRateThreshold: 50,
      slidingWindow: { type: 'time', durationMs: 1_000 },
      minimumCalls: 2,
      partitionKey: (k: string) => k,
    });
    for (let round = 0; round < 3; round++) {
      await fail(b);
      await fail(b);
      expect(clock.pendingTimers()).toBe(0);
      await openError(fail(b));
      await clock.advance(500);
      await ok(b);
      await ok(b);
      await fail(p, new Error('x'), ['k']);
      await fail(p, new Error('x'), ['k']);
      await openError(fail(p, new Error('x'), ['k']));
      expect(clock.pendingTimers()).toBe(0);
    }
    b.forceOpen();
    b.disable();
    b.reset();
    expect(clock.pendingTimers()).toBe(0);
  });
});
