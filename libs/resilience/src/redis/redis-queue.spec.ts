import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../core/clock.js';
import { RateLimiterRejectedError } from '../core/errors/index.js';
import { WaitQueue } from '../core/store/wait-queue.js';
import type { StateOwner } from '../core/store/store.js';
import { LocalShare } from './bucket/local-share.js';
import { LocalWindow } from './sliding-window/local-window.js';
import { drainLocal, settleReply, waitLocal, type LocalSource, type LocalWaiter } from './redis-queue.js';

// No Redis here: the queue, the clock and the local sources are the real ones; a script's
// answer to `settleReply` is just its (admitted, wait) pair.

const owner: StateOwner = { policy: 'api', partitionKey: 'tenant-1', key: 'rl:api:tenant-1' };

interface Outcome {
  log: string[];
  errors: Map<string, unknown>;
}

function setup(onTimer: (q: WaitQueue<LocalWaiter>, clock: VirtualClock) => void = () => {}) {
  const clock = new VirtualClock();
  const out: Outcome = { log: [], errors: new Map() };
  const q: WaitQueue<LocalWaiter> = new WaitQueue<LocalWaiter>(clock, () => onTimer(q, clock));
  const names = new Map<LocalWaiter, string>();
  /** Queues `name` for `tokens`, failing past `maxWait` ms from now. */
  const add = (name: string, tokens: number, maxWait: number, signal?: AbortSignal): LocalWaiter => {
    const w: LocalWaiter = {
      tokens,
      deadline: clock.now() + maxWait,
      signal,
      onAbort: undefined,
      done: false,
      resolve: () => out.log.push(`ok ${name}`),
      reject: (e) => {
        out.log.push(`fail ${name}`);
        out.errors.set(name, e);
      },
    };
    names.set(w, name);
    q.push(w);
    return w;
  };
  const waiting = () => q.front(100).map((w) => names.get(w));
  return { clock, q, out, add, waiting };
}

describe('settleReply', () => {
  it('admits the FIFO prefix; the next one waits exactly `wait` (rounded up)', () => {
    const { q, out, add, waiting, clock } = setup();
    add('a', 1, 10_000);
    add('b', 1, 10_000);
    add('c', 1, 10_000);
    add('d', 1, 10_000); // not in the batch
    const batch = q.front(3);
    expect(settleReply(q, batch, 2, 12.2, owner, clock)).toBe(13);
    expect(out.log).toEqual(['ok a', 'ok b']);
    expect(waiting()).toEqual(['c', 'd']);
  });

  it('a tiny wait asks again after at least 1 ms', () => {
    const { q, add, clock } = setup();
    add('a', 1, 10_000);
    expect(settleReply(q, q.front(1), 0, 0.3, owner, clock)).toBe(1);
  });

  it('returns -1 when nobody waits any more, 0 when waiters behind the batch need their own call', () => {
    const first = setup();
    first.add('a', 1, 10_000);
    expect(settleReply(first.q, first.q.front(1), 1, 0, owner, first.clock)).toBe(-1);
    expect(first.q.empty).toBe(true);

    const second = setup();
    second.add('a', 1, 10_000);
    second.add('b', 1, 10_000);
    expect(settleReply(second.q, second.q.front(1), 1, 0, owner, second.clock)).toBe(0);
    expect(second.waiting()).toEqual(['b']);
  });

  it('a waiter aborted while the call was in flight is skipped, not counted as the head', () => {
    const { q, out, add, waiting, clock } = setup();
    const ctl = new AbortController();
    add('a', 1, 10_000);
    add('b', 1, 10_000, ctl.signal);
    add('c', 1, 10_000);
    const batch = q.front(3);
    ctl.abort(new Error('caller gone'));
    expect(settleReply(q, batch, 2, 50, owner, clock)).toBe(50);
    expect(out.log).toEqual(['fail b', 'ok a']);
    expect((out.errors.get('b') as Error).message).toBe('caller gone');
    expect(waiting()).toEqual(['c']); // c was not admitted in b's place
  });

  it('fails the not-admitted heads whose deadline falls before the wait, with the exact error', () => {
    const { q, out, add, waiting, clock } = setup();
    add('a', 1, 10_000);
    add('b', 2, 499);
    add('c', 2, 500); // exactly at the deadline: waits
    add('d', 2, 100);
    const batch = q.front(4);
    expect(settleReply(q, batch, 1, 500, owner, clock)).toBe(500);
    expect(out.log).toEqual(['ok a', 'fail b']);
    const e = out.errors.get('b');
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e).toMatchObject({ policy: 'api', retryAfterMs: 500, tokens: 2, partitionKey: 'tenant-1' });
    expect(waiting()).toEqual(['c', 'd']); // d stands behind c: only the head prefix is judged
  });

  it('a waiter needing fewer tokens than the first not admitted is not judged by its wait', () => {
    const { q, out, add, waiting, clock } = setup();
    add('a', 3, 100);
    add('b', 1, 100);
    add('c', 3, 100);
    expect(settleReply(q, q.front(3), 0, 500, owner, clock)).toBe(0); // b must ask for itself, now
    expect(out.log).toEqual(['fail a']);
    expect(waiting()).toEqual(['b', 'c']);
  });

  it('waiters queued after the batch are never failed by its answer', () => {
    const { q, out, add, waiting, clock } = setup();
    add('a', 1, 100);
    const batch = q.front(1);
    add('b', 1, 100);
    expect(settleReply(q, batch, 0, 500, owner, clock)).toBe(0);
    expect(out.log).toEqual(['fail a']);
    expect(waiting()).toEqual(['b']);
  });

  it('every batch member past its deadline fails: -1 and the timer is cleared', () => {
    const { q, out, add, clock } = setup();
    add('a', 1, 100);
    add('b', 1, 100);
    q.arm(1000);
    expect(settleReply(q, q.front(2), 0, 500, owner, clock)).toBe(-1);
    expect(out.log).toEqual(['fail a', 'fail b']);
    expect(q.armed).toBe(false);
  });
});

describe('drainLocal / waitLocal on a LocalShare', () => {
  const share = (clock: VirtualClock) => new LocalShare({ rate: 10, periodMs: 1000, burst: 3 }, clock); // 1 token / 100 ms

  it('admits the head while the share has tokens, then waits for the next head, in order', async () => {
    let source!: LocalSource;
    const { clock, q, out, add, waiting } = setup((q, clock) => drainLocal(q, source, owner, clock));
    source = share(clock);
    await clock.advance(300); // 3 tokens
    for (const n of ['a', 'b', 'c', 'd', 'e']) add(n, 1, 10_000);
    drainLocal(q, source, owner, clock);
    expect(out.log).toEqual(['ok a', 'ok b', 'ok c']);
    expect(waiting()).toEqual(['d', 'e']);
    expect(q.armed).toBe(true);
    await clock.advance(99);
    expect(out.log).toHaveLength(3);
    await clock.advance(1);
    expect(out.log).toEqual(['ok a', 'ok b', 'ok c', 'ok d']);
    await clock.advance(100);
    expect(out.log.at(-1)).toBe('ok e');
    expect(q.empty).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('admits at most `max` per call and leaves the rest to a 0 ms turn of the timer', async () => {
    let source!: LocalSource;
    const { clock, q, out, add } = setup((q, clock) => drainLocal(q, source, owner, clock, 2));
    source = share(clock);
    await clock.advance(300);
    for (const n of ['a', 'b', 'c']) add(n, 1, 10_000);
    drainLocal(q, source, owner, clock, 2);
    expect(out.log).toEqual(['ok a', 'ok b']);
    expect(q.armed).toBe(true);
    await clock.advance(0);
    expect(out.log).toEqual(['ok a', 'ok b', 'ok c']);
  });

  it('a caller asking more than the share holds waits for its whole burst, not forever', async () => {
    let source!: LocalSource;
    const { clock, q, out, add } = setup((q, clock) => drainLocal(q, source, owner, clock));
    source = share(clock);
    add('big', 10, 10_000);
    drainLocal(q, source, owner, clock);
    expect(out.log).toEqual([]);
    await clock.advance(299);
    expect(out.log).toEqual([]);
    await clock.advance(1);
    expect(out.log).toEqual(['ok big']);
  });

  it('waitLocal fails heads whose wait ends past their deadline, with the exact error; keeps the first that fits', () => {
    const { clock, q, out, add, waiting } = setup();
    const source = share(clock); // empty: 1 token in 100 ms, 2 in 200 ms
    add('a', 2, 199);
    add('b', 1, 100); // exactly at its deadline: waits
    add('c', 3, 0);
    waitLocal(q, source, owner, clock);
    expect(out.log).toEqual(['fail a']);
    expect(out.errors.get('a')).toBeInstanceOf(RateLimiterRejectedError);
    expect(out.errors.get('a')).toMatchObject({
      policy: 'api',
      retryAfterMs: 200,
      tokens: 2,
      partitionKey: 'tenant-1',
    });
    expect(waiting()).toEqual(['b', 'c']);
    expect(q.armed).toBe(true);
  });

  it('waitLocal with every head past its deadline empties the queue and leaves no timer', () => {
    const { clock, q, out, add } = setup();
    const source = share(clock);
    add('a', 1, 50);
    add('b', 1, 50);
    waitLocal(q, source, owner, clock);
    expect(out.log).toEqual(['fail a', 'fail b']);
    expect(q.empty).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('an aborted waiter is not admitted and does not take tokens', async () => {
    let source!: LocalShare;
    const { clock, q, out, add } = setup((q, clock) => drainLocal(q, source, owner, clock));
    source = share(clock);
    const ctl = new AbortController();
    add('a', 1, 10_000, ctl.signal);
    add('b', 1, 10_000);
    drainLocal(q, source, owner, clock);
    ctl.abort('bye');
    await clock.advance(100);
    expect(out.log).toEqual(['fail a', 'ok b']);
    expect(source.available()).toBeCloseTo(0, 9);
  });
});

describe('drainLocal on a LocalWindow', () => {
  it('admits up to the window limit, then the next head one span after the oldest admission', async () => {
    let source!: LocalSource;
    const { clock, q, out, add } = setup((q, clock) => drainLocal(q, source, owner, clock));
    source = new LocalWindow({ limit: 2, windowMs: 1000, safetyMarginMs: 100 }, clock);
    for (const n of ['a', 'b', 'c']) add(n, 1, 10_000);
    drainLocal(q, source, owner, clock);
    expect(out.log).toEqual(['ok a', 'ok b']);
    await clock.advance(1099);
    expect(out.log).toHaveLength(2);
    await clock.advance(1);
    expect(out.log).toEqual(['ok a', 'ok b', 'ok c']);
  });
});
