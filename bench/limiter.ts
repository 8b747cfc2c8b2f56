/**
 * Section 4: limiter accuracy on the real clock. `tasks` tasks are submitted at once to a
 * limiter configured for `rate` per second; each task records when it starts. For every
 * start we count the starts in the 1 s window that begins there (sliding windows) and
 * compare with the bound the limiter promises: `burst + rate` for the token buckets, `rate`
 * for the sliding-window limiter (`algorithm: 'sliding-window'`) and rate-limiter-flexible's
 * fixed window (whose promise holds only within its own fixed windows).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterPolicy } from 'nest-resilience';
import { delay, nowMs } from './lib/stats.js';

/** A limiter under test: `run(task)` runs the task once admitted. */
interface LimiterUnderTest {
  name: string;
  /** Tokens available at once (what may start at t = 0). */
  burst: number;
  /** Its promise for any window of `windowMs`: at most this many starts. */
  bound: number;
  run: (task: () => void) => Promise<void>;
}

/** One measured limiter. */
export interface AccuracyRow {
  name: string;
  bound: number;
  completed: number;
  maxInWindow: number;
  windowsOverBound: number;
  /** Starts after the burst per second of run time, over the configured rate. */
  achievedRatio: number;
  achievedPerSec: number;
  runMs: number;
  timedOut: boolean;
}

/** A minimal token bucket refilled by a polling timer (the "obvious" implementation). */
class NaiveBucket {
  private tokens: number;
  private last = nowMs();
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perMs: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
  }

  private pump(): void {
    const t = nowMs();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
    let n = 0;
    while (n < this.waiting.length && this.tokens >= 1) {
      this.tokens--;
      n++;
    }
    for (const resolve of this.waiting.splice(0, n)) resolve();
    if (this.waiting.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, 1);
    }
  }
}

/** rate-limiter-flexible's documented pattern: consume, and on refusal wait msBeforeNext and retry. */
async function rlfConsumeWithRetry(rl: RateLimiterMemory, task: () => void): Promise<void> {
  for (;;) {
    try {
      await rl.consume('bench');
      task();
      return;
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      await delay(Math.max(1, e.msBeforeNext));
    }
  }
}

/** The limiters of section 4 (each created only when measured). */
export function limiterVariants(rate: number): Array<() => LimiterUnderTest> {
  const ours = (burst: number) => () => {
    const lim = RateLimiterPolicy.create(`acc-${burst}`, { rate, periodMs: 1000, burst, maxWaitMs: 60_000 });
    return {
      name: `nest-resilience RateLimiterPolicy, burst ${burst}`,
      burst,
      bound: burst + rate,
      run: (task: () => void) => lim.execute(task),
    };
  };
  return [
    ours(rate),
    ours(rate / 10),
    ours(rate / 100),
    ours(1),
    () => {
      // At most `rate` starts in ANY window of 1 s (each admission counts 1 s + the default 30 ms margin).
      const lim = RateLimiterPolicy.create('acc-window', {
        algorithm: 'sliding-window',
        rate,
        periodMs: 1000,
        maxWaitMs: 60_000,
      });
      return {
        name: `nest-resilience RateLimiterPolicy, sliding window ${rate} per 1 s`,
        burst: rate,
        bound: rate,
        run: (task: () => void) => lim.execute(task),
      };
    },
    () => {
      const rl = new RateLimiterMemory({ points: rate, duration: 1 });
      return {
        name: `rate-limiter-flexible Memory(${rate}/1 s) + retry loop`,
        burst: rate,
        bound: rate,
        run: (task) => rlfConsumeWithRetry(rl, task),
      };
    },
    () => {
      const b = new NaiveBucket(rate / 1000, rate / 10);
      return {
        name: `naive token bucket (1 ms poll), burst ${rate / 10}`,
        burst: rate / 10,
        bound: rate / 10 + rate,
        run: async (task) => (await b.take(), task()),
      };
    },
  ];
}

/** Largest number of sorted timestamps in any window [t_i, t_i + w), and how many such windows exceed `bound`. */
export function slidingWindows(sorted: readonly number[], w: number, bound: number): { max: number; over: number } {
  let max = 0;
  let over = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j < sorted.length && sorted[j]! < sorted[i]! + w) j++;
    const n = j - i;
    if (n > max) max = n;
    if (n > bound) over++;
  }
  return { max, over };
}

/** Runs one limiter with `tasks` tasks submitted at once, capped at `capMs`. */
export async function measureAccuracy(
  make: () => LimiterUnderTest,
  rate: number,
  tasks: number,
  capMs: number,
): Promise<AccuracyRow> {
  const lim = make();
  const starts: number[] = [];
  const t0 = nowMs();
  const task = (): void => {
    starts.push(nowMs() - t0);
  };
  const all = new Array<Promise<void>>(tasks);
  for (let i = 0; i < tasks; i++) all[i] = lim.run(task);
  // The cap timer is ref'ed, so it also keeps the process alive while callers wait in our
  // bucket: the system clock's timers are unref'ed (see the report on bench/RESULTS.md).
  let cap: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    Promise.all(all).then(() => false),
    new Promise<boolean>((r) => (cap = setTimeout(() => r(true), capMs))),
  ]);
  clearTimeout(cap);
  const runMs = nowMs() - t0;
  const sorted = [...starts].sort((a, b) => a - b);
  const { max, over } = slidingWindows(sorted, 1000, lim.bound);
  const last = sorted[sorted.length - 1] ?? runMs;
  const afterBurst = Math.max(0, sorted.length - lim.burst);
  const achievedPerSec = last > 0 ? (afterBurst * 1000) / last : 0;
  return {
    name: lim.name,
    bound: lim.bound,
    completed: sorted.length,
    maxInWindow: max,
    windowsOverBound: over,
    achievedPerSec,
    achievedRatio: achievedPerSec / rate,
    runMs,
    timedOut,
  };
}
