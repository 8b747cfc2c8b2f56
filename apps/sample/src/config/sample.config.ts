import { Injectable } from '@nestjs/common';
import { RateLimiterRejectedError, type ResilienceModuleOptions } from 'nest-resilience';
import type { BudgetOptions, CostTrackerOptions } from 'nest-resilience/llm';
import type { FlakyUpstreamOptions } from '../upstream/flaky-upstream.js';

/** A bad environment variable; the message names it and its value. */
export class SampleConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`Invalid ${variable}=${JSON.stringify(value)} (expected ${expected})`);
    this.name = 'SampleConfigError';
  }
}

/** Name of the sample's daily budget (`SAMPLE_DAILY_BUDGET_USD`). */
export const SAMPLE_BUDGET = 'sample-daily';

/**
 * Reads the sample's settings from environment variables, the way `@nestjs/config`'s
 * `ConfigService` would (without the dependency). Every variable is optional:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PORT` | 3000 | HTTP port of the app |
 * | `HOST` | 127.0.0.1 | interface the app listens on |
 * | `QUOTES_TIMEOUT_MS` | 2000 | timeout of one provider call |
 * | `QUOTES_BREAKER_THRESHOLD` | 5 | consecutive failures that open the `quotes` breaker |
 * | `QUOTES_BREAKER_RECOVERY_MS` | 15000 | how long it stays open before a trial call |
 * | `QUOTES_RETRY_MAX` | 2 | retries after the first attempt |
 * | `QUOTES_RETRY_BASE_DELAY_MS` | 200 | first backoff delay (doubles, ±20% jitter) |
 * | `QUOTES_RETRY_MAX_AFTER_MS` | 3000 | longest provider `Retry-After` honoured |
 * | `QUOTES_RATE_PER_SECOND` | 50 | client-side limit on provider calls |
 * | `QUOTES_RATE_MAX_WAIT_MS` | 2000 | longest wait for a token before 429 |
 * | `QUOTES_API_KEY` | `demo-quotes-key` | key sent to the provider in `x-api-key` (never logged) |
 * | `BOARD_TIMEOUT_MS` | 1500 | longest a board quote waits for the provider (retries included) before the last known one is shown |
 * | `BOARD_MAX_CONCURRENT` | 10 | board requests calling the provider at once |
 * | `BOARD_MAX_QUEUED` | 20 | board requests waiting for one of those slots (more fall back at once) |
 * | `UPSTREAM_FAILURE_RATE` | 0 | simulated provider: share of 503s |
 * | `UPSTREAM_LATENCY_MS` | 0 | simulated provider: delay of every answer |
 * | `UPSTREAM_RATE_LIMIT_SHARE` | 0 | simulated provider: share of 429s |
 * | `REDIS_URL` | (unset) | set: limiter state lives in Redis, shared by every replica; unset: in memory |
 * | `REDIS_KEY_PREFIX` | `nest-resilience-sample:` | prefix of the sample's Redis keys |
 * | `REDIS_EXPECTED_REPLICAS` | 1 | replicas sharing the limit (each keeps its share while Redis is down) |
 * | `SAMPLE_DAILY_BUDGET_USD` | 1 | USD the `/ask` model may spend per UTC day (warning at 80%, then calls refused with 402); `0`: no budget |
 * | `SAMPLE_USAGE_DIR` | (unset) | set: one JSON line per model call in `<dir>/usage-YYYY-MM-DD.jsonl`; unset: daily totals in memory only |
 * | `SAMPLE_SPEND_FILE` | (unset) | set (memory store only): the budget's spend survives a restart in this journal file; with `REDIS_URL` the spend lives in Redis |
 */
@Injectable()
export class SampleConfig {
  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  /** A number from the environment, or `fallback` when unset; throws {@link SampleConfigError} when bad. */
  number(variable: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[variable];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new SampleConfigError(variable, raw, `a number in [${min}, ${max}]`);
    return value;
  }

  /** Like {@link number}, for whole numbers. */
  integer(variable: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.number(variable, fallback, min, max);
    if (!Number.isInteger(value))
      throw new SampleConfigError(variable, this.env[variable]!, `an integer in [${min}, ${max}]`);
    return value;
  }

  get port(): number {
    return this.number('PORT', 3000, 0, 65535);
  }

  get host(): string {
    return this.env.HOST?.trim() || '127.0.0.1';
  }

  /** The provider key (`QUOTES_API_KEY`); the simulated provider expects the same one. */
  get apiKey(): string {
    return this.env.QUOTES_API_KEY?.trim() || 'demo-quotes-key';
  }

  get requestTimeoutMs(): number {
    return this.number('QUOTES_TIMEOUT_MS', 2000, 1);
  }

  /** Options of the simulated provider. */
  upstream(): FlakyUpstreamOptions {
    return {
      failureRate: this.number('UPSTREAM_FAILURE_RATE', 0, 0, 1),
      latencyMs: this.number('UPSTREAM_LATENCY_MS', 0, 0, 60_000),
      rateLimitShare: this.number('UPSTREAM_RATE_LIMIT_SHARE', 0, 0, 1),
    };
  }

  /**
   * The Redis store when `REDIS_URL` is set (the `quotes` limiter is then shared by every
   * replica using the same Redis and prefix); `undefined` otherwise: state stays in memory.
   */
  store(): ResilienceModuleOptions['store'] {
    const url = this.env.REDIS_URL?.trim();
    if (!url) return undefined;
    if (!/^rediss?:\/\/[^/]/.test(url))
      throw new SampleConfigError('REDIS_URL', withoutPassword(url), 'a redis:// or rediss:// URL');
    return {
      type: 'redis',
      url,
      keyPrefix: this.env.REDIS_KEY_PREFIX?.trim() || 'nest-resilience-sample:',
      expectedReplicas: this.integer('REDIS_EXPECTED_REPLICAS', 1, 1, 1000),
    };
  }

  /** `SAMPLE_DAILY_BUDGET_USD`: the `/ask` model's daily budget, USD (0: none). Default 1. */
  get dailyBudgetUsd(): number {
    return this.number('SAMPLE_DAILY_BUDGET_USD', 1, 0, 1_000_000);
  }

  /**
   * The cost tracker of the sample's models (`ResilienceLlmModule`'s `costs`): the built-in prices
   * (the simulator answers as `gpt-4o-mini`, which they price), the daily budget `sample-daily`
   * (UTC day, warning at 80%) unless `SAMPLE_DAILY_BUDGET_USD=0`, and the usage log (in memory, or
   * daily JSONL files in `SAMPLE_USAGE_DIR`).
   */
  costs(): CostTrackerOptions {
    const limitUsd = this.dailyBudgetUsd;
    const dir = this.env.SAMPLE_USAGE_DIR?.trim();
    const spendFile = this.env.SAMPLE_SPEND_FILE?.trim();
    if (spendFile && this.env.REDIS_URL?.trim())
      throw new SampleConfigError(
        'SAMPLE_SPEND_FILE',
        spendFile,
        'unset when REDIS_URL is set (Redis keeps the spend)',
      );
    const daily: BudgetOptions = { name: SAMPLE_BUDGET, limitUsd, window: 'day', timeZone: 'UTC', warnAt: [0.8] };
    return {
      ...(limitUsd > 0 ? { budgets: [daily] } : {}),
      ...(spendFile ? { spendFile } : {}),
      usageLog: dir ? { dir } : {},
    };
  }

  /** The `quotes` and `board` policies (what `ResilienceModule.forRootAsync` gets), and the store. */
  resilience(): ResilienceModuleOptions {
    const store = this.store();
    return {
      ...(store === undefined ? {} : { store }),
      breakers: {
        quotes: {
          failureThreshold: this.number('QUOTES_BREAKER_THRESHOLD', 5, 1),
          recoveryTimeMs: this.number('QUOTES_BREAKER_RECOVERY_MS', 15_000, 0),
          // A 404 (unknown symbol) is the provider working, and a 429 is it pacing us (the
          // retry waits for its Retry-After): only other transient failures count.
          failOn: countsAgainstProvider,
        },
      },
      retries: {
        quotes: {
          maxRetries: this.number('QUOTES_RETRY_MAX', 2, 0, 10),
          baseDelayMs: this.number('QUOTES_RETRY_BASE_DELAY_MS', 200, 0),
          maxRetryAfterMs: this.number('QUOTES_RETRY_MAX_AFTER_MS', 3000, 0),
        },
      },
      limiters: {
        quotes: {
          rate: this.number('QUOTES_RATE_PER_SECOND', 50, 1),
          periodMs: 1000,
          maxWaitMs: this.number('QUOTES_RATE_MAX_WAIT_MS', 2000, 0),
        },
      },
      timeouts: {
        board: { totalTimeoutMs: this.number('BOARD_TIMEOUT_MS', 1500, 1, 2_147_483_647) },
      },
      bulkheads: {
        board: {
          maxConcurrent: this.integer('BOARD_MAX_CONCURRENT', 10, 1),
          maxQueued: this.integer('BOARD_MAX_QUEUED', 20, 0),
        },
      },
    };
  }
}

/**
 * The `quotes` breaker's `failOn`: transient failures (5xx, timeouts, refused connections)
 * count; a 429 does not (the provider is up and telling us to slow down), nor does any
 * non-transient answer such as a 404.
 */
export function countsAgainstProvider(error: unknown): boolean {
  const e = error as { isTransient?: unknown; status?: unknown } | null;
  // A local limiter refusal (the adaptive limiter inside the call) is not the provider failing.
  return e?.isTransient === true && e.status !== 429 && !(error instanceof RateLimiterRejectedError);
}

/** `url` with the password (and user) of its authority replaced by `***`, for messages. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1***@');
}
