import type { AnyFn } from './attempt-shared.js';

const EMPTY: readonly unknown[] = Object.freeze([]);
/** Records kept for reuse per pipeline (more calls in flight at once allocate, and drop, their own). */
const MAX_FREE = 64;

/**
 * A first attempt in flight on a pipeline's hot path: what its retry needs if it fails, and its
 * two settlement handlers, made once per record. Records are pooled, so a call that succeeds
 * allocates no closure; the fields are cleared when the attempt settles (nothing is kept alive).
 * @internal
 */
export class FirstAttempt {
  fn: AnyFn | undefined = undefined;
  thisArg: unknown = undefined;
  args: readonly unknown[] = EMPTY;
  signal: AbortSignal | undefined = undefined;
  tokens: number | undefined = undefined;
  withContext = false;
  lane: string | undefined = undefined;
  start = 0;
  next: FirstAttempt | undefined = undefined;
  readonly onFulfilled: (value: unknown) => unknown;
  readonly onRejected: (error: unknown) => Promise<unknown>;

  constructor(pool: FirstAttempts) {
    this.onFulfilled = (value) => {
      pool.release(this);
      return pool.succeeded(value);
    };
    this.onRejected = (error) => {
      // `failed` reads the fields before it awaits anything: the record can go back right after.
      const rest = pool.failed(error, this);
      pool.release(this);
      return rest;
    };
  }
}

/**
 * The pool of {@link FirstAttempt} records of one pipeline, with what an attempt's settlement
 * does: `succeeded(value)` (records the success, returns the value) and `failed(error, attempt)`
 * (records the failure, then retries or rejects).
 * @internal
 */
export class FirstAttempts {
  private free: FirstAttempt | undefined = undefined;
  private freeCount = 0;

  constructor(
    readonly succeeded: (value: unknown) => unknown,
    readonly failed: (error: unknown, attempt: FirstAttempt) => Promise<unknown>,
  ) {}

  take(
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    tokens: number | undefined,
    withContext: boolean,
    start: number,
    lane: string | undefined,
  ): FirstAttempt {
    let a = this.free;
    if (a !== undefined) {
      this.free = a.next;
      this.freeCount--;
      a.next = undefined;
    } else a = new FirstAttempt(this);
    a.fn = fn;
    a.thisArg = thisArg;
    a.args = args;
    a.signal = signal;
    a.tokens = tokens;
    a.withContext = withContext;
    a.start = start;
    a.lane = lane;
    return a;
  }

  release(a: FirstAttempt): void {
    a.fn = undefined;
    a.thisArg = undefined;
    a.args = EMPTY;
    a.signal = undefined;
    a.lane = undefined;
    if (this.freeCount < MAX_FREE) {
      a.next = this.free;
      this.free = a;
      this.freeCount++;
    }
  }
}
