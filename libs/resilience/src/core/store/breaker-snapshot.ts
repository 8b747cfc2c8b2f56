import type { StateOwner } from './store.js';
import type {
  CircuitBreakerSnapshot,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';
import type { OutcomeWindow } from './outcome-window.js';

/**
 * What a breaker backend knows for a {@link CircuitBreakerSnapshot}, besides its owner and options.
 * @internal
 */
export interface BreakerSnapshotInput extends Pick<
  CircuitBreakerSnapshot,
  'state' | 'disabled' | 'forcedOpen' | 'successes' | 'failures' | 'rejections' | 'retryAfterMs'
> {
  /** Consecutive failures (reported in consecutive mode). */
  consecutive: number;
  /** Clock time the breaker last opened, or -1 if it never did. */
  openedAt: number;
  /** The rate-mode outcome window, if one was allocated. */
  window: OutcomeWindow | undefined;
  /** The state-change history, if one was started (copied into the snapshot). */
  history: readonly CircuitStateChange[] | undefined;
}

/**
 * The snapshot of one breaker backend (in-memory or shared): `failureCount` from the mode,
 * the window's rates in rate mode (`slowCallRate` only when slow calls are tracked),
 * `partitionKey` only when defined, `openedAt` only while not closed. `now` dates the window reads.
 * @internal
 */
export function breakerSnapshot(
  owner: StateOwner,
  options: NormalizedCircuitBreakerOptions,
  input: BreakerSnapshotInput,
  now: number,
): CircuitBreakerSnapshot {
  const { state, window: w } = input;
  const snap: CircuitBreakerSnapshot = {
    name: owner.policy,
    state,
    disabled: input.disabled,
    forcedOpen: input.forcedOpen,
    successes: input.successes,
    failures: input.failures,
    rejections: input.rejections,
    failureCount: options.mode === 'consecutive' ? input.consecutive : (w?.failures(now) ?? 0),
    retryAfterMs: input.retryAfterMs,
    stateChanges: input.history ? input.history.slice() : [],
  };
  if (owner.partitionKey !== undefined) snap.partitionKey = owner.partitionKey;
  if (options.mode === 'rate') {
    snap.failureRate = w?.failureRate(now) ?? 0;
    if (options.slowCallDurationMs !== Infinity) snap.slowCallRate = w?.slowRate(now) ?? 0;
  }
  if (input.openedAt >= 0 && state !== 'closed') snap.openedAt = input.openedAt;
  return snap;
}
