import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { flushMicrotasks } from '../clock.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import {
  calls,
  checkBreakerHarness,
  clock,
  countCall,
  deferred,
  fail,
  make,
  NotFoundError,
  ok,
  openError,
  resetBreakerHarness,
  resetCalls,
  T0,
  type Deferred,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

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
    resetCalls();
    const gate = deferred<string>();
    const results = Array.from({ length: 1_000 }, () =>
      b.execute(() => {
        countCall();
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
    resetCalls();
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
});
