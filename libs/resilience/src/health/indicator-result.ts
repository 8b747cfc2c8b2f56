import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ResilienceConfigError } from '../core/errors/index.js';

/**
 * Throws `ResilienceConfigError('health critical', name, 'the name of a <noun>: <known names>')`
 * for the first name in `critical` that is not in `known`.
 * @internal
 */
export function checkCriticalNames(critical: Iterable<string>, known: ReadonlySet<string>, noun: string): void {
  for (const name of critical) {
    if (!known.has(name))
      throw new ResilienceConfigError('health critical', name, `the name of a ${noun}: ${[...known].join(', ')}`);
  }
}

/**
 * An indicator's result under `key`: Terminus' `down(data)` when `down`, else `up(data)`.
 * @internal
 */
export function indicatorResult<Key extends string>(
  indicators: HealthIndicatorService,
  key: Key,
  down: boolean,
  data: Record<string, unknown>,
): HealthIndicatorResult<Key> {
  const session = indicators.check(key);
  return (down ? session.down(data) : session.up(data)) as HealthIndicatorResult<Key>;
}
