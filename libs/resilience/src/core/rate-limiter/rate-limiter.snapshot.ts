import type { PartitionMap } from '../store/partitions.js';
import type { BucketBackend, BucketSpec } from '../store/store.js';

/** State of a limiter (or one partition). @publicApi */
export interface RateLimiterSnapshot {
  name: string;
  partitionKey?: string;
  rate: number;
  periodMs: number;
  burst: number;
  /** Tokens available now, minus those waiting callers queued for (negative while they wait). */
  available: number;
  /** Callers waiting. */
  waiting: number;
  /** Live partitions (partitioned limiters, aggregate snapshot only). */
  partitions?: number;
}

/**
 * The snapshot of limiter `name` (limits `current`): of its one bucket `single`, else of the
 * partition `partitionKey` of `partitions` (a partition not live: full and idle), else the
 * aggregate of all partitions. @internal
 */
export function limiterSnapshot(
  name: string,
  current: BucketSpec,
  single: BucketBackend | undefined,
  partitions: PartitionMap<BucketBackend> | undefined,
  partitionKey: string | undefined,
): RateLimiterSnapshot {
  const spec = limits(current);
  if (single !== undefined) return describe(name, single, undefined);
  if (partitionKey !== undefined) {
    const b = partitions!.peek(partitionKey);
    return b ? describe(name, b, partitionKey) : { name, partitionKey, ...spec, available: spec.burst, waiting: 0 };
  }
  let waiting = 0;
  partitions!.forEach((b) => (waiting += b.waiting()));
  return { name, ...spec, available: spec.burst, waiting, partitions: partitions!.size };
}

/** The snapshot of limiter `name`'s bucket `b` (of partition `partitionKey`, if any). */
function describe(name: string, b: BucketBackend, partitionKey: string | undefined): RateLimiterSnapshot {
  const snap: RateLimiterSnapshot = {
    name,
    ...limits(b.spec()),
    available: b.available(),
    waiting: b.waiting(),
  };
  if (partitionKey !== undefined) snap.partitionKey = partitionKey;
  return snap;
}

/** The limits of a spec, without its lane plan (a snapshot is plain data). */
function limits(spec: BucketSpec): { rate: number; periodMs: number; burst: number } {
  return { rate: spec.rate, periodMs: spec.periodMs, burst: spec.burst };
}
