import type { Clock } from '../clock.js';
import { RateLimiterRejectedError } from '../errors/index.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { laneWaitBound, nextLane, nextLaneWait, passesNow } from './bucket-lane-schedule.js';
import { failOversizedLanes, laneOf, replanWaiters } from './bucket-lanes.js';
import { LaneWaitQueue, type LaneWaiter } from './lane-wait-queue.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from './store.js';
import { AdmissionLog, SyncRun, WINDOW_EPS, admissionTime } from './sliding-window-log.js';
import { checkTokens, failOversized } from './token-admission.js';
import { WindowLanes } from './window-lanes.js';

/**
 * Waiters released by one drain at most. The rest of those that fit are released by the next
 * turn of the (one) timer, with a fresh timestamp: the calls released together start their
 * requests one after the other, and this keeps the time each admission is counted from close
 * to when its request is actually sent.
 */
const CHUNK = 16;

/** The limit's name in a `tokens` error. */
const WINDOW_LIMIT = "the window's limit";

/**
 * In-process sliding-window limiter with a FIFO queue: at most `limit` tokens admitted in
 * any window of `windowMs`, even once each request reaches the provider up to
 * `safetyMarginMs` later than it was admitted.
 *
 * - An admission at time t counts in the window until t + windowMs + safetyMarginMs (the
 *   "span"). A caller is admitted when the tokens counted now plus its own are ≤ `limit`.
 *   Hence any interval of length `span` holds at most `limit` admitted tokens; a provider
 *   counting arrivals in windows of `windowMs` sees at most `limit` as long as every request
 *   arrives between d and d + safetyMarginMs after its admission, for some delay d.
 * - The log of admissions is a ring buffer (one entry per millisecond at most, see
 *   {@link AdmissionLog}): O(1) amortized per admission, memory bounded by the window.
 * - Admissions count from about when their requests are sent. Calls are admitted in chunks
 *   of 16 (see `CHUNK`): at most 16 at once in one synchronous run of the caller (its
 *   "tick"); more callers in the same run wait for the next turn of the timer (in reject
 *   mode, `maxWaitMs` < 1, they are admitted at once), and those admitted at once are
 *   re-stamped when the run ends (one microtask per run, not per call): a request made in a
 *   run is sent once the run is over. Waiters that fit are released 16 per timer turn, each
 *   chunk stamped when it goes. Counting an admission from later than it happened is
 *   stricter, never looser.
 * - Same waiting rules as {@link MemoryBucket}: FIFO without barging, a caller whose
 *   admission (counting everyone queued ahead) is beyond `maxWaitMs` fails at once with
 *   `RateLimiterRejectedError` and `retryAfterMs`, aborted waiters leave at once (rejected with
 *   `signal.reason`), one timer for the head of the queue only.
 * - `pauseUntil` admits nobody until then (`resume` ends it early); `refund` takes a
 *   refunded call's tokens off the window (from its oldest admissions: stricter, see
 *   {@link AdmissionLog.credit}).
 * - As a {@link BucketBackend}: `spec()` reports `{ rate: limit, periodMs: windowMs, burst: limit }`
 *   and `setSpec` reads `rate` as the new limit and `periodMs` as the new window (`burst` is
 *   ignored: a window always allows `limit` at once).
 * - `settle`: a refund takes the difference off the oldest counted tokens, and nothing once
 *   the admission left the window (`heldMs` ≥ `windowMs + safetyMarginMs`); an excess is
 *   counted as a new admission now, even past `limit`: later callers wait until it leaves.
 *
 * Lanes (`spec.lanes`, see {@link LanePlan}), with the same ordering and holding-back rules as
 * {@link MemoryBucket} (the window's "level" being `limit` minus the tokens counted): a call of
 * lane l is admitted when the tokens counted plus its own leave at least `floorShare × limit`
 * and, for a lane with `maxShare < 1`, when its lane's own tokens counted in the window plus its
 * own are ≤ `maxShare × limit` (the log keeps a count per lane per entry: memory stays bounded
 * by the window). Lane counts start at 0 when `setSpec` changes the lanes.
 * @publicApi
 */
export class MemorySlidingWindow implements BucketBackend {
  private readonly log = new AdmissionLog();
  private readonly waiters: LaneWaitQueue<LaneWaiter>;
  /** Lane limits; `undefined` without lanes. */
  private lanes: WindowLanes | undefined;
  private limit: number;
  private windowMs: number;
  private readonly margin: number;
  /** windowMs + margin: how long an admission counts. */
  private span: number;
  private pausedUntil = 0;
  /** The current synchronous run's immediate admissions, re-stamped when it ends. */
  private readonly run: SyncRun;

  constructor(
    private readonly owner: StateOwner,
    spec: SlidingWindowSpec,
    private readonly clock: Clock,
  ) {
    this.limit = spec.limit;
    this.windowMs = spec.windowMs;
    this.margin = spec.safetyMarginMs;
    this.span = spec.windowMs + spec.safetyMarginMs;
    this.waiters = new LaneWaitQueue(
      clock,
      spec.lanes,
      () => this.drain(),
      () => this.waiters.retry(),
    );
    this.run = new SyncRun(this.log, () => clock.now());
    this.setLanes(spec.lanes);
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal, lane?: number): Promise<void> | undefined {
    const lanes = this.lanes;
    let l = 0;
    if (lanes === undefined) checkTokens(this.owner, tokens, this.limit, WINDOW_LIMIT);
    else {
      l = laneOf(this.owner, lanes.plan, lane);
      checkTokens(this.owner, tokens, lanes.max[l]!, lanes.limitName(l));
    }
    const now = this.clock.now();
    const log = this.log;
    const q = this.waiters;
    log.expire(now, this.span);
    const fits =
      now >= this.pausedUntil &&
      (lanes === undefined
        ? q.empty && log.sum + tokens <= this.limit + WINDOW_EPS
        : passesNow(lanes, q, this.limit - log.sum, l, tokens, now));
    if (fits && (this.run.count < CHUNK || maxWaitMs < 1)) {
      this.run.begin();
      this.run.count++;
      log.add(now, tokens, l);
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const waitFor = (t: number) => this.waitFor(t, now);
    if (!fits) {
      const wait = lanes === undefined ? waitFor(q.tokens + tokens) : laneWaitBound(lanes, q, l, tokens, now, waitFor);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return new Promise<void>((resolve, reject) => {
      q.push({ tokens, lane: l, enqueuedAt: now, resolve, reject, signal, onAbort: undefined, done: false });
      // Fits: a chunk was admitted in this run already, the next goes with the timer's next turn.
      if (lanes !== undefined) {
        q.armWithin(fits ? 0 : Math.max(1, Math.ceil(nextLaneWait(lanes, q, now, waitFor))), now);
      } else if (!q.armed) {
        if (fits) q.arm(0);
        else q.armForHead(waitFor);
      }
    });
  }

  isIdle(): boolean {
    if (!this.waiters.empty) return false;
    const now = this.clock.now();
    this.log.expire(now, this.span);
    return this.log.size === 0 && now >= this.pausedUntil;
  }

  available(): number {
    this.log.expire(this.clock.now(), this.span);
    return this.limit - this.log.sum - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.limit = spec.rate;
    this.windowMs = spec.periodMs;
    this.span = spec.periodMs + this.margin;
    const from = this.lanes?.plan;
    if (from !== spec.lanes) replanWaiters(this.owner, this.waiters, from, spec.lanes);
    this.setLanes(spec.lanes, from);
    const lanes = this.lanes;
    if (lanes === undefined) failOversized(this.waiters, this.owner, spec.rate, WINDOW_LIMIT);
    else failOversizedLanes(this.owner, this.waiters, lanes);
    this.waiters.retry();
    this.waiters.compact();
  }

  spec(): BucketSpec {
    const spec: BucketSpec = { rate: this.limit, periodMs: this.windowMs, burst: this.limit };
    if (this.lanes !== undefined) spec.lanes = this.lanes.plan;
    return spec;
  }

  pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil || untilMs <= this.clock.now()) return;
    this.pausedUntil = untilMs;
    this.waiters.retry();
  }

  resume(): void {
    const now = this.clock.now();
    if (this.pausedUntil <= now) return;
    this.pausedUntil = now;
    this.waiters.retry();
  }

  refund(tokens: number, lane?: number): void {
    if (!(tokens > 0)) return;
    this.log.credit(tokens, this.lanes?.laneOf(lane) ?? 0);
    this.waiters.retry();
  }

  settle(reserved: number, actual: number, heldMs: number, lane?: number): void {
    const excess = actual - reserved;
    if (excess > 0) {
      // Counted from now, past the limit if need be: later callers wait until it leaves the window.
      const now = this.clock.now();
      this.log.expire(now, this.span);
      this.log.add(now, excess, this.lanes?.laneOf(lane) ?? 0);
    } else if (excess < 0 && heldMs < this.span) {
      this.refund(-excess, lane);
    }
  }

  /** Applies lane plan `plan` (after the limit or span changed too); lane counts restart when the plan changes. */
  private setLanes(plan: LanePlan | undefined, from?: LanePlan): void {
    if (plan !== from) this.log.countLanes(plan === undefined ? 0 : plan.lanes.length);
    this.lanes = plan && new WindowLanes(plan, this.limit, this.log, this.span);
  }

  /** Milliseconds until `needed` tokens (those queued ahead included) fit, counting the pause. */
  private waitFor(needed: number, now: number): number {
    const start = Math.max(now, this.pausedUntil);
    return admissionTime(this.log, this.log.sum + needed, this.limit, this.span, start) - now;
  }

  /** Admits every waiter at the head whose tokens fit (in lane order with lanes), then re-arms the timer. */
  private drain(): void {
    const now = this.clock.now();
    const log = this.log;
    log.expire(now, this.span);
    const q = this.waiters;
    const lanes = this.lanes;
    let released = 0;
    while (now >= this.pausedUntil && !q.empty) {
      let l = 0;
      if (lanes === undefined) {
        if (log.sum + q.peekLane(0)!.tokens > this.limit + WINDOW_EPS) break;
      } else if ((l = nextLane(lanes, q, this.limit - log.sum, now)) < 0) break;
      if (released === CHUNK) {
        // More fit now: the next chunk goes once these calls have started.
        q.arm(0);
        return;
      }
      this.run.begin();
      const w = q.shiftLane(l)!;
      log.add(now, w.tokens, l);
      w.resolve();
      released++;
    }
    q.compact();
    if (q.empty) return;
    const waitFor = (t: number) => this.waitFor(t, now);
    if (lanes === undefined) q.armForHead(waitFor);
    else q.armFor(nextLaneWait(lanes, q, now, waitFor));
  }
}
