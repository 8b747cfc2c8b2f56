import { describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock } from '../clock.js';
import { BulkheadRejectedError } from '../errors/bulkhead-rejected.error.js';
import { observe } from '../testing-support/observe.js';
import type { BulkheadOptions } from './bulkhead.options.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

const make = (options: BulkheadOptions, clock = new VirtualClock(0)) => BulkheadPolicy.create('db', options, { clock });
const TWO = [{ name: 'interactive' }, { name: 'batch' }];
const I = 0;
const B = 1;

/** Queues `lane` callers named `ids`; each pushes its id to `order` once admitted and then leaves at once. */
function queue(b: BulkheadPolicy, lane: number, ids: string[], order: string[]): void {
  for (const id of ids)
    void b.enter(undefined, lane)!.then(() => {
      order.push(id);
      b.leave(lane);
    });
}

describe('bulkhead lanes: ordering', () => {
  it('a freed slot goes to the highest lane with a waiter; FIFO within a lane', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 10, lanes: TWO });
    const order: string[] = [];
    expect(b.enter(undefined, B)).toBeUndefined();
    queue(b, B, ['b1', 'b2'], order);
    queue(b, I, ['i1', 'i2'], order);
    b.leave(B);
    await flushMicrotasks();
    expect(order).toEqual(['i1', 'i2', 'b1', 'b2']);
    expect(b.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('aging: a waiter older than laneAgingMs goes before a newer higher-lane waiter; strict priority without', async () => {
    for (const laneAgingMs of [100, undefined]) {
      const clock = new VirtualClock(0);
      const b = make({ maxConcurrent: 1, maxQueued: 10, lanes: TWO, laneAgingMs }, clock);
      const order: string[] = [];
      b.enter(undefined, I);
      queue(b, B, ['b1'], order);
      await clock.advance(100);
      queue(b, I, ['i1'], order);
      b.leave(I);
      await flushMicrotasks();
      expect(order).toEqual(laneAgingMs === undefined ? ['i1', 'b1'] : ['b1', 'i1']);
    }
  });

  it('aged waiters are ordered as lane 0: FIFO with lane-0 waiters by arrival', async () => {
    const clock = new VirtualClock(0);
    const lanes = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    const b = make({ maxConcurrent: 1, maxQueued: 10, lanes, laneAgingMs: 50 }, clock);
    const order: string[] = [];
    b.enter(undefined, 0);
    queue(b, 2, ['c1'], order); // t = 0
    await clock.advance(10);
    queue(b, 0, ['a1'], order); // t = 10
    await clock.advance(10);
    queue(b, 1, ['b1'], order); // t = 20, not aged at t = 60
    await clock.advance(40);
    queue(b, 2, ['c2'], order); // t = 60, not aged
    b.leave(0);
    await flushMicrotasks();
    expect(order).toEqual(['c1', 'a1', 'b1', 'c2']);
  });
});

describe('bulkhead lanes: caps and reserves', () => {
  it('a batch lane capped at 70% never holds more than 7 of 10 slots; interactive takes the rest at once', async () => {
    const b = make({
      maxConcurrent: 10,
      maxQueued: 100,
      lanes: [{ name: 'interactive' }, { name: 'batch', maxShare: 0.7 }],
    });
    let maxBatch = 0;
    const batch = Array.from({ length: 30 }, () => b.enter(undefined, B));
    expect(batch.filter((w) => w === undefined)).toHaveLength(7);
    expect([b.enter(undefined, I), b.enter(undefined, I), b.enter(undefined, I)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(b.snapshot()).toMatchObject({ inFlight: 10, inFlightByLane: { interactive: 3, batch: 7 }, queued: 23 });
    b.leave(I); // an interactive slot frees: batch, at its cap, may not take it
    expect(b.snapshot()).toMatchObject({ inFlight: 9, inFlightByLane: { interactive: 2, batch: 7 }, queued: 23 });
    for (let i = 0; i < 30; i++) {
      b.leave(B);
      maxBatch = Math.max(maxBatch, b.snapshot().inFlightByLane.batch!);
    }
    expect(b.snapshot().inFlightByLane).toEqual({ interactive: 2, batch: 0 });
    expect(maxBatch).toBe(7);
    await Promise.all(batch.filter((w) => w !== undefined));
  });

  it('a waiter blocked only by its own lane cap does not hold back lower lanes', async () => {
    const lanes = [{ name: 'a', maxShare: 0.5 }, { name: 'b' }];
    const b = make({ maxConcurrent: 2, maxQueued: 10, lanes });
    b.enter(undefined, 0);
    b.enter(undefined, 1);
    const a2 = observe(b.enter(undefined, 0)!);
    const b2 = observe(b.enter(undefined, 1)!);
    b.leave(1); // a2 is next by lane, but lane a holds its 1 slot: b2 takes the slot
    await flushMicrotasks();
    expect([a2.state, b2.state]).toEqual(['pending', 'fulfilled']);
    b.leave(0);
    await flushMicrotasks();
    expect(a2.state).toBe('fulfilled');
  });

  it('one freed slot may admit two: an aged lower waiter, then a higher one held only by its cap', async () => {
    const clock = new VirtualClock(0);
    const lanes = [{ name: 'a', maxShare: 1 / 3, reserve: 1 / 3 }, { name: 'b' }]; // a: cap 1; b: below 2 in flight
    const b = make({ maxConcurrent: 3, maxQueued: 10, lanes, laneAgingMs: 50 }, clock);
    b.enter(undefined, 0);
    b.enter(undefined, 1);
    const x = observe(b.enter(undefined, 1)!); // held by the floor (2 in flight)
    await clock.advance(50); // x is aged
    const y = observe(b.enter(undefined, 0)!); // held by lane a's cap
    b.leave(0);
    await flushMicrotasks();
    expect([x.state, y.state]).toEqual(['fulfilled', 'fulfilled']);
    expect(b.snapshot()).toMatchObject({ inFlight: 3, inFlightByLane: { a: 1, b: 2 }, queued: 0 });
  });

  it('reserve: interactive always finds a slot while batch saturates the rest', async () => {
    const b = make({
      maxConcurrent: 10,
      maxQueued: 1000,
      lanes: [{ name: 'interactive', reserve: 0.3 }, { name: 'batch' }],
    });
    const batch = Array.from({ length: 200 }, () => b.enter(undefined, B));
    expect(batch.filter((w) => w === undefined)).toHaveLength(7); // 3 slots kept for interactive
    for (let round = 0; round < 50; round++) {
      b.leave(B); // a batch call ends; the next batch waiter takes its slot, never the reserve
      expect(b.snapshot().inFlightByLane.batch).toBe(7);
      expect(b.enter(undefined, I)).toBeUndefined();
      b.leave(I);
    }
    // With the reserve held by interactive calls, batch keeps its 7 and the 11th caller queues.
    expect([b.enter(undefined, I), b.enter(undefined, I), b.enter(undefined, I)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const i4 = observe(b.enter(undefined, I)!);
    b.leave(B); // the freed batch slot goes to the interactive waiter first
    await flushMicrotasks();
    expect(i4.state).toBe('fulfilled');
    expect(b.snapshot()).toMatchObject({ inFlight: 10, inFlightByLane: { interactive: 4, batch: 6 } });
  });
});

describe('bulkhead lanes: queue bounds, aborts, deadlines', () => {
  it('maxQueued bounds all lanes together; an abort or a cancel frees the place at once', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 2, lanes: TWO });
    b.enter(undefined, B);
    const ac = new AbortController();
    const b1 = observe(b.enter(ac.signal, B)!);
    const i1 = b.enterCancellable(I)!;
    const i1s = observe(i1.promise);
    expect(() => b.enter(undefined, I)).toThrow(BulkheadRejectedError);
    ac.abort(new Error('gone'));
    expect(b.snapshot().queuedByLane).toEqual({ interactive: 1, batch: 0 });
    const b2 = observe(b.enter(undefined, B)!);
    expect(i1.cancel('stop')).toBe(true);
    expect(i1.cancel('again')).toBe(false);
    expect(b.snapshot().queued).toBe(1);
    await flushMicrotasks();
    expect([b1.error, i1s.error]).toEqual([new Error('gone'), 'stop']);
    b.leave(B);
    await flushMicrotasks();
    expect(b2.state).toBe('fulfilled');
  });

  it('queued and rejected events name the lane', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 1, maxWaitMs: 10, lanes: TWO }, clock);
    const events: unknown[] = [];
    b.onQueued((e) => events.push([e.type, e.lane]));
    b.onRejected((e) => events.push([e.reason, e.lane]));
    b.enter(undefined, I);
    const w = b.enter(undefined, B)!.catch(() => undefined);
    expect(() => b.enter(undefined, I)).toThrow(BulkheadRejectedError);
    await clock.advance(10);
    await w;
    expect(events).toEqual([
      ['bulkhead.queued', 'batch'],
      ['queue-full', 'interactive'],
      ['wait-timeout', 'batch'],
    ]);
  });

  it('one timer for the deadlines of every lane: each waiter is refused at its own deadline', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 100, lanes: TWO }, clock);
    b.enter(undefined, I);
    const b1 = observe(b.enter(undefined, B)!);
    await clock.advance(30);
    const i1 = observe(b.enter(undefined, I)!);
    await clock.advance(30);
    const b2 = observe(b.enter(undefined, B)!);
    expect(clock.pendingTimers()).toBe(1);
    expect(b.snapshot().oldestWaitMs).toEqual({ interactive: 30, batch: 60 });
    await clock.advance(40); // t = 100
    expect([b1.state, i1.state, b2.state]).toEqual(['rejected', 'pending', 'pending']);
    expect(b1.error).toMatchObject({ reason: 'wait-timeout' });
    await clock.advance(29); // t = 129
    expect(i1.state).toBe('pending');
    await clock.advance(1); // t = 130
    expect(i1.state).toBe('rejected');
    await clock.advance(30); // t = 160
    expect(b2.state).toBe('rejected');
    expect(clock.pendingTimers()).toBe(0);
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0, oldestWaitMs: { interactive: 0, batch: 0 } });
  });

  it('no timer when idle or unbounded; served waiters clear it', async () => {
    const clock = new VirtualClock(0);
    const unbounded = make({ maxConcurrent: 1, maxQueued: 10, lanes: TWO }, clock);
    unbounded.enter(undefined, I);
    void unbounded.enter(undefined, B);
    expect(clock.pendingTimers()).toBe(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 1000, lanes: TWO }, clock);
    b.enter(undefined, I);
    const w = b.enter(undefined, B)!;
    expect(clock.pendingTimers()).toBe(1);
    b.leave(I);
    await w;
    expect(clock.pendingTimers()).toBe(0);
  });
});
