import { describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock, type RandomSource } from '../clock.js';
import { RateLimiterRejectedError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { RateLimiterPolicy } from './rate-limiter.policy.js';

/**
 * Property tests of the token bucket under random load (virtual time, seeded randomness).
 * Every caller's admission time is recorded; the token-bucket bound is checked on every
 * window [t, t + W] that starts at an admission time.
 */

const SEEDS = 50;
const CALLERS = 300;

interface Caller {
  id: number;
  arrival: number;
  tokens: number;
  maxWaitMs: number;
  abortAt?: number;
  admittedAt?: number;
  /** How it ended: admitted at once, admitted after waiting, rejected at once, aborted. */
  outcome?: 'fast' | 'waited' | 'rejected' | 'aborted';
  error?: unknown;
  retryAfterMs?: number;
}

interface Scenario {
  rate: number;
  periodMs: number;
  burst: number;
  maxTokens: number;
  callers: Caller[];
}

const int = (r: RandomSource, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Random limits and a random arrival pattern: bursts of concurrent callers, random gaps. */
function scenario(seed: number, large = false): Scenario {
  const r = seededRandom(seed);
  const period = [100, 250, 1000, 1000, 60_000][int(r, 0, 4)]!;
  let rate = r() < 0.3 ? int(r, 1, 5) + r() : int(r, 1, 40);
  const maxTokens = large ? int(r, 1, 2) : int(r, 1, 4);
  let burst = Math.max(maxTokens, r() < 0.5 ? Math.ceil(rate) : int(r, 1, Math.ceil(rate * 3)));
  if (large) {
    // Bursts of 64+ calls' tokens: the bucket then admits some calls without reading the
    // clock (booked as debt), which must keep the same bound.
    burst = 64 * maxTokens;
    rate = burst * (0.25 + r());
  }
  const fractionalTokens = r() < 0.25;
  const perToken = period / rate;
  const callers: Caller[] = [];
  let t = 0;
  let id = 0;
  while (id < CALLERS) {
    // Gap before the next group: none, tiny, around one token's worth, or a long idle time.
    const g = r();
    // Large bursts: arrivals ~10× denser, so that the bucket empties and refills many times.
    const squeeze = large ? 0.1 : 1;
    if (g < 0.25) t += 0;
    else if (g < 0.5) t += r() * 3 * squeeze;
    else if (g < 0.85) t += r() * perToken * 2 * squeeze;
    else t += r() * period * 3 * squeeze;
    if (r() < 0.5) t = Math.ceil(t); // whole ms sometimes (never earlier: arrivals stay ordered)
    // Concurrency of the group: usually a few, sometimes a burst.
    const group = r() < 0.15 ? int(r, 10, 40) : int(r, 1, 4);
    for (let k = 0; k < group && id < CALLERS; k++) {
      let tokens = int(r, 1, maxTokens);
      if (fractionalTokens) tokens = Math.min(burst, tokens * (0.5 + r()));
      const m = r();
      const maxWaitMs = m < 0.4 ? Infinity : m < 0.5 ? 0 : r() * perToken * 30;
      const c: Caller = { id: id++, arrival: t, tokens, maxWaitMs };
      if (r() < 0.1) c.abortAt = t + r() * perToken * 10;
      callers.push(c);
    }
  }
  return { rate, periodMs: period, burst, maxTokens, callers };
}

/** Runs the scenario against a real RateLimiterPolicy on a VirtualClock; fills in each caller's outcome. */
async function run(
  s: Scenario,
): Promise<{ admitted: Caller[]; maxTimers: number; clock: VirtualClock; policy: RateLimiterPolicy }> {
  const clock = new VirtualClock(0);
  const policy = RateLimiterPolicy.create(
    'prop',
    { rate: s.rate, periodMs: s.periodMs, burst: s.burst, tokens: (c: Caller) => c.tokens, maxWaitMs: 1 },
    { clock, store: new MemoryStore() },
  );
  const admitted: Caller[] = [];
  let maxTimers = 0;
  const admit = (c: Caller, how: 'fast' | 'waited') => {
    c.admittedAt = clock.now();
    c.outcome = how;
    admitted.push(c);
  };
  const timersOf = () => clock.pendingTimers() - pendingEvents;
  let pendingEvents = 0;
  const arrive = (c: Caller) => {
    pendingEvents--;
    let signal: AbortSignal | undefined;
    if (c.abortAt !== undefined) {
      const ac = new AbortController();
      signal = ac.signal;
      pendingEvents++;
      clock.setTimeout(() => {
        pendingEvents--;
        ac.abort(new Error(`abort ${c.id}`));
      }, c.abortAt - c.arrival);
    }
    const args = [c];
    const bucket = policy.bucketFor(args);
    let wait: Promise<void> | undefined;
    try {
      wait = bucket.acquire(policy.tokensFor(args), c.maxWaitMs, signal);
    } catch (e) {
      c.outcome = 'rejected';
      c.error = e;
      return;
    }
    if (wait === undefined) admit(c, 'fast');
    else {
      wait.then(
        () => admit(c, 'waited'),
        (e: unknown) => {
          c.outcome = 'aborted';
          c.error = e;
          c.admittedAt = clock.now();
        },
      );
    }
    maxTimers = Math.max(maxTimers, timersOf());
  };
  for (const c of s.callers) {
    pendingEvents++;
    clock.setTimeout(() => arrive(c), c.arrival);
  }
  // Drive virtual time in steps, checking the timer invariant between steps.
  const end = s.callers[s.callers.length - 1]!.arrival;
  // Bounded: every token is admitted by then (plus slack), whatever the pattern.
  const totalTokens = s.callers.reduce((sum, c) => sum + c.tokens, 0);
  const deadline = end + ((totalTokens + s.burst) * s.periodMs) / s.rate + s.periodMs * 10;
  while (clock.now() <= end || clock.pendingTimers() > 0) {
    await clock.advance(Math.max(1, s.periodMs / 7));
    maxTimers = Math.max(maxTimers, timersOf());
    if (maxTimers > 1) throw new Error(`${maxTimers} limiter timers pending at ${clock.now()}`);
    if (clock.now() > deadline) throw new Error(`scenario did not finish by ${deadline}`);
  }
  return { admitted, maxTimers, clock, policy };
}

/** Largest number of tokens admitted in any window [t, t + W] starting at an admission time. */
function maxInWindow(admitted: Caller[], W: number): { worst: number; at: number } {
  let worst = 0;
  let at = 0;
  let j = 0;
  let sum = 0;
  // admitted is sorted by time; two pointers.
  for (let i = 0; i < admitted.length; i++) {
    const t = admitted[i]!.admittedAt!;
    while (j < admitted.length && admitted[j]!.admittedAt! <= t + W) sum += admitted[j++]!.tokens;
    if (sum > worst) {
      worst = sum;
      at = t;
    }
    sum -= admitted[i]!.tokens;
  }
  return { worst, at };
}

describe('RateLimiter property: token-bucket bound, FIFO, no starvation', () => {
  const seeds = Array.from({ length: SEEDS }, (_, i) => 1000 + i * 7919);

  it.each(seeds)('seed %d', async (seed) => {
    const s = scenario(seed);
    const { admitted, maxTimers, policy } = await run(s);
    const ctx = `seed ${seed}: rate ${s.rate} / ${s.periodMs} ms, burst ${s.burst}`;

    // Every caller ended one way or another.
    expect(s.callers.filter((c) => c.outcome === undefined).map((c) => c.id)).toEqual([]);
    // Non-trivial scenario: some callers waited.
    expect(admitted.length).toBeGreaterThan(0);

    // 1. The bound, for windows shorter than, equal to and longer than the period.
    for (const W of [
      0,
      s.periodMs / 10,
      s.periodMs / 2,
      s.periodMs,
      s.periodMs * 1.5,
      s.periodMs * 3,
      s.periodMs * 7.3,
    ]) {
      const limit = s.burst + (s.rate * W) / s.periodMs + 1e-6;
      const { worst, at } = maxInWindow(admitted, W);
      if (worst > limit) throw new Error(`${ctx}: ${worst} tokens admitted in [${at}, ${at + W}] > ${limit}`);
    }
    // Admission times never precede arrival, and are non-decreasing in record order.
    for (let i = 0; i < admitted.length; i++) {
      const c = admitted[i]!;
      expect(c.admittedAt!).toBeGreaterThanOrEqual(c.arrival);
      if (i > 0) expect(c.admittedAt!).toBeGreaterThanOrEqual(admitted[i - 1]!.admittedAt!);
    }

    // 2. FIFO: callers are admitted in arrival order (no barging, no reordering of waiters).
    const ids = admitted.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    // 3. No starvation: every caller that queued and did not abort was admitted, within its
    //    maxWaitMs (+1 ms: timers fire on whole milliseconds).
    for (const c of s.callers) {
      if (c.outcome === 'waited') {
        expect(c.admittedAt! - c.arrival).toBeLessThanOrEqual(c.maxWaitMs + 1 + 1e-6);
      } else if (c.outcome === 'aborted') {
        expect(c.abortAt).toBeDefined();
        expect(c.error).toBeInstanceOf(Error);
        expect((c.error as Error).message).toBe(`abort ${c.id}`);
        expect(c.admittedAt).toBeCloseTo(c.abortAt!, 6);
      } else if (c.outcome === 'rejected') {
        // Rejected only because the estimated wait is beyond its maxWaitMs.
        const e = c.error as RateLimiterRejectedError;
        expect(e).toBeInstanceOf(RateLimiterRejectedError);
        expect(e.policy).toBe('prop');
        expect(e.tokens).toBe(c.tokens);
        expect(e.retryAfterMs).toBeGreaterThan(c.maxWaitMs);
      }
    }
    // Callers with no wait limit are never rejected.
    expect(s.callers.filter((c) => c.maxWaitMs === Infinity && c.outcome === 'rejected')).toEqual([]);

    // 4. At most one timer per bucket at any time, none at the end, nothing left queued.
    expect(maxTimers).toBeLessThanOrEqual(1);
    expect(policy.snapshot().waiting).toBe(0);
  });

  it.each(seeds.slice(0, 30))('large bursts (untimed admissions), seed %d: the bound and FIFO hold', async (seed) => {
    const s = scenario(seed, true);
    const { admitted } = await run(s);
    const ctx = `seed ${seed} (large): rate ${s.rate} / ${s.periodMs} ms, burst ${s.burst}`;
    expect(s.callers.filter((c) => c.outcome === undefined).map((c) => c.id)).toEqual([]);
    // Non-trivial: the limit was reached (someone waited or was refused).
    expect(s.callers.some((c) => c.outcome !== 'fast')).toBe(true);
    for (const W of [0, s.periodMs / 10, s.periodMs / 2, s.periodMs, s.periodMs * 1.5, s.periodMs * 3]) {
      const limit = s.burst + (s.rate * W) / s.periodMs + 1e-6;
      const { worst, at } = maxInWindow(admitted, W);
      if (worst > limit) throw new Error(`${ctx}: ${worst} tokens admitted in [${at}, ${at + W}] > ${limit}`);
    }
    const ids = admitted.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('the scenarios exercise waiting, rejection, aborts and bursts', async () => {
    const totals = { fast: 0, waited: 0, rejected: 0, aborted: 0 };
    for (const seed of seeds.slice(0, 10)) {
      const s = scenario(seed);
      await run(s);
      for (const c of s.callers) totals[c.outcome!]++;
    }
    expect(totals.fast).toBeGreaterThan(50);
    expect(totals.waited).toBeGreaterThan(50);
    expect(totals.rejected).toBeGreaterThan(50);
    expect(totals.aborted).toBeGreaterThan(5);
  });

  it('a violation is detected: the window check fails on a schedule that breaks the bound', () => {
    const fake = [0, 0, 10, 20].map((t, i) => ({ id: i, arrival: t, admittedAt: t, tokens: 1, maxWaitMs: 0 }));
    // burst 2, rate 1 per 1000 ms: 4 tokens within 20 ms exceeds 2 + 0.02.
    expect(maxInWindow(fake, 20).worst).toBe(4);
    expect(maxInWindow(fake, 9).worst).toBe(2);
  });
});

describe('RateLimiter property: achieved rate with a deep queue', () => {
  it.each([
    { rate: 7, periodMs: 1000, burst: 7, maxTokens: 1 },
    { rate: 3, periodMs: 1000, burst: 5, maxTokens: 3 },
    { rate: 100, periodMs: 60_000, burst: 10, maxTokens: 2 },
    { rate: 13.7, periodMs: 250, burst: 20, maxTokens: 4 },
  ])('admits >= 99% of rate x duration (%o)', async ({ rate, periodMs: period, burst, maxTokens }) => {
    const clock = new VirtualClock(0);
    const r = seededRandom(42);
    const policy = RateLimiterPolicy.create(
      'deep',
      { rate, periodMs: period, burst, tokens: (n: number) => n, maxWaitMs: Infinity },
      { clock, store: new MemoryStore() },
    );
    const duration = period * 100;
    const expected = (rate * duration) / period;
    // Enough waiters to keep the queue non-empty for the whole run.
    let admittedTokens = 0;
    const n = Math.ceil((expected + burst) / 1) + 50;
    let queued = 0;
    for (let i = 0; i < n; i++) {
      const tokens = 1 + Math.floor(r() * maxTokens);
      queued += tokens;
      const w = policy.bucketFor([tokens]).acquire(policy.tokensFor([tokens]), Infinity);
      if (w === undefined) admittedTokens += tokens;
      else void w.then(() => (admittedTokens += tokens));
    }
    expect(queued).toBeGreaterThan(expected + burst);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(duration);
    expect(policy.snapshot().waiting).toBeGreaterThan(0);
    expect(clock.pendingTimers()).toBe(1);
    expect(admittedTokens).toBeGreaterThanOrEqual(0.99 * expected);
    // ... and never more than the bound allows.
    expect(admittedTokens).toBeLessThanOrEqual(burst + expected + 1e-6);
  });
});
