import { TimeoutError } from '../../errors/index.js';
import type { BreakerBackend, BucketBackend } from '../../store/store.js';
import type { BreakerStage, BulkheadStage, FallbackStage, LimiterStage, TimeoutStage } from '../stages.js';

// Small stage objects for the pipeline specs: the composition is tested independently of the
// timeout, bulkhead and fallback policy classes. @internal

/** A bulkhead of `slots` with a FIFO queue of at most `maxQueued`, counting admissions and leaves. */
export class TestBulkhead implements BulkheadStage {
  readonly name = 'bulkhead';
  active = 0;
  entered = 0;
  left = 0;
  readonly queue: Array<{
    resolve: () => void;
    reject: (e: unknown) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
  }> = [];

  constructor(
    private readonly slots: number,
    private readonly maxQueued = Infinity,
    private readonly log?: string[],
  ) {}

  enter(signal?: AbortSignal): Promise<void> | undefined {
    this.log?.push('bulkhead.enter');
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.slots && this.queue.length === 0) {
      this.active++;
      this.entered++;
      return undefined;
    }
    if (this.queue.length >= this.maxQueued) throw new Error('bulkhead full');
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.queue)[number] = { resolve, reject, signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
    });
  }

  leave(): void {
    this.log?.push('bulkhead.leave');
    this.left++;
    this.active--;
    const next = this.queue.shift();
    if (next === undefined) return;
    if (next.onAbort !== undefined) next.signal!.removeEventListener('abort', next.onAbort);
    this.active++;
    this.entered++;
    next.resolve();
  }
}

/** A timeout stage whose deadlines reject with the core `TimeoutError`. */
export function timeoutStage(o: { attemptMs?: number; totalMs?: number; signalArg?: number }): TimeoutStage {
  const attemptMs = o.attemptMs ?? Infinity;
  const totalMs = o.totalMs ?? Infinity;
  return {
    name: 'timeout',
    attemptMs,
    totalMs,
    signalArg: o.signalArg ?? -1,
    timeoutError: (scope) => new TimeoutError('timeout', scope === 'attempt' ? attemptMs : totalMs, scope),
  };
}

/** A fallback stage that handles what `handles` accepts and records what it was given. */
export function fallbackStage(
  handles: (error: unknown) => boolean,
  value: (error: unknown) => unknown,
): FallbackStage & { calls: Array<{ error: unknown; thisArg: unknown; args: readonly unknown[] }> } {
  const calls: Array<{ error: unknown; thisArg: unknown; args: readonly unknown[] }> = [];
  return {
    name: 'fallback',
    calls,
    handles,
    fallback(error, thisArg, args) {
      calls.push({ error, thisArg, args });
      return value(error);
    },
  };
}

const BREAKER_METHODS = [
  'admit',
  'precheck',
  'onSuccess',
  'onFailure',
  'onIgnored',
  'state',
  'snapshot',
  'forceOpen',
  'reset',
  'disable',
  'isIdle',
] as const;
const BUCKET_METHODS = [
  'acquire',
  'isIdle',
  'available',
  'waiting',
  'setSpec',
  'spec',
  'pauseUntil',
  'refund',
  'resume',
] as const;

/** An object forwarding `methods` to `target`, logging those in `logged` as `<prefix>.<method>`. */
function forward<T extends object>(
  target: T,
  methods: readonly string[],
  logged: readonly string[],
  prefix: string,
  log: string[],
): T {
  const out: Record<string, unknown> = {};
  for (const m of methods) {
    const fn = (target as Record<string, (...a: unknown[]) => unknown>)[m]!;
    out[m] = (...a: unknown[]) => {
      if (logged.includes(m)) log.push(`${prefix}.${m}`);
      return fn.apply(target, a);
    };
  }
  return out as T;
}

/** The breaker stage `inner`, logging its backend's admission and outcome calls to `log`. */
export function tracedBreaker(inner: BreakerStage, log: string[]): BreakerStage {
  const logged = ['precheck', 'admit', 'onSuccess', 'onFailure', 'onIgnored'];
  return {
    name: inner.name,
    get measuresDuration() {
      return inner.measuresDuration;
    },
    countsAsFailure: (e) => inner.countsAsFailure(e),
    backendFor: (args) => forward<BreakerBackend>(inner.backendFor(args), BREAKER_METHODS, logged, 'breaker', log),
  };
}

/** The limiter stage `inner`, logging token takes and refunds to `log`. */
export function tracedLimiter(inner: LimiterStage, log: string[]): LimiterStage {
  return {
    name: inner.name,
    maxWaitMs: inner.maxWaitMs,
    tokensFor: (args) => inner.tokensFor(args),
    bucketFor: (args) =>
      forward<BucketBackend>(inner.bucketFor(args), BUCKET_METHODS, ['acquire', 'refund'], 'limiter', log),
  };
}
