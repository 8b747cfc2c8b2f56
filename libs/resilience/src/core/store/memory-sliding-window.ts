import type { Clock } from '../clock.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from './store.js';
import { AdmissionLog, SyncRun, WINDOW_EPS, admissionTime } from './sliding-window-log.js';
import { checkTokens, failOversized, queueOrReject } from './token-admission.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

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
 * @publicApi
 */
export class MemorySlidingWindow implements BucketBackend {
  private readonly log = new AdmissionLog();
  private readonly waiters: WaitQueue<Waiter>;
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
    this.waiters = new WaitQueue(
      clock,
      () => this.drain(),
      () => this.waiters.retry(),
    );
    this.run = new SyncRun(this.log, () => clock.now());
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    checkTokens(this.owner, tokens, this.limit, WINDOW_LIMIT);
    const now = this.clock.now();
    const log = this.log;
    log.expire(now, this.span);
    const fits = this.waiters.empty && now >= this.pausedUntil && log.sum + tokens <= this.limit + WINDOW_EPS;
    if (fits && (this.run.count < CHUNK || maxWaitMs < 1)) {
      this.run.begin();
      this.run.count++;
      log.add(now, tokens);
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (fits) {
      // A chunk was admitted in this run already: the next goes with the timer's next turn.
      return new Promise<void>((resolve, reject) => {
        this.waiters.push({ tokens, resolve, reject, signal, onAbort: undefined, done: false });
        if (!this.waiters.armed) this.waiters.arm(0);
      });
    }
    return queueOrReject(this.waiters, this.owner, tokens, maxWaitMs, signal, (t) => this.waitFor(t, now));
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
    failOversized(this.waiters, this.owner, spec.rate, WINDOW_LIMIT);
    this.waiters.retry();
    this.waiters.compact();
  }

  spec(): BucketSpec {
    return { rate: this.limit, periodMs: this.windowMs, burst: this.limit };
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

  refund(tokens: number): void {
    if (!(tokens > 0)) return;
    this.log.credit(tokens);
    this.waiters.retry();
  }

  /** Milliseconds until `needed` tokens (those queued ahead included) fit, counting the pause. */
  private waitFor(needed: number, now: number): number {
    const start = Math.max(now, this.pausedUntil);
    return admissionTime(this.log, this.log.sum + needed, this.limit, this.span, start) - now;
  }

  /** Admits every waiter at the head whose tokens fit, then re-arms the timer. */
  private drain(): void {
    const now = this.clock.now();
    const log = this.log;
    log.expire(now, this.span);
    const q = this.waiters;
    let released = 0;
    for (let w = q.peek(); w !== undefined && now >= this.pausedUntil; w = q.peek()) {
      if (log.sum + w.tokens > this.limit + WINDOW_EPS) break;
      if (released === CHUNK) {
        // More fit now: the next chunk goes once these calls have started.
        q.arm(0);
        return;
      }
      this.run.begin();
      log.add(now, w.tokens);
      q.shift();
      w.resolve();
      released++;
    }
    q.compact();
    if (!q.empty) q.armForHead((t) => this.waitFor(t, now));
  }
}
