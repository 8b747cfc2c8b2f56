/**
 * Variants of sections 1 and 2 for the timeout and bulkhead policies and for events: `@Timeout`
 * against cockatiel `timeout(…)`, `@Bulkhead` against cockatiel `bulkhead(n, q)` and p-limit, and
 * the three-decorator stack with one event listener against the same stack with none.
 *
 * Like overhead.ts, our variants are decorated methods of a provider created by Nest
 * (`NestFactory.createApplicationContext` with `ResilienceModule.forRoot({})`).
 */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { bulkhead, timeout, TimeoutStrategy } from 'cockatiel';
import pLimit from 'p-limit';
import {
  Bulkhead,
  BulkheadPolicy,
  CircuitBreaker,
  CircuitBreakerService,
  RateLimited,
  Timeout,
  TimeoutPolicy,
  WithRetry,
} from 'nest-resilience';
import type { Variant } from './lib/variant.js';

/** Deadline of every timeout variant: never reached (the method resolves at once). */
export const TIMEOUT_MS = 10_000;
/** Bulkhead slots and queue: binding at 1,000 in flight (900 wait), never binding sequentially. */
export const BULKHEAD_SLOTS = 100;
export const BULKHEAD_QUEUE = 1000;
/** Name of the breaker of the observed stack (the one that gets a listener). */
const OBSERVED = 'bench-observed';

const fn = async (): Promise<number> => 1;

/** The decorated provider of these variants. */
@Injectable()
export class PolicyTarget {
  @Timeout({ timeoutMs: TIMEOUT_MS })
  async timed(): Promise<number> {
    return 1;
  }

  @Bulkhead({ maxConcurrent: BULKHEAD_SLOTS, maxQueued: BULKHEAD_QUEUE })
  async bulkheaded(): Promise<number> {
    return 1;
  }

  /** Same stack as `BenchTarget.stacked`; its breaker gets one `onSuccess` listener. */
  @WithRetry({ maxRetries: 2 })
  @CircuitBreaker({ name: OBSERVED, failureThreshold: 5, recoveryTimeMs: 10_000 })
  @RateLimited({ rate: 1e9, periodMs: 1000 })
  async observed(): Promise<number> {
    return 1;
  }
}

/** The variants, and how many events the one listener has seen (to show it ran). */
export async function policyVariants(
  app: INestApplicationContext,
): Promise<{ variants: Record<string, Variant>; eventsSeen: () => number }> {
  const target = app.get(PolicyTarget);
  await target.observed(); // the decorator's policies exist once the method ran
  let seen = 0;
  app
    .get(CircuitBreakerService)
    .get(OBSERVED)
    .onSuccess(() => {
      seen++;
    });
  const coreTimeout = TimeoutPolicy.create('bench-core-timeout', { timeoutMs: TIMEOUT_MS });
  const coreBulkhead = BulkheadPolicy.create('bench-core-bulkhead', {
    maxConcurrent: BULKHEAD_SLOTS,
    maxQueued: BULKHEAD_QUEUE,
  });
  const cockCoop = timeout(TIMEOUT_MS, TimeoutStrategy.Cooperative);
  const cockAggr = timeout(TIMEOUT_MS, TimeoutStrategy.Aggressive);
  const cockBulk = bulkhead(BULKHEAD_SLOTS, BULKHEAD_QUEUE);
  const limit = pLimit(BULKHEAD_SLOTS);
  const variants: Record<string, Variant> = {
    ourTimeout: { name: `nest-resilience @Timeout (${TIMEOUT_MS} ms)`, call: () => target.timed() },
    coreTimeout: { name: 'nest-resilience/core TimeoutPolicy.execute', call: () => coreTimeout.execute(fn) },
    cockTimeout: { name: 'cockatiel timeout (Cooperative)', call: () => cockCoop.execute(fn) },
    cockTimeoutAggressive: { name: 'cockatiel timeout (Aggressive)', call: () => cockAggr.execute(fn) },
    ourBulkhead: {
      name: `nest-resilience @Bulkhead (${BULKHEAD_SLOTS} slots, queue ${BULKHEAD_QUEUE})`,
      call: () => target.bulkheaded(),
    },
    coreBulkhead: { name: 'nest-resilience/core BulkheadPolicy.execute', call: () => coreBulkhead.execute(fn) },
    cockBulkhead: {
      name: `cockatiel bulkhead(${BULKHEAD_SLOTS}, ${BULKHEAD_QUEUE})`,
      call: () => cockBulk.execute(fn),
    },
    pLimit: { name: `p-limit(${BULKHEAD_SLOTS})`, call: () => limit(fn) },
    ourStackListened: {
      name: 'nest-resilience stack, one onSuccess listener on its breaker',
      call: () => target.observed(),
    },
  };
  return { variants, eventsSeen: () => seen };
}
