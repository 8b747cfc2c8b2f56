import type { Clock } from '../../core/clock.js';
import { AdmissionLog, SyncRun, WINDOW_EPS, admissionTime } from '../../core/store/sliding-window-log.js';

/** Admissions one synchronous run may make from the window (as `MemorySlidingWindow`'s chunks). */
export const LOCAL_CHUNK = 16;

/** Limit, window and margin of a {@link LocalWindow}. @internal */
export interface LocalWindowSpec {
  limit: number;
  windowMs: number;
  safetyMarginMs: number;
}

/**
 * This process's own sliding window for a `RedisSlidingWindow` (`limit / expectedReplicas`),
 * the local token source while Redis is down and, with more than one replica, a second
 * constraint for a while after it is back (see `RedisSlidingWindow`). No queue of its own:
 * the Redis limiter queues. The same rules as `MemorySlidingWindow`: an admission counts for
 * `windowMs + safetyMarginMs`, the admissions of one synchronous run are counted from when
 * it ends, at most {@link LOCAL_CHUNK} per run.
 * @internal
 */
export class LocalWindow {
  private readonly log = new AdmissionLog();
  private limit: number;
  private span: number;
  private pausedUntil = 0;
  private readonly run: SyncRun = new SyncRun(this.log, () => this.clock.now());

  /** @param full counts a whole `limit` as admitted now (the window "starts full"). */
  constructor(
    spec: LocalWindowSpec,
    private readonly clock: Clock,
    full = false,
  ) {
    this.limit = spec.limit;
    this.span = spec.windowMs + spec.safetyMarginMs;
    if (full) this.log.add(clock.now(), spec.limit);
  }

  /** A caller's tokens as the window counts them (it may hold less than the shared limit). */
  tokensOf(tokens: number): number {
    return Math.min(tokens, this.limit);
  }

  /** True when this synchronous run may admit no more (see {@link LOCAL_CHUNK}). */
  get runFull(): boolean {
    return this.run.count >= LOCAL_CHUNK;
  }

  /** Admits `tokens` now if they fit (not paused, counted + tokens ≤ limit). */
  take(tokens: number): boolean {
    const now = this.clock.now();
    this.log.expire(now, this.span);
    if (now < this.pausedUntil || this.log.sum + tokens > this.limit + WINDOW_EPS) return false;
    this.run.begin();
    this.run.count++;
    this.log.add(now, tokens);
    return true;
  }

  /** Records `tokens` admitted elsewhere for this process (by Redis) now, without a check. */
  record(tokens: number): void {
    const now = this.clock.now();
    this.log.expire(now, this.span);
    this.log.add(now, tokens);
  }

  /** Milliseconds until `tokens` (those queued ahead included) fit, counting a pause. */
  waitFor(tokens: number): number {
    const now = this.clock.now();
    this.log.expire(now, this.span);
    return admissionTime(this.log, this.log.sum + tokens, this.limit, this.span, Math.max(now, this.pausedUntil)) - now;
  }

  /** Tokens counted now. */
  counted(): number {
    this.log.expire(this.clock.now(), this.span);
    return this.log.sum;
  }

  /** Tokens that still fit now. */
  available(): number {
    return this.limit - this.counted();
  }

  /** True when nothing is counted any more. */
  isEmpty(): boolean {
    return this.counted() <= WINDOW_EPS;
  }

  /** Takes tokens of a call that never ran off the window (from its oldest admissions: stricter). */
  refund(tokens: number): void {
    this.log.credit(tokens);
  }

  setSpec(spec: LocalWindowSpec): void {
    this.limit = spec.limit;
    this.span = spec.windowMs + spec.safetyMarginMs;
  }

  /** Admits nobody until `untilMs`. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  /** Ends a pause now. */
  resume(): void {
    const now = this.clock.now();
    if (this.pausedUntil > now) this.pausedUntil = now;
  }
}
