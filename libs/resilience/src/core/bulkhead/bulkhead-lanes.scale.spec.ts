import { describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock, type Clock } from '../clock.js';
import { BulkheadPolicy } from './bulkhead.policy.js';
import type { BulkheadWaiter } from './bulkhead-queue.js';

/** A virtual clock that counts every call the bulkhead makes to it. */
class CountingClock implements Clock {
  readonly inner = new VirtualClock(0);
  reads = 0;
  timers = 0;
  clears = 0;
  now(): number {
    this.reads++;
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers++;
    return this.inner.setTimeout(fn, ms);
  }
  clearTimeout(handle: unknown): void {
    this.clears++;
    this.inner.clearTimeout(handle);
  }
}

const LANES = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];

/**
 * Queues `n` waiters round-robin over 3 lanes behind one held slot, then frees the slot `n`
 * times, each time in the lane of the caller admitted last. Returns the clock calls per
 * enqueue and per admission, and the admission order.
 */
function run(n: number) {
  const clock = new CountingClock();
  // Finite aging and maxWaitMs: every admission reads the clock, one timer serves every deadline.
  const b = BulkheadPolicy.create(
    'scale',
    { maxConcurrent: 1, maxQueued: Infinity, maxWaitMs: 2e9, lanes: LANES, laneAgingMs: 1e12 },
    { clock },
  );
  b.enter(undefined, 2);
  const order: number[] = [];
  const waiters: BulkheadWaiter[] = [];
  const r0 = clock.reads;
  for (let i = 0; i < n; i++) {
    const w = b.enterCancellable(i % 3)!;
    void w.promise.then(() => order.push(i));
    waiters.push(w);
  }
  const enqueueReads = clock.reads - r0;
  const timersArmed = clock.timers;
  // Expected admission order: lane a FIFO, then b, then c.
  const expected = [0, 1, 2].flatMap((lane) =>
    Array.from({ length: Math.ceil((n - lane) / 3) }, (_, k) => lane + 3 * k),
  );
  const r1 = clock.reads;
  let holder = 2;
  const readsAt: number[] = [];
  for (let k = 0; k < n; k++) {
    b.leave(holder);
    holder = expected[k]! % 3;
    readsAt.push(clock.reads - r1);
  }
  return { b, clock, order, expected, waiters, enqueueReads, timersArmed, readsAt, holder };
}

describe('bulkhead lanes at scale', () => {
  it('100,000 queued waiters over 3 lanes are admitted in lane then FIFO order, with flat clock work per op', async () => {
    const n = 100_000;
    const { b, clock, order, expected, enqueueReads, timersArmed, readsAt, holder } = run(n);
    expect(enqueueReads).toBe(n); // one clock read per enqueue
    expect(timersArmed).toBe(1); // one timer for 100,000 deadlines
    // Per admission: the same constant number of clock reads at the start and at the end of the drain.
    const first = readsAt[999]! / 1000;
    const last = (readsAt[n - 1]! - readsAt[n - 1001]!) / 1000;
    expect(first).toBeLessThanOrEqual(2);
    expect(last).toBe(first);
    await flushMicrotasks();
    expect(order.length).toBe(n);
    expect(order.filter((id, k) => id !== expected[k]).length).toBe(0); // (toEqual on 100,000 items is slow)
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0, queuedByLane: { a: 0, b: 0, c: 0 } });
    expect(clock.clears).toBe(1); // the timer was cleared once nobody waited
    expect(clock.inner.pendingTimers()).toBe(0);
    b.leave(holder);
    expect(b.snapshot().inFlight).toBe(0);
  });

  it('cancelling 50,000 of 100,000 queued waiters from the middle frees their places at once, no clock work', () => {
    const clock = new CountingClock();
    const b = BulkheadPolicy.create('scale', { maxConcurrent: 1, maxQueued: 100_000, lanes: LANES }, { clock });
    b.enter(undefined, 0);
    const waiters = Array.from({ length: 100_000 }, (_, i) => b.enterCancellable(i % 3)!);
    for (const w of waiters) w.promise.catch(() => undefined);
    const reads = clock.reads;
    let cancelled = 0;
    for (let i = 1; i < waiters.length; i += 2) if (waiters[i]!.cancel('drop')) cancelled++;
    expect(cancelled).toBe(50_000);
    expect(clock.reads).toBe(reads);
    expect(b.snapshot().queued).toBe(50_000);
    expect(b.enterCancellable(1)).toBeDefined(); // a freed place is usable at once
  });
});
