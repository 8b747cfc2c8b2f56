import type { StateOwner } from './store.js';
import type {
  CircuitState,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';

/**
 * Reports one state change of a breaker backend: builds the `breaker.state` event, appends it to
 * `history` (created on first use, at most `historySize` events, oldest dropped first) and calls `onStateChange`,
 * whose errors are swallowed so that a throwing listener never breaks the state machine.
 * Allocates nothing when `historySize` is 0 and there is no listener. The event carries
 * `partitionKey` only when the owner has one.
 * @returns the history, to keep for the next change and for snapshots
 * @internal
 */
export function recordStateChange(
  history: CircuitStateChange[] | undefined,
  owner: StateOwner,
  options: Pick<NormalizedCircuitBreakerOptions, 'historySize' | 'onStateChange'>,
  from: CircuitState,
  to: CircuitState,
  at: number,
): CircuitStateChange[] | undefined {
  if (options.historySize === 0 && options.onStateChange === undefined) return history;
  const event: CircuitStateChange =
    owner.partitionKey === undefined
      ? { type: 'breaker.state', policy: owner.policy, from, to, at }
      : { type: 'breaker.state', policy: owner.policy, partitionKey: owner.partitionKey, from, to, at };
  if (options.historySize > 0) {
    const h = (history ??= []);
    h.push(event);
    if (h.length > options.historySize) h.shift();
  }
  if (options.onStateChange !== undefined) {
    try {
      options.onStateChange(event);
    } catch {
      // A throwing listener must not break the state machine.
    }
  }
  return history;
}
