/**
 * Most admissions certainly inside one window of `w` ms. Each admission is known to lie in
 * `[lo, hi]`, so this never counts one that happened outside the window: a process slow to
 * record an admission cannot fake a violation, and a real one still shows. `pad` ms on each
 * side absorbs clock rounding. O(n²) in the worst case: for test-sized runs only.
 * @internal
 */
export function maxSurelyInWindow(intervals: ReadonlyArray<readonly [number, number]>, w: number, pad = 1): number {
  const sorted = intervals.map(([lo, hi]) => [lo - pad, hi + pad] as const).sort((a, b) => a[0] - b[0]);
  let best = 0;
  for (let j = 0; j < sorted.length; j++) {
    const end = sorted[j]![0] + w;
    let n = 0;
    for (let i = j; i < sorted.length && sorted[i]![0] <= end; i++) if (sorted[i]![1] <= end) n++;
    best = Math.max(best, n);
  }
  return best;
}

/** The token-bucket bound: tokens admitted in any window of `w` ms. @internal */
export function bucketBound(w: number, l: { rate: number; periodMs: number; burst: number }): number {
  return Math.floor(l.burst + (l.rate * w) / l.periodMs + 1e-9);
}
