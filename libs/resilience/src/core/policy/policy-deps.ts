import type { Clock } from '../clock.js';
import type { ResilienceStore } from '../store/store.js';

/**
 * What a policy runs on: a clock and the store that holds its state. Checked once, when the
 * policy is created (`checkPolicyDeps`), never per call.
 * @publicApi
 */
export interface PolicyDeps {
  /** Time source for waits, deadlines and state. Default: `systemClock`. */
  clock?: Clock;
  /** Where the policy's state lives. Default: the in-process memory store. */
  store?: ResilienceStore;
}
