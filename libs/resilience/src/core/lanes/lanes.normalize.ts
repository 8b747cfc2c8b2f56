import { ResilienceConfigError } from '../errors/index.js';
import { checkName, checkOptionsObject, optionalNumber, startNormalize } from '../options/validate.js';
import { MAX_LANES, type LanePlan, type LaneSpec } from './lane-plan.js';
import type { LaneFn, LaneOptions, PolicyLaneOptions } from './lanes.options.js';

const LANE_KEYS = ['name', 'maxShare', 'reserve'];

/**
 * The normalized `lane` option of a policy: the index of a fixed lane, or the function of the
 * call's arguments naming one. Absent: calls go to the plan's `defaultLane`.
 * @publicApi
 */
export type LaneSelector = number | LaneFn;

/**
 * Validates a policy's `lanes`, `defaultLane` and `laneAgingMs` once, at configuration time, and
 * builds its {@link LanePlan} (`undefined` without `lanes`). Each lane's `floorShare` is the sum
 * of the `reserve` of the lanes above it. Throws {@link ResilienceConfigError} naming the option
 * path under `path` (e.g. `limiters.api.lanes[1].maxShare`, `limiters.api.defaultLane`) and the value.
 * @publicApi
 */
export function normalizeLanes(
  path: string,
  options: Pick<PolicyLaneOptions, 'lanes' | 'defaultLane' | 'laneAgingMs'>,
): LanePlan | undefined {
  const { lanes, defaultLane, laneAgingMs } = options;
  if (lanes === undefined) {
    if (defaultLane !== undefined)
      throw new ResilienceConfigError(`${path}.defaultLane`, defaultLane, 'no defaultLane without lanes');
    if (laneAgingMs !== undefined)
      throw new ResilienceConfigError(`${path}.laneAgingMs`, laneAgingMs, 'no laneAgingMs without lanes');
    return undefined;
  }
  if (!Array.isArray(lanes) || lanes.length === 0 || lanes.length > MAX_LANES) {
    throw new ResilienceConfigError(
      `${path}.lanes`,
      lanes,
      `an array of 1 to ${MAX_LANES} lanes { name, maxShare?, reserve? }, highest first`,
    );
  }
  const specs: LaneSpec[] = [];
  const index = new Map<string, number>();
  let above = 0;
  for (let i = 0; i < lanes.length; i++) {
    const lp = `${path}.lanes[${i}]`;
    const lane: LaneOptions = lanes[i];
    checkOptionsObject(lp, lane, 'a lane { name, maxShare?, reserve? }');
    const p = startNormalize<keyof LaneOptions>(lp, lane, LANE_KEYS);
    const name = checkName(p('name'), lane.name);
    if (index.has(name))
      throw new ResilienceConfigError(p('name'), name, `a lane name not used before in ${path}.lanes`);
    const maxShare = optionalNumber(p('maxShare'), lane.maxShare, 1, { min: 0, minExclusive: true, max: 1 });
    const reserve = optionalNumber(p('reserve'), lane.reserve, 0, { min: 0 });
    if (reserve >= 1 - above) {
      throw new ResilienceConfigError(
        p('reserve'),
        reserve,
        `a number < ${1 - above} (the reserves of all lanes sum to less than 1)`,
      );
    }
    if (reserve > 0 && i === lanes.length - 1) {
      throw new ResilienceConfigError(p('reserve'), reserve, '0 for the lowest lane (no lane below it to keep from)');
    }
    specs.push(Object.freeze({ name, maxShare, floorShare: above }));
    index.set(name, i);
    above += reserve;
  }
  let def = 0;
  if (defaultLane !== undefined) {
    const found = typeof defaultLane === 'string' ? index.get(defaultLane) : undefined;
    if (found === undefined)
      throw new ResilienceConfigError(`${path}.defaultLane`, defaultLane, `one of the lanes: ${known(index)}`);
    def = found;
  }
  const agingMs = optionalNumber(`${path}.laneAgingMs`, laneAgingMs, Infinity, { min: 0, allowInfinity: true });
  return Object.freeze({ lanes: Object.freeze(specs), defaultLane: def, agingMs, index });
}

/**
 * Validates a policy's `lane` option against its plan: a lane name becomes its index, a function
 * is kept. Throws {@link ResilienceConfigError} (`path.lane`) for a `lane` without `lanes`, an
 * unknown name, or a value neither a string nor a function.
 * @publicApi
 */
export function normalizeLaneSelector(
  path: string,
  lane: PolicyLaneOptions['lane'],
  plan: LanePlan | undefined,
): LaneSelector | undefined {
  if (lane === undefined) return undefined;
  if (plan === undefined) throw new ResilienceConfigError(`${path}.lane`, lane, 'no lane without lanes');
  if (typeof lane === 'function') return lane;
  if (typeof lane !== 'string')
    throw new ResilienceConfigError(
      `${path}.lane`,
      lane,
      'a lane name or a function of the call arguments returning one',
    );
  return laneIndex(plan, lane, path);
}

/**
 * The index of lane `name` in `plan`. Throws {@link ResilienceConfigError} naming `path.lane`
 * (`path` is the policy's option path, e.g. `limiters.api`), the value and the known lanes.
 * @publicApi
 */
export function laneIndex(plan: LanePlan, name: unknown, path: string): number {
  const i = typeof name === 'string' ? plan.index.get(name) : undefined;
  if (i === undefined)
    throw new ResilienceConfigError(`${path}.lane`, name, `one of the lanes of ${path}: ${known(plan.index)}`);
  return i;
}

/**
 * The lane of one call, in this order: `lane` (the call's `ExecuteOptions.lane`), else the
 * policy's `selector` (a fixed lane, or its function of `args`), else the plan's `defaultLane`.
 * Without a plan every call is in lane 0 (`lane` is ignored). Throws {@link ResilienceConfigError}
 * for an unknown lane name (see {@link laneIndex}).
 * @publicApi
 */
export function resolveLane(
  plan: LanePlan | undefined,
  selector: LaneSelector | undefined,
  args: readonly unknown[],
  lane: string | undefined,
  path: string,
): number {
  if (plan === undefined) return 0;
  if (lane !== undefined) return laneIndex(plan, lane, path);
  if (selector === undefined) return plan.defaultLane;
  if (typeof selector === 'number') return selector;
  return laneIndex(plan, selector(...args), path);
}

function known(index: ReadonlyMap<string, number>): string {
  return [...index.keys()].map((n) => `'${n}'`).join(', ');
}
