import type { CircuitBreakerSnapshot, CircuitState } from './circuit-breaker.options.js';

/**
 * The snapshot of a partitioned breaker as a whole: counters summed over its partitions, its
 * effective `state` (the worst partition), the longest `retryAfterMs` among the partitions in
 * that state, and the last `historySize` state changes of all partitions, oldest first.
 * @internal
 */
export function aggregateSnapshots(
  name: string,
  state: CircuitState,
  manual: { disabled: boolean; forcedOpen: boolean },
  snaps: readonly CircuitBreakerSnapshot[],
  historySize: number,
): CircuitBreakerSnapshot {
  const agg: CircuitBreakerSnapshot = {
    name,
    state,
    disabled: manual.disabled,
    forcedOpen: manual.forcedOpen,
    successes: 0,
    failures: 0,
    rejections: 0,
    failureCount: 0,
    retryAfterMs: 0,
    stateChanges: [],
  };
  for (const s of snaps) {
    agg.successes += s.successes;
    agg.failures += s.failures;
    agg.rejections += s.rejections;
    agg.failureCount += s.failureCount;
    if (s.state === agg.state && s.retryAfterMs > agg.retryAfterMs) agg.retryAfterMs = s.retryAfterMs;
    agg.stateChanges.push(...s.stateChanges);
  }
  agg.stateChanges.sort((a, b) => a.at - b.at);
  agg.stateChanges = agg.stateChanges.slice(-historySize || agg.stateChanges.length);
  if (historySize === 0) agg.stateChanges = [];
  return agg;
}
