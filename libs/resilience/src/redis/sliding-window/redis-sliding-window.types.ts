import type { StoreErrorPolicy } from '../../core/store/store.js';
import type { StoreLink } from '../store-link.js';

/**
 * Settings of a `RedisSlidingWindow` shared by every limiter of one store (also handed to its
 * queue and script calls, which is why they live in this file of their own).
 */
export interface RedisSlidingWindowDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
}

/**
 * The window one `RedisSlidingWindow` enforces now, shared with its script calls (`setSpec`
 * changes `limit` and `windowMs` in place).
 * @internal
 */
export interface WindowLimits {
  limit: number;
  windowMs: number;
  /** `safetyMarginMs`: an admission counts for `windowMs + marginMs`. */
  readonly marginMs: number;
}

/** `{ admitted, waitMs, counted, entry }`, see `SLIDING_WINDOW_SCRIPT`. @internal */
export type SlidingWindowReply = [number, string, string, number];
