// The sliding window's promise at the upstream, checked as documented (docs/policies/rate-limiter.md,
// "The guarantee"): the provider sees at most `rate` in any window of `periodMs` as long as no
// request in it reached the provider more than `safetyMarginMs` later (after its admission) than
// another one did. Windows whose requests' delays spread wider than that are outside the promise:
// they are counted and reported, not checked against the bound.

/** What {@link maxInSteadyWindow} found. */
export interface SteadyWindows {
  /** Most arrivals in one closed window `[t, t + w]` whose delays spread at most `maxSpreadMs`. */
  max: number;
  /** Where that window starts (NaN: none). */
  at: number;
  /** Windows (one per arrival it starts at) left out for a wider spread. */
  excluded: number;
  /** Of all windows: the widest spread of delays seen (ms), and the most arrivals in a window. */
  widestSpreadMs: number;
  maxAny: number;
}

/**
 * Windows `[t, t + w]` starting at each arrival; `delays[i]` is arrival `i`'s delay (arrival −
 * admission, or its best known stand-in). O(n log n) for the sort, then O(n): two pointers and
 * monotonic deques for the smallest and largest delay in the window.
 */
export function maxInSteadyWindow(
  arrivals: ArrayLike<number>,
  delays: ArrayLike<number>,
  w: number,
  maxSpreadMs: number,
): SteadyWindows {
  const order = Array.from({ length: arrivals.length }, (_, i) => i).sort((a, b) => arrivals[a]! - arrivals[b]!);
  const at = order.map((i) => arrivals[i]!);
  const delay = order.map((i) => delays[i]!);
  const lows: number[] = [];
  const highs: number[] = [];
  let lowHead = 0;
  let highHead = 0;
  const result: SteadyWindows = { max: 0, at: NaN, excluded: 0, widestSpreadMs: 0, maxAny: 0 };
  for (let i = 0, j = 0; i < at.length; i++) {
    while (j < at.length && at[j]! <= at[i]! + w) {
      while (lows.length > lowHead && delay[lows[lows.length - 1]!]! >= delay[j]!) lows.pop();
      lows.push(j);
      while (highs.length > highHead && delay[highs[highs.length - 1]!]! <= delay[j]!) highs.pop();
      highs.push(j);
      j++;
    }
    while (lows[lowHead]! < i) lowHead++;
    while (highs[highHead]! < i) highHead++;
    const count = j - i;
    const spread = delay[highs[highHead]!]! - delay[lows[lowHead]!]!;
    result.maxAny = Math.max(result.maxAny, count);
    result.widestSpreadMs = Math.max(result.widestSpreadMs, spread);
    if (spread > maxSpreadMs) result.excluded++;
    else if (count > result.max) {
      result.max = count;
      result.at = at[i]!;
    }
  }
  result.widestSpreadMs = Math.round(result.widestSpreadMs * 10) / 10;
  return result;
}
