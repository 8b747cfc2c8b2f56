import { beforeEach, describe, expect, it } from '@jest/globals';
import { bucket, clock, queue, resetBucketHarness } from './testing-support/bucket-harness.js';

beforeEach(resetBucketHarness);

describe('MemoryBucket abort', () => {
  it('an aborted head waiter rejects with signal.reason and gives its tokens back to the next waiter', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a', Infinity, ac.signal);
    const bb = queue(b, 1, log, 'b');
    const c = queue(b, 1, log, 'c');
    await clock.advance(50);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    expect(await a).toBe(reason);
    expect(b.waiting()).toBe(2);
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await Promise.all([bb, c]);
    // Without the abort: b at 200, c at 300.
    expect(log).toEqual([
      ['b', 100],
      ['c', 200],
    ]);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting a large head waiter admits the smaller one behind it at once when its tokens are there', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    b.acquire(3, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const big = queue(b, 3, log, 'big', Infinity, ac.signal);
    const small = queue(b, 1, log, 'small');
    await clock.advance(150); // level 1.5: enough for small, not for big
    expect(log).toEqual([]);
    ac.abort('gone');
    expect(await big).toBe('gone');
    expect(await small).toBe('admitted');
    // Without the abort: small at 400.
    expect(log).toEqual([['small', 150]]);
    expect(clock.pendingTimers()).toBe(0);
    expect(b.available()).toBeCloseTo(0.5, 9);
  });

  it('an aborted waiter in the middle of the queue gives its tokens back', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    b.acquire(3, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a');
    const m = queue(b, 2, log, 'm', Infinity, ac.signal);
    const c = queue(b, 1, log, 'c');
    expect(b.available()).toBeCloseTo(-4, 9);
    ac.abort('stop');
    expect(await m).toBe('stop');
    expect(b.waiting()).toBe(2);
    expect(b.available()).toBeCloseTo(-2, 9);
    await clock.runAll();
    await Promise.all([a, c]);
    // Without the abort: c at 400.
    expect(log).toEqual([
      ['a', 100],
      ['c', 200],
    ]);
    expect(b.available()).toBeCloseTo(0, 9);
  });

  it('rejects at once when the signal is already aborted and queues nothing', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const ac = new AbortController();
    ac.abort('already');
    const p = b.acquire(1, Infinity, ac.signal);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toBe('already');
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting after admission changes nothing', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a', Infinity, ac.signal);
    const c = queue(b, 1, log, 'c');
    await clock.advance(100);
    expect(await a).toBe('admitted');
    ac.abort('late');
    expect(b.waiting()).toBe(1);
    await clock.runAll();
    await c;
    expect(log).toEqual([
      ['a', 100],
      ['c', 200],
    ]);
  });

  it('many aborts leave no waiter, reservation or timer behind', async () => {
    const b = bucket({ rate: 1, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const controllers: AbortController[] = [];
    const ps: Promise<unknown>[] = [];
    const log: Array<[string, number]> = [];
    for (let i = 0; i < 200; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      ps.push(queue(b, 1, log, `w${i}`, Infinity, ac.signal));
    }
    expect(b.waiting()).toBe(200);
    // Abort in a scrambled order (odd ones first, then even from the back).
    for (let i = 1; i < 200; i += 2) controllers[i]!.abort('x');
    for (let i = 198; i >= 0; i -= 2) controllers[i]!.abort('x');
    const results = await Promise.all(ps);
    expect(results.every((r) => r === 'x')).toBe(true);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(b.available()).toBe(0);
    await clock.advance(1000);
    expect(b.available()).toBe(1);
    expect(b.isIdle()).toBe(true);
    expect(log).toEqual([]);
  });
});
