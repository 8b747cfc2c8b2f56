import type { Waiter } from './wait-queue.js';

/**
 * A {@link Waiter} of a {@link LaneWaitQueue}: its lane index (0 = highest) and when it queued
 * (clock ms, for aging). @internal
 */
export interface LaneWaiter extends Waiter {
  readonly lane: number;
  readonly enqueuedAt: number;
}

/**
 * True when waiter `a` goes before waiter `b` as of `now` (see {@link LanePlan}): a waiter that
 * has waited `agingMs` or more is "aged" and goes first, the one that queued first among aged
 * ones (ties: the higher lane); then the higher lane; then the one that queued first.
 * @internal
 */
export function laneBefore(a: LaneWaiter, b: LaneWaiter, now: number, agingMs: number): boolean {
  const agedA = now - a.enqueuedAt >= agingMs;
  const agedB = now - b.enqueuedAt >= agingMs;
  if (agedA !== agedB) return agedA;
  if (agedA && a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  if (a.lane !== b.lane) return a.lane < b.lane;
  return a.enqueuedAt < b.enqueuedAt;
}

/**
 * Up to `max` waiters of the lane FIFOs (`items` from `head`, each in admission order) merged
 * in admission order as of `now`. O(max × lanes).
 * @internal
 */
export function mergeLanes<W extends LaneWaiter>(
  fifos: ReadonlyArray<{ readonly items: readonly W[]; readonly head: number }>,
  max: number,
  now: number,
  agingMs: number,
): W[] {
  const cursors = fifos.map((f) => f.head);
  const out: W[] = [];
  while (out.length < max) {
    let best: W | undefined;
    let bestLane = -1;
    for (let lane = 0; lane < fifos.length; lane++) {
      const w = fifos[lane]!.items[cursors[lane]!];
      if (w !== undefined && (best === undefined || laneBefore(w, best, now, agingMs))) {
        best = w;
        bestLane = lane;
      }
    }
    if (best === undefined) break;
    out.push(best);
    cursors[bestLane]!++;
  }
  return out;
}
