import { ResilienceConfigError } from '../errors/index.js';
import { normalizeLaneSelector, normalizeLanes } from '../lanes/lanes.normalize.js';
import { normalizeAdmission } from '../options/admission.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { PartitionKeyFn } from '../options/types.js';
import { checkKnownKeys, checkNumber, optionalEnum, optionalFunction, optionalNumber } from '../options/validate.js';
import {
  RATE_LIMITER_DEFAULTS as D,
  type NormalizedRateLimiterOptions,
  type RateLimiterOptions,
} from './rate-limiter.options.js';

const KNOWN = {
  rate: true,
  periodMs: true,
  burst: true,
  tokens: true,
  mode: true,
  maxWaitMs: true,
  partitionKey: true,
  maxPartitions: true,
  algorithm: true,
  safetyMarginMs: true,
  lanes: true,
  defaultLane: true,
  laneAgingMs: true,
  lane: true,
} satisfies Record<keyof RateLimiterOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Applies the defaults ({@link RATE_LIMITER_DEFAULTS}) and validates limiter options once, at
 * configuration time. Throws {@link ResilienceConfigError} naming `path.option` and the bad value.
 * @publicApi
 */
export function normalizeRateLimiterOptions(
  options: RateLimiterOptions,
  path = 'rateLimiter',
): NormalizedRateLimiterOptions {
  if (options === null || typeof options !== 'object')
    throw new ResilienceConfigError(path, options, 'an options object with a rate');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: string) => `${path}.${k}`;
  const rate = checkNumber(p('rate'), options.rate, { min: 0, minExclusive: true });
  const period = optionalNumber(p('periodMs'), options.periodMs, D.periodMs, { min: 0, minExclusive: true });
  const algorithm = optionalEnum(
    p('algorithm'),
    options.algorithm,
    ['token-bucket', 'sliding-window'] as const,
    D.algorithm,
  );
  const window = algorithm === 'sliding-window';
  if (window && options.burst !== undefined && options.burst !== rate) {
    throw new ResilienceConfigError(
      p('burst'),
      options.burst,
      `no burst with algorithm 'sliding-window' (a window admits its rate, ${rate}, at once)`,
    );
  }
  if (!window && options.safetyMarginMs !== undefined) {
    throw new ResilienceConfigError(
      p('safetyMarginMs'),
      options.safetyMarginMs,
      "no safetyMarginMs without algorithm: 'sliding-window'",
    );
  }
  const burst = window
    ? rate
    : optionalNumber(p('burst'), options.burst, Math.max(1, rate), { min: 0, minExclusive: true });
  let tokens: NormalizedRateLimiterOptions['tokens'] = D.tokens;
  if (typeof options.tokens === 'function') tokens = options.tokens;
  else if (options.tokens !== undefined && typeof options.tokens !== 'number') {
    throw new ResilienceConfigError(
      p('tokens'),
      options.tokens,
      'a number > 0 or a function of the call arguments returning one',
    );
  } else if (options.tokens !== undefined)
    tokens = checkNumber(p('tokens'), options.tokens, { min: 0, minExclusive: true });
  if (typeof tokens === 'number' && tokens > burst && window) {
    throw new ResilienceConfigError(p('tokens'), tokens, `a number <= rate (${rate}); a call could never be admitted`);
  }
  if (typeof tokens === 'number' && tokens > burst) {
    throw new ResilienceConfigError(
      p('burst'),
      burst,
      `a number >= tokens per call (${tokens}); a call could never be admitted`,
    );
  }
  const { mode, maxWaitMs } = normalizeAdmission(path, options.mode, options.maxWaitMs);
  const out: NormalizedRateLimiterOptions = {
    rate,
    periodMs: period,
    burst,
    tokens,
    mode,
    maxWaitMs,
    partitionKey: optionalFunction<PartitionKeyFn>(p('partitionKey'), options.partitionKey),
    maxPartitions: optionalNumber(p('maxPartitions'), options.maxPartitions, D.maxPartitions, {
      min: 1,
      integer: true,
    }),
  };
  const lanes = normalizeLanes(path, options);
  if (lanes !== undefined) {
    out.lanes = lanes;
    const lane = normalizeLaneSelector(path, options.lane, lanes);
    if (lane !== undefined) out.lane = lane;
    if (typeof tokens === 'number') checkLaneRoom(path, lanes, burst, tokens);
  } else normalizeLaneSelector(path, options.lane, undefined);
  if (window) {
    out.algorithm = algorithm;
    out.safetyMarginMs = optionalNumber(
      p('safetyMarginMs'),
      options.safetyMarginMs,
      Math.min(D.safetyMarginMaxMs, period * D.safetyMarginRatio),
      {
        min: 0,
      },
    );
  }
  return out;
}

/** A lane whose cap or floor leaves less than one call's tokens could never admit a call. */
function checkLaneRoom(path: string, plan: LanePlan, burst: number, tokens: number): void {
  plan.lanes.forEach((lane, i) => {
    if (burst * lane.maxShare < tokens) {
      throw new ResilienceConfigError(
        `${path}.lanes[${i}].maxShare`,
        lane.maxShare,
        `a share of burst (${burst}) >= tokens per call (${tokens}); a call in lane '${lane.name}' could never be admitted`,
      );
    }
    if (burst * (1 - lane.floorShare) < tokens) {
      throw new ResilienceConfigError(
        `${path}.lanes`,
        plan.lanes.map((l) => l.name),
        `reserves above lane '${lane.name}' that leave at least tokens per call (${tokens}) of burst (${burst})`,
      );
    }
  });
}

/** Checks the numbers of a `settle` call: each finite and >= 0 (`path.settle(<name>)`). @internal */
export function checkSettlement(path: string, reserved: number, actual: number, heldMs: number): void {
  checkAmount(path, 'reserved', reserved);
  checkAmount(path, 'actual', actual);
  checkAmount(path, 'heldMs', heldMs);
}

function checkAmount(path: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new ResilienceConfigError(`${path}.settle(${name})`, v, 'a finite number >= 0');
}
