import { VirtualClock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { BucketBackend } from './store.js';

/**
 * A lane plan for specs: `[name, maxShare, reserve]` per lane, highest first; `floorShare` is
 * the sum of `reserve` of the lanes above (as `normalizeLanes` computes it). @internal
 */
export function lanePlan(lanes: Array<[string, number?, number?]>, agingMs = Infinity, defaultLane = 0): LanePlan {
  let floor = 0;
  const specs = lanes.map(([name, maxShare = 1, reserve = 0]) => {
    const spec = { name, maxShare, floorShare: floor };
    floor += reserve;
    return spec;
  });
  return { lanes: specs, defaultLane, agingMs, index: new Map(specs.map((l, i) => [l.name, i])) };
}

/** The largest sum of `amount` over events whose times fall in any window [t, t + windowMs). @internal */
export function maxInWindow(events: ReadonlyArray<{ at: number; amount: number }>, windowMs: number): number {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (const e of sorted) {
    sum += e.amount;
    while (sorted[lo]!.at <= e.at - windowMs) sum -= sorted[lo++]!.amount;
    if (sum > best) best = sum;
  }
  return best;
}

/**
 * One caller after the other (each settles before the next acquires): `calls` calls, each
 * reserving 1 token in a random lane of `lanes` and using 1–4 ("low estimates"), with random
 * idle gaps of up to `maxGapMs`. Resolves with the actual tokens by time and the largest excess.
 * Drive it with `clock.runAll()`. @internal
 */
export async function lowEstimateCaller(
  backend: BucketBackend,
  clock: VirtualClock,
  rand: () => number,
  lanes: number,
  calls: number,
  maxGapMs: number,
): Promise<{ actual: Array<{ at: number; amount: number }>; largestExcess: number }> {
  const actual: Array<{ at: number; amount: number }> = [];
  let largestExcess = 0;
  for (let i = 0; i < calls; i++) {
    const lane = Math.floor(rand() * lanes);
    const used = 1 + Math.floor(rand() * 4);
    largestExcess = Math.max(largestExcess, used - 1);
    await backend.acquire(1, Infinity, undefined, lane);
    actual.push({ at: clock.now(), amount: used });
    backend.settle(1, used, 0, lane);
    const gap = Math.floor(rand() * maxGapMs);
    if (gap > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, gap));
  }
  return { actual, largestExcess };
}

/** A fresh virtual clock and its start time (`({ clock, T0 } = virtualStart())` in a spec's `beforeEach`). @internal */
export function virtualStart(): { clock: VirtualClock; T0: number } {
  const clock = new VirtualClock();
  return { clock, T0: clock.now() };
}

/** The plans of the low-estimate runs: no lanes, and interactive (reserve 0.2) above batch (cap 0.5). @internal */
export const LOW_ESTIMATE_PLANS: ReadonlyArray<LanePlan | undefined> = [
  undefined,
  lanePlan([
    ['interactive', 1, 0.2],
    ['batch', 0.5],
  ]),
];
