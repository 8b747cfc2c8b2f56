import type { PartitionKeyFn } from '../types.js';

/**
 * Token-bucket rate limiter options: `rate` tokens per `period` ms, bucket size `burst`.
 * In any window of length W, admitted tokens ≤ `burst + rate × W / period`.
 * @publicApi
 */
export interface RateLimiterOptions {
  /** Tokens added per period. Required. */
  rate: number;
  /** Period in ms. Default 1000. */
  period?: number;
  /** Bucket size (tokens that can be spent at once). Default `rate`. */
  burst?: number;
  /** Tokens one call takes: a number, or a function of the method's arguments. Default 1. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tokens?: number | ((...args: any[]) => number);
  /** `wait` (queue FIFO, up to `maxWaitMs`) or `reject` (fail at once). Default `wait`. */
  mode?: 'wait' | 'reject';
  /** Longest wait in `wait` mode, ms; a caller that cannot be admitted in time fails at once. Default 30000. */
  maxWaitMs?: number;
  /** One bucket per key derived from the call's arguments (user, tenant, ...). */
  partitionKey?: PartitionKeyFn;
  /** Most partitions kept; idle (full, no waiters) buckets are evicted first. Default 10000. */
  maxPartitions?: number;
}

/** Options after defaults and validation. */
export interface NormalizedRateLimiterOptions {
  rate: number;
  period: number;
  burst: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tokens: number | ((...args: any[]) => number);
  mode: 'wait' | 'reject';
  /** 0 in reject mode. */
  maxWaitMs: number;
  partitionKey?: PartitionKeyFn;
  maxPartitions: number;
}
