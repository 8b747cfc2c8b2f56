import { describe, expect, it } from '@jest/globals';
import { flushMicrotasks, seededRandom, setBackgroundTimeout, systemClock, VirtualClock } from './clock.js';

describe('VirtualClock', () => {
  it('starts at the given time (default 1_700_000_000_000) and only moves when told to', async () => {
    expect(new VirtualClock().now()).toBe(1_700_000_000_000);
    const clock = new VirtualClock(5_000);
    expect(clock.now()).toBe(5_000);
    await flushMicrotasks();
    expect(clock.now()).toBe(5_000);
    await clock.advance(250);
    expect(clock.now()).toBe(5_250);
  });

  it('runs a timer exactly when it falls due, not 1 ms before', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual([100]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs due timers in time order, ties in scheduling order, with now() at each timer time', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`b2@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`late@${clock.now()}`), 1000);
    await clock.advance(50);
    expect(log).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('runs timers scheduled by a timer within the same advance when they fall due in it', async () => {
    const clock = new VirtualClock(0);
    const log: number[] = [];
    clock.setTimeout(() => {
      log.push(clock.now());
      clock.setTimeout(() => log.push(clock.now()), 15);
      clock.setTimeout(() => log.push(clock.now()), 500);
    }, 10);
    await clock.advance(30);
    expect(log).toEqual([10, 25]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(480);
    expect(log).toEqual([10, 25, 510]);
  });

  it('lets promise continuations run between timers', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    void (async () => {
      await sleep(10);
      log.push(`first@${clock.now()}`);
      await sleep(10);
      log.push(`second@${clock.now()}`);
    })();
    await clock.advance(20);
    expect(log).toEqual(['first@10', 'second@20']);
  });

  it('treats a negative or zero delay as due now; advance(0) runs it', async () => {
    const clock = new VirtualClock(0);
    let n = 0;
    clock.setTimeout(() => n++, -5);
    clock.setTimeout(() => n++, 0);
    expect(n).toBe(0);
    await clock.advance(0);
    expect(n).toBe(2);
    expect(clock.now()).toBe(0);
  });

  it('treats a NaN delay as due now, as Node does (it used to never run)', async () => {
    const clock = new VirtualClock(0);
    let n = 0;
    clock.setTimeout(() => n++, NaN);
    await clock.advance(0);
    expect({ n, pending: clock.pendingTimers(), now: clock.now() }).toEqual({ n: 1, pending: 0, now: 0 });
  });

  it('clearTimeout removes exactly that timer; unknown handles are ignored', async () => {
    const clock = new VirtualClock(0);
    let a = 0;
    let b = 0;
    const ha = clock.setTimeout(() => a++, 10);
    clock.setTimeout(() => b++, 10);
    clock.clearTimeout(ha);
    clock.clearTimeout(ha);
    clock.clearTimeout('nope');
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(10);
    expect([a, b]).toEqual([0, 1]);
  });

  it('runAll runs every timer, including ones scheduled meanwhile, and stops at limitMs', async () => {
    const clock = new VirtualClock(0);
    const log: number[] = [];
    clock.setTimeout(() => {
      log.push(clock.now());
      clock.setTimeout(() => log.push(clock.now()), 200);
    }, 100);
    await clock.runAll();
    expect(log).toEqual([100, 300]);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.now()).toBe(300);

    // A self-rescheduling timer is bounded by limitMs.
    const tick = () => {
      log.push(clock.now());
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    log.length = 0;
    await clock.runAll(350);
    expect(log).toEqual([400, 500, 600]);
    expect(clock.pendingTimers()).toBe(1);
  });
});

describe('VirtualClock edge cases', () => {
  it('runAll first lets pending continuations schedule their timers', async () => {
    const clock = new VirtualClock(0);
    let firedAt = -1;
    void (async () => {
      await null;
      await null;
      await new Promise<void>((r) => clock.setTimeout(r, 40));
      firedAt = clock.now();
    })();
    expect(clock.pendingTimers()).toBe(0);
    await clock.runAll();
    expect(firedAt).toBe(40);
  });

  it('never moves backwards: advance with a negative ms is a no-op for time', async () => {
    const clock = new VirtualClock(1_000);
    await clock.advance(-500);
    expect(clock.now()).toBe(1_000);
  });
});

describe('flushMicrotasks', () => {
  it('lets a chain of awaits settle', async () => {
    let done = false;
    void (async () => {
      await null;
      await null;
      await null;
      done = true;
    })();
    expect(done).toBe(false);
    await flushMicrotasks();
    expect(done).toBe(true);
  });
});

describe('seededRandom', () => {
  const take = (r: () => number, n: number) => Array.from({ length: n }, () => r());

  it('is deterministic: the same seed gives the same sequence', () => {
    expect(take(seededRandom(42), 100)).toEqual(take(seededRandom(42), 100));
  });

  it('different seeds give different sequences', () => {
    const a = take(seededRandom(1), 10);
    const b = take(seededRandom(2), 10);
    expect(a).not.toEqual(b);
  });

  it('returns values in [0, 1) spread over the interval', () => {
    const xs = take(seededRandom(7), 10_000);
    expect(xs.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
    expect(Math.min(...xs)).toBeLessThan(0.01);
    expect(Math.max(...xs)).toBeGreaterThan(0.99);
    expect(new Set(xs).size).toBeGreaterThan(9_900);
  });

  it('is mulberry32 (pinned values, so a change of generator is noticed)', () => {
    expect(take(seededRandom(1), 3)).toEqual(PINNED_SEED_1);
  });
});

describe('systemClock', () => {
  it("reads epoch time and schedules ref'd, clearable timers (a caller's own wait keeps the process alive)", () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(Math.abs(now - before)).toBeLessThan(1000);
    let fired = false;
    const handle = systemClock.setTimeout(() => (fired = true), 10_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(true);
    systemClock.clearTimeout(handle);
    expect(fired).toBe(false);
  });
});

describe('setBackgroundTimeout', () => {
  it('schedules through the clock and unrefs a Node timer handle, so background work never keeps the process alive', () => {
    let fired = false;
    const handle = setBackgroundTimeout(systemClock, () => (fired = true), 10_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
    expect(fired).toBe(false);
  });

  it('works with clocks whose handles have no unref (a VirtualClock): the timer runs on virtual time', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const handle = setBackgroundTimeout(clock, () => fired.push(clock.now()), 50);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(50);
    expect(fired).toEqual([50]);
    setBackgroundTimeout(clock, () => fired.push(-1), 10);
    clock.clearTimeout(handle); // an unknown (already run) handle is ignored
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    expect(fired).toEqual([50, -1]);
  });
});

const PINNED_SEED_1 = [0.6270739405881613, 0.002735721180215478, 0.5274470399599522];
