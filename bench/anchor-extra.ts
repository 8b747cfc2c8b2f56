/**
 * Our variants for the reference harness (shared/bench-anchors/bench.mjs, `--extra=`).
 * Run from a temp copy of the harness:
 *
 *     node --expose-gc --import /work/main/bench/register.mjs bench.mjs --sections=A,B,C,E \
 *       --extra=/work/main/bench/anchor-extra.ts
 *
 * Overhead variants call real decorated methods of a provider created by Nest
 * (`NestFactory.createApplicationContext` + `ResilienceModule.forRoot({})`), shared by all.
 */
import { CircuitBreakerPolicy, RateLimiterPolicy } from 'nest-resilience';
import { bootTarget, type BenchTarget } from './overhead.js';

const fn = async (): Promise<number> => 1;
let booted: Promise<BenchTarget> | undefined;
const target = (): Promise<BenchTarget> => (booted ??= bootTarget().then((b) => b.target));

/** Sections A and B. */
export const overhead = [
  {
    name: 'nest-resilience @WithRetry (maxRetries 2)',
    make: async () => {
      const t = await target();
      return { call: () => t.retried() };
    },
  },
  {
    name: 'nest-resilience @CircuitBreaker (threshold 5)',
    make: async () => {
      const t = await target();
      return { call: () => t.guarded() };
    },
  },
  {
    name: 'nest-resilience @WithRetry+@CircuitBreaker+@RateLimited(1e9/s)',
    make: async () => {
      const t = await target();
      return { call: () => t.stacked() };
    },
  },
];

let n = 0;

/**
 * The system clock unrefs its timers, so a process whose only pending work is callers queued
 * in a limiter would exit (code 13 under top-level await). The harness has nothing else
 * keeping it alive in section C, so hold one ref'ed timer while any task is pending.
 */
let pending = 0;
let keepAlive: NodeJS.Timeout | undefined;
async function keptAlive<T>(p: () => Promise<T>): Promise<T> {
  if (pending++ === 0) keepAlive = setInterval(() => undefined, 1000);
  try {
    return await p();
  } finally {
    if (--pending === 0) clearInterval(keepAlive);
  }
}

/** Section C: our token bucket at the harness's rate, with three bursts. */
export const limiters = [1, 0.1, 1 / 500].map((share) => ({
  name: `nest-resilience RateLimiterPolicy (burst = ${share === 1 ? 'rate (default)' : share === 0.1 ? 'rate/10' : '1'})`,
  make: async (rate: number) => {
    const lim = RateLimiterPolicy.create(`anchor-${n++}`, {
      rate,
      periodMs: 1000,
      burst: Math.max(1, Math.round(rate * share)),
      maxWaitMs: 60_000,
    });
    return { run: (task: () => unknown) => keptAlive(() => lim.execute(task)) };
  },
}));

/** Section E: one breaker policy per name. */
export const breakers = [
  {
    name: 'nest-resilience CircuitBreakerPolicy',
    create: (i: number) =>
      CircuitBreakerPolicy.create(`anchor-e-${n++}-${i}`, { failureThreshold: 5, recoveryTimeMs: 10_000 }),
    call: (b: CircuitBreakerPolicy) => b.execute(fn),
  },
];
