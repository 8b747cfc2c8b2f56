import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { RateLimiterRejectedError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { observe } from '../testing-support/observe.js';
import type { LimiterEvent } from './rate-limiter.events.js';
import type { RateLimiterOptions } from './rate-limiter.options.js';
import { RateLimiterPolicy } from './rate-limiter.policy.js';

let clock: VirtualClock;
let store: MemoryStore;

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const make = (o: Partial<RateLimiterOptions> = {}) =>
  RateLimiterPolicy.create('l', { rate: 1, periodMs: 1_000, burst: 1, ...o }, { clock, store });

function record(l: RateLimiterPolicy): LimiterEvent[] {
  const events: LimiterEvent[] = [];
  l.onWait((e) => events.push(e));
  l.onRejected((e) => events.push(e));
  return events;
}

describe('RateLimiterPolicy events', () => {
  it('limiter.wait only when a call has to wait (execute and acquire)', async () => {
    const l = make({ burst: 3, rate: 3 });
    const events = record(l);
    await l.execute(() => 'now', { tokens: 2 });
    expect(events).toEqual([]);
    const waiting = observe(l.execute(() => 'later', { tokens: 2 }));
    const acquired = observe(l.acquire([], 1));
    await clock.runAll();
    expect([waiting.value, acquired.state]).toEqual(['later', 'fulfilled']);
    expect(events).toEqual([
      { type: 'limiter.wait', policy: 'l', tokens: 2 },
      { type: 'limiter.wait', policy: 'l', tokens: 1 },
    ]);
  });

  it('limiter.rejected with tokens, retryAfterMs, partition and the error; an aborted wait is not a refusal', async () => {
    const l = make({ mode: 'reject', partitionKey: (user: string) => user });
    const events = record(l);
    await l.execute(() => 1, { args: ['ann'] });
    const error = await l.execute(() => 2, { args: ['ann'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimiterRejectedError);
    const viaAcquire = await l.acquire(['ann']).catch((e: unknown) => e);
    expect(events).toEqual([
      { type: 'limiter.rejected', policy: 'l', partitionKey: 'ann', tokens: 1, retryAfterMs: 1_000, error },
      { type: 'limiter.rejected', policy: 'l', partitionKey: 'ann', tokens: 1, retryAfterMs: 1_000, error: viaAcquire },
    ]);
    const w = make();
    const waits = record(w);
    await w.acquire();
    const ac = new AbortController();
    const aborted = observe(w.execute(() => 3, { signal: ac.signal }));
    await clock.advance(10);
    ac.abort('bye');
    await clock.advance(0);
    expect(aborted.error).toBe('bye');
    expect(waits.map((e) => e.type)).toEqual(['limiter.wait']);
  });

  it('disposed listeners hear nothing more', async () => {
    const l = make({ mode: 'reject' });
    const events: LimiterEvent[] = [];
    const a = l.onWait((e) => events.push(e));
    const b = l.onRejected((e) => events.push(e));
    a.dispose();
    b.dispose();
    await l.acquire();
    await expect(l.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    expect(events).toEqual([]);
  });
});
