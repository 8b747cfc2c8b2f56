import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { BulkheadRejectedError } from '../errors/bulkhead-rejected.error.js';
import { observe } from '../testing-support/observe.js';
import type { BulkheadRejectedEvent } from './bulkhead.events.js';
import type { BulkheadOptions } from './bulkhead.options.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

const make = (options: BulkheadOptions, clock = new VirtualClock(0)) => BulkheadPolicy.create('db', options, { clock });

describe('bulkhead queue: aborted waiters', () => {
  it('an aborted waiter leaves at once from any position, rejects with the reason, and frees its place', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 3 });
    b.enter();
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    const waits = acs.map((ac) => observe(b.enter(ac.signal)!));
    const reason = new Error('middle gave up');
    acs[1]!.abort(reason);
    expect(b.snapshot().queued).toBe(2);
    void b.enter(); // the freed place is usable at once (no queue-full)
    expect(b.snapshot().queued).toBe(3);
    await Promise.resolve();
    expect(waits[1]!.state).toBe('rejected');
    expect(waits[1]!.error).toBe(reason);
    b.leave();
    await Promise.resolve();
    expect([waits[0]!.state, waits[2]!.state]).toEqual(['fulfilled', 'pending']);
    b.leave();
    await Promise.resolve();
    expect(waits[2]!.state).toBe('fulfilled');
  });

  it('after 1,000 aborted waiters the queue is empty and a new caller gets the free slot at once', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 1000 });
    b.enter();
    const acs = Array.from({ length: 1000 }, () => new AbortController());
    const waits = acs.map((ac) => b.enter(ac.signal)!.catch((e: unknown) => e));
    expect(b.snapshot().queued).toBe(1000);
    for (const ac of acs) ac.abort();
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
    // A waiter queued now is the head: one leave() hands it the slot, with nothing dead to skip.
    const next = observe(b.enter()!);
    b.leave();
    await Promise.resolve();
    expect(next.state).toBe('fulfilled');
    b.leave();
    expect(b.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
    expect(b.enter()).toBeUndefined(); // the free slot, synchronously
    const errors = await Promise.all(waits);
    expect(errors.every((e) => (e as Error).name === 'AbortError')).toBe(true);
  });

  it('with maxQueued 1, 1,000 queue-and-abort cycles never hit queue-full (aborted places do not linger)', () => {
    const b = make({ maxConcurrent: 1, maxQueued: 1 });
    b.enter();
    for (let i = 0; i < 1000; i++) {
      const ac = new AbortController();
      b.enter(ac.signal)!.catch(() => undefined);
      ac.abort();
    }
    expect(b.snapshot().queued).toBe(0);
    expect(b.enter()).toBeInstanceOf(Promise);
  });

  it('a waiter leaves no abort listener on its signal once served, expired or aborted', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 5, maxWaitMs: 100 }, clock);
    const signal = new AbortController().signal;
    b.enter();
    const served = b.enter(signal)!;
    const expired = b.enter(signal)!.catch((e: unknown) => e);
    expect(getEventListeners(signal, 'abort')).toHaveLength(2);
    b.leave();
    await served;
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await clock.advance(100);
    expect(await expired).toBeInstanceOf(BulkheadRejectedError);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('a signal that aborts after its waiter was served changes nothing (the slot stays held)', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 1 });
    b.enter();
    const ac = new AbortController();
    const served = b.enter(ac.signal)!;
    b.leave();
    ac.abort();
    await expect(served).resolves.toBeUndefined();
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
  });
});

describe('bulkhead queue: maxWaitMs with one timer for the whole queue', () => {
  it('no maxWaitMs (default Infinity): queued callers arm no timer', () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10 }, clock);
    b.enter();
    for (let i = 0; i < 10; i++) void b.enter();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('one timer however many wait; each waiter is refused at its own deadline, in order', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 100, maxWaitMs: 100 }, clock);
    const events: BulkheadRejectedEvent[] = [];
    b.onRejected((e) => events.push(e));
    b.enter();
    const a = observe(b.enter()!);
    await clock.advance(10);
    const c = observe(b.enter()!);
    await clock.advance(10);
    const d = observe(b.enter()!);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(79); // t = 99
    expect([a.state, c.state, d.state]).toEqual(['pending', 'pending', 'pending']);
    await clock.advance(1); // t = 100: a's deadline
    expect([a.state, c.state, d.state]).toEqual(['rejected', 'pending', 'pending']);
    expect(a.error).toMatchObject({ reason: 'wait-timeout', policy: 'db', maxConcurrent: 1, maxQueued: 100 });
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(9); // t = 109
    expect(c.state).toBe('pending');
    await clock.advance(1); // t = 110
    expect(c.state).toBe('rejected');
    await clock.advance(10); // t = 120
    expect(d.state).toBe('rejected');
    expect(clock.pendingTimers()).toBe(0);
    expect(events.map((e) => [e.reason, e.queued])).toEqual([
      ['wait-timeout', 2],
      ['wait-timeout', 1],
      ['wait-timeout', 0],
    ]);
    expect(b.snapshot()).toMatchObject({ inFlight: 1, queued: 0 });
  });

  it('a head served early does not cut the next waiter short: the timer re-arms for its deadline', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 100 }, clock);
    b.enter();
    const first = observe(b.enter()!);
    await clock.advance(50);
    const second = observe(b.enter()!);
    b.leave(); // t = 50: first served; the timer armed for t = 100 stays
    await clock.advance(50); // t = 100
    expect(first.state).toBe('fulfilled');
    expect(second.state).toBe('pending');
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(49); // t = 149
    expect(second.state).toBe('pending');
    await clock.advance(1); // t = 150: second's own deadline
    expect(second.state).toBe('rejected');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the timer is cleared as soon as nobody waits (served or aborted), so none is left behind', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 1000 }, clock);
    b.enter();
    const served = b.enter()!;
    expect(clock.pendingTimers()).toBe(1);
    b.leave();
    await served;
    expect(clock.pendingTimers()).toBe(0);
    const ac = new AbortController();
    b.enter(ac.signal)!.catch(() => undefined);
    expect(clock.pendingTimers()).toBe(1);
    ac.abort();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting the head re-arms nothing early: the next waiter still gets its full wait', async () => {
    const clock = new VirtualClock(0);
    const b = make({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 100 }, clock);
    b.enter();
    const ac = new AbortController();
    b.enter(ac.signal)!.catch(() => undefined);
    await clock.advance(30);
    const next = observe(b.enter()!);
    ac.abort();
    await clock.advance(99); // t = 129
    expect(next.state).toBe('pending');
    await clock.advance(1); // t = 130
    expect(next.state).toBe('rejected');
  });
});
