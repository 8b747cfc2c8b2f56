/**
 * Base class of every error the library raises itself. `isTransient` tells the default
 * retry predicate whether trying again can help.
 * @publicApi
 */
export class ResilienceError extends Error {
  /** True when a later attempt may succeed. */
  readonly isTransient: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** A log-safe plain object. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, isTransient: this.isTransient };
  }
}

/**
 * Raised instead of calling through while a breaker is open (or its half-open trial slots
 * are taken). `retryAfterMs` is when the breaker will next admit a trial call (never negative).
 * @publicApi
 */
export class CircuitBreakerOpenError extends ResilienceError {
  override readonly isTransient = true;

  constructor(
    readonly policy: string,
    readonly retryAfterMs: number,
    readonly state: 'open' | 'half_open' = 'open',
    readonly partitionKey?: string,
  ) {
    super(
      `Circuit breaker '${policy}'${partitionKey !== undefined ? ` [${partitionKey}]` : ''} is ${
        state === 'open' ? 'open' : 'half-open with all trial calls in flight'
      }; retry after ${Math.ceil(retryAfterMs)} ms`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      policy: this.policy,
      state: this.state,
      retryAfterMs: this.retryAfterMs,
      partitionKey: this.partitionKey,
    };
  }
}

/**
 * Raised by a rate limiter in `reject` mode, or in `wait` mode when the caller could not be
 * admitted within `maxWaitMs` (raised at once, without waiting first).
 * @publicApi
 */
export class RateLimiterRejectedError extends ResilienceError {
  override readonly isTransient = true;

  constructor(
    readonly policy: string,
    readonly retryAfterMs: number,
    readonly tokens: number,
    readonly partitionKey?: string,
  ) {
    super(
      `Rate limit '${policy}'${partitionKey !== undefined ? ` [${partitionKey}]` : ''} exceeded: ${tokens} token(s) available in ${Math.ceil(retryAfterMs)} ms`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      policy: this.policy,
      retryAfterMs: this.retryAfterMs,
      tokens: this.tokens,
      partitionKey: this.partitionKey,
    };
  }
}

/**
 * Bad configuration. The message names the option path and the bad value.
 * @publicApi
 */
export class ResilienceConfigError extends ResilienceError {
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid resilience option ${path}: ${describeValue(value)} (expected ${expected})`);
  }
}

/** Renders a value for an error message without dumping large objects. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return Object.prototype.toString.call(value);
}

/** The hint a failure carries about when to try again, if any. */
export function retryAfterOf(error: unknown): number | undefined {
  const v = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}
