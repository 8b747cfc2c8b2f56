import type { StoreErrorPolicy } from '../../core/store/store.js';
import type { StoreLink } from '../store-link.js';

/**
 * Settings of a `RedisBreaker` shared by every breaker of one store (also handed to its
 * script calls and its fail-open fallback, which is why they live in this file of their own).
 */
export interface RedisBreakerDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  /** Closed-state cache lifetime (ms). */
  syncMs: number;
}

/** `{ result, state, remainingMs, epoch, consecutive, forced, disabled, manual }`, see `BREAKER_SCRIPT`. */
export type BreakerReply = [number, number, string, number, number, number, number, number];
