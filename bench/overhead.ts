/**
 * Sections 1 and 2: per-call overhead (sequential) and throughput at 1,000 calls in flight
 * of a decorated `async () => 1` method, against cockatiel and opossum.
 *
 * Our variants are real decorated methods of a provider created by Nest:
 * `NestFactory.createApplicationContext(BenchModule)` with `ResilienceModule.forRoot({})`, so
 * the registry is the one the module creates and injects (not ResilienceRegistry.create).
 */
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleAll, retry, wrap } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { CircuitBreaker, CircuitBreakerPolicy, RateLimited, ResilienceModule, WithRetry } from 'nest-resilience';
import { fullGc, median, timeConcurrent, timeSequential } from './lib/stats.js';
import type { Variant } from './lib/variant.js';
import { PolicyTarget } from './policies.js';

export type { Variant };

const fn = async (): Promise<number> => 1;

/** The decorated provider. Limits are far from binding (the stack measures pure overhead). */
@Injectable()
export class BenchTarget {
  @WithRetry({ maxRetries: 2 })
  async retried(): Promise<number> {
    return 1;
  }

  @CircuitBreaker({ failureThreshold: 5, recoveryTimeMs: 10_000 })
  async guarded(): Promise<number> {
    return 1;
  }

  @WithRetry({ maxRetries: 2 })
  @CircuitBreaker({ failureThreshold: 5, recoveryTimeMs: 10_000 })
  @RateLimited({ rate: 1e9, periodMs: 1000 })
  async stacked(): Promise<number> {
    return 1;
  }
}

@Module({ imports: [ResilienceModule.forRoot({})], providers: [BenchTarget, PolicyTarget] })
class BenchModule {}

/** Boots the Nest application context and returns the decorated provider (PolicyTarget: `app.get`). */
export async function bootTarget(): Promise<{ target: BenchTarget; app: INestApplicationContext }> {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  return { target: app.get(BenchTarget), app };
}

/** cockatiel retry with 3 attempts in all (`maxAttempts` counts retries: 2 → 3 calls), like `maxRetries: 2`. */
const cockRetry = () => retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
const cockBreaker = () => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });

/** Every variant of sections 1 and 2, keyed by a short id. */
export function overheadVariants(target: BenchTarget): Record<string, Variant> {
  const cr = cockRetry();
  const cb = cockBreaker();
  const cw = wrap(cockRetry(), cockBreaker());
  const oposNoTimeout = new OpossumBreaker(fn, { timeout: false });
  const oposDefault = new OpossumBreaker(fn);
  const core = CircuitBreakerPolicy.create('bench-core', { failureThreshold: 5, recoveryTimeMs: 10_000 });
  return {
    bare: { name: 'bare `await fn()`', call: fn },
    ourRetry: { name: 'nest-resilience @WithRetry', call: () => target.retried() },
    ourBreaker: { name: 'nest-resilience @CircuitBreaker', call: () => target.guarded() },
    ourStack: { name: 'nest-resilience @WithRetry+@CircuitBreaker+@RateLimited', call: () => target.stacked() },
    coreBreaker: { name: 'nest-resilience/core CircuitBreakerPolicy.execute', call: () => core.execute(fn) },
    cockRetry: { name: 'cockatiel retry (3 attempts, exp backoff)', call: () => cr.execute(fn) },
    cockBreaker: { name: 'cockatiel circuitBreaker (Consecutive 5)', call: () => cb.execute(fn) },
    cockWrap: { name: 'cockatiel wrap(retry, breaker)', call: () => cw.execute(fn) },
    opossum: {
      name: 'opossum fire() {timeout:false}',
      call: () => oposNoTimeout.fire(),
      close: () => oposNoTimeout.shutdown(),
    },
    opossumDefault: {
      name: 'opossum fire() default (timeout 10 s)',
      call: () => oposDefault.fire(),
      close: () => oposDefault.shutdown(),
    },
  };
}

/** Median (and min/max) of one measured variant. */
export interface Measured {
  id: string;
  name: string;
  median: number;
  min: number;
  max: number;
  /** One sample per rep, in rep order (for paired ratios). */
  samples: number[];
}

/**
 * Median over reps of `a[r] / b[r]`: both were measured in the same rep, close in time, so
 * the ratio is steadier than the ratio of medians when other processes load the machine.
 */
export function pairedRatio(a: Measured, b: Measured): number {
  return median(a.samples.map((x, r) => x / b.samples[r]!));
}

/**
 * Measures each variant `reps` times, interleaved (variant order rotates every rep), after a
 * warm-up of `warmupRounds` untimed rounds; gc before every measurement.
 */
async function measure(
  variants: Record<string, Variant>,
  ids: readonly string[],
  reps: number,
  warmupRounds: number,
  once: (v: Variant) => Promise<number>,
): Promise<Measured[]> {
  for (const id of ids) for (let w = 0; w < warmupRounds; w++) await once(variants[id]!);
  const samples = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[(k + r) % ids.length]!;
      fullGc();
      samples.get(id)!.push(await once(variants[id]!));
    }
  }
  return ids.map((id) => {
    const s = samples.get(id)!;
    return { id, name: variants[id]!.name, median: median(s), min: Math.min(...s), max: Math.max(...s), samples: s };
  });
}

/** Section 1: ns per sequential call. */
export function measureSequential(
  variants: Record<string, Variant>,
  ids: readonly string[],
  reps: number,
  calls: number,
): Promise<Measured[]> {
  return measure(variants, ids, reps, 3, (v) => timeSequential(v.call, calls));
}

/** Section 2: calls/s with `inFlight` calls in flight. */
export function measureConcurrent(
  variants: Record<string, Variant>,
  ids: readonly string[],
  reps: number,
  inFlight: number,
  perWorker: number,
): Promise<Measured[]> {
  return measure(variants, ids, reps, 3, (v) => timeConcurrent(v.call, inFlight, perWorker));
}
