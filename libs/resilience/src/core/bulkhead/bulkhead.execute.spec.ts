import { describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock } from '../clock.js';
import { BulkheadRejectedError } from '../errors/bulkhead-rejected.error.js';
import { observe } from '../testing-support/observe.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

describe('BulkheadPolicy.execute (fn(context), on virtual time)', () => {
  it('exact concurrency: 1,000 calls with maxConcurrent 10 run at most 10 at once, reach 10, all complete', async () => {
    const clock = new VirtualClock(0);
    const b = BulkheadPolicy.create('db', { maxConcurrent: 10, maxQueued: Infinity }, { clock });
    const random = seededRandom(7);
    let active = 0;
    let maxActive = 0;
    const calls = Array.from({ length: 1000 }, (_, i) =>
      b.execute(async ({ attempt }) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((r) => clock.setTimeout(r, 1 + Math.floor(random() * 20)));
        active--;
        return i * attempt;
      }),
    );
    await clock.runAll();
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(maxActive).toBe(10);
    expect(b.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('refuses with BulkheadRejectedError (queue-full) without calling fn', async () => {
    const clock = new VirtualClock(0);
    const b = BulkheadPolicy.create('db', { maxConcurrent: 1 }, { clock });
    const first = b.execute(() => new Promise<string>((r) => clock.setTimeout(() => r('first'), 10)));
    let called = false;
    await expect(
      b.execute(() => {
        called = true;
      }),
    ).rejects.toMatchObject({ reason: 'queue-full', policy: 'db' });
    expect(called).toBe(false);
    await clock.advance(10);
    expect(await first).toBe('first');
  });

  it('a queued call whose signal aborts rejects with the reason, frees its place, and fn never runs', async () => {
    const clock = new VirtualClock(0);
    const b = BulkheadPolicy.create('db', { maxConcurrent: 1, maxQueued: 1 }, { clock });
    void b.execute(() => new Promise<void>((r) => clock.setTimeout(r, 100)));
    const ac = new AbortController();
    let called = false;
    const queued = observe(
      b.execute(
        () => {
          called = true;
        },
        { signal: ac.signal },
      ),
    );
    expect(b.snapshot().queued).toBe(1);
    ac.abort(new Error('gave up'));
    await clock.advance(0);
    expect(queued.state).toBe('rejected');
    expect((queued.error as Error).message).toBe('gave up');
    expect(b.snapshot().queued).toBe(0);
    await clock.runAll();
    expect(called).toBe(false);
  });

  it('maxWaitMs: a queued call is refused with wait-timeout; the slot of a failed call is given back', async () => {
    const clock = new VirtualClock(0);
    const b = BulkheadPolicy.create('db', { maxConcurrent: 1, maxQueued: 5, maxWaitMs: 50 }, { clock });
    const failing = b.execute(() => new Promise((_, reject) => clock.setTimeout(() => reject(new Error('db')), 80)));
    const late = observe(b.execute(() => 'late'));
    await clock.advance(50);
    expect(late.error).toBeInstanceOf(BulkheadRejectedError);
    expect(late.error).toMatchObject({ reason: 'wait-timeout' });
    await clock.advance(30);
    await expect(failing).rejects.toThrow('db');
    expect(b.snapshot().inFlight).toBe(0);
    expect(await b.execute(() => 'next')).toBe('next');
  });
});
