import { ResilienceConfigError } from '../errors/index.js';
import { normalizeLaneSelector, normalizeLanes } from '../lanes/lanes.normalize.js';
import { laneLimit } from './bulkhead-lanes.js';
import { checkKnownKeys, checkNumber, optionalNumber } from '../options/validate.js';
import { optionalDuration } from '../timeout/timeout.normalize.js';
import { BULKHEAD_DEFAULTS, type BulkheadOptions, type NormalizedBulkheadOptions } from './bulkhead.options.js';

const KNOWN = {
  maxConcurrent: true,
  maxQueued: true,
  maxWaitMs: true,
  lanes: true,
  defaultLane: true,
  laneAgingMs: true,
  lane: true,
} as const satisfies Record<keyof BulkheadOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Applies defaults and validates bulkhead options once, at configuration time. Throws
 * {@link ResilienceConfigError} naming `path.option` (e.g. `bulkheads.db.maxConcurrent`) and the value.
 * @publicApi
 */
export function normalizeBulkheadOptions(options: BulkheadOptions, path = 'bulkhead'): NormalizedBulkheadOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError(path, options, 'an options object { maxConcurrent, maxQueued?, maxWaitMs? }');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: keyof BulkheadOptions) => `${path}.${k}`;
  const maxConcurrent = checkNumber(p('maxConcurrent'), options.maxConcurrent, { min: 1, integer: true });
  const out: NormalizedBulkheadOptions = {
    maxConcurrent,
    maxQueued: optionalNumber(p('maxQueued'), options.maxQueued, BULKHEAD_DEFAULTS.maxQueued, {
      min: 0,
      integer: true,
      allowInfinity: true,
    }),
    maxWaitMs: optionalDuration(p('maxWaitMs'), options.maxWaitMs, BULKHEAD_DEFAULTS.maxWaitMs),
  };
  const lanes = normalizeLanes(path, options);
  const lane = normalizeLaneSelector(path, options.lane, lanes);
  if (lanes !== undefined) {
    // A lane whose reserved slots above it leave none could never run.
    lanes.lanes.forEach((spec) => {
      if (laneLimit(maxConcurrent, spec.floorShare) < 1)
        throw new ResilienceConfigError(
          p('lanes'),
          lanes.lanes.map((l) => l.name),
          `reserves above lane '${spec.name}' that leave it at least one of maxConcurrent (${maxConcurrent}) slots`,
        );
    });
    out.lanes = lanes;
    if (lane !== undefined) out.lane = lane;
  }
  return out;
}
