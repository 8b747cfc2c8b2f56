import { BulkheadPolicy } from '../core/bulkhead/bulkhead.policy.js';
import { systemClock } from '../core/clock.js';
import { RateLimiterPolicy } from '../core/rate-limiter/rate-limiter.policy.js';
import type { AttemptDeps } from './executor-attempt.js';
import { resolveBreaker, resolveRetry } from './executor-policies.js';
import type { ExecutorDeps, ExecutorSnapshot, NormalizedExecutorOptions } from './executor.options.js';
import type { PendingQueue } from './pending-queue.js';
import { TokenCalibration } from './token-calibration.js';

const EMPTY: readonly unknown[] = [];

/** The core policies an executor is made of. @internal */
export interface ExecutorParts {
  queue: BulkheadPolicy;
  requestsLimiter: RateLimiterPolicy;
  tokensLimiter: RateLimiterPolicy | undefined;
  attempt: AttemptDeps;
}

/**
 * Creates the executor's core policies: the bulkhead `<name>.queue`, the limiters
 * `<name>.requests` / `<name>.tokens` (on `deps.store`, else the resolver's), the retry policy
 * and the breaker; the clock, store and random source default to the resolver's. @internal
 */
export function composeExecutor(name: string, o: NormalizedExecutorOptions, deps: ExecutorDeps): ExecutorParts {
  const resolver = deps.resolver;
  const clock = deps.clock ?? resolver?.clock ?? systemClock;
  const store = deps.store ?? resolver?.store;
  const random = deps.random ?? resolver?.random;
  const lanes = o.plan === undefined ? {} : { lanes: o.lanes, defaultLane: o.defaultLane, laneAgingMs: o.laneAgingMs };
  const policyDeps = store === undefined ? { clock } : { clock, store };
  const queue = BulkheadPolicy.create(
    `${name}.queue`,
    { maxConcurrent: o.concurrencyLimit, maxQueued: o.queueCapacity, ...lanes },
    { clock },
  );
  const limit = { algorithm: o.algorithm, maxWaitMs: o.maxWaitMs, mode: 'wait' as const, ...lanes };
  if (o.safetyMarginMs !== undefined) Object.assign(limit, { safetyMarginMs: o.safetyMarginMs });
  const requestsLimiter = RateLimiterPolicy.create(
    `${name}.requests`,
    { rate: o.requestsRate, periodMs: o.requestsPeriodMs, burst: o.requestsBurst, ...limit },
    policyDeps,
  );
  const tokensLimiter =
    o.apiTokensRate === undefined
      ? undefined
      : RateLimiterPolicy.create(
          `${name}.tokens`,
          { rate: o.apiTokensRate, periodMs: o.apiTokensPeriodMs, burst: o.apiTokensBurst, ...limit },
          policyDeps,
        );
  const attempt: AttemptDeps = {
    clock,
    requests: requestsLimiter.bucketFor(EMPTY),
    tokens: tokensLimiter?.bucketFor(EMPTY),
    maxWaitMs: o.maxWaitMs,
    retry: resolveRetry(name, o.retry, resolver, { clock, random }),
    breaker: resolveBreaker(name, o.circuitBreaker, resolver, policyDeps),
    adaptive: o.adaptive,
    calibration: new TokenCalibration(o.tokenCalibration === 'learn', o.apiTokensBurst),
    maxReservation:
      o.plan === undefined
        ? [o.apiTokensBurst]
        : o.plan.lanes.map((l) => Math.max(1, Math.floor(o.apiTokensBurst * Math.min(l.maxShare, 1 - l.floorShare)))),
    laned: o.plan !== undefined,
    pausedUntil: -Infinity,
    requestStaleMs: requestStaleMs(requestsLimiter),
  };
  return { queue, requestsLimiter, tokensLimiter, attempt };
}

/**
 * How long a request token may wait for the tokens reservation before it is taken again (see
 * `AttemptDeps.requestStaleMs`): a quarter of a sliding window's safety margin, as the Redis
 * window's restamp; never for a token bucket (it counts no admission time).
 */
function requestStaleMs(requests: RateLimiterPolicy): number {
  const o = requests.options;
  return o.algorithm === 'sliding-window' ? Math.max(1, (o.safetyMarginMs ?? 0) / 4) : Infinity;
}

/** The executor's snapshot: the bulkhead's slots and queue by lane, plus the PENDING events. O(lanes). @internal */
export function executorSnapshot(
  name: string,
  running: boolean,
  o: NormalizedExecutorOptions,
  queue: BulkheadPolicy,
  pending: PendingQueue,
  now: number,
): ExecutorSnapshot {
  const b = queue.snapshot() as ReturnType<BulkheadPolicy['snapshot']> & {
    queuedByLane?: Record<string, number>;
    oldestWaitMs?: Record<string, number>;
  };
  const queuedByLane: Record<string, number> = {};
  const oldestWaitMs: Record<string, number> = {};
  o.laneNames.forEach((lane, i) => {
    const key = o.plan === undefined ? 'default' : lane;
    queuedByLane[lane] = (b.queuedByLane?.[key] ?? (i === 0 ? b.queued : 0)) + pending.sizeOf(i);
    const pendingAt = pending.oldestAt(i);
    const queuedWait = b.oldestWaitMs?.[key] ?? 0;
    oldestWaitMs[lane] = pendingAt === undefined ? queuedWait : Math.max(queuedWait, now - pendingAt);
  });
  return {
    name,
    running,
    inFlight: b.inFlight,
    queued: b.queued + pending.size,
    queuedByLane,
    oldestWaitMs,
    concurrencyLimit: o.concurrencyLimit,
    queueCapacity: o.queueCapacity,
  };
}
