import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

interface TestWaiter extends Waiter {
  readonly name: string;
}

/** A waiter that records how it settled in `log`. */
function waiter(name: string, tokens: number, log: string[], signal?: AbortSignal): TestWaiter {
  return {
    name,
    tokens,
    signal,
    onAbort: undefined,
    done: false,
    resolve: () => log.push(`resolve ${name}`),
    reject: (reason) => log.push(`reject ${name}: ${String(reason)}`),
  };
}

/** A real AbortSignal whose registered 'abort' listeners are counted. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let n = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    if (args[0] === 'abort') n++;
    add(...args);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    if (args[0] === 'abort') n--;
    remove(...args);
  }) as typeof signal.removeEventListener;
  return { controller, listeners: () => n };
}

function setup(): { clock: VirtualClock; q: WaitQueue<TestWaiter>; fired: number[]; headAborts: () => number } {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const fired: number[] = [];
  let headAborts = 0;
  const q: WaitQueue<TestWaiter> = new WaitQueue<TestWaiter>(
    clock,
    () => fired.push(clock.now() - t0 + (q.armed ? 0.5 : 0)), // +0.5 would show a timer still armed
    () => headAborts++,
  );
  return { clock, q, fired, headAborts: () => headAborts };
}

describe('WaitQueue timer (virtual time)', () => {
  it('armFor rounds the wait up to a whole millisecond', async () => {
    const { clock, q, fired } = setup();
    q.armFor(2.3);
    expect(q.armed).toBe(true);
    await clock.advance(2);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([3]); // and the timer is no longer armed when onTimer runs
    expect(q.armed).toBe(false);
  });

  it.each([0, 0.2, -5])('armFor(%p) waits at least 1 ms', async (ms) => {
    const { clock, q, fired } = setup();
    q.armFor(ms);
    await clock.advance(0);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([1]);
  });

  it("armForHead arms for the head's tokens, and does nothing when nobody waits", async () => {
    const { clock, q, fired } = setup();
    const asked: number[] = [];
    q.armForHead((tokens) => (asked.push(tokens), 10 * tokens));
    expect(asked).toEqual([]);
    expect(q.armed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    const log: string[] = [];
    q.push(waiter('a', 3, log));
    q.push(waiter('b', 7, log));
    q.armForHead((tokens) => (asked.push(tokens), 10 * tokens + 0.5));
    expect(asked).toEqual([3]);
    await clock.advance(30);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([31]);
  });

  it('retry drops the pending timer and runs onTimer at once when someone waits', async () => {
    const { clock, q, fired } = setup();
    q.push(waiter('a', 1, []));
    q.arm(100);
    q.retry();
    expect(fired).toEqual([0]); // synchronously, with the timer already cleared
    expect(q.armed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(200);
    expect(fired).toEqual([0]); // the old timer never fires
  });

  it('retry with nobody waiting only clears the timer', async () => {
    const { clock, q, fired } = setup();
    q.arm(100);
    q.retry();
    expect(fired).toEqual([]);
    expect(q.armed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(200);
    expect(fired).toEqual([]);
  });
});

describe('WaitQueue FIFO and aborts', () => {
  it('shift takes from the head in order and keeps size and tokens exact', () => {
    const { q } = setup();
    const log: string[] = [];
    q.push(waiter('a', 2, log));
    q.push(waiter('b', 3, log));
    expect(q.size).toBe(2);
    expect(q.tokens).toBe(5);
    expect(q.front(5).map((w) => w.name)).toEqual(['a', 'b']);
    const a = q.shift()!;
    expect(a.name).toBe('a');
    expect(a.done).toBe(true);
    expect(q.size).toBe(1);
    expect(q.tokens).toBe(3);
    expect(q.peek()!.name).toBe('b');
    expect(q.shift()!.name).toBe('b');
    expect(q.shift()).toBeUndefined();
    expect(q.empty).toBe(true);
    expect(log).toEqual([]); // the caller settles what it shifted
  });

  it('an abort from the middle rejects with signal.reason, keeps the order, returns its tokens, no onHeadAbort', () => {
    const { q, headAborts } = setup();
    const log: string[] = [];
    const ctl = new AbortController();
    q.push(waiter('a', 1, log));
    q.push(waiter('b', 4, log, ctl.signal));
    q.push(waiter('c', 2, log));
    ctl.abort('gone');
    expect(log).toEqual(['reject b: gone']);
    expect(q.size).toBe(2);
    expect(q.tokens).toBe(3);
    expect(q.front(3).map((w) => w.name)).toEqual(['a', 'c']);
    expect(headAborts()).toBe(0);
  });

  it('an aborted head calls onHeadAbort only when others still wait', () => {
    const { q, headAborts } = setup();
    const log: string[] = [];
    const c1 = new AbortController();
    const c2 = new AbortController();
    q.push(waiter('a', 1, log, c1.signal));
    q.push(waiter('b', 1, log, c2.signal));
    c1.abort('x');
    expect(headAborts()).toBe(1);
    expect(q.peek()!.name).toBe('b');
    c2.abort('y');
    expect(headAborts()).toBe(1); // nobody left behind it
    expect(log).toEqual(['reject a: x', 'reject b: y']);
    expect(q.empty).toBe(true);
    expect(q.tokens).toBe(0);
  });

  it('the last waiter aborting clears the timer', async () => {
    const { clock, q, fired } = setup();
    const ctl = new AbortController();
    q.push(waiter('a', 1, [], ctl.signal));
    q.arm(50);
    ctl.abort();
    expect(q.armed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(100);
    expect(fired).toEqual([]);
  });

  it('a waiter that left the queue removes its abort listener, and a later abort does nothing', () => {
    const { q } = setup();
    const log: string[] = [];
    const s1 = countedSignal();
    const s2 = countedSignal();
    const s3 = countedSignal();
    q.push(waiter('a', 1, log, s1.controller.signal));
    q.push(waiter('b', 1, log, s2.controller.signal));
    q.push(waiter('c', 1, log, s3.controller.signal));
    expect([s1.listeners(), s2.listeners(), s3.listeners()]).toEqual([1, 1, 1]);
    q.shift();
    expect(q.drop((w) => w.name === 'c').map((w) => w.name)).toEqual(['c']);
    expect(q.takeAll().map((w) => w.name)).toEqual(['b']);
    expect([s1.listeners(), s2.listeners(), s3.listeners()]).toEqual([0, 0, 0]);
    s1.controller.abort();
    s2.controller.abort();
    s3.controller.abort();
    expect(log).toEqual([]);
  });

  it('drop takes every matching waiter, in order, settled; the rest keep their order', () => {
    const { q } = setup();
    const log: string[] = [];
    for (const [name, tokens] of [
      ['a', 1],
      ['b', 5],
      ['c', 2],
      ['d', 6],
    ] as const)
      q.push(waiter(name, tokens, log));
    q.shift(); // a
    const dropped = q.drop((w) => w.tokens > 4);
    expect(dropped.map((w) => [w.name, w.done])).toEqual([
      ['b', true],
      ['d', true],
    ]);
    expect(q.front(10).map((w) => w.name)).toEqual(['c']);
    expect(q.tokens).toBe(2);
    expect(log).toEqual([]);
  });

  it('takeAll empties the queue and clears the timer', async () => {
    const { clock, q, fired } = setup();
    q.push(waiter('a', 1, []));
    q.push(waiter('b', 2, []));
    q.arm(10);
    expect(q.takeAll().map((w) => w.name)).toEqual(['a', 'b']);
    expect(q.empty).toBe(true);
    expect(q.size).toBe(0);
    expect(q.tokens).toBe(0);
    expect(q.armed).toBe(false);
    await clock.advance(20);
    expect(fired).toEqual([]);
  });
});

describe('WaitQueue compact', () => {
  it('once nobody waits: resets and clears the timer', async () => {
    const { clock, q, fired } = setup();
    q.push(waiter('a', 1, []));
    q.arm(10);
    q.shift();
    q.compact();
    expect(q.armed).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(20);
    expect(fired).toEqual([]);
    expect((q as unknown as { head: number }).head).toBe(0);
  });

  it('keeps the timer while someone still waits', () => {
    const { q } = setup();
    q.push(waiter('a', 1, []));
    q.push(waiter('b', 1, []));
    q.arm(10);
    q.shift();
    q.compact();
    expect(q.armed).toBe(true);
  });

  it('drops the used-up head of a long queue past 1024 consumed entries, order intact', () => {
    const { q } = setup();
    const inner = q as unknown as { head: number; items: unknown[] };
    for (let i = 0; i < 2000; i++) q.push(waiter(`w${i}`, 1, []));
    for (let i = 0; i < 1024; i++) q.shift();
    q.compact();
    expect(inner.head).toBe(1024); // not more than 1024 used up yet
    q.shift();
    q.compact();
    expect(inner.head).toBe(0);
    expect(inner.items.length).toBe(975);
    expect(q.size).toBe(975);
    expect(q.tokens).toBe(975);
    expect(q.peek()!.name).toBe('w1025');
    expect(q.front(2).map((w) => w.name)).toEqual(['w1025', 'w1026']);
  });

  it('keeps the head while the used-up part is not more than half of the array', () => {
    const { q } = setup();
    const inner = q as unknown as { head: number };
    for (let i = 0; i < 3000; i++) q.push(waiter(`w${i}`, 1, []));
    for (let i = 0; i < 1100; i++) q.shift();
    q.compact();
    expect(inner.head).toBe(1100); // 1100 × 2 ≤ 3000
    expect(q.peek()!.name).toBe('w1100');
  });
});
