import type { TimeoutScope } from '../errors/timeout.error.js';

/** Emitted by `TimeoutPolicy.onTimeout` when a deadline passes (the call then rejects with `TimeoutError`). @publicApi */
export interface TimeoutEvent {
  readonly type: 'timeout';
  /** Name of the timeout policy. */
  readonly policy: string;
  /** `'attempt'` or `'total'`. */
  readonly scope: TimeoutScope;
  /** The deadline that passed, in ms. */
  readonly timeoutMs: number;
}
