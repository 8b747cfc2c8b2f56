import { describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock } from '../clock.js';
import { BulkheadRejectedError, isBulkheadRejectedError } from '../errors/bulkhead-rejected.error.js';
import { ResilienceConfigError } from '../errors/index.js';
import type { BulkheadStage } from '../pipeline/stages.js';
import { observe } from '../testing-support/observe.js';
import type { BulkheadQueuedEvent, BulkheadRejectedEvent } from './bulkhead.events.js';
import { normalizeBulkheadOptions } from './bulkhead.normalize.js';
import type { BulkheadOptions } from './bulkhead.options.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

const make = (options: BulkheadOptions, clock = new VirtualClock(0)) => BulkheadPolicy.create('db', options, { clock });

/** Runs `fn` in a slot of `b` the way the pipeline does: enter, await if queued, leave once. */
async function inSlot<T>(b: BulkheadStage, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const wait = b.enter(signal);
  if (wait !== undefined) await wait;
  try {
    return await fn();
  } finally {
    b.leave();
  }
}

/** The error `fn` throws synchronously. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('BulkheadPolicy as a BulkheadStage', () => {
  it('enter() returns undefined synchronously while a slot is free, up to maxConcurrent', () => {
    const b = make({ maxConcurrent: 3 });
    expect([b.enter(), b.enter(), b.enter()]).toEqual([undefined, undefined, undefined]);
    expect(b.snapshot()).toEqual({
      name: 'db',
      inFlight: 3,
      queued: 0,
      maxConcurrent: 3,
      maxQueued: 0,
      queuedByLane: { default: 0 },
      inFlightByLane: { default: 3 },
      oldestWaitMs: { default: 0 },
    });
    b.leave();
    expect(b.snapshot().inFlight).toBe(2);
    expect(b.enter()).toBeUndefined();
  });

  it('full with no queue (default maxQueued 0): throws BulkheadRejectedError queue-full at once', () => {
    const b = make({ maxConcurrent: 1 });
    b.enter();
    const e = thrown(() => b.enter());
    expect(e).toBeInstanceOf(BulkheadRejectedError);
    expect(isBulkheadRejectedError(e)).toBe(true);
    expect(e).toMatchObject({ policy: 'db', reason: 'queue-full', maxConcurrent: 1, maxQueued: 0, isTransient: true });
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
  });

  it('full with a full queue: throws queue-full; the waiters already queued are unaffected', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 2 });
    b.enter();
    const w1 = observe(b.enter()!);
    const w2 = observe(b.enter()!);
    expect((thrown(() => b.enter()) as BulkheadRejectedError).reason).toBe('queue-full');
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 2, maxQueued: 2 });
    b.leave();
    await Promise.resolve();
    expect([w1.state, w2.state]).toEqual(['fulfilled', 'pending']);
  });

  it('leave() hands the slot to the head waiter: FIFO, and inFlight never drops below maxConcurrent meanwhile', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 10 });
    b.enter();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => b.enter()!.then(() => order.push(i)));
    b.leave();
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 2 });
    b.leave();
    b.leave();
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    b.leave();
    expect(b.snapshot().inFlight).toBe(0);
  });

  it('no barging: a caller arriving after a hand-off, before the waiter runs, queues behind', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 5 });
    b.enter();
    const first = observe(b.enter()!);
    b.leave(); // the slot is now owed to `first`, whose continuation has not run yet
    const late = b.enter();
    expect(late).toBeInstanceOf(Promise);
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 1 });
    await Promise.resolve();
    expect(first.state).toBe('fulfilled');
    const lateState = observe(late!);
    await Promise.resolve();
    expect(lateState.state).toBe('pending');
  });

  it('an already aborted signal is refused with its reason when the call would queue (no queue place used)', () => {
    const b = make({ maxConcurrent: 1, maxQueued: 5 });
    b.enter();
    const ac = new AbortController();
    ac.abort(new Error('caller gone'));
    expect((thrown(() => b.enter(ac.signal)) as Error).message).toBe('caller gone');
    expect(b.snapshot().queued).toBe(0);
  });

  it('extra leave() calls never make inFlight negative', () => {
    const b = make({ maxConcurrent: 2 });
    b.enter();
    b.leave();
    b.leave();
    expect(b.snapshot().inFlight).toBe(0);
    expect([b.enter(), b.enter()]).toEqual([undefined, undefined]);
  });

  it('exact concurrency: 1,000 submissions with maxConcurrent 10 never exceed 10 in flight, reach 10, all complete in order', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 10, maxQueued: Infinity }, clock);
    const random = seededRandom(42);
    let active = 0;
    let maxActive = 0;
    const started: number[] = [];
    const runs = Array.from({ length: 1000 }, (_, i) =>
      inSlot(b, async () => {
        started.push(i);
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 1 + Math.floor(random() * 50)));
        active--;
        return i;
      }),
    );
    expect(b.snapshot()).toMatchObject({ inFlight: 10, queued: 990 });
    await clock.runAll();
    const results = await Promise.all(runs);
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(maxActive).toBe(10);
    expect(started).toEqual(results); // FIFO: started in submission order
    expect(b.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('onRejected hears each refusal with its reason; onQueued hears each wait; dispose stops them', () => {
    const b = make({ maxConcurrent: 1, maxQueued: 1 });
    const rejected: BulkheadRejectedEvent[] = [];
    const queued: BulkheadQueuedEvent[] = [];
    const r = b.onRejected((e) => rejected.push(e));
    const q = b.onQueued((e) => queued.push(e));
    b.enter();
    void b.enter();
    thrown(() => b.enter());
    r.dispose();
    q.dispose();
    thrown(() => b.enter());
    expect(queued).toEqual([{ type: 'bulkhead.queued', policy: 'db', queued: 1 }]);
    expect(rejected).toEqual([
      { type: 'bulkhead.rejected', policy: 'db', reason: 'queue-full', inFlight: 1, queued: 1 },
    ]);
  });

  it('create validates options and deps; the constructor trusts normalized options', () => {
    expect((thrown(() => make({ maxConcurrent: 0 })) as ResilienceConfigError).path).toBe('bulkheads.db.maxConcurrent');
    const e = thrown(() => BulkheadPolicy.create('db', { maxConcurrent: 1 }, { clock: 7 } as never));
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect((e as ResilienceConfigError).path).toBe('bulkheads.db.clock');
    const b = new BulkheadPolicy('n', normalizeBulkheadOptions({ maxConcurrent: 2 }, 'bulkheads.n'));
    expect(b.snapshot()).toMatchObject({ name: 'n', inFlight: 0, queued: 0, maxConcurrent: 2, maxQueued: 0 });
  });
});
