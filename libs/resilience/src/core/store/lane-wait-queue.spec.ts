import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { LaneWaitQueue, type LaneWaiter } from './lane-wait-queue.js';

interface TestWaiter extends LaneWaiter {
  readonly name: string;
}

function plan(names: string[], agingMs = Infinity): LanePlan {
  return {
    lanes: names.map((name) => ({ name, maxShare: 1, floorShare: 0 })),
    defaultLane: 0,
    agingMs,
    index: new Map(names.map((n, i) => [n, i])),
  };
}

function setup(p: LanePlan | undefined) {
  const clock = new VirtualClock();
  const log: string[] = [];
  let fired = 0;
  let headAborts = 0;
  const q = new LaneWaitQueue<TestWaiter>(
    clock,
    p,
    () => fired++,
    () => headAborts++,
  );
  const waiter = (name: string, lane: number, tokens = 1, signal?: AbortSignal): TestWaiter => ({
    name,
    lane,
    tokens,
    signal,
    enqueuedAt: clock.now(),
    onAbort: undefined,
    done: false,
    resolve: () => log.push(`resolve ${name}`),
    reject: (reason) => log.push(`reject ${name}: ${String(reason)}`),
  });
  return { clock, q, log, waiter, fired: () => fired, headAborts: () => headAborts };
}

const names = (ws: readonly TestWaiter[]) => ws.map((w) => w.name);

describe('LaneWaitQueue ordering', () => {
  it('without a plan is one FIFO', () => {
    const { q, waiter } = setup(undefined);
    expect(q.empty).toBe(true);
    q.push(waiter('a', 0, 2));
    q.push(waiter('b', 0, 3));
    expect(q.size).toBe(2);
    expect(q.tokens).toBe(5);
    expect(q.peek()!.name).toBe('a');
    expect(names(q.front(5))).toEqual(['a', 'b']);
    expect(q.shift()!.name).toBe('a');
    expect(q.shift()!.name).toBe('b');
    expect(q.shift()).toBeUndefined();
    q.compact();
    expect(q.empty).toBe(true);
    expect(q.tokens).toBe(0);
  });

  it('admits the highest lane first, FIFO within a lane', () => {
    const { q, waiter } = setup(plan(['interactive', 'batch']));
    q.push(waiter('b1', 1));
    q.push(waiter('b2', 1));
    q.push(waiter('i1', 0));
    q.push(waiter('i2', 0));
    expect(q.peek()!.name).toBe('i1');
    expect(names(q.front(10))).toEqual(['i1', 'i2', 'b1', 'b2']);
    expect([...q.order()]).toEqual([0, 1]);
    expect(q.sizeOf(1)).toBe(2);
    expect(q.tokensOf(0)).toBe(2);
    const out: string[] = [];
    for (let w = q.shift(); w !== undefined; w = q.shift()) out.push(w.name);
    expect(out).toEqual(['i1', 'i2', 'b1', 'b2']);
  });

  it('orders an aged head first (oldest first among aged), and reports when the next head ages', async () => {
    const { clock, q, waiter } = setup(plan(['a', 'b', 'c'], 100));
    const t0 = clock.now();
    q.push(waiter('c1', 2));
    await clock.advance(10);
    q.push(waiter('b1', 1));
    await clock.advance(10);
    q.push(waiter('a1', 0));
    expect(q.peek()!.name).toBe('a1');
    expect(q.untilAging()).toBe(80);
    expect(q.oldestAt(2)).toBe(t0);
    await clock.advance(80); // c1 waited 100 ms
    expect(q.peek()!.name).toBe('c1');
    await clock.advance(10); // b1 aged too; c1 queued first
    expect(names(q.front(3))).toEqual(['c1', 'b1', 'a1']);
    expect(q.untilAging()).toBe(Infinity);
    expect(q.shiftLane(1)!.name).toBe('b1');
    expect(names(q.front(3))).toEqual(['c1', 'a1']);
  });

  it('peekLane / shiftLane take a lane head without touching the others', () => {
    const { q, waiter } = setup(plan(['a', 'b']));
    q.push(waiter('a1', 0));
    q.push(waiter('b1', 1));
    expect(q.peekLane(1)!.name).toBe('b1');
    const w = q.shiftLane(1)!;
    expect(w.done).toBe(true);
    expect(q.peekLane(1)).toBeUndefined();
    expect(q.size).toBe(1);
    expect(q.oldestAt(1)).toBeUndefined();
  });
});

describe('LaneWaitQueue abort, drop, takeAll, replan, timer', () => {
  it('an aborted waiter leaves its lane at once, rejected, and its tokens are no longer counted', () => {
    const { q, waiter, log, headAborts } = setup(plan(['a', 'b']));
    const c = new AbortController();
    q.push(waiter('a1', 0));
    q.push(waiter('b1', 1, 4, c.signal));
    q.push(waiter('b2', 1));
    c.abort(new Error('gone'));
    expect(log).toEqual(['reject b1: Error: gone']);
    expect(q.tokensOf(1)).toBe(1);
    expect(q.tokens).toBe(2);
    expect(headAborts()).toBe(1);
    expect(names(q.front(5))).toEqual(['a1', 'b2']);
  });

  it('drop takes matching waiters of every lane; takeAll empties and disarms', () => {
    const { q, waiter } = setup(plan(['a', 'b']));
    q.push(waiter('a1', 0, 5));
    q.push(waiter('b1', 1, 1));
    q.push(waiter('b2', 1, 5));
    expect(names(q.drop((w) => w.tokens > 2))).toEqual(['a1', 'b2']);
    expect(q.size).toBe(1);
    q.arm(10);
    expect(names(q.takeAll())).toEqual(['b1']);
    expect(q.armed).toBe(false);
    expect(q.empty).toBe(true);
  });

  it('replan re-maps lanes by the given function, keeping the queueing order, and returns the orphans', async () => {
    const { clock, q, waiter } = setup(plan(['a', 'b', 'c']));
    q.push(waiter('c1', 2));
    await clock.advance(1);
    q.push(waiter('b1', 1));
    await clock.advance(1);
    q.push(waiter('a1', 0));
    const gone = q.replan(plan(['x', 'y']), (lane) => (lane === 0 ? undefined : 1));
    expect(names(gone)).toEqual(['a1']);
    expect(gone[0]!.done).toBe(true);
    expect(q.size).toBe(2);
    expect(names(q.front(5))).toEqual(['c1', 'b1']);
    expect(q.peek()!.lane).toBe(1);
  });

  it('one timer: armForHead arms for the wait of the next waiter or the next aging, compact disarms when empty', async () => {
    const { clock, q, waiter, fired } = setup(plan(['a', 'b'], 50));
    q.push(waiter('b1', 1, 3));
    q.armForHead((tokens, lane) => (lane === 1 ? 200 : 0) + tokens);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(49);
    expect(fired()).toBe(0);
    q.disarm();
    q.push(waiter('a1', 0, 1));
    q.armForHead(() => 500); // a1 is next; b1 ages in 1 ms
    await clock.advance(1);
    expect(fired()).toBe(1);
    q.shift();
    q.shift();
    q.arm(10);
    q.compact();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('armWithin keeps a timer due in time and re-arms only for a shorter wait', async () => {
    const { clock, q, fired } = setup(undefined);
    const now = clock.now();
    q.armWithin(100, now);
    q.armWithin(150, now); // due at 100 already: kept
    expect(clock.pendingTimers()).toBe(1);
    q.armWithin(20, now); // sooner: re-armed
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(20);
    expect(fired()).toBe(1);
    await clock.advance(200);
    expect(fired()).toBe(1);
  });
});
