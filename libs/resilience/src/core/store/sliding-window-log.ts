/** Float slack when comparing token counts. */
export const WINDOW_EPS = 1e-9;

/** Capacity a log starts with, and returns to once empty. */
const INITIAL = 16;

/**
 * The admissions of one sliding window, oldest first, in a growable ring buffer.
 *
 * - Each entry is (time, cumulative tokens admitted up to and including it); the live tokens
 *   are `total - base`, where `base` is the cumulative count of everything expired or
 *   credited. Adding, expiring and crediting are O(1) amortized; finding the entry holding a
 *   given token is a binary search.
 * - Entry times are rounded UP to the next whole millisecond, and admissions within one
 *   millisecond share an entry. Rounding up only makes an admission count for longer (at
 *   most 1 ms: stricter, never looser), and bounds the log at one entry per millisecond of
 *   the span (and at one per admission): it never grows past what the window holds.
 * - With `lanes` > 0, each entry also holds the cumulative tokens of every lane (one more
 *   array of `lanes` values per entry), for {@link laneSum}: a lane's cap. A lane credit takes
 *   off that lane's oldest tokens; tokens of entries dropped by a global credit count for their
 *   lane until the next entry expires (stricter, never looser).
 * @internal
 */
export class AdmissionLog {
  private times = new Float64Array(INITIAL);
  private cums = new Float64Array(INITIAL);
  private head = 0;
  private count = 0;
  /** Tokens ever admitted (cumulative). */
  private total = 0;
  /** Cumulative tokens expired or credited. */
  private base = 0;
  /** Lanes counted apart (0: none). */
  private lanes = 0;
  /** Per entry, the cumulative tokens of each lane (`laneCums[i × lanes + l]`). */
  private laneCums = new Float64Array(0);
  private laneTotal = new Float64Array(0);
  private laneBase = new Float64Array(0);

  /** Counts `n` lanes apart from now on (0: none); every lane's count starts at 0. */
  countLanes(n: number): void {
    this.lanes = n;
    this.laneCums = new Float64Array(this.times.length * n);
    this.laneTotal = new Float64Array(n);
    this.laneBase = new Float64Array(n);
  }

  /** Tokens of lane `l` counted in the window now (0 without lane counting). */
  laneSum(l: number): number {
    return l < this.lanes ? this.laneTotal[l]! - this.laneBase[l]! : 0;
  }

  /** Tokens counted in the window now. */
  get sum(): number {
    return this.total - this.base;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** Tokens ever admitted: marks a point in the log for {@link restamp}. */
  get mark(): number {
    return this.total;
  }

  /** Drops entries whose time + `span` is at or before `now`. */
  expire(now: number, span: number): void {
    const cap = this.times.length;
    while (this.count > 0 && this.times[this.head]! + span <= now) {
      this.base = this.cums[this.head]!;
      for (let l = 0; l < this.lanes; l++) {
        const c = this.laneCums[this.head * this.lanes + l]!;
        if (c > this.laneBase[l]!) this.laneBase[l] = c;
      }
      this.head = (this.head + 1) % cap;
      this.count--;
    }
    if (this.count === 0) this.clear();
  }

  /** Records `tokens` admitted at `now` (in lane `lane`, when lanes are counted). */
  add(now: number, tokens: number, lane = 0): void {
    const t = Math.ceil(now);
    this.total += tokens;
    if (lane >= 0 && lane < this.lanes) this.laneTotal[lane]! += tokens;
    const cap = this.times.length;
    if (this.count > 0) {
      const tail = (this.head + this.count - 1) % cap;
      if (this.times[tail]! >= t) {
        this.cums[tail] = this.total;
        this.stampLanes(tail);
        return;
      }
    }
    if (this.count === cap) this.grow();
    const i = (this.head + this.count) % this.times.length;
    this.times[i] = t;
    this.cums[i] = this.total;
    this.stampLanes(i);
    this.count++;
  }

  /**
   * Moves every admission after `mark` (a past {@link mark}) to `now`: they count from then.
   * Counting an admission from later than it happened is stricter, never looser (tokens of
   * the same millisecond just before `mark` may move with them).
   */
  restamp(mark: number, now: number): void {
    const cap = this.times.length;
    let moved = false;
    while (this.count > 0 && this.cums[(this.head + this.count - 1) % cap]! > mark + WINDOW_EPS) {
      this.count--;
      moved = true;
    }
    if (!moved) return;
    const t = Math.ceil(now);
    if (this.count > 0 && this.times[(this.head + this.count - 1) % cap]! >= t) {
      this.cums[(this.head + this.count - 1) % cap] = this.total;
      this.stampLanes((this.head + this.count - 1) % cap);
      return;
    }
    const i = (this.head + this.count) % cap;
    this.times[i] = t;
    this.cums[i] = this.total;
    this.stampLanes(i);
    this.count++;
  }

  /**
   * Takes `tokens` off the window, from the OLDEST entries (a refund). Removing an older
   * admission than the refunded one only counts some admission for longer than it really
   * occupies the window: stricter, never looser, as long as the refunded one is still in it.
   * With lanes counted, `lane`'s count loses them too (from its own oldest tokens).
   */
  credit(tokens: number, lane = 0): void {
    if (lane >= 0 && lane < this.lanes)
      this.laneBase[lane] = Math.min(this.laneTotal[lane]!, this.laneBase[lane]! + tokens);
    this.base = Math.min(this.total, this.base + tokens);
    const cap = this.times.length;
    while (this.count > 0 && this.cums[this.head]! <= this.base + WINDOW_EPS) {
      this.head = (this.head + 1) % cap;
      this.count--;
    }
    if (this.count === 0) this.clear();
  }

  /**
   * Time of the entry holding the live token at position `p` (1 = oldest live token);
   * `-Infinity` for `p <= 0` (no such token: nothing to wait for).
   */
  timeOfToken(p: number): number {
    if (p <= WINDOW_EPS || this.count === 0) return -Infinity;
    const target = this.base + p - WINDOW_EPS;
    const cap = this.times.length;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cums[(this.head + mid) % cap]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.times[(this.head + lo) % cap]!;
  }

  /**
   * Time of the entry holding the live token of lane `l` at position `p` (1 = its oldest);
   * `-Infinity` for `p <= 0`.
   */
  timeOfLaneToken(l: number, p: number): number {
    if (p <= WINDOW_EPS || this.count === 0 || l >= this.lanes) return -Infinity;
    const target = this.laneBase[l]! + p - WINDOW_EPS;
    const cap = this.times.length;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.laneCums[((this.head + mid) % cap) * this.lanes + l]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.times[(this.head + lo) % cap]!;
  }

  /** Time of the newest entry (`-Infinity` when empty). */
  newest(): number {
    return this.count === 0 ? -Infinity : this.times[(this.head + this.count - 1) % this.times.length]!;
  }

  private clear(): void {
    this.head = 0;
    this.count = 0;
    this.base = this.total;
    this.laneBase.set(this.laneTotal);
    if (this.times.length > 1024) {
      this.times = new Float64Array(INITIAL);
      this.cums = new Float64Array(INITIAL);
      this.laneCums = new Float64Array(INITIAL * this.lanes);
    }
  }

  /** Writes the lane totals into entry `i`. */
  private stampLanes(i: number): void {
    if (this.lanes > 0) this.laneCums.set(this.laneTotal, i * this.lanes);
  }

  private grow(): void {
    const cap = this.times.length;
    const n = this.lanes;
    const times = new Float64Array(cap * 2);
    const cums = new Float64Array(cap * 2);
    const laneCums = new Float64Array(cap * 2 * n);
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % cap;
      times[k] = this.times[from]!;
      cums[k] = this.cums[from]!;
      if (n > 0) laneCums.set(this.laneCums.subarray(from * n, from * n + n), k * n);
    }
    this.times = times;
    this.cums = cums;
    this.laneCums = laneCums;
    this.head = 0;
  }
}

/**
 * When the caller whose tokens end at position `k` of the sequence "live tokens of the log,
 * then the tokens queued" (its own included) can be admitted: the token `limit` places
 * before its last one must have left the window. Tokens queued ahead are admitted at their
 * own turn, one `span` after the tokens they in turn wait for.
 * @param start earliest admission (now, or the end of a pause)
 * @internal
 */
export function admissionTime(log: AdmissionLog, k: number, limit: number, span: number, start: number): number {
  const sum = log.sum;
  if (k - limit <= WINDOW_EPS) return start;
  // Smallest j >= 1 with k - j × limit within the log.
  const j = Math.max(1, Math.ceil((k - sum - WINDOW_EPS) / limit));
  const released = log.timeOfToken(k - j * limit) + span;
  return Math.max(start, released) + (j - 1) * span;
}

/**
 * The immediate admissions of one synchronous run of callers: {@link begin} opens the run (once)
 * and, when it ends (a microtask later), its admissions are re-stamped to that moment, since
 * requests made in a run cannot leave before it ends. Stricter, never looser. @internal
 */
export class SyncRun {
  /** Immediate admissions counted in the current run (the owner increments it). */
  count = 0;
  private open = false;
  private mark = 0;
  private readonly close = () => {
    this.open = false;
    this.count = 0;
    this.log.restamp(this.mark, this.now());
  };

  constructor(
    private readonly log: AdmissionLog,
    private readonly now: () => number,
  ) {}

  /** Opens the run if none is open. */
  begin(): void {
    if (this.open) return;
    this.open = true;
    this.mark = this.log.mark;
    queueMicrotask(this.close);
  }
}
