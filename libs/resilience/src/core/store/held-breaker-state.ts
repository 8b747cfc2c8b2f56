import type { CircuitState } from '../circuit-breaker/circuit-breaker.options.js';

/**
 * The state of a breaker backend, as handed from one backend to another (`MemoryBreaker.held` /
 * `MemoryBreaker.seed`, `SharedBreakerState.held` / `SharedBreakerState.adopt`).
 * @internal
 */
export interface HeldBreakerState {
  /** The stored state (`open` even once `openUntil` passed: the change to half-open is not reported yet). */
  state: CircuitState;
  /** Clock time of the opening, -1 if never opened. */
  openedAt: number;
  /** Clock time until which an open breaker refuses calls. */
  openUntil: number;
  forced: boolean;
  disabled: boolean;
}
