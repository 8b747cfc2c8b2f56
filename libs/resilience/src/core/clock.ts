/**
 * Time source used by every policy. Inject a {@link VirtualClock} in tests so that
 * no test ever sleeps for real.
 * @publicApi
 */
export interface Clock {
  /** Milliseconds since the epoch, monotonic for the system clock. */
  now(): number;
  /**
   * Schedules `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}.
   * The policies use it for a caller's own waits (retry backoff, limiter token wait), which
   * keep the process alive until they end (the system clock's timers are ref'd); timers that
   * must not keep it alive go through {@link setBackgroundTimeout}.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Source of uniform random numbers in [0, 1), used for jitter. @publicApi */
export type RandomSource = () => number;

const origin = performance.timeOrigin;

/**
 * The real clock: `performance.timeOrigin + performance.now()` (epoch-based but monotonic,
 * so NTP steps cannot shorten a recovery time). Its timers are ordinary (ref'd) Node timers:
 * a pending retry backoff or limiter wait keeps a script, worker or batch job alive until the
 * call settles. Background timers use {@link setBackgroundTimeout}.
 * @publicApi
 */
export const systemClock: Clock = {
  now: () => origin + performance.now(),
  setTimeout(fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Schedules background work on `clock` that must not keep the process alive on its own
 * (store probes, deadlines, cache refresh, eviction): `clock.setTimeout`, then `unref()` on
 * the handle when it has one (Node timers do; a {@link VirtualClock}'s ids do not need it).
 * Clear it with `clock.clearTimeout`.
 * @publicApi
 */
export function setBackgroundTimeout(clock: Clock, fn: () => void, ms: number): unknown {
  const handle = clock.setTimeout(fn, ms);
  (handle as { unref?: () => unknown } | null | undefined)?.unref?.();
  return handle;
}

interface VirtualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` runs due timers in time order and
 * lets promise continuations run between them, so async code under test behaves as it
 * would in real time, without waiting.
 * @publicApi
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Runs `fn` once `ms` has passed; a negative or NaN `ms` counts as 0 (Node runs such a timer at once too). */
  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: ++this.seq, at: this.current + (ms > 0 ? ms : 0), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const i = this.timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Number of timers scheduled and not yet run. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms` (a negative `ms` counts as 0), running every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await flushMicrotasks();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /**
   * Runs timers until none is left (or `limitMs` of virtual time has passed). Pending promise
   * continuations run first, so a timer that async code is about to schedule is not missed.
   */
  async runAll(limitMs = 3_600_000): Promise<void> {
    const end = this.current + limitMs;
    await flushMicrotasks();
    while (this.timers.length > 0 && this.current < end) {
      const next = this.nextDue(end);
      if (!next) break;
      await this.advance(next.at - this.current);
    }
  }

  private nextDue(limit: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}

/** Lets pending promise continuations run (several turns, for chained awaits). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** A seeded PRNG (mulberry32) for reproducible jitter and property tests. @publicApi */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
