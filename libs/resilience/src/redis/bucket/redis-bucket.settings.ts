import type { StoreErrorPolicy } from '../../core/store/store.js';
import type { StoreLink } from '../store-link.js';

/** Waiters admitted by one script call of a {@link RedisBucket} at most (one round trip admits a FIFO prefix). */
export const BATCH = 16;

/** Settings of a {@link RedisBucket} shared by every bucket of one store. */
export interface RedisBucketDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
}
